"""정책 담당자의 수요-공급 보기: by region (시·군·구), target group (대상별) and function
(기능별): facilities, capacity, occupancy (counted from admissions, layer 3), free places,
and the demand that waits: registered unmet needs (layer 3), referrals under review (layer
3) and placement decisions waiting for an answer. A row whose waiting demand exceeds its free
places is a shortage (공급 부족); a row with places mostly empty and nobody waiting is an
oversupply (공급 과다). Drawn as a table, a server-drawn SVG chart and an Excel file.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.access.officials import PublicRoles
from ieum.definitions import Registry
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.store.models import Facility
from ieum.store.models_care import PlacementDecision
from ieum.store.models_collab import Referral
from ieum_library.collaboration import needs, vacancies

GROUPS = {
    "child": _l("아동"),
    "elderly": _l("노인"),
    "disabled": _l("장애인"),
    "mental_health": _l("정신건강"),
    "homeless": _l("노숙인"),
    "self_sufficiency": _l("자활"),
    "single_parent": _l("한부모"),
    "community": _l("지역사회"),
    "other": _l("기타"),
}
FUNCTIONS = {
    "residential": _l("생활시설(입소)"),
    "home_care": _l("재가·돌봄"),
    "use": _l("이용·지원"),
}
ADMISSIONS_UNIT = "admission_discharge"
#: Facility types whose work is care at home or by day (재가·돌봄), not admissions.
HOME_CARE = frozenset({
    "home_visit_care", "home_visit_bathing", "home_visit_nursing", "day_care_center",
    "short_term_care", "home_care_support", "welfare_equipment_provider", "disability_day_care",
    "disability_short_stay", "home_daycare", "daycare_center", "together_care_center",
    "cooperative_care_center"})
SHORTAGE, OVERSUPPLY, BALANCED = _l("공급 부족"), _l("공급 과다"), _l("균형")
LOW_OCCUPANCY = 0.5


def function_of(registry: Registry, profile_code: str) -> str:
    if profile_code in HOME_CARE:
        return "home_care"
    profile = registry.profiles.get(profile_code)
    if profile is not None and ADMISSIONS_UNIT in profile.unit_ids:
        return "residential"
    return "use"


def group_of(registry: Registry, profile_code: str) -> str:
    profile = registry.profiles.get(profile_code)
    group = getattr(profile, "target_group", None) or "other"
    return group if group in GROUPS else "other"


@dataclass
class Row:
    region: str
    group: str
    function: str
    facilities: int = 0
    capacity: int = 0
    occupied: int = 0
    free: int = 0
    needs: int = 0
    referrals: int = 0
    placements: int = 0

    @property
    def demand(self) -> int:
        return self.needs + self.referrals + self.placements

    @property
    def gap(self) -> int:
        return self.demand - self.free

    @property
    def occupancy_rate(self) -> float | None:
        return None if not self.capacity else self.occupied / self.capacity

    @property
    def status(self) -> str:
        if self.demand > self.free:
            return SHORTAGE
        rate = self.occupancy_rate
        if self.demand == 0 and rate is not None and rate < LOW_OCCUPANCY:
            return OVERSUPPLY
        return BALANCED

    @property
    def group_title(self) -> str:
        return str(GROUPS.get(self.group, self.group))

    @property
    def function_title(self) -> str:
        return str(FUNCTIONS.get(self.function, self.function))


def supply_demand(session: Session, registry: Registry, roles: PublicRoles, *,
                  region: str = "", group: str = "", function: str = "") -> list[Row]:
    regions = None if roles.national else set(roles.regions)
    if region:
        regions = {region} if regions is None else ({region} & regions)
    rows: dict[tuple[str, str, str], Row] = {}

    def row_for(region_code: str, profile_code: str) -> Row | None:
        key = (region_code, group_of(registry, profile_code),
               function_of(registry, profile_code))
        if (group and key[1] != group) or (function and key[2] != function):
            return None
        if key not in rows:
            rows[key] = Row(*key)
        return rows[key]

    for v in vacancies.vacancies(session, registry, regions=regions, limit=100_000):
        row = row_for(v.facility.region_code, v.facility.profile_code)
        if row is None:
            continue
        row.facilities += 1
        if v.capacity is not None:
            row.capacity += v.capacity
            row.occupied += v.occupied
            row.free += v.free or 0
    for (region_code, profile_code), count in needs.open_counts(session, regions).items():
        row = row_for(region_code, profile_code)
        if row is not None:
            row.needs += count
    for facility, count in _waiting(session, regions, Referral.to_facility_id,
                                    Referral.status == "requested"):
        row = row_for(facility.region_code, facility.profile_code)
        if row is not None:
            row.referrals += count
    for facility, count in _waiting(session, regions, PlacementDecision.facility_id,
                                    PlacementDecision.status == "decided"):
        row = row_for(facility.region_code, facility.profile_code)
        if row is not None:
            row.placements += count
    return sorted(rows.values(), key=lambda r: (r.region, r.group, r.function))


def _waiting(session: Session, regions: set[str] | None, column, condition  # noqa: ANN001
             ) -> Iterable[tuple[Facility, int]]:
    ids: dict[int, int] = defaultdict(int)
    for (facility_id,) in session.execute(select(column).where(condition)):
        ids[facility_id] += 1
    if not ids:
        return []
    statement = select(Facility).where(Facility.id.in_(sorted(ids)))
    if regions is not None:
        statement = statement.where(Facility.region_code.in_(sorted(regions)))
    return [(f, ids[f.id]) for f in session.scalars(statement)]


def chart_svg(rows: list[Row], *, width: int = 720) -> str:
    """A horizontal bar chart, free places against waiting demand per row (server-drawn,
    no script; the table next to it carries the same figures as text)."""
    shown = rows[:40]
    label_w, bar_h, gap, top = 250, 9, 8, 34
    height = top + len(shown) * (2 * bar_h + gap) + 10
    top_value = max([1] + [max(r.free, r.demand) for r in shown])
    scale = (width - label_w - 60) / top_value
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" '
             f'aria-labelledby="sd-title" data-testid="supply-demand-chart">',
             f'<title id="sd-title">{escape(_("지역·대상·기능별 빈자리와 대기 수요"))}</title>',
             '<rect x="0" y="0" width="12" height="10" fill="#198754"/>'
             f'<text x="16" y="10" font-size="11">{escape(_("빈자리"))}</text>',
             '<rect x="70" y="0" width="12" height="10" fill="#dc3545"/>'
             '<text x="86" y="10" font-size="11">'
             f'{escape(_("대기 수요(욕구·의뢰·보호조치)"))}</text>']
    y = top
    for r in shown:
        label = escape(f"{r.region} {r.group_title} {r.function_title}")
        weight = ' font-weight="bold"' if r.status == SHORTAGE else ""
        parts.append(f'<text x="0" y="{y + bar_h + 3}" font-size="11"{weight}>{label}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{max(r.free * scale, 1):.1f}" '
                     f'height="{bar_h}" fill="#198754">'
                     f'<title>{escape(_("빈자리"))} {r.free}</title></rect>')
        parts.append(f'<text x="{label_w + r.free * scale + 4:.1f}" y="{y + bar_h - 1}" '
                     f'font-size="10">{r.free}</text>')
        y2 = y + bar_h + 1
        parts.append(f'<rect x="{label_w}" y="{y2}" width="{max(r.demand * scale, 1):.1f}" '
                     f'height="{bar_h}" fill="#dc3545">'
                     f'<title>{escape(_("대기 수요"))} {r.demand}</title>'
                     '</rect>')
        parts.append(f'<text x="{label_w + r.demand * scale + 4:.1f}" y="{y2 + bar_h - 1}" '
                     f'font-size="10">{r.demand}</text>')
        y += 2 * bar_h + gap
    parts.append("</svg>")
    return "".join(parts)


HEADERS = (_l("시·군·구"), _l("대상"), _l("기능"), _l("시설 수"), _l("정원"), _l("현원"),
           _l("빈자리"), _l("미충족 욕구"), _l("검토 중 의뢰"), _l("보호조치 대기"),
           _l("대기 수요 합계"), _l("차이(수요-빈자리)"), _l("판정"))


def as_table(rows: list[Row]) -> list[tuple]:
    return [(r.region, r.group_title, r.function_title, r.facilities, r.capacity, r.occupied,
             r.free, r.needs, r.referrals, r.placements, r.demand, r.gap, r.status)
            for r in rows]


def workbook(rows: list[Row]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = _("수요-공급")
    sheet.append([str(header) for header in HEADERS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    shortage = PatternFill("solid", fgColor="F8D7DA")
    surplus = PatternFill("solid", fgColor="FFF3CD")
    for values, row in zip(as_table(rows), rows, strict=True):
        sheet.append(values)
        if row.status != BALANCED:
            for cell in sheet[sheet.max_row]:
                cell.fill = shortage if row.status == SHORTAGE else surplus
    for column, width in zip("ABCDEFGHIJKLM", (10, 8, 14, 8, 8, 8, 8, 10, 10, 10, 12, 14, 10),
                             strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
