"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
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
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


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
