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
