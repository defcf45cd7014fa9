"""In a real browser: the facility head finds the report deadline notices under the navbar's
bell, marks one read (the count goes down), opens another (it leads to the deadlines), marks
all read, and reads the month calendar (Korean weekdays, today marked, the due report linked),
moving to the next month and back; at phone width the calendar becomes a list of days."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from freezegun import freeze_time
from playwright.sync_api import expect

from ieum.services.workflows import tick
from tests.browserutil import menu, screenshot, sign_in
from tests.reportutil import make_report_app

pytestmark = pytest.mark.browser


@pytest.fixture
def server(make_app, sqlite_url, sqlite_template, live_server):
    sqlite_template.copy_to(sqlite_url)
    app = make_report_app(make_app, sqlite_url)
    with freeze_time("2026-11-05 09:00:00+09:00"), \
            app.extensions["ieum.database"].session() as session:
        tick(session, app.extensions["ieum.registry"], app.extensions["ieum.functions"],
             dt.datetime.now(dt.UTC))
    return live_server(app)


def test_the_bell_the_notices_and_the_calendar(page, server) -> None:
    sign_in(page, server, "head")
    bell = page.get_by_test_id("notifications-bell")
    count = page.get_by_test_id("notifications-count")
    expect(count).to_be_visible()
    before = int(re.match(r"\d+", count.inner_text()).group())
    assert before >= 2
    bell.click()
    expect(page.get_by_role("heading", name="알림")).to_be_visible()
    rows = page.get_by_test_id("notifications").locator("tbody tr")
    expect(rows).to_have_count(before)
    listing = page.get_by_test_id("notifications")
    expect(listing).to_contain_text("입퇴소보고 2026년 10월 제출 기한이")
    expect(page.get_by_test_id("notifications")).to_contain_text("보고 기한 지남")
    screenshot(page, "notifications_01_list")

    rows.first.get_by_role("button", name=re.compile("^읽음 표시")).click()
    expect(page.get_by_test_id("notifications-count")).to_contain_text(str(before - 1))
    expect(page.locator('tr[data-unread="0"]')).to_have_count(1)
    expect(page.locator('tr[data-unread="0"]')).to_contain_text("읽음")

    page.locator('tr[data-unread="1"]').first.get_by_role("button").first.click()
    expect(page.get_by_role("heading", name="보고 기한 달력")).to_be_visible()
    expect(page.get_by_test_id("notifications-count")).to_contain_text(str(before - 2)) \
        if before > 2 else expect(page.get_by_test_id("notifications-count")).to_have_count(0)

    page.goto(server.url + "/notifications/")
    if before > 2:
        page.get_by_test_id("mark-all-read").click()
        expect(page.get_by_text(re.compile(r"알림 \d+건을 모두 읽음으로 표시"))).to_be_visible()
    expect(page.get_by_test_id("notifications-count")).to_have_count(0)
    expect(page.get_by_test_id("unread-total")).to_have_text("0")
    screenshot(page, "notifications_02_all_read")

    menu(page, "일정 달력")
    calendar = page.get_by_test_id("calendar")
    expect(page.get_by_test_id("calendar-month")).to_have_text("2026년 11월")
    expect(calendar.locator("thead th")).to_have_text(["일", "월", "화", "수", "목", "금", "토"])
    today = calendar.locator('td[aria-current="date"]')
    expect(today).to_have_attribute("data-date", "2026-11-05")
    expect(today).to_contain_text("오늘")
    due = calendar.locator('td[data-date="2026-11-10"]')
    expect(due).to_contain_text("[보고]")
    expect(due).to_contain_text("입퇴소보고 2026년 10월 제출")
    expect(due).to_contain_text("(기한 임박)")
    screenshot(page, "notifications_03_calendar")
    due.get_by_role("link", name=re.compile("입퇴소보고 2026년 10월")).click()
    expect(page).to_have_url(re.compile(r"/f/home/reports/"))
    page.go_back()
    page.get_by_test_id("calendar-next").click()
    expect(page.get_by_test_id("calendar-month")).to_have_text("2026년 12월")
    expect(page.locator('td[aria-current="date"]')).to_have_count(0)
    page.get_by_test_id("calendar-today").click()
    expect(page.get_by_test_id("calendar-month")).to_have_text("2026년 11월")

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    expect(page.get_by_test_id("notifications-bell")).to_be_visible()  # not behind the menu
    expect(page.locator('td[data-date="2026-11-10"] .cal-long')).to_be_visible()
    expect(page.locator('td[data-date="2026-11-10"] .cal-long')).to_contain_text("11월 10일 화요일")
    screenshot(page, "notifications_04_calendar_phone")
