"""Demo facilities of the facility types added for every field (``facility_profiles/*``
extending ``child_base``, ``elderly_base``, ...): one or two per field, each with its staff and
a few records of its type-specific unit functions, so that a new user can sign in and see what
such a facility works with. Fictitious people; no resident numbers. Safe to run again: a
facility that already has records is left alone.

| facility | type | field | shows |
|---|---|---|---|
| demo-protect | 아동보호전문기관 | 아동 | a report, its investigation and the 팀장's decision |
| demo-kids | 가정어린이집 | 보육 | children admitted within the legal capacity, attendance |
| demo-hall | 경로당 | 노인 | members, a general meeting, the operating grant received |
| demo-bath | 방문목욕 | 노인 | recipients and 장기요양 급여제공기록 of bathing visits |
| demo-sign | 수어통역센터 | 장애인 | an interpretation request assigned and done |
| demo-jahwal | 광역자활센터 | 자활 | participants and a case intake |
| demo-mind | 정신요양시설 | 정신건강 | residents admitted, a daily care log |
| demo-mother | 미혼모자가족복지시설 | 한부모 | a mother admitted, counselling |
| demo-street | 노숙인종합지원센터 | 노숙인 | street outreach rounds, a person met registered |
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from ieum.services.demo import DemoContext, Desk
from ieum.store.models import Record
from ieum_library.demo.residents import admit_resident

after = ("base",)

FACILITIES: tuple[dict[str, Any], ...] = (
    {"code": "demo-protect", "name": "이음아동보호전문기관",
     "profile_code": "child_protection_agency", "region_code": "11215", "capacity": None},
    {"code": "demo-kids", "name": "이음가정어린이집", "profile_code": "home_daycare",
     "region_code": "11230", "capacity": 15},
    {"code": "demo-hall", "name": "이음경로당", "profile_code": "senior_center",
     "region_code": "11260", "capacity": None},
    {"code": "demo-bath", "name": "이음방문목욕센터", "profile_code": "home_visit_bathing",
     "region_code": "11290", "capacity": None},
    {"code": "demo-sign", "name": "이음수어통역센터", "profile_code": "sign_language_center",
     "region_code": "11305", "capacity": None},
    {"code": "demo-jahwal", "name": "이음광역자활센터",
     "profile_code": "regional_self_sufficiency_center", "region_code": "11320",
     "capacity": None},
    {"code": "demo-mind", "name": "이음정신요양원", "profile_code": "mental_care_facility",
     "region_code": "11350", "capacity": 50},
    {"code": "demo-mother", "name": "이음미혼모자가족복지시설",
     "profile_code": "unmarried_mother_facility", "region_code": "11380", "capacity": 20},
    {"code": "demo-street", "name": "이음노숙인종합지원센터",
     "profile_code": "homeless_support_center", "region_code": "11410", "capacity": None},
)

#: Per facility: (login, name, roles). The first is the facility admin.
STAFF: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "demo-protect": (("protectadmin", "권관장", ("facility_admin",)),
                     ("protectlead", "남팀장", ("team_leader",)),
                     ("protectworker", "도상담", ("worker",))),
    "demo-kids": (("kidsadmin", "유원장", ("facility_admin",)),
                  ("kidsteacher", "봄교사", ("worker",))),
    "demo-hall": (("halladmin", "장회장", ("facility_admin",)),
                  ("hallclerk", "배총무", ("team_leader",))),
    "demo-bath": (("bathadmin", "진센터장", ("facility_admin",)),
                  ("bathworker", "하요양", ("worker",))),
    "demo-sign": (("signadmin", "손센터장", ("facility_admin",)),
                  ("signlead", "표팀장", ("team_leader",)),
                  ("signworker", "인통역", ("worker",))),
    "demo-jahwal": (("jahwaladmin", "노센터장", ("facility_admin",)),
                    ("jahwalworker", "길사례", ("worker",))),
    "demo-mind": (("mindadmin", "구원장", ("facility_admin",)),
                  ("mindworker", "석생활", ("worker",))),
    "demo-mother": (("motheradmin", "민시설장", ("facility_admin",)),
                    ("motherworker", "채생활", ("worker",))),
    "demo-street": (("streetadmin", "탁센터장", ("facility_admin",)),
                    ("streetworker", "모상담", ("worker",))),
}


def load(context: DemoContext) -> dict[str, Any]:
    """Create what is missing of the facilities and their staff, then each facility's records
    once (a facility with records already is left alone)."""
    facilities = {spec["code"]: context.facility(**spec) for spec in FACILITIES}
    users = []
    for code, staff in STAFF.items():
        for login, name, roles in staff:
            context.staff(login=login, name=name, facility=facilities[code], roles=roles,
                          valid_from=context.today - dt.timedelta(days=120))
            users.append(context.account(login, code, roles))
    for code, story in STORIES.items():
        facility = facilities[code]
        if context.session.scalar(select(Record.id).where(
                Record.facility_id == facility.id).limit(1)) is None:
            story(context)
    return {
        "facilities": [{"code": f.code, "name": f.name, "profile": f.profile_code}
                       for f in facilities.values()],
        "users": users,
    }


def _member(desk: Desk, name: str, sex: str, born: str, since: str) -> int:
    """Register a person who uses the facility (not a resident); the subject's id."""
    return desk.save("subject_management", "subject_basic", {
        "name": name, "birth_date": born, "sex": sex, "status": "using",
        "admission_date": since}).subject_id


def _protection_agency(context: DemoContext) -> None:
    worker = context.desk("protectworker", "demo-protect")
    lead = context.desk("protectlead", "demo-protect")
    child = _member(worker, "임하늘", "female", "2016-07-09", context.day(20))
    worker.save("abuse_case", "abuse_report", {
        "received_at": f"{context.day(20)}T10:30", "route": "phone",
        "reporter_type": "mandatory", "reporter_contact": "담임교사",
        "suspected_types": ["neglect"], "suspect_relation": "parent", "urgency": "general",
        "summary": "결식과 잦은 결석으로 학교가 신고함"}, child)
    instance = worker.start("abuse_case", "abuse_case_decision", subject_id=child)
    investigate = worker.ready_tasks(instance)[0]
    worker.complete(investigate, {
        "visited_at": f"{context.day(19)}T14:00", "with_police": False,
        "findings": "보호자 장시간 부재, 식사와 위생 관리가 되지 않음", "safety_measure": "none"})
    decide = lead.ready_tasks(instance)[0]
    lead.complete(decide, {"decided_on": context.day(18), "decision": "abuse",
                           "abuse_types": ["neglect"],
                           "plan": "보호자 양육 상담과 지역아동센터 연계, 월 2회 가정방문"})


def _home_daycare(context: DemoContext) -> None:
    head = context.desk("kidsadmin", "demo-kids")
    teacher = context.desk("kidsteacher", "demo-kids")
    children = (("나봄", "female", "2023-03-14"), ("여름", "male", "2022-08-01"),
                ("가을", "female", "2024-01-20"))
    for number, child in enumerate(children):
        subject_id = admit_resident(head, child, context.day(60 - number * 7), "맞벌이 가정 보육")
        for days_ago in (3, 2, 1):
            teacher.save("attendance", "attendance_record", {
                "attendance_date": context.day(days_ago), "status": "present",
                "check_in": "09:00", "check_out": "16:00"}, subject_id)


def _senior_center(context: DemoContext) -> None:
    head = context.desk("halladmin", "demo-hall")
    clerk = context.desk("hallclerk", "demo-hall")
    for name, sex, born in (("모순덕", "female", "1946-02-11"), ("변만수", "male", "1944-10-30"),
                            ("엄옥자", "female", "1949-05-05")):
        _member(head, name, sex, born, context.day(300))
    clerk.save("senior_center_operation", "senior_center_meeting", {
        "meeting_date": context.day(30), "meeting_type": "general", "members_total": 32,
        "attendees": 24, "agenda": "올해 운영비 사용 계획, 총무 선출",
        "decisions": "운영비는 냉난방과 식사에 우선 쓰고, 총무로 배총무를 선출함",
        "chair": "장회장"})
    clerk.save("senior_center_operation", "senior_center_support", {
        "support_month": context.day(10)[:7], "support_type": "operation",
        "received_on": context.day(10), "amount": 400_000, "used_for": "공과금, 점심 재료"})


def _bathing(context: DemoContext) -> None:
    head = context.desk("bathadmin", "demo-bath")
    worker = context.desk("bathworker", "demo-bath")
    recipient = _member(head, "탁정순", "female", "1939-03-21", context.day(90))
    for days_ago in (21, 14, 7):
        worker.save("ltc_service_record", "ltc_service_record", {
            "service_date": context.day(days_ago), "service_type": "bathing",
            "start_time": "10:00", "end_time": "11:10", "minutes": 70,
            "services": ["bath", "physical"], "bath_method": "vehicle_in", "condition": "good",
            "provider": "하요양", "guardian_confirmed": True}, recipient)


def _sign_center(context: DemoContext) -> None:
    worker = context.desk("signworker", "demo-sign")
    lead = context.desk("signlead", "demo-sign")
    person = _member(worker, "공태민", "male", "1978-12-02", context.day(200))
    instance = worker.start("sign_interpretation", "sign_interpretation", subject_id=person)
    worker.complete(worker.ready_tasks(instance)[0], {
        "requested_on": context.day(6), "service_at": f"{context.day(4)}T10:00",
        "place": "이음병원 내과", "field": "medical", "method": "accompany", "urgent": False,
        "requester": "공태민"})
    lead.complete(lead.ready_tasks(instance)[0], {"decision": "assigned",
                                                  "interpreter": "인통역"})
    worker.complete(worker.ready_tasks(instance)[0], {
        "completed": True, "minutes": 50, "summary": "진료 내용과 복약 안내를 통역함"})


def _regional_center(context: DemoContext) -> None:
    worker = context.desk("jahwalworker", "demo-jahwal")
    person = _member(worker, "빈상철", "male", "1982-06-17", context.day(40))
    worker.save("case_management", "case_intake", {
        "intake_date": context.day(40), "intake_route": "public_agency",
        "referrer": "이음구청 자활팀", "problems": ["employment", "economic"],
        "request": "창업 준비와 기술 교육을 원함", "urgency": "normal", "consent": True},
        person)


def _mental_care(context: DemoContext) -> None:
    head = context.desk("mindadmin", "demo-mind")
    worker = context.desk("mindworker", "demo-mind")
    for number, resident in enumerate((("편도윤", "male", "1970-09-09"),
                                       ("함서영", "female", "1975-01-15"))):
        subject_id = admit_resident(head, resident, context.day(80 - number * 10),
                                    "장기 요양이 필요한 정신질환, 가족 돌봄이 어려움")
        worker.save("service_history", "service_record", {
            "service_date": context.day(3), "category": "health",
            "content": "투약 확인과 산책 동행", "provider": "석생활", "minutes": 30}, subject_id)


def _mother_home(context: DemoContext) -> None:
    head = context.desk("motheradmin", "demo-mother")
    worker = context.desk("motherworker", "demo-mother")
    mother = admit_resident(head, ("길하나", "female", "2004-04-04"), context.day(45),
                            "출산 후 양육과 자립 준비")
    worker.save("counselling", "counselling_note", {
        "counselling_date": context.day(10), "method": "in_person", "counselee": "subject",
        "topic": "양육", "content": "수유와 수면 습관을 함께 점검함", "is_private": True},
        mother)


def _street_center(context: DemoContext) -> None:
    worker = context.desk("streetworker", "demo-street")
    for days_ago, area, contacts, new in ((14, "이음역 광장", 12, 2), (7, "이음공원", 8, 1),
                                          (1, "이음역 지하도", 15, 3)):
        worker.save("street_outreach", "outreach_log", {
            "outreach_date": context.day(days_ago), "shift": "night", "area": area,
            "contacts": contacts, "new_contacts": new,
            "services": ["counselling", "goods"]})
    _member(worker, "마석진", "male", "1968-11-23", context.day(7))


STORIES = {
    "demo-protect": _protection_agency,
    "demo-kids": _home_daycare,
    "demo-hall": _senior_center,
    "demo-bath": _bathing,
    "demo-sign": _sign_center,
    "demo-jahwal": _regional_center,
    "demo-mind": _mental_care,
    "demo-mother": _mother_home,
    "demo-street": _street_center,
}
