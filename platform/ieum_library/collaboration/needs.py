"""미충족 욕구: needs that found no resource are registered by the facility that met them
(seed 002, "정보등록 주체를 공급자 => 수요자로") and matched when a place opens in a facility of
the wanted type in the same region; both facilities get a notice.

Who may see and register needs is decided by the grants of the collaboration unit
(``consent.require``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.definitions import Registry
from ieum.i18n import gettext as _
from ieum.services import ServiceError
from ieum.services.workspace import Workspace
from ieum.store.models import Facility, Subject, utcnow
from ieum.store.models_collab import CollabNotice, UnmetNeed
from ieum_library.collaboration import consent
from ieum_library.collaboration.occupancy import occupancy

REGION = re.compile(r"^\d{5}$")
_require = consent.require


def notify(session: Session, facility_id: int, kind: str, message: str, *,
           need_id: int | None = None, referral_id: int | None = None) -> None:
    session.add(CollabNotice(facility_id=facility_id, kind=kind, message=message[:500],
                             need_id=need_id, referral_id=referral_id))


def register_need(session: Session, registry: Registry, workspace: Workspace, actor: Actor, *,
                  profile_code: str, region_code: str, need: str,
                  subject_id: int | None = None) -> UnmetNeed:
    """Register a need; when a matching place is already free it is matched at once."""
    _require(workspace, "create")
    if profile_code not in registry.profiles:
        raise ServiceError(_("필요한 시설 유형을 고르세요."), field="profile_code")
    region_code = (region_code or "").strip()
    if not REGION.match(region_code):
        raise ServiceError(_("지역은 시·군·구 코드 5자리로 입력하세요."), field="region_code")
    text = (need or "").strip()
    if not 2 <= len(text) <= 2000:
        raise ServiceError(_("필요한 서비스(욕구)를 2자 이상 2000자 이하로 적으세요."),
                           field="need")
    if subject_id is not None and session.scalar(select(Subject.id).where(
            Subject.id == subject_id, Subject.facility_id == workspace.facility.id)) is None:
        raise ServiceError(_("대상자를 찾을 수 없습니다."), field="subject_id", status=404)
    row = UnmetNeed(facility_id=workspace.facility.id, subject_id=subject_id,
                    region_code=region_code, profile_code=profile_code, need=text,
                    registered_by_id=workspace.user.id)
    session.add(row)
    session.flush()
    record_event(session, "need.register", actor, facility_id=workspace.facility.id,
                 target_type="unmet_need", target_id=row.id, subject_id=subject_id,
                 detail={"profile": profile_code, "region": region_code})
    for facility in session.scalars(select(Facility).where(
            Facility.profile_code == profile_code, Facility.region_code == region_code,
            Facility.id != workspace.facility.id).order_by(Facility.id)):
        match_vacancy(session, facility)
        if row.status == "matched":
            break
    session.commit()
    return row


def match_vacancy(session: Session, facility: Facility) -> list[UnmetNeed]:
    """Match the oldest open needs for ``facility``'s type and region to its free places
    (in the caller's transaction)."""
    if facility.capacity is None:
        return []
    free = facility.capacity - occupancy(session, facility.id)
    if free <= 0:
        return []
    waiting = list(session.scalars(select(UnmetNeed).where(
        UnmetNeed.status == "open", UnmetNeed.profile_code == facility.profile_code,
        UnmetNeed.region_code == facility.region_code, UnmetNeed.facility_id != facility.id)
        .order_by(UnmetNeed.registered_at, UnmetNeed.id).limit(free)))
    for need in waiting:
        need.status = "matched"
        need.matched_facility_id = facility.id
        need.matched_at = utcnow()
        session.flush()
        notify(session, need.facility_id, "vacancy",
               f"등록한 욕구 #{need.id}에 맞는 빈자리가 생겼습니다: {facility.name} "
               f"(빈자리 {free}명). 서비스의뢰로 연계하세요.", need_id=need.id)
        notify(session, facility.id, "need",
               f"우리 기관의 빈자리에 맞는 대기 욕구가 있습니다(욕구 #{need.id}). "
               "의뢰가 오면 검토하세요.", need_id=need.id)
    return waiting


@dataclass(frozen=True)
class NeedRow:
    need: UnmetNeed
    subject_name: str | None
    matched_name: str | None


def facility_needs(session: Session, workspace: Workspace, *, status: str | None = None
                   ) -> list[NeedRow]:
    _require(workspace, "view")
    statement = select(UnmetNeed).where(UnmetNeed.facility_id == workspace.facility.id)
    if status in ("open", "matched", "closed"):
        statement = statement.where(UnmetNeed.status == status)
    rows = []
    for need in session.scalars(statement.order_by(UnmetNeed.id.desc()).limit(200)):
        subject = session.get(Subject, need.subject_id) if need.subject_id else None
        matched = session.get(Facility, need.matched_facility_id) \
            if need.matched_facility_id else None
        rows.append(NeedRow(need, subject.name if subject else None,
                            matched.name if matched else None))
    return rows


def close_need(session: Session, workspace: Workspace, actor: Actor, need_id: int) -> None:
    _require(workspace, "create")
    need = session.scalar(select(UnmetNeed).where(
        UnmetNeed.id == need_id, UnmetNeed.facility_id == workspace.facility.id))
    if need is None:
        raise ServiceError(_("욕구를 찾을 수 없습니다."), status=404)
    if need.status == "closed":
        raise ServiceError(_("이미 종결된 욕구입니다."), status=409)
    need.status = "closed"
    need.closed_at = utcnow()
    record_event(session, "need.close", actor, facility_id=workspace.facility.id,
                 target_type="unmet_need", target_id=need.id, subject_id=need.subject_id)
    session.commit()


def notices(session: Session, facility_id: int, *, limit: int = 50) -> list[CollabNotice]:
    return list(session.scalars(select(CollabNotice).where(
        CollabNotice.facility_id == facility_id).order_by(CollabNotice.id.desc()).limit(limit)))


def unread_count(session: Session, facility_id: int) -> int:
    return session.scalar(select(func.count(CollabNotice.id)).where(
        CollabNotice.facility_id == facility_id, CollabNotice.read_at.is_(None))) or 0


def mark_read(session: Session, workspace: Workspace) -> None:
    _require(workspace, "view")
    session.execute(update(CollabNotice).where(
        CollabNotice.facility_id == workspace.facility.id, CollabNotice.read_at.is_(None))
        .values(read_at=utcnow()))
    session.commit()


def open_counts(session: Session, regions: set[str] | None) -> dict[tuple[str, str], int]:
    """Needs still waiting, per (region, facility type): what the region lacks."""
    statement = select(UnmetNeed.region_code, UnmetNeed.profile_code, func.count()).where(
        UnmetNeed.status == "open").group_by(UnmetNeed.region_code, UnmetNeed.profile_code)
    if regions is not None:
        statement = statement.where(UnmetNeed.region_code.in_(sorted(regions)))
    return {(region, profile): count for region, profile, count in session.execute(statement)}
