"""The facility's side menu is rendered once per worker and key (``ieum.web.fragments``) and
stays what a fresh render shows: a role granted, a language chosen, content published, a
facility renamed or another page opened show on the next page."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

from sqlalchemy import select

from ieum.definitions import load_registry
from ieum.services.admin.users import grant_role
from ieum.store.models import Facility, User
from ieum.web import fragments
from tests.conftest import TEST_CONTENT
from tests.formlab import TODAY, seed_lab
from tests.webutil import csrf_token, login

PAGE = "/f/lab/tasks/"
SIDEBAR = re.compile(r'<div class="col-md-3[^"]*sidebar.*?</nav>\s*</div>', re.S)


def _sidebar(client, path: str = PAGE) -> str:  # noqa: ANN001
    answer = client.get(path, follow_redirects=True)
    assert answer.status_code == 200, path
    found = SIDEBAR.search(answer.get_data(as_text=True))
    assert found is not None, path
    return found.group(0)


def _app(make_app, migrated_url):  # noqa: ANN001, ANN202
    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    seed_lab(app)
    return app


def test_a_kept_menu_is_what_a_fresh_render_shows_on_every_page(make_app, migrated_url):
    app = _app(make_app, migrated_url)
    client = app.test_client()
    login(client, "admin")
    links = re.findall(r'href="(/f/lab/[^"]*)"', _sidebar(client))
    assert len(links) >= 4  # 나의업무, 일정 달력, the unit, 기관 관리 ...
    for path in [*links, PAGE]:  # each after the others filled the cache
        kept = _sidebar(client, path)
        assert _sidebar(client, path) == kept  # served from the cache
        fragments.clear(app)
        assert _sidebar(client, path) == kept  # rendered afresh
    actives = {path: re.findall(r'class="nav-link[^"]*active', _sidebar(client, path))
               for path in links}
    assert any(actives.values())  # the active item follows the page


def test_a_granted_role_shows_in_the_menu_on_the_next_page(make_app, migrated_url):
    app = _app(make_app, migrated_url)
    client = app.test_client()
    login(client, "worker")
    assert 'data-testid="admin-menu"' not in _sidebar(client)
    with app.extensions["ieum.database"].session() as s:
        user = s.scalar(select(User).where(User.login == "worker"))
        lab = s.scalar(select(Facility).where(Facility.code == "lab"))
        grant_role(s, app.extensions["ieum.registry"], user=user, facility=lab, role="admin",
                   valid_from=dt.date(2026, 1, 1))
        s.commit()
    assert 'data-testid="admin-menu"' in _sidebar(client)


def test_the_chosen_language_shows_in_the_menu_on_the_next_page(make_app, migrated_url):
    app = _app(make_app, migrated_url)
    client = app.test_client()
    login(client, "worker")
    assert "업무 메뉴" in _sidebar(client)
    for lang, shown, gone in (("en", "Work menu", "업무 메뉴"), ("ko", "업무 메뉴", "Work menu")):
        client.post("/language", data={"lang": lang, "next": PAGE,
                                       "csrf_token": csrf_token(client, PAGE)})
        sidebar = _sidebar(client)
        assert shown in sidebar and gone not in sidebar


def test_published_content_and_a_renamed_facility_show_on_the_next_page(
        make_app, migrated_url, tmp_path: Path):
    app = _app(make_app, migrated_url)
    client = app.test_client()
    login(client, "worker")
    assert ">기록<" in _sidebar(client)
    content = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, content)
    profile = content / "facility_profiles" / "form_lab.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("group: 기록",
                                                                  "group: 새 기록 묶음"),
                       encoding="utf-8")
    app.extensions["ieum.registry"] = load_registry([content], plugins=False)  # a publication
    sidebar = _sidebar(client)
    assert ">새 기록 묶음<" in sidebar and ">기록<" not in sidebar
    with app.extensions["ieum.database"].session() as s:
        s.scalar(select(Facility).where(Facility.code == "lab")).name = "새이름시험원"
        s.commit()
    assert "새이름시험원" in _sidebar(client)
