"""Writing one new row now, without a flush of the session (issue 15).

A workflow step needs the id of the record it saves before it can move the process on (the
id goes into the process data and onto the task row), so the record is written first, and
the rest of the step later in one flush. Flushing the session for that single row runs the
whole unit of work (about three times the cost of the statement itself on the benchmark
machine); :func:`insert_now` writes it with one ``INSERT`` and makes the object a persistent
member of the session, as a flush would have.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Insert, Table, event, insert, inspect
from sqlalchemy.orm import Session, SessionTransaction, make_transient_to_detached

#: ``Session.info`` key: rows written by :func:`insert_now` in the open transaction
_WRITTEN = "ieum.inserted_now"


def insert_now(session: Session, row: Any, *, alone: bool = False) -> Any:
    """Write the new ORM object ``row`` with one ``INSERT`` and add it to ``session`` as
    persistent (its id set, column defaults applied to it as to the row). Falls back to
    ``session.add`` and a flush when the session holds unwritten changes (the row may refer
    to them: they must be written first, in the order the unit of work knows) or the table
    has server-side defaults the object would have to read back. ``alone``: the table has no
    foreign keys, so the row may go before the session's unwritten changes."""
    mapper = inspect(row).mapper
    table = mapper.local_table
    pending = bool(session.new or session.dirty or session.deleted)
    if (pending and not (alone and not table.foreign_keys)) or len(mapper.tables) != 1 \
            or any(column.server_default is not None for column in table.columns):
        session.add(row)
        session.flush()
        return row
    (key,) = mapper.primary_key
    values: dict[str, Any] = {}
    state = row.__dict__
    for column in table.columns:
        attribute = mapper.get_property_by_column(column).key
        if attribute in state:
            values[column.key] = state[attribute]
            continue
        if column is key:
            continue
        if column.default is not None and column.default.is_scalar:
            values[column.key] = column.default.arg
        elif column.default is not None and column.default.is_callable:
            values[column.key] = column.default.arg(None)
        else:
            values[column.key] = None
        setattr(row, attribute, values[column.key])
    inserted = session.execute(_insert(table), values)
    setattr(row, mapper.get_property_by_column(key).key, inserted.inserted_primary_key[0])
    make_transient_to_detached(row)
    session.add(row)
    session.info.setdefault(_WRITTEN, []).append(row)
    return row


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous: SessionTransaction) -> None:
    """A flushed new object leaves the session when its transaction is rolled back; a row
    :func:`insert_now` wrote must leave too, or its id (reused by the next insert) would
    clash with the stale object still in the identity map."""
    if previous.parent is None:  # the outermost transaction (not a savepoint)
        for row in session.info.pop(_WRITTEN, ()):
            if row in session:
                session.expunge(row)


@event.listens_for(Session, "after_commit")
def _forget_committed(session: Session) -> None:
    session.info.pop(_WRITTEN, None)


@lru_cache(maxsize=64)
def _insert(table: Table) -> Insert:
    return insert(table)
