"""Every main screen, at desktop and phone width, passes axe-core's WCAG 2.1 A/AA rules
(KWCAG 2.2 follows WCAG 2.1 AA): staff, a 시·군·구 official, a program designer and a content
author, on the demo data. Screenshots: tests/artifacts/a11y-*.png."""

from __future__ import annotations

import pytest

from ieum.services.demo import DEMO_PASSWORD
from tests import axe
from tests.browserutil import screenshot

pytestmark = pytest.mark.browser

HOME = "/f/demo-child"
SCREENS = {
    None: ["/login"],
    "leader": [f"{HOME}/", f"{HOME}/tasks/", f"{HOME}/u/subject_management",
               f"{HOME}/u/daily_care_log", f"{HOME}/u/counselling", f"{HOME}/calendar/",
               "/notifications/", "/notifications/settings", "/jobs/"],
    "resmanager": ["/f/demo-residence/u/resolution/resolution/stats"],
    "srlead": [f"{HOME}/u/self_reliance"],
    "admin": [f"{HOME}/u/subject_management/subject_basic/new", f"{HOME}/admin/users",
              f"{HOME}/admin/audit",
              f"{HOME}/admin/closings", f"{HOME}/reports/", f"{HOME}/u/resolution/resolution/new"],
    "official": ["/region/", "/region/reports", "/region/facilities"],
    "designer": ["/studio/", "/studio/monitoring"],
    "author": ["/content/"],
}
WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 740}}
#: At phone width, one screen of each layout and kind (the rules that change with the width:
#: the offcanvas menu, wrapped tables and toolbars).
PHONE = {"/login", f"{HOME}/", f"{HOME}/tasks/", f"{HOME}/u/subject_management",
         f"{HOME}/u/self_reliance", f"{HOME}/u/subject_management/subject_basic/new",
         "/region/", "/studio/", "/content/", f"{HOME}/calendar/",
         "/f/demo-residence/u/resolution/resolution/stats"}


def test_the_main_screens_have_no_wcag_violation(browser, demo_server) -> None:
    found: dict[str, list[str]] = {}
    for width, viewport in WIDTHS.items():
        # axe is evaluated into the page through the DevTools protocol; the app's CSP (no
        # inline script) stays on for the app's own pages
        context = browser.new_context(locale="ko-KR", viewport=viewport)
        page = context.new_page()
        try:
            for login_name, paths in SCREENS.items():
                page.context.clear_cookies()
                if login_name is not None:
                    page.goto(demo_server.url + "/login")
                    page.get_by_label("아이디").fill(login_name)
                    page.get_by_label("비밀번호").fill(DEMO_PASSWORD)
                    page.get_by_role("button", name="로그인").click()
                    page.wait_for_load_state()
                for path in paths:
                    if width == "phone" and path not in PHONE:
                        continue
                    response = page.goto(demo_server.url + path)
                    assert response is not None and response.status == 200, (path, login_name)
                    problems = axe.violations(page)
                    if problems:
                        found[f"{width} {login_name} {path}"] = problems
                        name = path.strip("/").replace("/", "-") or "root"
                        screenshot(page, f"a11y-{width}-{name}")
        finally:
            context.close()
    assert not found, "\n".join(f"{where}:\n  " + "\n  ".join(lines)
                                for where, lines in found.items())
