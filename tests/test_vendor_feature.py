"""A vendor adds a complete feature without touching the engine (issue 21).

``tests/vendor_home_visit`` is an installable package (방문상담: home-visit counselling) that
uses only the kernel's extension points: content (a unit function, three forms, a process),
a service function with a context, a record feed, a report generator and a screen. It is
installed with pip into a temporary folder; ``ieum check`` accepts it, refuses a manifest
naming a feed that no package provides, and the web app runs the feature end to end on a
migrated SQLite database: sign in, open the screen from the menu, save visits (the feed
counts them), start and complete the process (its service task writes a plan record), and
read the report's figures.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from ieum.access.audit import Actor
from ieum.definitions import extensions
from ieum.services import ServiceError
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from ieum.services.reports.content import figure_values
from ieum.services.workspace import open_workspace
from ieum.store.models import (
    AuditEvent,
    ProcessInstance,
    Record,
    Subject,
    Task,
    User,
)
from ieum.store.models_reports import Report
from tests.content_tree import write
from tests.vendor_fixture import HOME_VISIT_PLUGIN
from tests.webutil import PASSWORD, csrf_token, login

IEUM = Path(sys.executable).parent / "ieum"
UNIT = "vendor_home_visit"
VISIT, REVIEW, PLAN = "vendor_home_visit", "vendor_home_visit_review", "vendor_home_visit_plan"
PROCESS = "vendor_home_visit_followup"
TODAY = dt.date(2026, 10, 15)
FACILITY = "visits"
UNIT_PATH = f"/f/{FACILITY}/u/{UNIT}"

PROFILE = {
    "code": "home_visit_center",
    "title": "재가방문상담센터",
    "target_group": "elderly",
    "statute": "노인복지법 제38조",
    "menu": [{"group": "상담", "items": [{"unit": UNIT}]}],
    "roles": [
        {"id": "team_leader", "title": "팀장",
         "grants": {"*": {"actions": ["*"], "scope": "facility"}}},
        {"id": "worker", "title": "상담원",
         "grants": {UNIT: {"actions": ["view", "create", "update", "delete"],
                           "scope": "facility"}}},
    ],
}


def run_ieum(site: Path | None, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    env.pop("IEUM_CONTENT_ROOT", None)
    env.pop("PYTHONPATH", None)
    if site is not None:
        env["PYTHONPATH"] = str(site)
    return subprocess.run([str(IEUM), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


# --- ieum check ------------------------------------------------------------------------------

def test_ieum_check_accepts_the_installed_feature(home_visit_site: Path, tmp_path: Path) -> None:
    result = run_ieum(home_visit_site, tmp_path, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK: ")
    assert f"1 plug-in ({HOME_VISIT_PLUGIN})" in result.stdout
    listing = run_ieum(home_visit_site, tmp_path, "list")
    assert listing.returncode == 0, listing.stderr
    line = next(row for row in listing.stdout.splitlines() if f" {UNIT} " in f" {row} ")
    assert line.split() == [UNIT, "2", "방문상담", "plug-in", HOME_VISIT_PLUGIN]


def test_ieum_check_refuses_a_feed_no_package_provides(home_visit_site: Path,
                                                      tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(home_visit_site / "ieum_vendor_home_visit" / "content", content)
    manifest = content / "unit_functions" / UNIT / "unit.yaml"
    # The package's content, over the shipped content it builds on (the 시·군·구's review
    # process of its report kind), checks clean against the installed feeds ...
    shipped = str(Path(__file__).resolve().parents[1])
    clean = run_ieum(home_visit_site, tmp_path, "check", shipped, str(content))
    assert clean.returncode == 0, clean.stdout + clean.stderr
    # ... but not without the package: its feed is then provided by nobody.
    alone = run_ieum(None, tmp_path, "check", shipped, str(content))
    assert alone.returncode == 1
    assert "content/unit_functions/vendor_home_visit/unit.yaml:/feeds/0: feed " \
           "'vendor_home_visit_tally' is provided by no installed package" in alone.stdout
    # A manifest naming a feed that no installed package provides is refused.
    data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    data["feeds"].append("visit_counter")
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    refused = run_ieum(home_visit_site, tmp_path, "check", shipped, str(content))
    assert refused.returncode == 1
    problems = [line for line in refused.stdout.splitlines() if "/feeds/" in line]
    assert len(problems) == 1, refused.stdout
    assert problems[0].startswith("content/unit_functions/vendor_home_visit/unit.yaml:/feeds/2:"
                                  " feed 'visit_counter' is provided by no installed package "
                                  "(entry-point group ieum.feeds); installed: ")
    assert "vendor_home_visit_tally" in problems[0]
    assert refused.stdout.rstrip().endswith("1 problem found")


# --- the feature through the web app ---------------------------------------------------------

@pytest.fixture
def feature(home_visit_site: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The installed package on ``sys.path``, its entry points loaded afresh (and forgotten
    again afterwards, so that other tests do not see them)."""
    monkeypatch.syspath_prepend(str(home_visit_site))
    extensions.reset()
    yield home_visit_site
    extensions.reset()


@pytest.fixture
def app(feature, make_app, sqlite_url, sqlite_template,  # noqa: ANN001, ANN201 - fixtures
        tmp_path):
    root = tmp_path / "content"
    write(root, "facility_profiles/home_visit_center.yaml", PROFILE)
    sqlite_template.copy_to(sqlite_url)
    # Over the shipped content: the package's report kind is reviewed by the 시·군·구 with the
    # shipped library's report_review process.
    shipped = Path(__file__).resolve().parents[1]
    app = make_app(sqlite_url, roots=[shipped, root], IEUM_PLUGINS=True,
                   IEUM_TODAY=TODAY.isoformat())
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as session:
        facility = create_facility(session, registry, code=FACILITY, name="햇살방문상담센터",
                                   profile_code="home_visit_center", region_code="11110")
        for login_name, name, role in (("counsellor", "김상담", "worker"),
                                       ("leader", "박팀장", "team_leader")):
            user = create_user(session, login=login_name, name=name, password=PASSWORD)
            grant_role(session, registry, user=user, facility=facility, role=role,
                       valid_from=dt.date(2020, 1, 1))
        session.add_all([Subject(facility_id=facility.id, name="이순자", data={}),
                         Subject(facility_id=facility.id, name="최만복", data={})])
    return app


def subject_ids(app) -> dict[str, int]:  # noqa: ANN001 - a Flask app
    with app.extensions["ieum.database"].session() as session:
        return {row.name: row.id for row in session.scalars(select(Subject))}


def save_visit(client, subject_id: int, visit_date: str, place: str, *,  # noqa: ANN001
               followup: bool = False) -> int:
    path = f"{UNIT_PATH}/{VISIT}/new"
    data = {"csrf_token": csrf_token(client, path), "subject_id": str(subject_id),
            "visit_date": visit_date, "place": place, "topic": "health",
            "counsellor": "김상담", "content": "혈압약 복용을 확인하고 식사를 살폈습니다."}
    if followup:
        data["followup_needed"] = "y"
    response = client.post(path, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(rf"/{VISIT}/(\d+)$", response.headers["Location"]).group(1))


def tally_of(app, subject_id: int) -> dict | None:  # noqa: ANN001 - a Flask app
    with app.extensions["ieum.database"].session() as session:
        return (session.get(Subject, subject_id).data or {}).get("vendor_home_visit")


def figures_on(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="(\w+)">([^<]+)<', page))


def test_the_feature_through_the_web_app(app) -> None:  # noqa: ANN001 - a Flask app
    registry = app.extensions["ieum.registry"]
    assert registry.unit_functions[UNIT].plugin == HOME_VISIT_PLUGIN
    assert registry.unit_functions[UNIT].page == "vendor_home_visit.board"
    people = subject_ids(app)
    lee, choi = people["이순자"], people["최만복"]

    # The counsellor signs in and opens 방문상담 from the menu: the package's screen.
    worker = app.test_client()
    assert login(worker, "counsellor").status_code == 302
    home = worker.get(f"/f/{FACILITY}/").get_data(as_text=True)
    assert f'data-unit="{UNIT}"' in home and "방문상담" in home
    opened = worker.get(f"{UNIT_PATH}/")
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/f/{FACILITY}/vendor-home-visit/")
    board = worker.get(opened.headers["Location"]).get_data(as_text=True)
    assert "방문상담 현황" in board and "아직 저장된 방문상담이 없습니다." in board
    assert f'href="{UNIT_PATH}/{VISIT}/new"' in board
    assert f'data-unit="{UNIT}"' in board  # the kernel's menu around the package's page

    # Saving visits runs the feed in the same transaction: the subject's tally follows.
    first = save_visit(worker, lee, "2026-10-02", "home", followup=True)
    save_visit(worker, lee, "2026-10-09", "phone")
    save_visit(worker, choi, "2026-10-05", "agency")
    save_visit(worker, choi, "2026-09-28", "home")  # last month: not in October's report
    assert tally_of(app, lee) == {"visits": 2, "last_visit": "2026-10-09"}
    assert tally_of(app, choi) == {"visits": 2, "last_visit": "2026-10-05"}
    listed = worker.get(f"{UNIT_PATH}/{VISIT}/").get_data(as_text=True)
    assert listed.count(f"/{VISIT}/{first}") >= 1

    # Deleting a visit runs the feed too.
    path = f"{UNIT_PATH}/{VISIT}/{first}/delete"
    form = worker.get(path).get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    deleted = worker.post(path, data={"csrf_token": csrf_token(worker, path),
                                      "version": version})
    assert deleted.status_code == 302
    assert tally_of(app, lee) == {"visits": 1, "last_visit": "2026-10-09"}
    save_visit(worker, lee, "2026-10-12", "home", followup=True)
    assert tally_of(app, lee) == {"visits": 2, "last_visit": "2026-10-12"}

    board = worker.get(f"/f/{FACILITY}/vendor-home-visit/").get_data(as_text=True)
    row = re.search(rf'<tr data-subject="{lee}">.*?</tr>', board, re.S).group(0)
    assert "이순자" in row and 'data-testid="visits">2<' in row and "2026-10-12" in row
    # The report kind's generator, shown on the page: October so far.
    assert "방문상담 실적보고 · 2026년 10월" in board
    assert figures_on(board) == {"visits": "3건", "home_visits": "1건",
                                 "followups_needed": "1건", "subjects": "2명"}

    # The counsellor asks for a review of 이순자's visits: the process starts from the page.
    start = f"{UNIT_PATH}/processes/{PROCESS}/start"
    assert start in board
    started = worker.post(start, data={"csrf_token": csrf_token(worker,
                                                                 "/f/visits/vendor-home-visit/"),
                                       "subject": str(lee)})
    assert started.status_code == 302  # the review is the team leader's: no task to open
    with app.extensions["ieum.database"].session() as session:
        instance = session.scalar(select(ProcessInstance))
        assert (instance.process_id, instance.subject_id, instance.status) == (
            PROCESS, lee, "running")
        (task,) = session.scalars(select(Task).where(Task.state == "ready")).all()
        assert (task.name, task.role, task.form_id) == ("review", "team_leader", REVIEW)
        instance_id, task_id = instance.id, task.id

    # The team leader finds the review among their tasks and decides on a follow-up.
    leader = app.test_client()
    login(leader, "leader")
    inbox = leader.get(f"/f/{FACILITY}/tasks/").get_data(as_text=True)
    assert "방문상담 검토" in inbox
    task_path = f"/f/{FACILITY}/tasks/{task_id}"
    refused = leader.post(task_path, data={"csrf_token": csrf_token(leader, task_path),
                                           "decision": "followup"})
    assert refused.status_code == 400  # a follow-up needs its action (the form's if/then)
    done = leader.post(task_path, data={
        "csrf_token": csrf_token(leader, task_path), "decision": "followup",
        "action": "주거환경 개선 사업 연계", "due_in_days": "14"})
    assert done.status_code == 302, done.get_data(as_text=True)

    # The service task wrote the plan through the record pipeline, as the team leader.
    with app.extensions["ieum.database"].session() as session:
        instance = session.get(ProcessInstance, instance_id)
        assert (instance.status, instance.error_message) == ("completed", None)
        review = session.scalar(select(Record).where(Record.form_id == REVIEW))
        plan = session.scalar(select(Record).where(Record.form_id == PLAN))
        assert plan.data == {"due_date": "2026-10-29", "action": "주거환경 개선 사업 연계",
                             "status": "planned", "review_record": review.id}
        assert (plan.unit_function, plan.subject_id, plan.status) == (UNIT, lee, "final")
        assert plan.author_id == review.author_id
        assert plan.entry_date == dt.date(2026, 10, 29)
        audited = session.scalar(select(AuditEvent).where(
            AuditEvent.action == "record.create", AuditEvent.target_id == str(plan.id)))
        assert audited is not None and audited.detail["form"] == PLAN
        plan_id = plan.id
    page = leader.get(f"/f/{FACILITY}/processes/{instance_id}").get_data(as_text=True)
    assert "방문상담 후속조치" in page
    board = leader.get(f"/f/{FACILITY}/vendor-home-visit/").get_data(as_text=True)
    plans = re.search(r'data-testid="plans">(.*?)</ul>', board, re.S).group(1)
    assert f"/{PLAN}/{plan_id}" in plans and "2026-10-29까지" in plans
    assert "이순자" in plans and "주거환경 개선 사업 연계" in plans
    plan_page = leader.get(f"{UNIT_PATH}/{PLAN}/{plan_id}").get_data(as_text=True)
    assert "주거환경 개선 사업 연계" in plan_page

    # A review that closes the case ends the process without a plan.
    second = worker.post(start, data={"csrf_token": csrf_token(
        worker, "/f/visits/vendor-home-visit/"), "subject": str(choi)})
    assert second.status_code == 302
    with app.extensions["ieum.database"].session() as session:
        task_id = session.scalar(select(Task.id).where(Task.state == "ready"))
    task_path = f"/f/{FACILITY}/tasks/{task_id}"
    closed = leader.post(task_path, data={"csrf_token": csrf_token(leader, task_path),
                                          "decision": "close"})
    assert closed.status_code == 302
    with app.extensions["ieum.database"].session() as session:
        statuses = [row.status for row in session.scalars(select(ProcessInstance)
                                                          .order_by(ProcessInstance.id))]
        assert statuses == ["completed", "completed"]
        assert len(session.scalars(select(Record).where(Record.form_id == PLAN)).all()) == 1


def test_the_visits_are_entries_of_the_integrated_history(app) -> None:  # noqa: ANN001
    """The shipped library's ``service_history`` feed, listed with settings in the package's
    manifest, puts the visits into the integrated history: kind and topic, not the content."""
    lee = subject_ids(app)["이순자"]
    worker = app.test_client()
    login(worker, "counsellor")
    save_visit(worker, lee, "2026-10-02", "home")
    save_visit(worker, lee, "2026-10-09", "phone")
    from ieum_library.collaboration import shared_history

    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as session:
        user = session.scalar(select(User).where(User.login == "leader"))
        workspace = open_workspace(session, registry, user, FACILITY, TODAY)
        history = shared_history.integrated_history(
            session, registry, workspace, Actor(user.id, "leader", "test"), lee, TODAY)
    assert [(e.day.isoformat(), e.kind, e.summary, e.own) for e in history.entries] == [
        ("2026-10-09", "방문상담", "건강", True), ("2026-10-02", "방문상담", "건강", True)]


def test_the_report_kind_and_its_generator(app) -> None:  # noqa: ANN001 - a Flask app
    """The kind is data in the package's manifest: the kernel's report screens make the
    month's report from saved (not draft) records where each figure's expression holds, and
    the generator, found in ``ieum.report_generators`` under the name the kind gives, adds
    what data cannot say (distinct subjects). The package's own page previews the same."""
    kind = app.extensions["ieum.registry"].report_kinds["vendor_home_visit_monthly"]
    assert kind.unit == UNIT and kind.generator == "vendor_home_visit_monthly"
    assert kind.generator in extensions.objects(extensions.REPORT_GENERATORS)
    people = subject_ids(app)
    worker = app.test_client()
    login(worker, "counsellor")
    kept = save_visit(worker, people["이순자"], "2026-10-02", "home", followup=True)
    other = save_visit(worker, people["이순자"], "2026-10-20", "phone")
    save_visit(worker, people["최만복"], "2026-11-02", "home")  # next month
    path = f"{UNIT_PATH}/{VISIT}/new"
    draft = worker.post(path, data={"csrf_token": csrf_token(worker, path), "action": "draft",
                                    "subject_id": str(people["최만복"]),
                                    "visit_date": "2026-10-03", "place": "home",
                                    "topic": "living", "content": "작성 중"})
    assert draft.status_code == 302
    reports = f"/f/{FACILITY}/reports/"
    listing = worker.get(reports)
    assert listing.status_code == 200 and "방문상담 실적보고" in listing.get_data(as_text=True)
    made = worker.post(f"{reports}generate", data={
        "csrf_token": csrf_token(worker, reports), "kind": kind.id, "period": "2026-10"})
    assert made.status_code == 302
    page = worker.get(made.headers["Location"]).get_data(as_text=True)
    assert "상담 대상자" in page and "2026년 10월" in page
    with app.extensions["ieum.database"].session() as session:
        report = session.scalar(select(Report).where(Report.kind == kind.id))
        assert figure_values(report.content) == {
            "visits": 2, "home_visits": 1, "followups_needed": 1, "subjects": 1}
        assert [f["key"] for f in report.content["figures"]] == [
            "visits", "home_visits", "followups_needed", "subjects"]
        assert set(report.content["source_records"]) == {kept, other}
        assert report.due_date == dt.date(2026, 11, 10)
    board = worker.get(f"/f/{FACILITY}/vendor-home-visit/")
    assert figures_on(board.get_data(as_text=True))["visits"] == "2건"


def test_a_record_refused_inside_a_service_task_refuses_the_step(app, monkeypatch) -> None:  # noqa: ANN001
    """A feed refusing the record a service task writes refuses the whole task completion:
    the worker reads the feed's message, no record is kept and the task stays open."""
    import ieum_vendor_home_visit.feeds as vendor_feeds

    def refuse(event) -> None:  # noqa: ANN001 - a feeds.RecordEvent
        if event.form.id == PLAN:
            raise ServiceError("후속조치 계획을 받을 수 없습니다.", status=409)
    monkeypatch.setattr(vendor_feeds.VisitTally, "after_save", staticmethod(refuse))
    lee = subject_ids(app)["이순자"]
    worker = app.test_client()
    login(worker, "counsellor")
    save_visit(worker, lee, "2026-10-02", "home")
    start = f"{UNIT_PATH}/processes/{PROCESS}/start"
    worker.post(start, data={"csrf_token": csrf_token(worker, f"/f/{FACILITY}/"),
                             "subject": str(lee)})
    with app.extensions["ieum.database"].session() as session:
        task_id = session.scalar(select(Task.id).where(Task.state == "ready"))
    assert task_id is not None
    leader = app.test_client()
    login(leader, "leader")
    path = f"/f/{FACILITY}/tasks/{task_id}"
    answer = leader.post(path, data={"csrf_token": csrf_token(leader, path),
                                     "decision": "followup", "action": "x"},
                         follow_redirects=True)
    assert answer.request.path == f"/f/{FACILITY}/tasks/"  # back to the inbox, with the reason
    assert "후속조치 계획을 받을 수 없습니다." in answer.get_data(as_text=True)
    with app.extensions["ieum.database"].session() as session:
        assert session.scalars(select(Record).where(Record.form_id == PLAN)).all() == []
        assert session.get(Task, task_id).state == "ready"
        assert session.scalar(select(ProcessInstance.status)) == "running"
