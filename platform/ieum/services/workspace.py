"""A user's workspace in one facility: the facilities they may enter, their grants, the menu."""

from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ieum.access.grants import Permissions, assignments_and_facilities, permissions_for
from ieum.access.officials import PublicRoles
from ieum.access.officials import public_roles as _public_roles
from ieum.definitions import Registry
from ieum.i18n import gettext as _
from ieum.services import ServiceError
from ieum.store.models import Facility, User


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


#: Per registry (a registry never changes: reloaded content is a new one), what a profile
#: and a set of roles give: the permissions, the menu and the subject units. Every screen of a
#: facility opens its workspace, and the same few role sets come back all day.
_VIEWS: weakref.WeakKeyDictionary[
    Registry, dict[tuple[str, frozenset[str]],
                   tuple[Permissions, tuple[MenuGroup, ...], tuple[str, ...]]]] = \
    weakref.WeakKeyDictionary()


def _view(registry: Registry, profile_code: str, roles: frozenset[str]
          ) -> tuple[Permissions, tuple[MenuGroup, ...], tuple[str, ...]]:
    """The permissions, menu and subject units of ``roles`` in the profile, remembered."""
    views = _VIEWS.get(registry)
    if views is None:
        views = _VIEWS.setdefault(registry, {})
    key = (profile_code, roles)
    found = views.get(key)
    if found is None:
        permissions = permissions_for(registry, profile_code, roles)
        found = (permissions, build_menu(registry, profile_code, permissions),
                 subject_units(registry, profile_code))
        views[key] = found
    return found


def open_workspace(session: Session, registry: Registry, user: User,
                   facility_code: str | None, day: dt.date) -> Workspace:
    """The workspace of ``facility_code`` (or the user's first facility).

    A facility where the user holds no valid role is reported as not found, so its
    existence is not revealed.
    """
    assignments, facilities = assignments_and_facilities(session, user, day)
    if facility_code is None:
        facility = facilities[0] if facilities else None
    else:
        facility = next((f for f in facilities if f.code == facility_code), None)
        if facility is None:
            raise ServiceError(_("기관을 찾을 수 없습니다."), status=404)
    if facility is None:
        return Workspace(user, None, facilities, Permissions(frozenset()), ())
    roles = frozenset(role for facility_id, role in assignments if facility_id == facility.id)
    permissions, menu, units = _view(registry, facility.profile_code, roles)
    return Workspace(user, facility, facilities, permissions, menu, units)


def public_roles(session: Session, user: User, day: dt.date) -> PublicRoles:
    """The user's public-sector roles valid on ``day`` (the home page of an official who
    works in no facility)."""
    return _public_roles(session, user, day)
