"""The facility dashboard's card of community-care cases the facility takes part in
(``ieum.dashboard_cards``, slot ``notices``)."""

from __future__ import annotations

from sqlalchemy import func, select

from ieum.store.models_care import CareCase, CareCaseAgency
from ieum.web.panels import Panel
from ieum.web.workspace import DashboardView
from ieum_library.collaboration import consent


def cases_card(view: DashboardView) -> Panel | None:
    if not view.ws.permissions.can(consent.UNIT, "view"):
        return None
    count = view.session.scalar(select(func.count(CareCase.id)).join(
        CareCaseAgency, CareCaseAgency.case_id == CareCase.id).where(
        CareCaseAgency.facility_id == view.ws.facility.id, CareCase.status == "open")) or 0
    if not count:
        return None
    return Panel("care/_cases_card.html", {"count": count}, slot="notices")
