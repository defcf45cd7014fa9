"""Three facilities of the shipped library for the collaboration tests.

- ``home``: 하늘아동양육시설 (child_home, 11110, 정원 2)
- ``gh``: 바다공동생활가정 (group_home, 11110, 정원 4)
- ``srf``: 새싹자립지원시설 (self_reliance_facility, 11140, 정원 10)

Users ``<facility>admin`` (기관관리자), ``<facility>lead`` (팀장), ``<facility>worker`` (worker).
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from sqlalchemy import select

from ieum.access.audit import Actor
from ieum.config import REPOSITORY_ROOT
from ieum.services import records
from ieum.services import workflows as flows
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from ieum.services.workspace import Workspace, open_workspace
from ieum.store.models import Subject, User
from ieum.workflow.functions import available
from tests.webutil import PASSWORD

TODAY = dt.date(2026, 3, 2)
FACILITIES = {
    "home": ("하늘아동양육시설", "child_home", "11110", 2),
    "gh": ("바다공동생활가정", "group_home", "11110", 4),
    "srf": ("새싹자립지원시설", "self_reliance_facility", "11140", 10),
}
ROLES = {"admin": "facility_admin", "lead": "team_leader", "worker": "worker"}
CHILD = {"name": "김하늘", "birth_date": "2010-05-01", "sex": "female", "status": "admitted",
         "admission_date": "2020-03-01", "rrn": "100501-4123456", "phone": "010-1234-5678",
         "address": "서울시 종로구 1"}


def build(make_app, url: str):
    app = make_app(url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY.isoformat())
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        for code, (name, profile, region, capacity) in FACILITIES.items():
            facility = create_facility(s, registry, code=code, name=name, profile_code=profile,
                                       region_code=region, capacity=capacity)
            for suffix, role in ROLES.items():
                user = create_user(s, login=f"{code}{suffix}", name=f"{name[:2]}{suffix}",
                                   password=PASSWORD)
                grant_role(s, registry, user=user, facility=facility, role=role,
                           valid_from=dt.date(2026, 1, 1))
    return app


@contextmanager
def workspace(app, login: str, facility: str):
    """A session and the user's workspace in ``facility``."""
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        user = s.scalar(select(User).where(User.login == login))
        yield s, open_workspace(s, registry, user, facility, TODAY)


def actor(ws: Workspace) -> Actor:
    return Actor(ws.user.id, ws.user.login)


def runtime(app, ws: Workspace, day: dt.date = TODAY) -> flows.Runtime:
    return flows.Runtime(app.extensions["ieum.registry"], available(plugins=False), day,
                         actor(ws))


def save(app, s, ws: Workspace, unit: str, form: str, data: dict,
         subject_id: int | None = None, *, day: dt.date = TODAY):
    registry = app.extensions["ieum.registry"]
    scope = records.open_form(registry, ws, unit, form, day, actor(ws))
    return records.create_record(s, scope, data, subject_id=subject_id)


def register(app, login: str, facility: str, data: dict | None = None) -> int:
    with workspace(app, login, facility) as (s, ws):
        record = save(app, s, ws, "subject_management", "subject_basic", data or CHILD)
        return record.subject_id


def admit(app, login: str, facility: str, subject_id: int, day: str = "2026-03-01",
          capacity_type: str = "within"):
    with workspace(app, login, facility) as (s, ws):
        return save(app, s, ws, "admission_discharge", "admission", {
            "admission_date": day, "admission_type": "new", "capacity_type": capacity_type,
            "admission_route": "family", "admission_reason": "보호 필요"}, subject_id).id


def discharge(app, login: str, facility: str, subject_id: int, day: str = "2026-03-02"):
    with workspace(app, login, facility) as (s, ws):
        return save(app, s, ws, "admission_discharge", "discharge", {
            "discharge_date": day, "discharge_reason": "return_home",
            "residence_type": "home", "reason_detail": "비공개 가정사"}, subject_id).id


def subject(app, subject_id: int) -> Subject:
    with app.extensions["ieum.database"].session() as s:
        row = s.get(Subject, subject_id)
        s.expunge(row)
        return row
