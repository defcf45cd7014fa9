"""The audit chain anchored outside its table: signed checkpoints (an HMAC keyed outside the
database) and the anchor file of ``ieum audit checkpoint`` let ``ieum audit verify`` find a
cut-off tail and a rewritten, re-hashed chain; on PostgreSQL a trigger refuses UPDATE, DELETE
and TRUNCATE on audit rows while the retention purge still works."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from ieum.access.audit import (
    CHECKPOINT_EVERY,
    Actor,
    event_hash,
    purge_events,
    record_event,
)
from ieum.cli import main
from ieum.store import Database
from ieum.store.models import AuditCheckpoint, AuditEvent


@pytest.fixture(autouse=True)
def key_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "keys"
    monkeypatch.setenv("IEUM_KEY_DIR", str(folder))
    monkeypatch.delenv("IEUM_RRN_KEY", raising=False)
    return folder


def log(url: str, count: int) -> list[int]:
    database = Database(url)
    try:
        with database.session() as session:
            ids = [record_event(session, "record.view", Actor(1, "worker", "10.0.0.1"),
                                detail={"n": n}).id for n in range(count)]
            session.commit()
        return ids
    finally:
        database.dispose()


def tamper(url: str, *statements: tuple[str, dict]) -> None:
    """SQL as a database superuser could run it (past the append-only trigger)."""
    database = Database(url)
    try:
        with database.session() as session:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("SET LOCAL session_replication_role = replica"))
            for statement, params in statements:
                session.execute(text(statement), params)
            session.commit()
    finally:
        database.dispose()


def verify(url: str):
    return CliRunner().invoke(main, ["audit", "verify", "--database-url", url])


def test_checkpoints_are_written_and_verify_passes(migrated_url: str) -> None:
    log(migrated_url, CHECKPOINT_EVERY * 2 + 3)
    database = Database(migrated_url)
    try:
        with database.session() as session:
            assert len(session.scalars(select(AuditCheckpoint)).all()) == 2
    finally:
        database.dispose()
    result = verify(migrated_url)
    assert result.exit_code == 0, result.output
    assert "변조 없음" in result.output


def test_cutting_off_the_last_rows_is_found(migrated_url: str) -> None:
    ids = log(migrated_url, CHECKPOINT_EVERY + 5)
    cut_from = ids[CHECKPOINT_EVERY - 5]
    tamper(migrated_url, ("DELETE FROM audit_event WHERE id >= :i", {"i": cut_from}))
    result = verify(migrated_url)
    assert result.exit_code == 1
    assert "뒷부분 삭제 의심" in result.output


def test_rewriting_a_row_and_rehashing_the_rest_is_found(migrated_url: str) -> None:
    log(migrated_url, CHECKPOINT_EVERY + 5)
    database = Database(migrated_url)
    try:
        with database.session() as session:
            rows = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
            statements = []
            previous = rows[2].prev_hash
            for index, row in enumerate(rows[2:]):
                if index == 0:
                    row.ip = "6.6.6.6"
                row.prev_hash = previous
                row.hash = event_hash(row)
                previous = row.hash
                statements.append(("UPDATE audit_event SET ip = :ip, prev_hash = :p, hash = :h "
                                   "WHERE id = :i", {"ip": row.ip, "p": row.prev_hash,
                                                     "h": row.hash, "i": row.id}))
            first = rows[2].id
            session.rollback()
    finally:
        database.dispose()
    # Hashes are unique: clear them first so the rewrite can land in any order.
    tamper(migrated_url, ("UPDATE audit_event SET hash = 'x' || id WHERE id >= :i",
                          {"i": first}), *statements)
    result = verify(migrated_url)
    assert result.exit_code == 1
    assert "재계산 의심" in result.output


def test_deleting_checkpoints_with_the_tail_is_found_by_the_anchor_file(migrated_url: str,
                                                                       key_folder: Path) -> None:
    ids = log(migrated_url, 3)
    made = CliRunner().invoke(main, ["audit", "checkpoint", "--database-url", migrated_url])
    assert made.exit_code == 0, made.output
    assert (key_folder / "audit-anchor.json").exists()
    tamper(migrated_url, ("DELETE FROM audit_checkpoint", {}),
           ("DELETE FROM audit_event WHERE id = :i", {"i": ids[-1]}))
    result = verify(migrated_url)
    assert result.exit_code == 1
    assert "audit-anchor.json" in result.output


def test_a_forged_checkpoint_is_found(migrated_url: str) -> None:
    log(migrated_url, CHECKPOINT_EVERY)
    tamper(migrated_url, ("UPDATE audit_checkpoint SET signature = :s", {"s": "0" * 64}))
    result = verify(migrated_url)
    assert result.exit_code == 1
    assert "서명이 맞지 않습니다" in result.output


@pytest.mark.postgres
def test_postgresql_refuses_update_and_delete_of_audit_rows(postgres_url: str) -> None:
    from ieum.store.migrate import upgrade

    upgrade(postgres_url)
    ids = log(postgres_url, 3)
    database = Database(postgres_url)
    try:
        for statement in ("UPDATE audit_event SET login = 'x' WHERE id = :i",
                          "DELETE FROM audit_event WHERE id = :i", "TRUNCATE audit_event"):
            with database.session() as session:
                with pytest.raises(DBAPIError, match="append-only"):
                    session.execute(text(statement), {"i": ids[0]})
                session.rollback()
        with database.session() as session:
            removed = purge_events(session, dt.datetime.now(dt.UTC) + dt.timedelta(days=1),
                                   Actor(None, "system"))
            session.commit()
        assert removed == 3
    finally:
        database.dispose()
    result = verify(postgres_url)
    assert result.exit_code == 0, result.output
