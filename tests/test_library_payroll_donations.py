"""Linked steps of the administration library (shipped content): confirming a payroll
register writes one personnel-expense resolution; donations get numbered yearly receipts;
donation money cannot be booked to the excluded expense items on any save path."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from ieum.config import REPOSITORY_ROOT
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from ieum.store.models import AuditEvent, Record
from ieum_library.administration.payroll import personnel_items
from tests.formlab import api_token
from tests.webutil import PASSWORD, csrf_token, login

TODAY = dt.date(2026, 3, 20)
API = "/api/v1/f/home/u"
PAYROLL = {"pay_month": "2026-03", "paid_on": "2026-03-25", "employees": [
    {"name": "김이음", "base": 2800000, "allowance": 200000, "deduction": 350000,
     "net": 2650000, "employer_insurance": 290000, "severance_reserve": 250000},
    {"name": "박새봄", "base": 2500000, "allowance": 100000, "deduction": 280000,
     "net": 2320000, "employer_insurance": 250000, "severance_reserve": 216000},
]}
EXPECTED_ITEMS = [("expense.office.salary", 5300000), ("expense.office.allowances", 300000),
                  ("expense.office.severance", 466000),
                  ("expense.office.social_insurance", 540000)]
NO_DONATION = ("후원금은 업무추진비(기관운영비·직책보조비·회의비), 법인회계전출금, 부채상환금, "
               "잡지출, 예비비에 쓸 수 없습니다.")


@pytest.fixture
def app(make_app, migrated_url):
    app = make_app(migrated_url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY.isoformat())
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        for code in ("home", "away"):
            facility = create_facility(s, registry, code=code, name=f"{code} 요양원",
                                       profile_code="elderly_care_home", region_code="11110")
            for login_name, role in [("head", "facility_admin"), ("carer", "worker")]:
                user = create_user(s, login=f"{login_name}_{code}", name=login_name,
                                   password=PASSWORD)
                grant_role(s, registry, user=user, facility=facility, role=role,
                           valid_from=dt.date(2026, 1, 1))
    return app


def create(client, headers, unit: str, form: str, data: dict, **extra) -> int:
    made = client.post(f"{API}/{unit}/{form}/records", headers=headers,
                       json={"data": data, **extra})
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"]


def post(client, path: str, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/f/home/"), **data})


# ---------------------------------------------------------------- 급여대장 → 인건비 결의서

def test_personnel_items_sum_the_register() -> None:
    assert [(i["account"], i["amount"]) for i in personnel_items(PAYROLL)] == EXPECTED_ITEMS
    assert personnel_items(PAYROLL)[0]["description"] == "2026년 3월 급여(기본급) (2명)"
    plain = {**PAYROLL, "employees": [{"name": "김", "base": 100, "allowance": 0,
                                       "deduction": 0, "net": 100}]}
    assert [i["account"] for i in personnel_items(plain)] == ["expense.office.salary"]


def test_confirming_a_payroll_writes_one_personnel_expense_resolution(app) -> None:
    client = app.test_client()
    head = api_token(client, "head_home")
    payroll_id = create(client, head, "payroll", "payroll_register",
                        {**PAYROLL, "confirmed": True})  # 확정 is not typed in the form
    login(client, "head_home")
    detail = client.get(f"/f/home/u/payroll/payroll_register/{payroll_id}")
    assert "확정하고 인건비 결의서 만들기" in detail.get_data(as_text=True)
    done = post(client, f"/f/home/library/payroll/{payroll_id}/confirm")
    assert done.status_code == 302
    assert "/u/resolution/resolution/" in done.headers["Location"]
    again = post(client, f"/f/home/library/payroll/{payroll_id}/confirm")
    assert again.headers["Location"] == done.headers["Location"]
    with app.extensions["ieum.database"].session() as s:
        (resolution,) = s.scalars(select(Record).where(Record.form_id == "resolution")).all()
        payroll = s.get(Record, payroll_id)
        assert (payroll.data["confirmed"], payroll.data["resolution_id"]) == (
            True, resolution.id)
        assert resolution.status == "draft"
        data = resolution.data
        assert (data["kind"], data["resolved_on"], data["project"]) == (
            "expense", "2026-03-25", "2026-03 인건비")
        assert [(i["account"], i["amount"]) for i in data["items"]] == EXPECTED_ITEMS
        assert data["total"] == 6606000 == payroll.data["total_pay"] + payroll.data[
            "total_employer_insurance"] + payroll.data["total_severance"]
        assert s.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "payroll.confirm")) == 1
    page = client.get(f"/f/home/u/payroll/payroll_register/{payroll_id}").get_data(
        as_text=True)
    assert f"결의서 #{resolution.id}" in page and "확정하고" not in page


def test_the_draft_resolution_is_finished_by_the_accountant(app) -> None:
    client = app.test_client()
    head = api_token(client, "head_home")
    payroll_id = create(client, head, "payroll", "payroll_register", PAYROLL)
    login(client, "head_home")
    location = post(client, f"/f/home/library/payroll/{payroll_id}/confirm").headers["Location"]
    resolution_id = int(location.rstrip("/").rsplit("/", 1)[1])
    current = client.get(f"{API}/resolution/resolution/records/{resolution_id}",
                         headers=head).get_json()
    finished = client.put(f"{API}/resolution/resolution/records/{resolution_id}", headers=head,
                          json={"data": {**current["data"], "funding": "subsidy"},
                                "version": current["version"]})
    assert finished.status_code == 200, finished.get_json()
    assert finished.get_json()["status"] == "final"


def test_a_draft_register_or_another_facilitys_is_not_confirmed(app) -> None:
    client = app.test_client()
    head = api_token(client, "head_home")
    draft_id = create(client, head, "payroll", "payroll_register", PAYROLL, draft=True)
    away = client.post("/api/v1/f/away/u/payroll/payroll_register/records",
                       headers=api_token(client, "head_away"), json={"data": PAYROLL})
    away_id = away.get_json()["id"]
    login(client, "head_home")
    refused = post(client, f"/f/home/library/payroll/{draft_id}/confirm")
    assert refused.status_code == 302
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "임시저장된 급여대장은 확정할 수 없습니다" in page
    assert post(client, f"/f/home/library/payroll/{away_id}/confirm").status_code == 404
    assert post(client, f"/f/away/library/payroll/{away_id}/confirm").status_code == 404
    worker = app.test_client()
    login(worker, "carer_home")
    assert worker.post(f"/f/home/library/payroll/{draft_id}/confirm", data={
        "csrf_token": csrf_token(worker, "/f/home/")}).status_code == 403
    with app.extensions["ieum.database"].session() as s:
        assert s.scalars(select(Record).where(Record.form_id == "resolution")).all() == []


# ---------------------------------------------------------------- 기부금 영수증

DONORS = [("김후원", "individual", True), ("이음상사", "organisation", True),
          ("박익명", "individual", False)]
DONATIONS = [
    ("2025-12-20", "김후원", {"kind": "cash", "amount": 10000}),
    ("2026-01-05", "이음상사", {"kind": "in_kind", "goods": "쌀 20kg", "quantity": "10포",
                             "amount": 300000}),
    ("2026-01-10", "김후원", {"kind": "cash", "amount": 100000}),
    ("2026-02-10", "김후원", {"kind": "cash", "amount": 50000, "designated": True,
                           "designated_use": "어르신 생신잔치"}),
    ("2026-02-11", "박익명", {"kind": "cash", "amount": 20000}),
    ("2026-02-12", "이음상사", {"kind": "in_kind", "goods": "과일 상자"}),  # no value
]


def test_receipts_are_numbered_once_per_donor_and_year_and_printed(app) -> None:
    client = app.test_client()
    head = api_token(client, "head_home")
    for name, kind, wanted in DONORS:
        create(client, head, "donations", "donor",
               {"name": name, "donor_type": kind, "receipt_wanted": wanted})
    for day, name, extra in DONATIONS:
        create(client, head, "donations", "donation",
               {"received_on": day, "donor_name": name, **extra})
    login(client, "head_home")
    page = client.get("/f/home/library/donation-receipts/?year=2026").get_data(as_text=True)
    assert page.count("미발급") == 3 and "박익명" in page
    issued = post(client, "/f/home/library/donation-receipts/issue", year="2026")
    assert issued.status_code == 302
    page = client.get(issued.headers["Location"]).get_data(as_text=True)
    assert "기부금 영수증 2건을 발급했습니다: 2026-0001, 2026-0002" in page
    assert page.count("미발급") == 1  # 박익명 did not ask for one
    printed = client.get("/f/home/library/donation-receipts/print?number=2026-0002")
    text = printed.get_data(as_text=True)
    assert printed.status_code == 200
    assert "김후원" in text and "150,000" in text and "어르신 생신잔치" in text
    assert "10,000" not in text  # the 2025 donation is another year's receipt
    organisation = client.get("/f/home/library/donation-receipts/print?number=2026-0001")
    assert "쌀 20kg" in organisation.get_data(as_text=True)
    # a later donation takes the donor's number; nothing is renumbered
    create(client, head, "donations", "donation",
           {"received_on": "2026-03-01", "donor_name": "김후원", "kind": "cash",
            "amount": 20000})
    again = post(client, "/f/home/library/donation-receipts/issue", year="2026")
    assert "새로 발급할 영수증이 없습니다" in client.get(again.headers["Location"]).get_data(
        as_text=True)
    text = client.get("/f/home/library/donation-receipts/print?number=2026-0002").get_data(
        as_text=True)
    assert "170,000" in text
    with app.extensions["ieum.database"].session() as s:
        numbers = {(r.data["donor_name"], r.data.get("amount"), r.data.get("receipt_number"))
                   for r in s.scalars(select(Record).where(
                       Record.form_id == "donation", Record.entry_date >= dt.date(2026, 1, 1)))}
        assert numbers == {("이음상사", 300000, "2026-0001"), ("이음상사", None, None),
                           ("김후원", 100000, "2026-0002"), ("김후원", 50000, "2026-0002"),
                           ("김후원", 20000, "2026-0002"), ("박익명", 20000, None)}
        assert s.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "donation.receipt.print")) == 3
    assert client.get("/f/home/library/donation-receipts/print?number=2026-0009"
                      ).status_code == 404
    assert client.get("/f/home/library/donation-receipts/print?number=../etc"
                      ).status_code == 404
    assert client.get("/f/home/library/donation-receipts/?year=20x6").status_code == 400
    assert post(client, "/f/home/library/donation-receipts/issue", year="2099").status_code == 302
    other = app.test_client()
    login(other, "head_away")
    assert other.get("/f/away/library/donation-receipts/print?number=2026-0002"
                     ).status_code == 404
    assert other.get("/f/home/library/donation-receipts/?year=2026").status_code == 404


# ---------------------------------------------------------------- 후원금 사용 제한

@pytest.mark.parametrize("unit,form,data", [
    ("resolution", "resolution", {
        "kind": "expense", "resolved_on": "2026-03-02", "project": "후원자 간담회",
        "summary": "다과", "funding": "donation",
        "items": [{"account": "expense.office.supplies", "description": "종이컵",
                   "amount": 5000},
                  {"account": "expense.office.meeting", "description": "다과",
                   "amount": 50000}]}),
    ("spending_request", "spending_request", {
        "requested_on": "2026-03-02", "project": "예비비", "content": "예비비 편성",
        "estimated_amount": 100000, "account": "expense.reserve", "funding": "donation"}),
])
def test_donations_are_refused_for_excluded_items_on_every_save_path(app, unit, form,
                                                                     data) -> None:
    client = app.test_client()
    head = api_token(client, "head_home")
    refused = client.post(f"{API}/{unit}/{form}/records", headers=head, json={"data": data})
    assert refused.status_code == 400
    assert NO_DONATION in str(refused.get_json()["fields"])
    allowed = {**data, "funding": "subsidy"}
    assert client.post(f"{API}/{unit}/{form}/records", headers=head,
                       json={"data": allowed}).status_code == 201
