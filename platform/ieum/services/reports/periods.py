"""Report kinds as the reports engine uses them: which kinds a facility makes, their periods
(``2026-10``, ``2026-Q4``, ``2026``) and due dates.

The kinds themselves are content: the ``reports:`` section of a unit manifest, loaded into
``Registry.report_kinds`` (``ieum.definitions.report_kinds``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from ieum.definitions import FacilityProfile, Registry
from ieum.definitions.report_kinds import ReportKind
from ieum.i18n import gettext as _
from ieum.i18n import lazy_pgettext
from ieum.services import ServiceError

#: Shown in the request's language (lazy texts).
PERIOD_TITLES = {
    "month": lazy_pgettext("report period", "월"),
    "quarter": lazy_pgettext("report period", "분기"),
    "year": lazy_pgettext("report period", "연"),
}
STATUS_TITLES = {
    "draft": lazy_pgettext("report status", "작성 중"),
    "submitted": lazy_pgettext("report status", "제출(검토 대기)"),
    "accepted": lazy_pgettext("report status", "접수 완료"),
    "returned": lazy_pgettext("report status", "반려"),
}


def get_kind(registry: Registry, kind_id: str | None) -> ReportKind:
    kind = registry.report_kinds.get(kind_id or "")
    if kind is None:
        raise ServiceError(_("보고 종류를 찾을 수 없습니다."), field="kind", status=404)
    return kind


def reporting_units(registry: Registry, profile: FacilityProfile | None) -> list[str]:
    """The units of the profile that prepare reports (``reports:`` in their manifests)."""
    if profile is None:
        return []
    return [unit_id for unit_id in profile.unit_ids
            if registry.unit_functions[unit_id].reports is not None]


def kinds_for(registry: Registry, profile: FacilityProfile | None) -> list[ReportKind]:
    """The kinds a facility of ``profile`` can report: those of its reporting units whose
    source unit functions it uses."""
    if profile is None:
        return []
    units = set(profile.unit_ids)
    return [kind for unit_id in reporting_units(registry, profile)
            for kind in registry.unit_functions[unit_id].reports.kinds
            if set(kind.reads) <= units]


@dataclass(frozen=True)
class Period:
    key: str  # "2026-10", "2026-Q4", "2026"
    start: dt.date
    end: dt.date

    @property
    def title(self) -> str:
        """``2026년 4분기``: Korean, as reports, tasks and notices store it (see
        :attr:`shown_title` for a screen)."""
        if "-Q" in self.key:
            year, quarter = self.key.split("-Q")
            return f"{year}년 {quarter}분기"
        if "-" in self.key:
            year, month = self.key.split("-")
            return f"{year}년 {int(month)}월"
        return f"{self.key}년"

    @property
    def shown_title(self) -> str:
        """The title in the request's language."""
        if "-Q" in self.key:
            year, quarter = self.key.split("-Q")
            return _("%(year)s년 %(quarter)s분기", year=year, quarter=quarter)
        if "-" in self.key:
            year, month = self.key.split("-")
            return _("%(year)s년 %(month)s월", year=year, month=int(month))
        return _("%(year)s년", year=self.key)

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return period_containing(self.key_kind, self.start - dt.timedelta(days=1))

    @property
    def key_kind(self) -> str:
        return "quarter" if "-Q" in self.key else "month" if "-" in self.key else "year"


_PATTERNS = {"month": re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
             "quarter": re.compile(r"^(\d{4})-Q([1-4])$"),
             "year": re.compile(r"^(\d{4})$")}
_EXAMPLES = {"month": "2026-10", "quarter": "2026-Q4", "year": "2026"}


def parse_period(kind: ReportKind | str, key: str | None) -> Period:
    """The period named by ``key`` in the form the kind (or the period length) uses, or a
    400 with a Korean message saying what form is expected."""
    length = kind if isinstance(kind, str) else kind.period
    text = (key or "").strip().upper()
    match = _PATTERNS[length].match(text)
    if match is None or not 2000 <= int(match.group(1)) <= 2100:
        raise ServiceError(_("보고 기간을 '%(value)s' 형식으로 입력하세요.",
                             value=_EXAMPLES[length]),
                           field="period")
    year = int(match.group(1))
    if length == "month":
        month = int(match.group(2))
        start = dt.date(year, month, 1)
        end = dt.date(year, month, calendar.monthrange(year, month)[1])
    elif length == "quarter":
        quarter = int(match.group(2))
        start = dt.date(year, quarter * 3 - 2, 1)
        end_month = quarter * 3
        end = dt.date(year, end_month, calendar.monthrange(year, end_month)[1])
    else:
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return Period(text, start, end)


def period_containing(period: str, day: dt.date) -> Period:
    if period == "month":
        key = f"{day.year}-{day.month:02d}"
    elif period == "quarter":
        key = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    else:
        key = str(day.year)
    return parse_period(period, key)


def basis_of(kind: ReportKind, period: Period) -> Period:
    """The period the kind's figures read: the reported one, or the one before it."""
    return period.previous() if kind.basis == "previous" else period


def due_date(kind: ReportKind, period: Period) -> dt.date:
    return kind.due_rule.due(period.start, period.end)
