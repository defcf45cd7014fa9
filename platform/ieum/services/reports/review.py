"""Reports on the recipient's side: a 시·군·구 official (public role ``region_official``; the
recipient ``region`` of a report kind) sees the reports and facilities of the regions their
role covers, and accepts or returns a submitted report with a reason by completing the
decision task of its review process (the process the reporting unit names in
``reports.review``).

Another region's report, or a report never submitted, is "not found" (404): its existence is
not revealed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ieum.access.audit import record_event
from ieum.access.officials import PublicRoles, public_roles
from ieum.i18n import gettext as _
from ieum.services import ServiceError
from ieum.services.conflicts import refuse_conflicts
from ieum.services.reports.lifecycle import (
    STALE,
    ReportPage,
    ReportQuery,
    audit_view,
    check_version,
    page_of,
    ready_tasks,
)
from ieum.services.workflows import Runtime, complete_in
from ieum.store.models import Facility, ProcessInstance, Task, User, utcnow
from ieum.store.models_reports import Report, ReportSubmission

#: The public role of the officials who receive reports of the recipient ``region``.
ROLE = "region_official"
DECISIONS = {"approve": "접수", "return": "반려"}


def official_roles(session: Session, user: User, today: dt.date) -> PublicRoles:
    """The user's public roles; 403 unless one of them is a region official's."""
    roles = public_roles(session, user, today)
    if not roles.has(ROLE):
        raise ServiceError(_("시·군·구 담당공무원만 볼 수 있습니다."), status=403)
    return roles


def _region_filter(roles: PublicRoles) -> Any:
    if roles.national:
        return Facility.id.is_not(None)
    return Facility.region_code.in_(sorted(roles.regions))


def region_facilities(session: Session, roles: PublicRoles, text: str = "") -> list[Facility]:
    statement = select(Facility).where(_region_filter(roles))
    if text.strip():
        statement = statement.where(Facility.name.contains(text.strip()[:100]))
    return list(session.scalars(statement.order_by(Facility.region_code, Facility.name)))


def regional_reports(session: Session, roles: PublicRoles, query: ReportQuery) -> ReportPage:
    statement = (select(Report).join(Facility, Report.facility_id == Facility.id)
                 .where(_region_filter(roles), Report.status != "draft"))
    return page_of(session, statement, query)


def status_counts(session: Session, roles: PublicRoles) -> dict[str, int]:
    rows = session.execute(
        select(Report.status, func.count(Report.id)).join(
            Facility, Report.facility_id == Facility.id)
        .where(_region_filter(roles), Report.status != "draft").group_by(Report.status))
    return dict(rows.all())


@dataclass(frozen=True)
class Awaiting:
    """A decision task waiting for an official, with its report."""

    task: Task
    report: Report
    facility: Facility


def review_inbox(session: Session, roles: PublicRoles, *, limit: int = 200) -> list[Awaiting]:
    """The officials' inbox: ready decision tasks of report reviews in the covered regions
    (the review instances are those a submission started)."""
    rows = session.execute(
        select(Task, Report, Facility)
        .join(ProcessInstance, Task.instance_id == ProcessInstance.id)
        .join(ReportSubmission, ReportSubmission.instance_id == ProcessInstance.id)
        .join(Report, Report.id == ReportSubmission.report_id)
        .join(Facility, and_(Facility.id == Report.facility_id,
                             Facility.id == Task.facility_id))
        .where(Task.state == "ready", Task.role == ROLE, _region_filter(roles))
        .order_by(Report.due_date, Task.created_at).limit(limit))
    return [Awaiting(task, report, facility) for task, report, facility in rows]


def get_region_report(session: Session, roles: PublicRoles, report_id: int) -> Report:
    report = session.scalar(
        select(Report).join(Facility, Report.facility_id == Facility.id)
        .where(Report.id == report_id, _region_filter(roles), Report.status != "draft"))
    if report is None:
        # a draft that was returned before keeps its submissions: officials see those
        report = session.scalar(
            select(Report).join(Facility, Report.facility_id == Facility.id)
            .where(Report.id == report_id, _region_filter(roles))
            .where(Report.submissions.any()))
    if report is None:
        raise ServiceError(_("보고서를 찾을 수 없습니다."), status=404)
    return report


def view_region_report(session: Session, roles: PublicRoles, report_id: int,
                       rt: Runtime) -> Report:
    report = get_region_report(session, roles, report_id)
    audit_view(session, rt.registry, report, rt.actor, by="official")
    return report


def pending_task(session: Session, report: Report) -> Task | None:
    submission = next((s for s in report.submissions if s.outcome == "pending"), None)
    if submission is None or submission.instance_id is None:
        return None
    return next((t for t in ready_tasks(session, submission.instance_id)
                 if t.role == ROLE), None)


def _decision(data: Mapping[str, Any]) -> tuple[str, str | None]:
    decision = str(data.get("decision") or "")
    if decision not in DECISIONS:
        raise ServiceError(_("접수 또는 반려를 고르세요."), field="decision")
    reason = str(data.get("reason") or "").strip()
    if decision == "return" and not reason:
        raise ServiceError(_("반려 사유를 적어 주세요."), field="reason")
    if len(reason) > 2000:
        raise ServiceError(_("사유는 2,000자까지 적을 수 있습니다."), field="reason")
    return decision, reason or None


@refuse_conflicts(STALE)
def decide(session: Session, rt: Runtime, user: User, roles: PublicRoles, report_id: int,
           data: Mapping[str, Any], expected_version: int | None) -> Report:
    """Accept (접수) or return (반려, with a reason) a submitted report."""
    report = get_region_report(session, roles, report_id)
    decision, reason = _decision(data)
    check_version(report, expected_version)
    task = pending_task(session, report) if report.status == "submitted" else None
    if task is None:
        raise ServiceError(_("검토를 기다리는 보고서가 아닙니다. 화면을 새로 고치세요."),
                           status=409)
    complete_in(session, rt, task, {"decision": decision, "reason": reason,
                                    "decided_by": user.id}, completed_by=user.id)
    submission = next(s for s in report.submissions if s.instance_id == task.instance_id)
    now = utcnow()
    submission.outcome = "accepted" if decision == "approve" else "returned"
    submission.decided_at = now
    submission.decided_by_id = user.id
    submission.reason = reason
    report.status = submission.outcome
    report.decided_at = now
    report.return_reason = reason if decision == "return" else None
    session.flush()
    record_event(session, f"report.{'accept' if decision == 'approve' else 'return'}",
                 rt.actor, facility_id=report.facility_id, target_type="report",
                 target_id=report.id, detail={"kind": report.kind, "period": report.period_key,
                                              "number": submission.number, "reason": reason})
    session.commit()
    return report


def facility_of(session: Session, report: Report) -> Facility:
    return session.get(Facility, report.facility_id)
