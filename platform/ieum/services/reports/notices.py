"""Notices of report deadlines (a ticker, entry-point group ``ieum.tickers``).

When the deadline reminder of a report is issued (``deadlines.issue_reminders``, ``remind_days``
before the due date), the people its reminder task waits for (the facility head's role) get a
보고 기한 임박 notice; when the due date passes and the report is still not submitted, a
보고 기한 지남 notice. Each once per reminder (the notices' ``key``). A report submitted (or
accepted) gets no more notices.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ieum.definitions import Registry
from ieum.services import ServiceError
from ieum.services.notifications import notify
from ieum.services.notifications.tasks import recipients, role_holders
from ieum.services.reports.deadlines import DONE, REMIND_OVERDUE_DAYS
from ieum.services.reports.lifecycle import head_role, ready_tasks
from ieum.services.reports.periods import parse_period
from ieum.store.models import Facility
from ieum.store.models_notify import Notification
from ieum.store.models_reports import Report, ReportReminder
from ieum.workflow.functions import ServiceFunction

CHUNK = 500


def _key(reminder: ReportReminder, state: str) -> str:
    return f"report:{reminder.id}:{state}"


def notify_deadlines(session: Session, registry: Registry,
                     functions: Mapping[str, ServiceFunction], today: dt.date) -> int:
    """Give the due and overdue notices not given yet; how many notices were given."""
    rows = session.execute(
        select(ReportReminder, Facility)
        .join(Facility, Facility.id == ReportReminder.facility_id)
        .outerjoin(Report, and_(Report.facility_id == ReportReminder.facility_id,
                                Report.kind == ReportReminder.kind,
                                Report.period_key == ReportReminder.period_key))
        .where(ReportReminder.due_date >= today - dt.timedelta(days=REMIND_OVERDUE_DAYS),
               or_(Report.id.is_(None), Report.status.not_in(DONE)))
        .order_by(ReportReminder.id)).all()
    wanted = {_key(reminder, "overdue" if reminder.due_date < today else "due"):
              (reminder, facility) for reminder, facility in rows
              if reminder.kind in registry.report_kinds}
    given_keys: set[str] = set()
    keys = sorted(wanted)
    for start in range(0, len(keys), CHUNK):
        given_keys |= set(session.scalars(select(Notification.key).where(
            Notification.key.in_(keys[start:start + CHUNK]))))
    given = 0
    for key in keys:
        if key in given_keys:
            continue
        reminder, facility = wanted[key]
        kind = registry.report_kinds[reminder.kind]
        overdue = key.endswith(":overdue")
        try:
            period = parse_period(kind, reminder.period_key).title
        except ServiceError:
            period = reminder.period_key
        state = "지났습니다" if overdue else "다가왔습니다"
        title = f"{kind.title} {period} 제출 기한이 {state} (기한 {reminder.due_date:%Y-%m-%d})"
        people: list[int] = []
        for task in ready_tasks(session, reminder.instance_id):
            people += [user for user in recipients(session, task, today) if user not in people]
        if not people and facility.profile_code in registry.profiles:
            people = role_holders(session, facility.id, head_role(registry, facility), today)
        for user_id in people:
            if notify(session, user_id, "report_overdue" if overdue else "report_due", title,
                      ("reports.deadlines", {"facility_code": facility.code}),
                      facility_id=facility.id, key=key) is not None:
                given += 1
    try:
        session.commit()
    except IntegrityError:  # another server's tick gave them first: the next tick sees them
        session.rollback()
        return 0
    return given
