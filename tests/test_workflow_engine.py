"""The workflow engine at the service level, on SQLite and PostgreSQL: lanes, case workers and
assignees, saved records, restarts, spec versions, concurrent completion, timers, failing
service tasks and retries, the inbox, permissions, and the sandboxed script engine."""

from __future__ import annotations

import builtins
import datetime as dt
import json
import re
import shutil
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_environment import TaskDataEnvironment
from sqlalchemy import func, select

from ieum.access.audit import Actor
from ieum.definitions import load_registry
from ieum.expressions import ExpressionError
from ieum.services import ServiceError
from ieum.services import workflows as flows
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from ieum.services.records import FormInvalid
from ieum.services.workspace import open_workspace
from ieum.store.models import ProcessInstance, Record, Subject, Task, User
from ieum.workflow import functions as service_functions
from ieum.workflow import runtime
from ieum.workflow.environment import ExpressionFailed, SafeEnvironment, SafeScriptEngine
from tests.conftest import TEST_CONTENT
from tests.webutil import PASSWORD

TODAY = dt.date(2026, 3, 2)
REPOSITORY = Path(__file__).resolve().parents[1]
FLOW_USERS = [("wk1", "worker"), ("wk2", "worker"), ("lead", "leader"), ("boss", "admin")]


# ---------------------------------------------------------------- set-up and helpers


def seed(app, facilities: Mapping[str, str], users: list[tuple[str, str, str]]) -> None:
    """Facilities (code -> profile) and users (login, facility code, role)."""
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        made = {code: create_facility(s, registry, code=code, name=f"{code} 시설",
                                      profile_code=profile, region_code="11110")
                for code, profile in facilities.items()}
        for login_name, code, role in users:
            user = create_user(s, login=login_name, name=login_name, password=PASSWORD)
            grant_role(s, registry, user=user, facility=made[code], role=role,
                       valid_from=dt.date(2026, 1, 1))


def seed_flow(app) -> None:
    """Facility ``flow`` (flow_lab) with wk1, wk2 (worker), lead (leader), boss (admin); and
    facility ``other`` (flow_lab) whose admin is ``stranger``."""
    seed(app, {"flow": "flow_lab", "other": "flow_lab"},
         [(login_name, "flow", role) for login_name, role in FLOW_USERS]
         + [("stranger", "other", "admin")])


@pytest.fixture
def app(make_app, migrated_url):
    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    seed_flow(app)
    return app


class Acting:
    """One user in one facility with one session: what the web layer hands to the service."""

    def __init__(self, session, app, login_name: str, facility: str, today: dt.date,
                 functions: Mapping[str, Any] | None) -> None:
        self.session = session
        self.registry = app.extensions["ieum.registry"]
        self.user = session.scalar(select(User).where(User.login == login_name))
        self.workspace = open_workspace(session, self.registry, self.user, facility, today)
        self.rt = flows.Runtime(self.registry,
                                functions or service_functions.available(plugins=False),
                                today, Actor(self.user.id, self.user.login))
        self.today = today

    def start(self, process_id: str, unit: str = "flows", **kwargs: Any) -> ProcessInstance:
        return flows.start_process(self.session, self.rt, self.workspace, unit, process_id,
                                   **kwargs)

    def complete(self, task_id: int, data: Mapping[str, Any]) -> Task:
        return flows.complete_task(self.session, self.rt, self.workspace, task_id, data)

    def inbox(self, **query: Any) -> list[tuple[str, int]]:
        tasks = flows.inbox(self.session, self.workspace, flows.InboxQuery(**query), self.today)
        return [(task.name, task.instance_id) for task in tasks]


@contextmanager
def acting(app, login_name: str, *, facility: str = "flow", today: dt.date = TODAY,
           functions: Mapping[str, Any] | None = None) -> Iterator[Acting]:
    with app.extensions["ieum.database"].session() as s:
        yield Acting(s, app, login_name, facility, today, functions)


def user_id(app, login_name: str) -> int:
    with app.extensions["ieum.database"].session() as s:
        return s.scalar(select(User.id).where(User.login == login_name))


def ready(app, instance_id: int) -> list[dict[str, Any]]:
    """The instance's ready task rows, oldest first."""
    with app.extensions["ieum.database"].session() as s:
        rows = s.scalars(select(Task).where(Task.instance_id == instance_id,
                                            Task.state == "ready").order_by(Task.id)).all()
        return [{"id": t.id, "name": t.name, "title": t.title, "role": t.role,
                 "assignee_id": t.assignee_id, "form_id": t.form_id, "due_date": t.due_date}
                for t in rows]


def only_ready(app, instance_id: int) -> dict[str, Any]:
    (task,) = ready(app, instance_id)
    return task


def instance_row(app, instance_id: int) -> ProcessInstance:
    with app.extensions["ieum.database"].session() as s:
        instance = s.get(ProcessInstance, instance_id)
        s.expunge(instance)
        return instance


def task_data(app, instance_id: int) -> dict[str, Any]:
    """The data of the instance's (first) ready task, read from the stored state."""
    state = instance_row(app, instance_id).state
    workflow = runtime.load(state, SafeScriptEngine({}, TODAY))
    (task, *_) = runtime.ready_user_tasks(workflow, TODAY)
    return dict(runtime.find_task(workflow, task.spiff_id).data)


def note(text: str, decision: str | None = None) -> dict[str, str]:
    return {"note": text} | ({"decision": decision} if decision else {})


# ---------------------------------------------------------------- a process end to end


def test_three_lanes_with_a_return_case_worker_assignee_and_records(app) -> None:
    w1, w2 = user_id(app, "wk1"), user_id(app, "wk2")
    with acting(app, "wk1") as w:
        instance = w.start("three_lane")
        assert instance.status == "running" and instance.started_by_id == w1
    first = only_ready(app, instance.id)
    assert (first["name"], first["title"], first["role"], first["assignee_id"],
            first["form_id"]) == ("draft_step", "초안 작성", "worker", None, "step_note")
    with acting(app, "wk2") as w:
        assert w.inbox() == [("draft_step", instance.id)]  # every worker sees the lane's task
    with acting(app, "lead") as lead:
        assert lead.inbox() == []

    with acting(app, "wk1") as w:
        w.complete(first["id"], note("1차 초안: 민감한 상담 내용"))
    assert task_data(app, instance.id)["case_worker"] == w1  # claimsCase: the first completer
    review = only_ready(app, instance.id)
    assert (review["name"], review["role"], review["assignee_id"]) == ("review_step", "leader",
                                                                       None)
    with acting(app, "wk1") as w:
        assert w.inbox() == []
    with acting(app, "lead") as lead:
        assert lead.inbox() == [("review_step", instance.id)]
        lead.complete(review["id"], note("보완 필요: 세부 내용", "returned"))

    again = only_ready(app, instance.id)
    assert again["name"] == "draft_step" and again["id"] not in (first["id"], review["id"])
    with acting(app, "wk2") as w:  # another worker redrafts: the case worker stays w1
        w.complete(again["id"], note("2차 초안: 보완한 내용"))
    assert task_data(app, instance.id)["case_worker"] == w1
    with acting(app, "lead") as lead:
        lead.complete(only_ready(app, instance.id)["id"], note("좋습니다", "approved"))

    final = only_ready(app, instance.id)
    assert (final["name"], final["role"], final["assignee_id"]) == ("final_step", "worker", w1)
    with acting(app, "wk2") as w:
        assert w.inbox() == []  # assigned to w1, so not in the lane's shared inbox
        with pytest.raises(ServiceError) as refused:
            w.complete(final["id"], note("가로채기"))
        assert refused.value.status == 403
    with acting(app, "wk1") as w:
        assert w.inbox() == [("final_step", instance.id)]
        assert w.inbox(mine_only=True) == [("final_step", instance.id)]
        w.complete(final["id"], note("마무리 메모"))

    done = instance_row(app, instance.id)
    assert done.status == "completed" and done.next_timer_at is None
    assert ready(app, instance.id) == []
    with app.extensions["ieum.database"].session() as s:
        rows = s.scalars(select(Task).where(Task.instance_id == instance.id)
                         .order_by(Task.id)).all()
        assert [(t.name, t.state, t.completed_by_id) for t in rows] == [
            ("draft_step", "completed", w1), ("review_step", "completed", user_id(app, "lead")),
            ("draft_step", "completed", w2), ("review_step", "completed", rows[3].completed_by_id),
            ("final_step", "completed", w1)]
        records = {r.id: r for r in s.scalars(select(Record))}
        assert sorted(records) == sorted(t.record_id for t in rows)  # one record per step
        assert [records[t.record_id].data["note"] for t in rows] == [
            "1차 초안: 민감한 상담 내용", "보완 필요: 세부 내용", "2차 초안: 보완한 내용",
            "좋습니다", "마무리 메모"]
        assert {(r.unit_function, r.form_id, r.status) for r in records.values()} == {
            ("flows", "step_note", "final")}
        assert [records[t.record_id].author_id for t in rows][:3] == [w1, rows[1].completed_by_id,
                                                                      w2]
        steps = flows.progress(s, app.extensions["ieum.registry"], s.get(ProcessInstance,
                                                                          instance.id))
        assert [(step.name, step.state) for step in steps] == [
            ("draft_step", "done"), ("review_step", "done"), ("final_step", "done")]
    # The workflow holds record ids and the values its gateway reads, never the forms.
    state = json.dumps(done.state, ensure_ascii=False)
    for text in ("민감한 상담 내용", "보완 필요", "보완한 내용", "마무리 메모"):
        assert text not in state
    assert '"draft_step_record"' in state and '"decision": "approved"' in state


def test_progress_shows_the_current_step(app) -> None:
    with acting(app, "wk1") as w:
        instance = w.start("three_lane")
        w.complete(only_ready(app, instance.id)["id"], note("초안"))
        steps = flows.progress(w.session, w.registry, instance)
    assert [(s.name, s.title, s.state) for s in steps] == [
        ("draft_step", "초안 작성", "done"), ("review_step", "검토", "current"),
        ("final_step", "마무리", "todo")]
    assert steps[0].completed_on is not None


def test_a_service_runs_a_process_with_the_one_runner(app, monkeypatch) -> None:
    """start_in, complete_in and cancel_in, as a service outside any workspace uses them (a
    catalog application, a report): no record, no grant, the caller commits."""
    seen: list[flows.TaskEvent] = []
    monkeypatch.setattr(flows, "task_hook",
                        lambda process_id: seen.append if process_id == "three_lane" else None)
    boss = user_id(app, "boss")
    with acting(app, "boss") as b:
        facility_id = b.workspace.facility.id
        instance = flows.start_in(b.session, b.rt, facility_id, "flows", "three_lane",
                                  subject_id=None, data={"origin": "service"},
                                  started_by=None)
        b.session.commit()
    first = only_ready(app, instance.id)
    assert task_data(app, instance.id)["origin"] == "service"
    with acting(app, "boss") as b:
        task = b.session.get(Task, first["id"])
        moved = flows.complete_in(b.session, b.rt, task, {"decision": "approved"},
                                  completed_by=boss)
        b.session.commit()
        assert moved.id == instance.id and moved.status == "running"
        assert [(e.task.id, e.workspace) for e in seen] == [(first["id"], None)]
        with pytest.raises(ServiceError) as again:
            flows.complete_in(b.session, b.rt, task, {}, completed_by=boss)
        assert (again.value.status, again.value.message) == (409, flows.ALREADY_DONE)
    data = task_data(app, instance.id)
    assert (data["decision"], data["last_completed_by"], data["case_worker"]) == (
        "approved", boss, boss)  # the first task claims the case
    assert record_count(app) == 0
    review = only_ready(app, instance.id)
    assert review["name"] == "review_step"
    with acting(app, "boss") as b:
        row = b.session.get(Task, first["id"])
        assert (row.state, row.completed_by_id, row.record_id) == ("completed", boss, None)
        flows.cancel_in(b.session, b.session.get(ProcessInstance, instance.id))
        b.session.commit()
    cancelled = instance_row(app, instance.id)
    assert (cancelled.status, cancelled.next_timer_at) == ("cancelled", None)
    assert ready(app, instance.id) == []
    with app.extensions["ieum.database"].session() as s:
        assert s.get(Task, review["id"]).state == "cancelled"


# ---------------------------------------------------------------- restarts and spec versions


def test_an_instance_survives_an_app_restart(app, make_app, migrated_url) -> None:
    with acting(app, "wk1") as w:
        instance = w.start("three_lane")
        w.complete(only_ready(app, instance.id)["id"], note("재시작 전"))
    app.extensions["ieum.database"].dispose()

    again = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    with acting(again, "lead") as lead:
        assert lead.inbox() == [("review_step", instance.id)]
        lead.complete(only_ready(again, instance.id)["id"], note("재시작 후 승인", "approved"))
    final = only_ready(again, instance.id)
    assert (final["name"], final["assignee_id"]) == ("final_step", user_id(again, "wk1"))
    with acting(again, "wk1") as w:
        w.complete(final["id"], note("끝"))
    assert instance_row(again, instance.id).status == "completed"


def test_a_running_instance_keeps_the_spec_it_started_on(make_app, migrated_url,
                                                         tmp_path) -> None:
    content = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, content)
    old = make_app(migrated_url, roots=[content], IEUM_TODAY=TODAY.isoformat())
    seed_flow(old)
    with acting(old, "wk1") as w:
        running = w.start("three_lane")
    assert only_ready(old, running.id)["title"] == "초안 작성"

    bpmn = content / "workflows" / "bpmn" / "three_lane.bpmn"
    text = bpmn.read_text(encoding="utf-8")
    changed = (text.replace('name="초안 작성"', 'name="초안 작성 (개정)"')
               .replace('name="검토"', 'name="팀장 검토 (개정)"'))
    assert changed != text
    bpmn.write_text(changed, encoding="utf-8")
    new = make_app(migrated_url, roots=[content], IEUM_TODAY=TODAY.isoformat())
    assert new.extensions["ieum.registry"].processes["three_lane"].spec_hash != \
        running.spec_hash

    with acting(new, "wk1") as w:
        w.complete(only_ready(new, running.id)["id"], note("옛 절차"))
        fresh = w.start("three_lane")
    # The old instance goes on with the titles of the file it started with ...
    assert only_ready(new, running.id)["title"] == "검토"
    assert instance_row(new, running.id).spec_hash != instance_row(new, fresh.id).spec_hash
    # ... and a new one runs on the changed file.
    assert only_ready(new, fresh.id)["title"] == "초안 작성 (개정)"
    with acting(new, "wk1") as w:
        w.complete(only_ready(new, fresh.id)["id"], note("새 절차"))
    assert only_ready(new, fresh.id)["title"] == "팀장 검토 (개정)"


# ---------------------------------------------------------------- concurrency


def record_count(app) -> int:
    with app.extensions["ieum.database"].session() as s:
        return s.scalar(select(func.count(Record.id)))


def test_a_task_completed_twice_is_refused_with_409_and_saves_one_record(app) -> None:
    with acting(app, "wk1") as w:
        instance = w.start("three_lane")
    task_id = only_ready(app, instance.id)["id"]
    database = app.extensions["ieum.database"]
    late = database.sessions()
    try:
        slow = Acting(late, app, "wk2", "flow", TODAY, None)
        seen = late.get(Task, task_id)
        assert seen.state == "ready" and seen.instance.state  # loaded before the other commits
        with acting(app, "wk1") as w:
            w.complete(task_id, note("먼저 저장"))
        with pytest.raises(ServiceError) as refused:
            slow.complete(task_id, note("나중에 저장"))
        assert (refused.value.status, refused.value.message) == (409, flows.CONFLICT)
    finally:
        late.close()
    assert record_count(app) == 1
    with database.session() as s:
        rows = s.scalars(select(Task).where(Task.instance_id == instance.id)
                         .order_by(Task.id)).all()
        assert [(t.name, t.state, t.completed_by_id) for t in rows] == [
            ("draft_step", "completed", user_id(app, "wk1")), ("review_step", "ready", None)]
        assert s.get(Record, rows[0].record_id).data["note"] == "먼저 저장"
    with acting(app, "wk2") as w:  # once the list is fresh, the second attempt says so too
        with pytest.raises(ServiceError) as again:
            w.complete(task_id, note("다시"))
        assert (again.value.status, again.value.message) == (409, flows.ALREADY_DONE)


def test_two_threads_racing_for_one_task(app) -> None:
    with acting(app, "wk1") as w:
        instance = w.start("three_lane")
    task_id = only_ready(app, instance.id)["id"]
    barrier = threading.Barrier(2, timeout=30)
    outcomes: dict[str, object] = {}
    messages: list[str] = []

    def work(login_name: str) -> None:
        try:
            with acting(app, login_name) as w:
                w.session.get(Task, task_id).instance.state  # noqa: B018 - load it first
                barrier.wait()
                w.complete(task_id, note(f"{login_name}의 저장"))
            outcomes[login_name] = "ok"
        except ServiceError as error:
            outcomes[login_name] = error.status
            messages.append(error.message)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcomes[login_name] = repr(error)

    threads = [threading.Thread(target=work, args=(name,)) for name in ("wk1", "wk2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values(), key=str) == [409, "ok"], outcomes
    # Both loaded the ready task first, so the loser is stopped by the version check.
    assert messages == [flows.CONFLICT]
    assert record_count(app) == 1
    with app.extensions["ieum.database"].session() as s:
        done = s.scalars(select(Task).where(Task.instance_id == instance.id,
                                            Task.state == "completed")).all()
        assert len(done) == 1 and s.get(Record, done[0].record_id).data["note"] == \
            f"{[k for k, v in outcomes.items() if v == 'ok'][0]}의 저장"
    assert [t["name"] for t in ready(app, instance.id)] == ["review_step"]


# ---------------------------------------------------------------- timers


def test_a_boundary_timer_adds_a_reminder_when_the_tick_finds_it_due(app) -> None:
    registry = app.extensions["ieum.registry"]
    functions = service_functions.available(plugins=False)
    database = app.extensions["ieum.database"]
    with freeze_time("2026-03-02 09:00:00"):
        with acting(app, "wk1") as w:
            instance = w.start("reminder")
    assessment = only_ready(app, instance.id)
    assert (assessment["name"], assessment["due_date"]) == ("yearly_assessment",
                                                            dt.date(2026, 4, 1))
    due = instance_row(app, instance.id).next_timer_at
    assert due is not None
    assert due.replace(tzinfo=None) == dt.datetime(2026, 4, 1, 9, 0)

    with freeze_time("2026-03-12 09:00:00"), database.session() as s:
        assert flows.tick(s, registry, functions, dt.datetime.now(dt.UTC)) == 0
    assert [t["name"] for t in ready(app, instance.id)] == ["yearly_assessment"]

    with freeze_time("2026-04-02 09:00:00"), database.session() as s:
        assert flows.tick(s, registry, functions, dt.datetime.now(dt.UTC)) == 1
    tasks = ready(app, instance.id)
    assert [(t["name"], t["role"]) for t in tasks] == [("yearly_assessment", "worker"),
                                                       ("overdue_reminder", "worker")]
    assert tasks[0]["id"] == assessment["id"]  # the assessment stays open, not interrupted
    after = instance_row(app, instance.id)
    assert after.status == "running" and after.next_timer_at is None  # it fired once

    with freeze_time("2026-04-03 09:00:00"), database.session() as s:
        assert flows.tick(s, registry, functions, dt.datetime.now(dt.UTC)) == 0
    with acting(app, "wk1", today=dt.date(2026, 4, 2)) as w:
        w.complete(tasks[1]["id"], note("독촉함"))
        w.complete(tasks[0]["id"], note("평가함"))
    assert instance_row(app, instance.id).status == "completed"


# ---------------------------------------------------------------- failing service tasks


def test_a_failing_service_task_reports_its_own_error_and_can_be_retried(app) -> None:
    with acting(app, "wk1") as w:
        instance = w.start("broken_service")
        w.complete(only_ready(app, instance.id)["id"], note("외부 연계 요청"))
    failed = instance_row(app, instance.id)
    assert failed.status == "error"
    assert "외부 시스템 응답 없음" in failed.error_message
    assert "NameError" not in failed.error_message and "script" not in failed.error_message
    assert ready(app, instance.id) == []
    assert record_count(app) == 1  # the completed step is kept; only the service failed

    with acting(app, "wk1") as w:  # a worker may not retry
        with pytest.raises(ServiceError) as refused:
            flows.retry_instance(w.session, w.rt, w.workspace, instance.id)
        assert refused.value.status == 403
    with acting(app, "boss") as boss:  # the function still fails: still in error
        again = flows.retry_instance(boss.session, boss.rt, boss.workspace, instance.id)
        assert again.status == "error" and "외부 시스템 응답 없음" in again.error_message

    calls: list[dict[str, Any]] = []

    def answers(**params: Any) -> str:
        calls.append(params)
        return "ok"

    fixed = {**service_functions.available(plugins=False), "fail": answers}
    with acting(app, "boss", functions=fixed) as boss:
        retried = flows.retry_instance(boss.session, boss.rt, boss.workspace, instance.id)
        assert (retried.status, retried.error_message) == ("running", None)
    assert calls == [{"message": "외부 시스템 응답 없음"}]  # the parameter's expression
    after = only_ready(app, instance.id)
    assert after["name"] == "after"
    assert task_data(app, instance.id)["out"] == "ok"
    with acting(app, "boss") as boss:
        with pytest.raises(ServiceError) as not_failed:
            flows.retry_instance(boss.session, boss.rt, boss.workspace, instance.id)
        assert not_failed.value.status == 409
    with acting(app, "wk1") as w:
        w.complete(after["id"], note("확인"))
    assert instance_row(app, instance.id).status == "completed"


def test_an_unregistered_service_function_is_reported_by_name(app) -> None:
    missing = {k: v for k, v in service_functions.available(plugins=False).items()
               if k != "fail"}
    with acting(app, "wk1", functions=missing) as w:
        instance = w.start("broken_service")
        w.complete(only_ready(app, instance.id)["id"], note("요청"))
    failed = instance_row(app, instance.id)
    assert failed.status == "error" and "등록되지 않은 서비스 함수입니다: fail" in \
        failed.error_message


# ---------------------------------------------------------------- the sandbox


def test_the_script_engine_never_runs_python(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = SafeScriptEngine(service_functions.available(plugins=False), TODAY)
    assert isinstance(engine.environment, SafeEnvironment)
    assert not isinstance(engine.environment, TaskDataEnvironment)
    refused = {'__import__("os")': "name '__import__' is not allowed",
               "decision.upper()": "attribute access (.upper) is not allowed",
               "(1).__class__": "attribute access (.__class__) is not allowed",
               'open("x")': "function 'open' is not allowed"}
    for source, message in refused.items():
        with pytest.raises(ExpressionError, match=re.escape(message)):
            engine.environment.evaluate(source, {"decision": "approved"})
    with pytest.raises(ExpressionError, match="__import__"):
        engine.environment.execute('x = __import__("os")', {})
    with pytest.raises(ExpressionFailed):  # a checked expression over missing data
        engine.environment.evaluate("decision == 1", {})

    # A whole process runs its gateway and scripts without eval/exec or the default
    # environment of SpiffWorkflow.
    def forbidden(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("Python eval/exec was used")

    registry = load_registry([TEST_CONTENT], plugins=False)
    workflow = runtime.new_workflow(registry.processes["three_lane"], engine)
    workflow.do_engine_steps()
    monkeypatch.setattr(TaskDataEnvironment, "evaluate", forbidden)
    monkeypatch.setattr(TaskDataEnvironment, "execute", forbidden)
    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    decisions = ["returned", "approved"]
    seen = []
    while not workflow.is_completed():
        (task,) = runtime.ready_user_tasks(workflow, TODAY)
        seen.append(task.name)
        spiff = runtime.find_task(workflow, task.spiff_id)
        if task.name == "review_step":
            spiff.data["decision"] = decisions.pop(0)
        spiff.run()
        workflow.do_engine_steps()
    assert seen == ["draft_step", "review_step", "draft_step", "review_step", "final_step"]
    # Scripts (and a called process) too: the shipped 담당자 변경요청.
    shipped = load_registry([REPOSITORY], plugins=False)
    workflow = runtime.new_workflow(shipped.processes["worker_change"], engine)
    workflow.do_engine_steps()
    while not workflow.is_completed():
        (task,) = runtime.ready_user_tasks(workflow, TODAY)
        spiff = runtime.find_task(workflow, task.spiff_id)
        spiff.data["decision"] = "approve"
        spiff.run()
        workflow.do_engine_steps()
    assert workflow.last_task.data["approver_role"] == "team_leader"
    assert workflow.last_task.data["changed"] is True


def test_a_gateway_condition_cannot_reach_python_at_run_time() -> None:
    """A condition the checker would refuse fails as an expression error when the engine
    meets it (say, in a state saved before the check existed): nothing is imported."""
    engine = SafeScriptEngine({}, TODAY)
    registry = load_registry([TEST_CONTENT], plugins=False)
    workflow = runtime.new_workflow(registry.processes["three_lane"], engine)
    workflow.do_engine_steps()
    (task,) = runtime.ready_user_tasks(workflow, TODAY)
    spiff = runtime.find_task(workflow, task.spiff_id)
    with pytest.raises(WorkflowTaskException) as refused:
        engine.evaluate(spiff, "__import__('os').system('echo hacked')")
    cause = refused.value.__context__
    assert isinstance(cause, ExpressionError)
    assert str(cause) == ("attribute access (.system) is not allowed; name '__import__' is not "
                          "allowed: dunder names are refused")


# ---------------------------------------------------------------- inbox


def test_inbox_filters_by_subject_unit_and_due_date_and_counts(app) -> None:
    with acting(app, "wk1") as w:
        kim = Subject(facility_id=w.workspace.facility.id, name="김하나")
        w.session.add(kim)
        w.session.commit()
        for_kim = w.start("three_lane", subject_id=kim.id)
        general = w.start("three_lane")
        late = w.start("reminder")
    with acting(app, "wk1") as w:
        assert sorted(w.inbox()) == sorted([("draft_step", for_kim.id),
                                            ("draft_step", general.id),
                                            ("yearly_assessment", late.id)])
        assert w.inbox(subject_id=kim.id) == [("draft_step", for_kim.id)]
        assert w.inbox(subject_id=kim.id + 1000) == []
        assert len(w.inbox(unit_id="flows")) == 3
        assert w.inbox(unit_id="casebook") == []
        assert w.inbox(due="overdue") == []
        assert w.inbox(due="week") == []
        counts = flows.inbox_counts(w.session, w.workspace, TODAY)
        assert counts == flows.InboxCounts(mine=0, roles=3, overdue=0)
        # The first tasks sort by due date: the one with a due date comes first.
        assert w.inbox()[0] == ("yearly_assessment", late.id)
        flows.claim_task(w.session, w.rt, w.workspace, only_ready(app, general.id)["id"])
    with acting(app, "wk1", today=dt.date(2026, 4, 2)) as w:
        assert w.inbox(due="overdue") == [("yearly_assessment", late.id)]
        assert flows.inbox_counts(w.session, w.workspace, w.today) == flows.InboxCounts(
            mine=1, roles=2, overdue=1)
        assert w.inbox(mine_only=True) == [("draft_step", general.id)]
    with acting(app, "wk1", today=dt.date(2026, 4, 1)) as w:
        assert w.inbox(due="today") == [("yearly_assessment", late.id)]
    with acting(app, "wk2") as w:  # claimed by w1: gone from the other worker's list
        assert sorted(w.inbox()) == sorted([("draft_step", for_kim.id),
                                            ("yearly_assessment", late.id)])
        with pytest.raises(ServiceError) as taken:
            flows.claim_task(w.session, w.rt, w.workspace, only_ready(app, general.id)["id"])
        assert taken.value.status == 409
    with acting(app, "lead") as lead:
        assert lead.inbox() == []
        assert flows.inbox_counts(lead.session, lead.workspace, TODAY) == flows.InboxCounts(
            0, 0, 0)


# ---------------------------------------------------------------- permissions


def test_lanes_and_facilities_limit_who_may_work_a_task(app) -> None:
    with acting(app, "wk1") as w:
        instance = w.start("three_lane")
    task_id = only_ready(app, instance.id)["id"]
    with acting(app, "lead") as lead:  # sees the unit, but the task is the worker lane's
        assert flows.get_task(lead.session, lead.workspace, task_id).id == task_id
        with pytest.raises(ServiceError) as refused:
            lead.complete(task_id, note("팀장이 대신"))
        assert refused.value.status == 403
        with pytest.raises(ServiceError) as no_start:
            lead.start("three_lane")  # leader has no "create" on the unit
        assert no_start.value.status == 403
    with acting(app, "stranger", facility="other") as stranger:
        for call in (lambda: flows.get_task(stranger.session, stranger.workspace, task_id),
                     lambda: stranger.complete(task_id, note("남의 시설")),
                     lambda: flows.get_instance(stranger.session, stranger.workspace,
                                                instance.id)):
            with pytest.raises(ServiceError) as hidden:
                call()
            assert hidden.value.status == 404
    with acting(app, "wk1") as w:
        with pytest.raises(ServiceError) as unknown:
            w.start("counselling_review")  # not a process of this unit function
        assert unknown.value.status == 404
        with pytest.raises(FormInvalid) as invalid:
            w.complete(task_id, {"note": ""})
        assert "note" in invalid.value.errors
    assert only_ready(app, instance.id)["id"] == task_id and record_count(app) == 0


# ---------------------------------------------------------------- the shipped 결재 process


@pytest.fixture
def shipped_app(make_app, migrated_url):
    app = make_app(migrated_url, roots=[REPOSITORY], IEUM_TODAY=TODAY.isoformat())
    # a welfare centre: its menu gives the process's roles to no other role (a children's home
    # gives them to the 일반사례관리자 and 팀장: tests/test_worker_change.py)
    seed(app, {"home": "community_welfare_center"},
         [("worker1", "home", "worker"), ("leader1", "home", "team_leader")])
    return app


@pytest.mark.parametrize(("decision", "changed"), [("approve", True), ("return", None)])
def test_worker_change_is_decided_by_the_reusable_approval(shipped_app, decision,
                                                           changed) -> None:
    app = shipped_app
    with acting(app, "worker1", facility="home") as w:
        instance = w.start("worker_change", unit="case_assignment")
    request = only_ready(app, instance.id)
    assert (request["name"], request["role"], request["form_id"]) == (
        "request_change", "worker", "worker_change_request")
    with acting(app, "worker1", facility="home") as w:
        w.complete(request["id"], {"new_worker_login": "worker2", "reason": "휴직"})
    decide = only_ready(app, instance.id)
    # The task of the called process has no lane: its role comes from `approver_role`.
    assert (decide["name"], decide["title"], decide["role"], decide["form_id"]) == (
        "decide", "승인 검토", "team_leader", "approval_decision")
    with acting(app, "worker1", facility="home") as w:
        assert w.inbox() == []
        with pytest.raises(ServiceError) as refused:
            w.complete(decide["id"], {"decision": "approve"})
        assert refused.value.status == 403
    with acting(app, "leader1", facility="home") as leader:
        assert leader.inbox() == [("decide", instance.id)]
        with pytest.raises(FormInvalid) as no_reason:
            leader.complete(decide["id"], {"decision": "return"})
        assert "reason" in no_reason.value.errors
        leader.complete(decide["id"], {"decision": decision, "reason": "사유"})
    done = instance_row(app, instance.id)
    assert done.status == "completed"
    workflow = runtime.load(done.state, SafeScriptEngine({}, TODAY))
    assert workflow.last_task.data.get("changed") is changed
    assert workflow.last_task.data["approved"] is (decision == "approve")
    ends = [t.task_spec.bpmn_name for t in workflow.get_tasks()
            if t.task_spec.bpmn_id in ("change_approved", "change_returned")
            and t.state == runtime.TaskState.COMPLETED]
    assert ends == ["요청변경승인" if decision == "approve" else "요청반려"]


# ---------------------------------------------------------------- the stored state


def jsonb_order(value: Any) -> Any:
    """``value`` with its keys in PostgreSQL JSONB's order (shorter first, then bytewise)."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda key: (len(key.encode()), key.encode()))
        return {key: jsonb_order(value[key]) for key in keys}
    if isinstance(value, list):
        return [jsonb_order(item) for item in value]
    return value


def test_loading_a_state_keeps_task_data_whatever_the_key_order() -> None:
    """SpiffWorkflow stores task data as changes from the parent task and restores tasks in
    the order of the mapping; JSONB sorts the keys. Loading must not lose the data, and must
    not change the state it reads (it is loaded again after a refused form)."""
    registry = load_registry([REPOSITORY], plugins=False)
    engine = SafeScriptEngine({}, TODAY)
    workflow = runtime.new_workflow(registry.processes["worker_change"], engine)
    workflow.do_engine_steps()
    for values in ({"case_worker": 7}, {"decision": "approve"}):
        state = jsonb_order(json.loads(json.dumps(runtime.dump(workflow))))
        before = json.dumps(state, sort_keys=True)
        workflow = runtime.load(state, engine)
        assert json.dumps(state, sort_keys=True) == before
        (task,) = runtime.ready_user_tasks(workflow, TODAY)
        spiff = runtime.find_task(workflow, task.spiff_id)
        if "decision" in values:  # inside the called process, the caller's data is there
            assert (task.name, spiff.data["case_worker"], task.role) == ("decide", 7,
                                                                         "team_leader")
        spiff.data.update(values)
        spiff.run()
        workflow.do_engine_steps()
    assert workflow.is_completed()
    data = workflow.last_task.data
    assert (data["case_worker"], data["approved"], data["changed"]) == (7, True, True)



def test_dump_and_load_remember_the_spec_and_give_what_spiffworkflow_gives() -> None:
    """``dump`` converts a spec once and ``load`` builds it once per distinct content (issue
    15); the state is SpiffWorkflow's own, and a workflow loaded either way runs the same."""
    registry = load_registry([REPOSITORY], plugins=False)
    engine = SafeScriptEngine({}, TODAY)
    workflow = runtime.new_workflow(registry.processes["worker_change"], engine)
    workflow.do_engine_steps()
    for values in ({"case_worker": 7}, {"decision": "approve"}):
        state = runtime.dump(workflow)
        assert state == runtime.SERIALIZER.to_dict(workflow)
        assert runtime.dump(workflow)["spec"] is state["spec"]  # converted once
        stored = jsonb_order(json.loads(json.dumps(state)))
        first, second = runtime.load(stored, engine), runtime.load(stored, engine)
        assert first.spec is second.spec  # built once
        assert runtime.dump(first) == runtime.SERIALIZER.to_dict(
            runtime.SERIALIZER.from_dict(json.loads(json.dumps(state))))
        workflow = first
        (task,) = runtime.ready_user_tasks(workflow, TODAY)
        spiff = runtime.find_task(workflow, task.spiff_id)
        spiff.data.update(values)
        spiff.run()
        workflow.do_engine_steps()
    assert workflow.is_completed()
    # another content of the spec part is another spec
    changed = json.loads(json.dumps(runtime.dump(workflow)))
    changed["spec"]["description"] = "바뀐 절차"
    assert runtime.load(changed, engine).spec.description == "바뀐 절차"
    assert runtime.load(runtime.dump(workflow), engine).spec.description != "바뀐 절차"
