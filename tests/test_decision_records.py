"""Decision records on a real database (issue 16): every automatic and manual decision keeps
its trace, compressed, with its hash in the audit chain; the investigator's screens (trace
tree, replay button, JSON export), the notice (결정 통지서) with counterfactuals and how to
appeal, and ``ieum decision replay`` before and after a parameter changes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from ieum.access.audit import check_chain
from ieum.catalog.trace import canonical
from ieum.cli import main
from ieum.definitions import default_content_root
from ieum.services.catalog import decisions
from ieum.store.models import AuditEvent
from ieum.store.models_catalog import Application, ProgramVersion
from ieum.store.models_decisions import DecisionRecord
from tests.test_catalog_platform import (
    LIVELIHOOD_ANNEX,
    NEAR,
    POOR,
    TODAY,
    _apply,
    _client,
    _designer_form,
    _post,
    _session,
    seed,
)

OVER = {"size": "1", "region": "seoul", "earned_income": "1190000"}  # 833,000 > 820,556


@pytest.fixture
def decisions_app(make_app, migrated_url):
    app = make_app(migrated_url, [default_content_root()], IEUM_TODAY=TODAY.isoformat(),
                   IEUM_CATALOG_POPULATION=5000)
    app.config["seeded"] = seed(app)
    app.config["url"] = migrated_url
    return app


def _filed(app, household: dict) -> int:
    worker = _client(app, "cworker")
    response = _apply(app, worker, ["livelihood-2026"], household, extra=LIVELIHOOD_ANNEX)
    assert response.status_code == 302, response.get_data(as_text=True)
    with _session(app) as session:
        return session.scalar(select(Application.id).order_by(Application.id.desc()).limit(1))


def _decide(app, application_id: int, decision: str, reason: str) -> None:
    official = _client(app, "official")
    path = f"/catalog/investigations/{application_id}"
    assert official.get(path).status_code == 200
    response = _post(official, path, {"decision": decision, "reason": reason}, path)
    assert response.status_code == 302, response.get_data(as_text=True)


def test_an_automatic_decision_keeps_its_trace_with_the_hash_in_the_audit_chain(decisions_app):
    application_id = _filed(decisions_app, POOR)
    with _session(decisions_app) as session:
        record = session.scalar(select(DecisionRecord))
        assert (record.application_id, record.kind, record.decision, record.benefit) == (
            application_id, "auto", "eligible", 820_556)
        text = zlib.decompress(record.trace)
        assert record.trace_sha256 == hashlib.sha256(text).hexdigest()
        assert len(record.trace) * 2 < record.trace_size == len(text)  # stored compactly
        trace = decisions.load_trace(record)
        assert trace["program"]["code"] == "livelihood-2026" and trace["year"] == 2026
        assert trace["parameters"]["threshold_share"] == {
            "value": 0.32, "year": 2026, "program_version": 1,
            "citation": trace["parameters"]["threshold_share"]["citation"]}
        assert trace["decision"]["kind"] == "auto" and trace["decision"]["decided_by"] == "system"
        event = session.get(AuditEvent, record.audit_event_id)
        assert (event.action, event.target_id) == ("decision.record", str(record.id))
        assert event.detail["sha256"] == record.trace_sha256
        assert decisions.verify_record(session, record) == []
        assert check_chain(session).intact
        assert decisions.replay_record(session, record).identical
        # someone rewrites the stored trace and its hash: the audit row still has the old one
        trace["decision"]["benefit"] = 900_000
        forged = canonical(trace)
        record.trace = zlib.compress(forged)
        record.trace_sha256 = hashlib.sha256(forged).hexdigest()
        session.commit()
        assert decisions.verify_record(session, record) == [
            "결정 기록의 해시가 감사 기록에 적힌 해시와 다릅니다 (변조 의심)"]


def test_a_manual_decision_is_recorded_and_replayed_by_the_cli_until_a_parameter_changes(
        decisions_app):
    application_id = _filed(decisions_app, NEAR)
    with _session(decisions_app) as session:
        assert session.scalar(select(DecisionRecord)) is None  # no decision yet
    _decide(decisions_app, application_id, "ineligible", "부양의무자 소득 기준 초과 확인")
    with _session(decisions_app) as session:
        record = session.scalar(select(DecisionRecord))
        assert (record.kind, record.decision, record.computed_eligible) == (
            "manual", "ineligible", True)
        trace = decisions.load_trace(record)
        assert trace["decision"]["reason"] == "부양의무자 소득 기준 초과 확인"
        assert trace["decision"]["decided_by"] == "official"
        record_id = record.id
    runner = CliRunner()
    arguments = ["decision", "replay", str(record_id), "--database-url",
                 decisions_app.config["url"], "--today", "2026-03-10"]
    result = runner.invoke(main, [*arguments, "--json"])
    assert result.exit_code == 0, result.output
    proof = json.loads(result.output)
    assert proof["integrity"] == [] and proof["replay"]["identical"] is True
    assert proof["today"]["identical"] is True and proof["today"]["version"] == 1
    # a designer saves v2 in the studio's guided form with a lower threshold share (the form
    # has no citation inputs: the previous version's are kept); a reviewer publishes it
    designer = _client(decisions_app, "pdesigner")
    edit = "/studio/p/livelihood-2026/edit"
    saved = _post(designer, edit, _designer_form("livelihood-2026", "생계급여", share="0.2"),
                  edit)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    _post(designer, "/studio/p/livelihood-2026/submit", {}, "/studio/p/livelihood-2026")
    with _session(decisions_app) as session:
        v2 = session.scalar(select(ProgramVersion).where(ProgramVersion.number == 2,
                                                         ProgramVersion.status == "review"))
        assert v2.definition["citations"]["parameters"]["threshold_share"].startswith(
            "중앙생활보장위원회")
        assert list(v2.definition["citations"]["years"]) == ["2026"]  # 2025 is gone
        assert v2.definition["appeal"]["within_days"] == 90
        v2_id = v2.id
    reviewer = _client(decisions_app, "previewer")
    assert _post(reviewer, f"/studio/v/{v2_id}/approve", {}, "/studio/").status_code == 302
    text = runner.invoke(main, arguments)
    assert text.exit_code == 0, text.output  # the decision as made still replays exactly
    assert "결정 당시 규칙으로 다시 계산: 기록과 같은 결과입니다" in text.output
    assert "오늘의 규칙(v2, 2026년)으로 계산: 결정이 달라집니다: 적합" in text.output
    assert "threshold_share" in text.output and "2026년·v1 → 2026년·v2" in text.output
    proof = json.loads(runner.invoke(main, [*arguments, "--json"]).output)
    changed = {(d["kind"], d["name"]): d for d in proof["today"]["differences"]}
    assert (changed[("parameter", "threshold_share")]["before"],
            changed[("parameter", "threshold_share")]["after"]) == (0.32, 0.2)
    assert changed[("step", "threshold")]["after"] == 512_848
    assert changed[("outcome", "eligible")]["after"] is False
    missing = runner.invoke(main, ["decision", "replay", "999999", "--database-url",
                                   decisions_app.config["url"]])
    assert missing.exit_code == 2 and "결정 기록을 찾을 수 없습니다" in missing.output


def test_the_investigator_reads_the_tree_replays_and_exports(decisions_app):
    application_id = _filed(decisions_app, NEAR)
    official = _client(decisions_app, "official")
    path = f"/catalog/investigations/{application_id}/decision"
    before = official.get(path).get_data(as_text=True)
    assert "예비 계산" in before and "소득인정액" in before  # preliminary, nothing stored
    assert official.get(path + ".json").status_code == 404
    _decide(decisions_app, application_id, "eligible", "실사 결과 소득 확인")
    page = official.get(path).get_data(as_text=True)
    assert 'data-testid="trace-tree"' in page
    assert "근거:" in page and "국민기초생활 보장법 제8조제2항" in page
    assert "round_half_up((근로소득 900,000 + 사업소득 0) × 0.7 + 기타소득 0)" in page
    assert "무결성 확인" in page
    # how close it was: the margin before the threshold is crossed
    assert "소득인정액이 월 190,557원 높으면 선정기준을 넘어 선정되지 않습니다" in page
    replayed = _post(official, path + "/replay", {}, path).get_data(as_text=True)
    assert 'data-testid="replay-exact">일치' in replayed
    assert 'data-testid="replay-today">변화 없음' in replayed
    exported = official.get(path + ".json")
    assert exported.status_code == 200 and "attachment" in exported.headers[
        "Content-Disposition"]
    body = exported.get_json()
    assert body["trace"]["outcome"]["income_recognition"] == 630_000
    assert body["sha256"] == hashlib.sha256(canonical(body["trace"])).hexdigest()
    with _session(decisions_app) as session:
        actions = set(session.scalars(select(AuditEvent.action)))
        assert {"decision.record", "decision.replay", "decision.export"} <= actions
    busan = _client(decisions_app, "busan")  # another region's official
    assert busan.get(path).status_code == 404
    assert busan.get(path + ".json").status_code == 404


def test_the_notice_of_a_refusal_says_what_would_change_it_and_how_to_appeal(decisions_app):
    application_id = _filed(decisions_app, OVER)
    worker = _client(decisions_app, "cworker")
    notice = f"/f/cat-child/applications/{application_id}/notice"
    assert worker.get(notice).status_code == 409  # not decided yet
    _decide(decisions_app, application_id, "ineligible", "소득인정액이 선정기준액 초과")
    page = worker.get(notice).get_data(as_text=True)
    assert "사회보장급여 결정 통지서" in page and "선정되지 않음 (부적합)" in page
    assert "소득인정액은 월 833,000원이고, 이 사업의 선정기준액은 월 820,556원입니다" in page
    assert "소득인정액이 월 12,444원 낮으면 선정됩니다" in page
    assert "근로소득이 월 17,777원 적으면 선정됩니다" in page
    assert "국민기초생활 보장법 제8조제2항" in page  # legal basis of the criteria
    assert "90일 이내" in page and "국민기초생활 보장법 제38조" in page
    with _session(decisions_app) as session:
        decided = session.get(Application, application_id).decided_at
    assert (decided.date() + dt.timedelta(days=90)).isoformat() in page
    assert "<script>" not in page and "style=" not in page
    other = _client(decisions_app, "oworker")  # another facility's worker
    assert other.get(notice.replace("cat-child", "cat-other")).status_code == 404
    detail = worker.get(f"/f/cat-child/applications/{application_id}").get_data(as_text=True)
    assert 'data-testid="notice-link"' in detail


def test_the_api_gives_the_decision_record_to_the_filing_facility_only(decisions_app):
    from tests.test_catalog_platform_api import FILING, _token

    client = decisions_app.test_client()
    headers = _token(client, "cworker")
    created = client.post("/api/v1/f/cat-child/applications", json=FILING, headers=headers)
    assert created.status_code == 201, created.get_json()
    application_id = created.get_json()["items"][0]["id"]
    path = f"/api/v1/f/cat-child/applications/{application_id}/decision"
    body = client.get(path, headers=headers).get_json()
    assert body["kind"] == "auto" and body["trace"]["outcome"]["benefit"] == 820_556
    assert body["sha256"] == hashlib.sha256(canonical(body["trace"])).hexdigest()
    other = _token(client, "oworker")
    assert client.get(path, headers=other).status_code == 404
    assert client.get(path.replace("cat-child", "cat-other"), headers=other).status_code == 404
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/f/{facility_code}/applications/{application_id}/decision" in spec["paths"]
