"""Role grants follow the profile: known roles only, no exclusive pairs, valid periods."""

from __future__ import annotations

import datetime as dt

import pytest

from ieum.access.officials import public_roles
from ieum.definitions import load_registry
from ieum.services import ServiceError
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_official_role, grant_role
from ieum.store import Database
from tests.conftest import TEST_CONTENT
from tests.webutil import PASSWORD


@pytest.fixture
def setup(migrated_url):
    registry = load_registry([TEST_CONTENT], plugins=False)
    database = Database(migrated_url)
    session = database.sessions()
    facility = create_facility(session, registry, code="alpha", name="알파",
                               profile_code="alpha_home", region_code="11110")
    user = create_user(session, login="kim", name="김", password=PASSWORD)
    yield registry, session, facility, user
    session.close()
    database.dispose()


def test_exclusive_roles_are_refused_only_when_periods_overlap(setup) -> None:
    registry, session, facility, user = setup
    grant_role(session, registry, user=user, facility=facility, role="worker",
               valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 6, 30))
    with pytest.raises(ServiceError, match="함께 부여할 수 없습니다") as raised:
        grant_role(session, registry, user=user, facility=facility, role="leader",
                   valid_from=dt.date(2026, 6, 1))
    assert raised.value.status == 409
    later = grant_role(session, registry, user=user, facility=facility, role="leader",
                       valid_from=dt.date(2026, 7, 1))
    assert later.valid_to == dt.date(9999, 12, 31)


def test_unknown_role_and_reversed_period_are_refused(setup) -> None:
    registry, session, facility, user = setup
    with pytest.raises(ServiceError, match="없는 역할입니다: staff"):
        grant_role(session, registry, user=user, facility=facility, role="staff",
                   valid_from=dt.date(2026, 1, 1))
    with pytest.raises(ServiceError, match="종료일보다 늦을 수 없습니다"):
        grant_role(session, registry, user=user, facility=facility, role="worker",
                   valid_from=dt.date(2026, 2, 1), valid_to=dt.date(2026, 1, 1))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"code": "Bad Code"}, "code"),
        ({"profile_code": "no_such_type"}, "profile_code"),
        ({"region_code": "seoul"}, "region_code"),
        ({"capacity": -1}, "capacity"),
        ({"code": "alpha"}, "code"),  # taken
    ],
)
def test_facility_input_is_validated(setup, kwargs, field) -> None:
    registry, session, _facility, _user = setup
    values = {"code": "gamma", "name": "감마", "profile_code": "beta_center",
              "region_code": "26110"}
    values.update(kwargs)
    with pytest.raises(ServiceError) as raised:
        create_facility(session, registry, **values)
    assert raised.value.field == field


def test_public_roles_cover_their_region_only(migrated_url):
    database = Database(migrated_url)
    try:
        with database.session() as session:
            official = create_user(session, login="official1", name="구청 담당",
                                   password=PASSWORD)
            grant_official_role(session, user=official, role="region_official",
                                region_code="11110", valid_from=dt.date(2026, 1, 1))
            with pytest.raises(ServiceError) as bad_region:
                grant_official_role(session, user=official, role="region_official",
                                    region_code="seoul", valid_from=dt.date(2026, 1, 1))
            assert bad_region.value.field == "region_code"
            with pytest.raises(ServiceError) as twice:
                grant_official_role(session, user=official, role="region_official",
                                    region_code="11110", valid_from=dt.date(2026, 3, 1))
            assert twice.value.status == 409
            roles = public_roles(session, official, dt.date(2026, 6, 1))
            assert roles.has("region_official") and not roles.has("program_designer")
            assert roles.covers_region("11110") and not roles.covers_region("11140")
            assert not public_roles(session, official, dt.date(2025, 6, 1))
    finally:
        database.dispose()
