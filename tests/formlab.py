"""A form-lab facility on the test content: the ``casebook`` form exercises every feature."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from ieum.store.models import User
from tests.webutil import PASSWORD

TODAY = dt.date(2026, 3, 2)
BASE = "/f/lab/u/casebook/casebook"
API = "/api/v1/f/lab/u/casebook/casebook"

GOOD = {
    "written_on": "2026-03-01",
    "title": "첫 상담",
    "method": "visit",
    "needs": ["주거", "취업"],
    "score_a": 4,
    "score_b": 5,
    "grant": 1000,
    "plan": [{"item": "보증금", "amount": 700}, {"item": "생활비", "amount": 300}],
    "rrn": "0503014123456",
}


def seed_lab(app) -> None:
    """Facilities ``lab`` (form_lab) and ``other`` (form_lab); users admin, worker, viewer,
    worker2 in ``lab`` and stranger in ``other``."""
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        lab = create_facility(s, registry, code="lab", name="양식시험원", profile_code="form_lab",
                              region_code="11110")
        other = create_facility(s, registry, code="other", name="다른시설",
                                profile_code="form_lab", region_code="26110")
        for login_name, facility, role in [("admin", lab, "admin"), ("worker", lab, "worker"),
                                           ("worker2", lab, "worker"), ("viewer", lab, "viewer"),
                                           ("stranger", other, "admin")]:
            user = s.scalar(select(User).where(User.login == login_name))
            if user is None:
                user = create_user(s, login=login_name, name=login_name, password=PASSWORD)
            grant_role(s, registry, user=user, facility=facility, role=role,
                       valid_from=dt.date(2026, 1, 1))


def api_token(client, login_name: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"login": login_name,
                                                         "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}
