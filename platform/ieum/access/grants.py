"""Who may do what where: role assignments valid on a day, resolved against a facility profile."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ieum.definitions import FacilityProfile, Registry
from ieum.i18n import content_text, lazy_pgettext
from ieum.i18n import gettext as _
from ieum.store.models import Facility, RoleAssignment, User
from ieum.store.models_public import PUBLIC_ROLES


def active_assignments(session: Session, user: User, day: dt.date) -> list[RoleAssignment]:
    return list(
        session.scalars(
            select(RoleAssignment)
            .where(
                RoleAssignment.user_id == user.id,
                RoleAssignment.valid_from <= day,
                RoleAssignment.valid_to >= day,
            )
            .order_by(RoleAssignment.facility_id, RoleAssignment.role)
        )
    )


def user_facilities(session: Session, user: User, day: dt.date,
                    assignments: list[RoleAssignment] | None = None) -> list[Facility]:
    """Facilities where the user holds at least one role valid on ``day``, by name
    (``assignments``: the user's active assignments when the caller has them already)."""
    if assignments is None:
        return list(assignments_and_facilities(session, user, day)[1])
    facility_ids = {a.facility_id for a in assignments}
    if not facility_ids:
        return []
    return list(
        session.scalars(
            select(Facility).where(Facility.id.in_(facility_ids)).order_by(Facility.name)
        )
    )


def assignments_and_facilities(session: Session, user: User, day: dt.date
                               ) -> tuple[list[tuple[int, str]], tuple[Facility, ...]]:
    """The user's ``(facility id, role)`` pairs valid on ``day`` and their facilities by
    name, in one prebuilt statement: every screen of a facility opens its workspace with it.
    Only the roles' columns are read, not whole assignment rows."""
    found = session.execute(_ASSIGNMENTS_WITH_FACILITIES,
                            {"user_id": user.id, "day": day}).all()
    facilities: dict[int, Facility] = {}
    for _facility_id, _role, facility in found:
        facilities.setdefault(facility.id, facility)
    return [(row[0], row[1]) for row in found], tuple(facilities.values())


#: Built once: every request that opens a workspace asks it.
_ASSIGNMENTS_WITH_FACILITIES = (
    select(RoleAssignment.facility_id, RoleAssignment.role, Facility)
    .join(Facility, Facility.id == RoleAssignment.facility_id)
    .where(RoleAssignment.user_id == bindparam("user_id"),
           RoleAssignment.valid_from <= bindparam("day"),
           RoleAssignment.valid_to >= bindparam("day"))
    .order_by(Facility.name, Facility.id, RoleAssignment.role))


def roles_in(session: Session, user: User, facility: Facility, day: dt.date) -> frozenset[str]:
    return frozenset(
        a.role for a in active_assignments(session, user, day) if a.facility_id == facility.id
    )


@dataclass(frozen=True)
class Permissions:
    """The union of the grants of a user's roles in one facility."""

    roles: frozenset[str]
    actions: Mapping[str, frozenset[str]] = field(default_factory=dict)
    scopes: Mapping[str, str] = field(default_factory=dict)

    administers: bool = False

    def can(self, unit_id: str, action: str) -> bool:
        return action in self.actions.get(unit_id, frozenset())


_SCOPE_WIDTH = {"own": 0, "assigned": 1, "facility": 2}


def permissions_for(registry: Registry, profile_code: str, roles: frozenset[str]) -> Permissions:
    """Combine the grants of ``roles``; the widest record scope of any role wins."""
    profile = registry.profiles.get(profile_code)
    if profile is None:
        return Permissions(roles=roles)
    actions: dict[str, frozenset[str]] = {}
    scopes: dict[str, str] = {}
    administers = False
    for role_id in sorted(roles):
        role = profile.roles.get(role_id)
        if role is None:  # a role the profile no longer declares grants nothing
            continue
        administers = administers or role.administers
        for unit_id, grant in role.grants.items():
            actions[unit_id] = actions.get(unit_id, frozenset()) | frozenset(grant.actions)
            if _SCOPE_WIDTH[grant.scope] >= _SCOPE_WIDTH.get(scopes.get(unit_id, "own"), 0):
                scopes[unit_id] = grant.scope
    # read-only: a workspace's permissions are shared by every request of the same roles
    return Permissions(roles=roles, actions=MappingProxyType(actions),
                       scopes=MappingProxyType(scopes), administers=administers)


# Korean names of the common actions (lazy: ``str()`` one to show it in the request's
# language); a unit function may declare others, shown by id.
ACTION_TITLES = {
    "view": lazy_pgettext("permission", "조회"),
    "create": lazy_pgettext("permission", "등록"),
    "update": lazy_pgettext("permission", "수정"),
    "delete": lazy_pgettext("permission", "삭제"),
    "approve": lazy_pgettext("permission", "승인"),
    "export": lazy_pgettext("permission", "내보내기"),
    "reveal_rrn": lazy_pgettext("permission", "주민등록번호 보기"),
    "view_private": lazy_pgettext("permission", "비공개 내용 보기"),
    "view_shared_history": lazy_pgettext("permission", "통합 서비스 이력 보기"),
}


def role_title(role: str | None, profile: FacilityProfile | None = None) -> str:
    """The name of a role as staff see it (in the request's language): the facility
    profile's title of one of its roles, the platform's name of a public-sector role
    (시·군·구 담당공무원, 콘텐츠 검토자, ...); a role the profile no longer declares is named
    as such, with its id for the administrator who must revoke it; no role (a task anyone
    may do) is ``""``."""
    if not role:
        return ""
    found = profile.roles.get(role) if profile is not None else None
    if found is not None:
        return content_text(found.title)
    if role in PUBLIC_ROLES:  # the English of these is in locale/en/services.po
        return _(PUBLIC_ROLES[role])
    return _("없어진 역할(%(role)s)", role=role)


def role_titles(profile: FacilityProfile | None = None) -> dict[str, str]:
    """Korean names of the roles of ``profile`` and of the public-sector roles, by id."""
    known = [*(profile.roles if profile is not None else ()), *PUBLIC_ROLES]
    return {role: role_title(role, profile) for role in known}
