"""Indexes that follow the content: the list screens' filter and sort fields (PostgreSQL).

A form's list screen filters on its ``x-ui.filter`` fields and sorts on its list columns,
all inside the JSON document of ``record.data``. Without an index on those expressions
PostgreSQL reads every record of the facility's form to filter, count and sort a page. The
Alembic models cannot know which fields a library declares, so these indexes are derived from
the loaded registry and kept in step by ``ieum db index`` (which ``ieum db upgrade`` runs after
the migrations):

- per form and filter field, ``(facility_id, unit_function, <field>)``; per sortable list
  column, two, in the list's two orders (``<field> ASC NULLS LAST, id`` and
  ``<field> DESC NULLS LAST, id DESC``) so that a page is read in order from the index;
- each *partial* (``WHERE form_id = '<form>' AND deleted_at IS NULL``): a record is written
  only into its own form's few indexes, not into all of the library's;
- PostgreSQL ignores the statistics of partial expression indexes, so each filter field also
  gets a statistics object on ``(form_id, <field>)`` (PostgreSQL 14+), which makes the planner
  see how many rows a filter keeps and choose the ordered index scan for a common value;
- names carry ``ixf_`` / ``stf_`` and a hash of the definition: a changed field (another
  kind, so another expression) gets a new index and the old one is dropped; so is every
  ``ixf_``/``stf_`` object no form asks for any more. The Alembic comparison ignores these
  names (``include_object``);
- only for the forms that need them: a form's indexes and statistics are made once one
  facility holds ``INDEXED_FROM_ROWS`` of its records (and kept while it holds half as many).
  PostgreSQL plans every statement on ``record`` (a read by primary key too) by opening and
  weighing *every* index of the table: with the whole library indexed (~640 indexes after
  ``ieum demo``) planning took 11-19 ms on a warm connection and 200-300 ms on a new one,
  against 0.05 ms to run the statement. Below the threshold the list reads the facility's
  records of the form through ``ix_record_facility_unit_form`` and sorts them in memory (a
  few milliseconds at 1,000 records), so a form earns its indexes when its lists need them.
  A form that grows gets them at the next ``ieum db index`` (``ieum db upgrade`` runs it;
  run it nightly too).

The fields come from the content (``ieum.services.database`` lists them from the registry's
forms: the store knows no form). The field expressions are the ones the records service
filters and sorts with (``ieum.store.json_fields``), compiled for PostgreSQL, so the planner
matches them. Indexes are built ``CONCURRENTLY`` (writers are not blocked on a live
database). SQLite is left alone: its JSON paths are bound parameters in the queries, which
its planner cannot match to an expression index, and an embedded single-facility database is
small enough (see ``docs/PERFORMANCE.md``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, MetaData, text
from sqlalchemy.schema import CreateIndex, Index

from ieum.store.json_fields import json_field
from ieum.store.models import Record
from ieum.store.search import GRAM_TABLE, grams, sync_sqlite

INDEX_PREFIX = "ixf_"
STATISTICS_PREFIX = "stf_"
#: Field kinds the list sorts on as one JSON scalar (``ieum.forms.fields`` kinds).
_SORTED_KINDS = frozenset({"text", "date", "datetime", "time", "select", "radio", "integer",
                           "number", "boolean", "phone"})
#: Kinds the list filters by equality or a range, which a B-tree serves (text is searched
#: with ``ILIKE '%…%'``, which it cannot).
_FILTERED_KINDS = frozenset({"date", "datetime", "select", "radio", "integer", "number",
                             "boolean"})
_NAME_LENGTH = 63  # PostgreSQL's identifier limit
#: A form's list indexes are made once one facility holds this many of its records (deleted
#: ones included: the list's fallback index holds them too) and dropped again below half.
INDEXED_FROM_ROWS = 1_000
#: From this many rows (PostgreSQL's estimate) indexes are built and dropped CONCURRENTLY.
CONCURRENT_FROM_ROWS = 50_000


@dataclass(frozen=True)
class Wanted:
    """One object to keep: its name and the statement creating it."""

    name: str
    kind: str  # "index" or "statistics"
    ddl: str
    form_id: str = ""  # the form it serves; "" for the default order, which serves all


@dataclass(frozen=True)
class ListField:
    """A field of a form's list screen: a filter (``x-ui.filter``) and/or a list column."""

    form_id: str
    name: str
    kind: str  # an ``ieum.forms.fields`` kind
    filter: bool
    column: bool


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001
    """Alembic hook: leave the content-driven indexes out of model comparisons."""
    return not (type_ in ("index", "table") and name and str(name).startswith(INDEX_PREFIX))


def _name(prefix: str, form_id: str, field: str, suffix: str, ddl: str) -> str:
    digest = hashlib.sha256(ddl.encode()).hexdigest()[:8]
    stem = f"{prefix}{form_id}__{field}"[: _NAME_LENGTH - len(suffix) - 10]
    return f"{stem}_{suffix}_{digest}".lower()


def sorted_in_index(kind: str) -> bool:
    """Whether a list column of ``kind`` has its two ordered indexes (when listed)."""
    return kind in _SORTED_KINDS


def searched(kind: str) -> bool:
    """Whether a filter field of ``kind`` is searched as text (``ILIKE '%…%'``), not
    compared by equality or a range."""
    return kind not in _FILTERED_KINDS


def _fields(fields: Iterable[ListField]) -> Iterable[tuple[ListField, bool, bool, bool]]:
    """(field, filtered on, sorted on, searched) for every field that gets an index."""
    for item in fields:
        filtered = item.filter and item.kind in _FILTERED_KINDS
        sorted_on = item.column and item.kind in _SORTED_KINDS
        search = item.filter and searched(item.kind)
        if filtered or sorted_on or search:
            yield item, filtered, sorted_on, search


def wanted(fields: Iterable[ListField], dialect) -> list[Wanted]:  # noqa: ANN001
    """Every ``ixf_``/``stf_`` object the list ``fields`` ask for, with its DDL for
    ``dialect``."""
    table = Record.__table__.to_metadata(MetaData())
    found: list[Wanted] = []
    # Every list's meta sorts, for all forms at once: the default order (updated_at, newest
    # first), created and saved state. Never NULL, so the list orders them plainly
    # (``ieum.services.records``) and one index serves both directions (read backwards for
    # the descending one). The updated_at index keeps the column list it always had (ASC
    # NULLS LAST is plain ASC), so installs keep it; its old descending twin is dropped.
    found.append(_index(dialect, table, "", "updated_at", "a",
                        (table.c.facility_id, table.c.unit_function, table.c.form_id,
                         table.c.updated_at.asc().nulls_last(), table.c.id.asc()),
                        table.c.deleted_at.is_(None)))
    for column in (table.c.created_at, table.c.status):
        found.append(_index(dialect, table, "", column.name, "a",
                            (table.c.facility_id, table.c.unit_function, table.c.form_id,
                             column, table.c.id), table.c.deleted_at.is_(None)))
    for item, filtered, sorted_on, search in _fields(fields):
        form_id = item.form_id
        expression = json_field(item.name, item.kind, table.c.data)
        where = (table.c.form_id == form_id) & table.c.deleted_at.is_(None)
        shapes = []
        if sorted_on:
            shapes += [("a", (expression.asc().nulls_last(), table.c.id.asc())),
                       ("d", (expression.desc().nulls_last(), table.c.id.desc()))]
        elif filtered:
            shapes.append(("f", (expression,)))
        for suffix, columns in shapes:
            found.append(_index(dialect, table, form_id, item.name, suffix,
                                (table.c.facility_id, table.c.unit_function, *columns), where))
        if search:  # the characters and pairs of the text (ieum.store.search), for ILIKE
            searched_grams = grams(table.c.facility_id, table.c.data[item.name].as_string())
            found.append(_index(dialect, table, form_id, item.name, "g", (searched_grams,),
                                where, using="gin"))
            found.append(_statistics(dialect, form_id, item.name, "t", searched_grams, ""))
        if filtered:
            found.append(_statistics(dialect, form_id, item.name, "s", expression,
                                     "form_id, "))
    return found


def _statistics(dialect, form_id: str, field: str, suffix: str, expression,  # noqa: ANN001
                columns: str) -> Wanted:  # noqa: ANN001
    """A statistics object on ``columns`` and ``expression`` of ``record``."""
    element = dialect.statement_compiler(dialect, None).process(
        expression, include_table=False, literal_binds=True)
    body = f"ON {columns}({element}) FROM record"
    name = _name(STATISTICS_PREFIX, form_id, field, suffix, body)
    return Wanted(name, "statistics", f'CREATE STATISTICS IF NOT EXISTS "{name}" {body}',
                  form_id)


def _index(dialect, table, form_id: str, field: str, suffix: str, columns,  # noqa: ANN001
           where, using: str | None = None) -> Wanted:  # noqa: ANN001
    """A partial index on ``table``'s copy of ``record``; named after its definition."""
    options = {"postgresql_using": using} if using else {}
    probe = Index("probe", *columns, postgresql_where=where, **options)
    body = str(CreateIndex(probe).compile(dialect=dialect))
    name = _name(INDEX_PREFIX, form_id, field, suffix, body)
    index = Index(name, *columns, postgresql_where=where, postgresql_concurrently=True,
                  **options)
    ddl = str(CreateIndex(index, if_not_exists=True).compile(dialect=dialect))
    table.indexes.discard(probe)
    table.indexes.discard(index)
    return Wanted(name, "index", ddl, form_id)


@dataclass(frozen=True)
class IndexReport:
    created: tuple[str, ...]
    dropped: tuple[str, ...]
    kept: int
    skipped: str | None = None  # why nothing was done (e.g. SQLite)


def existing(engine: Engine) -> dict[str, str]:
    """The ``ixf_`` indexes and ``stf_`` statistics in the current schema: name -> kind."""
    with engine.connect() as connection:
        indexes = connection.execute(text(
            "SELECT c.relname, i.indisvalid FROM pg_class c JOIN pg_index i "
            "ON i.indexrelid = c.oid WHERE c.relnamespace = current_schema()::regnamespace "
            "AND c.relname LIKE :prefix"), {"prefix": INDEX_PREFIX + "%"}).all()
        statistics = connection.execute(text(
            "SELECT stxname FROM pg_statistic_ext WHERE stxnamespace = "
            "current_schema()::regnamespace AND stxname LIKE :prefix"),
            {"prefix": STATISTICS_PREFIX + "%"}).scalars().all()
    found = {name: "index" if valid else "invalid index" for name, valid in indexes}
    found.update((name, "statistics") for name in statistics)
    return found


def form_sizes(connection) -> dict[str, int]:  # noqa: ANN001
    """Per form, the most records one facility holds (deleted ones included): what the list
    of that form reads and sorts when the form has no index of its own. Counted from
    ``ix_record_facility_unit_form`` (an index-only scan on a vacuumed table)."""
    rows = connection.execute(text(
        "SELECT form_id, max(n) FROM (SELECT facility_id, form_id, count(*) AS n FROM record "
        "GROUP BY facility_id, form_id) AS sizes GROUP BY form_id")).all()
    return {form_id: int(size) for form_id, size in rows}


def needed(want: Iterable[Wanted], have: Iterable[str], sizes: dict[str, int],
           min_rows: int) -> list[Wanted]:
    """The objects of ``want`` to keep: the default order's always, a form's once one
    facility holds ``min_rows`` of its records, or half as many when the form has any of
    its objects already (no building and dropping while a form hovers at the threshold)."""
    want = list(want)
    have = set(have)
    started = {item.form_id for item in want if item.name in have}
    return [item for item in want if not item.form_id or sizes.get(item.form_id, 0) >= (
        (min_rows + 1) // 2 if item.form_id in started else min_rows)]


def sync_indexes(engine: Engine, fields: Iterable[ListField], *, analyze: bool = True,
                 min_rows: int = INDEXED_FROM_ROWS) -> IndexReport:
    """Create the wanted objects that are missing and drop the ones no longer wanted;
    idempotent. Only forms with ``min_rows`` records in a facility get theirs (``needed``;
    0: every form). ``ANALYZE record`` afterwards when anything was created (statistics)."""
    if engine.dialect.name == "sqlite":  # only the search's gram table (ieum.store.search)
        searched_fields = sorted({(item.form_id, item.name) for item in fields
                                  if item.filter and searched(item.kind)})
        with engine.begin() as connection:
            added, dropped = sync_sqlite(connection, searched_fields)
        return IndexReport(tuple(f"{GRAM_TABLE}:{name}" for name in added),
                           tuple(f"{GRAM_TABLE}:{name}" for name in dropped),
                           len(searched_fields) - len(added),
                           skipped="sqlite: 목록 색인은 만들지 않고 검색용 글자 표만 유지합니다")
    if engine.dialect.name != "postgresql":
        return IndexReport((), (), 0, skipped=f"{engine.dialect.name}: 색인을 만들지 않습니다")
    have = existing(engine)  # connects: the server's version is known from here on
    want = wanted(fields, engine.dialect)
    if min_rows > 0:
        with engine.connect() as connection:
            want = needed(want, have, form_sizes(connection), min_rows)
    want = {item.name: item for item in want}
    if (engine.dialect.server_version_info or (0,)) < (14,):  # statistics on expressions: 14+
        want = {name: item for name, item in want.items() if item.kind == "index"}
    created, dropped = [], []
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # CONCURRENTLY keeps a live table writable while an index builds, but waits for every
        # older transaction of the database first; a small table is indexed at once instead.
        rows = connection.scalar(text(
            "SELECT reltuples FROM pg_class WHERE oid = 'record'::regclass")) or 0
        concurrently = " CONCURRENTLY" if rows >= CONCURRENT_FROM_ROWS else ""
        for name, kind in sorted(have.items()):
            if name in want and kind != "invalid index":  # an interrupted CONCURRENTLY build
                continue                                   # leaves an invalid one: rebuild
            if kind == "statistics":
                connection.execute(text(f'DROP STATISTICS IF EXISTS "{name}"'))
            else:
                connection.execute(text(f'DROP INDEX{concurrently} IF EXISTS "{name}"'))
            dropped.append(name)
            have.pop(name)
        for name, item in want.items():
            if name not in have:
                ddl = item.ddl if concurrently else item.ddl.replace(
                    "CREATE INDEX CONCURRENTLY ", "CREATE INDEX ", 1)
                connection.execute(text(ddl))
                created.append(name)
        if created and analyze:
            connection.execute(text("ANALYZE record"))
    return IndexReport(tuple(created), tuple(dropped), len(want) - len(created))
