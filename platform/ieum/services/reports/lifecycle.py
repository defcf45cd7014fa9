"""Reports on the facility side: generate (and regenerate) a draft from the records, note,
check, submit; the list and the detail with every submission's history.

A report kind belongs to a reporting unit (``reports:`` in its manifest). Staff with
``create``/``update`` on that unit prepare a report; only the facility head (a role that
``administers`` the facility) submits it. Submitting stores a copy of the snapshot as a
``report_submission`` and starts the unit's review process (``reports.review``), whose
decision task waits for the recipient's officials. A returned report can be regenerated and
submitted again; each submission stays as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.definitions import Registry
from ieum.definitions.report_kinds import ReportKind
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError
from ieum.services.admin.facilities import administering_role
from ieum.services.conflicts import refuse_conflicts
from ieum.services.reports.content import Generated, generate
from ieum.services.reports.periods import (
    STATUS_TITLES,
    due_date,
    get_kind,
    kinds_for,
    parse_period,
    reporting_units,
)
from ieum.services.workflows import Runtime, complete_in, start_in
from ieum.services.workspace import Workspace
from ieum.store.models import Facility, ProcessInstance, Task, User, utcnow
from ieum.store.models_reports import Report, ReportReminder, ReportSubmission

STALE = _l("다른 사용자가 먼저 이 보고서를 바꾸었습니다. 화면을 새로 고친 뒤 다시 하세요.")
EDITABLE = ("draft", "returned")
PER_PAGE = 20


def require(registry: Registry, workspace: Workspace, action: str,
            unit_id: str | None = None) -> list[str]:
    """The reporting units of the facility in which the user may ``action`` (a 404 when the
    facility has none, or not ``unit_id``; a 403 when the user may not): with ``unit_id``,
    only that unit."""
    if workspace.facility is None:
        raise ServiceError(_("기관을 찾을 수 없습니다."), status=404)
    units = reporting_units(registry, registry.profiles.get(workspace.facility.profile_code))
    if unit_id is not None:
        units = [unit for unit in units if unit == unit_id]
    if not units:
        raise ServiceError(_("메뉴를 찾을 수 없습니다."), status=404)
    allowed = [unit for unit in units if workspace.permissions.can(unit, action)]
    if not allowed:
        raise ServiceError(_("이 작업을 할 권한이 없습니다."), status=403)
    return allowed


def kind_of(registry: Registry, report: Report) -> ReportKind:
    """The kind of ``report`` (404 if the content no longer declares it)."""
    return get_kind(registry, report.kind)


def people_of(session: Session, report: Report) -> dict[int, str]:
    """Names of the people who generated, submitted and decided the report."""
    ids = {report.generated_by_id} | {s.submitted_by_id for s in report.submissions} \
        | {s.decided_by_id for s in report.submissions if s.decided_by_id}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def facility_kinds(registry: Registry, facility: Facility) -> list[ReportKind]:
    return kinds_for(registry, registry.profiles.get(facility.profile_code))


def kinds_to_create(registry: Registry, workspace: Workspace) -> list[ReportKind]:
    """The kinds the facility makes whose reporting unit the user may ``create`` in."""
    return [kind for kind in facility_kinds(registry, workspace.facility)
            if workspace.permissions.can(kind.unit, "create")]


def kinds_of(registry: Registry, units: list[str]) -> dict[str, ReportKind]:
    """Every kind the reporting ``units`` declare, by id (reports of them may exist even
    where the facility no longer makes the kind)."""
    return {kind.id: kind for kind in registry.report_kinds.values() if kind.unit in units}


def unit_parameters(registry: Registry, facility: Facility, kind: ReportKind
                    ) -> dict[str, Any]:
    """The parameters of the units the kind reads and of its reporting unit, as the
    facility's profile sets them."""
    profile = registry.profiles[facility.profile_code]
    merged: dict[str, Any] = {}
    for unit_id in (*kind.reads, kind.unit):
        if unit_id in profile.unit_ids:
            merged.update(profile.parameters_for(unit_id))
    return merged


def check_version(report: Report, expected: int | None) -> None:
    if expected is None:
        raise ServiceError(_("보고서의 버전(version)이 필요합니다."), field="version")
    if expected != report.version:
        raise ServiceError(str(STALE), status=409)


# --- reading -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportQuery:
    kind: str | None = None
    status: str | None = None
    period: str = ""
    facility_id: int | None = None
    sort: str = "due"  # "due", "updated", "period"
    page: int = 1


def parse_query(args: Mapping[str, Any], kinds: Mapping[str, Any]) -> ReportQuery:
    """The list's filters from a query string; unknown values are ignored, never an error."""
    kind = args.get("kind") if args.get("kind") in kinds else None
    status = args.get("status") if args.get("status") in STATUS_TITLES else None
    sort = args.get("sort") if args.get("sort") in ("due", "updated", "period") else "due"
    try:
        page = max(1, min(int(args.get("page") or 1), 10_000))
    except (TypeError, ValueError):
        page = 1
    try:
        facility_id = int(args["facility"]) if args.get("facility") else None
    except (TypeError, ValueError):
        facility_id = None
    return ReportQuery(kind, status, str(args.get("period") or "").strip()[:16], facility_id,
                       sort, page)


@dataclass(frozen=True)
class ReportPage:
    items: list[Report]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))


def page_of(session: Session, statement: Any, query: ReportQuery) -> ReportPage:
    if query.kind:
        statement = statement.where(Report.kind == query.kind)
    if query.status:
        statement = statement.where(Report.status == query.status)
    if query.period:
        statement = statement.where(Report.period_key.contains(query.period.upper()))
    if query.facility_id:
        statement = statement.where(Report.facility_id == query.facility_id)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    order = {"due": (Report.due_date.desc(), Report.id.desc()),
             "updated": (Report.updated_at.desc(), Report.id.desc()),
             "period": (Report.period_start.desc(), Report.kind)}[query.sort]
    items = session.scalars(statement.order_by(*order).limit(PER_PAGE)
                            .offset((query.page - 1) * PER_PAGE)).all()
    return ReportPage(list(items), total, query.page)


def list_reports(session: Session, registry: Registry, workspace: Workspace,
                 query: ReportQuery) -> ReportPage:
    units = require(registry, workspace, "view")
    statement = select(Report).where(Report.facility_id == workspace.facility.id,
                                     Report.kind.in_(sorted(kinds_of(registry, units))))
    return page_of(session, statement, query)


def get_report(session: Session, registry: Registry, workspace: Workspace,
               report_id: int, action: str = "view") -> Report:
    """The facility's report (404 if not there) that the user may ``action`` (403)."""
    require(registry, workspace, "view")
    report = session.scalar(select(Report).where(Report.id == report_id,
                                                 Report.facility_id == workspace.facility.id))
    kind = registry.report_kinds.get(report.kind) if report is not None else None
    if report is None or kind is None:
        raise ServiceError(_("보고서를 찾을 수 없습니다."), status=404)
    require(registry, workspace, action, kind.unit)
    return report


def audit_view(session: Session, registry: Registry, report: Report, actor: Actor, *,
               by: str) -> None:
    """A report naming people (입소자, 종사자, 후원자) is personal data: log every view."""
    kind = registry.report_kinds.get(report.kind)
    if kind is None or kind.personal:
        record_event(session, "report.view", actor, facility_id=report.facility_id,
                     target_type="report", target_id=report.id,
                     detail={"kind": report.kind, "period": report.period_key, "by": by})
        session.commit()


def view_report(session: Session, registry: Registry, workspace: Workspace, report_id: int,
                actor: Actor) -> Report:
    report = get_report(session, registry, workspace, report_id)
    audit_view(session, registry, report, actor, by="facility")
    return report


# --- writing -------------------------------------------------------------------------------

def _apply(report: Report, generated: Generated, user_id: int) -> None:
    report.content = generated.content
    report.problems = generated.problems
    report.generated_at = utcnow()
    report.generated_by_id = user_id


@refuse_conflicts(STALE)
def generate_report(session: Session, registry: Registry, workspace: Workspace, kind_id: str,
                    period_key: str | None, today: dt.date, actor: Actor) -> Report:
    """Create the draft of ``kind`` for the period, or regenerate it if it exists and is
    still a draft or was returned (a submitted or accepted report is not touched: 409)."""
    kind = get_kind(registry, kind_id)
    if kind not in facility_kinds(registry, workspace.facility):
        raise ServiceError(_("이 기관이 할 수 없는 보고입니다."), field="kind", status=404)
    period = parse_period(kind, period_key)
    existing = session.scalar(select(Report).where(
        Report.facility_id == workspace.facility.id, Report.kind == kind.id,
        Report.period_key == period.key))
    if existing is not None:
        return regenerate_report(session, registry, workspace, existing.id, existing.version,
                                 today, actor)
    require(registry, workspace, "create", kind.unit)
    generated = generate(session, registry, workspace.facility, kind, period, today,
                         unit_parameters(registry, workspace.facility, kind))
    report = Report(facility_id=workspace.facility.id, kind=kind.id, period_key=period.key,
                    period_start=period.start, period_end=period.end,
                    due_date=due_date(kind, period), status="draft",
                    generated_by_id=workspace.user.id)
    _apply(report, generated, workspace.user.id)
    session.add(report)
    session.flush()
    record_event(session, "report.generate", actor, facility_id=report.facility_id,
                 target_type="report", target_id=report.id,
                 detail={"kind": kind.id, "period": period.key,
                         "errors": len(generated.errors)})
    session.commit()
    return report


@refuse_conflicts(STALE)
def regenerate_report(session: Session, registry: Registry, workspace: Workspace,
                      report_id: int, expected_version: int | None, today: dt.date,
                      actor: Actor) -> Report:
    """Rebuild the snapshot from the records as they are now (보고서 다시 만들기)."""
    report = get_report(session, registry, workspace, report_id, "update")
    check_version(report, expected_version)
    if report.status not in EDITABLE:
        raise ServiceError(_("제출한 보고서는 다시 만들 수 없습니다. 반려된 뒤에 고칠 수 "
                             "있습니다."),
                           status=409)
    kind = kind_of(registry, report)
    period = parse_period(kind, report.period_key)
    _apply(report, generate(session, registry, workspace.facility, kind, period, today,
                            unit_parameters(registry, workspace.facility, kind)),
           workspace.user.id)
    session.flush()
    record_event(session, "report.regenerate", actor, facility_id=report.facility_id,
                 target_type="report", target_id=report.id,
                 detail={"kind": report.kind, "period": report.period_key})
    session.commit()
    return report


@refuse_conflicts(STALE)
def update_note(session: Session, registry: Registry, workspace: Workspace, report_id: int,
                note: str | None, expected_version: int | None, actor: Actor) -> Report:
    """The facility's remarks sent with the report (보고 의견, e.g. what was corrected)."""
    report = get_report(session, registry, workspace, report_id, "update")
    check_version(report, expected_version)
    if report.status not in EDITABLE:
        raise ServiceError(_("제출한 보고서는 고칠 수 없습니다."), status=409)
    text = (note or "").strip()
    if len(text) > 2000:
        raise ServiceError(_("의견은 2,000자까지 적을 수 있습니다."), field="note")
    report.note = text or None
    session.flush()
    record_event(session, "report.note", actor, facility_id=report.facility_id,
                 target_type="report", target_id=report.id)
    session.commit()
    return report


def _comparable(content: Mapping[str, Any]) -> tuple[Any, Any]:
    return content.get("figures"), content.get("tables")


@refuse_conflicts(STALE)
def submit_report(session: Session, rt: Runtime, workspace: Workspace, report_id: int,
                  expected_version: int | None) -> Report:
    """The facility head submits the checked report to the 시·군·구."""
    report = get_report(session, rt.registry, workspace, report_id)
    if not workspace.permissions.administers:
        raise ServiceError(_("보고서는 시설장(기관관리자)만 제출할 수 있습니다."), status=403)
    check_version(report, expected_version)
    if report.status not in EDITABLE:
        raise ServiceError(_("이미 제출한 보고서입니다."), status=409)
    kind = kind_of(rt.registry, report)
    period = parse_period(kind, report.period_key)
    fresh = generate(session, rt.registry, workspace.facility, kind, period, rt.today,
                     unit_parameters(rt.registry, workspace.facility, kind))
    if _comparable(fresh.content) != _comparable(report.content):
        raise ServiceError(_("보고서를 만든 뒤 기록이 바뀌었습니다. 보고서를 다시 "
                             "만들어 확인한 뒤 제출하세요."), status=409)
    report.problems = fresh.problems
    if fresh.errors:
        raise ServiceError(_("점검에서 오류가 나온 보고서는 제출할 수 없습니다: %(errors)s",
                             errors=" / ".join(fresh.errors)), status=409)
    number = len(report.submissions) + 1
    title = f"{kind.title} {period.title} · {workspace.facility.name}"
    submission = ReportSubmission(number=number, content=report.content, note=report.note,
                                  submitted_by_id=workspace.user.id)
    report.submissions.append(submission)
    session.flush()
    review = rt.registry.unit_functions[kind.unit].reports.review
    instance = start(session, rt, workspace.facility, kind, review,
                     {"report_id": report.id, "submission_id": submission.id},
                     started_by=workspace.user.id, title=f"{title} 검토")
    submission.instance_id = instance.id
    report.status = "submitted"
    report.submitted_at = utcnow()
    report.decided_at = None
    close_reminder(session, rt, report, workspace.user.id)
    session.flush()
    record_event(session, "report.submit", rt.actor, facility_id=report.facility_id,
                 target_type="report", target_id=report.id,
                 detail={"kind": report.kind, "period": report.period_key, "number": number,
                         "process_instance": instance.id})
    session.commit()
    return report


def close_reminder(session: Session, rt: Runtime, report: Report, user_id: int) -> None:
    """The deadline reminder of this kind and period is done once the report is submitted."""
    reminder = session.scalar(select(ReportReminder).where(
        ReportReminder.facility_id == report.facility_id, ReportReminder.kind == report.kind,
        ReportReminder.period_key == report.period_key))
    if reminder is None:
        return
    for task in ready_tasks(session, reminder.instance_id):
        complete_in(session, rt, task, {"report_id": report.id}, completed_by=user_id)


def head_role(registry: Registry, facility: Facility) -> str:
    return administering_role(registry, facility.profile_code)


# --- the processes of a reporting unit ---------------------------------------------------

def start(session: Session, rt: Runtime, facility: Facility, kind: ReportKind, process_id: str,
          data: Mapping[str, Any], *, started_by: int | None, title: str) -> ProcessInstance:
    """Start ``process_id`` of the kind's reporting unit for ``facility`` (the one process
    runner, ``workflows.start_in``); its first tasks get ``title``."""
    instance = start_in(session, rt, facility.id, kind.unit, process_id, subject_id=None,
                        data=data, started_by=started_by)
    for task in ready_tasks(session, instance.id):
        task.title = title[:200]
    return instance


def ready_tasks(session: Session, instance_id: int) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.instance_id == instance_id,
                                                   Task.state == "ready").order_by(Task.id)))
