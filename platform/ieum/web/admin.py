"""기관 관리 screens for a facility's administrators: 사용자 권한관리 and 마감 관리 (packages add
their own to the menu: ``admin_menu`` of an ``ieum.screens`` blueprint).

Only a user whose roles in the facility administer it may open them (403 otherwise); anything
of another facility is "not found" (404), like everywhere else.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ieum.services import ServiceError
from ieum.services import closings as closing_service
from ieum.services import users as accounts
from ieum.services.workspace import Workspace, open_workspace
from ieum.store.models import OPEN_ENDED, RoleAssignment, User
from ieum.web.context import actor_for, db_session, registry, today

bp = Blueprint("admin", __name__, url_prefix="/f/<facility_code>/admin")


def _workspace(facility_code: str) -> Workspace:
    ws = open_workspace(db_session(), registry(), current_user.row, facility_code, today())
    if not ws.permissions.administers:
        raise ServiceError("기관관리자만 사용할 수 있는 메뉴입니다.", status=403)
    return ws


def _page(ws: Workspace, **context):  # noqa: ANN003, ANN202
    context.setdefault("unit", None)
    return dict(ws=ws, profile=registry().profiles[ws.facility.profile_code], today=today(),
                **context)


def _date(value: str | None, field: str, default: dt.date | None = None) -> dt.date:
    text = (value or "").strip()
    if not text:
        if default is not None:
            return default
        raise ServiceError("날짜를 입력하세요.", field=field)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ServiceError(f"날짜 형식이 올바르지 않습니다 (예: {today():%Y-%m-%d}): {text[:20]}",
                           field=field) from None


# --- 사용자 권한관리 ----------------------------------------------------------------------------

def _users_page(ws: Workspace, *, status: int = 200, errors: dict | None = None,
                confirm: RoleAssignment | None = None):  # noqa: ANN202
    search = request.args.get("q", "").strip()
    members = accounts.facility_members(db_session(), ws.facility, search=search)
    confirm_user = db_session().get(User, confirm.user_id) if confirm else None
    return render_template("admin/users.html", **_page(
        ws, members=members, search=search, errors=errors or {}, form=request.form,
        confirm=confirm, confirm_user=confirm_user, open_ended=OPEN_ENDED,
        yesterday=today() - dt.timedelta(days=1),
        state_of=lambda a: accounts.assignment_state(a, today()),
        state_titles=accounts.ASSIGNMENT_STATES)), status


def _refused(ws: Workspace, refused: ServiceError, form_name: str):  # noqa: ANN202
    if refused.status not in (400, 404, 409):
        raise refused
    db_session().rollback()
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
    session = db_session()
    try:
        user = accounts.find_user(session, request.form.get("login", ""))
        assignment = accounts.grant_role(
            session, registry(), user=user, facility=ws.facility,
            role=request.form.get("role", ""),
            valid_from=_date(request.form.get("valid_from"), "valid_from", today()),
            valid_to=_date(request.form.get("valid_to"), "valid_to", OPEN_ENDED),
            actor=actor_for(current_user.row))
    except ServiceError as refused:
        return _refused(ws, refused, "grant")
    session.commit()
    flash(f"{user.name}({user.login})에게 ‘{_role_title(ws, assignment.role)}’ 역할을 "
          "부여했습니다.", "success")
    return redirect(url_for(".users", facility_code=facility_code))


@bp.post("/users/new")
@login_required
def create(facility_code: str):
    """Create an account and give it a role of this facility, both or neither."""
    ws = _workspace(facility_code)
    session = db_session()
    actor = actor_for(current_user.row)
    try:
        password = request.form.get("password", "")
        if password != request.form.get("password_confirm", ""):
            raise ServiceError("비밀번호 확인이 일치하지 않습니다.", field="password_confirm")
        valid_from = _date(request.form.get("valid_from"), "valid_from", today())
        valid_to = _date(request.form.get("valid_to"), "valid_to", OPEN_ENDED)
        user = accounts.create_user(session, login=request.form.get("login", ""),
                                    name=request.form.get("name", ""), password=password,
                                    actor=actor)
        accounts.grant_role(session, registry(), user=user, facility=ws.facility,
                            role=request.form.get("role", ""), valid_from=valid_from,
                            valid_to=valid_to, actor=actor)
    except ServiceError as refused:
        return _refused(ws, refused, "create")
    session.commit()
    flash(f"사용자 {user.name}({user.login})을 등록했습니다.", "success")
    return redirect(url_for(".users", facility_code=facility_code))


def _assignment(ws: Workspace, assignment_id: int) -> RoleAssignment:
    found = db_session().scalar(select(RoleAssignment).where(
        RoleAssignment.id == assignment_id, RoleAssignment.facility_id == ws.facility.id))
    if found is None:
        raise ServiceError("권한을 찾을 수 없습니다.", status=404)
    return found


def _role_title(ws: Workspace, role: str) -> str:
    found = registry().profiles[ws.facility.profile_code].roles.get(role)
    return found.title if found else role


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
                           errors={"revoke": "회수하려면 확인란을 선택하세요."})
    session = db_session()
    try:
        revoked = accounts.revoke_role(session, registry(), facility=ws.facility,
                                       assignment_id=assignment_id, day=today(),
                                       actor=actor_for(current_user.row))
    except ServiceError as refused:
        if refused.status != 409:
            raise
        session.rollback()
        return _users_page(ws, status=409, confirm=_assignment(ws, assignment_id),
                           errors={"revoke": refused.message})
    session.commit()
    flash(f"‘{_role_title(ws, revoked.role)}’ 역할을 회수했습니다 "
          f"(종료일 {revoked.valid_to:%Y-%m-%d}).", "success")
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
    session = db_session()
    try:
        closed_through = _date(request.form.get("closed_through"), "closed_through")
        before = next((s.closed_through for s in closing_service.closing_states(session, ws)
                       if s.unit_id == unit_id), None)
        closing_service.set_closing(session, ws, unit_id, closed_through,
                                    actor_for(current_user.row),
                                    reason=request.form.get("reason"), today=today())
    except ServiceError as refused:
        if refused.status != 400:
            raise
        session.rollback()
        return _closings_page(ws, status=400, errors={unit_id: refused.message})
    session.commit()
    if before == closed_through:
        flash(f"마감일이 이미 {closed_through:%Y-%m-%d}입니다.", "info")
    else:
        flash(f"{closed_through:%Y-%m-%d}까지 마감했습니다.", "success")
    return redirect(url_for(".closings", facility_code=facility_code))
