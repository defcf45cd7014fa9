"""빈자리: facilities with their capacity, occupancy (``occupancy``) and services, for the
region's officials and for staff choosing where to refer someone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.definitions import Registry
from ieum.store.models import Facility
from ieum_library.collaboration.occupancy import occupancy_by_facility


@dataclass(frozen=True)
class Vacancy:
    facility: Facility
    profile_title: str
    services: tuple[str, ...]
    capacity: int | None
    occupied: int

    @property
    def free(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.occupied, 0)


def vacancies(session: Session, registry: Registry, *, regions: Iterable[str] | None = None,
              text: str = "", profile_code: str = "", only_free: bool = False,
              exclude_facility: int | None = None, limit: int = 200) -> list[Vacancy]:
    """Facilities with their capacity, occupancy and services, by region and name;
    ``regions`` None means every region."""
    statement = select(Facility)
    if regions is not None:
        statement = statement.where(Facility.region_code.in_(sorted(regions)))
    if profile_code:
        statement = statement.where(Facility.profile_code == profile_code)
    if exclude_facility is not None:
        statement = statement.where(Facility.id != exclude_facility)
    rows = list(session.scalars(statement.order_by(Facility.region_code, Facility.name)))
    needle = text.strip().lower()
    counts = occupancy_by_facility(session, [f.id for f in rows])
    found = []
    for facility in rows:
        profile = registry.profiles.get(facility.profile_code)
        title = profile.title if profile else facility.profile_code
        services = tuple(item.title or registry.unit_functions[item.unit].title
                         for group in (profile.menu if profile else ())
                         for item in group.items
                         if registry.unit_functions[item.unit].layer == 2)
        if needle and needle not in f"{facility.name} {title} {' '.join(services)}".lower():
            continue
        vacancy = Vacancy(facility, title, services, facility.capacity,
                          counts.get(facility.id, 0))
        if only_free and not vacancy.free:
            continue
        found.append(vacancy)
    return found[:limit]
