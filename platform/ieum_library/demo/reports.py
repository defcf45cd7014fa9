"""Demo of reports to the 시·군·구: two officials and reports in each state (``ieum demo``).

``official`` (region 11110, the children's home) and ``official2`` (region 11140, the elderly
care home), both ``region_official``. The elderly care home has an admission report accepted,
a staff report returned with a reason, and last month's admission report awaiting review; the
children's home has last month's admission report awaiting ``official``. Once per database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from ieum.access.audit import Actor
from ieum.access.officials import public_roles
from ieum.services import reports
from ieum.services.demo import DemoContext
from ieum.services.reports import review as reports_review
from ieum.store.models import Facility, User
from ieum.store.models_reports import Report

# The reports count what the chapters before them recorded in these facilities.
after = ("children", "elderly", "collaboration")

DEMO_OFFICIALS: tuple[dict[str, Any], ...] = (
    {"login": "official", "name": "종로구 주무관", "region": "11110"},
    {"login": "official2", "name": "중구 주무관", "region": "11140"},
)


def _month(today: dt.date, back: int) -> str:
    index = today.year * 12 + today.month - 1 - back
    return f"{index // 12}-{index % 12 + 1:02d}"


def load(context: DemoContext) -> dict[str, Any]:
    """The officials and, once, the reports; ``users``: the officials' logins to print."""
    session, registry, today = context.session, context.registry, context.today
    users = {spec["login"]: context.official(login=spec["login"], name=spec["name"],
                                             role="region_official",
                                             region_code=spec["region"])
             for spec in DEMO_OFFICIALS}
    codes = {"demo-child": "admin", "demo-elderly": "manager"}
    facilities = list(session.scalars(select(Facility).where(Facility.code.in_(list(codes)))))
    printed = {"users": [context.account(spec["login"], f"시·군·구 {spec['region']}",
                                         ["region_official"]) for spec in DEMO_OFFICIALS]}
    if len(facilities) != len(codes) or session.scalar(select(Report.id).where(
            Report.facility_id.in_([f.id for f in facilities])).limit(1)) is not None:
        return printed

    def submit(code: str, kind: str, period: str) -> Report:
        head = context.desk(codes[code], code)
        report = reports.generate_report(session, registry, head.workspace, kind, period,
                                         today, head.actor)
        return reports.submit_report(session, head.runtime(), head.workspace, report.id,
                                     report.version)

    def decide(report: Report, login: str, decision: str, reason: str | None = None) -> None:
        user: User = users[login]
        rt = context.runtime(Actor(user.id, user.login, "demo"))
        reports_review.decide(session, rt, user, public_roles(session, user, today), report.id,
                              {"decision": decision, "reason": reason}, report.version)

    decide(submit("demo-elderly", "admissions", _month(today, 2)), "official2", "approve")
    decide(submit("demo-elderly", "staff_changes", _month(today, 1)), "official2", "return",
           "이번 달 입사한 요양보호사의 인사카드가 빠졌습니다. 인사카드를 등록한 뒤 다시 "
           "제출하세요.")
    submit("demo-elderly", "admissions", _month(today, 1))
    submit("demo-child", "admissions", _month(today, 1))
    return printed
