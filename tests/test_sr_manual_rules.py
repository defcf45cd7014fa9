"""Rules of the self-reliance manual (seed 004) that the screens enforce, through the API and
the web app on the shipped content:

- 마감 is judged on 대상등록일 for registration (not on 입소일자, the real admission date that
  may lie years before the closing date), and on both 일자 and 회기일자 of a session report;
- 대상등록일 is filled in with today on a new registration, 입소일자 with the child's
  admission date when the registration is opened for that child;
- a 공개 counselling note is seen by every staff member of the facility (whatever their
  record scope), a 비공개 one only by its writer, the assigned worker and the managers;
- the case list shows 입소일자, 연장일자, 종료일자 and 등록일자."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ieum.config import REPOSITORY_ROOT
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from ieum.store.models import Closing, User
from tests.formlab import api_token
from tests.webutil import PASSWORD, login

TODAY = dt.date(2026, 3, 2)
API = "/api/v1/f/home"
USERS = [("lead", "sr_team_leader"), ("head", "team_leader"), ("wk1", "sr_worker"),
         ("wk2", "sr_worker")]
CHILD_INFO = {"admission_date": "2019-05-01", "registered_on": "2026-03-02",
              "admission_route": "district_office", "main_cause": "abuse"}
SESSION = {"written_on": "2026-03-02", "title": "자립 준비 교육", "program": "daily_living",
           "session_date": "2026-03-02", "start_time": "10:00", "end_time": "11:00",
           "content": "장보기와 가계부 쓰기"}
NOTE = {"counsellor": "WK1", "counselling_date": "2026-03-02",
        "counselling_type": "office_visit", "counselling_areas": ["housing"],
        "content": "전세임대 신청 상담"}


@pytest.fixture
def app(make_app, migrated_url):
    app = make_app(migrated_url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY.isoformat())
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        home = create_facility(s, registry, code="home", name="이음아동원",
                               profile_code="child_home", region_code="11110")
        for login_name, role in USERS:
            user = create_user(s, login=login_name, name=login_name.upper(), password=PASSWORD)
            grant_role(s, registry, user=user, facility=home, role=role,
                       valid_from=dt.date(2025, 1, 1))
        s.add(Closing(facility_id=home.id, unit_function="self_reliance",
                      closed_through=dt.date(2026, 2, 28),
                      set_by_id=s.scalar(select(User.id).where(User.login == "lead"))))
        s.commit()
    return app


def new_child(client) -> int:
    head = api_token(client, "head")
    made = client.post(f"{API}/u/subject_management/subject_basic/records", headers=head,
                       json={"data": {"name": "한아이", "birth_date": "2010-01-05",
                                      "sex": "female", "status": "admitted",
                                      "admission_date": "2019-05-01"}})
    assert made.status_code == 201, made.get_json()
    return made.get_json()["subject_id"]


def save(client, who: str, form: str, data: dict, subject_id: int):
    return client.post(f"{API}/u/self_reliance/{form}/records", headers=api_token(client, who),
                       json={"subject_id": subject_id, "data": data})


def test_registration_is_closed_on_its_registration_date_not_on_admission(app) -> None:
    client = app.test_client()
    child = new_child(client)
    early = save(client, "lead", "sr_child_info", {**CHILD_INFO, "registered_on": "2026-02-20"},
                 child)
    assert early.status_code == 409 and "마감된 기간" in early.get_json()["error"]
    # admitted years before the closing date, registered after it: accepted
    saved = save(client, "lead", "sr_child_info", CHILD_INFO, child)
    assert saved.status_code == 201, saved.get_json()


@pytest.mark.parametrize("changed", [
    {"session_date": "2026-02-27"},  # written after the closing date, held before it
    {"written_on": "2026-02-27", "session_date": "2026-02-27"}])
def test_a_session_report_is_closed_on_both_of_its_dates(app, changed) -> None:
    client = app.test_client()
    child = new_child(client)
    assert save(client, "lead", "sr_child_info", CHILD_INFO, child).status_code == 201
    refused = save(client, "lead", "sr_session_report", {**SESSION, **changed},
                   child)
    assert refused.status_code == 409, refused.get_json()
    assert save(client, "lead", "sr_session_report", SESSION, child).status_code == 201


def test_the_registration_form_starts_with_today_as_its_registration_date(app) -> None:
    client = app.test_client()
    login(client, "lead")
    page = client.get("/f/home/u/self_reliance/sr_child_info/new").get_data(as_text=True)
    assert 'value="2026-03-02"' in page


def test_a_registration_opened_for_a_child_starts_with_the_childs_admission_date(app) -> None:
    client = app.test_client()
    child = new_child(client)
    login(client, "lead")
    page = client.get(f"/f/home/u/self_reliance/sr_child_info/new?subject={child}")
    html = page.get_data(as_text=True)
    assert 'name="f-admission_date"' in html or "admission_date" in html
    assert 'value="2019-05-01"' in html and 'value="2026-03-02"' in html
    # opened for no child (or for another facility's), nothing is carried over
    blank = client.get("/f/home/u/self_reliance/sr_child_info/new?subject=999999")
    assert 'value="2019-05-01"' not in blank.get_data(as_text=True)


def test_a_public_note_is_seen_by_every_worker_and_a_private_one_only_by_its_people(
        app) -> None:
    client = app.test_client()
    child = new_child(client)
    assert save(client, "lead", "sr_child_info", CHILD_INFO, child).status_code == 201
    public = save(client, "wk1", "sr_counselling", {**NOTE, "is_private": False}, child)
    private = save(client, "wk1", "sr_counselling", {**NOTE, "is_private": True,
                                                     "content": "가족 사정"}, child)
    assert public.status_code == private.status_code == 201
    other = api_token(client, "wk2")  # another 일반사례관리자, scope "assigned"
    listed = client.get(f"{API}/u/self_reliance/sr_counselling/records", headers=other)
    assert [item["id"] for item in listed.get_json()["items"]] == [public.get_json()["id"]]
    seen = client.get(f"{API}/u/self_reliance/sr_counselling/records/"
                      f"{public.get_json()['id']}", headers=other).get_json()
    assert seen["data"]["content"] == "전세임대 신청 상담"
    assert client.get(f"{API}/u/self_reliance/sr_counselling/records/"
                      f"{private.get_json()['id']}", headers=other).status_code == 404
    manager = api_token(client, "lead")  # view_private
    assert client.get(f"{API}/u/self_reliance/sr_counselling/records/"
                      f"{private.get_json()['id']}", headers=manager).status_code == 200


def test_the_case_list_shows_the_manuals_dates(app) -> None:
    client = app.test_client()
    child = new_child(client)
    assert save(client, "lead", "sr_child_info", CHILD_INFO, child).status_code == 201
    login(client, "lead")
    page = client.get("/f/home/u/self_reliance/cases").get_data(as_text=True)
    for title in ("입소일자", "연장일자", "종료일자", "등록일자"):
        assert f">{title}</th>" in page
    row = page[page.index(f'data-subject="{child}"'):]
    row = row[:row.index("</tr>")]
    assert "2019-05-01" in row and "2026-03-02" in row
