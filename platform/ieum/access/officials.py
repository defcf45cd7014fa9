"""Public-sector roles valid on a day: which regions an official sees, who designs programs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
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


def active_official_roles(session: Session, user: User, day: dt.date) -> list[OfficialRole]:
    return list(
        session.scalars(
            select(OfficialRole)
            .where(
                OfficialRole.user_id == user.id,
                OfficialRole.valid_from <= day,
                OfficialRole.valid_to >= day,
            )
            .order_by(OfficialRole.role, OfficialRole.region_code)
        )
    )


def public_roles(session: Session, user: User, day: dt.date) -> PublicRoles:
    rows = active_official_roles(session, user, day)
    officials = [r for r in rows if r.role == "region_official"]
    return PublicRoles(
        roles=frozenset(r.role for r in rows),
        regions=frozenset(r.region_code for r in officials if r.region_code),
        national=any(r.region_code is None for r in officials),
    )
