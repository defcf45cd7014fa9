"""감사 기록 (the audit log) of one facility, for its administrators and platform admins."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ieum.access.grants import Permissions, user_facilities
from ieum.services import ServiceError
from ieum.services import audit_log as log
from ieum.services.workspace import Workspace, open_workspace
from ieum.store.models import Facility
from ieum.web.context import actor_for, db_session, registry, today

bp = Blueprint("admin_audit", __name__, url_prefix="/f/<facility_code>/admin/audit")

SHOWN_PROBLEMS = 5  # the flash message travels in the session cookie


def _workspace(facility_code: str) -> Workspace:
    """The facility's workspace when the user administers it (or is a platform admin)."""
    user = current_user.row
    session = db_session()
    try:
        ws = open_workspace(session, registry(), user, facility_code, today())
    except ServiceError as refused:
        if refused.status != 404 or not user.is_platform_admin:
            raise
        facility = session.scalar(select(Facility).where(Facility.code == facility_code))
        if facility is None:
            raise
        ws = Workspace(user, facility, tuple(user_facilities(session, user, today())),
                       Permissions(frozenset()), ())
    if not (ws.permissions.administers or user.is_platform_admin):
        raise ServiceError("감사 기록은 기관관리자만 볼 수 있습니다.", status=403)
    return ws


@bp.get("")
@login_required
def index(facility_code: str):
    ws = _workspace(facility_code)
    session = db_session()
    filters = log.AuditFilters.from_args(request.args)
    page = log.search(session, ws.facility.id, filters, request.args.get("page", 1, type=int))
    actions = log.action_titles(session, ws.facility.id)
    log.record_view(session, actor_for(current_user.row), ws.facility.id, filters, page.page)
    session.commit()
    return render_template(
        "admin/audit.html", ws=ws, profile=registry().profiles[ws.facility.profile_code],
        unit=None, page=page, filters=filters, actions=actions, query=filters.as_args(),
        action_title=log.action_title, target_title=log.target_title, kst_time=log.kst_time,
        detail_text=log.detail_text)


@bp.post("/verify")
@login_required
def verify(facility_code: str):
    ws = _workspace(facility_code)
    back = log.AuditFilters.from_args(request.form).as_args()  # the search to return to
    session = db_session()
    result = log.verify(session, actor_for(current_user.row), ws.facility.id)
    session.commit()
    if result.intact:
        flash(f"무결성 검사: 감사 기록 {result.count}건, 변조 없음", "success")
    else:
        shown = "; ".join(result.problems[:SHOWN_PROBLEMS])
        more = len(result.problems) - SHOWN_PROBLEMS
        flash(f"무결성 검사: 감사 기록 {result.count}건 중 문제 {len(result.problems)}건 — "
              f"{shown}{f' 외 {more}건' if more > 0 else ''}", "danger")
    return redirect(url_for(".index", facility_code=facility_code, **back))
