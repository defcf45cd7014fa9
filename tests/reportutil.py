"""A children's home with a few months of records for the report tests (shipped content).

Facility ``home`` (child_home, region 11110) with ``head`` (facility_admin), ``chief``
(team_leader) and ``carer`` (worker); officials ``guofficial`` (region 11110) and ``elsewhere``
(region 11140). The records cover October 2026 (입퇴소, 종사자), the third quarter of 2026
(급여, 보조금 집행) and the year 2025 (보조금 정산, 후원금), with some records just outside the
periods, a draft and a deleted record, so that a wrong filter shows in a figure.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.access.audit import Actor
from ieum.config import REPOSITORY_ROOT
from ieum.services import records
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_official_role, grant_role
from ieum.services.workflows import Runtime
from ieum.services.workspace import Workspace, open_workspace
from ieum.store.models import Record, User, utcnow
from tests.webutil import PASSWORD

TODAY = dt.date(2026, 11, 5)
SINCE = dt.date(2024, 1, 1)


def make_report_app(make_app, url: str, today: dt.date = TODAY):
    app = make_app(url, roots=[REPOSITORY_ROOT], IEUM_TODAY=today.isoformat())
    with app.extensions["ieum.database"].session() as session:
        seed(session, app.extensions["ieum.registry"], today)
    return app


def workspace(session: Session, registry, login: str, today: dt.date = TODAY,
              code: str = "home") -> Workspace:
    user = session.scalar(select(User).where(User.login == login))
    return open_workspace(session, registry, user, code, today)


def runtime(app, session: Session, login: str, today: dt.date = TODAY) -> Runtime:
    user = session.scalar(select(User).where(User.login == login))
    return Runtime(app.extensions["ieum.registry"], app.extensions["ieum.functions"], today,
                   Actor(user.id, user.login, "test"))


def save(session: Session, registry, login: str, unit: str, form: str, data: dict[str, Any],
         subject_id: int | None = None, *, draft: bool = False,
         today: dt.date = TODAY) -> Record:
    ws = workspace(session, registry, login, today)
    scope = records.open_form(registry, ws, unit, form, today, Actor(login=login))
    return records.create_record(session, scope, data, draft=draft, subject_id=subject_id)


def child(session: Session, registry, name: str) -> int:
    return save(session, registry, "head", "subject_management", "subject_basic", {
        "name": name, "birth_date": "2015-03-01", "sex": "female", "status": "admitted",
        "admission_date": "2020-01-01"}).subject_id


def seed(session: Session, registry, today: dt.date = TODAY) -> None:
    home = create_facility(session, registry, code="home", name="햇살아동양육원",
                           profile_code="child_home", region_code="11110", capacity=30)
    create_facility(session, registry, code="far", name="먼바다노인요양원",
                    profile_code="elderly_care_home", region_code="11140", capacity=20)
    for login, role in [("head", "facility_admin"), ("chief", "team_leader"),
                        ("carer", "worker")]:
        user = create_user(session, login=login, name=login, password=PASSWORD)
        grant_role(session, registry, user=user, facility=home, role=role, valid_from=SINCE)
    for login, region in [("guofficial", "11110"), ("elsewhere", "11140")]:
        user = create_user(session, login=login, name=f"{login} 주무관", password=PASSWORD)
        grant_official_role(session, user=user, role="region_official", region_code=region,
                            valid_from=SINCE)
    session.commit()
    kids = {name: child(session, registry, name) for name in
            ("가온", "나래", "다솜", "라온", "마루", "바다")}

    def admit(name: str, day: str, kind: str = "new", capacity: str = "within") -> Record:
        return save(session, registry, "head", "admission_discharge", "admission", {
            "admission_date": day, "admission_type": kind, "admission_route": "family",
            "admission_reason": "보호자 양육 곤란", "capacity_type": capacity}, kids[name])

    def discharge(name: str, day: str, reason: str, residence: str | None = "home") -> Record:
        data = {"discharge_date": day, "discharge_reason": reason}
        if residence:
            data["residence_type"] = residence
        return save(session, registry, "head", "admission_discharge", "discharge", data,
                    kids[name])

    admit("가온", "2025-03-02")
    admit("나래", "2026-09-30")  # the day before the period
    admit("다솜", "2026-10-01", "new")
    admit("라온", "2026-10-15", "transfer_in", "outside")
    admit("마루", "2026-10-31", "readmission")
    discharge("가온", "2026-10-20", "return_home")
    discharge("나래", "2026-11-01", "independence", "independent")  # after the period
    gone = admit("바다", "2026-10-10")
    gone.deleted_at = utcnow()  # a deleted record never counts
    session.commit()
    save(session, registry, "head", "admission_discharge", "admission", {
        "admission_date": "2026-10-12", "admission_type": "new"}, kids["바다"], draft=True)

    def card(name: str, job: str, hired: str, left: str | None = None,
             employment: str | None = "permanent") -> Record:
        data = {"name": name, "job_type": job, "hired_on": hired}
        if left:
            data["left_on"] = left
        if employment:
            data["employment_type"] = employment
        return save(session, registry, "head", "hr_card", "staff_card", data)

    card("김생활", "life_worker", "2020-03-01")
    card("이보육", "childcare_worker", "2026-10-05")
    card("박간호", "nurse", "2019-01-01", "2026-10-31")
    card("최조리", "cook", "2026-10-20", employment="contract")
    card("정사무", "clerk", "2021-05-01", "2026-09-30")
    save(session, registry, "head", "hr_card", "staff_change_report", {
        "change_type": "hire", "changed_on": "2026-10-05", "name": "이보육",
        "job_type": "childcare_worker"})

    def resolution(day: str, kind: str, funding: str, items: list[tuple[str, int]],
                   project: str = "기관 운영") -> Record:
        return save(session, registry, "head", "resolution", "resolution", {
            "kind": kind, "resolved_on": day, "project": project, "summary": project,
            "funding": funding,
            "items": [{"account": a, "description": project, "amount": n} for a, n in items]})

    resolution("2025-02-10", "income", "subsidy", [("income.subsidy.municipal", 30_000_000),
                                                   ("income.subsidy.provincial", 5_000_000)])
    resolution("2025-07-10", "income", "subsidy", [("income.subsidy.national", 12_000_000)])
    resolution("2025-03-31", "expense", "subsidy", [("expense.office.salary", 20_000_000),
                                                    ("expense.office.utilities", 800_000)])
    resolution("2025-12-31", "expense", "subsidy", [("expense.program.living", 4_500_000)])
    resolution("2026-01-02", "expense", "subsidy", [("expense.office.salary", 9_999)])
    resolution("2025-05-05", "expense", "donation", [("expense.program.programs", 700_000),
                                                     ("expense.program.clothing", 300_000)])
    resolution("2025-06-01", "expense", "own", [("expense.office.supplies", 50_000)])
    resolution("2026-07-15", "expense", "subsidy", [("expense.office.salary", 6_000_000)])
    resolution("2026-09-30", "expense", "subsidy", [("expense.office.allowances", 400_000),
                                                    ("expense.office.travel", 100_000)])
    resolution("2026-08-01", "income", "subsidy", [("income.subsidy.municipal", 7_000_000)])
    resolution("2026-10-01", "expense", "subsidy", [("expense.office.salary", 1)])

    def donation(day: str, donor: str, kind: str, amount: int | None = None,
                 designated: bool = False, receipt: str | None = "R-1") -> Record:
        data: dict[str, Any] = {"received_on": day, "donor_name": donor, "kind": kind,
                                "designated": designated}
        if amount is not None:
            data["amount"] = amount
        if kind == "in_kind":
            data["goods"] = "쌀"
        if designated:
            data["designated_use"] = "아동 교육비"
        if receipt:
            data["receipt_number"] = receipt
        return save(session, registry, "head", "donations", "donation", data)

    donation("2025-01-15", "한마음회", "cash", 1_000_000, designated=True)
    donation("2025-06-20", "김후원", "cash", 250_000, receipt=None)
    donation("2025-06-21", "김후원", "cash", 250_000)
    donation("2025-09-09", "쌀가게", "in_kind")
    donation("2026-01-03", "새해", "cash", 99_999)

    for month, pay in [("2026-07", 3_000_000), ("2026-08", 3_100_000)]:
        save(session, registry, "head", "payroll", "payroll_register", {
            "pay_month": month, "paid_on": f"{month}-25", "confirmed": month == "2026-07",
            "employees": [{"name": "김생활", "base": pay, "allowance": 200_000,
                           "deduction": 300_000, "net": pay - 100_000}]})
