"""Demo facilities and users for trying ieum out (``ieum demo``). Safe to run again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.definitions import Registry
from ieum.services.demo_cases import load_demo_cases
from ieum.services.demo_catalog import load_demo_catalog
from ieum.services.demo_collab import load_demo_collab
from ieum.services.demo_library import load_demo_history
from ieum.services.demo_reports import load_demo_reports
from ieum.services.demo_residence import load_demo_residence
from ieum.services.facilities import create_facility
from ieum.services.users import create_user, grant_role
from ieum.store.models import Facility, RoleAssignment, User

DEMO_PASSWORD = "ieum-demo-2026"

DEMO_FACILITIES: tuple[dict[str, Any], ...] = (
    {"code": "demo-child", "name": "이음아동양육시설", "profile_code": "child_home",
     "region_code": "11110", "capacity": 40},
    {"code": "demo-elderly", "name": "이음노인요양원", "profile_code": "elderly_care_home",
     "region_code": "11140", "capacity": 60},
    {"code": "demo-foster", "name": "이음가정위탁지원센터", "profile_code": "foster_care_center",
     "region_code": "11170", "capacity": None},
)

DEMO_USERS: tuple[dict[str, Any], ...] = (
    {"login": "admin", "name": "한관리", "facility": "demo-child", "roles": ["facility_admin"],
     "platform_admin": True},
    {"login": "leader", "name": "김팀장", "facility": "demo-child", "roles": ["team_leader"]},
    {"login": "worker", "name": "이복지", "facility": "demo-child", "roles": ["worker"]},
    {"login": "manager", "name": "정원장", "facility": "demo-elderly",
     "roles": ["facility_admin"]},
    {"login": "carer", "name": "박요양", "facility": "demo-elderly", "roles": ["worker"]},
    {"login": "srlead", "name": "오팀장", "facility": "demo-child", "roles": ["sr_team_leader"]},
    {"login": "srworker", "name": "이사례", "facility": "demo-child", "roles": ["sr_worker"]},
    {"login": "fostermanager", "name": "문센터장", "facility": "demo-foster",
     "roles": ["facility_admin"]},
    {"login": "fosterlead", "name": "서특화", "facility": "demo-foster", "roles": ["team_leader"]},
    {"login": "fosterworker", "name": "남위탁", "facility": "demo-foster", "roles": ["worker"]},
)


def load_demo(session: Session, registry: Registry, today: dt.date) -> dict[str, Any]:
    """Create what is missing of the demo set; existing rows are left as they are."""
    facilities: dict[str, Facility] = {}
    for spec in DEMO_FACILITIES:
        facility = session.scalar(select(Facility).where(Facility.code == spec["code"]))
        facilities[spec["code"]] = facility or create_facility(session, registry, **spec)
    for spec in DEMO_USERS:
        user = session.scalar(select(User).where(User.login == spec["login"]))
        if user is None:
            user = create_user(session, login=spec["login"], name=spec["name"],
                               password=DEMO_PASSWORD,
                               platform_admin=spec.get("platform_admin", False))
        facility = facilities[spec["facility"]]
        held = set(session.scalars(select(RoleAssignment.role).where(
            RoleAssignment.user_id == user.id, RoleAssignment.facility_id == facility.id)))
        for role in spec["roles"]:
            if role not in held:
                grant_role(session, registry, user=user, facility=facility, role=role,
                           valid_from=today)
    children = load_demo_cases(session, registry, today)
    load_demo_history(session, registry, today)
    more_users = load_demo_residence(session, registry, today, DEMO_PASSWORD)  # 이음의집
    load_demo_collab(session, registry, today)  # 정보공유·서비스의뢰, needs
    load_demo_reports(session, registry, today, DEMO_PASSWORD)  # 시군구보고, its officials
    more_users += load_demo_catalog(session, registry, today, DEMO_PASSWORD)  # 복지사업 오픈마켓
    return {
        "children": children,
        "facilities": [
            {"code": f.code, "name": f.name, "profile": f.profile_code}
            for f in facilities.values()
        ],
        "users": [
            {"login": s["login"], "password": DEMO_PASSWORD, "facility": s["facility"],
             "roles": list(s["roles"])}
            for s in DEMO_USERS
        ] + more_users,
    }
