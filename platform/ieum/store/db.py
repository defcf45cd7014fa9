"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

from ieum.store.search import GRAMS_FUNCTION, sqlite_grams

#: ``PRAGMA synchronous`` for SQLite files, from ``IEUM_SQLITE_SYNCHRONOUS``.
#:
#: ``FULL`` (the default) syncs the write-ahead log at every commit: a save the user was told
#: about survives a power cut or an operating-system crash. ``NORMAL`` syncs only at
#: checkpoints: in WAL mode the database still never becomes corrupt (also after a killed
#: process, which loses nothing), but the last commits before a power cut may be rolled back
#: when the file is opened again. It saves one fsync per transaction (on the benchmark machine
#: 1.3-2.3 ms of a 12 ms task completion); choose it only where the machine has a UPS or the
#: last seconds of work may be typed again. Anything other than these two is refused.
SQLITE_SYNCHRONOUS = ("FULL", "NORMAL")


def sqlite_synchronous() -> str:
    value = (os.environ.get("IEUM_SQLITE_SYNCHRONOUS") or "FULL").strip().upper()
    if value not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"IEUM_SQLITE_SYNCHRONOUS must be FULL or NORMAL, not {value!r}")
    return value


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL, ``synchronous`` and a busy timeout.

    ``hide_parameters``: a database error's message (logged, and shown by the CLI) carries the
    SQL but never its parameters, which hold names, birth dates and other personal data."""
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        synchronous = sqlite_synchronous()
        engine = create_engine(url, connect_args={"timeout": 15}, **kwargs)
        event.listen(engine, "connect",
                     lambda connection, record: _sqlite_pragmas(connection, record, synchronous))
        track_writes(engine)
        return engine
    engine = create_engine(url, **kwargs)
    ping_when_idle(engine)
    track_writes(engine)
    return engine


# --- a pooled connection is tested only after it sat idle --------------------------------------
#
# ``pool_pre_ping`` sends ``SELECT 1`` at every checkout: one more round trip on every web
# request and every workflow step. A connection that came back to the pool a moment ago has
# just answered; only one that sat idle may have been closed by the server (a restart, an idle
# timeout, a network drop). So the ping is sent only after ``PING_AFTER_IDLE`` seconds in the
# pool; a dead connection is then replaced before anyone uses it, as with ``pool_pre_ping``.

PING_AFTER_IDLE = 1.0
_RETURNED = "ieum_returned_at"  # key in the pool record's ``info``: monotonic time of checkin


def ping_when_idle(engine: Engine, after: float = PING_AFTER_IDLE) -> None:
    """Test a pooled connection at checkout when it was idle for ``after`` seconds or more."""

    def returned(_dbapi_connection, record) -> None:  # noqa: ANN001
        record.info[_RETURNED] = time.monotonic()

    def checkout(dbapi_connection, record, _proxy) -> None:  # noqa: ANN001
        since = record.info.pop(_RETURNED, None)
        if since is None or time.monotonic() - since < after:
            return  # new, or back from another request a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)  # as pool_pre_ping does it
        except Exception as error:  # noqa: BLE001 - the pool replaces it with a new one
            raise exc.DisconnectionError(f"connection closed while idle: {error}") from error

    event.listen(engine.pool, "checkin", returned)
    event.listen(engine.pool, "checkout", checkout)


# --- ending a transaction that only read ----------------------------------------------------
#
# psycopg prepares a statement on the server once a connection has run it a few times, and
# PostgreSQL then stops planning it again (a generic plan). But psycopg forgets every prepared
# statement at each ROLLBACK, and a request's session used to end with one even when it only
# read: every request planned every statement afresh. Planning a statement on ``record``, with
# its hundreds of list indexes, costs more than running it. A transaction that wrote nothing
# ends the same with COMMIT as with ROLLBACK, so ``end_session`` commits those.

_READ = re.compile(r"\s*SELECT\b", re.IGNORECASE)
WROTE = "ieum_wrote"  # key in the DBAPI connection's ``info``: this transaction wrote


def track_writes(engine: Engine) -> None:
    """Note on the connection whether its transaction sent anything but a SELECT."""
    event.listen(engine, "begin", _began)
    event.listen(engine, "before_cursor_execute", _statement)


def _began(connection) -> None:  # noqa: ANN001 - a sqlalchemy Connection
    connection.info[WROTE] = False


def _statement(connection, _cursor, statement, *_rest) -> None:  # noqa: ANN001, ANN002
    if not _READ.match(statement):
        connection.info[WROTE] = True


def only_read(session: Session) -> bool:
    """True when ``session``'s open transaction sent only SELECTs and holds no unsaved
    changes (committing it changes nothing)."""
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return False
    return not session.connection().info.get(WROTE, True)


def end_session(session: Session) -> None:
    """Close ``session``; a transaction that only read is committed first (the same for the
    data as the rollback ``close`` does, but psycopg keeps its prepared statements), anything
    else is rolled back as before."""
    try:
        if only_read(session):
            session.commit()
    except Exception:  # noqa: BLE001 - a dead connection: close() below discards it
        pass
    finally:
        session.close()


def _sqlite_pragmas(dbapi_connection, _record, synchronous: str = "FULL") -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    if not _is_memory(dbapi_connection):
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")  # one of SQLITE_SYNCHRONOUS
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()
    # The list search's gram table triggers call it (ieum.store.search).
    dbapi_connection.create_function(GRAMS_FUNCTION, 1, sqlite_grams, deterministic=True)


def _is_memory(dbapi_connection) -> bool:
    rows = dbapi_connection.execute("PRAGMA database_list").fetchall()
    return any(row[1] == "main" and not row[2] for row in rows)


class Database:
    """An engine and its session factory, shared by the web app and the CLI."""

    def __init__(self, url: str, **engine_kwargs) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
