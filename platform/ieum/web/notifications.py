"""알림: the navbar's bell (unread count), the list of a user's notices, marking them read,
and the settings page (per kind: in the app, also by e-mail, or off; the e-mail address)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from ieum import config
from ieum.i18n import gettext as _
from ieum.services import ServiceError
from ieum.services import notifications as service
from ieum.services.workspace import open_workspace
from ieum.web.context import actor_for, db_session, page_frame, registry, today

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def unread_notifications() -> int:
    """The bell's count (a template global; 0 for a visitor)."""
    frame = page_frame()
    return frame.unread if frame is not None else 0


def _layout() -> dict:
    """The user's first facility, so the page keeps its menu (none: the plain layout)."""
    ws = open_workspace(db_session(), registry(), current_user.row, None, today())
    profile = registry().profiles.get(ws.facility.profile_code) if ws.facility else None
    return {"ws": ws, "profile": profile, "unit": None}


def _link(item: service.Item) -> str | None:
    path, endpoint, args = service.link_parts(item.notice, item.facility_code)
    if path is not None:
        return path
    if endpoint is None:
        return None
    try:
        return url_for(endpoint, **args)
    except BuildError:  # a screen no longer installed: the notice stays readable
        return None


@bp.get("/")
@login_required
def index():
    page = service.page_of(db_session(), current_user.row.id,
                           request.args.get("page", 1, type=int),
                           unread_only=request.args.get("unread") == "1")
    return render_template("notifications/index.html", page=page, link=_link,
                           **_layout())


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    """Mark one notice read; with ``open=1``, then go where it leads."""
    try:
        item = service.mark_read(db_session(), current_user.row.id, notification_id)
    except ServiceError as error:
        abort(error.status)
    target = _link(item) if request.form.get("open") == "1" else None
    return redirect(target or _back())


@bp.post("/read-all")
@login_required
def read_all():
    marked = service.mark_all_read(db_session(), current_user.row.id)
    flash(_("알림 %(n)s건을 모두 읽음으로 표시했습니다.", n=marked) if marked
          else _("읽지 않은 알림이 없습니다."), "success" if marked else "info")
    return redirect(_back())


def _back() -> str:
    """The list page the form was on (only a path of this blueprint, never another site)."""
    page = request.form.get("page", type=int) or 1
    unread = request.form.get("unread") == "1"
    return url_for(".index", page=page if page > 1 else None, unread="1" if unread else None)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    session, user = db_session(), current_user.row
    kinds = service.kinds()
    current = service.settings_of(session, user.id)
    status, error = 200, None
    if request.method == "POST":
        chosen = {name: request.form.get(f"channel_{name}", "") for name in kinds}
        typed = request.form.get("email", "")
        try:
            service.save_settings(session, user.id, typed, chosen, actor_for(user))
        except ServiceError as refused:
            session.rollback()
            status, error = refused.status, refused
            current = service.Settings(typed.strip() or None, chosen)
        else:
            flash(_("알림 설정을 저장했습니다."), "success")
            return redirect(url_for(".settings"))
    return render_template("notifications/settings.html", kinds=kinds, current=current,
                           channel_titles=service.CHANNEL_TITLES, error=error,
                           smtp_configured=config.smtp_url() is not None,
                           **_layout()), status
