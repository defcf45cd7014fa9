"""/region/: the home of 시·군·구 officials: reports awaiting review, every report of their
region(s) with search, the report with its figures, accept / return with a reason, the
facilities of their region. Vacancies are on /region/vacancies (the collaboration area)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ieum.access.officials import PublicRoles
from ieum.i18n import gettext as _
from ieum.services import ServiceError
from ieum.services import reports as reports_service
from ieum.services.reports import review
from ieum.services.reports.periods import STATUS_TITLES
from ieum.services.workflows import Runtime
from ieum.web.context import (
    actor_for,
    db_session,
    functions,
    registry,
    signed_in_public_roles,
    today,
)

bp = Blueprint("region", __name__, url_prefix="/region")


@bp.app_template_global("region_official")
def region_official() -> bool:
    """Whether the signed-in user is a 시·군·구 official today (the navbar's 지역 업무 link)."""
    roles = signed_in_public_roles()
    return roles is not None and roles.has(review.ROLE)


def _roles() -> PublicRoles:
    return review.official_roles(db_session(), current_user.row, today())


def _runtime() -> Runtime:
    return Runtime(registry(), functions(), today(), actor_for(current_user.row))


def _page(roles: PublicRoles, **context):  # noqa: ANN003, ANN202
    return dict(roles=roles, kinds=registry().report_kinds, status_titles=STATUS_TITLES,
                profiles=registry().profiles, today=today(), **context)


@bp.get("/")
@login_required
def home():
    roles = _roles()
    session = db_session()
    return render_template("region/home.html", **_page(
        roles, awaiting=review.review_inbox(session, roles),
        counts=review.status_counts(session, roles),
        facilities=review.region_facilities(session, roles)))


@bp.get("/reports/")
@login_required
def reports():
    roles = _roles()
    session = db_session()
    query = reports_service.parse_query(request.args, registry().report_kinds)
    facilities = review.region_facilities(session, roles)
    return render_template("region/reports.html", **_page(
        roles, page=review.regional_reports(session, roles, query), query=query,
        facilities=facilities, names={f.id: f.name for f in facilities}))


@bp.get("/reports/<int:report_id>")
@login_required
def report(report_id: int):
    roles = _roles()
    session = db_session()
    item = review.view_region_report(session, roles, report_id, _runtime())
    return render_template("region/report.html", **_page(
        roles, report=item, kind=reports_service.kind_of(registry(), item),
        facility=review.facility_of(session, item), users=reports_service.people_of(session, item),
        task=review.pending_task(session, item) if item.status == "submitted" else None))


@bp.post("/reports/<int:report_id>/decide")
@login_required
def decide(report_id: int):
    """접수 at once; 반려 asks for confirmation first (a page showing the reason)."""
    roles = _roles()
    session = db_session()
    data = {"decision": request.form.get("decision"), "reason": request.form.get("reason")}
    version = request.form.get("version", type=int)
    if data["decision"] == "return" and request.form.get("confirmed") != "1":
        item = review.get_region_report(session, roles, report_id)
        if not (data["reason"] or "").strip():
            flash(_("반려 사유를 적어 주세요."), "danger")
            return redirect(url_for(".report", report_id=report_id))
        return render_template("region/confirm_return.html", **_page(
            roles, report=item, kind=reports_service.kind_of(registry(), item),
            facility=review.facility_of(session, item), reason=data["reason"].strip(),
            version=version))
    try:
        review.decide(session, _runtime(), current_user.row, roles, report_id, data, version)
    except ServiceError as error:
        if error.status not in (400, 409):
            raise
        session.rollback()
        flash(error.message, "danger" if error.status == 400 else "warning")
        return redirect(url_for(".report", report_id=report_id))
    flash(_("보고서를 접수했습니다.") if data["decision"] == "approve"
          else _("보고서를 반려했습니다."), "success")
    return redirect(url_for(".report", report_id=report_id))


@bp.get("/facilities/")
@login_required
def facilities():
    roles = _roles()
    text = request.args.get("q", "")[:100]
    return render_template("region/facilities.html", **_page(
        roles, facilities=review.region_facilities(db_session(), roles, text), q=text))
