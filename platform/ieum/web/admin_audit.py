"""감사 기록 (the audit log) of one facility, for its administrators and platform admins."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ieum.access.grants import role_titles
from ieum.i18n import content_text
from ieum.i18n import gettext as _
from ieum.services.admin import audit_log as log
from ieum.services.workspace import Workspace
from ieum.web.context import actor_for, db_session, registry, today

bp = Blueprint("admin_audit", __name__, url_prefix="/f/<facility_code>/admin/audit")

SHOWN_PROBLEMS = 5  # the flash message travels in the session cookie


def _workspace(facility_code: str) -> Workspace:
    """The facility's workspace when the user administers it (or is a platform admin)."""
    return log.audit_workspace(db_session(), registry(), current_user.row, facility_code,
                               today())


@bp.get("")
@login_required
def index(facility_code: str):
    ws = _workspace(facility_code)
    filters = log.AuditFilters.from_args(request.args)
    page, actions = log.view(db_session(), actor_for(current_user.row), ws.facility.id,
                             filters, request.args.get("page", 1, type=int))
    return render_template(
        "admin/audit.html", ws=ws, profile=registry().profiles[ws.facility.profile_code],
        unit=None, page=page, filters=filters, actions=actions, query=filters.as_args(),
        action_title=lambda action: content_text(log.action_title(action)),
        target_title=lambda kind: content_text(log.target_title(kind)), kst_time=log.kst_time,
        detail_text=lambda detail: log.detail_text(detail, _names(ws), _roles(ws)))


def _names(ws) -> dict[str, str]:  # noqa: ANN001 - a Workspace
    """Titles of the ids an audit detail names: the facility's unit functions and forms."""
    content = registry()
    names = {form_id: content_text(form.title) for form_id, form in content.forms.items()}
    names.update({item.unit_id: content_text(item.title) for group in ws.menu
                  for item in group.items})
    return names


def _roles(ws) -> dict[str, str]:  # noqa: ANN001 - a Workspace
    """Korean names of the roles an audit detail may name: the facility's and the public
    ones."""
    return {role: content_text(title) for role, title in
            role_titles(registry().profiles.get(ws.facility.profile_code)).items()}


@bp.post("/verify")
@login_required
def verify(facility_code: str):
    ws = _workspace(facility_code)
    back = log.AuditFilters.from_args(request.form).as_args()  # the search to return to
    result = log.verify(db_session(), actor_for(current_user.row), ws.facility.id)
    if result.intact:
        flash(_("무결성 검사: 감사 기록 %(n)s건, 변조 없음", n=result.count), "success")
    else:
        shown = "; ".join(result.problems[:SHOWN_PROBLEMS])
        more = len(result.problems) - SHOWN_PROBLEMS
        if more > 0:
            shown = _("%(shown)s 외 %(n)s건", shown=shown, n=more)
        flash(_("무결성 검사: 감사 기록 %(n)s건 중 문제 %(problems)s건 — %(shown)s", n=result.count,
                problems=len(result.problems), shown=shown), "danger")
    return redirect(url_for(".index", facility_code=facility_code, **back))
