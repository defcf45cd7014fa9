"""Monitoring the catalog (사후관리): applications and decisions per program and month, and
published programs nobody applied to for a number of months (미활용 사업: candidates to retire).

Counts are computed in SQL with one conditional sum per month, so the query is the same on
SQLite and PostgreSQL and no application row leaves the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from ieum.config import KST
from ieum.store.models_catalog import Application, Program, ProgramVersion

DEFAULT_IDLE_MONTHS = 6
MAX_MONTHS = 36


def _month_start(day: dt.date, back: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def _days_in_month(first: dt.date) -> int:
    return (_month_start(first, -1) - first).days


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=KST)


@dataclass(frozen=True)
class ProgramActivity:
    code: str
    name: str
    status: str
    published_at: dt.datetime | None
    total: int
    open: int
    eligible: int
    ineligible: int
    automatic: int
    by_month: tuple[int, ...]
    last_application: dt.datetime | None
    idle: bool


@dataclass(frozen=True)
class Monitoring:
    months: tuple[str, ...]  # "2026-06", oldest first
    idle_months: int
    programs: tuple[ProgramActivity, ...]

    @property
    def idle(self) -> tuple[ProgramActivity, ...]:
        return tuple(p for p in self.programs if p.idle)


def monitoring(session: Session, today: dt.date, *, months: int = 12,
               idle_months: int = DEFAULT_IDLE_MONTHS) -> Monitoring:
    """Per program: totals, open, decisions, applications per month for the last ``months``
    months, the last application; ``idle`` when a published program had no application for
    ``idle_months`` months (counted from its publication when it never had one)."""
    months = max(1, min(months, MAX_MONTHS))
    idle_months = max(1, min(idle_months, MAX_MONTHS))
    starts = [_month_start(today, back) for back in range(months - 1, -1, -1)]
    ends = [*starts[1:], _month_start(today, -1)]
    per_month = [
        func.sum(case((and_(Application.created_at >= _moment(start),
                            Application.created_at < _moment(end)), 1), else_=0))
        for start, end in zip(starts, ends, strict=True)]
    statement = (
        select(Program.id,
               func.count(Application.id),
               func.sum(case((Application.status == "investigating", 1), else_=0)),
               func.sum(case((Application.decision == "eligible", 1), else_=0)),
               func.sum(case((Application.decision == "ineligible", 1), else_=0)),
               func.sum(case((Application.decided_by == "system", 1), else_=0)),
               func.max(Application.created_at),
               *per_month)
        .join(ProgramVersion, ProgramVersion.program_id == Program.id)
        .join(Application, Application.program_version_id == ProgramVersion.id)
        .group_by(Program.id))
    counts = {row[0]: row[1:] for row in session.execute(statement)}
    published_at = dict(session.execute(
        select(ProgramVersion.program_id, func.max(ProgramVersion.published_at))
        .group_by(ProgramVersion.program_id)).all())
    first = _month_start(today, idle_months)
    cutoff = _moment(first.replace(day=min(today.day, _days_in_month(first))))
    rows = []
    for program in session.scalars(select(Program).order_by(Program.name, Program.code)):
        found = counts.get(program.id)
        total, open_, eligible, ineligible, automatic, last = (
            (int(found[0] or 0), int(found[1] or 0), int(found[2] or 0), int(found[3] or 0),
             int(found[4] or 0), found[5]) if found else (0, 0, 0, 0, 0, None))
        by_month = tuple(int(v or 0) for v in found[6:]) if found else (0,) * months
        published = _aware(published_at.get(program.id))
        last = _aware(last)
        since = last or published
        idle = program.status == "published" and since is not None and since < cutoff
        rows.append(ProgramActivity(program.code, program.name, program.status, published,
                                    total, open_, eligible, ineligible, automatic, by_month,
                                    last, idle))
    return Monitoring(tuple(f"{s.year}-{s.month:02d}" for s in starts), idle_months,
                      tuple(rows))


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives naive UTC timestamps back; PostgreSQL aware ones."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)
