"""Reports on the facility side: the list, generating, the report with its check, the
facility head's submission, the deadline calendar. The page of every reporting unit (a unit
whose manifest declares ``reports:``; its ``page:`` is ``reports.index``)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError, jobs
from ieum.services import reports as service
from ieum.services.reports.deadlines import calendar, counts, remind_days
from ieum.services.reports.periods import PERIOD_TITLES, STATUS_TITLES
from ieum.services.workflows import Runtime
from ieum.services.workspace import Workspace, open_workspace
from ieum.web import jobs as jobs_web
from ieum.web.context import actor_for, db_session, functions, registry, today

bp = Blueprint("reports", __name__, url_prefix="/f/<facility_code>/reports")
EXAMPLES = {"month": _l("예: 2026-10"), "quarter": _l("예: 2026-Q4"), "year": _l("예: 2025")}


def _workspace(facility_code: str) -> Workspace:
    return open_workspace(db_session(), registry(), current_user.row, facility_code, today())


def _page(ws: Workspace, units: list[str], **context):  # noqa: ANN003, ANN202
    """What every reports page shows: ``units`` are the reporting units the user may view
    (the first one is the menu entry marked active)."""
    content = registry()
    kinds = service.kinds_of(content, units)
    return dict(ws=ws, profile=content.profiles[ws.facility.profile_code],
                unit=content.unit_functions[units[0]], kinds=kinds,
                status_titles=STATUS_TITLES, period_titles=PERIOD_TITLES, examples=EXAMPLES,
                today=today(), may=lambda action, kind: ws.permissions.can(kind.unit, action),
                **context)


def _version() -> int | None:
    return request.form.get("version", type=int)


def _refused(error: ServiceError, facility_code: str, report_id: int | None = None):  # noqa: ANN202
    if error.status not in (400, 409):
        raise error
    db_session().rollback()
    flash(error.message, "danger" if error.status == 400 else "warning")
    if report_id is None:
        return redirect(url_for(".index", facility_code=facility_code))
    return redirect(url_for(".detail", facility_code=facility_code, report_id=report_id))


@bp.get("/")
@login_required
def index(facility_code: str):
    ws = _workspace(facility_code)
    units = service.require(registry(), ws, "view")
    query = service.parse_query(request.args, registry().report_kinds)
    page = service.list_reports(db_session(), registry(), ws, query)
    return render_template("reports/index.html", **_page(
        ws, units, page=page, query=query,
        available=service.kinds_to_create(registry(), ws)))


@bp.post("/generate")
@login_required
def generate(facility_code: str):
    ws = _workspace(facility_code)
    # Generation runs as a job (a year of records can take a while); with a quick worker or
    # in immediate mode it has finished here and the report opens at once.
    job = jobs.submit(db_session(), jobs_web.runtime(), "reports.generate",
                      {"facility": ws.facility.code, "kind": request.form.get("kind", ""),
                       "period": request.form.get("period")},
                      owner=current_user.row, actor=actor_for(current_user.row),
                      facility=ws.facility, title="보고서 만들기")
    if job.status == "failed":
        result = job.result or {}
        return _refused(ServiceError(job.error or _("보고서를 만들 수 없습니다."),
                                     field=result.get("field"),
                                     status=result.get("status", 400)), facility_code)
    if job.status == "done":
        flash(_("보고서를 만들었습니다. 점검 결과를 확인하세요."), "success")
    return jobs_web.after_submit(job)


@bp.get("/<int:report_id>")
@login_required
def detail(facility_code: str, report_id: int):
    ws = _workspace(facility_code)
    session = db_session()
    report = service.view_report(session, registry(), ws, report_id,
                                 actor_for(current_user.row))
    users = service.people_of(session, report)
    kind = service.kind_of(registry(), report)
    return render_template("reports/detail.html", **_page(
        ws, [kind.unit], report=report, kind=kind, users=users,
        editable=report.status in service.EDITABLE))


@bp.post("/<int:report_id>/regenerate")
@login_required
def regenerate(facility_code: str, report_id: int):
    ws = _workspace(facility_code)
    try:
        service.regenerate_report(db_session(), registry(), ws, report_id, _version(), today(),
                                  actor_for(current_user.row))
    except ServiceError as error:
        return _refused(error, facility_code, report_id)
    flash(_("기록에서 보고서를 다시 만들었습니다."), "success")
    return redirect(url_for(".detail", facility_code=facility_code, report_id=report_id))


@bp.post("/<int:report_id>/note")
@login_required
def note(facility_code: str, report_id: int):
    ws = _workspace(facility_code)
    try:
        service.update_note(db_session(), registry(), ws, report_id, request.form.get("note"),
                            _version(), actor_for(current_user.row))
    except ServiceError as error:
        return _refused(error, facility_code, report_id)
    flash(_("의견을 저장했습니다."), "success")
    return redirect(url_for(".detail", facility_code=facility_code, report_id=report_id))


@bp.post("/<int:report_id>/submit")
@login_required
def submit(facility_code: str, report_id: int):
    ws = _workspace(facility_code)
    rt = Runtime(registry(), functions(), today(), actor_for(current_user.row))
    try:
        service.submit_report(db_session(), rt, ws, report_id, _version())
    except ServiceError as error:
        return _refused(error, facility_code, report_id)
    flash(_("보고서를 시·군·구에 제출했습니다."), "success")
    return redirect(url_for(".detail", facility_code=facility_code, report_id=report_id))


@bp.get("/calendar")
@login_required
def deadlines(facility_code: str):
    ws = _workspace(facility_code)
    units = service.require(registry(), ws, "view")
    entries = [entry for entry in calendar(db_session(), registry(), ws.facility, today())
               if entry.kind.unit in units]
    return render_template("reports/calendar.html", **_page(
        ws, units, entries=entries, counts=counts(entries),
        remind_days=remind_days(registry(), ws.facility, units[0])))
