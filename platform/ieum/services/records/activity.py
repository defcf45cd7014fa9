"""Figures for the facility dashboard: records saved per month and subjects by status.

Only what the user could list anyway is counted: records of the unit functions where their
record scope is the whole facility (``facility``), leaving out 비공개 records they may not see
unless their grant includes ``view_private``. Units where they see only their own or their
assigned records are not counted at all, so the chart tells nothing about records they may
not list. Another facility's records are never counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, extract, func, or_, select, tuple_
from sqlalchemy.orm import Session

from ieum.definitions import Registry
from ieum.i18n import content_text
from ieum.i18n import gettext as _
from ieum.services.records import sensitive
from ieum.services.workspace import Workspace
from ieum.store.models import Record, Subject

MONTHS = 6


@dataclass(frozen=True)
class MonthCount:
    year: int
    month: int
    count: int

    @property
    def short(self) -> str:
        """The column's label, ``7월`` (the table and the summary give the year)."""
        return _("%(month)s월", month=self.month)

    @property
    def title(self) -> str:
        return _("%(year)s년 %(month)s월", year=self.year, month=self.month)


@dataclass(frozen=True)
class MonthlyRecords:
    months: list[MonthCount]
    units: list[str]  # the unit functions counted (ids, in menu order)

    @property
    def total(self) -> int:
        return sum(m.count for m in self.months)

    @property
    def rows(self) -> list[tuple[str, int, str]]:
        """(label, count, long label) per month, for ``_charts.html``."""
        return [(m.short, m.count, m.title) for m in self.months]


def _first_months(today: dt.date, months: int) -> list[tuple[int, int]]:
    """(year, month) of the ``months`` calendar months ending with today's, oldest first."""
    found = []
    year, month = today.year, today.month
    for _step in range(months):
        found.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(found))


def facility_units(registry: Registry, workspace: Workspace) -> list[str]:
    """The unit functions on the user's menu whose records they may all list (scope
    ``facility``)."""
    permissions = workspace.permissions
    return [item.unit_id for group in workspace.menu for item in group.items
            if permissions.can(item.unit_id, "view")
            and permissions.scopes.get(item.unit_id) == "facility"
            and item.unit_id in registry.unit_functions]


def _visible(registry: Registry, workspace: Workspace, units: list[str]):  # noqa: ANN202
    """The SQL condition of the records of ``units`` the user may list: the units' forms (a
    form since taken out of a unit cannot be listed), and where a 비공개 switch hides others'
    records from them, only those they may see."""
    open_forms, conditions = [], []
    user_id = workspace.user.id
    for unit_id in units:
        sees_private = workspace.permissions.can(unit_id, "view_private")
        for form_id in registry.unit_functions[unit_id].forms:
            form = registry.forms.get(form_id)
            if form is None:
                continue
            private = None if sees_private else sensitive.private_record_filter(form, user_id)
            if private is None:
                open_forms.append((unit_id, form_id))
            else:
                conditions.append(and_(Record.unit_function == unit_id,
                                       Record.form_id == form_id, private))
    if open_forms:
        conditions.append(tuple_(Record.unit_function, Record.form_id).in_(open_forms))
    return or_(*conditions) if conditions else None


def _midnight(day: dt.date, days: int) -> dt.datetime:
    """Midnight (UTC) ``days`` days from ``day``: a bound a little wider than the month, as the
    database may read a timestamp's day in another time zone."""
    return dt.datetime.combine(day + dt.timedelta(days=days), dt.time(), tzinfo=dt.UTC)


def monthly_records(session: Session, registry: Registry, workspace: Workspace,
                    today: dt.date, months: int = MONTHS) -> MonthlyRecords:
    """Saved (not draft, not deleted) records per month of their date (the form's date
    field; the day they were saved when the form has none) over the last ``months``
    calendar months, in the units where the user's record scope is the whole facility."""
    slots = _first_months(today, months)
    units = facility_units(registry, workspace)
    visible = _visible(registry, workspace, units)
    counted: dict[tuple[int, int], int] = {}
    if visible is not None:
        start = dt.date(*slots[0], 1)
        end_year, end_month = slots[-1]
        end = dt.date(end_year + 1, 1, 1) if end_month == 12 else dt.date(end_year,
                                                                             end_month + 1, 1)
        day = func.coalesce(Record.entry_date, func.date(Record.created_at))
        year = extract("year", day)
        month = extract("month", day)
        rows = session.execute(
            select(year, month, func.count(Record.id))
            .where(Record.facility_id == workspace.facility.id, Record.deleted_at.is_(None),
                   Record.status != "draft", visible, day >= start, day < end,
                   # the same window, said so that an index on the dates can serve it
                   or_(and_(Record.entry_date >= start, Record.entry_date < end),
                       and_(Record.entry_date.is_(None),
                            Record.created_at >= _midnight(start, -1),
                            Record.created_at < _midnight(end, 1))))
            .group_by(year, month))
        for row_year, row_month, count in rows:
            if row_year is None or row_month is None:
                continue
            counted[(int(row_year), int(row_month))] = int(count)
    return MonthlyRecords([MonthCount(y, m, counted.get((y, m), 0)) for y, m in slots], units)


def subjects_by_status(session: Session, workspace: Workspace) -> list[tuple[str, int]] | None:
    """(status, number of subjects) of the facility, most first; None when the user may view
    none of the units that register subjects."""
    if not any(workspace.permissions.can(unit_id, "view")
               for unit_id in workspace.subject_units):
        return None
    rows = session.execute(
        select(Subject.status, func.count(Subject.id))
        .where(Subject.facility_id == workspace.facility.id)
        .group_by(Subject.status))
    return sorted(((content_text(status) if status else _("(없음)"), int(count))
                   for status, count in rows),
                  key=lambda item: (-item[1], item[0]))
