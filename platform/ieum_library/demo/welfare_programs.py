"""Demo data of the program catalog (복지사업 오픈마켓): a designer and a reviewer (public roles,
no facility), the shipped programs published, a new program waiting in review, and a few
applications filed by demo-child's worker (one decided automatically, one waiting for the
종로구 official). Safe to run again: what exists is left alone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ieum.access.audit import Actor
from ieum.access.officials import public_roles
from ieum.catalog.definition import shipped_programs, to_mapping
from ieum.services import catalog as programs
from ieum.services.catalog import applications
from ieum.services.demo import DemoContext
from ieum.store.models import Subject
from ieum.store.models_catalog import Application, Program

# The applications are filed for the self-reliance children of demo-child.
after = ("children",)

DEMO_PEOPLE: tuple[dict[str, Any], ...] = (
    {"login": "designer", "name": "복지부 설계자", "role": "program_designer"},
    {"login": "reviewer", "name": "복지부 검토자", "role": "program_reviewer"},
)
REVIEW_CODE = "youth-rent-2026"
ACTOR = Actor(login="system:demo")


def _review_draft() -> dict[str, Any]:
    """청년 월세 특별지원 (demo): a type-2 program the designer sent to review."""
    mapping = to_mapping(shipped_programs()["housing-2026"])
    mapping.update(
        code=REVIEW_CODE, name="청년 월세 특별지원 (시범)", owner="국토교통부 주거복지정책과",
        target_group=["청년", "저소득층"], survey_type=2, benefit_type="cash",
        delivery_cycle="monthly",
        legal_basis="주거급여법 시행령 부칙(시범사업), 청년기본법 제20조 (예시)",
        description="기준 중위소득 60% 이하 청년 가구에 월세를 월 20만 원까지 지원합니다 (예시).",
        criteria="income_recognition <= threshold and size <= 2",
        benefit="min(rent_cap, threshold - income_recognition)",
        parameters={2026: {"threshold_share": 0.6, "rent_cap": 200000}},
        citations={"criteria": "청년기본법 제20조 (예시): 기준 중위소득 60% 이하 청년 1~2인 가구",
                   "threshold": "시범사업 공고 (예시): 기준 중위소득의 60%",
                   "benefit": "시범사업 공고 (예시): 월세 월 20만 원 한도",
                   "income_recognition": "사회보장급여 소득·재산 조사 표준화 방안 2유형",
                   "parameters": {"threshold_share": "시범사업 공고 (예시)",
                                  "rent_cap": "시범사업 공고 (예시)"},
                   "years": {"2026": "보건복지부 고시 제2025-204호 (기준 중위소득)"}})
    mapping.pop("appeal", None)  # the catalog's general guidance
    mapping["annex_form"] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "청년 월세 신청 별지",
        "version": 1, "type": "object", "required": ["monthly_rent"],
        "properties": {"monthly_rent": {"type": "integer", "title": "월세 (원)", "minimum": 0},
                       "lease_end": {"type": "string", "format": "date",
                                     "title": "임대차 계약 종료일"}}}
    return mapping


def load(context: DemoContext) -> dict[str, Any]:
    """Create what is missing; ``users``: the logins to print."""
    session, today = context.session, context.today
    designer, reviewer = (context.official(login=spec["login"], name=spec["name"],
                                           role=spec["role"], region_code=None)
                          for spec in DEMO_PEOPLE)
    for definition in shipped_programs().values():
        programs.install_program(session, designer, definition, publish=True,
                                 reviewer=reviewer)
    session.commit()
    if session.scalar(select(Program.id).where(Program.code == REVIEW_CODE)) is None:
        roles = public_roles(session, designer, today)
        programs.save_draft(session, designer, roles, _review_draft(), actor=ACTOR)
        programs.submit(session, designer, roles, REVIEW_CODE, actor=ACTOR)
    _applications(context)
    return {"users": [context.account(spec["login"], "-", [spec["role"]])
                      for spec in DEMO_PEOPLE]}


def _applications(context: DemoContext) -> None:
    session = context.session
    facility = context.find_facility("demo-child")
    if facility is None or context.find_user("worker") is None or session.scalar(
            select(Application.id).where(Application.facility_id == facility.id)
            .limit(1)) is not None:
        return
    worker = context.desk("worker", facility.code, ip=None)
    workspace = worker.workspace
    if not applications.may_apply(workspace):
        return
    rt = worker.runtime()
    people = list(session.scalars(select(Subject).where(Subject.facility_id == facility.id)
                                  .order_by(Subject.id).limit(2)))
    common = {"applicant_name": "이복지", "applicant_rrn": "900101-2345678",
              "address": "서울특별시 종로구 세종대로 209", "phone": "02-2100-1234",
              "household_size": 1, "relation_to_applicant": "proxy",
              "notice_method": "paper", "consent": True}
    filings = [
        (["livelihood-2026", "medical-2026"], {"size": 1, "region": "seoul",
                                               "other_income": 100_000},
         {"livelihood-2026": {"work_ability": "incapable", "has_support_obligor": False},
          "medical-2026": {"under_treatment": True}}),
        (["livelihood-2026"], {"size": 1, "region": "seoul", "earned_income": 900_000},
         {"livelihood-2026": {"work_ability": "capable", "has_support_obligor": False}}),
    ]
    for index, (codes, household, annexes) in enumerate(filings):
        subject = people[index] if index < len(people) else None
        filing = applications.Filing(
            codes=codes, subject_id=subject.id if subject else None,
            person_name="" if subject else f"신청인{index + 1}",
            common={**common, "applicant_name": subject.name if subject else "신청인"},
            household=household, annexes=annexes)
        try:
            applications.file_applications(session, rt, workspace, filing)
        except applications.ApplicationInvalid:
            session.rollback()  # shipped annexes changed: skip the demo application
