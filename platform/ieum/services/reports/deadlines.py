"""The deadline calendar of reports (seed 000 §6) and its reminders.

For each kind a facility reports, the calendar lists the periods whose due date falls within
``WINDOW_DAYS`` before or after today, with the report's state. A period not yet submitted
becomes a reminder ``remind_days`` (a parameter of the kind's reporting unit, default 7)
before its due date: the scheduler tick (``ieum tick``; :func:`issue_reminders` is a ticker,
entry-point group ``ieum.tickers``) starts the unit's ``reports.reminder`` process for it,
whose task waits in the facility head's inbox with the due date (so it counts on the
dashboard, and as overdue after the deadline) until the report is submitted. No daemon of
its own: the existing tick runs it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.definitions import Registry
from ieum.definitions.report_kinds import ReportKind
from ieum.i18n import gettext as _
from ieum.services.reports.lifecycle import facility_kinds, head_role, start
from ieum.services.reports.periods import Period, due_date, period_containing, reporting_units
from ieum.services.workflows import Runtime
from ieum.store.models import Facility
from ieum.store.models_reports import Report, ReportReminder
from ieum.workflow.functions import ServiceFunction

WINDOW_DAYS = 92
#: Reminders are issued for reports at most this long overdue: a facility that starts using
#: ieum is not flooded with tasks for months it reported on paper (the calendar shows them).
REMIND_OVERDUE_DAYS = 31
DONE = ("submitted", "accepted")


@dataclass(frozen=True)
class Entry:
    kind: ReportKind
    period: Period
    due: dt.date
    report: Report | None
    state: str  # "done", "overdue", "soon", "upcoming"
    days_left: int

    @property
    def state_title(self) -> str:
        return {"done": _("제출함"), "overdue": _("기한 지남"), "soon": _("기한 임박"),
                "upcoming": _("예정")}[self.state]


def _periods(kind: ReportKind, first: dt.date, last: dt.date) -> list[Period]:
    """Periods of ``kind`` whose due date is between ``first`` and ``last``."""
    found = []
    period = period_containing(kind.period, first - dt.timedelta(days=400))
    while True:
        due = due_date(kind, period)
        if due > last:
            break
        if due >= first:
            found.append(period)
        period = period_containing(kind.period, period.end + dt.timedelta(days=1))
    return found


def remind_days(registry: Registry, facility: Facility, unit_id: str | None = None) -> int:
    """How many days before a due date the reminder comes: the parameter ``remind_days`` of
    the reporting unit (``unit_id``, else the facility's first), default 7."""
    profile = registry.profiles.get(facility.profile_code)
    units = reporting_units(registry, profile)
    if unit_id is not None:
        units = [unit for unit in units if unit == unit_id]
    if profile is None or not units:
        return 0
    value = profile.parameters_for(units[0]).get("remind_days", 7)
    return value if isinstance(value, int) and not isinstance(value, bool) else 7


def calendar(session: Session, registry: Registry, facility: Facility,
             today: dt.date) -> list[Entry]:
    """Upcoming and overdue reports of the facility, by due date."""
    return between(session, registry, facility, today - dt.timedelta(days=WINDOW_DAYS),
                   today + dt.timedelta(days=WINDOW_DAYS), today)


def between(session: Session, registry: Registry, facility: Facility, first: dt.date,
            last: dt.date, today: dt.date) -> list[Entry]:
    """The facility's reports due from ``first`` to ``last`` (e.g. a month of the calendar
    page), with their state on ``today``, by due date."""
    reports = {(r.kind, r.period_key): r for r in session.scalars(
        select(Report).where(Report.facility_id == facility.id, Report.due_date >= first,
                             Report.due_date <= last))}
    entries = []
    for kind in facility_kinds(registry, facility):
        soon = remind_days(registry, facility, kind.unit)
        for period in _periods(kind, first, last):
            due = due_date(kind, period)
            report = reports.get((kind.id, period.key))
            if report is not None and report.status in DONE:
                state = "done"
            elif due < today:
                state = "overdue"
            elif (due - today).days <= soon:
                state = "soon"
            else:
                state = "upcoming"
            entries.append(Entry(kind, period, due, report, state, (due - today).days))
    return sorted(entries, key=lambda e: (e.due, e.kind.id))


def counts(entries: list[Entry]) -> Mapping[str, int]:
    tally = {"overdue": 0, "soon": 0, "upcoming": 0, "done": 0}
    for entry in entries:
        tally[entry.state] += 1
    return tally


def issue_reminders(session: Session, registry: Registry,
                    functions: Mapping[str, ServiceFunction], today: dt.date) -> int:
    """Start a reminder for each report that is due soon (or overdue) and not submitted,
    once per facility, kind and period. Returns how many were started."""
    started = 0
    profiles = {code for code, profile in registry.profiles.items()
                if reporting_units(registry, profile)}
    if not profiles:
        return 0
    facilities = session.scalars(select(Facility).where(Facility.profile_code.in_(
        sorted(profiles))).order_by(Facility.id)).all()
    for facility in facilities:
        known = set(session.execute(select(ReportReminder.kind, ReportReminder.period_key)
                                    .where(ReportReminder.facility_id == facility.id)).all())
        for entry in calendar(session, registry, facility, today):
            reminder = registry.unit_functions[entry.kind.unit].reports.reminder
            if reminder is None or entry.state not in ("soon", "overdue") \
                    or entry.days_left < -REMIND_OVERDUE_DAYS \
                    or (entry.kind.id, entry.period.key) in known:
                continue
            rt = Runtime(registry, functions, today, Actor(login="system:tick"))
            title = (f"{entry.kind.title} {entry.period.title} 제출 "
                     f"(기한 {entry.due:%Y-%m-%d})")
            try:
                instance = start(
                    session, rt, facility, entry.kind, reminder,
                    {"head_role": head_role(registry, facility),
                     "due_in_days": entry.days_left, "kind": entry.kind.id,
                     "period": entry.period.key}, started_by=None, title=title)
                session.add(ReportReminder(facility_id=facility.id, kind=entry.kind.id,
                                           period_key=entry.period.key, due_date=entry.due,
                                           instance_id=instance.id))
                session.flush()
            except IntegrityError:  # another tick issued it first
                session.rollback()
                continue
            record_event(session, "report.remind", rt.actor, facility_id=facility.id,
                         target_type="process_instance", target_id=instance.id,
                         detail={"kind": entry.kind.id, "period": entry.period.key,
                                 "due": entry.due.isoformat()})
            session.commit()
            started += 1
    return started
