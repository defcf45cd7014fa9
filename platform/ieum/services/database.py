"""The database as the web app and the CLI open it: refuse one that is not migrated, tell
whether it answers, and keep the list screens' indexes in step with the forms
(``ieum.store.indexes``)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ieum.definitions import Registry
from ieum.forms.fields import field_tree
from ieum.store import Database
from ieum.store import indexes as store_indexes
from ieum.store.db import end_session
from ieum.store.migrate import is_up_to_date

__all__ = ["Database", "end_session", "is_reachable", "list_fields", "open_database",
           "sync_indexes", "wanted"]

NOT_MIGRATED = "데이터베이스가 최신 버전이 아닙니다. 먼저 'ieum db upgrade'를 실행하세요."


def open_database(url: str) -> Database:
    """The engine and sessions of ``url``; ``RuntimeError`` (and nothing left open) when the
    database is not migrated to the latest revision."""
    database = Database(url)
    if not is_up_to_date(database.url):
        database.dispose()
        raise RuntimeError(NOT_MIGRATED)
    return database


def list_fields(registry: Registry) -> Iterator[store_indexes.ListField]:
    """Every field a list screen of ``registry``'s forms filters on or shows as a column,
    forms by id and fields in screen order."""
    for form in sorted(registry.forms.values(), key=lambda f: f.id):
        tree = field_tree(form)
        filters = {f.name for f in tree.filters}
        columns = {f.name for f in tree.list_columns}
        for item in tree.fields:
            if item.name in filters or item.name in columns:
                yield store_indexes.ListField(form.id, item.name, item.kind,
                                              item.name in filters, item.name in columns)


def wanted(registry: Registry, dialect) -> list[store_indexes.Wanted]:  # noqa: ANN001
    """Every ``ixf_``/``stf_`` object ``registry``'s lists ask for, with its DDL."""
    return store_indexes.wanted(list_fields(registry), dialect)


def sync_indexes(engine: Engine, registry: Registry, *, analyze: bool = True,
                 min_rows: int = store_indexes.INDEXED_FROM_ROWS) -> store_indexes.IndexReport:
    """Create the list indexes ``registry`` asks for, for the forms with ``min_rows`` records
    in a facility (0: every form), and drop the others (PostgreSQL; nothing on SQLite);
    idempotent."""
    return store_indexes.sync_indexes(engine, list_fields(registry), analyze=analyze,
                                      min_rows=min_rows)


def is_reachable(session: Session) -> bool:
    """Does the database answer a trivial query on ``session`` (``/health``)?"""
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True
