"""The report kind 방문상담 실적보고: the home visits a facility made in a month, reported to
the 시·군·구.

The kind itself is data, in the unit's manifest (``reports: kinds:``): period, due rule,
recipient, and figures that are counts of saved visits where an expression holds; the
kernel's report engine computes them, and the 시·군·구 reviews the report with the shipped
library's ``report_review`` process. This module adds what the data cannot say:

- :func:`generate`, registered in the entry-point group ``ieum.report_generators`` under the
  name the kind gives in ``generator:``: the number of distinct subjects visited. It reads the
  report being built (``build.records``, ``build.basis``) and adds with ``build.figure`` and
  ``build.sources``;
- :func:`preview`, the report of the current month for the 방문상담 현황 page, built by the
  kernel's engine exactly as the report the facility will submit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from ieum.definitions import Registry
from ieum.services.reports import unit_parameters
from ieum.services.reports.content import Generated
from ieum.services.reports.content import generate as build_report
from ieum.services.reports.periods import get_kind, period_containing
from ieum.store.models import Facility
from ieum_vendor_home_visit import VISIT_FORM

KIND_ID = "vendor_home_visit_monthly"


def generate(build: Any) -> None:
    """상담 대상자: the distinct subjects of the visits in the period."""
    start, end = build.basis.start.isoformat(), build.basis.end.isoformat()
    visits = [row for row in build.records(VISIT_FORM)
              if start <= str(row.data.get("visit_date") or "")[:10] <= end]
    build.figure("subjects", "상담 대상자",
                 len({row.subject_id for row in visits if row.subject_id is not None}), "명")
    build.sources |= {row.id for row in visits}


def preview(session: Session, registry: Registry, facility: Facility,
            day: dt.date) -> Generated:
    """The report of ``day``'s month so far, as the kernel's report engine builds it."""
    kind = get_kind(registry, KIND_ID)
    return build_report(session, registry, facility, kind, period_containing(kind.period, day),
                        day, unit_parameters(registry, facility, kind))
