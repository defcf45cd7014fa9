"""통합돌봄 사례: a coordinator of a region (a 시·군·구 official whose role covers the region)
opens a case for a person with the person's consent, invites facilities and agencies, and
each agency adds the services it will give to one shared care plan. The coordinator records
periodic reviews; a review may close the case or hand it over to another coordinator.

What an invited agency sees is what the consent allows: the person's name always (a plan
cannot be made for nobody), the other details only where the person consented to them, the
whole plan (who does what), and the reviews' dates and outcomes (not their text). An agency
not invited finds nothing (404). Agencies act through layer 3's grants (``collaboration``:
``view`` to read, ``create`` to add services). Every look at a case is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum import i18n
from ieum.access.audit import Actor, record_event
from ieum.access.officials import PublicRoles, public_roles
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError
from ieum.services.workspace import Workspace
from ieum.store.models import Facility, User
from ieum.store.models_care import CASE_STATUSES, CareCase, CareCaseAgency, CarePlanItem, CareReview
from ieum.store.models_public import OfficialRole
from ieum_library.collaboration import consent, needs
from ieum_library.community_care import inputs, pathway

ROLE = "region_official"
TARGET_GROUPS = {
    "elderly": _l("노인"),
    "disabled": _l("장애인"),
    "child": _l("아동"),
    "other": _l("기타"),
}
METHODS = consent.METHODS
#: Details an agency may see, each only with the person's consent.
SHAREABLE = {
    "birth_date": _l("생년월일"),
    "sex": _l("성별"),
    "phone": _l("연락처"),
    "address": _l("주소"),
    "needs": _l("욕구·상황"),
    "ltc_grade": _l("장기요양등급"),
    "living_alone": _l("독거 여부"),
    "income_status": _l("소득 구분"),
}
OUTCOMES = {
    "continue": _l("계속"),
    "adjust": _l("계획 조정"),
    "close": _l("종결"),
    "handover": _l("담당 이관"),
}
REVIEW_DAYS = 90


def _actor(user: User) -> Actor:
    return Actor(user.id, user.login)


# --- the coordinator ---------------------------------------------------------------------------

def open_case(session: Session, user: User, roles: PublicRoles, form: Mapping[str, Any],
              consented: Iterable[str], today: dt.date) -> CareCase:
    region = str(form.get("region_code") or "").strip()
    if not region and len(roles.regions) == 1:
        region = next(iter(roles.regions))
    if not region or not roles.covers_region(region):
        raise ServiceError(_("관할 지역(시·군·구 코드)을 고르세요."), field="region_code")
    group = form.get("target_group") or "elderly"
    if group not in TARGET_GROUPS:
        raise ServiceError(_("대상 구분을 고르세요."), field="target_group")
    name = inputs.text(form.get("person_name"), "person_name", _l("성명"), 1, 100)
    birth = inputs.date(form.get("birth_date"), "birth_date", _l("생년월일"))
    if birth > today:
        raise ServiceError(_("생년월일은 오늘 이후일 수 없습니다."), field="birth_date")
    sex = form.get("sex") or None
    if sex not in (None, "male", "female"):
        raise ServiceError(_("성별을 고르세요."), field="sex")
    text_needs = inputs.text(form.get("needs"), "needs", _l("욕구·상황"), 2, 4000)
    method = form.get("consent_method")
    if method not in METHODS:
        raise ServiceError(_("정보공유 동의 방법을 고르세요. 동의 없이는 사례를 열 수 없습니다."),
                           field="consent_method")
    consented_on = inputs.date(form.get("consented_on"), "consented_on", _l("동의일"))
    if consented_on > today:
        raise ServiceError(_("동의일은 오늘 이후일 수 없습니다."), field="consented_on")
    details = pathway.person_details(form)
    case = CareCase(region_code=region, target_group=group, person_name=name,
                    birth_date=birth, sex=sex, details=details, needs=text_needs,
                    consent_method=method, consented_on=consented_on,
                    consent_fields=sorted(set(consented) & set(SHAREABLE)),
                    coordinator_id=user.id, status="open", opened_on=today,
                    next_review_on=today + dt.timedelta(days=REVIEW_DAYS))
    session.add(case)
    session.flush()
    record_event(session, "care_case.open", _actor(user), target_type="care_case",
                 target_id=case.id, detail={"region": region, "group": group,
                                            "consent": case.consent_fields})
    session.commit()
    return case


def region_cases(session: Session, roles: PublicRoles, *, status: str = "") -> list[CareCase]:
    statement = select(CareCase)
    if not roles.national:
        statement = statement.where(CareCase.region_code.in_(sorted(roles.regions)))
    if status in CASE_STATUSES:
        statement = statement.where(CareCase.status == status)
    return list(session.scalars(statement.order_by(CareCase.status.desc(), CareCase.id.desc())
                                .limit(500)))


def for_coordinator(session: Session, user: User, roles: PublicRoles, case_id: int,
                    *, audit: bool = True) -> CareCase:
    case = session.get(CareCase, case_id)
    if case is None or not roles.covers_region(case.region_code):
        raise ServiceError(_("사례를 찾을 수 없습니다."), status=404)
    if audit:
        record_event(session, "care_case.view", _actor(user), target_type="care_case",
                     target_id=case.id)
        session.commit()
    return case


def _open(case: CareCase) -> None:
    if case.status != "open":
        raise ServiceError(_("종결된 사례입니다."), status=409)


def invite(session: Session, user: User, roles: PublicRoles, case_id: int,
           facility_id: int | None, request: str) -> CareCaseAgency:
    case = for_coordinator(session, user, roles, case_id, audit=False)
    _open(case)
    facility = session.get(Facility, facility_id) if facility_id else None
    if facility is None:
        raise ServiceError(_("참여를 요청할 기관을 고르세요."), field="facility_id")
    if session.scalar(select(CareCaseAgency.id).where(
            CareCaseAgency.case_id == case.id,
            CareCaseAgency.facility_id == facility.id)) is not None:
        raise ServiceError(_("%(name)s 이미 참여하고 있습니다.",
                             name=i18n.josa(facility.name, "은")), status=409)
    text = inputs.text(request, "request", _l("요청 내용"), 2, 1000)
    row = CareCaseAgency(case_id=case.id, facility_id=facility.id, invited_by_id=user.id,
                         request=text)
    session.add(row)
    session.flush()
    record_event(session, "care_case.invite", _actor(user), facility_id=facility.id,
                 target_type="care_case", target_id=case.id, detail={"request": text})
    needs.notify(session, facility.id, "referral",
                 f"시·군·구 통합돌봄 사례 #{case.id}에 참여 요청이 왔습니다: {text}")
    session.commit()
    return row


def review(session: Session, user: User, roles: PublicRoles, case_id: int,
           form: Mapping[str, Any], today: dt.date) -> CareReview:
    """A review; ``close`` closes the case, ``handover`` gives it to another coordinator of
    the region (``to_coordinator``: a login)."""
    case = for_coordinator(session, user, roles, case_id, audit=False)
    _open(case)
    outcome = form.get("outcome")
    if outcome not in OUTCOMES:
        raise ServiceError(_("검토 결과를 고르세요."), field="outcome")
    reviewed_on = inputs.date(form.get("reviewed_on"), "reviewed_on", _l("검토일"),
                              required=False) or today
    if reviewed_on > today:
        raise ServiceError(_("검토일은 오늘 이후일 수 없습니다."), field="reviewed_on")
    summary = inputs.text(form.get("summary"), "summary", _l("검토 내용"), 2, 4000)
    next_on = inputs.date(form.get("next_review_on"), "next_review_on", _l("다음 검토일"),
                    required=outcome in ("continue", "adjust"))
    if next_on is not None and next_on <= reviewed_on:
        raise ServiceError(_("다음 검토일은 검토일 뒤여야 합니다."), field="next_review_on")
    successor = None
    if outcome == "handover":
        login = str(form.get("to_coordinator") or "").strip()
        successor = session.scalar(select(User).where(User.login == login)) if login else None
        if successor is None or successor.id == user.id or not public_roles(
                session, successor, today).covers_region(case.region_code) or not \
                public_roles(session, successor, today).has(ROLE):
            raise ServiceError(_("이 지역을 맡은 다른 담당공무원의 아이디를 적으세요."),
                               field="to_coordinator")
    row = CareReview(case_id=case.id, reviewed_on=reviewed_on, summary=summary,
                     outcome=outcome, next_review_on=next_on, reviewed_by_id=user.id)
    session.add(row)
    case.next_review_on = next_on
    if outcome == "close":
        case.status, case.closed_on, case.closure_reason = "closed", reviewed_on, summary
    if successor is not None:
        case.coordinator_id = successor.id
    record_event(session, "care_case.review", _actor(user), target_type="care_case",
                 target_id=case.id, detail={"outcome": outcome,
                                            "to": successor.login if successor else None})
    for agency in agencies(session, case):
        needs.notify(session, agency.facility_id, "referral",
                     f"통합돌봄 사례 #{case.id} 검토: {OUTCOMES[outcome]}")
    session.commit()
    return row


def coordinators(session: Session, region: str, today: dt.date) -> list[User]:
    rows = session.scalars(select(User).join(OfficialRole, OfficialRole.user_id == User.id)
                           .where(OfficialRole.role == ROLE,
                                  OfficialRole.region_code == region,
                                  OfficialRole.valid_from <= today,
                                  OfficialRole.valid_to >= today).order_by(User.name))
    return list(dict.fromkeys(rows))


# --- both sides --------------------------------------------------------------------------------

def agencies(session: Session, case: CareCase) -> list[CareCaseAgency]:
    return list(session.scalars(select(CareCaseAgency).where(
        CareCaseAgency.case_id == case.id).order_by(CareCaseAgency.id)))


@dataclass(frozen=True)
class PlanRow:
    item: CarePlanItem
    agency: str
    added_by: str


def plan(session: Session, case: CareCase) -> list[PlanRow]:
    rows = session.execute(select(CarePlanItem, Facility, User)
                           .join(Facility, Facility.id == CarePlanItem.facility_id)
                           .join(User, User.id == CarePlanItem.added_by_id)
                           .where(CarePlanItem.case_id == case.id)
                           .order_by(CarePlanItem.start_on, CarePlanItem.id))
    return [PlanRow(item, facility.name, user.name) for item, facility, user in rows]


def reviews(session: Session, case: CareCase) -> list[CareReview]:
    return list(session.scalars(select(CareReview).where(CareReview.case_id == case.id)
                                .order_by(CareReview.reviewed_on.desc(), CareReview.id.desc())))


def shared_details(case: CareCase) -> list[tuple[str, str]]:
    """What an agency reads of the person: the consented details only."""
    values = {"birth_date": case.birth_date.isoformat() if case.birth_date else "",
              "sex": {"male": "남", "female": "여"}.get(case.sex or "", ""),
              "needs": case.needs, **pathway.shown_details(case.details or {})}
    return [(title, values.get(key) or "") for key, title in SHAREABLE.items()
            if key in (case.consent_fields or []) and values.get(key)]


def all_details(case: CareCase) -> list[tuple[str, str]]:
    """What the coordinator reads (everything recorded)."""
    values = {"birth_date": case.birth_date.isoformat() if case.birth_date else "",
              "sex": {"male": "남", "female": "여"}.get(case.sex or "", ""),
              "needs": case.needs, **pathway.shown_details(case.details or {})}
    return [(title, values.get(key) or "") for key, title in SHAREABLE.items()
            if values.get(key)]


# --- the agencies ------------------------------------------------------------------------------

def facility_cases(session: Session, workspace: Workspace) -> list[CareCase]:
    consent.require(workspace, "view")
    return list(session.scalars(select(CareCase).join(
        CareCaseAgency, CareCaseAgency.case_id == CareCase.id).where(
        CareCaseAgency.facility_id == workspace.facility.id).order_by(CareCase.id.desc())))


def for_agency(session: Session, workspace: Workspace, case_id: int, actor: Actor,
               *, audit: bool = True) -> CareCase:
    consent.require(workspace, "view")
    case = session.scalar(select(CareCase).join(
        CareCaseAgency, CareCaseAgency.case_id == CareCase.id).where(
        CareCase.id == case_id, CareCaseAgency.facility_id == workspace.facility.id))
    if case is None:
        raise ServiceError(_("사례를 찾을 수 없습니다."), status=404)
    if audit:
        record_event(session, "care_case.view", actor, facility_id=workspace.facility.id,
                     target_type="care_case", target_id=case.id)
        session.commit()
    return case


def add_service(session: Session, workspace: Workspace, actor: Actor, case_id: int,
                form: Mapping[str, Any], today: dt.date) -> CarePlanItem:
    consent.require(workspace, "create")
    case = for_agency(session, workspace, case_id, actor, audit=False)
    _open(case)
    service = inputs.text(form.get("service"), "service", _l("제공 서비스"), 2, 200)
    frequency = inputs.text(form.get("frequency"), "frequency", _l("제공 주기"), 1, 100)
    start = inputs.date(form.get("start_on"), "start_on", _l("시작일"))
    end = inputs.date(form.get("end_on"), "end_on", _l("종료 예정일"), required=False)
    if end is not None and end < start:
        raise ServiceError(_("종료 예정일은 시작일보다 앞설 수 없습니다."), field="end_on")
    note = str(form.get("note") or "").strip()[:2000] or None
    item = CarePlanItem(case_id=case.id, facility_id=workspace.facility.id, service=service,
                        frequency=frequency, start_on=start, end_on=end, note=note,
                        added_by_id=workspace.user.id)
    session.add(item)
    session.flush()
    record_event(session, "care_case.add_service", actor, facility_id=workspace.facility.id,
                 target_type="care_case", target_id=case.id, detail={"service": service})
    session.commit()
    return item
