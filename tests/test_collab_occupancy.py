"""정원·현원: occupancy counted live from admissions and discharges, the subject's status kept
by them, the capacity enforced under concurrent admissions (PostgreSQL, parallel sessions),
the regional vacancy view, unmet needs matched when a place opens."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from ieum.services import ServiceError, records
from ieum.services.admin.users import create_user, grant_official_role
from ieum.store.migrate import upgrade
from ieum.store.models import Facility, Record, Subject
from ieum.store.models_collab import CollabNotice, UnmetNeed
from ieum_library.collaboration import needs, occupancy
from tests.collablab import (
    CHILD,
    TODAY,
    actor,
    admit,
    build,
    discharge,
    register,
    save,
    workspace,
)
from tests.webutil import PASSWORD, login


@pytest.fixture
def app(make_app, migrated_url):
    return build(make_app, migrated_url)


def child(app, n: int, facility: str = "home") -> int:
    return register(app, f"{facility}admin", facility,
                    {**CHILD, "name": f"아동{n}", "rrn": f"10051{n % 10}-4123456"})


def facility_id(app, code: str) -> int:
    with app.extensions["ieum.database"].session() as s:
        return s.scalar(select(Facility.id).where(Facility.code == code))


def test_occupancy_follows_admissions_and_discharges_and_keeps_the_status(app):
    first, second = child(app, 1), child(app, 2)
    home = facility_id(app, "home")
    with app.extensions["ieum.database"].session() as s:
        assert occupancy.occupancy(s, home) == 0
    admit(app, "homeadmin", "home", first, "2026-01-05")
    admit(app, "homeadmin", "home", second, "2026-01-06", capacity_type="outside")
    with app.extensions["ieum.database"].session() as s:
        assert occupancy.occupancy(s, home) == 1  # 정원 외 is not counted
    discharge(app, "homeadmin", "home", first, "2026-02-01")
    with app.extensions["ieum.database"].session() as s:
        assert occupancy.occupancy(s, home) == 0
        assert s.get(Subject, first).status == "퇴소"
        basic = s.scalar(select(Record).where(Record.subject_id == first,
                                              Record.form_id == "subject_basic"))
        assert basic.data["status"] == "discharged"
    admitted_again = admit(app, "homeadmin", "home", first, "2026-02-10")  # 재입소
    with app.extensions["ieum.database"].session() as s:
        assert occupancy.occupancy(s, home) == 1
        assert s.get(Subject, first).status == "입소"
        assert s.scalar(select(Record.data).where(
            Record.subject_id == first, Record.form_id == "subject_basic"))["status"] \
            == "admitted"
    with workspace(app, "homeadmin", "home") as (s, ws):  # the readmission was a mistake
        scope = records.open_form(app.extensions["ieum.registry"], ws, "admission_discharge",
                                  "admission", TODAY, actor(ws))
        records.delete_record(s, scope, admitted_again, expected_version=1)
    with app.extensions["ieum.database"].session() as s:
        assert occupancy.occupancy(s, home) == 0
        assert s.get(Subject, first).status == "퇴소"


def test_an_admission_beyond_the_capacity_is_refused(app):
    ids = [child(app, n) for n in range(3)]
    admit(app, "homeadmin", "home", ids[0])
    admit(app, "homeadmin", "home", ids[1])
    with pytest.raises(ServiceError) as full:
        admit(app, "homeadmin", "home", ids[2])
    assert full.value.status == 409 and "정원" in full.value.message
    with app.extensions["ieum.database"].session() as s:
        assert occupancy.occupancy(s, facility_id(app, "home")) == 2
        assert s.scalar(select(Record.id).where(Record.subject_id == ids[2],
                                                Record.form_id == "admission")) is None
    admit(app, "homeadmin", "home", ids[2], capacity_type="outside")  # 정원 외 is allowed


@pytest.mark.postgres
def test_concurrent_admissions_never_exceed_the_capacity(make_app, postgres_url):
    """Eight sessions, each its own connection, admit eight children at the same moment into
    a facility with three free places: exactly three succeed (row lock on the facility)."""
    upgrade(postgres_url)
    app = build(make_app, postgres_url)
    with app.extensions["ieum.database"].session() as s:
        s.get(Facility, facility_id(app, "home")).capacity = 3
    ids = [child(app, n) for n in range(8)]
    barrier = threading.Barrier(len(ids))
    outcomes: list[str] = []

    def admit_one(subject_id: int) -> None:
        with workspace(app, "homeadmin", "home") as (s, ws):
            barrier.wait()
            try:
                save(app, s, ws, "admission_discharge", "admission", {
                    "admission_date": "2026-03-01", "admission_type": "new",
                    "capacity_type": "within", "admission_route": "family",
                    "admission_reason": "보호 필요"}, subject_id)
            except ServiceError as refused:
                s.rollback()  # as the screens do: nothing of a refused save is kept
                outcomes.append(f"refused {refused.status}")
            else:
                outcomes.append("admitted")

    threads = [threading.Thread(target=admit_one, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["admitted"] * 3 + ["refused 409"] * 5
    with app.extensions["ieum.database"].session() as s:
        assert occupancy.occupancy(s, facility_id(app, "home")) == 3
        assert len(s.scalars(select(Record).where(Record.form_id == "admission")).all()) == 3


def test_a_need_is_matched_when_a_place_opens(app):
    kids = [child(app, n) for n in range(2)]
    for kid in kids:
        admit(app, "homeadmin", "home", kid)
    waiting = child(app, 5, "gh")
    with workspace(app, "ghworker", "gh") as (s, ws):
        with pytest.raises(ServiceError) as bad:
            needs.register_need(s, app.extensions["ieum.registry"], ws, actor(ws),
                                profile_code="child_home", region_code="111", need="입소 필요")
        assert bad.value.field == "region_code"
        s.rollback()
        need = needs.register_need(s, app.extensions["ieum.registry"], ws, actor(ws),
                                   profile_code="child_home", region_code="11110",
                                   need="양육시설 입소가 필요함", subject_id=waiting)
        assert need.status == "open"  # the home is full
    discharge(app, "homeadmin", "home", kids[0])
    with app.extensions["ieum.database"].session() as s:
        need = s.scalar(select(UnmetNeed))
        assert need.status == "matched" and need.matched_facility_id == facility_id(app, "home")
        messages = {n.facility_id: n.message for n in s.scalars(select(CollabNotice))}
        assert "빈자리" in messages[facility_id(app, "gh")]
        assert "대기 욕구" in messages[facility_id(app, "home")]
    # the waiting facility's dashboard says so until the notices are read
    client = app.test_client()
    login(client, "ghworker")
    assert 'data-testid="collab-notices"' in client.get("/f/gh/").get_data(as_text=True)
    with workspace(app, "ghworker", "gh") as (s, ws):
        needs.mark_read(s, ws)
    assert 'data-testid="collab-notices"' not in client.get("/f/gh/").get_data(as_text=True)


def test_the_vacancy_view_shows_an_official_their_region_only(app):
    kid = child(app, 1)
    admit(app, "homeadmin", "home", kid)
    with app.extensions["ieum.database"].session() as s:
        official = create_user(s, login="jongno", name="종로구청", password=PASSWORD)
        grant_official_role(s, user=official, role="region_official", region_code="11110",
                            valid_from=TODAY)
    client = app.test_client()
    login(client, "jongno")
    page = client.get("/region/vacancies").get_data(as_text=True)
    assert "하늘아동양육시설" in page and "바다공동생활가정" in page
    assert "새싹자립지원시설" not in page  # 11140 is not this official's region
    assert client.get("/region/vacancies?region=11140").get_data(as_text=True).count(
        "새싹자립지원시설") == 0
    row = page[page.index('data-facility="home"'):]
    assert "<td class=\"text-end\" data-occupied>1</td>" in row[:600]
    staff = app.test_client()
    login(staff, "srfworker")
    mine = staff.get("/region/vacancies").get_data(as_text=True)
    assert "새싹자립지원시설" in mine and "하늘아동양육시설" not in mine  # own region first
    assert "하늘아동양육시설" in staff.get("/region/vacancies?region=11110").get_data(as_text=True)
    nobody = app.test_client()
    with app.extensions["ieum.database"].session() as s:
        create_user(s, login="nobody", name="무소속", password=PASSWORD)
    login(nobody, "nobody")
    assert nobody.get("/region/vacancies").status_code == 403


def test_the_dashboard_shows_occupancy_beside_the_capacity(app):
    first = child(app, 1)
    admit(app, "homeadmin", "home", first, "2026-01-05")
    with app.extensions["ieum.database"].session() as s:
        capacity = s.get(Facility, facility_id(app, "home")).capacity
    client = app.test_client()
    login(client, "homeadmin")
    page = client.get("/f/home/").get_data(as_text=True)
    shown = page.split('data-testid="occupancy">', 1)[1].split("</dd>", 1)[0]
    assert shown.startswith("1명")
    if capacity is not None:
        assert f"빈자리 {capacity - 1}" in shown
