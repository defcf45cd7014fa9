"""In a real browser, with the demo_server, what a social worker sees on the screens of issue 19:
whose record each row is (lists and printouts), the document an approver decides on, the
payroll chain submitted for approval without typing it again, a confirmation before what
cannot be undone, a closed case that offers no new record, numbers that agree (현원 and the
children listed as 입소), and the phone-width menu. Screenshots: tests/artifacts/staff-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ieum.services.demo import DEMO_PASSWORD
from tests.browserutil import field, menu, screenshot

pytestmark = pytest.mark.browser


def sign_in(page, server, login_name: str) -> None:
    page.context.clear_cookies()
    page.goto(server.url + "/login")
    page.get_by_label("아이디").fill(login_name)
    page.get_by_label("비밀번호").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("current-user")).to_contain_text(login_name)


def shot(page, step: str) -> None:
    screenshot(page, f"staff-{step}")


def test_approver_sees_the_document_and_the_inbox_names_it(page, demo_server) -> None:
    sign_in(page, demo_server, "reslead")
    page.goto(demo_server.url + "/f/demo-residence/tasks/?approvals=1")
    row = page.locator("tbody tr[data-task]").filter(has_text="승인 검토")
    expect(row).to_have_count(1)
    # the inbox row tells this 결의서 from any other: its 사업명, 적요 and 총금액
    expect(row.get_by_test_id("task-document-summary")).to_have_text(
        "거주인 여가 프로그램 · 봄 나들이 버스 임차 · 총금액 470,000")
    shot(page, "01-inbox")
    row.get_by_role("link", name="승인 검토").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("승인 검토")
    document = page.get_by_test_id("task-document")
    expect(document).to_have_count(1)
    expect(document.get_by_role("heading", level=2)).to_contain_text("수입·지출 결의서")
    expect(document.locator('dd[data-field="total"]')).to_have_text("470,000")
    expect(document.locator('dd[data-field="items"] tr').filter(has_text="버스 임차")) \
        .to_contain_text("350,000")
    expect(document.locator('dd[data-field="funding"]')).to_have_text("보조금")
    # the decision is on the same screen, under the document
    expect(page.get_by_role("radio", name="승인", exact=True)).to_be_visible()
    shot(page, "02-approval-with-document")


def test_payroll_chain_confirms_with_a_dialog_and_submits_the_resolution(page, demo_server) -> None:
    sign_in(page, demo_server, "resmanager")
    page.goto(demo_server.url + "/f/demo-residence/u/payroll/payroll_register/")
    page.locator("tbody tr[data-record] a").first.click()
    page.get_by_role("button", name="확정하고 인건비 결의서 만들기").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("더 이상 고칠 수 없고")
    expect(dialog).to_contain_text("되돌릴 수 없습니다")
    shot(page, "03-confirm-dialog")
    # 취소: nothing happens
    dialog.get_by_role("button", name="취소").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("payroll-confirm")).to_contain_text("확정하고")
    page.get_by_role("button", name="확정하고 인건비 결의서 만들기").click()
    with page.expect_navigation():
        page.get_by_role("dialog").get_by_role(
            "button", name="확정하고 인건비 결의서 만들기").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("수입·지출 결의서")
    expect(page.get_by_test_id("record-status")).to_have_text("임시저장")
    # the draft says what to do and offers it: 수정 → 재원 → 저장 → 결재 올리기
    offer = page.get_by_test_id("submit-approval")
    expect(offer).to_contain_text("빠진 항목(재원 등)을 채워 저장하면")
    offer.get_by_role("link", name="수정").click()
    field(page, "재원").select_option(label="보조금")
    with page.expect_navigation():
        page.get_by_role("button", name="저장", exact=True).click()
    offer = page.get_by_test_id("submit-approval")
    expect(offer).to_contain_text("담당 → 사무국장 → 시설장")
    shot(page, "04-resolution-ready")
    with page.expect_navigation():
        offer.get_by_role("button", name="결재 올리기").click()
    expect(page.get_by_role("alert").filter(has_text="결재를 올렸습니다")).to_be_visible()
    steps = page.get_by_role("list", name="업무 진행상황").locator("li")
    expect(steps.nth(0)).to_have_attribute("data-state", "done")
    expect(steps.nth(1)).to_have_attribute("data-state", "current")
    expect(steps.nth(1)).to_contain_text("사무국장 결재")
    shot(page, "05-resolution-submitted")
    # the 사무국장 finds it among 결재 대기, named by the month's 인건비
    sign_in(page, demo_server, "reslead")
    page.goto(demo_server.url + "/f/demo-residence/tasks/?approvals=1")
    expect(page.get_by_test_id("task-document-summary").filter(has_text="인건비")) \
        .to_have_count(1)


def test_lists_and_printouts_say_whose_record_and_a_closed_case_takes_no_new_record(
        page, demo_server) -> None:
    sign_in(page, demo_server, "srlead")
    page.goto(demo_server.url + "/f/demo-child/u/self_reliance/sr_child_info/")
    subjects = page.get_by_test_id("list-subject")
    expect(subjects).to_have_count(6)
    expect(subjects.filter(has_text="조수아")).to_have_count(1)
    expect(page.locator("thead th").first).to_have_text("대상자")
    shot(page, "06-list-with-subject")
    page.goto(demo_server.url + "/f/demo-child/u/self_reliance/sr_case_log/")
    row = page.locator("tbody tr[data-record]").filter(has_text="정하준")
    expect(row).to_have_count(1)
    record_url = row.locator("td").nth(1).get_by_role("link").get_attribute("href")
    page.goto(demo_server.url + record_url + "/print")
    expect(page.get_by_test_id("print-subject")).to_contain_text("정하준")
    shot(page, "07-printout-with-subject")

    # 조수아's case ended (연장종료): the page says so, and offers no new 사례관리일지
    page.goto(demo_server.url + "/f/demo-child/u/self_reliance/cases")
    page.get_by_test_id("case-list").get_by_role("link", name="조수아").click()
    expect(page.get_by_test_id("subject-status")).to_have_text("퇴소")
    expect(page.get_by_test_id("case-closed-badge")).to_contain_text("자립지원 사례관리 종결")
    new_records = page.locator("details").filter(has_text="이 대상자의 새 기록")
    new_records.locator("summary").click()
    expect(new_records.get_by_role("link", name="사례관리일지", exact=True)).to_have_count(0)
    expect(new_records.get_by_role("link", name="사후관리", exact=True)).to_have_count(1)
    subject_id = page.url.rstrip("/").rsplit("/", 1)[1]
    shot(page, "08-closed-case")
    page.goto(f"{demo_server.url}/f/demo-child/u/self_reliance/sr_case_log/new"
              f"?subject={subject_id}")
    expect(page.get_by_test_id("case-closed")).to_contain_text("사례는 종결되어")
    expect(page.locator("form.ieum-form")).to_have_count(0)


def test_occupancy_agrees_with_the_children_listed_as_admitted(page, demo_server) -> None:
    sign_in(page, demo_server, "admin")
    occupancy = page.get_by_test_id("occupancy")
    expect(occupancy).to_contain_text("명")
    shown = int(re.match(r"(\d+)명", occupancy.inner_text()).group(1))
    menu(page, "아동 관리")
    statuses = page.locator("tbody tr[data-record]")
    expect(statuses.first).to_be_visible()
    admitted = statuses.filter(has_text="입소").count()
    assert shown == admitted == 6, (shown, admitted)
    expect(statuses.filter(has_text="퇴소")).to_have_count(1)
    shot(page, "09-occupancy")


def test_at_phone_width_the_menu_waits_behind_a_button(page, demo_server) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, demo_server, "srlead")
    nav = page.get_by_role("navigation", name="업무 메뉴")
    expect(nav).to_be_hidden()
    # the page's own content starts right under the top bar, not under 25 menu links
    top = page.get_by_test_id("facility-facts").bounding_box() \
        if page.get_by_test_id("facility-facts").count() else \
        page.locator("main").bounding_box()
    assert top["y"] < 200, top
    shot(page, "10-phone-dashboard")
    page.get_by_test_id("menu-button").click()
    expect(nav).to_be_visible()
    shot(page, "11-phone-menu-open")
    nav.get_by_role("link", name="자립지원 사례관리").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_contain_text("자립지원")
    expect(nav).to_be_hidden()


@pytest.mark.parametrize(("login_name", "start", "menu_name", "link"), [
    ("official", "/region/", "지역 업무 메뉴", "관할 시설"),
    ("designer", "/studio/", "스튜디오 메뉴", "운영 모니터링")])
def test_at_phone_width_officials_and_designers_open_their_menu_too(
        page, demo_server, login_name, start, menu_name, link) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, demo_server, login_name)
    page.goto(demo_server.url + start)
    nav = page.get_by_role("navigation", name=menu_name)
    expect(nav).to_be_hidden()
    assert page.locator("main").bounding_box()["y"] < 200
    page.get_by_test_id("menu-button").click()
    expect(nav).to_be_visible()
    shot(page, f"12-phone-menu-{login_name}")
    nav.get_by_role("link", name=link).click()
    page.wait_for_load_state()
    expect(nav).to_be_hidden()


def test_back_after_a_refused_save_loads_the_form_again_without_resubmitting(
        page, demo_server) -> None:
    sign_in(page, demo_server, "resmanager")
    page.goto(demo_server.url + "/f/demo-residence/u/resolution/resolution/new")
    field(page, "사업명").fill("봄 소풍")
    with page.expect_navigation():
        page.get_by_role("button", name="저장", exact=True).click()
    # refused: what was typed and the messages are both still there
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    expect(field(page, "사업명")).to_have_value("봄 소풍")
    with page.expect_navigation():
        page.get_by_role("link", name="취소").click()
    response = page.go_back()  # without the fix: net::ERR_CACHE_MISS (form resubmission)
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("수입·지출 결의서 작성")


def test_keyboard_only_a_refused_save_lands_on_the_first_field_to_fix(page, demo_server) -> None:
    sign_in(page, demo_server, "resmanager")
    page.goto(demo_server.url + "/f/demo-residence/u/resolution/resolution/new")
    page.keyboard.press("Tab")  # the first stop skips the 25 menu links
    skip = page.get_by_test_id("skip-link")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    project = field(page, "사업명")
    expect(project).to_have_attribute("required", "")
    project.focus()
    page.keyboard.type("봄 소풍")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    invalid = page.locator('form.ieum-form [aria-invalid="true"]')
    expect(invalid.first).to_be_focused()
    described = invalid.first.get_attribute("aria-describedby")
    assert described and page.locator(f"#{described.split()[0]}").inner_text().strip()
    shot(page, "12-keyboard-refused")
