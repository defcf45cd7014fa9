"""The case list of a unit function (사례관리 대상자 목록) and its statistics screen."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError, records
from ieum.services.records import views as record_views
from ieum.services.subjects import cases
from ieum.services.workspace import Workspace, open_workspace
from ieum.web.context import actor_for, db_session, registry, today

bp = Blueprint("cases", __name__, url_prefix="/f/<facility_code>/u/<unit_id>")

STATES = {"registered": _l("대상자"), "candidate": _l("후보자"), "closed": _l("종결")}


def _unit(facility_code: str, unit_id: str):  # noqa: ANN202
    ws: Workspace = open_workspace(db_session(), registry(), current_user.row, facility_code,
                                   today())
    profile = registry().profiles[ws.facility.profile_code]
    unit = registry().unit_functions.get(unit_id)
    if unit is None or unit_id not in profile.unit_ids:
        raise ServiceError(_("메뉴를 찾을 수 없습니다."), status=404)
    if not ws.permissions.can(unit_id, "view"):
        raise ServiceError(_("이 작업을 할 권한이 없습니다."), status=403)
    return ws, profile, unit


@bp.get("/cases")
@login_required
def index(facility_code: str, unit_id: str):
    ws, profile, unit = _unit(facility_code, unit_id)
    if not unit.case_list:
        raise ServiceError(_("사례 목록이 없는 업무입니다."), status=404)
    state = request.args.get("state") if request.args.get("state") in STATES else ""
    rows = cases.case_rows(db_session(), ws, unit, today(),
                           name=request.args.get("name", "")[:50], state=state,
                           parameters=profile.parameters_for(unit.id))
    unit_title = next((i.title for g in ws.menu for i in g.items if i.unit_id == unit.id),
                      unit.title)
    return render_template("cases/list.html", ws=ws, profile=profile, unit=unit,
                           unit_title=unit_title, rows=rows, states=STATES, state=state,
                           stages=unit.case_list["stages"], forms=registry().forms,
                           workers=cases.workers(db_session(), registry(), ws, unit.id, today())
                           if ws.permissions.can(unit.id, "approve") else [],
                           auto_register=bool(profile.parameters_for(unit.id).get(
                               "auto_register")))


@bp.post("/cases/<int:subject_id>/worker")
@login_required
def change_worker(facility_code: str, unit_id: str, subject_id: int):
    ws, _profile, unit = _unit(facility_code, unit_id)
    try:
        cases.change_worker(db_session(), ws, unit.id, subject_id,
                            request.form.get("login", ""), actor_for(current_user.row),
                            registry=registry(), today=today())
    except ServiceError as refused:
        if refused.status != 400:
            raise
        flash(refused.message, "warning")
    else:
        flash(_("담당자를 바꿨습니다."), "success")
    return redirect(url_for(".index", facility_code=facility_code, unit_id=unit_id))


@bp.get("/<form_id>/stats")
@login_required
def stats(facility_code: str, unit_id: str, form_id: str):
    ws = open_workspace(db_session(), registry(), current_user.row, facility_code, today())
    scope = records.open_form(registry(), ws, unit_id, form_id, today(),
                              actor_for(current_user.row))
    table = record_views.statistics(db_session(), scope)
    return render_template("cases/stats.html", ws=ws, unit=scope.unit, scope=scope,
                           profile=registry().profiles[ws.facility.profile_code],
                           table=table, ledgers=record_views.ledgers(db_session(), scope))
