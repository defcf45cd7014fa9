"""A fourth demo facility, of the disability group: 이음의집 (장애인 거주시설, ``demo-residence``),
with two months of history for the README's three journeys — residents with admissions,
daily logs and service records; donors and donations; last month's payroll register saved
and waiting to be confirmed; an expense resolution waiting for the 사무국장's approval. It
also gives the demo care home a 팀장 (``carelead``), so a 요양보호사's daily log has someone
to approve it. Fictitious people; no resident numbers. Safe to run again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from ieum.services.demo import DemoContext
from ieum.store.models import Subject
from ieum_library.demo.residents import admit_resident

after = ("base",)

FACILITY = {"code": "demo-residence", "name": "이음의집", "profile_code": "disability_residence",
            "region_code": "11200", "capacity": 30}
USERS = (
    {"login": "resmanager", "name": "정시설", "facility": "demo-residence",
     "roles": ["facility_admin"]},
    {"login": "reslead", "name": "윤사무", "facility": "demo-residence", "roles": ["team_leader"]},
    {"login": "resworker", "name": "한생활", "facility": "demo-residence", "roles": ["worker"]},
    {"login": "carelead", "name": "최팀장", "facility": "demo-elderly", "roles": ["team_leader"]},
)
RESIDENTS = (("강민호", "male", "1990-05-14"), ("서지은", "female", "1987-11-02"),
             ("오태양", "male", "1995-02-27"))


def _users(context: DemoContext) -> None:
    for spec in USERS:
        facility = context.find_facility(spec["facility"])
        if facility is None:
            continue
        context.staff(login=spec["login"], name=spec["name"], facility=facility,
                      roles=spec["roles"], valid_from=context.today - dt.timedelta(days=90))


def _history(context: DemoContext) -> None:
    today = context.today
    head = context.desk("resmanager", FACILITY["code"])
    worker = context.desk("resworker", FACILITY["code"])
    for number, resident in enumerate(RESIDENTS):
        subject_id = admit_resident(head, resident, context.day(75 - number * 5),
                                    "중증 발달장애, 가족 돌봄이 어려움")
        for week in range(8):
            days_ago = 7 * week + number + 1
            if days_ago >= 70 - number * 5:
                continue
            worker.save("service_history", "service_record", {
                "service_date": context.day(days_ago),
                "category": ("health", "education", "counselling")[(week + number) % 3],
                "content": "일상생활 훈련과 건강 상태 확인", "provider": "한생활",
                "minutes": 40}, subject_id)
            worker.save("daily_care_log", "daily_log", {
                "log_date": context.day(days_ago), "shift": "day", "meal": "good",
                "sleep": "good" if week % 3 else "restless",
                "activities": "산책, 여가 프로그램 참여"}, subject_id)
    for name, kind, wanted in (("김나눔", "individual", True),
                               ("(주)이음상사", "organisation", True),
                               ("이익명", "individual", False)):
        head.save("donations", "donor", {"name": name, "donor_type": kind,
                                         "receipt_wanted": wanted})
    for days_ago, name, extra in (
            (60, "김나눔", {"kind": "cash", "amount": 100_000}),
            (45, "(주)이음상사", {"kind": "in_kind", "goods": "쌀 20kg", "quantity": "10포",
                               "amount": 550_000}),
            (30, "김나눔", {"kind": "cash", "amount": 100_000, "designated": True,
                         "designated_use": "생일잔치"}),
            (12, "이익명", {"kind": "cash", "amount": 30_000})):
        head.save("donations", "donation", {"received_on": context.day(days_ago),
                                            "donor_name": name, **extra})
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    head.save("payroll", "payroll_register", {
        "pay_month": last_month.strftime("%Y-%m"),
        "paid_on": last_month.replace(day=25).isoformat(),
        "employees": [
            {"name": "정시설", "base": 3_400_000, "allowance": 300_000, "deduction": 420_000,
             "net": 3_280_000, "employer_insurance": 360_000, "severance_reserve": 308_000},
            {"name": "윤사무", "base": 3_000_000, "allowance": 200_000, "deduction": 360_000,
             "net": 2_840_000, "employer_insurance": 310_000, "severance_reserve": 266_000},
            {"name": "한생활", "base": 2_600_000, "allowance": 250_000, "deduction": 310_000,
             "net": 2_540_000, "employer_insurance": 280_000, "severance_reserve": 237_000}]})
    # a resolution waiting for the 사무국장 (the line's first approver)
    instance = worker.start("resolution", "resolution_approval")
    (task,) = worker.ready_tasks(instance)
    worker.complete(task, {
        "kind": "expense", "resolved_on": context.day(1), "project": "거주인 여가 프로그램",
        "summary": "봄 나들이 버스 임차", "funding": "subsidy", "counterparty": "이음관광",
        "items": [{"account": "expense.program.programs", "description": "버스 임차",
                   "amount": 350_000},
                  {"account": "expense.program.living", "description": "도시락",
                   "amount": 120_000}]})


def load(context: DemoContext) -> dict[str, Any]:
    """Create what is missing; ``users``: the logins to print."""
    facility = context.facility(**FACILITY)
    _users(context)
    context.session.commit()
    if context.session.scalar(select(Subject.id).where(Subject.facility_id == facility.id)
                              .limit(1)) is None:
        _history(context)
    return {"facilities": [{"code": facility.code, "name": facility.name,
                            "profile": facility.profile_code}],
            "users": [context.account(s["login"], s["facility"], s["roles"]) for s in USERS]}
