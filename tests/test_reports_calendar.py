"""The deadline calendar and its reminders: due rules, and a reminder in the facility head's
inbox from ``remind_days`` before the deadline (through the scheduler tick), closed when the
report is submitted. Time is frozen; nothing waits on the wall clock."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from ieum.access.audit import Actor
from ieum.config import REPOSITORY_ROOT
from ieum.definitions import load_registry
from ieum.services import reports
from ieum.services.reports.deadlines import calendar
from ieum.services.reports.periods import due_date, parse_period
from ieum.services.workflows import InboxQuery, complete_task, inbox, inbox_counts, tick
from ieum.store.models import Facility
from tests.reportutil import make_report_app, runtime, workspace


@pytest.fixture
def app(make_app, migrated_url):
    return make_report_app(make_app, migrated_url)


def test_due_rules() -> None:
    KINDS = load_registry([REPOSITORY_ROOT]).report_kinds  # noqa: N806 - the shipped kinds

    def due(kind: str, key: str) -> str:
        return due_date(KINDS[kind], parse_period(KINDS[kind], key)).isoformat()

    assert due("admissions", "2026-10") == "2026-11-10"
    assert due("admissions", "2026-12") == "2027-01-10"
    assert due("staff_changes", "2026-09") == "2026-09-30"  # seed 001: by 9.30
    assert due("staff_changes", "2028-02") == "2028-02-29"
    assert due("subsidy_request", "2026-Q4") == "2026-09-30"  # seed 001: 4분기 by 9.30
    assert due("subsidy_request", "2027-Q1") == "2026-12-31"
    assert due("subsidy_settlement", "2025") == "2026-03-31"
    assert due("donations", "2025") == "2026-03-31"


def _tick(app, moment: str) -> int:
    with freeze_time(moment), app.extensions["ieum.database"].session() as session:
        return tick(session, app.extensions["ieum.registry"], app.extensions["ieum.functions"],
                    dt.datetime.now(dt.UTC))


def _reminders(app, login: str, day: dt.date) -> list[tuple[str, dt.date | None]]:
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as session:
        ws = workspace(session, registry, login, day)
        return [(t.title, t.due_date) for t in inbox(session, ws, InboxQuery(), day)
                if t.instance.process_id == "report_deadline"]


def test_reminders_appear_before_the_deadline_and_close_on_submission(app) -> None:
    registry = app.extensions["ieum.registry"]
    _tick(app, "2026-11-02 09:00:00+09:00")
    titles = [title for title, _due in _reminders(app, "head", dt.date(2026, 11, 2))]
    assert not any(t.startswith("입퇴소보고 2026년 10월") for t in titles)  # 8 days left
    assert any(t.startswith("종사자입퇴사보고 2026년 10월") for t in titles)  # overdue

    _tick(app, "2026-11-03 09:00:00+09:00")  # 7 days before 11-10
    day = dt.date(2026, 11, 3)
    due = dict(_reminders(app, "head", day))
    assert due["입퇴소보고 2026년 10월 제출 (기한 2026-11-10)"] == dt.date(2026, 11, 10)
    assert _reminders(app, "chief", day) == []  # the facility head's, not the team's
    with app.extensions["ieum.database"].session() as session:
        counts = inbox_counts(session, workspace(session, registry, "head", day), day)
        assert counts.roles >= 2 and counts.overdue >= 1  # dashboard counts include them

    assert _tick(app, "2026-11-03 09:05:00+09:00") == 0  # once per kind and period

    with freeze_time("2026-11-05"), app.extensions["ieum.database"].session() as session:
        day = dt.date(2026, 11, 5)
        report = reports.generate_report(session, registry, workspace(session, registry, "chief",
                                                                      day),
                                         "admissions", "2026-10", day, Actor(login="chief"))
        reports.submit_report(session, runtime(app, session, "head", day),
                              workspace(session, registry, "head", day), report.id,
                              report.version)
    titles = [title for title, _ in _reminders(app, "head", dt.date(2026, 11, 5))]
    assert not any(t.startswith("입퇴소보고 2026년 10월") for t in titles)


def test_the_calendar_lists_upcoming_overdue_and_done(app) -> None:
    registry = app.extensions["ieum.registry"]
    day = dt.date(2026, 11, 5)
    with app.extensions["ieum.database"].session() as session:
        facility = session.scalar(select(Facility).where(Facility.code == "home"))
        report = reports.generate_report(session, registry,
                                         workspace(session, registry, "chief", day),
                                         "admissions", "2026-09", day, Actor(login="chief"))
        reports.submit_report(session, runtime(app, session, "head", day),
                              workspace(session, registry, "head", day), report.id,
                              report.version)
        entries = {(e.kind.id, e.period.key): e for e in calendar(session, registry, facility,
                                                                    day)}
    assert entries[("admissions", "2026-09")].state == "done"
    assert entries[("admissions", "2026-10")].state == "soon"
    assert entries[("admissions", "2026-10")].days_left == 5
    assert entries[("staff_changes", "2026-10")].state == "overdue"
    assert entries[("admissions", "2026-12")].state == "upcoming"
    assert entries[("subsidy_request", "2027-Q1")].due == dt.date(2026, 12, 31)
    assert ("subsidy_settlement", "2025") not in entries  # due 2026-03-31: outside the window
    assert all(abs((e.due - day).days) <= 92 for e in entries.values())


def test_the_head_can_close_a_reminder_from_the_inbox(app) -> None:
    registry = app.extensions["ieum.registry"]
    _tick(app, "2026-11-03 09:00:00+09:00")
    day = dt.date(2026, 11, 3)
    with app.extensions["ieum.database"].session() as session:
        ws = workspace(session, registry, "head", day)
        task = next(t for t in inbox(session, ws, InboxQuery(), day)
                    if t.instance.process_id == "report_deadline")
        assert task.form_id == "report_reminder"
        before = len(inbox(session, ws, InboxQuery(), day))
        complete_task(session, runtime(app, session, "head", day), ws, task.id,
                      {"note": "해당 없음"})
        assert len(inbox(session, ws, InboxQuery(), day)) == before - 1
