"""The audit log in use: ``ieum audit verify`` finds SQL tampering, ``ieum audit purge`` keeps
two years and the chain verifiable, and the administrators' search screen of one facility."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from ieum.access.audit import GENESIS, PURGE_ACTION, Actor, record_event, verify_chain
from ieum.cli import main
from ieum.services import ServiceError
from ieum.services.admin.audit_log import MIN_RETENTION_DAYS, purge_older_than
from ieum.services.admin.users import create_user
from ieum.store import Database
from ieum.store.models import AuditEvent, Facility
from tests.formlab import TODAY, seed_lab
from tests.webutil import PASSWORD, csrf_token, login

IEUM = str(Path(sys.executable).with_name("ieum"))
NOW = dt.datetime.now(dt.UTC)
OLD = NOW - dt.timedelta(days=MIN_RETENTION_DAYS + 30)
KST = dt.timezone(dt.timedelta(hours=9))


def log_events(url: str, count: int, *, at: dt.datetime | None = None, **fields) -> list[int]:
    """Append ``count`` events (optionally stamped ``at``, in UTC like the real clock)."""
    database = Database(url)
    try:
        with pytest.MonkeyPatch.context() as patch, database.session() as session:
            if at is not None:
                patch.setattr("ieum.access.audit.utcnow", lambda: at)
            ids = [record_event(session, fields.get("action", "record.view"),
                                fields.get("actor", Actor(1, "worker", "10.0.0.1")),
                                facility_id=fields.get("facility_id"),
                                target_type=fields.get("target_type", "record"),
                                target_id=fields.get("target_id", n),
                                subject_id=fields.get("subject_id"),
                                detail={"n": n, "메모": "한글"}).id
                   for n in range(count)]
    finally:
        database.dispose()
    return ids


def sql(url: str, statement: str, **params) -> None:
    database = Database(url)
    try:
        with database.session() as session:
            if session.get_bind().dialect.name == "postgresql":  # past the append-only trigger
                session.execute(text("SET LOCAL session_replication_role = replica"))
            session.execute(text(statement), params)
    finally:
        database.dispose()


def audit(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, ["audit", *args], env=env)


def events(url: str) -> list[AuditEvent]:
    database = Database(url)
    try:
        with database.session() as session:
            return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    finally:
        database.dispose()


# ---------------------------------------------------------------- ieum audit verify


def test_verify_passes_on_an_untouched_database(migrated_url: str) -> None:
    log_events(migrated_url, 3)
    result = audit("verify", "--database-url", migrated_url)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "감사 기록 3건: 변조 없음"


def test_verify_names_a_row_edited_by_sql(migrated_url: str) -> None:
    ids = log_events(migrated_url, 3)
    sql(migrated_url, """UPDATE audit_event SET detail = '{"n": 99}' WHERE id = :i""", i=ids[1])
    result = audit("verify", "--database-url", migrated_url)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"audit_event {ids[1]}: 내용이 해시와 다릅니다 (변조 의심)"]


def test_verify_names_the_row_after_one_deleted_by_sql(tmp_path: Path, migrated_url: str
                                                       ) -> None:
    """As an operator runs it: the real ``ieum`` command in its own process."""
    ids = log_events(migrated_url, 4)
    sql(migrated_url, "DELETE FROM audit_event WHERE id = :i", i=ids[2])
    env = {**os.environ, "IEUM_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("IEUM_DATABASE_URL", None)
    done = subprocess.run([IEUM, "audit", "verify", "--database-url", migrated_url], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == [
        f"audit_event {ids[3]}: 앞 행의 해시와 이어지지 않습니다 (삭제 의심)"]
    assert "감사 기록 3건: 문제 1건" in done.stderr


def test_verify_uses_the_configured_database(migrated_url: str) -> None:
    log_events(migrated_url, 2)
    result = audit("verify", env={"IEUM_DATABASE_URL": migrated_url})
    assert result.exit_code == 0 and "감사 기록 2건" in result.stdout


# ---------------------------------------------------------------- ieum audit purge


def test_purge_keeps_two_years_and_the_chain_verifiable(migrated_url: str) -> None:
    old = log_events(migrated_url, 3, at=OLD)
    recent = log_events(migrated_url, 2)
    result = audit("purge", "--database-url", migrated_url)
    assert result.exit_code == 0, result.output
    assert "감사 기록 3건을 지웠습니다" in result.stdout and "730일" in result.stdout
    remaining = events(migrated_url)
    assert [e.id for e in remaining][:2] == recent
    marker = remaining[-1]
    assert marker.action == PURGE_ACTION
    removed_hash = remaining[0].prev_hash
    assert marker.detail["count"] == 3 and marker.detail["last_id"] == old[-1]
    assert marker.detail["last_hash"] == removed_hash != GENESIS
    verified = audit("verify", "--database-url", migrated_url)
    assert verified.exit_code == 0, verified.output
    assert verified.stdout.strip() == "감사 기록 3건: 변조 없음"
    # A purge with nothing to remove carries the anchor forward; the chain still verifies.
    again = audit("purge", "--database-url", migrated_url)
    assert again.exit_code == 0 and "감사 기록 0건을 지웠습니다" in again.stdout
    assert events(migrated_url)[-1].detail["last_hash"] == removed_hash
    assert audit("verify", "--database-url", migrated_url).exit_code == 0


def test_rows_deleted_by_sql_after_a_purge_are_still_found(migrated_url: str) -> None:
    log_events(migrated_url, 2, at=OLD)
    recent = log_events(migrated_url, 3)
    assert audit("purge", "--database-url", migrated_url).exit_code == 0
    # Deleting the oldest remaining row: the next one no longer follows the purge marker.
    sql(migrated_url, "DELETE FROM audit_event WHERE id = :i", i=recent[0])
    result = audit("verify", "--database-url", migrated_url)
    assert result.exit_code == 1
    assert f"audit_event {recent[1]}: 앞 행의 해시와 이어지지 않습니다" in result.stdout


def test_a_deleted_purge_marker_is_found(migrated_url: str) -> None:
    log_events(migrated_url, 2, at=OLD)
    recent = log_events(migrated_url, 2)
    assert audit("purge", "--database-url", migrated_url).exit_code == 0
    sql(migrated_url, "DELETE FROM audit_event WHERE action = 'audit.purge'")
    result = audit("verify", "--database-url", migrated_url)
    assert result.exit_code == 1
    assert f"audit_event {recent[0]}: 앞 행의 해시와 이어지지 않습니다" in result.stdout


def test_purge_of_everything_leaves_a_verifiable_marker(migrated_url: str) -> None:
    log_events(migrated_url, 3, at=OLD)
    assert "3건을 지웠습니다" in audit("purge", "--database-url", migrated_url).stdout
    assert [e.action for e in events(migrated_url)] == [PURGE_ACTION]
    log_events(migrated_url, 1)
    assert audit("verify", "--database-url", migrated_url).stdout.strip() == (
        "감사 기록 2건: 변조 없음")


def test_purge_refuses_less_than_two_years_unless_forced(migrated_url: str) -> None:
    log_events(migrated_url, 2, at=NOW - dt.timedelta(days=400))
    log_events(migrated_url, 1)
    refused = audit("purge", "--days", "365", "--database-url", migrated_url)
    assert refused.exit_code == 1
    assert "최소 730일(2년)" in refused.stderr and "--force" in refused.stderr
    configured = audit("purge", "--database-url", migrated_url,
                       env={"IEUM_AUDIT_RETENTION_DAYS": "365"})
    assert configured.exit_code == 1 and "730일" in configured.stderr
    assert len(events(migrated_url)) == 3  # nothing removed, no marker written
    kept = audit("purge", "--database-url", migrated_url, env={"IEUM_AUDIT_RETENTION_DAYS": "800"})
    assert kept.exit_code == 0 and "0건을 지웠습니다 (800일" in kept.stdout
    forced = audit("purge", "--days", "365", "--force", "--database-url", migrated_url)
    assert forced.exit_code == 0 and "2건을 지웠습니다" in forced.stdout
    assert events(migrated_url)[-1].detail["forced"] is True
    assert audit("verify", "--database-url", migrated_url).exit_code == 0


def test_purge_service_refuses_short_retention(migrated_url: str) -> None:
    database = Database(migrated_url)
    try:
        with database.session() as session, pytest.raises(ServiceError, match="730일"):
            purge_older_than(session, 729, Actor())
        with database.session() as session:
            assert purge_older_than(session, 730, Actor()) == 0
            assert verify_chain(session) == []
    finally:
        database.dispose()


# ---------------------------------------------------------------- the search screen


@pytest.fixture
def app(make_app, migrated_url):
    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    seed_lab(app)
    with app.extensions["ieum.database"].session() as s:
        create_user(s, login="root", name="플랫폼", password=PASSWORD, platform_admin=True)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def facility_ids(app) -> dict[str, int]:
    with app.extensions["ieum.database"].session() as s:
        return {f.code: f.id for f in s.scalars(select(Facility))}


def shown(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-event="(\d+)"', page)]


def test_screen_shows_only_the_own_facility_newest_first(app, client, migrated_url) -> None:
    ids = facility_ids(app)
    lab = log_events(migrated_url, 2, facility_id=ids["lab"], action="rrn.reveal")
    other = log_events(migrated_url, 2, facility_id=ids["other"], action="rrn.reveal")
    login(client, "admin")
    response = client.get("/f/lab/admin/audit")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for title in ("일시", "사용자", "작업", "대상", "대상자", "IP", "내용"):
        assert f"<th>{title}</th>" in page
    assert "주민등록번호 확인" in page and "권한 부여" in page and "무결성 검사" in page
    rows = shown(page)
    assert rows == sorted(rows, reverse=True)
    assert set(lab) <= set(rows) and not set(other) & set(rows)
    with app.extensions["ieum.database"].session() as s:
        assert not set(rows) - set(s.scalars(select(AuditEvent.id).where(
            AuditEvent.facility_id == ids["lab"])))
        viewed = s.scalars(select(AuditEvent).where(AuditEvent.action == "audit.view")).all()
    assert [(e.login, e.facility_id) for e in viewed] == [("admin", ids["lab"])]


def test_filters_and_paging(app, client, migrated_url) -> None:
    lab = facility_ids(app)["lab"]
    many = log_events(migrated_url, 120, facility_id=lab, action="record.export")
    subject = log_events(migrated_url, 1, facility_id=lab, action="record.update", subject_id=7,
                         target_type="record", target_id="9999",
                         actor=Actor(2, "worker2", "10.0.0.2"))
    # 23:30 on 1 Feb and 00:30 on 2 Feb in Korea: both fall on 1 Feb in UTC.
    late = log_events(migrated_url, 1, facility_id=lab, action="record.delete",
                      at=dt.datetime(2001, 2, 1, 23, 30, tzinfo=KST).astimezone(dt.UTC))
    early = log_events(migrated_url, 1, facility_id=lab, action="record.delete",
                       at=dt.datetime(2001, 2, 2, 0, 30, tzinfo=KST).astimezone(dt.UTC))
    login(client, "admin")
    base = "/f/lab/admin/audit"

    first = client.get(base + "?action=record.export").get_data(as_text=True)
    assert "120건 · 1/3쪽" in first and shown(first) == many[::-1][:50]
    assert "엑셀 내려받기" in first and 'value="record.export" selected' in first
    assert "page=2" in first and "action=record.export" in first
    last = client.get(base + "?action=record.export&page=3").get_data(as_text=True)
    assert shown(last) == many[::-1][100:]
    assert shown(client.get(base + "?action=record.export&page=99").get_data(as_text=True)) \
        == many[::-1][100:]

    assert shown(client.get(base + "?login=worker2").get_data(as_text=True)) == subject
    assert shown(client.get(base + "?subject=7").get_data(as_text=True)) == subject
    assert shown(client.get(base + "?target_type=record&target_id=9999")
                 .get_data(as_text=True)) == subject
    day1 = client.get(base + "?from=2001-02-01&to=2001-02-01").get_data(as_text=True)
    assert shown(day1) == late and "2001-02-01 23:30:00" in day1
    assert shown(client.get(base + "?from=2001-02-02&to=2001-02-02")
                 .get_data(as_text=True)) == early
    assert shown(client.get(base + "?from=2001-01-01&to=2001-02-28&action=record.delete")
                 .get_data(as_text=True)) == early + late
    assert shown(client.get(base + "?to=2001-01-31").get_data(as_text=True)) == []
    bad = client.get(base + "?from=2026-13-01")
    assert bad.status_code == 400 and "올바른 날짜가 아닙니다" in bad.get_data(as_text=True)
    assert client.get(base + "?subject=abc").status_code == 400


def test_only_administrators_may_see_it(app, client, migrated_url) -> None:
    ids = facility_ids(app)
    other = log_events(migrated_url, 1, facility_id=ids["other"], action="record.view")
    lab = log_events(migrated_url, 1, facility_id=ids["lab"], action="record.view")
    for name in ("worker", "viewer"):
        member = app.test_client()
        login(member, name)
        assert member.get("/f/lab/admin/audit").status_code == 403
    login(client, "stranger")  # administers "other" only
    assert client.get("/f/lab/admin/audit").status_code == 404
    assert shown(client.get("/f/other/admin/audit?action=record.view")
                 .get_data(as_text=True)) == other != lab


def test_platform_admin_sees_any_facility(app, client) -> None:
    login(client, "root")
    response = client.get("/f/lab/admin/audit")
    assert response.status_code == 200 and "양식시험원" in response.get_data(as_text=True)
    assert client.get("/f/nowhere/admin/audit").status_code == 404


def test_integrity_check_button(app, client, migrated_url) -> None:
    lab = facility_ids(app)["lab"]
    ids = log_events(migrated_url, 2, facility_id=lab)
    login(client, "admin")
    assert client.post("/f/lab/admin/audit/verify").status_code == 400  # no CSRF token
    token = csrf_token(client, "/f/lab/admin/audit")
    response = client.post("/f/lab/admin/audit/verify",
                           data={"csrf_token": token, "action": "record.view"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/f/lab/admin/audit?action=record.view")
    assert "변조 없음" in client.get(response.headers["Location"]).get_data(as_text=True)
    sql(migrated_url, "UPDATE audit_event SET ip = '6.6.6.6' WHERE id = :i", i=ids[0])
    page = client.post("/f/lab/admin/audit/verify", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert f"audit_event {ids[0]}: 내용이 해시와 다릅니다" in page and "문제 1건" in page
    worker = app.test_client()
    login(worker, "worker")
    assert worker.post("/f/lab/admin/audit/verify",
                       data={"csrf_token": csrf_token(worker, "/f/lab/")}).status_code == 403
