"""결재 counts: approval steps waiting for a user are counted on the dashboard and filtered
in the inbox (shipped content: the change of assigned worker goes through the approval)."""

from __future__ import annotations

import datetime as dt

import pytest

from ieum.config import REPOSITORY_ROOT
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from tests.formlab import api_token
from tests.webutil import PASSWORD, login

TODAY = dt.date(2026, 3, 2)
API = "/api/v1/f/home"


@pytest.fixture
def client(make_app, migrated_url):
    app = make_app(migrated_url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY.isoformat())
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        home = create_facility(s, registry, code="home", name="햇살아동양육원",
                               profile_code="child_home", region_code="11110")
        # the children's home gives the process's roles to the self-reliance case manager and
        # the 일반사례관리팀장 (seed 004)
        for login_name, role in [("caseworker", "sr_worker"), ("chief", "sr_team_leader")]:
            user = create_user(s, login=login_name, name=login_name, password=PASSWORD)
            grant_role(s, registry, user=user, facility=home, role=role,
                       valid_from=dt.date(2026, 1, 1))
    return app.test_client()


def test_an_approval_waiting_for_the_team_leader_is_counted(client) -> None:
    worker, chief = api_token(client, "caseworker"), api_token(client, "chief")
    assert client.post(f"{API}/u/case_assignment/processes/worker_change", json={},
                       headers=worker).status_code == 201
    (request,) = client.get(f"{API}/tasks", headers=worker).get_json()["items"]
    done = client.post(f"{API}/tasks/{request['id']}/complete", headers=worker, json={
        "data": {"new_worker_login": "chief", "reason": "업무 조정"}})
    assert done.status_code == 200, done.get_json()
    leader_view = client.get(f"{API}/tasks?approvals=1", headers=chief).get_json()
    assert leader_view["counts"]["approvals"] == 1
    assert [t["form_id"] for t in leader_view["items"]] == ["approval_decision"]
    assert client.get(f"{API}/tasks", headers=worker).get_json()["counts"]["approvals"] == 0
    login(client, "chief")
    page = client.get("/f/home/").get_data(as_text=True)
    assert 'data-count="approvals">1<' in page
