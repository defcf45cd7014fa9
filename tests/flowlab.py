"""A flow-lab facility on the test content: unit ``flows`` runs the test processes."""

from __future__ import annotations

import datetime as dt

from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from tests.webutil import PASSWORD

TODAY = dt.date(2026, 3, 2)


def seed_flow(app) -> None:
    """Facility ``flow`` (flow_lab) with worker1, worker2 (worker), lead (leader), boss (admin); and
    facility ``far`` (flow_lab) with outsider (admin)."""
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        flow = create_facility(s, registry, code="flow", name="흐름시험원",
                               profile_code="flow_lab", region_code="11110")
        far = create_facility(s, registry, code="far", name="먼시설", profile_code="flow_lab",
                              region_code="26110")
        for login_name, facility, role in [("worker1", flow, "worker"), ("worker2", flow, "worker"),
                                           ("lead", flow, "leader"), ("boss", flow, "admin"),
                                           ("outsider", far, "admin")]:
            user = create_user(s, login=login_name, name=login_name, password=PASSWORD)
            grant_role(s, registry, user=user, facility=facility, role=role,
                       valid_from=dt.date(2026, 1, 1))
