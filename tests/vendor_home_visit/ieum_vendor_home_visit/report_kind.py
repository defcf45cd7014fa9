"""The report kind 방문상담 실적보고: how many home visits a facility made in a month.

Everything about the report kind is in this one file, so that it can follow the kernel's
report-kind format as that settles: ``KIND`` is the declaration as data (period, due rule,
recipients, and the figures that are plain counts written as filters in the expression
language), and :func:`generate` is the Python generator registered in the entry-point group
``ieum.report_generators`` under the kind's id, for what data cannot say (the number of
distinct subjects). ``figures_for`` runs the generator for the 방문상담 현황 page.

The generator's contract is the kernel's today: ``generate(builder, session, facility,
period, params)``, where ``builder.figure(key, title, value, unit)`` adds a figure and
``builder.sources`` collects the ids of the records behind them; ``period`` has ``start``
and ``end`` dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.store.models import Facility, Record
from ieum_vendor_home_visit import SAVED, UNIT, VISIT_FORM

KIND_ID = "vendor_home_visit_monthly"
_IN_PERIOD = "visit_date >= period_start and visit_date <= period_end"

KIND: Mapping[str, Any] = {
    "id": KIND_ID,
    "title": "방문상담 실적보고",
    "description": "한 달 동안의 방문상담 건수와 상담 대상자 수를 시·군·구에 보고합니다.",
    "period": "month",
    "due": {"anchor": "end", "months": 1, "day": 10},  # 다음 달 10일까지
    "recipients": ["region"],  # 시·군·구 담당 공무원
    "units": [UNIT],
    "personal": False,  # figures only: no one is named
    "figures": [
        {"key": "visits", "title": "방문상담", "unit": "건",
         "count": VISIT_FORM, "where": _IN_PERIOD},
        {"key": "home_visits", "title": "가정방문", "unit": "건",
         "count": VISIT_FORM, "where": f'{_IN_PERIOD} and place == "home"'},
        {"key": "followups_needed", "title": "후속조치 필요", "unit": "건",
         "count": VISIT_FORM, "where": f"{_IN_PERIOD} and followup_needed"},
    ],
    "generator": KIND_ID,  # adds "subjects", which no count over records can express
}


def generate(builder: Any, session: Session, facility: Facility, period: Any,
             params: Mapping[str, Any]) -> None:
    """The figures of ``KIND`` for ``facility`` in ``period``, from saved visit records."""
    rows = session.scalars(select(Record).where(
        Record.facility_id == facility.id, Record.unit_function == UNIT,
        Record.form_id == VISIT_FORM, Record.status.in_(SAVED),
        Record.deleted_at.is_(None)).order_by(Record.id))
    start, end = period.start.isoformat(), period.end.isoformat()
    visits = [row for row in rows
              if isinstance(row.data.get("visit_date"), str)
              and start <= row.data["visit_date"][:10] <= end]
    builder.figure("visits", "방문상담", len(visits), "건")
    builder.figure("home_visits", "가정방문",
                   sum(row.data.get("place") == "home" for row in visits), "건")
    builder.figure("followups_needed", "후속조치 필요",
                   sum(row.data.get("followup_needed") is True for row in visits), "건")
    builder.figure("subjects", "상담 대상자",
                   len({row.subject_id for row in visits if row.subject_id}), "명")
    builder.sources.update(row.id for row in visits)


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
class Figures:
    """A minimal builder: the figures a generator adds, and the records behind them."""

    figures: list[dict[str, Any]] = field(default_factory=list)
    sources: set[int] = field(default_factory=set)

    def figure(self, key: str, title: str, value: int, unit: str = "") -> None:
        self.figures.append({"key": key, "title": title, "value": value, "unit": unit})


def figures_for(session: Session, facility: Facility, day: dt.date) -> tuple[Month, Figures]:
    """This month's figures so far, as the report would show them."""
    month = month_of(day)
    builder = Figures()
    generate(builder, session, facility, month, {})
    return month, builder
