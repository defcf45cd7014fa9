"""Every form version a record was saved with stays readable: snapshots in ``form_snapshot``."""

from __future__ import annotations

import hashlib
import json
import weakref
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, event, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ieum.definitions import Registry
from ieum.definitions.frozen import freeze
from ieum.definitions.model import FormDef
from ieum.i18n import gettext as _
from ieum.services import ServiceError
from ieum.store.models import FormSnapshot


def schema_hash(form: FormDef) -> str:
    text = json.dumps(form.schema_dict(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


#: Per engine (one per app or CLI command), the ``(form id, version)`` whose snapshot a
#: committed transaction has seen kept: the SELECT that asks again is skipped on every later
#: save of that version (issue 15). Snapshots are never deleted, so the answer cannot go
#: stale; it is learnt only after a commit, so a rolled-back save teaches nothing.
_kept: weakref.WeakKeyDictionary[Engine, set[tuple[str, int]]] = weakref.WeakKeyDictionary()


def _learn_after_commit(session: Session, engine: Engine, key: tuple[str, int]) -> None:
    pending = session.info.setdefault("ieum.snapshots_kept", set())
    if not pending:
        def learn(committed: Session) -> None:
            _kept.setdefault(engine, set()).update(committed.info.pop("ieum.snapshots_kept",
                                                                       ()))

        def forget(rolled_back: Session, _previous: object = None) -> None:
            rolled_back.info.pop("ieum.snapshots_kept", None)

        event.listen(session, "after_commit", learn, once=True)
        event.listen(session, "after_soft_rollback", forget, once=True)
    pending.add(key)


def remember(session: Session, form: FormDef) -> None:
    """Keep a snapshot of ``form``'s version unless one is kept already."""
    engine = session.get_bind()
    engine = getattr(engine, "engine", engine)
    key = (form.id, form.version)
    if key in _kept.get(engine, ()):
        return
    exists = session.scalar(select(FormSnapshot.id).where(
        FormSnapshot.form_id == form.id, FormSnapshot.version == form.version))
    _learn_after_commit(session, engine, key)
    if exists is not None:
        return
    # INSERT ... ON CONFLICT DO NOTHING: another request may keep the same version first. (Not
    # a SAVEPOINT: with pysqlite, releasing a savepoint opened before any other write commits
    # it at once, so the snapshot outlived a save that failed later in the transaction.)
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(FormSnapshot).values(
        form_id=form.id, version=form.version, schema=form.schema_dict(),
        sha256=schema_hash(form)).on_conflict_do_nothing(index_elements=["form_id", "version"]))


@lru_cache(maxsize=256)
def _from_snapshot(form_id: str, version: int, sha256: str, schema_json: str) -> FormDef:
    schema = json.loads(schema_json)
    return FormDef(id=form_id, title=schema.get("title", form_id), version=version,
                   schema=freeze(schema), path=Path(f"form_snapshot/{form_id}@{version}"))


def form_version(session: Session, registry: Registry, form_id: str, version: int) -> FormDef:
    """The form ``form_id`` as it was in ``version``: the loaded file if it is that version,
    otherwise the snapshot kept when a record was first saved with it."""
    current = registry.forms.get(form_id)
    if current is not None and current.version == version:
        return current
    snapshot = session.scalar(select(FormSnapshot).where(
        FormSnapshot.form_id == form_id, FormSnapshot.version == version))
    if snapshot is None:
        raise ServiceError(_("양식 %(form_id)s의 %(version)s판을 찾을 수 없습니다.",
                             form_id=form_id, version=version), status=500)
    return _from_snapshot(form_id, version, snapshot.sha256,
                          json.dumps(snapshot.schema, ensure_ascii=False))
