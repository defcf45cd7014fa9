"""A user's workspace in one facility: the facilities they may enter, their grants, the menu."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.access.grants import Permissions, permissions_for
from ieum.access.officials import PublicRoles
from ieum.access.officials import public_roles as _public_roles
from ieum.definitions import Registry
from ieum.i18n import gettext as _
from ieum.services import ServiceError
from ieum.store.models import Facility, RoleAssignment, User


@dataclass(frozen=True)
class MenuItem:
    unit_id: str
    title: str


@dataclass(frozen=True)
class MenuGroup:
    title: str
    items: tuple[MenuItem, ...]


@dataclass(frozen=True)
class Workspace:
    user: User
    facility: Facility | None
    facilities: tuple[Facility, ...]
    permissions: Permissions
    menu: tuple[MenuGroup, ...]
    #: The facility's units that register its subjects (manifest ``subject_registry``), in
    #: the profile's order: where a person becomes a subject, whatever the units are called.
    subject_units: tuple[str, ...] = ()


def subject_units(registry: Registry, profile_code: str) -> tuple[str, ...]:
    """The units of the profile whose manifest declares ``subject_registry``."""
    profile = registry.profiles.get(profile_code)
    if profile is None:
        return ()
    return tuple(unit_id for unit_id in profile.unit_ids
                 if unit_id in registry.unit_functions
                 and registry.unit_functions[unit_id].subject_registry)


def build_menu(registry: Registry, profile_code: str, permissions: Permissions
               ) -> tuple[MenuGroup, ...]:
    """The profile's menu tree, keeping only unit functions the user may view."""
    profile = registry.profiles.get(profile_code)
    if profile is None:
        return ()
    groups = []
    for group in profile.menu:
        items = tuple(
            MenuItem(item.unit, item.title or registry.unit_functions[item.unit].title)
            for item in group.items
            if permissions.can(item.unit, "view")
        )
        if items:
            groups.append(MenuGroup(group.title, items))
    return tuple(groups)


def _assignments_and_facilities(session: Session, user: User, day: dt.date
                                ) -> tuple[list[tuple[int, str]], tuple[Facility, ...]]:
    """The user's (facility id, role) pairs valid on ``day`` and their facilities by name:
    what ``active_assignments`` and ``user_facilities`` give, in one statement (every
    screen of a facility opens its workspace)."""
    found = session.execute(
        select(RoleAssignment.facility_id, RoleAssignment.role, Facility)
        .join(Facility, Facility.id == RoleAssignment.facility_id)
        .where(RoleAssignment.user_id == user.id, RoleAssignment.valid_from <= day,
               RoleAssignment.valid_to >= day)
        .order_by(Facility.name, Facility.id)).all()
    facilities: dict[int, Facility] = {}
    for _facility_id, _role, facility in found:
        facilities.setdefault(facility.id, facility)
    return [(row[0], row[1]) for row in found], tuple(facilities.values())


def open_workspace(session: Session, registry: Registry, user: User,
                   facility_code: str | None, day: dt.date) -> Workspace:
    """The workspace of ``facility_code`` (or the user's first facility).

    A facility where the user holds no valid role is reported as not found, so its
    existence is not revealed.
    """
    assignments, facilities = _assignments_and_facilities(session, user, day)
    if facility_code is None:
        facility = facilities[0] if facilities else None
    else:
        facility = next((f for f in facilities if f.code == facility_code), None)
        if facility is None:
            raise ServiceError(_("기관을 찾을 수 없습니다."), status=404)
    if facility is None:
        return Workspace(user, None, facilities, Permissions(frozenset()), ())
    roles = frozenset(role for facility_id, role in assignments if facility_id == facility.id)
    permissions = permissions_for(registry, facility.profile_code, roles)
    menu = build_menu(registry, facility.profile_code, permissions)
    return Workspace(user, facility, facilities, permissions, menu,
                     subject_units(registry, facility.profile_code))


def public_roles(session: Session, user: User, day: dt.date) -> PublicRoles:
    """The user's public-sector roles valid on ``day`` (the home page of an official who
    works in no facility)."""
    return _public_roles(session, user, day)
