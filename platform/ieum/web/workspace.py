"""The facility workspace: dashboard and menu assembled from the facility's profile.

Dashboard cards (entry-point group ``ieum.dashboard_cards``): a package adds to the dashboard
with a callable ``card(view: DashboardView) -> ieum.web.panels.Panel | None``. A panel in the
slot ``"facts"`` is a row of the facility's facts (a ``<dt>``/``<dd>`` pair), one in
``"notices"`` an alert above the task counts; ``None`` shows nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from ieum.definitions import FacilityProfile, extensions
from ieum.i18n import content_text
from ieum.services import ServiceError
from ieum.services.records import activity
from ieum.services.workflows import inbox_counts
from ieum.services.workspace import Workspace, open_workspace, public_roles
from ieum.web.context import db_session, registry, today
from ieum.web.panels import collect
from ieum.web.template_helpers import month_short, month_title

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

bp = Blueprint("workspace", __name__)


@dataclass(frozen=True)
class DashboardView:
    """What a dashboard card is given."""

    ws: Workspace
    profile: FacilityProfile
    session: Session
    today: dt.date


def _workspace(facility_code: str | None) -> Workspace:
    try:
        return open_workspace(db_session(), registry(), current_user.row, facility_code, today())
    except ServiceError as error:
        abort(error.status)


@bp.get("/")
@login_required
def home():
    workspace = _workspace(None)
    if workspace.facility is None:
        public = public_roles(db_session(), current_user.row, today())
        if public:
            return render_template("workspace/public_home.html", ws=workspace, public=public)
        return render_template("workspace/no_facility.html", ws=workspace)
    return redirect(url_for("workspace.dashboard", facility_code=workspace.facility.code))


@bp.get("/f/<facility_code>/")
@login_required
def dashboard(facility_code: str):
    workspace = _workspace(facility_code)
    profile = registry().profiles[workspace.facility.profile_code]
    counts = inbox_counts(db_session(), workspace, today(), registry())
    panels = collect(extensions.DASHBOARD_CARDS,
                     DashboardView(workspace, profile, db_session(), today()))
    monthly = activity.monthly_records(db_session(), registry(), workspace, today())
    statuses = activity.subjects_by_status(db_session(), workspace)
    return render_template(
        "workspace/dashboard.html", ws=workspace, profile=profile, counts=counts, panels=panels,
        monthly=monthly, monthly_rows=[(month_short(m.month), m.count, month_title(m.year, m.month))
                                       for m in monthly.months],
        statuses=statuses and [(content_text(status), count) for status, count in statuses])


@bp.get("/f/<facility_code>/u/<unit_id>/")
@login_required
def unit(facility_code: str, unit_id: str):
    """A unit function opens on its list screen, or on its description if it has none."""
    return about(facility_code, unit_id, open_list=True)


@bp.get("/f/<facility_code>/u/<unit_id>/about")
@login_required
def about(facility_code: str, unit_id: str, open_list: bool = False):
    workspace = _workspace(facility_code)
    content = registry()
    profile = content.profiles[workspace.facility.profile_code]
    if unit_id not in profile.unit_ids:
        abort(404)
    if not workspace.permissions.can(unit_id, "view"):
        abort(403)
    unit_function = content.unit_functions[unit_id]
    page = unit_function.page
    if page and open_list:
        return redirect(url_for(page, facility_code=facility_code))
    if unit_function.case_list and open_list:
        return redirect(url_for("cases.index", facility_code=facility_code, unit_id=unit_id))
    listed = next((s.form for s in unit_function.screens if s.kind == "list"), None)
    if listed is not None and open_list:
        return redirect(url_for("records.index", facility_code=facility_code, unit_id=unit_id,
                                form_id=listed))
    forms = [content.forms[form_id] for form_id in unit_function.forms]
    return render_template(
        "workspace/unit.html",
        ws=workspace,
        profile=profile,
        unit=unit_function,
        forms=forms,
        parameters=profile.parameters_for(unit_id),
        actions=sorted(workspace.permissions.actions.get(unit_id, ())),
    )
