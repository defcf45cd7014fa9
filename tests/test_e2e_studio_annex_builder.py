"""In a real browser, the program studio's annex (별지) built with the form builder: a program
designer reads the criteria with the variables' Korean names, inserts one by its Korean name,
adds a yes/no field and a conditional amount to the annex in the embedded builder, and saves;
the program's application preview shows the annex as built."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from ieum.config import REPOSITORY_ROOT
from tests.browserutil import field, screenshot, sign_in
from tests.test_catalog_platform import TODAY, seed

pytestmark = pytest.mark.browser


@pytest.fixture
def server(make_app, sqlite_url, sqlite_template, live_server):
    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY.isoformat(),
                   IEUM_CATALOG_POPULATION=5000)
    seed(app)
    return live_server(app)


def test_annex_built_with_the_form_builder(page, server) -> None:
    sign_in(page, server, "pdesigner")
    page.goto(server.url + "/studio/new")
    field(page, "사업 코드").fill("heater-aid-2026")
    field(page, "사업명").fill("난방기구 지원")
    field(page, "소관 부서").fill("시험 복지과")
    field(page, "지원 대상").fill("저소득층")
    field(page, "법적 근거").fill("시험 조례")
    field(page, "사업 설명").fill("난방기구가 없는 가구에 지원합니다.")
    # the criteria read with the variables' Korean names; a variable picked by its Korean name
    expect(page.get_by_test_id("reading-criteria")).to_have_text("읽기: 소득인정액 ≤ 선정기준액")
    criteria = field(page, "선정기준 식 (참/거짓)")
    criteria.fill("income_recognition <= threshold and ")
    page.get_by_label("선정기준 식 (참/거짓)에 변수 넣기").select_option(label="가구원 수 — size")
    expect(criteria).to_have_value("income_recognition <= threshold and size")
    criteria.press("End")
    criteria.type(" >= 1")
    expect(page.get_by_test_id("reading-criteria")).to_have_text(
        "읽기: 소득인정액 ≤ 선정기준액 그리고 가구원 수 ≥ 1")
    expect(page.locator('[data-check-result="criteria"]')).to_contain_text("올바른 식입니다")
    field(page, "급여액 식 (원)").fill("300000")

    # the annex in the embedded builder: the starter field is there, two more are added
    annex = page.get_by_test_id("annex-builder")
    expect(annex.get_by_test_id("field-application_reason")).to_be_visible()
    annex.locator("[data-fb-palette]").get_by_role("button", name="예/아니오", exact=True).click()
    props = annex.locator("[data-fb-properties]")
    props.get_by_label("제목 (화면에 보이는 이름)").fill("난방기구 보유")
    props.get_by_label("항목 이름 (영문 코드)").fill("has_heater")
    annex.locator("[data-fb-palette]").get_by_role("button", name="숫자(정수)", exact=True).click()
    props.get_by_label("제목 (화면에 보이는 이름)").fill("월 난방비")
    props.get_by_label("항목 이름 (영문 코드)").fill("monthly_cost")
    props.get_by_label("최솟값").fill("0")
    props.get_by_label("표시 조건 (참일 때만 보임)", exact=True).fill("has_heater == True")
    expect(props.locator(".fb-check").first).to_have_text("✓ 올바른 식입니다")
    preview = annex.get_by_test_id("form-preview")
    expect(preview.locator('[data-field="monthly_cost"]')).to_be_hidden()
    preview.get_by_role("switch", name="난방기구 보유").check()
    expect(preview.locator('[data-field="monthly_cost"]')).to_be_visible()
    schema = json.loads(page.locator("#f-annex_form").input_value())
    assert list(schema["properties"]) == ["application_reason", "has_heater", "monthly_cost"]
    assert schema["x-visible"] == {"monthly_cost": "has_heater == True"}
    screenshot(page, "studio_annex_builder")

    page.get_by_role("button", name="저장하고 유사사례 확인").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("난방기구 지원")
    page.get_by_role("link", name="신청서 미리보기").click()
    section = page.locator('[data-section="annex.heater-aid-2026"]')
    expect(section).to_contain_text("난방기구 보유")
    expect(section).to_contain_text("월 난방비")
    # opened again, the annex comes back into the builder
    page.goto(server.url + "/studio/p/heater-aid-2026/edit")
    expect(page.get_by_test_id("annex-builder").get_by_test_id("field-monthly_cost")).to_be_visible()
