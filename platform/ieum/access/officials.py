"""Public-sector roles valid on a day: which regions an official sees, who designs programs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from ieum.store.models import User
from ieum.store.models_public import OfficialRole


@dataclass(frozen=True)
class PublicRoles:
    """What a user may do outside facilities on one day.

    ``regions`` holds the 시·군·구 codes a ``region_official`` role covers; ``national`` is
    true when some role of that kind has no region (the ministry sees every region).
    """

    roles: frozenset[str]
    regions: frozenset[str]
    national: bool

    def has(self, role: str) -> bool:
        return role in self.roles

    def covers_region(self, region_code: str | None) -> bool:
        return self.national or (region_code is not None and region_code in self.regions)

    def __bool__(self) -> bool:
        return bool(self.roles)


def valid_roles_of(user_id: int | ColumnElement[int], day: dt.date | ColumnElement[dt.date],
                   ) -> tuple[ColumnElement[bool], ...]:
    """The conditions of the user's official roles valid on ``day``."""
    return (OfficialRole.user_id == user_id, OfficialRole.valid_from <= day,
            OfficialRole.valid_to >= day)


def active_official_roles(session: Session, user: User, day: dt.date) -> list[OfficialRole]:
    return list(
        session.scalars(
            select(OfficialRole)
            .where(*valid_roles_of(user.id, day))
            .order_by(OfficialRole.role, OfficialRole.region_code)
        )
    )


def roles_from(pairs: Iterable[tuple[str, str | None]]) -> PublicRoles:
    """:class:`PublicRoles` of (role, region code) pairs."""
    pairs = list(pairs)
    regions = [region for role, region in pairs if role == "region_official"]
    return PublicRoles(
        roles=frozenset(role for role, _region in pairs),
        regions=frozenset(region for region in regions if region),
        national=any(region is None for region in regions),
    )


def public_roles(session: Session, user: User, day: dt.date) -> PublicRoles:
    return roles_from((r.role, r.region_code) for r in active_official_roles(session, user, day))
