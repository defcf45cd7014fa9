"""기관 관리 screens for a facility's administrators: 사용자 권한관리 and 마감 관리 (packages add
their own to the menu: ``admin_menu`` of an ``ieum.screens`` blueprint).

Only a user whose roles in the facility administer it may open them (403 otherwise); anything
of another facility is "not found" (404), like everywhere else.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ieum.i18n import gettext as _
from ieum.services import ServiceError
from ieum.services.admin import users as accounts
from ieum.services.records import closings as closing_service
from ieum.services.workspace import Workspace, open_workspace
from ieum.web.context import actor_for, db_session, registry, today
from ieum.web.template_helpers import shown_role_title

bp = Blueprint("admin", __name__, url_prefix="/f/<facility_code>/admin")


def _workspace(facility_code: str) -> Workspace:
    ws = open_workspace(db_session(), registry(), current_user.row, facility_code, today())
    if not ws.permissions.administers:
        raise ServiceError(_("기관관리자만 사용할 수 있는 메뉴입니다."), status=403)
    return ws


def _page(ws: Workspace, **context):  # noqa: ANN003, ANN202
    context.setdefault("unit", None)
    return dict(ws=ws, profile=registry().profiles[ws.facility.profile_code], today=today(),
                **context)


# --- 사용자 권한관리 ----------------------------------------------------------------------------

def _users_page(ws: Workspace, *, status: int = 200, errors: dict | None = None,
                confirm=None):  # noqa: ANN001, ANN202 - confirm: a RoleAssignment
    search = request.args.get("q", "").strip()
    members = accounts.facility_members(db_session(), ws.facility, search=search)
    confirm_user = accounts.get_user(db_session(), confirm.user_id) if confirm else None
    return render_template("admin/users.html", **_page(
        ws, members=members, search=search, errors=errors or {}, form=request.form,
        confirm=confirm, confirm_user=confirm_user, open_ended=accounts.OPEN_ENDED,
        yesterday=today() - dt.timedelta(days=1),
        state_of=lambda a: accounts.assignment_state(a, today()),
        state_titles=accounts.ASSIGNMENT_STATES)), status


def _refused(ws: Workspace, refused: ServiceError, form_name: str):  # noqa: ANN202
    if refused.status not in (400, 404, 409):
        raise refused
    return _users_page(ws, status=refused.status,
                       errors={form_name: refused.message, "field": refused.field})


@bp.get("/users")
@login_required
def users(facility_code: str):
    return _users_page(_workspace(facility_code))


@bp.post("/users/grant")
@login_required
def grant(facility_code: str):
    """Give an existing account (by login) a role of this facility for a period."""
    ws = _workspace(facility_code)
    try:
        user, assignment = accounts.grant_member_role(
            db_session(), registry(), facility=ws.facility, login=request.form.get("login", ""),
            role=request.form.get("role", ""), valid_from=request.form.get("valid_from"),
            valid_to=request.form.get("valid_to"), today=today(),
            actor=actor_for(current_user.row))
    except ServiceError as refused:
        return _refused(ws, refused, "grant")
    flash(_("%(name)s(%(login)s)에게 ‘%(role)s’ 역할을 부여했습니다.", name=user.name,
            login=user.login, role=_role_title(ws, assignment.role)), "success")
    return redirect(url_for(".users", facility_code=facility_code))


@bp.post("/users/new")
@login_required
def create(facility_code: str):
    """Create an account and give it a role of this facility, both or neither."""
    ws = _workspace(facility_code)
    form = request.form
    try:
        user = accounts.create_member(
            db_session(), registry(), facility=ws.facility, login=form.get("login", ""),
            name=form.get("name", ""), password=form.get("password", ""),
            password_confirm=form.get("password_confirm", ""), role=form.get("role", ""),
            valid_from=form.get("valid_from"), valid_to=form.get("valid_to"), today=today(),
            actor=actor_for(current_user.row))
    except ServiceError as refused:
        return _refused(ws, refused, "create")
    flash(_("사용자 %(name)s(%(login)s)을 등록했습니다.", name=user.name, login=user.login),
          "success")
    return redirect(url_for(".users", facility_code=facility_code))


def _assignment(ws: Workspace, assignment_id: int):  # noqa: ANN202 - a RoleAssignment
    return accounts.find_assignment(db_session(), ws.facility, assignment_id)


def _role_title(ws: Workspace, role: str) -> str:
    return shown_role_title(role, registry().profiles.get(ws.facility.profile_code))


@bp.route("/users/assignments/<int:assignment_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke(facility_code: str, assignment_id: int):
    """회수: a confirmation page (GET), then the confirmed POST ends the role yesterday."""
    ws = _workspace(facility_code)
    assignment = _assignment(ws, assignment_id)
    if request.method == "GET":
        return _users_page(ws, confirm=assignment)
    if request.form.get("confirm") != "yes":
        return _users_page(ws, status=400, confirm=assignment,
                           errors={"revoke": _("회수하려면 확인란을 선택하세요.")})
    try:
        revoked = accounts.revoke_member_role(db_session(), registry(), facility=ws.facility,
                                              assignment_id=assignment_id, day=today(),
                                              actor=actor_for(current_user.row))
    except ServiceError as refused:
        if refused.status != 409:
            raise
        return _users_page(ws, status=409, confirm=_assignment(ws, assignment_id),
                           errors={"revoke": refused.message})
    flash(_("‘%(role)s’ 역할을 회수했습니다 (종료일 %(day)s).", role=_role_title(ws, revoked.role),
            day=f"{revoked.valid_to:%Y-%m-%d}"), "success")
    return redirect(url_for(".users", facility_code=facility_code))


# --- 마감 관리 -------------------------------------------------------------------------------

def _closings_page(ws: Workspace, *, status: int = 200, errors: dict | None = None):  # noqa: ANN202
    states = closing_service.closing_states(db_session(), ws)
    return render_template("admin/closings.html", **_page(
        ws, states=states, errors=errors or {}, form=request.form)), status


@bp.get("/closings")
@login_required
def closings(facility_code: str):
    return _closings_page(_workspace(facility_code))


@bp.post("/closings/<unit_id>")
@login_required
def set_closing(facility_code: str, unit_id: str):
    ws = _workspace(facility_code)
    try:
        closed_through, before = closing_service.close_unit(
            db_session(), ws, unit_id, request.form.get("closed_through"),
            actor_for(current_user.row), reason=request.form.get("reason"), today=today())
    except ServiceError as refused:
        if refused.status != 400:
            raise
        return _closings_page(ws, status=400, errors={unit_id: refused.message})
    if before == closed_through:
        flash(_("마감일이 이미 %(day)s입니다.", day=f"{closed_through:%Y-%m-%d}"), "info")
    else:
        flash(_("%(day)s까지 마감했습니다.", day=f"{closed_through:%Y-%m-%d}"), "success")
    return redirect(url_for(".closings", facility_code=facility_code))
