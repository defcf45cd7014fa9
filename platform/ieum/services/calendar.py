"""The facility calendar: one month of what falls due, for the signed-in user.

Three sources, each only as far as the user may see it:

* reports due (the deadline calendar of ``ieum.services.reports.deadlines``), when the user
  may view a reporting unit of the facility;
* tasks of the user's inbox (their own and their roles') with a due date;
* process timers (an instance's next timer, e.g. a reminder 30 days after a step) of the
  units the user may view.

Weeks start on Sunday, as Korean wall calendars do.
"""

from __future__ import annotations

import calendar as calendars
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.config import KST
from ieum.definitions import Registry
from ieum.i18n import LazyText, content_text, current_language, lazy_pgettext
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError
from ieum.services.notifications.tasks import reminder_processes
from ieum.services.reports.deadlines import between
from ieum.services.reports.periods import reporting_units
from ieum.services.workflows import tasks_due_between
from ieum.services.workspace import Workspace
from ieum.store.models import ProcessInstance

WEEKDAY_NAMES = (_l("일요일"), _l("월요일"), _l("화요일"), _l("수요일"), _l("목요일"),
                 _l("금요일"), _l("토요일"))


class _ShortDay(LazyText):
    """``일`` … ``토`` in Korean; elsewhere the first three letters of the day's name (a
    one-letter Korean msgid such as 월 would be ambiguous: Monday or month)."""

    __slots__ = ()

    def __str__(self) -> str:
        if current_language() == "ko":
            return self.message
        return str(WEEKDAY_NAMES["일월화수목금토".index(self.message)])[:3]


WEEKDAYS = tuple(_ShortDay(day) for day in "일월화수목금토")
KIND_TITLES = {
    "report": lazy_pgettext("calendar", "보고"),
    "task": lazy_pgettext("calendar", "업무"),
    "timer": lazy_pgettext("calendar", "시한"),
}
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True)
class Item:
    day: dt.date
    kind: str  # "report", "task", "timer"
    title: str
    endpoint: str
    args: dict[str, Any]
    state: str | None = None  # "overdue", "soon", "done", "upcoming"
    state_title: str | None = None
    time: str | None = None  # "HH:MM" of a timer

    @property
    def kind_title(self) -> str:
        return str(KIND_TITLES[self.kind])


@dataclass(frozen=True)
class Day:
    date: dt.date
    in_month: bool
    is_today: bool
    items: tuple[Item, ...] = ()

    @property
    def weekday(self) -> int:
        """0 Sunday .. 6 Saturday."""
        return (self.date.weekday() + 1) % 7

    @property
    def label(self) -> str:
        return _("%(month)s월 %(day)s일 %(weekday)s", month=self.date.month,
                 day=self.date.day, weekday=str(WEEKDAY_NAMES[self.weekday]))


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    weeks: list[list[Day]]
    today: dt.date
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def title(self) -> str:
        return _("%(year)s년 %(month)s월", year=self.year, month=self.month)

    @property
    def previous_key(self) -> str:
        first = dt.date(self.year, self.month, 1) - dt.timedelta(days=1)
        return f"{first.year}-{first.month:02d}"

    @property
    def next_key(self) -> str:
        last = dt.date(self.year, self.month, calendars.monthrange(self.year, self.month)[1])
        following = last + dt.timedelta(days=1)
        return f"{following.year}-{following.month:02d}"

    @property
    def today_key(self) -> str:
        return f"{self.today.year}-{self.today.month:02d}"


def parse_month(text: str | None, today: dt.date) -> tuple[int, int]:
    """``YYYY-MM`` (blank: this month); anything else is refused with a Korean message."""
    value = (text or "").strip()
    if not value:
        return today.year, today.month
    match = MONTH_PATTERN.match(value)
    if match is None or not 2000 <= int(match.group(1)) <= 2100 \
            or not 1 <= int(match.group(2)) <= 12:
        raise ServiceError(_("달은 ‘%(today)s’ 형식으로 입력하세요 (2000–2100년).",
                             today=today.strftime("%Y-%m")),
                           field="month")
    return int(match.group(1)), int(match.group(2))


def _report_items(session: Session, registry: Registry, workspace: Workspace,
                  first: dt.date, last: dt.date, today: dt.date) -> list[Item]:
    facility = workspace.facility
    units = [unit for unit in reporting_units(registry, registry.profiles.get(
        facility.profile_code)) if workspace.permissions.can(unit, "view")]
    if not units:
        return []
    items = []
    for entry in between(session, registry, facility, first, last, today):
        if entry.kind.unit not in units:
            continue
        if entry.report is not None:
            endpoint, args = "reports.detail", {"facility_code": facility.code,
                                                "report_id": entry.report.id}
        else:
            endpoint, args = "reports.deadlines", {"facility_code": facility.code}
        title = _("%(kind)s %(period)s 제출", kind=content_text(entry.kind.title),
                  period=entry.period.shown_title)
        items.append(Item(entry.due, "report", title, endpoint, args, entry.state,
                          entry.state_title))
    return items


def _task_items(session: Session, registry: Registry, workspace: Workspace, first: dt.date,
                last: dt.date, today: dt.date) -> list[Item]:
    """The user's tasks by due date; a report reminder's task is left out, since the
    report's own entry says the same on the same day."""
    reminders = reminder_processes(registry)
    items = []
    for task in tasks_due_between(session, workspace, first, last):
        if task.instance.process_id in reminders:
            continue
        overdue = task.due_date < today
        items.append(Item(task.due_date, "task", content_text(task.title or task.name),
                          "tasks.work",
                          {"facility_code": workspace.facility.code, "task_id": task.id},
                          "overdue" if overdue else None, _("기한 지남") if overdue else None))
    return items


def _timer_items(session: Session, registry: Registry, workspace: Workspace,
                 first: dt.date, last: dt.date) -> list[Item]:
    start = dt.datetime.combine(first, dt.time.min, KST)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, KST)
    rows = session.scalars(select(ProcessInstance).where(
        ProcessInstance.facility_id == workspace.facility.id,
        ProcessInstance.status == "running", ProcessInstance.next_timer_at >= start,
        ProcessInstance.next_timer_at < end).order_by(ProcessInstance.next_timer_at))
    items = []
    for instance in rows:
        if not workspace.permissions.can(instance.unit_function, "view"):
            continue
        moment = instance.next_timer_at
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        local = moment.astimezone(KST)
        process = registry.processes.get(instance.process_id)
        name = content_text(process.name) if process is not None and process.name \
            else _("업무 절차")
        items.append(Item(local.date(), "timer", _("%(name)s 시한 도래", name=name),
                          "tasks.instance",
                          {"facility_code": workspace.facility.code,
                           "instance_id": instance.id}, time=f"{local:%H:%M}"))
    return items


def month_view(session: Session, registry: Registry, workspace: Workspace,
               month: str | None, today: dt.date) -> Month:
    """The month ``month`` (``YYYY-MM``; blank: this month) of the user's facility."""
    if workspace.facility is None:
        raise ServiceError(_("기관을 찾을 수 없습니다."), status=404)
    year, number = parse_month(month, today)
    weeks = calendars.Calendar(firstweekday=calendars.SUNDAY).monthdatescalendar(year, number)
    first, last = weeks[0][0], weeks[-1][-1]  # the grid shows the days around the month too
    items = (_report_items(session, registry, workspace, first, last, today)
             + _task_items(session, registry, workspace, first, last, today)
             + _timer_items(session, registry, workspace, first, last))
    order = {"report": 0, "timer": 1, "task": 2}
    by_day: dict[dt.date, list[Item]] = {}
    for item in sorted(items, key=lambda i: (i.day, order[i.kind], i.time or "", i.title)):
        by_day.setdefault(item.day, []).append(item)
    grid = [[Day(day, day.month == number, day == today, tuple(by_day.get(day, ())))
             for day in week] for week in weeks]
    counts = {kind: sum(1 for item in items if item.kind == kind
                        and item.day.month == number and item.day.year == year)
              for kind in KIND_TITLES}
    return Month(year, number, grid, today, counts)
