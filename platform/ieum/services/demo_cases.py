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
from sqlalchemy.orm import Session

from ieum.access.audit import Actor
from ieum.definitions import Registry
from ieum.services import records
from ieum.services.workspace import open_workspace
from ieum.store.models import Facility, Subject, User

DOMAINS = ("daily", "selfcare", "community", "money", "social", "career")


def _answers(level: int) -> dict[str, int]:
    return {f"{domain}_{n:02d}": min(4, max(1, level + (n % 3) - 1))
            for domain in DOMAINS for n in range(1, 11)}


def _day(today: dt.date, days_ago: int) -> str:
    return (today - dt.timedelta(days=days_ago)).isoformat()


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


class _Desk:
    """Saving records as one user of one facility."""

    def __init__(self, session: Session, registry: Registry, login: str, code: str,
                 today: dt.date) -> None:
        user = session.scalar(select(User).where(User.login == login))
        self.session, self.registry, self.today = session, registry, today
        self.workspace = open_workspace(session, registry, user, code, today)
        self.actor = Actor(user.id, user.login, "demo")

    def save(self, unit: str, form: str, data: dict[str, Any],
             subject_id: int | None = None) -> Any:
        scope = records.open_form(self.registry, self.workspace, unit, form, self.today,
                                  self.actor)
        return records.create_record(self.session, scope, data, subject_id=subject_id)


def admit_resident(desk: _Desk, resident: tuple[str, str, str], admitted: str,
                   reason: str) -> int:
    """Register a resident (name, sex, birth date) and record their admission (정원 내, from
    the family) on ``admitted``; the subject's id."""
    name, sex, born = resident
    subject_id = desk.save("subject_management", "subject_basic", {
        "name": name, "birth_date": born, "sex": sex, "status": "admitted",
        "admission_date": admitted}).subject_id
    desk.save("admission_discharge", "admission", {
        "admission_date": admitted, "admission_type": "new", "admission_route": "family",
        "admission_reason": reason, "capacity_type": "within"}, subject_id)
    return subject_id


def _child(desk: _Desk, name: str, sex: str, age: int) -> int:
    today = desk.today
    record = desk.save("subject_management", "subject_basic", {
        "name": name, "birth_date": _born(today, age), "sex": sex, "status": "admitted",
        "admission_date": _day(today, 365 * 6)})
    return record.subject_id


def _progress(admin: _Desk, worker: _Desk, subject_id: int, stage: str) -> None:
    today = admin.today
    order = STAGES.index(stage)
    if order >= STAGES.index("registered"):
        admin.save("self_reliance", "sr_child_info", {
            "admission_date": _day(today, 365 * 6), "registered_on": _day(today, 60),
            "admission_route": "district_office", "main_cause": "parent_poverty"}, subject_id)
    if order >= STAGES.index("assessed"):
        worker.save("self_reliance", "sr_assessment",
                    {"assessed_on": _day(today, 50), **_answers(2 + order % 2)}, subject_id)
    if order >= STAGES.index("planned"):
        worker.save("self_reliance", "sr_plan", {
            "planned_on": _day(today, 40), "school_level": "high", "grade": 2,
            "school_type": "vocational", "plan_type": "undecided",
            "desired_housing": "self_reliance_facility"}, subject_id)
    if order >= STAGES.index("providing"):
        worker.save("self_reliance", "sr_case_log", {
            "log_date": _day(today, 20), "area": "other",
            "service_content": "자립 준비 상황을 함께 점검하고 다음 달 목표를 정함"}, subject_id)
    if order >= STAGES.index("extended"):
        worker.save("self_reliance", "sr_extension", {
            "extension_date": _day(today, 15), "education": "high_graduated",
            "writer": "이사례", "extension_reason": "wish_under_25"}, subject_id)
    if order >= STAGES.index("ended"):
        worker.save("self_reliance", "sr_end", {
            "end_date": _day(today, 5), "end_type": "extended_end", "aftercare_consent": "agree",
            "education": "high_graduated", "housing_support": "government",
            "housing_government": "jeonse_rental", "self_funding": 300_000,
            "private_donation": 200_000, "settlement_grant": 10_000_000,
            "cda_balance": 2_400_000, "other_donations": 0, "allowance_receipt": "yes",
            "independence_education": "completed", "allowance_application": "applied",
            "employment_status": "employed", "workplace": "이음식품", "job_field": "skilled",
            "monthly_income": 2_100_000, "employment_type": "regular", "job_route": "facility",
            "university_type": "none", "living_main": "work"}, subject_id)
        worker.save("self_reliance", "sr_aftercare", {
            "followed_on": _day(today, 1), "method": "phone", "areas": ["주거", "취업"],
            "content": "전세 계약과 첫 출근 상황을 확인함"}, subject_id)


def load_demo_cases(session: Session, registry: Registry, today: dt.date) -> int:
    """Add the demo children once (a facility that already has subjects is left alone);
    returns how many children the demo facilities have."""
    made = 0
    plans = (("demo-child", "admin", "srworker", CHILDREN),
             ("demo-foster", "fostermanager", "fosterworker", FOSTER_CHILDREN))
    for code, admin_login, worker_login, children in plans:
        facility = session.scalar(select(Facility).where(Facility.code == code))
        if facility is None or session.scalar(select(Subject.id).where(
                Subject.facility_id == facility.id).limit(1)) is not None:
            continue
        admin = _Desk(session, registry, admin_login, code, today)
        worker = _Desk(session, registry, worker_login, code, today)
        for name, sex, age, stage in children:
            subject_id = _child(admin, name, sex, age)
            made += 1
            if stage == "suspended":
                worker.save("self_reliance", "sr_case_log", {
                    "log_date": _day(today, 10), "area": "other",
                    "service_content": "입대 전 자립 준비 점검"}, subject_id)
                worker.save("self_reliance", "sr_end", {
                    "end_date": _day(today, 3), "end_type": "suspension",
                    "education": "college_enrolled", "suspension_start": _day(today, 3),
                    "suspension_end": (today + dt.timedelta(days=540)).isoformat(),
                    "suspension_reason": "military_service"}, subject_id)
            elif stage in STAGES:
                _progress(admin, worker, subject_id, stage)
    return session.scalar(select(func.count(Subject.id)).join(
        Facility, Subject.facility_id == Facility.id).where(
            Facility.code.in_([code for code, *_ in plans]))) or made
