"""In a real browser: the facility head makes October's admission report from the records,
sees its check and figures, submits it; the official of the region finds it on /region/,
returns it with a reason (after confirming), the head resubmits, and the official accepts."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browserutil import menu, screenshot, sign_in
from tests.reportutil import make_report_app

pytestmark = pytest.mark.browser


@pytest.fixture
def server(make_app, sqlite_url, sqlite_template, live_server):
    sqlite_template.copy_to(sqlite_url)
    return live_server(make_report_app(make_app, sqlite_url))


def test_a_head_submits_an_admission_report_and_the_official_accepts_it(page, server) -> None:
    sign_in(page, server, "head")
    menu(page, "시군구보고")
    expect(page.get_by_role("heading", name="시군구보고")).to_be_visible()
    page.get_by_label("보고 종류").select_option("admissions")
    page.get_by_label("보고 기간").fill("2026-10")
    page.get_by_role("button", name="기록에서 만들기").click()
    expect(page.get_by_text("보고서를 만들었습니다")).to_be_visible()
    figures = page.get_by_test_id("report-figures")
    expect(figures.locator('[data-figure="admitted"] td')).to_have_text("3명")
    expect(figures.locator('[data-figure="occupancy_end"] td')).to_have_text("4명")
    expect(page.locator('[data-table="admitted"]')).to_contain_text("라온")
    expect(page.get_by_test_id("report-check")).to_contain_text("임시저장")
    screenshot(page, "reports_01_facility_draft")
    page.get_by_test_id("submit-report").click()
    expect(page.get_by_text("보고서를 시·군·구에 제출했습니다.")).to_be_visible()
    expect(page.locator('[data-status="submitted"]').first).to_be_visible()

    sign_in(page, server, "guofficial")
    page.get_by_test_id("region-link").click()
    inbox = page.get_by_test_id("review-inbox")
    expect(inbox).to_contain_text("햇살아동양육원")
    screenshot(page, "reports_02_region_inbox")
    inbox.get_by_role("link", name="검토").click()
    expect(page.get_by_test_id("report-figures")).to_contain_text("입소 인원")
    page.get_by_label("반려 사유").fill("라온의 전원 의뢰기관을 적어 주세요.")
    page.get_by_role("button", name="반려…").click()
    expect(page.get_by_test_id("return-reason")).to_have_text("라온의 전원 의뢰기관을 적어 주세요.")
    screenshot(page, "reports_03_confirm_return")
    page.get_by_role("button", name="반려 확정").click()
    expect(page.get_by_text("보고서를 반려했습니다.")).to_be_visible()

    sign_in(page, server, "head")
    page.goto(server.url + "/f/home/reports/")
    page.get_by_role("link", name="입퇴소보고").click()
    expect(page.get_by_test_id("return-reason")).to_contain_text("의뢰기관")
    page.get_by_label("시설 의견").fill("라온의 입소 기록에 의뢰기관을 더했습니다.")
    page.get_by_role("button", name="의견 저장").click()
    expect(page.get_by_text("의견을 저장했습니다.")).to_be_visible()
    page.get_by_test_id("submit-report").click()
    expect(page.get_by_text("보고서를 시·군·구에 제출했습니다.")).to_be_visible()

    sign_in(page, server, "guofficial")
    page.goto(server.url + "/region/")
    page.get_by_test_id("review-inbox").get_by_role("link", name="검토").click()
    expect(page.get_by_text("라온의 입소 기록에 의뢰기관을 더했습니다.").first).to_be_visible()
    page.get_by_role("button", name="접수", exact=True).click()
    expect(page.get_by_text("보고서를 접수했습니다.")).to_be_visible()
    history = page.get_by_test_id("report-history")
    expect(history.locator('[data-submission="1"]')).to_contain_text("반려")
    expect(history.locator('[data-submission="2"]')).to_contain_text("접수")
    screenshot(page, "reports_04_region_accepted")

    sign_in(page, server, "head")
    page.goto(server.url + "/f/home/reports/calendar")
    expect(page.locator('[data-kind="admissions"][data-period="2026-10"]')).to_have_attribute(
        "data-state", "done")
    screenshot(page, "reports_05_calendar")
