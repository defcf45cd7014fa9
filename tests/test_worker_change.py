"""담당자 변경요청 (seed 004): a case manager asks for another worker, the 팀장 approves
(요청변경승인) and the named worker becomes the child's 담당자; a request naming someone who
may not take the case is refused when approved, and nothing of the decision is kept."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ieum.config import REPOSITORY_ROOT
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from ieum.store.models import AuditEvent, Subject, Task
from tests.formlab import api_token
from tests.webutil import PASSWORD

TODAY = dt.date(2026, 3, 2)
API = "/api/v1/f/home"
# The children's home gives the process's roles to the manual's: the 일반사례관리자 (sr_worker)
# asks, the 일반사례관리팀장 (sr_team_leader) decides; a 생활복지사 or the facility's 팀장 does
# neither (the profile's `lanes` on the case_assignment menu item).
USERS = [("lead", ["sr_team_leader"]), ("wk1", ["sr_worker"]), ("wk2", ["sr_worker"]),
         ("head", ["team_leader"])]


@pytest.fixture
def app(make_app, migrated_url):
    app = make_app(migrated_url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY.isoformat())
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        home = create_facility(s, registry, code="home", name="이음아동원",
                               profile_code="child_home", region_code="11110")
        for login_name, roles in USERS:
            user = create_user(s, login=login_name, name=login_name.upper(), password=PASSWORD)
            for role in roles:
                grant_role(s, registry, user=user, facility=home, role=role,
                           valid_from=dt.date(2026, 1, 1))
        create_user(s, login="outsider", name="바깥사람", password=PASSWORD)
    return app


def child_with_worker(client) -> int:
    lead, head = api_token(client, "lead"), api_token(client, "head")
    made = client.post(f"{API}/u/subject_management/subject_basic/records", headers=head,
                       json={"data": {"name": "한아이", "birth_date": "2010-01-05",
                                      "sex": "female", "status": "admitted",
                                      "admission_date": "2020-03-01"}})
    assert made.status_code == 201, made.get_json()
    subject_id = made.get_json()["subject_id"]
    registered = client.post(f"{API}/u/self_reliance/sr_child_info/records", headers=lead,
                             json={"subject_id": subject_id, "data": {
                                 "admission_date": "2020-03-01", "registered_on": "2026-03-02",
                                 "admission_route": "district_office", "main_cause": "abuse"}})
    assert registered.status_code == 201, registered.get_json()
    return subject_id


def request_change(app, client, subject_id: int, new_login: str) -> int:
    """w1 asks; returns the instance id (the decision waits for the 팀장)."""
    with app.extensions["ieum.database"].session() as s:
        w1 = s.scalar(select(Subject).where(Subject.id == subject_id))
        w1.data = {**(w1.data or {}), "workers": {"self_reliance": _user_id(s, "wk1")}}
        s.commit()
    worker = api_token(client, "wk1")
    started = client.post(f"{API}/u/case_assignment/processes/worker_change",
                          json={"subject_id": subject_id}, headers=worker)
    assert started.status_code == 201, started.get_json()
    (task,) = [t for t in started.get_json()["tasks"] if t["state"] == "ready"]
    done = client.post(f"{API}/tasks/{task['id']}/complete", headers=worker,
                       json={"data": {"new_worker_login": new_login, "reason": "휴직"}})
    assert done.status_code == 200, done.get_json()
    return started.get_json()["id"]


def _user_id(session, login_name: str) -> int:
    from ieum.store.models import User

    return session.scalar(select(User.id).where(User.login == login_name))


def decide(client, decision: str):
    lead = api_token(client, "lead")
    (task,) = client.get(f"{API}/tasks?approvals=1", headers=lead).get_json()["items"]
    return client.post(f"{API}/tasks/{task['id']}/complete", headers=lead, json={
        "data": {"decision": decision, **({"reason": "사유"} if decision == "return" else {})}})


def worker_of(app, subject_id: int) -> str | None:
    with app.extensions["ieum.database"].session() as s:
        subject = s.get(Subject, subject_id)
        worker = (subject.data.get("workers") or {}).get("self_reliance")
        from ieum.store.models import User

        return s.get(User, worker).login if worker else None


@pytest.mark.parametrize("decision,expected", [("approve", "wk2"), ("return", "wk1")])
def test_an_approved_request_changes_the_worker(app, decision, expected) -> None:
    client = app.test_client()
    subject_id = child_with_worker(client)
    request_change(app, client, subject_id, "wk2")
    assert worker_of(app, subject_id) == "wk1"
    done = decide(client, decision)
    assert done.status_code == 200, done.get_json()
    assert worker_of(app, subject_id) == expected
    with app.extensions["ieum.database"].session() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "case.assign")).all()
        assert [e.detail["by"] for e in events] == (
            ["approved_request"] if decision == "approve" else [])


def test_approving_a_request_for_someone_who_may_not_take_the_case_is_refused(app) -> None:
    client = app.test_client()
    subject_id = child_with_worker(client)
    instance_id = request_change(app, client, subject_id, "outsider")
    refused = decide(client, "approve")
    assert refused.status_code == 409
    assert "맡을 수 있는 직원이 아닙니다" in refused.get_json()["error"]
    assert worker_of(app, subject_id) == "wk1"
    with app.extensions["ieum.database"].session() as s:  # the decision still waits
        waiting = s.scalars(select(Task).where(Task.instance_id == instance_id,
                                               Task.state == "ready")).all()
        assert [t.name for t in waiting] == ["decide"]


def test_the_manuals_roles_ask_and_decide(app) -> None:
    """The process names `worker` and `team_leader`; in a children's home its tasks go to the
    일반사례관리자 and the 일반사례관리팀장, never to the facility's 팀장."""
    client = app.test_client()
    subject_id = child_with_worker(client)
    instance_id = request_change(app, client, subject_id, "wk2")
    with app.extensions["ieum.database"].session() as s:
        roles = {t.name: t.role for t in s.scalars(
            select(Task).where(Task.instance_id == instance_id))}
    assert roles == {"request_change": "sr_worker", "decide": "sr_team_leader"}
    head = api_token(client, "head")
    assert client.get(f"{API}/tasks?approvals=1", headers=head).get_json()["items"] == []
