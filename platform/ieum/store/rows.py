"""Writing rows without a flush of the session (issue 15).

A workflow step needs the id of the record it saves before it can move the process on (the
id goes into the process data and onto the task row), so the record is written first, and
the rest of the step later. Flushing the session for that single row runs the whole unit of
work (about three times the cost of the statement itself on the benchmark machine);
:func:`insert_now` writes it with one ``INSERT`` and makes the object a persistent member of
the session, as a flush would have.

:func:`write_pending` writes the rest of the step the same way: the changed columns of the
changed rows (the completed task; the instance, version-checked as the unit of work does) by
one ``UPDATE`` each, then the new rows (the next tasks, their notices) by one ``INSERT`` each,
a row after the rows it refers to. It takes only what it can write exactly as a flush would
(plain columns, many-to-one references, Python-side defaults); anything else (a deleted row,
a changed collection, a server-side default, a mapper over several tables) is left to the
flush.

On PostgreSQL those statements go as the parts of one (data-modifying ``WITH`` queries), one
round trip for the step's writes (a new row referring to another takes its key from that
row's part), unless a column of a unique constraint changes (:func:`_write_together`).

:func:`persistent` is the other direction: a row read by a prebuilt Core statement becomes the
session's object for it, as an ORM query would have made it, without the ORM's loading
machinery. That alone saves little (a task with its instance: ~225 against ~250 µs of CPU,
most of it decoding the instance's state); it lets one prebuilt statement read rows of
several tables for one step (``ieum.services.workflows``: the task, its instance and subject,
the unit's closing).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    Insert,
    Table,
    UniqueConstraint,
    Update,
    and_,
    bindparam,
    event,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.orm import Mapper, Session, SessionTransaction, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state, set_committed_value
from sqlalchemy.orm.base import NO_VALUE
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.interfaces import MANYTOONE

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
    if (pending and not (alone and not table.foreign_keys)) or not _plain(mapper):
        session.add(row)
        session.flush()
        return row
    _write_new(session, session.connection().execute, row, mapper)
    return row


def autoflush(session: Session) -> None:
    """What an ORM query does before it reads: flush the session's changes, unless its
    autoflush is off (``no_autoflush``). For a Core read on the session's connection."""
    session._autoflush()  # noqa: SLF001 - the one call that honors both switches


def persistent(session: Session, model: type, values: Any) -> Any:
    """The session's object of ``model`` for a row just read by a Core statement (``values``:
    every column of the model's table, by column key), as an ORM query gives it: the object
    the session holds already (its unloaded attributes filled from the row, the others kept
    as they are), else a new persistent one whose attributes are the row's, unchanged."""
    mapper = inspect(model)
    attributes = _column_attributes(mapper)
    key = mapper.identity_key_from_primary_key(
        [values[column.key] for column in mapper.primary_key])
    found = session.identity_map.get(key)
    if found is not None:
        for attribute in instance_state(found).unloaded & attributes.keys():
            set_committed_value(found, attribute, values[attributes[attribute]])
        return found
    row = mapper.class_manager.new_instance()
    state = row.__dict__
    for attribute, column in attributes.items():
        state[attribute] = values[column]
    make_transient_to_detached(row)
    session.add(row)
    return row


@lru_cache(maxsize=256)
def _column_attributes(mapper: Mapper) -> dict[str, str]:
    """Attribute name -> column key, for every column of the mapper's one table."""
    return {attribute: column.key for attribute, column in _columns(mapper).items()}


@lru_cache(maxsize=256)
def _plain(mapper: Mapper) -> bool:
    """One table, one primary key column, no server-side defaults or versions."""
    table = mapper.local_table
    return len(mapper.tables) == 1 and len(mapper.primary_key) == 1 \
        and not any(column.server_default is not None or column.server_onupdate is not None
                    for column in table.columns) \
        and (mapper.version_id_col is None or callable(mapper.version_id_generator))


def write_pending(session: Session) -> bool:
    """Write the session's pending changes as a flush would, by plain ``UPDATE`` and
    ``INSERT`` statements (see the module's docstring); ``False`` (nothing written) when they
    are not all of the kinds it takes: then the caller flushes. A versioned row changed since
    it was read raises ``StaleDataError``, as the flush does."""
    if session.deleted:
        return False
    changed = [inspect(row) for row in session.dirty]
    new = [inspect(row) for row in session.new]
    if not all(_plain(state.mapper) and not _relations_changed(state) for state in changed):
        return False
    ordered = _after_their_references(new)
    if ordered is None:
        return False
    connection = session.connection()
    changed.sort(key=lambda state: (_table_order(state.mapper.local_table), state.identity))
    if connection.dialect.name == "postgresql" and _together(changed, ordered):
        _write_together(session, connection, changed, ordered)
        return True
    for state in changed:
        _update(connection, state)
    for state in changed:
        state._commit_all(state.dict, session.identity_map)  # noqa: SLF001 - what a flush does
    for state in ordered:
        _insert_pending(session, connection, state)
    return True


def _together(changed: list[Any], new: list[Any]) -> bool:
    """Whether the rows may be written by one statement (PostgreSQL, :func:`_write_together`):
    more than one to write, a new row referring to another new row only by its primary key
    (the part that writes it gives it), no change to a column of a unique constraint or index
    (the parts of one statement are not ordered: a new row could meet the old value)."""
    if len(changed) + len(new) < 2:
        return False
    if any(_new_references(state) is None for state in new):
        return False
    return not any(_unique_attributes(state.mapper) & state.committed_state.keys()
                   for state in changed)


def _new_references(state: Any) -> list[tuple[str, str, Any]] | None:
    """The references of the new row of ``state`` to other new rows: (its column's key, its
    attribute, the other row's state) for each column; ``None`` when one refers to something
    else than the other row's primary key."""
    found = []
    for relation in state.mapper.relationships:
        target = state.dict.get(relation.key)
        if relation.direction is not MANYTOONE or target is None:
            continue
        target_state = inspect(target)
        if target_state.key is not None:
            continue  # written already: its key is synced as usual
        for local, remote in relation.local_remote_pairs:
            if tuple(target_state.mapper.primary_key) != (remote,):
                return None
            found.append((local.key, state.mapper.get_property_by_column(local).key,
                          target_state))
    return found


def _write_together(session: Session, connection: Any, changed: list[Any],
                    new: list[Any]) -> None:
    """PostgreSQL: the changed rows' ``UPDATE`` and the new rows' ``INSERT`` statements as
    the parts of one statement (data-modifying ``WITH`` queries, each run once, all in the
    statement's snapshot; its one row gives each ``UPDATE``'s count and each new row's key;
    a new row's reference to another new row reads that row's part): one round trip for a
    step's writes instead of one each. The rows end as :func:`write_pending` leaves them; a
    stale version raises ``StaleDataError``."""
    shape: list[tuple[Any, ...]] = []
    params: dict[str, Any] = {}
    for state in changed:
        found = _update_values(state)
        if found is None:
            continue  # no net change: nothing written, as by a flush
        values, where, version = found
        prefix = f"w{len(shape)}_"
        shape.append(("update", state.mapper.local_table, tuple(sorted(values)), version))
        params.update({f"{prefix}set_{k}": v for k, v in values.items()})
        params.update({f"{prefix}{k}": v for k, v in where.items()})
    rows, parts = [], {}
    for state in new:  # in the order a flush writes them: a referred row comes first
        references = _new_references(state) or []
        row = _detached_new(session, state)
        values = _insert_values(row, state.mapper)
        for column, _attribute, _target in references:
            values.pop(column)
        prefix = f"w{len(shape)}_"
        parts[id(state)] = len(shape)
        shape.append(("insert", state.mapper.local_table, tuple(sorted(values)),
                      tuple(sorted((column, parts[id(target)])
                                   for column, _attribute, target in references))))
        params.update({f"{prefix}{k}": v for k, v in values.items()})
        rows.append((row, state.mapper, references))
    written = connection.execute(_together_statement(tuple(shape)), params).one()
    for part, outcome in zip(shape, written, strict=True):
        if part[0] == "update":
            _check_updated(part[1], outcome)
    for state in changed:
        state._commit_all(state.dict, session.identity_map)  # noqa: SLF001 - what a flush does
    for row, _mapper, references in rows:
        for _column, attribute, target in references:  # as a flush syncs a reference
            row.__dict__[attribute] = written[parts[id(target)]]
    for (row, mapper, _references), key in zip(rows, written[len(shape) - len(rows):],
                                               strict=True):
        row.__dict__[_insert_plan(mapper)[0]] = key
        adopt(session, row)


@lru_cache(maxsize=64)
def _together_statement(shape: tuple[tuple[Any, ...], ...]) -> Any:
    """``WITH w0 AS (UPDATE ... RETURNING id), w1 AS (INSERT ... RETURNING id), ...
    SELECT (SELECT count(*) FROM w0), (SELECT id FROM w1), ...`` for the parts in ``shape``
    (``("update", table, columns, version)``, ``("insert", table, columns, references)``
    where each reference is (a column, the part whose row's key it takes)), their
    parameters prefixed ``w<n>_``. Built once per shape: a step has the same few."""
    outputs, ctes = [], []
    for n, part in enumerate(shape):
        kind, table, columns = part[:3]
        (key,) = table.primary_key.columns
        prefix = f"w{n}_"
        if kind == "update":
            version = part[3]
            condition = key == bindparam(f"{prefix}{key.key}_is")
            if version is not None:
                condition = and_(condition,
                                 table.c[version] == bindparam(f"{prefix}{version}_was"))
            part_of = update(table).where(condition).values(
                {column: bindparam(f"{prefix}set_{column}") for column in columns})
            written = part_of.returning(key).cte(f"w{n}")
            outputs.append(select(func.count()).select_from(written).scalar_subquery())
        else:
            values: dict[str, Any] = {
                column: bindparam(f"{prefix}{column}", type_=table.c[column].type)
                for column in columns}
            for column, other in part[3]:
                values[column] = select(ctes[other].c[0]).scalar_subquery()
            # Written only when every UPDATE before it found its row: a stale step (another
            # one moved the instance on and wrote the same next task) inserts nothing, and
            # is refused by its count, as the UPDATE alone refuses it.
            found = [select(func.count()).select_from(ctes[other]).scalar_subquery() == 1
                     for other, before in enumerate(shape[:n]) if before[0] == "update"]
            part_of = insert(table).from_select(list(values), select(*values.values())
                                                .where(*found)) if found \
                else insert(table).values(values)
            written = part_of.returning(key).cte(f"w{n}")
            outputs.append(select(written.c[key.key]).scalar_subquery())
        ctes.append(written)
    return select(*outputs)


@lru_cache(maxsize=256)
def _unique_attributes(mapper: Mapper) -> frozenset[str]:
    """The attributes of the columns of the mapper's table in a unique constraint or index."""
    table = mapper.local_table
    columns = {column for constraint in table.constraints
               if isinstance(constraint, UniqueConstraint) for column in constraint.columns}
    columns |= {column for index in table.indexes if index.unique
                for column in index.columns}
    return frozenset(mapper.get_property_by_column(column).key for column in columns)


def _relations_changed(state: Any) -> bool:
    return any(state.attrs[relation.key].history.has_changes()
               for relation in state.mapper.relationships)


def _after_their_references(new: list[Any]) -> list[Any] | None:
    """The new rows in the order a flush writes them (by table, the tables a row refers to
    first; in a table in the order they were added); ``None`` when one cannot be written here
    (not plain, a collection set, a reference to an object neither written nor new, to a new
    row of its own table)."""
    waiting = {id(state) for state in new}
    for state in new:
        if not _plain(state.mapper):
            return None
        for relation in state.mapper.relationships:
            target = state.dict.get(relation.key)
            if target is None:
                continue
            if relation.direction is not MANYTOONE or relation.secondary is not None:
                if target:  # a collection with members
                    return None
                continue
            target_state = inspect(target)
            if id(target_state) in waiting:
                if target_state.mapper.local_table is state.mapper.local_table:
                    return None
            elif target_state.key is None:
                return None  # neither written nor among the rows to write
    return sorted(new, key=lambda state: (_table_order(state.mapper.local_table),
                                          state.insert_order))


def _table_order(table: Table) -> int:
    """Where ``table`` comes in its metadata's dependency order (the order a flush writes)."""
    return _table_orders(table.metadata, len(table.metadata.tables)).get(table, 0)


@lru_cache(maxsize=8)
def _table_orders(metadata: Any, _tables: int) -> dict[Table, int]:
    return {table: n for n, table in enumerate(metadata.sorted_tables)}


def _update(connection: Any, state: Any) -> None:
    found = _update_values(state)
    if found is None:
        return  # no net change: a flush writes nothing either (nor bumps the version)
    values, where, version = found
    table = state.mapper.local_table
    result = connection.execute(_update_statement(table, tuple(sorted(values)), version),
                                {**{f"set_{k}": v for k, v in values.items()}, **where})
    _check_updated(table, result.rowcount)


def _check_updated(table: Table, count: int) -> None:
    if count != 1:
        raise StaleDataError(f"UPDATE statement on table '{table.name}' expected to update "
                             f"1 row(s); {count} were matched.")


def _update_values(state: Any) -> tuple[dict[str, Any], dict[str, Any], str | None] | None:
    """What the ``UPDATE`` of a changed row sets (by column key), its conditions' values
    (``<key>_is``, ``<version>_was``) and its version column's key; ``None`` when no column
    changed. The object gets its new version and ``onupdate`` values, as in a flush."""
    mapper, table = state.mapper, state.mapper.local_table
    columns = _columns(mapper)
    values: dict[str, Any] = {}
    for attribute, old in state.committed_state.items():  # what was set: the old values
        column = columns.get(attribute)
        if column is None or attribute not in state.dict:
            continue
        new = state.dict[attribute]
        if old is NO_VALUE or not column.type.compare_values(old, new):  # as a flush compares
            values[column.key] = new
    if not values:
        return None
    for column in table.columns:
        if column.onupdate is not None and column.key not in values:
            value = column.onupdate.arg(None) if column.onupdate.is_callable \
                else column.onupdate.arg
            values[column.key] = value
            setattr(state.obj(), mapper.get_property_by_column(column).key, value)
    (key,) = mapper.primary_key
    where = {f"{key.key}_is": state.identity[0]}
    version = mapper.version_id_col
    if version is None:
        return values, where, None
    attribute = mapper.get_property_by_column(version).key
    current = state.committed_state.get(attribute, state.dict.get(attribute))
    values[version.key] = mapper.version_id_generator(current)
    where[f"{version.key}_was"] = current
    setattr(state.obj(), attribute, values[version.key])
    return values, where, version.key


@lru_cache(maxsize=256)
def _columns(mapper: Mapper) -> dict[str, Any]:
    """The mapper's attributes that are columns of its table, by attribute name."""
    return {prop.key: prop.columns[0] for prop in mapper.column_attrs
            if len(prop.columns) == 1 and prop.columns[0].table is mapper.local_table}


@lru_cache(maxsize=256)
def _update_statement(table: Table, columns: tuple[str, ...], version: str | None) -> Update:
    (key,) = table.primary_key.columns
    condition = key == bindparam(f"{key.key}_is")
    if version is not None:
        condition = and_(condition, table.c[version] == bindparam(f"{version}_was"))
    return update(table).where(condition).values(
        {column: bindparam(f"set_{column}") for column in columns})


def _insert_pending(session: Session, connection: Any, state: Any) -> None:
    """Write the new object of ``state`` (added to the session, not flushed) and make it a
    persistent member of the session, as :func:`insert_now` does."""
    _write_new(session, connection.execute, _detached_new(session, state), state.mapper)


def _detached_new(session: Session, state: Any) -> Any:
    """The new object of ``state``, its references' keys set (as a flush syncs them), taken
    out of the session again (transient) to be written."""
    row, mapper = state.obj(), state.mapper
    for relation in mapper.relationships:
        target = state.dict.get(relation.key)
        if relation.direction is MANYTOONE and target is not None:
            for local, remote in relation.local_remote_pairs:
                setattr(row, mapper.get_property_by_column(local).key,
                        getattr(target, inspect(target).mapper.get_property_by_column(
                            remote).key))
    session.expunge(row)
    return row


def _write_new(session: Session, execute: Any, row: Any, mapper: Mapper) -> None:
    """INSERT the transient ``row`` (its columns' Python-side defaults applied to it as to
    the row) and add it to ``session`` as persistent."""
    values = _insert_values(row, mapper)
    inserted = execute(_insert(mapper.local_table), values)
    row.__dict__[_insert_plan(mapper)[0]] = inserted.inserted_primary_key[0]
    adopt(session, row)


def _insert_values(row: Any, mapper: Mapper) -> dict[str, Any]:
    """The values of the transient ``row``'s INSERT, by column key; the columns it does not
    set get their Python-side defaults, on the row too."""
    values: dict[str, Any] = {}
    state = row.__dict__  # transient: set directly, committed as they are by ``adopt``
    _key, plan = _insert_plan(mapper)
    for column, attribute, kind, default in plan:
        if attribute in state:
            values[column] = state[attribute]
        elif kind is _KEY:
            continue
        elif kind is _LEFT_OUT:
            state[attribute] = None  # left out: SQL NULL, as a flush leaves it
        else:
            state[attribute] = values[column] = default(None) if kind is _CALLED else default
    return values


#: What an INSERT gives a column the new row does not set (see ``_insert_plan``).
_KEY, _LEFT_OUT, _CALLED, _VALUE = object(), object(), object(), object()


@lru_cache(maxsize=256)
def _insert_plan(mapper: Mapper) -> tuple[str, tuple[tuple[str, str, object, Any], ...]]:
    """The primary key's attribute, and for each column of the mapper's table: its key, its
    attribute, and what a row without it gets: ``_KEY`` nothing (the database numbers it),
    ``_LEFT_OUT`` nothing either (a JSON column: SQL NULL), ``_CALLED`` its Python-side
    default function's value, ``_VALUE`` the value that follows (its scalar default, else
    ``None``)."""
    (key,) = mapper.primary_key
    plan = []
    for column in mapper.local_table.columns:
        kind, default = _VALUE, None
        if column is key:
            kind = _KEY
        elif column.default is not None and column.default.is_scalar:
            default = column.default.arg
        elif column.default is not None and column.default.is_callable:
            kind, default = _CALLED, column.default.arg
        elif isinstance(column.type, JSON):
            kind = _LEFT_OUT
        plan.append((column.key, mapper.get_property_by_column(column).key, kind, default))
    return mapper.get_property_by_column(key).key, tuple(plan)


def adopt(session: Session, row: Any) -> None:
    """Make the transient ``row``, which the open transaction has just written (its key and
    every column set on it), a persistent member of ``session``, as a flush would have (it
    leaves the session again if the transaction is rolled back)."""
    make_transient_to_detached(row)
    session.add(row)
    session.info.setdefault(_WRITTEN, []).append(row)


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
