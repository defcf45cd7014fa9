"""Demo children at every stage of the self-reliance case (seed 004), so a newcomer can click
through the whole manual: a candidate, a registered child, one assessed, one with a plan, one
receiving services, one with an extension, one whose case ended (locked, with aftercare),
and in foster care one registered automatically and one whose protection is suspended.

Everything is saved through the records service, exactly as a worker would save it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from ieum.services.demo import DemoContext, Desk
from ieum.store.models import Facility, Subject

after = ("base",)

DOMAINS = ("daily", "selfcare", "community", "money", "social", "career")


def _answers(level: int) -> dict[str, int]:
    return {f"{domain}_{n:02d}": min(4, max(1, level + (n % 3) - 1))
            for domain in DOMAINS for n in range(1, 11)}


def _born(today: dt.date, years: int, days: int = 40) -> str:
    return (today.replace(year=today.year - years) - dt.timedelta(days=days)).isoformat()


STAGES = ("candidate", "registered", "assessed", "planned", "providing", "extended", "ended")
CHILDREN = (
    ("김민준", "male", 15, "candidate"), ("이서연", "female", 16, "registered"),
    ("박지호", "male", 16, "assessed"), ("최예은", "female", 17, "planned"),
    ("정하준", "male", 17, "providing"), ("강도윤", "male", 18, "extended"),
    ("조수아", "female", 19, "ended"),
)
FOSTER_CHILDREN = (("윤지우", "female", 15, "auto"), ("임서준", "male", 17, "suspended"))


def _child(desk: Desk, name: str, sex: str, age: int) -> int:
    """A child registered and, where the facility records admissions (입퇴소 관리), admitted
    by an admission record: 현원 on the dashboard and in the 시·군·구 report counts those, so
    a child listed as 입소 has one."""
    context = desk.context
    admitted = context.day(365 * 6)
    record = desk.save("subject_management", "subject_basic", {
        "name": name, "birth_date": _born(context.today, age), "sex": sex,
        "status": "admitted", "admission_date": admitted})
    if desk.workspace.permissions.can("admission_discharge", "create"):
        desk.save("admission_discharge", "admission", {
            "admission_date": admitted, "admission_type": "new", "capacity_type": "within",
            "admission_route": "local_government", "referring_agency": "서울특별시 종로구청",
            "admission_reason": "보호자의 양육이 어려워 시·군·구가 보호조치"}, record.subject_id)
    return record.subject_id


def _progress(admin: Desk, worker: Desk, subject_id: int, stage: str) -> None:
    day = admin.context.day
    order = STAGES.index(stage)
    if order >= STAGES.index("registered"):
        admin.save("self_reliance", "sr_child_info", {
            "admission_date": day(365 * 6), "registered_on": day(60),
            "admission_route": "district_office", "main_cause": "parent_poverty"}, subject_id)
    if order >= STAGES.index("assessed"):
        worker.save("self_reliance", "sr_assessment",
                    {"assessed_on": day(50), **_answers(2 + order % 2)}, subject_id)
    if order >= STAGES.index("planned"):
        worker.save("self_reliance", "sr_plan", {
            "planned_on": day(40), "school_level": "high", "grade": 2,
            "school_type": "vocational", "plan_type": "undecided",
            "desired_housing": "self_reliance_facility"}, subject_id)
    if order >= STAGES.index("providing"):
        worker.save("self_reliance", "sr_case_log", {
            "log_date": day(20), "area": "other",
            "service_content": "자립 준비 상황을 함께 점검하고 다음 달 목표를 정함"}, subject_id)
    if order >= STAGES.index("extended"):
        worker.save("self_reliance", "sr_extension", {
            "extension_date": day(15), "education": "high_graduated",
            "writer": "이사례", "extension_reason": "wish_under_25"}, subject_id)
    if order >= STAGES.index("ended"):
        worker.save("self_reliance", "sr_end", {
            "end_date": day(5), "end_type": "extended_end", "aftercare_consent": "agree",
            "education": "high_graduated", "housing_support": "government",
            "housing_government": "jeonse_rental", "self_funding": 300_000,
            "private_donation": 200_000, "settlement_grant": 10_000_000,
            "cda_balance": 2_400_000, "other_donations": 0, "allowance_receipt": "yes",
            "independence_education": "completed", "allowance_application": "applied",
            "employment_status": "employed", "workplace": "이음식품", "job_field": "skilled",
            "monthly_income": 2_100_000, "employment_type": "regular", "job_route": "facility",
            "university_type": "none", "living_main": "work"}, subject_id)
        if admin.workspace.permissions.can("admission_discharge", "create"):
            # 보호종료: the child leaves care, so the status and 현원 follow (퇴소)
            admin.save("admission_discharge", "discharge", {
                "discharge_date": day(5), "discharge_reason": "independence",
                "residence_type": "independent",
                "aftercare_plan": "자립지원전담요원이 5년간 사후관리"}, subject_id)
        worker.save("self_reliance", "sr_aftercare", {
            "followed_on": day(1), "method": "phone", "areas": ["주거", "취업"],
            "content": "전세 계약과 첫 출근 상황을 확인함"}, subject_id)


#: A 생활일지 a month for the last six months (days ago), so the dashboard's monthly chart and
#: the 생활일지 list have something to show on the first visit.
LOG_DAYS = (12, 41, 73, 102, 134, 163)
MEALS, SLEEPS = ("good", "good", "partial"), ("good", "restless", "good", "good")
LOG_WRITERS = {"demo-child": "worker", "demo-foster": "fosterworker"}  # the care workers


def _daily_logs(desk: Desk, subject_id: int, order: int) -> None:
    if not desk.workspace.permissions.can("daily_care_log", "create"):
        return
    for n, days_ago in enumerate(LOG_DAYS):
        desk.save("daily_care_log", "daily_log", {
            "log_date": desk.context.day(days_ago), "shift": ("day", "evening")[n % 2],
            "meal": MEALS[(order + n) % 3], "sleep": SLEEPS[(order + n) % 4],
            "activities": "학교 수업 후 학습지도와 자유 활동에 참여함"}, subject_id)


def load(context: DemoContext) -> dict[str, Any]:
    """Add the demo children once (a facility that already has subjects is left alone);
    ``children``: how many children the demo facilities have."""
    session, today = context.session, context.today
    made = 0
    plans = (("demo-child", "admin", "srworker", CHILDREN),
             ("demo-foster", "fostermanager", "fosterworker", FOSTER_CHILDREN))
    for code, admin_login, worker_login, children in plans:
        facility = context.find_facility(code)
        if facility is None or session.scalar(select(Subject.id).where(
                Subject.facility_id == facility.id).limit(1)) is not None:
            continue
        admin = context.desk(admin_login, code)
        worker = context.desk(worker_login, code)
        carer = context.desk(LOG_WRITERS[code], code)
        for order, (name, sex, age, stage) in enumerate(children):
            subject_id = _child(admin, name, sex, age)
            made += 1
            _daily_logs(carer, subject_id, order)
            if stage == "suspended":
                worker.save("self_reliance", "sr_case_log", {
                    "log_date": context.day(10), "area": "other",
                    "service_content": "입대 전 자립 준비 점검"}, subject_id)
                worker.save("self_reliance", "sr_end", {
                    "end_date": context.day(3), "end_type": "suspension",
                    "education": "college_enrolled", "suspension_start": context.day(3),
                    "suspension_end": (today + dt.timedelta(days=540)).isoformat(),
                    "suspension_reason": "military_service"}, subject_id)
            elif stage in STAGES:
                _progress(admin, worker, subject_id, stage)
    children = session.scalar(select(func.count(Subject.id)).join(
        Facility, Subject.facility_id == Facility.id).where(
            Facility.code.in_([code for code, *_ in plans]))) or made
    return {"children": children}
