"""보호조치 결정: the 시·군·구 as the control tower of a child's protective placement.

1. The official records the assessment (보호사유, 상황 평가) and the placement type
   (가정위탁, 양육시설, 공동생활가정, 일시보호, 보호치료), then chooses the receiving facility
   among the facilities of that type in their region with a live vacancy: capacity minus the
   occupants counted from admission records (layer 3, ``vacancies``) minus the placements
   still waiting for an answer (a place is held for each).
2. The decision starts ``child_placement_admission`` in the receiving facility: the facility
   manager's task (lane ``facility_admin``) shows what was carried over. Carried over are the
   fields the placement needs by law (아동복지법 제15조: 성명, 생년월일, 성별, 보호사유,
   상황 평가) and, only when the guardian consented, the guardian's contacts, the address and
   health notes.
3. The manager accepts (the child becomes a subject of the facility, admitted on the chosen
   day through the record pipeline: the occupancy feed counts them) or declines with a reason
   (the official is told and decides again).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from ieum import i18n
from ieum.access.audit import Actor, record_event
from ieum.access.officials import PublicRoles
from ieum.definitions import Registry
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError
from ieum.services import workflows as flows
from ieum.services.records import FormScope, insert_record
from ieum.services.workspace import Workspace
from ieum.store.models import Facility, ProcessInstance, Task, User, utcnow
from ieum.store.models_care import PLACEMENT_STATUSES, PlacementDecision
from ieum_library.collaboration import needs, vacancies
from ieum_library.community_care import inputs

UNIT = "child_placement"
PROCESS = "child_placement_admission"
ADMISSIONS_UNIT, ADMISSION_FORM = "admission_discharge", "admission"

#: Placement type -> (title, the facility types that carry it out).
PLACEMENT_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "foster": ("가정위탁", ("foster_care_center",)),
    "residential": ("아동양육시설", ("child_home",)),
    "group_home": ("공동생활가정", ("group_home",)),
    "temporary": ("일시보호시설", ("child_shelter",)),
    "treatment": ("아동보호치료시설", ("child_treatment", "child_treatment_emotional")),
}
PROTECTION_REASONS = {
    "abuse": _l("학대"), "parent_death": _l("보호자 사망·질병"), "poverty": _l("빈곤·실직"),
    "divorce": _l("부모 이혼·가출"), "unmarried": _l("미혼부모·혼외자"), "abandonment": _l("유기"),
    "runaway": _l("비행·가출·부랑"), "other": _l("기타"),
}
SEXES = {"male": _l("남"), "female": _l("여")}
#: Carried over by law (what the receiving facility needs to protect the child).
LEGAL_FIELDS = {"name": _l("성명"), "birth_date": _l("생년월일"), "sex": _l("성별"),
                "protection_reason": _l("보호사유"), "assessment": _l("상황 평가")}
#: Carried over only with the guardian's (or the child's, by age) consent.
CONSENT_FIELDS = {"guardian_name": _l("보호자 성명"), "guardian_phone": _l("보호자 연락처"),
                  "address": _l("주소"), "health": _l("건강·특이사항")}
LEGAL_BASIS = "아동복지법 제15조(보호조치)"


@dataclass(frozen=True)
class Candidate:
    vacancy: vacancies.Vacancy
    held: int  # places held by placements waiting for an answer

    @property
    def free(self) -> int | None:
        if self.vacancy.capacity is None:
            return None  # 가정위탁: the centre places into families, no capacity of its own
        return max(self.vacancy.capacity - self.vacancy.occupied - self.held, 0)

    @property
    def available(self) -> bool:
        return self.free is None or self.free > 0


def _regions(roles: PublicRoles) -> set[str] | None:
    return None if roles.national else set(roles.regions)


def held_places(session: Session, facility_ids: Iterable[int]) -> dict[int, int]:
    ids = list(facility_ids)
    if not ids:
        return {}
    rows = session.execute(select(PlacementDecision.facility_id, func.count()).where(
        PlacementDecision.facility_id.in_(ids), PlacementDecision.status == "decided")
        .group_by(PlacementDecision.facility_id))
    return dict(rows.all())


def candidates(session: Session, registry: Registry, roles: PublicRoles, placement_type: str,
               *, region: str = "") -> list[Candidate]:
    """The facilities of the placement type in the official's regions, with their vacancies
    (the ones with a free place first)."""
    if placement_type not in PLACEMENT_TYPES:
        return []
    regions = _regions(roles)
    if region:
        regions = {region} if regions is None else ({region} & regions)
    found: list[vacancies.Vacancy] = []
    for code in PLACEMENT_TYPES[placement_type][1]:
        if code in registry.profiles:
            found += vacancies.vacancies(session, registry, regions=regions, profile_code=code,
                                         limit=10_000)
    held = held_places(session, [v.facility.id for v in found])
    out = [Candidate(v, held.get(v.facility.id, 0)) for v in found]
    out.sort(key=lambda c: (not c.available, -(c.free or 0), c.vacancy.facility.name))
    return out


def decide(session: Session, rt: flows.Runtime, user: User, roles: PublicRoles,
           form: Mapping[str, Any], consented: Iterable[str]) -> PlacementDecision:
    """Record the assessment and the decision, and start the admission in the chosen
    facility (commits). Refuses a facility without a free place or outside the regions."""
    name = inputs.text(form.get("child_name"), "child_name", _l("아동 성명"), 1, 100)
    birth = inputs.date(form.get("birth_date"), "birth_date", _l("생년월일"), required=True)
    if birth > rt.today:
        raise ServiceError(_("생년월일은 오늘 이후일 수 없습니다."), field="birth_date")
    if (rt.today - birth).days > 18 * 366:
        raise ServiceError(_("보호조치는 18세 미만 아동에 대한 것입니다. 생년월일을 확인하세요."),
                           field="birth_date")
    sex = form.get("sex")
    if sex not in SEXES:
        raise ServiceError(_("성별을 고르세요."), field="sex")
    reason = form.get("protection_reason")
    if reason not in PROTECTION_REASONS:
        raise ServiceError(_("보호사유를 고르세요."), field="protection_reason")
    assessment = inputs.text(form.get("assessment"), "assessment", _l("상황 평가"), 10, 4000)
    kind = form.get("placement_type")
    if kind not in PLACEMENT_TYPES:
        raise ServiceError(_("보호조치 유형을 고르세요."), field="placement_type")
    try:
        facility_id = int(form.get("facility_id") or 0)
    except (TypeError, ValueError):
        facility_id = 0
    consented = sorted(set(consented) & set(CONSENT_FIELDS))
    extra = {key: str(form.get(key) or "").strip()[:500] for key in CONSENT_FIELDS}
    facility = session.scalar(select(Facility).where(Facility.id == facility_id)
                              .with_for_update(key_share=True)) if facility_id else None
    if facility is None:
        raise ServiceError(_("보호조치할 시설을 고르세요."), field="facility_id")
    if facility.profile_code not in PLACEMENT_TYPES[kind][1]:
        raise ServiceError(_("%(name)s %(kind)s 보호조치를 하는 시설이 아닙니다.",
                             name=i18n.josa(facility.name, "은"),
                             kind=_(PLACEMENT_TYPES[kind][0])), field="facility_id")
    if not roles.covers_region(facility.region_code):
        raise ServiceError(_("관할 지역의 시설만 고를 수 있습니다."), field="facility_id",
                           status=403)
    chosen = next((c for c in candidates(session, rt.registry, roles, kind)
                   if c.vacancy.facility.id == facility.id), None)
    if chosen is None or not chosen.available:
        raise ServiceError(_("%(name)s에는 빈자리가 없습니다(입소 검토 중인 보호조치 포함). "
                             "빈자리가 있는 시설을 고르세요.", name=facility.name),
                           field="facility_id", status=409)
    carried: dict[str, Any] = {"name": name, "birth_date": birth.isoformat(), "sex": sex,
                               "protection_reason": reason, "assessment": assessment}
    for key in consented:
        if extra[key]:
            carried[key] = extra[key]
    decision = PlacementDecision(
        region_code=facility.region_code, child_name=name, birth_date=birth, sex=sex,
        protection_reason=reason, assessment=assessment, placement_type=kind,
        facility_id=facility.id, carried_fields=sorted(carried), carried_data=carried,
        status="decided", decided_by_id=user.id, decided_on=rt.today)
    session.add(decision)
    session.flush()
    instance = flows.start_in(session, rt, facility.id, UNIT, PROCESS, subject_id=None,
                              data={"placement_id": decision.id}, started_by=user.id)
    decision.instance_id = instance.id
    record_event(session, "placement.decide", rt.actor, facility_id=facility.id,
                 target_type="placement_decision", target_id=decision.id,
                 detail={"type": kind, "reason": reason, "fields": sorted(carried),
                         "instance": instance.id, "basis": LEGAL_BASIS})
    needs.notify(session, facility.id, "referral",
                 f"시·군·구 보호조치 결정: {PLACEMENT_TYPES[kind][0]} 입소 요청({name}). "
                 "나의업무에서 입소를 검토하세요.")
    session.commit()
    return decision


def region_decisions(session: Session, roles: PublicRoles, limit: int = 200
                     ) -> list[tuple[PlacementDecision, Facility]]:
    statement = select(PlacementDecision, Facility).join(
        Facility, Facility.id == PlacementDecision.facility_id)
    if not roles.national:
        statement = statement.where(PlacementDecision.region_code.in_(sorted(roles.regions)))
    return [(d, f) for d, f in session.execute(
        statement.order_by(PlacementDecision.id.desc()).limit(limit))]


def get_for_official(session: Session, roles: PublicRoles, decision_id: int
                     ) -> PlacementDecision:
    row = session.get(PlacementDecision, decision_id)
    if row is None or not roles.covers_region(row.region_code):
        raise ServiceError(_("보호조치 결정을 찾을 수 없습니다."), status=404)
    return row


def again_form(decision: PlacementDecision) -> MultiDict:
    """The decision's child and assessment, to decide again after a facility declined (the
    placement type and the facility are chosen anew)."""
    carried = decision.carried_data or {}
    values = [("child_name", decision.child_name),
              ("birth_date", decision.birth_date.isoformat() if decision.birth_date else ""),
              ("sex", decision.sex or ""), ("protection_reason", decision.protection_reason),
              ("assessment", decision.assessment)]
    for key in CONSENT_FIELDS:
        if carried.get(key):
            values += [(key, carried[key]), ("consented", key)]
    return MultiDict(values)


def shown(decision: PlacementDecision) -> list[tuple[str, str]]:
    """The carried-over fields as the receiving facility reads them."""
    titles = {**LEGAL_FIELDS, **CONSENT_FIELDS}
    carried = set(decision.carried_fields or [])
    out = []
    for key in [k for k in titles if k in carried]:
        value = (decision.carried_data or {}).get(key)
        if value in (None, ""):
            continue
        if key == "sex":
            value = SEXES.get(value, value)
        if key == "protection_reason":
            value = PROTECTION_REASONS.get(value, value)
        out.append((titles.get(key, key), str(value)))
    return out


# --- the receiving facility --------------------------------------------------------------------

def for_instance(session: Session, workspace: Workspace, instance_id: int
                 ) -> tuple[PlacementDecision, Task | None]:
    """The decision whose admission process runs here, with its open task; others 404."""
    decision = session.scalar(select(PlacementDecision).where(
        PlacementDecision.instance_id == instance_id,
        PlacementDecision.facility_id == workspace.facility.id))
    if decision is None:
        raise ServiceError(_("보호조치 결정을 찾을 수 없습니다."), status=404)
    task = session.scalar(select(Task).where(Task.instance_id == instance_id,
                                             Task.state == "ready"))
    if task is None and not workspace.permissions.administers:
        raise ServiceError(_("보호조치 결정을 찾을 수 없습니다."), status=404)
    if task is not None and not flows.may_work(workspace, task):
        raise ServiceError(_("보호조치 결정을 찾을 수 없습니다."), status=404)
    record_event(session, "placement.view", Actor(workspace.user.id, workspace.user.login),
                 facility_id=workspace.facility.id, target_type="placement_decision",
                 target_id=decision.id)
    session.commit()
    return decision, task


def answer(session: Session, rt: flows.Runtime, workspace: Workspace, instance_id: int,
           form: Mapping[str, Any]) -> PlacementDecision:
    """The receiving manager accepts (admits the child) or declines with a reason."""
    decision = session.scalar(select(PlacementDecision).where(
        PlacementDecision.instance_id == instance_id,
        PlacementDecision.facility_id == workspace.facility.id).with_for_update())
    if decision is None:
        raise ServiceError(_("보호조치 결정을 찾을 수 없습니다."), status=404)
    task = session.scalar(select(Task).where(Task.instance_id == instance_id,
                                             Task.state == "ready"))
    if decision.status != "decided" or task is None:
        raise ServiceError(_("이미 답한 보호조치 결정입니다."), status=409)
    if not flows.may_work(workspace, task):
        raise ServiceError(_("이 업무를 처리할 권한이 없습니다."), status=403)
    choice = form.get("decision")
    if choice not in ("accept", "decline"):
        raise ServiceError(_("입소 수락 또는 입소 불가를 고르세요."), field="decision")
    if choice == "decline":
        decision.answer_reason = inputs.text(form.get("reason"), "reason", _l("입소 불가 사유"),
                                             2, 2000)
        decision.status = "declined"
    else:
        day = inputs.date(form.get("admission_date"), "admission_date", _l("입소일"), required=True)
        decision.subject_id = _admit(session, rt, workspace, decision, day)
        decision.status = "accepted"
        decision.answer_reason = (str(form.get("reason") or "").strip() or None)
        instance = session.get(ProcessInstance, instance_id)
        instance.subject_id = decision.subject_id
        task.subject_id = decision.subject_id
    decision.answered_by_id = workspace.user.id
    decision.answered_at = utcnow()
    flows.complete_in(session, rt, task, {"decision": choice}, completed_by=workspace.user.id,
                      workspace=workspace)
    record_event(session, f"placement.{choice}", rt.actor, facility_id=workspace.facility.id,
                 target_type="placement_decision", target_id=decision.id,
                 subject_id=decision.subject_id, detail={"reason": decision.answer_reason})
    session.commit()
    return decision


def _admit(session: Session, rt: flows.Runtime, workspace: Workspace,
           decision: PlacementDecision, day: dt.date) -> int:
    """The child as a subject of the facility (its registry form, with the carried fields
    it has) and, where the facility keeps admissions, a final admission on ``day`` (the
    occupancy feed counts it and refuses it beyond the capacity)."""
    registry = rt.registry
    profile = registry.profiles[workspace.facility.profile_code]
    carried = dict(decision.carried_data or {})
    unit = next((registry.unit_functions[u] for u in profile.unit_ids
                 if registry.unit_functions[u].subject_registry), None)
    if unit is None:
        raise ServiceError(_("이 시설유형에는 대상자 등록 기능이 없어 입소를 기록할 수 없습니다."),
                           status=409)
    form = registry.forms[unit.subject_registry["form"]]
    scope = FormScope(workspace, unit, form, profile.parameters_for(unit.id), rt.today,
                      rt.actor)
    values = {"status": "admitted", "admission_date": day.isoformat(),
              "guardian_phone": carried.get("guardian_phone"), **carried}
    data = {k: v for k, v in values.items() if k in form.properties and v not in (None, "")}
    row = insert_record(session, scope, data, draft=False, subject_id=None)
    subject_id = row.subject_id
    if ADMISSIONS_UNIT in profile.unit_ids and ADMISSION_FORM in registry.forms:
        admissions = registry.unit_functions[ADMISSIONS_UNIT]
        scope = FormScope(workspace, admissions, registry.forms[ADMISSION_FORM],
                          profile.parameters_for(ADMISSIONS_UNIT), rt.today, rt.actor)
        insert_record(session, scope, {
            "admission_date": day.isoformat(), "admission_type": "new",
            "capacity_type": "within", "admission_route": "local_government",
            "referring_agency": f"시·군·구 {decision.region_code} (보호조치 결정)",
            "admission_reason": f"시·군·구 보호조치 결정 #{decision.id}: "
                                f"{PROTECTION_REASONS.get(decision.protection_reason, '')}",
        }, draft=False, subject_id=subject_id)
    return subject_id


def status_title(decision: PlacementDecision) -> str:
    return PLACEMENT_STATUSES.get(decision.status, decision.status)
