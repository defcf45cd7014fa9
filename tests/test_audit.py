"""The audit log chains each row to the previous one; tampering by SQL is detected."""

from __future__ import annotations

from sqlalchemy import text

from ieum.access.audit import GENESIS, Actor, record_event, verify_chain
from ieum.store import Database


def as_superuser(session) -> None:
    """Tamper as a PostgreSQL superuser could: past the append-only trigger (0010)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL session_replication_role = replica"))


def _log_three(database: Database) -> list[int]:
    with database.session() as session:
        ids = [
            record_event(session, action, Actor(1, "worker", "127.0.0.1"),
                         detail={"n": n, "메모": "한글"}).id
            for n, action in enumerate(["login.success", "record.view", "logout"])
        ]
    return ids


def test_chain_is_intact_after_appends(migrated_url: str) -> None:
    database = Database(migrated_url)
    try:
        ids = _log_three(database)
        with database.session() as session:
            assert verify_chain(session) == []
            first = session.execute(text("SELECT prev_hash FROM audit_event WHERE id = :i"),
                                    {"i": ids[0]}).scalar_one()
            assert first == GENESIS
    finally:
        database.dispose()


def test_edited_row_is_detected(migrated_url: str) -> None:
    database = Database(migrated_url)
    try:
        ids = _log_three(database)
        with database.session() as session:
            as_superuser(session)
            session.execute(text("UPDATE audit_event SET login = 'intruder' WHERE id = :i"),
                            {"i": ids[1]})
        with database.session() as session:
            problems = verify_chain(session)
        assert problems == [f"audit_event {ids[1]}: 내용이 해시와 다릅니다 (변조 의심)"]
    finally:
        database.dispose()


def test_deleted_row_is_detected(migrated_url: str) -> None:
    database = Database(migrated_url)
    try:
        ids = _log_three(database)
        with database.session() as session:
            as_superuser(session)
            session.execute(text("DELETE FROM audit_event WHERE id = :i"), {"i": ids[1]})
        with database.session() as session:
            problems = verify_chain(session)
        assert problems == [f"audit_event {ids[2]}: 앞 행의 해시와 이어지지 않습니다 (삭제 의심)"]
    finally:
        database.dispose()


def test_a_writer_waiting_for_the_chain_follows_the_event_it_waited_for(
        migrated_url: str) -> None:
    """Two transactions append at once: the second waits for the chain until the first
    commits, then chains to the first one's event (on PostgreSQL the lock and the read of the
    chain's end are one statement, ``ieum_audit_chain_end``: its read must not be older than
    the lock). SQLite has one writer at a time anyway."""
    import threading

    database = Database(migrated_url)
    if database.engine.dialect.name != "postgresql":
        database.dispose()
        return
    try:
        first = database.sessions()
        event = record_event(first, "first", Actor(1, "worker"))
        appended: list[tuple[str, str]] = []

        def second() -> None:
            with database.session() as session:
                later = record_event(session, "second", Actor(2, "worker"))
                appended.append((later.prev_hash, later.hash))

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive(), "the second writer waits for the chain"
        first.commit()
        first.close()
        thread.join(10)
        assert appended and appended[0][0] == event.hash
        with database.session() as session:
            assert verify_chain(session) == []
    finally:
        database.dispose()
