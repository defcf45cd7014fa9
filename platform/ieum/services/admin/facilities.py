"""Registering facilities of a facility type (profile)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import distinct, func, or_, select
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.definitions import Registry
from ieum.i18n import content_text
from ieum.i18n import gettext as _
from ieum.services import ServiceError
from ieum.services.admin import users as accounts
from ieum.services.transactions import transaction
from ieum.store.models import Facility, ProcessInstance, Record, RoleAssignment, User

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
REGION_PATTERN = re.compile(r"^\d{5}$")  # 시·군·구 code of the administrative district


def create_facility(session: Session, registry: Registry, *, code: str, name: str,
                    profile_code: str, region_code: str, capacity: int | None = None,
                    actor: Actor | None = None) -> Facility:
    if not CODE_PATTERN.match(code):
        raise ServiceError(
            _("기관 코드는 영문 소문자, 숫자, '-'로 된 2~32자여야 합니다."), field="code"
        )
    if not name.strip():
        raise ServiceError(_("기관명은 필수 입력 항목입니다."), field="name")
    profile = registry.profiles.get(profile_code)
    if profile is None:
        raise ServiceError(_("등록되지 않은 시설유형입니다: %(profile_code)s",
                             profile_code=profile_code), field="profile_code")
    if not REGION_PATTERN.match(region_code):
        raise ServiceError(_("시·군·구 코드는 숫자 5자리여야 합니다."), field="region_code")
    if capacity is not None and capacity < 0:
        raise ServiceError(_("정원은 0 이상이어야 합니다."), field="capacity")
    if session.scalar(select(Facility.id).where(Facility.code == code)) is not None:
        raise ServiceError(_("이미 등록된 기관 코드입니다: %(code)s",
                             code=code), field="code", status=409)
    facility = Facility(code=code, name=name.strip(), profile_code=profile_code,
                        region_code=region_code, capacity=capacity,
                        official_kind_code=profile.official_kind_code)
    session.add(facility)
    session.flush()
    record_event(session, "facility.create", actor or Actor(), facility_id=facility.id,
                 target_type="facility", target_id=facility.id,
                 detail={"code": code, "profile": profile_code})
    return facility


# --- 플랫폼 관리: the platform administrators' view of every facility -------------------------

NAME_MAX = 200  # Facility.name


@dataclass(frozen=True)
class FacilityOverview:
    """One facility as the platform's facility list shows it."""

    facility: Facility
    profile_title: str
    user_count: int  # distinct users holding a role valid on the day asked about


@dataclass(frozen=True)
class NewAccount:
    """A login to create as a facility's first administrator (password through the policy)."""

    login: str
    name: str
    password: str


def facility_overviews(session: Session, registry: Registry, day: dt.date, *,
                       search: str | None = None) -> list[FacilityOverview]:
    """Every facility by name (then code); ``search`` keeps names or codes containing it."""
    statement = select(Facility).order_by(Facility.name, Facility.code)
    text = (search or "").strip()[:100]
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        statement = statement.where(or_(Facility.name.ilike(pattern, escape="\\"),
                                        Facility.code.ilike(pattern, escape="\\")))
    facilities = session.scalars(statement).all()
    counts: dict[int, int] = dict(session.execute(
        select(RoleAssignment.facility_id, func.count(distinct(RoleAssignment.user_id)))
        .where(RoleAssignment.valid_from <= day, RoleAssignment.valid_to >= day)
        .group_by(RoleAssignment.facility_id)
    ).all())
    return [FacilityOverview(facility, _profile_title(registry, facility.profile_code),
                             counts.get(facility.id, 0))
            for facility in facilities]


def get_facility(session: Session, code: str) -> Facility:
    facility = session.scalar(select(Facility).where(Facility.code == code))
    if facility is None:
        raise ServiceError(_("기관을 찾을 수 없습니다: %(code)s", code=code), status=404)
    return facility


def administering_role(registry: Registry, profile_code: str) -> str:
    """The first role of the profile that administers a facility of it."""
    profile = registry.profiles.get(profile_code)
    if profile is None:
        raise ServiceError(_("등록되지 않은 시설유형입니다: %(profile_code)s",
                             profile_code=profile_code), field="profile_code")
    for role in profile.roles.values():
        if role.administers:
            return role.id
    raise ServiceError(_("'%(title)s'에는 기관을 관리하는 역할이 없습니다.",
                         title=content_text(profile.title)),
                       field="profile_code")


def register_facility(session: Session, registry: Registry, *, code: str, name: str,
                      profile_code: str, region_code: str, capacity: int | None = None,
                      admin_login: str | None = None, new_admin: NewAccount | None = None,
                      valid_from: dt.date, actor: Actor | None = None,
                      ) -> tuple[Facility, RoleAssignment | None]:
    """Create a facility and, optionally, its first administrator: an existing account
    (``admin_login``) or a new one (``new_admin``), given the profile's administering role
    from ``valid_from``. Everything happens in the caller's transaction, which must be rolled
    back on a ``ServiceError``; errors about the administrator name ``admin_*`` fields."""
    if admin_login and new_admin is not None:
        raise ServiceError(_("기관관리자는 기존 사용자와 새 사용자 중 하나만 지정하세요."),
                           field="admin_mode")
    if len(name.strip()) > NAME_MAX:
        raise ServiceError(_("기관명은 %(limit)s자 이하여야 합니다.",
                             limit=NAME_MAX), field="name")
    facility = create_facility(session, registry, code=code, name=name,
                               profile_code=profile_code, region_code=region_code,
                               capacity=capacity, actor=actor)
    if not admin_login and new_admin is None:
        return facility, None
    role = administering_role(registry, profile_code)
    try:
        if new_admin is not None:
            user = accounts.create_user(session, login=new_admin.login, name=new_admin.name,
                                        password=new_admin.password, actor=actor)
        else:
            user = accounts.find_user(session, admin_login or "")
        assignment = accounts.grant_role(session, registry, user=user, facility=facility,
                                         role=role, valid_from=valid_from, actor=actor)
    except ServiceError as refused:
        raise ServiceError(refused.message, field=f"admin_{refused.field or 'login'}",
                           status=refused.status) from refused
    return facility, assignment


def facility_has_records(session: Session, facility: Facility) -> bool:
    """Whether anything was recorded in the facility under its profile's unit functions
    (records, deleted ones included, or processes)."""
    for model in (Record, ProcessInstance):
        found = session.scalar(select(model.id).where(model.facility_id == facility.id).limit(1))
        if found is not None:
            return True
    return False


def update_facility(session: Session, registry: Registry, facility: Facility, *, name: str,
                    region_code: str, capacity: int | None, profile_code: str | None = None,
                    day: dt.date, actor: Actor | None = None) -> dict[str, list]:
    """Change the name, region and capacity (and the profile, while nothing is recorded);
    audited as ``facility.update`` with each changed field's [before, after]. Returns those
    changes; nothing is written when there are none."""
    name = name.strip()
    if not name:
        raise ServiceError(_("기관명은 필수 입력 항목입니다."), field="name")
    if len(name) > NAME_MAX:
        raise ServiceError(_("기관명은 %(limit)s자 이하여야 합니다.",
                             limit=NAME_MAX), field="name")
    if not REGION_PATTERN.match(region_code):
        raise ServiceError(_("시·군·구 코드는 숫자 5자리여야 합니다."), field="region_code")
    if capacity is not None and capacity < 0:
        raise ServiceError(_("정원은 0 이상이어야 합니다."), field="capacity")
    wanted = {"name": name, "region_code": region_code, "capacity": capacity}
    if profile_code and profile_code != facility.profile_code:
        _check_profile_change(session, registry, facility, profile_code, day)
        profile = registry.profiles[profile_code]
        wanted.update(profile_code=profile_code, official_kind_code=profile.official_kind_code)
    changes = {key: [getattr(facility, key), value] for key, value in wanted.items()
               if getattr(facility, key) != value}
    if not changes:
        return {}
    for key, (_before, after) in changes.items():
        setattr(facility, key, after)
    session.flush()
    record_event(session, "facility.update", actor or Actor(), facility_id=facility.id,
                 target_type="facility", target_id=facility.id,
                 detail={"code": facility.code, "changes": changes})
    return changes


def _check_profile_change(session: Session, registry: Registry, facility: Facility,
                          profile_code: str, day: dt.date) -> None:
    profile = registry.profiles.get(profile_code)
    if profile is None:
        raise ServiceError(_("등록되지 않은 시설유형입니다: %(profile_code)s",
                             profile_code=profile_code), field="profile_code")
    if facility_has_records(session, facility):
        raise ServiceError(_("기록이 있는 기관은 시설유형을 바꿀 수 없습니다. 새 시설유형으로 "
                             "기관을 새로 등록하세요."),
                           field="profile_code", status=409)
    held = session.scalars(select(RoleAssignment.role).where(
        RoleAssignment.facility_id == facility.id, RoleAssignment.valid_to >= day
    ).distinct()).all()
    missing = sorted(role for role in held if role not in profile.roles)
    if missing:
        raise ServiceError(_("'%(title)s'에 없는 역할이 부여되어 있어 시설유형을 바꿀 수 "
                             "없습니다: %(grants)s. 먼저 그 권한을 회수하세요.",
                             title=content_text(profile.title), grants=', '.join(missing)),
                           field="profile_code", status=409)


def _profile_title(registry: Registry, profile_code: str) -> str:
    profile = registry.profiles.get(profile_code)
    return profile.title if profile else profile_code


# --- 플랫폼 관리 screens: one transaction per request ----------------------------------------

@transaction
def add_facility(session: Session, registry: Registry, *, code: str, name: str,
                 profile_code: str, region_code: str, capacity: int | None = None,
                 admin_login: str | None = None, new_admin: NewAccount | None = None,
                 valid_from: dt.date, actor: Actor | None = None,
                 ) -> tuple[Facility, User | None]:
    """``register_facility``, all or nothing: committed, or rolled back when refused.
    Returns the facility and its first administrator (None when none was named)."""
    facility, assignment = register_facility(
        session, registry, code=code, name=name, profile_code=profile_code,
        region_code=region_code, capacity=capacity, admin_login=admin_login,
        new_admin=new_admin, valid_from=valid_from, actor=actor)
    admin = session.get(User, assignment.user_id) if assignment is not None else None
    return facility, admin


@transaction
def change_facility(session: Session, registry: Registry, code: str, *, name: str,
                    region_code: str, capacity: int | None, profile_code: str | None = None,
                    day: dt.date, actor: Actor | None = None) -> dict[str, list]:
    """``update_facility`` of the facility ``code`` (404 when there is none), committed, or
    rolled back when refused."""
    return update_facility(session, registry, get_facility(session, code), name=name,
                           region_code=region_code, capacity=capacity,
                           profile_code=profile_code, day=day, actor=actor)


def role_holders(session: Session, facility: Facility,
                 day: dt.date) -> list[tuple[RoleAssignment, User]]:
    """The facility's role assignments valid on ``day`` with their users, by name."""
    return list(session.execute(
        select(RoleAssignment, User).join(User, User.id == RoleAssignment.user_id)
        .where(RoleAssignment.facility_id == facility.id, RoleAssignment.valid_from <= day,
               RoleAssignment.valid_to >= day)
        .order_by(User.name, User.login, RoleAssignment.role)
    ).all())
