"""In a real browser: English chosen with the switcher on the login page holds after signing in,
in the navbar and on the dashboard, and its scripts speak English too (the idle countdown, the
confirmation dialog). Screenshot: tests/artifacts/i18n-staff-dashboard.png."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from tests.browserutil import screenshot
from tests.formlab import TODAY
from tests.webutil import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def server(make_app, sqlite_url, sqlite_template, live_server):
    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url, IEUM_TODAY=TODAY.isoformat())
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        lab = create_facility(s, registry, code="lab", name="Sunrise Home",
                              profile_code="form_lab", region_code="11110")
        user = create_user(s, login="alex", name="Alex Morgan", password=PASSWORD)
        grant_role(s, registry, user=user, facility=lab, role="admin",
                   valid_from=dt.date(2026, 1, 1))
    return live_server(app)


def test_english_chosen_on_the_login_page_holds_in_the_navbar_and_dashboard(page,
                                                                            server) -> None:
    page.goto(server.url + "/login")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    page.get_by_test_id("language-en").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("User ID").fill("alex")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    navbar = page.locator("nav.navbar")
    expect(navbar.get_by_role("button", name="Sign out")).to_be_visible()
    expect(navbar.get_by_test_id("my-jobs")).to_have_text("My jobs")
    expect(navbar.get_by_test_id("idle-countdown")).to_contain_text("Automatic sign-out in")
    expect(navbar.get_by_role("button", name="Extend")).to_be_visible()
    expect(page.get_by_test_id("language-ko")).to_have_text("한국어")

    expect(page.get_by_role("heading", name="Sunrise Home")).to_be_visible()
    expect(page.get_by_test_id("my-roles")).to_be_visible()
    expect(page.locator("main")).to_contain_text("My roles")
    expect(page.get_by_test_id("dashboard-tasks")).to_contain_text("Assigned to me")
    expect(page.get_by_test_id("dashboard-tasks")).to_contain_text("Awaiting approval")
    expect(page.get_by_test_id("monthly-records")).to_contain_text(
        "Records of the last 6 months")
    menu = page.get_by_role("navigation", name="Work menu")
    expect(menu.get_by_role("link", name="My tasks")).to_be_visible()
    expect(menu.get_by_role("link", name="Calendar")).to_be_visible()
    expect(page.get_by_test_id("admin-menu")).to_contain_text("Users and roles")
    screenshot(page, "i18n-staff-dashboard")

    # the scripts read their texts from the page (ieumT): the confirmation dialog's words
    assert page.evaluate("ieumT('확인해 주세요')") == "Please confirm"
    assert page.evaluate("ieumT('이 작업은 되돌릴 수 없습니다.')") == "This cannot be undone."

    page.goto(server.url + "/f/lab/admin/users")
    expect(page.get_by_role("heading", name="Users and roles")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screenshot(page, "i18n-staff-users")

    page.get_by_test_id("language-ko").click()  # and back to Korean
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_role("heading", name="사용자 권한관리")).to_be_visible()
