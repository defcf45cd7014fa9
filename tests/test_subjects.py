"""Subjects registered through the shipped 대상자 기본정보 form: one person across facilities
found by the keyed hash; the subject page gathers a subject's records (원스크린)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ieum.config import REPOSITORY_ROOT
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from ieum.store.models import Subject
from tests.formlab import api_token
from tests.webutil import PASSWORD, login

TODAY = dt.date(2026, 3, 2)
CHILD = {"name": "김하늘", "birth_date": "2010-05-01", "sex": "female", "status": "admitted",
         "admission_date": "2020-03-01", "rrn": "100501-4123456"}


@pytest.fixture
def app(make_app, migrated_url):
    app = make_app(migrated_url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY.isoformat())
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        home = create_facility(s, registry, code="home", name="하늘양육원",
                               profile_code="child_home", region_code="11110")
        care = create_facility(s, registry, code="care", name="바다요양원",
                               profile_code="elderly_care_home", region_code="26110")
        for login_name, facility in [("homeadmin", home), ("careadmin", care)]:
            user = create_user(s, login=login_name, name=login_name, password=PASSWORD)
            grant_role(s, registry, user=user, facility=facility, role="facility_admin",
                       valid_from=dt.date(2026, 1, 1))
    return app


def subjects(app) -> list[Subject]:
    with app.extensions["ieum.database"].session() as s:
        rows = s.scalars(select(Subject).order_by(Subject.id)).all()
        for row in rows:
            s.expunge(row)
        return list(rows)


def test_registering_a_subject_links_the_same_person_across_facilities(app) -> None:
    client = app.test_client()
    home = client.post("/api/v1/f/home/u/subject_management/subject_basic/records",
                       json={"data": CHILD}, headers=api_token(client, "homeadmin"))
    assert home.status_code == 201, home.get_json()
    care = client.post("/api/v1/f/care/u/subject_management/subject_basic/records",
                       json={"data": {**CHILD, "rrn": "1005014123456"}},
                       headers=api_token(client, "careadmin"))
    assert care.status_code == 201
    first, second = subjects(app)
    assert first.facility_id != second.facility_id
    assert first.person_id is not None and first.person_id == second.person_id
    assert first.name == "김하늘" and first.birth_date == dt.date(2010, 5, 1)
    assert home.get_json()["subject_id"] == first.id
    assert b"4123456" not in (first.rrn_encrypted or b"")

    renamed = client.put(
        f"/api/v1/f/home/u/subject_management/subject_basic/records/{home.get_json()['id']}",
        json={"data": {**CHILD, "name": "김하늘빛", "rrn": ""}, "version": 1},
        headers=api_token(client, "homeadmin"))
    assert renamed.status_code == 200, renamed.get_json()
    assert [s.name for s in subjects(app)] == ["김하늘빛", "김하늘"]


def test_the_subject_page_gathers_the_subjects_records(app) -> None:
    client = app.test_client()
    headers = api_token(client, "homeadmin")
    created = client.post("/api/v1/f/home/u/subject_management/subject_basic/records",
                          json={"data": CHILD}, headers=headers).get_json()
    subject_id = created["subject_id"]
    note = {"counselling_date": "2026-03-01", "method": "in_person", "counselee": "subject",
            "topic": "진로 상담", "content": "자립 준비 이야기"}
    made = client.post("/api/v1/f/home/u/counselling/counselling_note/records",
                       json={"data": note, "subject_id": subject_id}, headers=headers)
    assert made.status_code == 201, made.get_json()
    login(client, "homeadmin")
    page = client.get(f"/f/home/subjects/{subject_id}").get_data(as_text=True)
    assert "김하늘" in page and "진로 상담" in page and "대상자 기본정보" in page
    assert client.get(f"/f/care/subjects/{subject_id}").status_code == 404


def test_list_labels_tell_apart_two_subjects_of_one_name_in_the_facility(app) -> None:
    """A list names a subject by name; by name and birth date where another subject of the
    same facility has that name (a namesake in another facility does not count)."""
    from ieum.services import subjects as subject_service
    from ieum.store.models import Facility

    client = app.test_client()
    home, care = api_token(client, "homeadmin"), api_token(client, "careadmin")
    url = "/api/v1/f/{}/u/subject_management/subject_basic/records"
    people = [("home", home, "김하늘", "2010-05-01"), ("home", home, "김하늘", "2012-07-09"),
              ("home", home, "이바다", "2011-01-02"), ("care", care, "이바다", "1940-03-04")]
    ids = []
    for code, token, name, born in people:
        data = {k: v for k, v in CHILD.items() if k != "rrn"}
        answer = client.post(url.format(code), headers=token,
                             json={"data": {**data, "name": name, "birth_date": born}})
        assert answer.status_code == 201, answer.get_json()
        ids.append(answer.get_json()["subject_id"])
    with app.extensions["ieum.database"].session() as s:
        facility = s.scalar(select(Facility).where(Facility.code == "home"))
        named = subject_service.labels(s, facility, [ids[0], ids[2], ids[3], None])
    # the care home's 이바다 is not the home's: left out, and no namesake for the home's
    assert named == {ids[0]: "김하늘 (2010-05-01)", ids[2]: "이바다"}
