"""The child self-reliance functions of seed 004 on the shipped content: registration at 15,
the case list, the assigned worker, the rules between steps, locking after a final end,
foster care's automatic registration and 일시중지, statistics."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ieum.config import REPOSITORY_ROOT
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from ieum.store.models import Record, Subject
from tests.formlab import api_token
from tests.test_sr_forms_a import CHILD, PLAN, answers
from tests.test_sr_forms_b import EXPIRY, LOG, SUSPENSION
from tests.webutil import PASSWORD, login

TODAY = dt.date(2026, 3, 2)
SR = "/api/v1/f/{code}/u/self_reliance/{form}/records"
SUBJECTS = "/api/v1/f/{code}/u/subject_management/subject_basic/records"


def child(name: str, born: str) -> dict:
    return {"name": name, "birth_date": born, "sex": "female", "status": "admitted",
            "admission_date": "2015-04-01"}


@pytest.fixture
def app(make_app, migrated_url):
    app = make_app(migrated_url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY.isoformat())
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        home = create_facility(s, registry, code="home", name="햇살아동양육원",
                               profile_code="child_home", region_code="11110")
        foster = create_facility(s, registry, code="foster", name="서울가정위탁지원센터",
                                 profile_code="foster_care_center", region_code="11140")
        for login_name, facility, role in [
                ("homeadmin", home, "facility_admin"), ("srlead", home, "sr_team_leader"),
                ("srone", home, "sr_worker"), ("srtwo", home, "sr_worker"),
                ("fosteradmin", foster, "facility_admin"), ("fosterwork", foster, "worker")]:
            user = create_user(s, login=login_name, name=login_name, password=PASSWORD)
            grant_role(s, registry, user=user, facility=facility, role=role,
                       valid_from=dt.date(2026, 1, 1))
    return app


def post(client, who: str, code: str, form: str, data: dict, subject: int | None = None):
    url = SUBJECTS.format(code=code) if form == "subject_basic" else SR.format(code=code,
                                                                                form=form)
    body = {"data": data}
    if subject is not None:
        body["subject_id"] = subject
    return client.post(url, json=body, headers=api_token(client, who))


def case_page(client, who: str, code: str) -> str:
    browser = client.application.test_client()
    login(browser, who)
    return browser.get(f"/f/{code}/u/self_reliance/cases").get_data(as_text=True)


def test_a_childs_case_from_registration_to_the_end(app) -> None:
    client = app.test_client()
    made = post(client, "homeadmin", "home", "subject_basic", child("이나래", "2007-01-10"))
    kid = made.get_json()["subject_id"]
    post(client, "homeadmin", "home", "subject_basic", child("박어린", "2016-01-01"))
    page = case_page(client, "srlead", "home")
    # under 15: not listed
    assert "이나래" in page and ">후보자</span>" in page and "박어린" not in page

    assert post(client, "srone", "home", "sr_case_log", LOG).status_code == 400  # no subject
    assert post(client, "srone", "home", "sr_child_info", CHILD, kid).status_code == 201
    page = case_page(client, "srlead", "home")
    assert ">대상자</span>" in page and ">후보자</span>" not in page and "미지정" in page

    assert post(client, "srone", "home", "sr_assessment", {
        "assessed_on": "2026-03-01", **answers()}, kid).status_code == 201
    with app.extensions["ieum.database"].session() as s:
        subject = s.get(Subject, kid)
        assert subject.data["workers"]["self_reliance"] > 0
    assert "srone" in case_page(client, "srlead", "home")
    assert client.get(SR.format(code="home", form="sr_assessment"),
                      headers=api_token(client, "srtwo")).get_json()["total"] == 0

    assert post(client, "srone", "home", "sr_plan", PLAN, kid).status_code == 201
    future = post(client, "srone", "home", "sr_case_log", {**LOG, "log_date": "2026-03-03"},
                  kid)
    assert future.status_code == 400
    early_end = post(client, "srone", "home", "sr_end", EXPIRY, kid)
    assert early_end.status_code == 400
    assert "사례관리일지" in str(early_end.get_json()["fields"])
    log = post(client, "srone", "home", "sr_case_log", LOG, kid).get_json()
    # 연장종료 (at 19, after a 보호연장: the manual's order)
    assert post(client, "srone", "home", "sr_extension", {
        "extension_date": "2026-01-15", "education": "high_graduated", "writer": "srone",
        "extension_reason": "wish_under_25"}, kid).status_code == 201
    ended = post(client, "srone", "home", "sr_end", {**EXPIRY, "end_type": "extended_end"}, kid)
    assert ended.status_code == 201, ended.get_json()

    with app.extensions["ieum.database"].session() as s:
        statuses = {r.form_id: r.status for r in s.scalars(
            select(Record).where(Record.subject_id == kid,
                                 Record.unit_function == "self_reliance"))}
    assert set(statuses.values()) == {"locked"}
    edit = client.put(SR.format(code="home", form="sr_case_log") + f"/{log['id']}",
                      json={"data": LOG, "version": log["version"] + 1},
                      headers=api_token(client, "srlead"))
    assert edit.status_code == 409
    again = post(client, "srone", "home", "sr_case_log", LOG, kid)
    assert again.status_code == 409 and "종결" in again.get_json()["error"]
    aftercare = post(client, "srone", "home", "sr_aftercare", {
        "followed_on": "2026-03-02", "method": "phone", "content": "안부 확인"}, kid)
    assert aftercare.status_code == 201
    assert ">종결</span>" in case_page(client, "srlead", "home")


def test_the_team_leader_changes_the_assigned_worker(app) -> None:
    client = app.test_client()
    kid = post(client, "homeadmin", "home", "subject_basic",
               child("최바람", "2009-09-09")).get_json()["subject_id"]
    post(client, "srone", "home", "sr_child_info", CHILD, kid)
    post(client, "srone", "home", "sr_assessment", {"assessed_on": "2026-03-01",
                                                     **answers()}, kid)
    login(client, "srlead")
    page = client.get("/f/home/u/self_reliance/cases").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    changed = client.post(f"/f/home/u/self_reliance/cases/{kid}/worker",
                          data={"csrf_token": token, "login": "srtwo"})
    assert changed.status_code == 302
    assert client.get(SR.format(code="home", form="sr_assessment"),
                      headers=api_token(client, "srtwo")).get_json()["total"] == 1
    worker = app.test_client()
    login(worker, "srone")
    page = worker.get("/f/home/u/self_reliance/cases").get_data(as_text=True)
    assert "변경</summary>" not in page  # only the team leader may change


def test_foster_care_registers_at_15_and_suspension_keeps_the_case_open(app) -> None:
    client = app.test_client()
    kid = post(client, "fosteradmin", "foster", "subject_basic",
               child("정위탁", "2010-06-01")).get_json()["subject_id"]
    page = case_page(client, "fosteradmin", "foster")
    assert "정위탁" in page and ">대상자</span>" in page  # appears automatically
    post(client, "fosterwork", "foster", "sr_case_log", LOG, kid)
    paused = post(client, "fosterwork", "foster", "sr_end", SUSPENSION, kid)
    assert paused.status_code == 201, paused.get_json()
    assert post(client, "fosterwork", "foster", "sr_case_log", LOG, kid).status_code == 201


def test_statistics_count_ends_by_year_and_type(app) -> None:
    client = app.test_client()
    for name in ("가", "나"):
        kid = post(client, "homeadmin", "home", "subject_basic",
                   child(f"김{name}", "2008-01-01")).get_json()["subject_id"]
        post(client, "homeadmin", "home", "sr_case_log", LOG, kid)
        post(client, "homeadmin", "home", "sr_end", EXPIRY, kid)
    login(client, "homeadmin")
    page = client.get("/f/home/u/self_reliance/sr_end/stats").get_data(as_text=True)
    assert "2026년" in page and "만기종료" in page
    assert '<td class="text-end">2</td>' in page
