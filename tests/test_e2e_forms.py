"""In a real browser: fill the test form with every feature, break a rule, fix it, save,
find the record in the list; the entry screen is kept as a screenshot."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS
from tests.formlab import BASE, TODAY, seed_lab
from tests.webutil import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def lab_server(make_app, sqlite_url, sqlite_template, live_server):
    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url, IEUM_TODAY=TODAY.isoformat())
    seed_lab(app)
    return live_server(app)


def sign_in(page, server, login_name: str = "admin") -> None:
    page.goto(server.url + "/login")
    page.get_by_label("아이디").fill(login_name)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(server.url + "/f/lab/")


def test_fill_every_kind_of_field_and_save(page, lab_server) -> None:
    sign_in(page, lab_server)
    page.goto(lab_server.url + BASE + "/")
    page.get_by_role("link", name="새로 작성").click()
    page.wait_for_url("**/new")

    page.get_by_label("작성일").fill("2026-03-01")
    page.get_by_label("제목").fill("브라우저 기록")
    page.get_by_label("주민등록번호").fill("050301-4123456")
    other = page.locator('.ieum-field[data-field="method_other"]')
    expect(other).to_be_hidden()
    page.get_by_role("radio", name="기타").check()
    expect(other).to_be_visible()
    page.get_by_label("기타 방법").fill("문자")
    page.get_by_role("radio", name="방문").check()
    expect(other).to_be_hidden()
    page.get_by_label("주거형태").select_option("월세")
    page.get_by_role("checkbox", name="주거", exact=True).check()
    page.get_by_role("checkbox", name="학업").check()

    page.get_by_role("tab", name="평가").click()
    page.get_by_label("일상생활 점수").fill("6")
    page.get_by_label("자기관리 점수").fill("3")

    page.get_by_role("tab", name="자립정착금").click()
    page.get_by_label("자립정착금(원)").fill("1000")
    add = page.get_by_role("button", name="+ 행 추가")
    for _ in range(3):
        add.click()
    rows = page.locator('[data-rows="plan"] [data-row]')
    expect(rows).to_have_count(3)
    rows.nth(2).get_by_role("button", name="삭제").click()
    expect(rows).to_have_count(2)
    # the keyboard stays in the table: on the row before the one removed
    expect(rows.nth(1).get_by_role("button", name="삭제")).to_be_focused()
    rows.nth(0).get_by_label("항목").fill("보증금")
    rows.nth(0).get_by_label("금액(원)").fill("700")
    rows.nth(1).get_by_label("항목").fill("생활비")
    rows.nth(1).get_by_label("금액(원)").fill("200")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "form-entry-screen.png"), full_page=True)

    page.get_by_role("button", name="저장", exact=True).click()
    errors = page.get_by_test_id("form-errors")
    expect(errors).to_contain_text("사용계획 금액의 합계가 자립정착금과 같아야 합니다.")
    page.get_by_role("tab", name="자립정착금").click()
    expect(page.locator('[data-path="plan"] .invalid-feedback')).to_contain_text("합계")
    rows.nth(1).get_by_label("금액(원)").fill("300")
    page.get_by_role("button", name="저장", exact=True).click()

    page.wait_for_url("**/casebook/*")
    expect(page.get_by_test_id("record-status")).to_have_text("저장")
    expect(page.locator('dd[data-field="score_total"]')).to_have_text("9")
    expect(page.locator('dd[data-field="rrn"]')).to_contain_text("050301-4******")
    expect(page.locator('dd[data-field="rrn"]')).not_to_contain_text("4123456")
    expect(page.locator('dd[data-field="plan"]')).to_contain_text("생활비")

    menu = page.get_by_role("navigation", name="업무 메뉴")
    menu.get_by_role("link", name="자립지원 기록").click()
    expect(page.get_by_test_id("record-count")).to_contain_text("총 1건")
    expect(page.get_by_role("row").filter(has_text="브라우저 기록")).to_have_count(1)


def test_entry_screen_is_usable_at_phone_width(browser, lab_server) -> None:
    context = browser.new_context(locale="ko-KR", viewport={"width": 375, "height": 740})
    page = context.new_page()
    try:
        sign_in(page, lab_server)
        page.goto(lab_server.url + BASE + "/new")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the page scrolls sideways ({width}px)"
        expect(page.get_by_role("button", name="저장", exact=True)).to_be_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "form-entry-phone.png"), full_page=True)
    finally:
        context.close()
