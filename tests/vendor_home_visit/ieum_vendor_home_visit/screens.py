"""The 방문상담 현황 page (entry-point group ``ieum.screens``).

The kernel registers :data:`bp` on the app; the unit's manifest says ``page:
vendor_home_visit.board``, so the unit's menu entry opens :func:`board` (the kernel calls
``url_for(page, facility_code=...)``). The view stays thin, as the kernel's own do: it opens
the signed-in user's workspace and the unit's forms through the kernel's services (which
answer 404 or 403 where the user may not look), reads, and renders. Its template extends
the kernel's workspace layout, so the facility menu stays on the left.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from ieum.services import records, subjects
from ieum.services.workspace import open_workspace
from ieum.store.models import Record
from ieum.web.context import actor_for, db_session, registry, today
from ieum_vendor_home_visit import PLAN_FORM, PROCESS, UNIT, VISIT_FORM
from ieum_vendor_home_visit.feeds import TALLY_KEY
from ieum_vendor_home_visit.report_kind import preview

bp = Blueprint("vendor_home_visit", __name__, template_folder="templates",
               url_prefix="/f/<facility_code>/vendor-home-visit")


@bp.get("/")
@login_required
def board(facility_code: str):
    session, content, day = db_session(), registry(), today()
    workspace = open_workspace(session, content, current_user.row, facility_code, day)
    actor = actor_for(current_user.row)
    visits = records.open_form(content, workspace, UNIT, VISIT_FORM, day, actor)
    plans = records.open_form(content, workspace, UNIT, PLAN_FORM, day, actor)
    people = [(person, person.data[TALLY_KEY])
              for person in subjects.search(session, workspace.facility, limit=500)
              if (person.data or {}).get(TALLY_KEY, {}).get("visits")]
    planned = list(session.scalars(records.scoped_query(plans)
                                   .order_by(Record.id.desc()).limit(20)))
    names = {person.id: person.name for person, _ in people}
    report = preview(session, content, workspace.facility, day).content
    return render_template(
        "vendor_home_visit/board.html", ws=workspace,
        profile=content.profiles[workspace.facility.profile_code],
        unit=content.unit_functions[UNIT], process=content.processes[PROCESS],
        people=people, planned=planned, names=names, report=report,
        may_create=visits.can("create"), visit_form=VISIT_FORM, plan_form=PLAN_FORM)
