"""An installed vendor package's unit function shows up in the menu of a profile naming it."""

from __future__ import annotations

import datetime as dt

from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from tests.content_tree import profile, write
from tests.vendor_fixture import VENDOR_PLUGIN, VENDOR_UNIT
from tests.webutil import PASSWORD, login


def test_vendor_unit_function_appears_in_the_menu(vendor_site, monkeypatch, make_app,
                                                  sqlite_url, sqlite_template, tmp_path) -> None:
    monkeypatch.syspath_prepend(str(vendor_site))
    root = tmp_path / "content"
    write(root, "facility_profiles/visiting_center.yaml",
          profile("visiting_center", [VENDOR_UNIT], title="방문지원센터"))
    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url, roots=[root], IEUM_PLUGINS=True)

    registry = app.extensions["ieum.registry"]
    assert registry.unit_functions[VENDOR_UNIT].plugin == VENDOR_PLUGIN
    with app.extensions["ieum.database"].session() as session:
        facility = create_facility(session, registry, code="visits", name="방문센터",
                                   profile_code="visiting_center", region_code="11110")
        user = create_user(session, login="visitor", name="방문자", password=PASSWORD)
        grant_role(session, registry, user=user, facility=facility, role="admin",
                   valid_from=dt.date(2020, 1, 1))

    client = app.test_client()
    login(client, "visitor")
    page = client.get("/f/visits/").get_data(as_text=True)
    assert f'data-unit="{VENDOR_UNIT}"' in page
    assert "방문기록" in page
    assert client.get(f"/f/visits/u/{VENDOR_UNIT}/", follow_redirects=True).status_code == 200
