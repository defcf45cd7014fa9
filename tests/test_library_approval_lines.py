"""결재선 per facility (shipped content): the line comes from the profile, a facility
administrator changes it on 결재선 관리, and resolutions, spending requests and daily logs go
along it; the step bar shows one step per approver and the 결재 counts follow the line."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ieum.config import REPOSITORY_ROOT
from ieum.definitions import load_registry
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from ieum.store.models import AuditEvent, Record
from ieum.workflow import runtime
from ieum.workflow.environment import SafeScriptEngine
from ieum_library.administration import approval_lines
from tests.formlab import api_token
from tests.webutil import PASSWORD, csrf_token, login

TODAY = dt.date(2026, 3, 2)
RESOLUTION = {
    "kind": "expense", "resolved_on": "2026-03-02", "project": "기관 운영",
    "summary": "3월 사무용품", "funding": "subsidy",
    "items": [{"account": "expense.office.supplies", "description": "복사용지", "amount": 30000}],
}
DAILY_LOG = {"log_date": "2026-03-02", "shift": "day", "meal": "good", "sleep": "good"}
USERS = [("carer", "worker"), ("chief", "team_leader"), ("head", "facility_admin")]


@pytest.fixture(scope="module")
def registry():
    return load_registry([REPOSITORY_ROOT], plugins=False)


# ---------------------------------------------------------------- shipped profiles

def test_every_profile_line_names_approvers_of_the_profile(registry) -> None:
    checked = 0
    for profile in registry.profiles.values():
        for unit_id in approval_lines.units_with_lines(registry, profile):
            line = approval_lines.default_line(registry, profile, unit_id)
            assert line, (profile.code, unit_id)
            allowed = approval_lines.approver_roles(registry, profile, unit_id)
            assert set(line) <= set(allowed), (profile.code, unit_id, line, allowed)
            checked += 1
    assert checked >= 40


def test_small_homes_skip_the_team_leader_and_a_welfare_centre_adds_the_secretary(
        registry) -> None:
    line = approval_lines.default_line
    assert line(registry, registry.profiles["child_home"], "resolution") == (
        "team_leader", "facility_admin")
    for code in ("group_home", "elderly_nursing_group_home", "disability_group_home"):
        for unit_id in ("resolution", "spending_request", "daily_care_log"):
            assert line(registry, registry.profiles[code], unit_id) == ("facility_admin",)
    assert line(registry, registry.profiles["community_welfare_center"], "resolution") == (
        "team_leader", "secretary_general", "facility_admin")


def walk(registry, process_id: str, data: dict, decisions: list[str]) -> tuple[list, dict]:
    workflow = runtime.new_workflow(registry.processes[process_id], SafeScriptEngine({}, TODAY))
    for task in workflow.get_tasks(state=runtime.TaskState.READY):
        task.data.update(data)
    workflow.do_engine_steps()
    seen = []
    while not workflow.is_completed():
        (task,) = runtime.ready_user_tasks(workflow, TODAY)
        seen.append(task.role)
        spiff = runtime.find_task(workflow, task.spiff_id)
        if task.name == "decide":
            spiff.data["decision"] = decisions.pop(0)
        spiff.run()
        workflow.do_engine_steps()
    return seen, workflow.last_task.data


@pytest.mark.parametrize("process_id,flag", [("resolution_approval", "resolution_approved"),
                                             ("spending_approval", "spending_approved"),
                                             ("daily_log_approval", "daily_log_approved")])
def test_the_line_is_walked_in_order_and_a_return_stops_it(registry, process_id, flag) -> None:
    three = {"approval_line": ["team_leader", "secretary_general", "facility_admin"]}
    seen, data = walk(registry, process_id, three, ["approve"] * 3)
    assert seen == ["worker", "team_leader", "secretary_general", "facility_admin"]
    assert data[flag] is True
    seen, data = walk(registry, process_id, three, ["approve", "return"])
    assert seen == ["worker", "team_leader", "secretary_general"]
    assert data["approved"] is False and flag not in data
    seen, data = walk(registry, process_id, {"approval_line": ["facility_admin"]}, ["approve"])
    assert seen == ["worker", "facility_admin"] and data[flag] is True


# ---------------------------------------------------------------- in a facility

@pytest.fixture
def app(make_app, migrated_url):
    app = make_app(migrated_url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY.isoformat())
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        home = create_facility(s, registry, code="home", name="햇살요양원",
                               profile_code="elderly_care_home", region_code="11110")
        for login_name, role in USERS:
            user = create_user(s, login=login_name, name=login_name, password=PASSWORD)
            grant_role(s, registry, user=user, facility=home, role=role,
                       valid_from=dt.date(2026, 1, 1))
    return app


def submit(client, headers, unit: str, process: str, form_data: dict) -> dict:
    started = client.post(f"/api/v1/f/home/u/{unit}/processes/{process}", json={},
                          headers=headers)
    assert started.status_code == 201, started.get_json()
    (task,) = [t for t in started.get_json()["tasks"] if t["state"] == "ready"]
    done = client.post(f"/api/v1/f/home/tasks/{task['id']}/complete", headers=headers,
                       json={"data": form_data})
    assert done.status_code == 200, done.get_json()
    return done.get_json()["instance"]


def decide(client, login_name: str, decision: str = "approve") -> dict:
    headers = api_token(client, login_name)
    inbox = client.get("/api/v1/f/home/tasks?approvals=1", headers=headers).get_json()
    (task,) = inbox["items"]
    body = {"decision": decision, **({"reason": "증빙 보완"} if decision == "return" else {})}
    done = client.post(f"/api/v1/f/home/tasks/{task['id']}/complete", headers=headers,
                       json={"data": body})
    assert done.status_code == 200, done.get_json()
    return done.get_json()["instance"]


def approvals(client, login_name: str) -> int:
    headers = api_token(client, login_name)
    return client.get("/api/v1/f/home/tasks", headers=headers).get_json()["counts"]["approvals"]


def set_line(client, unit: str, steps: list[str], **extra):
    if client.get("/login").status_code == 200:  # not signed in yet
        login(client, "head")
    token = csrf_token(client, "/f/home/admin/approval-lines")
    return client.post(f"/f/home/admin/approval-lines/{unit}",
                       data={"csrf_token": token, "step": steps, **extra})


def test_default_line_steps_and_counts(app) -> None:
    client = app.test_client()
    instance = submit(client, api_token(client, "carer"), "resolution", "resolution_approval",
                      RESOLUTION)
    assert [(s["title"], s["state"]) for s in instance["steps"]] == [
        ("결의서 작성", "done"), ("팀장 결재", "current"), ("기관관리자 결재", "todo")]
    assert (approvals(client, "chief"), approvals(client, "head")) == (1, 0)
    decide(client, "chief")
    assert (approvals(client, "chief"), approvals(client, "head")) == (0, 1)
    instance = decide(client, "head")
    assert instance["status"] == "completed"
    assert [s["state"] for s in instance["steps"]] == ["done", "done", "done"]


def test_an_administrator_skips_the_team_leader_for_resolutions_only(app) -> None:
    client = app.test_client()
    saved = set_line(client, "resolution", ["facility_admin", ""], reason="팀장 공석")
    assert saved.status_code == 302
    page = client.get("/f/home/admin/approval-lines").get_data(as_text=True)
    assert "기관 설정" in page and "팀장 공석" in page
    carer = api_token(client, "carer")
    instance = submit(client, carer, "resolution", "resolution_approval", RESOLUTION)
    assert [s["title"] for s in instance["steps"]] == ["결의서 작성", "기관관리자 결재"]
    assert (approvals(client, "chief"), approvals(client, "head")) == (0, 1)
    assert decide(client, "head")["status"] == "completed"
    # the daily log keeps the profile's line: 팀장 first
    instance = submit(client, carer, "daily_care_log", "daily_log_approval", DAILY_LOG)
    assert [s["title"] for s in instance["steps"]] == ["일지 작성", "팀장 결재",
                                                       "기관관리자 결재"]
    assert approvals(client, "chief") == 1
    with app.extensions["ieum.database"].session() as s:
        (event,) = s.scalars(select(AuditEvent).where(
            AuditEvent.action == "approval_line.set")).all()
        assert event.detail["after"] == ["facility_admin"]
        assert event.detail["before"] == ["team_leader", "facility_admin"]
        # kept as a settings record the record screens do not show
        (row,) = s.scalars(select(Record).where(Record.form_id == "approval_line")).all()
        assert (row.unit_function, row.data["roles"]) == ("resolution", "facility_admin")
    assert client.get("/f/home/u/resolution/approval_line/").status_code == 404


def test_a_running_approval_keeps_its_line_and_a_return_is_shown(app) -> None:
    client = app.test_client()
    instance = submit(client, api_token(client, "carer"), "spending_request",
                      "spending_approval", {
                          "requested_on": "2026-03-02", "project": "기관 운영",
                          "content": "복사기 토너 구입", "estimated_amount": 120000,
                          "account": "expense.office.supplies", "funding": "subsidy"})
    assert set_line(client, "spending_request", ["facility_admin"]).status_code == 302
    instance = decide(client, "chief", "return")
    assert instance["status"] == "completed"
    assert [(s["title"], s["state"]) for s in instance["steps"]] == [
        ("품의서 작성", "done"), ("팀장 결재 (반려)", "done"), ("기관관리자 결재", "todo")]
    assert approvals(client, "head") == 0


@pytest.mark.parametrize("steps,message", [
    (["", ""], "결재자를 한 명 이상 정하세요."),
    (["team_leader", "team_leader"], "‘팀장’이 결재선에 두 번 있습니다."),
    (["worker"], "‘요양보호사’ 역할은 이 업무의 결재 권한이 없습니다."),
    (["director_of_everything"], "이 기관에 없는 역할입니다: director_of_everything"),
])
def test_a_wrong_line_is_refused_with_a_korean_message(app, steps, message) -> None:
    client = app.test_client()
    refused = set_line(client, "resolution", steps)
    assert refused.status_code == 400
    assert message in refused.get_data(as_text=True)
    with app.extensions["ieum.database"].session() as s:
        assert s.scalars(select(Record).where(Record.form_id == "approval_line")).all() == []


def test_reset_returns_to_the_default_and_others_may_not_change_it(app) -> None:
    client = app.test_client()
    assert set_line(client, "resolution", ["facility_admin"]).status_code == 302
    assert set_line(client, "resolution", [], reset="yes").status_code == 302
    with app.extensions["ieum.database"].session() as s:
        facility = s.scalar(select(approval_lines.Facility).where(
            approval_lines.Facility.code == "home"))
        assert approval_lines.current_line(s, app.extensions["ieum.registry"], facility,
                                           "resolution") == ("team_leader", "facility_admin")
    assert set_line(client, "payroll", ["facility_admin"]).status_code == 404
    other = app.test_client()
    login(other, "chief")
    assert other.get("/f/home/admin/approval-lines").status_code == 403
    token = csrf_token(other, "/f/home/")
    assert other.post("/f/home/admin/approval-lines/resolution",
                      data={"csrf_token": token, "step": ["team_leader"]}).status_code == 403


def test_each_step_shows_its_last_decision_after_a_return_and_a_new_round(app) -> None:
    """A process that sends a returned document along the line again (a vendor's loop):
    the step bar pairs each approver with the decision of the current round, so the 팀장's
    step is no longer "(반려)" once the 팀장 approved the corrected document."""
    from ieum.services import workflows as flows
    from ieum.store.models import ProcessInstance, Task

    client = app.test_client()
    instance = submit(client, api_token(client, "carer"), "resolution", "resolution_approval",
                      RESOLUTION)
    decide(client, "chief", "return")
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        row = s.get(ProcessInstance, instance["id"])
        returned = s.scalars(select(Task).where(Task.instance_id == row.id,
                                                Task.form_id == "approval_decision")).one()
        steps = flows.progress(s, registry, row)
        assert [(st.title, st.state) for st in steps][1:] == [
            ("팀장 결재 (반려)", "done"), ("기관관리자 결재", "todo")]
        # the corrected document goes round again: the 팀장 approves, the 관리자 decides next
        decision = Record(facility_id=row.facility_id, unit_function="resolution",
                          form_id="approval_decision", form_version=1, status="final",
                          data={"decision": "approve"}, author_id=returned.completed_by_id)
        s.add(decision)
        s.flush()
        s.add_all([
            Task(instance_id=row.id, facility_id=row.facility_id, spiff_task_id="again-1",
                 name=returned.name, title=returned.title, form_id="approval_decision",
                 role="team_leader", state="completed", record_id=decision.id,
                 completed_at=returned.completed_at),
            Task(instance_id=row.id, facility_id=row.facility_id, spiff_task_id="again-2",
                 name=returned.name, title=returned.title, form_id="approval_decision",
                 role="facility_admin", state="ready")])
        s.flush()
        steps = flows.progress(s, registry, row)
        assert [(st.title, st.state) for st in steps][1:] == [
            ("팀장 결재", "done"), ("기관관리자 결재", "current")]
        s.rollback()


def _resolution_record(app, instance_id: int):
    from ieum.store.models import Task

    with app.extensions["ieum.database"].session() as s:
        record_id = s.scalar(select(Task.record_id).where(
            Task.instance_id == instance_id, Task.form_id == "resolution").limit(1))
        return s.get(Record, record_id)


@pytest.mark.parametrize("decision", ["approve", "return"])
def test_a_document_under_approval_is_frozen_until_it_is_returned(app, decision) -> None:
    """결재 중인 문서, 결재가 끝난 문서는 고치거나 지울 수 없고, 반려된 문서는 고쳐서 다시
    올린다."""
    client = app.test_client()
    instance = submit(client, api_token(client, "carer"), "resolution", "resolution_approval",
                      RESOLUTION)
    record = _resolution_record(app, instance["id"])
    editor = api_token(client, "head")  # 기관관리자: may update any resolution
    url = f"/api/v1/f/home/u/resolution/resolution/records/{record.id}"
    changed = {**RESOLUTION, "summary": "3월 사무용품 (수정)"}
    edited = client.put(url, headers=editor, json={"data": changed, "version": record.version})
    assert edited.status_code == 409
    assert "결재가 진행 중인 문서는 고치거나 지울 수 없습니다" in edited.get_json()["error"]
    removed = client.delete(f"{url}?version={record.version}", headers=editor)
    assert removed.status_code == 409
    assert client.get(url, headers=editor).get_json()["data"]["summary"] == "3월 사무용품"
    decide(client, "chief", decision)
    if decision == "approve":
        decide(client, "head")
    edited = client.put(url, headers=editor, json={"data": changed, "version": record.version})
    if decision == "approve":
        assert edited.status_code == 409
        assert "결재가 끝난 문서는" in edited.get_json()["error"]
    else:  # returned: the writer's side corrects it
        assert edited.status_code == 200, edited.get_json()
        assert edited.get_json()["data"]["summary"] == "3월 사무용품 (수정)"
