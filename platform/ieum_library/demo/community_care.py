"""Demo of community care (layer 4) in 종로구 (11110), led by the coordinator
``carecoordinator`` (a 시·군·구 official): three more facilities of the region
(이음공동생활가정, 이음재가노인복지센터, 이음종합사회복지관) and their managers; a placement
decision accepted by the group home and one waiting for the children's home's answer; an
elderly person's care case with consent, two agencies' services on the plan and a review;
a payroll above the personnel-cost guideline and a subsidy spent beyond what was granted (for
the compliance checks); unmet needs for home care (a shortage in the policy view). Once per
database: nothing happens when a care case exists.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from ieum.access.audit import Actor
from ieum.access.officials import public_roles
from ieum.services.demo import DemoContext
from ieum.store.models_care import CareCase
from ieum_library.collaboration import needs
from ieum_library.community_care import cases, placement

after = ("base", "children", "collaboration", "content_studio", "elderly", "facility_types",
         "reports", "residence", "welfare_programs")
REGION = "11110"
FACILITIES = (
    {"code": "demo-grouphome", "name": "이음공동생활가정", "profile_code": "group_home",
     "region_code": REGION, "capacity": 4},
    {"code": "demo-homecare", "name": "이음재가노인복지센터", "profile_code": "home_visit_care",
     "region_code": REGION, "capacity": None},
    {"code": "demo-welfare", "name": "이음종합사회복지관",
     "profile_code": "community_welfare_center", "region_code": REGION, "capacity": None},
)
STAFF = (
    {"login": "ghmanager", "name": "조그룹", "facility": "demo-grouphome"},
    {"login": "homecaremanager", "name": "하재가", "facility": "demo-homecare"},
    {"login": "welfaremanager", "name": "민복지", "facility": "demo-welfare"},
)
COORDINATOR = {"login": "carecoordinator", "name": "종로구 통합돌봄 담당"}


def load(context: DemoContext) -> dict[str, Any]:
    facilities = {spec["code"]: context.facility(**spec) for spec in FACILITIES}
    for spec in STAFF:
        context.staff(login=spec["login"], name=spec["name"],
                      facility=facilities[spec["facility"]], roles=["facility_admin"])
    coordinator = context.official(login=COORDINATOR["login"], name=COORDINATOR["name"],
                                   role="region_official", region_code=REGION)
    context.session.commit()
    if context.session.scalar(select(CareCase.id).limit(1)) is None:
        _story(context, coordinator)
    return {"facilities": [{"code": f.code, "name": f.name, "profile": f.profile_code}
                           for f in facilities.values()],
            "users": [context.account(s["login"], s["facility"], ["facility_admin"])
                      for s in STAFF]
            + [context.account(COORDINATOR["login"], f"시·군·구 {REGION}",
                               ["region_official"])]}


def _story(context: DemoContext, coordinator) -> None:  # noqa: ANN001
    session, today = context.session, context.today
    roles = public_roles(session, coordinator, today)
    rt = context.runtime(Actor(coordinator.id, coordinator.login, "demo"))
    group_home = context.find_facility("demo-grouphome")
    children = context.find_facility("demo-child")

    # 보호조치: one accepted by the group home, one waiting for the children's home (the
    # children's home's own subjects are the self-reliance chapter's: none is added there)
    accepted = placement.decide(session, rt, coordinator, roles, {
        "child_name": "최하늘", "birth_date": (today - dt.timedelta(days=12 * 365)).isoformat(),
        "sex": "female", "protection_reason": "abuse", "placement_type": "group_home",
        "facility_id": group_home.id, "guardian_name": "최보호",
        "assessment": "아동보호전문기관 조사 결과 가정 내 방임이 확인됨. 소규모 가정형 보호가 "
                      "적합하다는 사례회의 의견."}, ["guardian_name"])
    manager = context.desk("ghmanager", "demo-grouphome")
    placement.answer(session, manager.runtime(), manager.workspace, accepted.instance_id,
                     {"decision": "accept", "admission_date": context.day(2)})
    placement.decide(session, rt, coordinator, roles, {
        "child_name": "박바다", "birth_date": (today - dt.timedelta(days=9 * 365)).isoformat(),
        "sex": "male", "protection_reason": "parent_death", "placement_type": "residential",
        "facility_id": children.id,
        "assessment": "유일한 보호자인 부가 사망하고 조모는 입원 중이라 양육할 사람이 없음."}, [])

    # 통합돌봄 사례: an elderly woman living alone
    case = cases.open_case(session, coordinator, roles, {
        "region_code": REGION, "target_group": "elderly", "person_name": "김복순",
        "birth_date": "1942-06-15", "sex": "female", "phone": "010-2222-3333",
        "address": "서울시 종로구 이음로 12", "ltc_grade": "none",
        "income_status": "basic_pension", "living_alone": "1",
        "needs": "무릎 관절염으로 외출이 어렵고 식사를 거르는 날이 많음. 우울감 호소.",
        "consent_method": "written", "consented_on": context.day(20)},
        ["birth_date", "needs", "ltc_grade", "living_alone"], today)
    for code, request in (("demo-homecare", "주 3회 가사·식사 지원"),
                          ("demo-welfare", "말벗·여가 프로그램과 밑반찬 배달")):
        cases.invite(session, coordinator, roles, case.id,
                     context.find_facility(code).id, request)
    for login, code, service, frequency in (
            ("homecaremanager", "demo-homecare", "가사·식사 지원(노인맞춤돌봄)", "주 3회"),
            ("welfaremanager", "demo-welfare", "밑반찬 배달과 말벗 서비스", "주 1회")):
        desk = context.desk(login, code)
        cases.add_service(session, desk.workspace, desk.actor, case.id,
                          {"service": service, "frequency": frequency,
                           "start_on": context.day(14)}, today)
    cases.review(session, coordinator, roles, case.id, {
        "reviewed_on": context.day(1), "outcome": "continue",
        "summary": "식사 횟수가 늘고 외출 동행을 원함. 현재 계획 유지.",
        "next_review_on": (today + dt.timedelta(days=90)).isoformat()}, today)

    # 품질관리: a payroll above the guideline, a subsidy spent beyond the grant
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    manager.save("payroll", "payroll_register", {
        "pay_month": last_month.strftime("%Y-%m"),
        "paid_on": last_month.replace(day=25).isoformat(),
        "employees": [
            {"name": "조그룹", "base": 4_300_000, "allowance": 700_000, "deduction": 600_000,
             "net": 4_400_000},
            {"name": "이보육", "base": 2_700_000, "allowance": 200_000, "deduction": 300_000,
             "net": 2_600_000}]})
    welfare = context.desk("welfaremanager", "demo-welfare")
    last_year = today.year - 1
    welfare.save("resolution", "resolution", {
        "kind": "income", "resolved_on": f"{last_year}-03-05", "project": "경로식당",
        "summary": "구 보조금 교부", "funding": "subsidy",
        "items": [{"account": "income.subsidy.municipal", "description": "경로식당 보조금",
                   "amount": 10_000_000}]})
    welfare.save("resolution", "resolution", {
        "kind": "expense", "resolved_on": f"{last_year}-11-20", "project": "경로식당",
        "summary": "식재료 구입", "funding": "subsidy",
        "items": [{"account": "expense.program.living", "description": "식재료",
                   "amount": 10_800_000}]})

    # 미충족 욕구: home care wanted in the region (a shortage in the policy view)
    for text in ("거동이 불편한 독거 어르신 방문요양 필요", "치매 초기 어르신 방문요양 필요"):
        needs.register_need(session, context.registry, welfare.workspace, welfare.actor,
                            profile_code="home_visit_care", region_code=REGION, need=text)
