"""The demo's first three facilities and their staff; every other chapter builds on them."""

from __future__ import annotations

from typing import Any

from ieum.services.demo import DemoContext

FACILITIES: tuple[dict[str, Any], ...] = (
    {"code": "demo-child", "name": "이음아동양육시설", "profile_code": "child_home",
     "region_code": "11110", "capacity": 40},
    {"code": "demo-elderly", "name": "이음노인요양원", "profile_code": "elderly_care_home",
     "region_code": "11140", "capacity": 60},
    {"code": "demo-foster", "name": "이음가정위탁지원센터", "profile_code": "foster_care_center",
     "region_code": "11170", "capacity": None},
)

USERS: tuple[dict[str, Any], ...] = (
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


def load(context: DemoContext) -> dict[str, Any]:
    """Create what is missing of the facilities, users and their roles."""
    facilities = {spec["code"]: context.facility(**spec) for spec in FACILITIES}
    for spec in USERS:
        context.staff(login=spec["login"], name=spec["name"],
                      facility=facilities[spec["facility"]], roles=spec["roles"],
                      platform_admin=spec.get("platform_admin", False))
    return {
        "facilities": [{"code": f.code, "name": f.name, "profile": f.profile_code}
                       for f in facilities.values()],
        "users": [context.account(s["login"], s["facility"], s["roles"]) for s in USERS],
    }
