"""The facilities' side of community care: the receiving facility's placement task
(``TASK_PAGES``: the inbox opens it here) and the cases an agency is invited into."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ieum.i18n import gettext as _
from ieum.services import ServiceError
from ieum.services.workspace import Workspace, open_workspace
from ieum.store.models import Facility
from ieum.web import tasks as task_pages
from ieum.web.context import actor_for, db_session, registry, today
from ieum.web.tasks import runtime
from ieum_library.collaboration import consent
from ieum_library.community_care import cases, placement
from ieum_library.community_care.web import TEMPLATES

bp = Blueprint("care_facility", __name__, url_prefix="/f/<facility_code>/care",
               template_folder=TEMPLATES)
task_pages.TASK_PAGES[placement.PROCESS] = "care_facility.placement_task"


def _workspace(facility_code: str) -> Workspace:
    return open_workspace(db_session(), registry(), current_user.row, facility_code, today())


def _page(ws: Workspace, **context):  # noqa: ANN003, ANN202
    return dict(ws=ws, profile=registry().profiles[ws.facility.profile_code],
                unit=registry().unit_functions.get(consent.UNIT), **context)


@bp.route("/placements/<int:instance_id>", methods=["GET", "POST"])
@login_required
def placement_task(facility_code: str, instance_id: int):
    ws = _workspace(facility_code)
    session = db_session()
    error, status = None, 200
    if request.method == "POST":
        try:
            decision = placement.answer(session, runtime(), ws, instance_id, request.form)
        except ServiceError as refused:
            if refused.status not in (400, 409):
                raise
            session.rollback()
            error, status = refused, refused.status
        else:
            if decision.status == "accepted":
                flash(_("입소를 수락했습니다. 아동이 대상자로 등록되고 입소가 기록되었습니다."),
                      "success")
                return redirect(url_for("tasks.subject", facility_code=facility_code,
                                        subject_id=decision.subject_id))
            flash(_("입소 불가를 시·군·구에 알렸습니다."), "success")
            return redirect(url_for("tasks.inbox", facility_code=facility_code))
    decision, task = placement.for_instance(session, ws, instance_id)
    return render_template("care/placement_task.html", **_page(
        ws, decision=decision, task=task, shown=placement.shown(decision),
        type_title=placement.PLACEMENT_TYPES[decision.placement_type][0],
        basis=placement.LEGAL_BASIS, status_title=placement.status_title(decision),
        error=error, form=request.form, today=today())), status


@bp.get("/cases")
@login_required
def cases_index(facility_code: str):
    ws = _workspace(facility_code)
    return render_template("care/agency_cases.html", **_page(
        ws, rows=cases.facility_cases(db_session(), ws), groups=cases.TARGET_GROUPS))


def _case(ws: Workspace, case_id: int, *, audit: bool = True, error=None, form=None):  # noqa: ANN001, ANN202
    session = db_session()
    case = cases.for_agency(session, ws, case_id, actor_for(current_user.row), audit=audit)
    agencies = cases.agencies(session, case)
    names = {f.id: f.name for f in session.scalars(select(Facility).where(
        Facility.id.in_([a.facility_id for a in agencies])))}
    mine = next((a for a in agencies if a.facility_id == ws.facility.id), None)
    return render_template("care/agency_case.html", **_page(
        ws, case=case, shared=cases.shared_details(case), agencies=agencies, names=names,
        mine=mine, plan=cases.plan(session, case), reviews=cases.reviews(session, case),
        outcomes=cases.OUTCOMES, groups=cases.TARGET_GROUPS,
        may_add=ws.permissions.can(consent.UNIT, "create"), error=error, form=form or {},
        today=today()))


@bp.get("/cases/<int:case_id>")
@login_required
def case_detail(facility_code: str, case_id: int):
    return _case(_workspace(facility_code), case_id)


@bp.post("/cases/<int:case_id>/services")
@login_required
def add_service(facility_code: str, case_id: int):
    ws = _workspace(facility_code)
    try:
        cases.add_service(db_session(), ws, actor_for(current_user.row), case_id, request.form,
                          today())
    except ServiceError as refused:
        if refused.status not in (400, 409):
            raise
        db_session().rollback()
        return _case(ws, case_id, audit=False, error=refused,
                     form=request.form), refused.status
    flash(_("돌봄계획에 서비스를 추가했습니다."), "success")
    return redirect(url_for(".case_detail", facility_code=facility_code, case_id=case_id))
