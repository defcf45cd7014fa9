"""Facilities and officials of 종로구 (11110) for the community-care tests.

- ``home``: 하늘아동양육시설 (child_home, 정원 2) and ``gh``: 바다공동생활가정 (group_home,
  정원 4), from ``collablab``; ``srf`` in 11140 (another region);
- ``hc``: 푸른재가노인복지센터 (home_visit_care) and ``wc``: 햇살종합사회복지관
  (community_welfare_center), both 11110, no capacity;
- officials ``jongno`` and ``jongno2`` (region_official 11110), ``junggu`` (11140).

Users ``<facility>admin`` / ``lead`` / ``worker`` as in ``collablab``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ieum.access.officials import public_roles
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_official_role, grant_role
from ieum.store.models import User
from tests import collablab
from tests.collablab import ROLES, TODAY
from tests.webutil import PASSWORD

MORE = {
    "hc": ("푸른재가노인복지센터", "home_visit_care", "11110", None),
    "wc": ("햇살종합사회복지관", "community_welfare_center", "11110", None),
}
OFFICIALS = {"jongno": "11110", "jongno2": "11110", "junggu": "11140"}


def build(make_app, url: str):
    app = collablab.build(make_app, url)
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        for code, (name, profile, region, capacity) in MORE.items():
            facility = create_facility(s, registry, code=code, name=name, profile_code=profile,
                                       region_code=region, capacity=capacity)
            for suffix, role in ROLES.items():
                user = create_user(s, login=f"{code}{suffix}", name=f"{name[:2]}{suffix}",
                                   password=PASSWORD)
                grant_role(s, registry, user=user, facility=facility, role=role,
                           valid_from=dt.date(2026, 1, 1))
        for login, region in OFFICIALS.items():
            user = create_user(s, login=login, name=f"{login} 주무관", password=PASSWORD)
            grant_official_role(s, user=user, role="region_official", region_code=region,
                                valid_from=dt.date(2026, 1, 1))
    return app


def official(s, login: str):
    """The official's user and public roles."""
    user = s.scalar(select(User).where(User.login == login))
    return user, public_roles(s, user, TODAY)


def payroll(app, login: str, facility: str, top_base: int, top_allowance: int,
            month: str = "2026-02") -> int:
    """A saved payroll register whose best-paid worker earns ``top_base + top_allowance``."""
    with collablab.workspace(app, login, facility) as (s, ws):
        return collablab.save(app, s, ws, "payroll", "payroll_register", {
            "pay_month": month, "paid_on": f"{month}-25",
            "employees": [
                {"name": "김시설", "base": top_base, "allowance": top_allowance,
                 "deduction": 500_000, "net": top_base + top_allowance - 500_000},
                {"name": "이보육", "base": 2_700_000, "allowance": 200_000,
                 "deduction": 300_000, "net": 2_600_000}]}).id
