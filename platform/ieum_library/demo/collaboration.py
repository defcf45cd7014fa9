"""Demo data of the collaboration layer: a person known in two demo facilities (the same
resident number in 이음의집 and 이음노인요양원) with consent to sharing and records in both, a
referral waiting for the foster-care centre's review (sent with a manager's override), and
unmet needs (one still waiting, one matched at once). Saved through the services, as staff
would.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ieum.services.demo import DemoContext
from ieum.store.models import Subject
from ieum_library.collaboration import consent, needs, referrals

# 이서연 is one of the self-reliance children; the care home must have its own residents
# first (its chapter is skipped where residents exist); 이음의집 and its staff.
after = ("children", "elderly", "residence")

PERSON = {"name": "박순자", "sex": "female", "status": "admitted", "rrn": "580312-2234567"}


def load(context: DemoContext) -> None:
    """Only once: nothing happens when 박순자 is already registered.

    박순자 lived for years in 이음의집 (장애인 거주시설) and, grown old, moved to 이음노인요양원:
    the same person in both, with consent to sharing recorded in the care home. A referral
    from 이음아동양육시설 waits for 이음가정위탁지원센터's review; two unmet needs are registered.
    """
    session, registry, today = context.session, context.registry, context.today
    if session.scalar(select(Subject.id).where(Subject.name == PERSON["name"])) is not None:
        return
    residence = context.desk("resmanager", "demo-residence")
    home = context.desk("manager", "demo-elderly")
    if residence.facility is None or home.facility is None:
        return
    born = dt.date(1958, 3, 12).isoformat()
    day = context.day
    before = residence.save("subject_management", "subject_basic", {
        **PERSON, "birth_date": born, "admission_date": day(3000)}).subject_id
    residence.save("admission_discharge", "admission", {
        "admission_date": day(3000), "admission_type": "new", "capacity_type": "within",
        "admission_route": "family", "admission_reason": "가족 돌봄이 어려움"}, before)
    residence.save("service_history", "service_record", {
        "service_date": day(400), "category": "counselling", "content": "노인요양시설 전원 상담",
        "provider": "정시설", "minutes": 50}, before)
    residence.save("admission_discharge", "discharge", {
        "discharge_date": day(120), "discharge_reason": "transfer", "residence_type": "facility",
        "linked_agency": "이음노인요양원"}, before)
    now = home.save("subject_management", "subject_basic", {
        **PERSON, "birth_date": born, "admission_date": day(119)}).subject_id
    home.save("admission_discharge", "admission", {
        "admission_date": day(119), "admission_type": "transfer_in", "capacity_type": "within",
        "admission_route": "transfer", "referring_agency": "이음의집",
        "admission_reason": "고령으로 요양 필요"}, now)
    consent.record_consent(session, home.workspace, home.actor, now,
                           scopes=["history", "referral"],
                           fields=["birth_date", "sex", "guardian_name"], method="written",
                           consented_on=today - dt.timedelta(days=119), today=today)

    worker = context.desk("worker", "demo-child")
    child = session.scalar(select(Subject.id).where(
        Subject.facility_id == worker.facility.id, Subject.name == "이서연"))
    foster = context.find_facility("demo-foster")
    if child is not None and foster is not None:
        leader = context.desk("leader", "demo-child")
        referrals.send(session, leader.runtime(), leader.workspace, child,
                       to_facility_id=foster.id, service="가정위탁 연계 검토",
                       reason="친척 위탁가정이 나타나 가정형 보호로 옮기는 것을 검토합니다.",
                       fields=["birth_date", "sex"],
                       override_reason="보호자 동의서 접수 전, 위탁 가능성 사전 검토")
    needs.register_need(session, registry, worker.workspace, worker.actor,
                        profile_code="group_home", region_code="11110",
                        need="형제 2명을 함께 보호할 공동생활가정 (종로구 안)", subject_id=None)
    needs.register_need(session, registry, residence.workspace, residence.actor,
                        profile_code="elderly_care_home", region_code="11140",
                        need="고령 거주인 1명의 노인요양시설 전원", subject_id=None)
