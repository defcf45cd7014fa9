"""In a real browser, the studio's whole journey (issue 22): a content author builds a new unit
function from nothing — a form with conditional, computed and cross-field rules in the form
builder, a three-step process with a gateway and two lanes in the modeller, the unit in the
unit editor — adds it to a copy of 아동양육시설 in the profile composer, and sends the package
for review; a second person approves it; it is published without a restart; then a worker of a
facility on the new profile signs in and works the new process with the new form. Each
builder's screen is kept under tests/artifacts/studio_journey_*.png."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from ieum.config import REPOSITORY_ROOT
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from tests.browserutil import field, screenshot, sign_in
from tests.studioutil import TODAY, seed_people
from tests.test_e2e_studio_modeller import BUILD, click_element, open_modeller, select_flow
from tests.webutil import PASSWORD

pytestmark = pytest.mark.browser

PACKAGE = "studio_visit_care"
FORM, PROCESS, UNIT, PROFILE = "visit_note", "visit_review", "home_visit", "visit_child_home"


@pytest.fixture
def studio(make_app, sqlite_url, sqlite_template, live_server, tmp_path):
    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY.isoformat(),
                   IEUM_STUDIO_PACKAGES=str(tmp_path / "studio_packages"))
    seed_people(app)  # author (content_author), checker (content_reviewer)
    server = live_server(app)
    server.app = app
    return server


def _add_field(page, kind: str, title: str, name: str) -> None:
    page.locator("[data-fb-palette]").get_by_role("button", name=kind, exact=True).click()
    props = page.locator("[data-fb-properties]")
    props.get_by_label("제목 (화면에 보이는 이름)").fill(title)
    props.get_by_label("항목 이름 (영문 코드)").fill(name)
    expect(page.get_by_test_id(f"field-{name}")).to_be_visible()


def _build_form(page, url: str) -> None:
    page.goto(f"{url}/content/form/{FORM}/edit")
    page.get_by_label("양식 제목").fill("가정방문 기록")
    props = page.locator("[data-fb-properties]")
    _add_field(page, "날짜", "방문일", "visited_on")
    props.get_by_label("필수").check()
    _add_field(page, "선택(단추)", "방문 구분", "visit_kind")
    props.get_by_label("선택지 1 값").fill("home")
    props.get_by_label("선택지 1 이름").fill("가정 방문")
    props.get_by_label("선택지 2 값").fill("other")
    props.get_by_label("선택지 2 이름").fill("기타")
    _add_field(page, "짧은 글", "기타 구분", "other_kind")
    props.get_by_label("표시 조건 (참일 때만 보임)", exact=True).fill('visit_kind == "other"')
    expect(props.locator(".fb-check").first).to_have_text("✓ 올바른 식입니다")
    _add_field(page, "숫자(정수)", "상담 시간(분)", "minutes")
    props.get_by_label("필수").check()
    props.get_by_label("최솟값").fill("1")
    _add_field(page, "숫자(소수)", "상담 시간(시간)", "hours")
    props.get_by_label("계산식 (저장할 때 계산)", exact=True).fill("round(minutes / 60, 1)")
    expect(props.locator(".fb-check").nth(1)).to_have_text("✓ 올바른 식입니다")
    _add_field(page, "날짜", "다음 방문일", "next_visit")
    _add_field(page, "긴 글", "상담 내용", "content")
    page.get_by_role("button", name="+ 규칙 추가").click()
    rule = page.get_by_test_id("rule-0")
    rule.get_by_label("규칙 (참이어야 저장됨)", exact=True).fill("next_visit > visited_on")
    expect(rule.locator(".fb-check")).to_have_text("✓ 올바른 식입니다")
    rule.get_by_label("맞지 않을 때 안내 문구").fill("다음 방문일은 방문일보다 뒤여야 합니다.")
    rule.get_by_label("다음 방문일").check()
    expect(page.locator("[data-fb-problem-count]")).to_have_text("0")
    page.get_by_role("button", name="저장", exact=True).click()
    expect(page.locator("[data-fb-status]")).to_have_text("v1 저장됨")
    screenshot(page, "studio_journey_form")


def _build_process(page, url: str, server) -> None:
    open_modeller(page, server, PROCESS)
    lane_ids = page.evaluate(BUILD)
    for lane_id, role in zip(lane_ids, ("worker", "team_leader"), strict=True):
        click_element(page, lane_id, position={"x": 300, "y": 20})
        page.get_by_label("맡는 역할").select_option(value=role)
    for task_id, name, form in (("write_plan", "방문 기록", f"{FORM}.json"),
                                ("file_plan", "기록 확인", f"{FORM}.json"),
                                ("approve_plan", "팀장 검토", "approval_decision.json")):
        click_element(page, task_id)
        page.get_by_test_id("element-name").fill(name)
        page.get_by_test_id("element-name").press("Enter")
        page.get_by_test_id("form-picker").select_option(value=form)
        if task_id == "approve_plan":
            page.get_by_label("결재 단계 (결재 대기로 셉니다)").check()
    flows = page.evaluate("""() => window.ieumModeller.modeler.get('elementRegistry')
        .get('plan_gateway').outgoing.map(f => [f.id, f.target.id])""")
    to_approval = next(f for f, target in flows if target == "approve_plan")
    to_file = next(f for f, target in flows if target == "file_plan")
    select_flow(page, to_approval)
    page.get_by_test_id("condition").fill("minutes > 60")
    expect(page.locator('[data-role="expression-feedback"]').first).to_have_text("식이 올바릅니다")
    page.get_by_test_id("condition").press("Tab")
    select_flow(page, to_file)
    page.get_by_label("기본 흐름 (어느 조건도 맞지 않을 때)").check()
    page.evaluate("() => window.ieumModeller.modeler.get('selection').select([])")
    page.get_by_test_id("process-name").fill("가정방문 기록과 검토")
    page.get_by_test_id("process-name").press("Enter")
    expect(page.get_by_test_id("problems")).to_contain_text("문제 없음", timeout=10_000)
    page.get_by_role("button", name="저장", exact=True).click()
    expect(page.get_by_test_id("modeller-version")).to_have_text("버전 1")
    screenshot(page, "studio_journey_process")


def _move_to_package(page, url: str, kind: str, key: str) -> None:
    page.goto(f"{url}/content/{kind}/{key}/history")
    move = page.get_by_test_id("move-package")
    move.get_by_label("담을 패키지").fill(PACKAGE)
    move.get_by_role("button").click()
    expect(page.get_by_role("alert").filter(has_text="패키지를 바꿨습니다")).to_be_visible()


def _build_unit(page, url: str) -> None:
    page.goto(f"{url}/content/unit/{UNIT}/edit")
    page.get_by_label("이름", exact=True).fill("가정방문")
    page.get_by_label("이름", exact=True).press("Tab")
    page.get_by_label("설명").fill("가정방문 상담을 기록하고, 긴 상담은 팀장이 검토합니다.")
    page.get_by_label("설명").press("Tab")
    page.get_by_label("서식 고르기").select_option(FORM)
    page.get_by_label("절차 고르기").select_option(PROCESS)
    page.get_by_role("button", name="화면 추가").click()
    page.get_by_role("button", name="화면 추가").click()
    screens = page.get_by_test_id("unit-screens")
    screens.get_by_label("화면 서식").nth(0).select_option(FORM)
    screens.get_by_label("화면 서식").nth(1).select_option(FORM)
    page.locator("#save-package").fill(PACKAGE)
    expect(page.get_by_test_id("problems")).to_contain_text("문제가 없습니다")
    page.get_by_role("button", name="저장", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="저장했습니다")).to_contain_text("버전 1")
    screenshot(page, "studio_journey_unit")


def _build_profile(page, url: str) -> None:
    page.goto(f"{url}/content/profile/{PROFILE}/edit")
    copy_panel = page.locator("#copy-panel")
    copy_panel.get_by_label("원본 프로필").select_option("child_home")
    copy_panel.get_by_label("새 프로필 이름").fill("가정방문 아동양육시설")
    copy_panel.get_by_label("전부 복사").check()
    copy_panel.get_by_role("button", name="이 프로필로 시작").click()
    expect(page.get_by_label("이름 (시설유형)")).to_have_value("가정방문 아동양육시설")
    page.get_by_label("찾기").fill("가정방문")
    expect(page.get_by_test_id(f"palette-{UNIT}")).to_be_visible()
    page.get_by_test_id(f"palette-{UNIT}").get_by_role("button", name="넣기").click()
    menu = page.get_by_test_id("menu-tree")
    expect(menu.get_by_test_id(f"menu-item-{UNIT}")).to_be_visible()
    matrix = page.get_by_test_id("grant-matrix")
    page.get_by_label("역할", exact=True).select_option("worker")
    row = matrix.get_by_test_id(f"grant-row-{UNIT}")
    row.get_by_label(re.compile(r"^가정방문.* 조회$")).check()
    row.get_by_label(re.compile(r"^가정방문.* 등록$")).check()
    row.get_by_label(re.compile(r"^가정방문.* 범위$")).select_option("facility")
    page.locator("#save-package").fill(PACKAGE)
    expect(page.get_by_test_id("problems")).to_contain_text("문제가 없습니다")
    page.get_by_role("button", name="저장", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="저장했습니다")).to_be_visible()
    screenshot(page, "studio_journey_profile")


def _package_action(page, url: str, button: str) -> None:
    page.goto(f"{url}/content/packages/{PACKAGE}")
    page.get_by_test_id("package-actions").get_by_role("button", name=button).click()
    page.get_by_role("dialog").get_by_role("button", name="확인").click()  # asked first


def _staff_on_the_new_profile(app) -> None:
    registry = app.extensions["ieum.registry"]  # the registry swapped in by publication
    with app.extensions["ieum.database"].session() as session:
        facility = create_facility(session, registry, code="visit", name="방문의집",
                                   profile_code=PROFILE, region_code="11110")
        worker = create_user(session, login="visitor", name="방문복지사", password=PASSWORD)
        grant_role(session, registry, user=worker, facility=facility, role="worker",
                   valid_from=dt.date(2026, 1, 1))
        session.commit()


def test_a_unit_function_built_in_the_studio_is_reviewed_published_and_used(page, studio):
    url = studio.url
    sign_in(page, studio, "author")
    _build_form(page, url)
    _build_process(page, url, studio)
    _move_to_package(page, url, "form", FORM)
    _move_to_package(page, url, "process", PROCESS)
    _build_unit(page, url)
    _build_profile(page, url)

    _package_action(page, url, "검토 요청")
    expect(page.get_by_test_id("package-status")).to_have_text("검토 중")
    documents = page.get_by_test_id("package-documents")
    for key in (FORM, PROCESS, UNIT, PROFILE):
        expect(documents).to_contain_text(key)
    # the author may not approve their own package: a second person does
    page.context.clear_cookies()
    sign_in(page, studio, "checker")
    _package_action(page, url, "승인")
    expect(page.get_by_test_id("package-status")).to_have_text("승인됨")
    _package_action(page, url, "게시")
    expect(page.get_by_test_id("package-status")).to_have_text("게시됨")
    assert PROFILE in studio.app.extensions["ieum.registry"].profiles  # no restart

    _staff_on_the_new_profile(studio.app)
    page.context.clear_cookies()
    sign_in(page, studio, "visitor")
    page.goto(f"{url}/f/visit/u/{UNIT}/processes/")
    page.get_by_role("button", name="가정방문 기록과 검토 시작").click()
    expect(page.get_by_role("heading", name="방문 기록")).to_be_visible()
    field(page, "방문일").fill("2026-10-30")
    field(page, "상담 시간(분)").fill("45")
    field(page, "다음 방문일").fill("2026-10-01")
    page.get_by_role("button", name="완료").click()
    expect(page.locator("body")).to_contain_text("다음 방문일은 방문일보다 뒤여야 합니다.")
    field(page, "다음 방문일").fill("2026-11-20")
    page.get_by_role("button", name="완료").click()
    # 45 minutes: the gateway skips the team leader's review; the worker checks the record
    expect(page.get_by_role("row").filter(has_text="기록 확인")).to_contain_text("대기")
    expect(page.get_by_role("row").filter(has_text="팀장 검토")).to_have_count(0)
    screenshot(page, "studio_journey_worker")
    page.goto(f"{url}/f/visit/tasks/")
    page.get_by_role("link", name=re.compile("기록 확인")).first.click()
    expect(page.get_by_role("heading", name="기록 확인")).to_be_visible()
    field(page, "방문일").fill("2026-10-31")
    field(page, "상담 시간(분)").fill("20")
    page.get_by_role("button", name="완료").click()
    expect(page.locator("main")).to_contain_text("완료")
    # both records are on the unit's list screen, with the computed hours
    page.goto(f"{url}/f/visit/u/{UNIT}/")
    expect(page.locator("main")).to_contain_text("2026-10-30")
    expect(page.locator("main")).to_contain_text("2026-10-31")
