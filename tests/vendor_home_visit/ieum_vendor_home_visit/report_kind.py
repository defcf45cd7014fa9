"""The report kind 방문상담 실적보고: the home visits a facility made in a month, reported to
the 시·군·구.

Everything about the report kind is in this one file, so that it can follow the kernel's
report-kind format as that settles:

- ``KIND`` declares it as data, in the shape of one item of a unit manifest's
  ``reports: kinds:`` (period, due rule, recipient, the units it reads, and figures that are
  counts of saved records where an expression holds);
- :func:`generate` is the Python generator registered in the entry-point group
  ``ieum.report_generators`` under the name the kind gives in ``generator:``, for what the data
  cannot say: the number of distinct subjects visited. It is called with the report being
  built (``build``): it reads ``build.session``, ``build.facility`` and ``build.basis`` (the
  period, with ``start`` and ``end``) and adds with ``build.figure(key, title, value, unit)``
  and ``build.sources`` (ids of the records behind the figures);
- :func:`preview` computes the report of the current month for the 방문상담 현황 page: the
  data figures (each ``where`` evaluated by the kernel's expression language on every saved
  record), then the generator.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.expressions import compile_expression
from ieum.store.models import Facility, Record
from ieum_vendor_home_visit import SAVED, UNIT, VISIT_FORM

KIND_ID = "vendor_home_visit_monthly"
_IN_PERIOD = "period_start <= visit_date <= period_end"

KIND: Mapping[str, Any] = {
    "id": KIND_ID,
    "title": "방문상담 실적보고",
    "description": "한 달 동안의 방문상담 건수와 상담 대상자 수를 시·군·구에 보고합니다.",
    "period": "month",
    "due": {"from": "end", "months": 1, "day": 10},  # 다음 달 10일까지
    "recipient": "region",  # the 시·군·구 of the facility
    "reads": [UNIT],
    "figures": [
        {"key": "visits", "title": "방문상담", "unit": "건",
         "count": {"form": VISIT_FORM, "where": _IN_PERIOD}},
        {"key": "home_visits", "title": "가정방문", "unit": "건",
         "count": {"form": VISIT_FORM, "where": f"{_IN_PERIOD} and place == 'home'"}},
        {"key": "followups_needed", "title": "후속조치 필요", "unit": "건",
         "count": {"form": VISIT_FORM, "where": f"{_IN_PERIOD} and followup_needed"}},
    ],
    "generator": KIND_ID,
}


def saved(session: Session, facility: Facility, form_id: str) -> list[Record]:
    """The facility's saved (not draft, not deleted) records of ``form_id`` in this unit."""
    return list(session.scalars(select(Record).where(
        Record.facility_id == facility.id, Record.unit_function == UNIT,
        Record.form_id == form_id, Record.status.in_(SAVED),
        Record.deleted_at.is_(None)).order_by(Record.id)))


def generate(build: Any) -> None:
    """상담 대상자: the distinct subjects of the visits in the period."""
    start, end = build.basis.start.isoformat(), build.basis.end.isoformat()
    visits = [row for row in saved(build.session, build.facility, VISIT_FORM)
              if start <= str(row.data.get("visit_date") or "")[:10] <= end]
    build.figure("subjects", "상담 대상자",
                 len({row.subject_id for row in visits if row.subject_id is not None}), "명")
    build.sources |= {row.id for row in visits}


@dataclass(frozen=True)
class Month:
    key: str  # "2026-10"
    start: dt.date
    end: dt.date

    @property
    def title(self) -> str:
        return f"{self.start.year}년 {self.start.month}월"


def month_of(day: dt.date) -> Month:
    last = calendar.monthrange(day.year, day.month)[1]
    return Month(f"{day.year}-{day.month:02d}", day.replace(day=1), day.replace(day=last))


@dataclass
class Preview:
    """A report being built, with what a generator uses."""

    session: Session
    facility: Facility
    basis: Month
    figures: list[dict[str, Any]] = field(default_factory=list)
    sources: set[int] = field(default_factory=set)

    def figure(self, key: str, title: str, value: int, unit: str = "") -> None:
        self.figures.append({"key": key, "title": title, "value": value, "unit": unit})


def preview(session: Session, facility: Facility, day: dt.date) -> Preview:
    """The report of ``day``'s month so far: the figures of ``KIND``, then the generator's."""
    build = Preview(session, facility, month_of(day))
    period = {"period_start": build.basis.start.isoformat(),
              "period_end": build.basis.end.isoformat()}
    for figure in KIND["figures"]:
        count = figure["count"]
        where = compile_expression(count["where"])
        rows = [row for row in saved(session, facility, count["form"])
                if where.evaluate({**row.data, **period}, today=day) is True]
        build.figure(figure["key"], figure["title"], len(rows), figure["unit"])
        build.sources |= {row.id for row in rows}
    generate(build)
    return build
