"""일정 달력: a month of the facility's due reports, process timers and the user's tasks."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request
from flask_login import current_user, login_required

from ieum.i18n import current_language
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError
from ieum.services.calendar import WEEKDAY_NAMES, WEEKDAYS, month_view
from ieum.services.workspace import open_workspace
from ieum.web.context import db_session, registry, today

bp = Blueprint("calendar", __name__, url_prefix="/f/<facility_code>/calendar")
#: the names shown, Sunday first (WEEKDAY_NAMES of the service, translated)
WEEKDAY_TEXTS = (_l("일요일"), _l("월요일"), _l("화요일"), _l("수요일"), _l("목요일"), _l("금요일"),
                 _l("토요일"))


def _weekdays() -> list[tuple[str, str]]:
    """(short, long) names of the days, Sunday first: 일/일요일, or Sun/Sunday."""
    if current_language() == "ko":
        return list(zip(WEEKDAYS, WEEKDAY_NAMES, strict=True))
    return [(str(name)[:3], str(name)) for name in WEEKDAY_TEXTS]


@bp.get("/")
@login_required
def month(facility_code: str):
    session, content, day = db_session(), registry(), today()
    try:
        ws = open_workspace(session, content, current_user.row, facility_code, day)
    except ServiceError as error:
        abort(error.status)
    status = 200
    try:
        view = month_view(session, content, ws, request.args.get("month"), day)
    except ServiceError as error:
        if error.field != "month":
            raise
        flash(error.message, "warning")  # a mistyped month: this month, and why
        view = month_view(session, content, ws, None, day)
        status = 400
    return render_template("calendar/month.html", ws=ws,
                           profile=content.profiles[ws.facility.profile_code], unit=None,
                           view=view, weekdays=_weekdays()), status
