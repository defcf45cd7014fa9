"""In a real browser, the form builder: a content author builds a new form from nothing (eight
fields in two tabs, among them a conditional field, a computed field and a repeatable table,
and a cross-field rule), with expressions checked as typed, the field picker, undo and redo,
reordering by keyboard, a copied field, the live preview (drawn by the facility screens' own
templates) validated with sample input, then saves it and finds it saved. The screen is kept
as tests/artifacts/studio_form_builder.png."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from ieum.config import REPOSITORY_ROOT
from tests.browserutil import field, screenshot, sign_in
from tests.studioutil import seed_people
from tests.test_catalog_platform import TODAY, seed

pytestmark = pytest.mark.browser

KEY = "home_visit_note"


@pytest.fixture
def server(make_app, sqlite_url, sqlite_template, live_server):
    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY.isoformat())
    seed(app)
    seed_people(app)  # author: content_author
    return live_server(app)


def _props(page):
    return page.locator("[data-fb-properties]")


def _add(page, kind: str, title: str, name: str) -> None:
    page.locator("[data-fb-palette]").get_by_role("button", name=kind, exact=True).click()
    props = _props(page)
    props.get_by_label("제목 (화면에 보이는 이름)").fill(title)
    props.get_by_label("항목 이름 (영문 코드)").fill(name)
    expect(page.get_by_test_id(f"field-{name}")).to_be_visible()


def _drag(page, source, target) -> None:
    """HTML drag and drop: the browser's own drag events with one DataTransfer (a mouse drag
    in headless Chromium may start on another element when the sticky palette scrolls)."""
    transfer = page.evaluate_handle("() => new DataTransfer()")
    source.dispatch_event("dragstart", {"dataTransfer": transfer})
    target.dispatch_event("dragover", {"dataTransfer": transfer})
    target.dispatch_event("drop", {"dataTransfer": transfer})
    source.dispatch_event("dragend", {"dataTransfer": transfer})


def _select(page, name: str) -> None:
    page.get_by_test_id(f"field-{name}").locator(".fb-title").click()


def test_build_a_form_with_rules_preview_and_save(page, server) -> None:
    sign_in(page, server, "author")
    page.goto(f"{server.url}/content/form/{KEY}/edit")
    expect(page.get_by_role("heading", name="양식 빌더")).to_be_visible()
    page.get_by_label("양식 제목").fill("가정방문 상담 기록")

    _add(page, "날짜", "방문일", "visited_on")
    _props(page).get_by_label("필수").check()
    _props(page).get_by_label("구역(탭)").fill("방문")
    _add(page, "선택(단추)", "방문 구분", "visit_kind")
    choices = _props(page)
    choices.get_by_label("선택지 1 값").fill("home")
    choices.get_by_label("선택지 1 이름").fill("가정 방문")
    choices.get_by_label("선택지 2 값").fill("other")
    choices.get_by_label("선택지 2 이름").fill("기타")
    _props(page).get_by_label("구역(탭)").fill("방문")
    _add(page, "짧은 글", "기타 구분", "other_kind")
    _props(page).get_by_label("구역(탭)").fill("방문")
    visible = _props(page).get_by_label("표시 조건 (참일 때만 보임)", exact=True)
    visible.fill("visit_kind == ")
    expect(_props(page).locator(".fb-check.text-danger")).to_contain_text(
        "식의 문법이 맞지 않습니다")
    _props(page).get_by_label("표시 조건 (참일 때만 보임)에 항목 이름 넣기").select_option(
        "visit_kind")
    visible.fill('visit_kind == "other"')
    expect(_props(page).locator(".fb-check").first).to_have_text("✓ 올바른 식입니다")
    _add(page, "숫자(정수)", "상담 시간(분)", "minutes")
    _props(page).get_by_label("최솟값").fill("1")
    _props(page).get_by_label("최댓값").fill("600")
    _props(page).get_by_label("구역(탭)").fill("방문")
    _add(page, "숫자(소수)", "상담 시간(시간)", "hours")
    _props(page).get_by_label("계산식 (저장할 때 계산)", exact=True).fill("round(minutes / 60, 1)")
    expect(_props(page).locator(".fb-check").nth(1)).to_have_text("✓ 올바른 식입니다")
    _add(page, "날짜", "다음 방문일", "next_visit")
    _add(page, "긴 글", "상담 내용", "content")
    _add(page, "반복 행(표)", "가족", "family")
    # a date dragged from the palette into the table's rows
    _drag(page, page.locator('[data-fb-palette] [data-kind="date"]'),
          page.locator('[data-drop-into="7"]'))
    expect(page.get_by_test_id("field-family").locator(".fb-children > .fb-field")).to_have_count(2)
    _props(page).get_by_label("제목 (화면에 보이는 이름)").fill("생년월일")
    _props(page).get_by_label("항목 이름 (영문 코드)").fill("birth_date")
    # 상담 내용 is health information
    _select(page, "content")
    _props(page).get_by_label("민감정보 분류").select_option("health")
    expect(page.get_by_test_id("field-content")).to_contain_text("민감: 건강정보")
    # hours dragged above minutes, then moved back down with the keyboard
    _drag(page, page.get_by_test_id("field-hours"), page.get_by_test_id("field-minutes"))
    top_names = page.locator("[data-fb-fields] > .fb-field > div code")
    expect(top_names.nth(3)).to_have_text("hours")
    page.get_by_test_id("field-hours").focus()
    page.keyboard.press("Alt+ArrowDown")
    expect(top_names.nth(3)).to_have_text("minutes")
    # a copied field, then undone and redone with the keyboard
    page.get_by_test_id("field-content").get_by_role("button", name="항목 복사").click()
    expect(page.get_by_test_id("field-content_copy")).to_be_visible()
    page.locator("body").press("Control+z")
    expect(page.get_by_test_id("field-content_copy")).to_have_count(0)
    page.locator("body").press("Control+Shift+z")
    expect(page.get_by_test_id("field-content_copy")).to_be_visible()
    page.get_by_test_id("field-content_copy").get_by_role("button", name="항목 삭제").click()
    # move 상담 내용 above 다음 방문일 with the keyboard
    page.get_by_test_id("field-content").focus()
    page.keyboard.press("Alt+ArrowUp")
    names = page.locator("[data-fb-fields] > .fb-field > div code")
    expect(names).to_have_text(["visited_on", "visit_kind", "other_kind", "minutes", "hours",
                                "content", "next_visit", "family"])
    # a cross-field rule
    page.get_by_role("button", name="+ 규칙 추가").click()
    rule = page.get_by_test_id("rule-0")
    rule.get_by_label("규칙 (참이어야 저장됨)", exact=True).fill("next_visit > visited_on")
    expect(rule.locator(".fb-check")).to_have_text("✓ 올바른 식입니다")
    rule.get_by_label("맞지 않을 때 안내 문구").fill("다음 방문일은 방문일보다 뒤여야 합니다.")
    rule.get_by_label("다음 방문일").check()

    # the preview: the facility screen's own form, with its tabs and conditions
    preview = page.get_by_test_id("form-preview")
    expect(preview.get_by_role("tab", name="방문")).to_be_visible()
    preview.get_by_role("radio", name="가정 방문").check()
    expect(preview.locator('[data-field="other_kind"]')).to_be_hidden()
    preview.get_by_role("radio", name="기타").check()
    expect(preview.locator('[data-field="other_kind"]')).to_be_visible()
    field(preview, "상담 시간(분)").fill("0")
    page.get_by_role("button", name="미리보기 검증").click()
    errors = preview.get_by_test_id("preview-errors")
    expect(errors).to_contain_text("방문일: 필수 입력 항목입니다")
    expect(errors).to_contain_text("상담 시간(분): 1 이상이어야 합니다")
    field(preview, "방문일").fill("2026-03-10")
    field(preview, "상담 시간(분)").fill("90")
    preview.get_by_role("tab", name="기본").click()
    field(preview, "다음 방문일").fill("2026-03-01")
    expect(field(preview, "다음 방문일")).to_have_value("2026-03-01")
    expect(field(preview, "방문일")).to_have_value("2026-03-10")
    page.get_by_role("button", name="미리보기 검증").click()
    expect(preview.get_by_test_id("preview-errors")).to_contain_text(
        "다음 방문일은 방문일보다 뒤여야 합니다.")
    expect(page.locator("[data-fb-problem-count]")).to_have_text("0")
    page.get_by_role("tab", name="JSON").click()
    expect(page.get_by_test_id("form-json")).to_contain_text('"x-computed"')
    schema = json.loads(page.get_by_test_id("form-json").inner_text())
    assert schema["x-visible"] == {"other_kind": 'visit_kind == "other"'}
    assert schema["x-computed"] == {"hours": "round(minutes / 60, 1)"}
    assert schema["x-rules"][0]["fields"] == ["next_visit"]
    assert schema["x-sensitive"] == {"content": "health"}
    family = schema["properties"]["family"]["items"]["properties"]
    assert family["birth_date"] == {"type": "string", "format": "date", "title": "생년월일"}
    page.get_by_role("tab", name="미리보기").click()
    _select(page, "other_kind")
    _props(page).get_by_label("표시 조건 (참일 때만 보임)", exact=True).scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "studio_form_builder")

    # leaving with unsaved changes asks first
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.evaluate("window.location.href = '/content/'")
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]
    # saved as a draft through the content studio's document endpoint, version 1
    page.get_by_role("button", name="저장", exact=True).click()
    expect(page.locator("[data-fb-status]")).to_have_text("v1 저장됨")
    expect(page.locator("[data-fb-message]")).to_have_text("저장했습니다.")
    # opened again: the draft comes back with every field, rule and expression
    page.reload()
    expect(page.locator("[data-fb-status]")).to_contain_text("v1")
    expect(names).to_have_text(["visited_on", "visit_kind", "other_kind", "minutes", "hours",
                                "content", "next_visit", "family"])
    expect(page.get_by_test_id("field-hours")).to_contain_text("계산")
    expect(page.get_by_test_id("field-other_kind")).to_contain_text("조건부 표시")
    expect(page.get_by_test_id("rule-0").get_by_label("맞지 않을 때 안내 문구")).to_have_value(
        "다음 방문일은 방문일보다 뒤여야 합니다.")
    # duplicated under a new key: a second draft, opened in the builder
    page.get_by_label("복제할 새 양식 키").fill("home_visit_note_short")
    page.get_by_role("button", name="양식 복제").click()
    expect(page).to_have_url(f"{server.url}/content/form/home_visit_note_short/edit")
    expect(page.get_by_label("양식 제목")).to_have_value("가정방문 상담 기록")
    expect(names).to_have_count(8)


def test_a_shipped_form_opens_and_its_json_is_unchanged(page, server) -> None:
    sign_in(page, server, "author")
    page.goto(f"{server.url}/content/form/case_closure/edit")
    expect(page.locator("[data-fb-status]")).to_have_text("배포본")
    expect(page.get_by_test_id("field-closure_reason")).to_be_visible()
    expect(page.get_by_test_id("field-transfer_agency")).to_contain_text("조건부 필수")
    expect(page.get_by_test_id("field-transfer_agency")).to_contain_text("조건부 표시")
    expect(page.locator("[data-fb-problem-count]")).to_have_text("0")
    page.get_by_test_id("field-transfer_agency").locator(".fb-title").click()
    expect(page.get_by_test_id("required-when")).to_contain_text(
        "종결 사유: 타 기관 이관일 때 필수")
    page.get_by_role("tab", name="JSON").click()
    shown = json.loads(page.get_by_test_id("form-json").inner_text())
    shipped = json.loads((REPOSITORY_ROOT / "forms" / "case_closure.json").read_text("utf-8"))
    assert shown == shipped
