"""The collaboration layer's parts of the kernel's pages: the subject page's panel
(consent, referrals, the integrated history; ``ieum.task_panels``) and the dashboard's
현원 and unread notices (``ieum.dashboard_cards``)."""

from __future__ import annotations

from ieum.web.panels import Panel
from ieum.web.tasks import PanelView
from ieum.web.workspace import DashboardView
from ieum_library.collaboration import (
    consent,
    handover,
    needs,
    occupancy,
    referrals,
    shared_history,
)

#: The unit whose facilities admit and discharge residents (a welfare centre has none).
ADMISSIONS_UNIT = "admission_discharge"


def subject_panel(view: PanelView) -> Panel | None:
    """The collaboration part of the subject page (nothing when the user may not view the
    collaboration unit, or on other task pages)."""
    ws = view.ws
    if view.page != "subject" or not ws.permissions.can(consent.UNIT, "view"):
        return None
    session = view.session
    subject = consent.own_subject(session, ws, view.subject_id)
    active = consent.active(session, subject.person_id, "history", view.today)
    history = shared_history.integrated_history(session, view.registry, ws, view.actor,
                                                view.subject_id, view.today)
    return Panel("collab/_subject_panel.html", {
        "history": history, "consent": active,
        "referrals": referrals.facility_referrals(session, ws, subject_id=view.subject_id),
        "may_create": ws.permissions.can(consent.UNIT, "create"),
        "handover_age": handover.upper_age(view.registry, ws.facility.profile_code)})


def occupancy_card(view: DashboardView) -> Panel | None:
    """현원 (and 빈자리) among the facility's facts, where residents are admitted, with the
    legal capacity rule of the facility type and a warning when the capacity breaks it."""
    if ADMISSIONS_UNIT not in view.profile.unit_ids:
        return None
    rule = occupancy.capacity_rule(view.profile.parameters_for(ADMISSIONS_UNIT),
                                   view.ws.facility.capacity)
    return Panel("collab/_occupancy_card.html",
                 {"occupied": occupancy.occupancy(view.session, view.ws.facility.id),
                  "rule": rule},
                 slot="facts")


def notices_card(view: DashboardView) -> Panel | None:
    """Unread collaboration notices (a referral answered, a vacancy for a registered need)."""
    if not view.ws.permissions.can(consent.UNIT, "view"):
        return None
    unread = needs.unread_count(view.session, view.ws.facility.id)
    if not unread:
        return None
    return Panel("collab/_notices_card.html", {"unread": unread}, slot="notices")
