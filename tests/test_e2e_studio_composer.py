"""In a real browser, the profile composer (issue 22, item 3): a content author starts a new
profile as a copy of 아동양육시설, drags 이용료 수납 from the palette into a menu group (the
reuse figure follows), moves it with the keyboard buttons, grants the 생활복지사 role more on it
in the matrix, undoes and redoes, and saves a draft version that the studio's document endpoint
then returns. The page is kept as tests/artifacts/studio_composer.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ieum.config import REPOSITORY_ROOT
from tests.browserutil import screenshot, sign_in
from tests.studioutil import TODAY, seed_people

pytestmark = pytest.mark.browser


@pytest.fixture
def server(make_app, sqlite_url, sqlite_template, live_server):
    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY.isoformat())
    seed_people(app)
    return live_server(app)


def drag(page, source, target) -> None:
    """Drag ``source`` onto the top edge of ``target`` with the mouse, in small steps (HTML5
    drag and drop: dragstart, dragover, drop)."""
    target.scroll_into_view_if_needed()
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + 10, start["y"] + 10)
    page.mouse.down()
    page.mouse.move(start["x"] + 30, start["y"] + 30, steps=5)
    page.mouse.move(end["x"] + 20, end["y"] + 5, steps=10)
    page.mouse.up()


def test_copy_a_profile_add_a_unit_grant_it_and_save(page, server) -> None:
    sign_in(page, server, "author")
    page.goto(server.url + "/content/profile/our_child_home/edit")
    composer = page.get_by_test_id("profile-composer")
    expect(composer.get_by_test_id("document-status")).to_have_text("새 문서")
    # a new profile opens with 프로필 복사: start from 아동양육시설, everything copied
    copy_panel = page.locator("#copy-panel")
    expect(copy_panel).to_be_visible()
    copy_panel.get_by_label("원본 프로필").select_option("child_home")
    copy_panel.get_by_label("새 프로필 이름").fill("우리 아동양육시설")
    copy_panel.get_by_label("전부 복사").check()
    copy_panel.get_by_role("button", name="이 프로필로 시작").click()
    expect(page.get_by_label("이름 (시설유형)")).to_have_value("우리 아동양육시설")
    menu = page.get_by_test_id("menu-tree")
    expect(menu.get_by_test_id("menu-item-self_reliance")).to_be_visible()
    reuse = page.get_by_test_id("reuse-figure")
    expect(reuse.get_by_test_id("reuse-shared")).to_have_text("18/18")
    expect(page.get_by_test_id("problems")).to_contain_text("문제가 없습니다")

    # drag 이용료 수납 from the palette into 생활지도 (the fourth group), before 건강 관리
    page.get_by_label("찾기").fill("이용료")
    palette_item = page.get_by_test_id("palette-usage_fee")
    target = menu.get_by_test_id("menu-item-health_management")
    drag(page, palette_item, target)
    added = menu.get_by_test_id("menu-item-usage_fee")
    expect(added).to_be_visible()
    group = menu.get_by_test_id("menu-group-3")
    expect(group.locator("li.composer-item").nth(1)).to_have_attribute("data-unit", "usage_fee")
    expect(reuse.get_by_test_id("reuse-shared")).to_have_text("19/19")
    # the keyboard buttons move it too: up once, before 생활일지
    added.get_by_role("button", name="이용료 수납 위로").click()
    expect(group.locator("li.composer-item").nth(0)).to_have_attribute("data-unit", "usage_fee")

    # 생활복지사 (worker) has view on it from the base profile (a pale row); grant create too,
    # on their own records
    matrix = page.get_by_test_id("grant-matrix")
    page.get_by_label("역할", exact=True).select_option("worker")
    row = matrix.get_by_test_id("grant-row-usage_fee")
    expect(row).to_contain_text("기본 프로필")
    expect(row.get_by_label("이용료 수납 조회")).to_be_checked()
    expect(row.get_by_label("이용료 수납 등록")).not_to_be_checked()
    row.get_by_label("이용료 수납 등록").check()
    row.get_by_label("이용료 수납 범위").select_option("own")
    expect(row.get_by_label("이용료 수납 등록")).to_be_checked()
    expect(row).to_contain_text("이 프로필")
    # undo the scope, redo it
    page.get_by_role("button", name="되돌리기", exact=True).click()
    expect(row.get_by_label("이용료 수납 범위")).to_have_value("assigned")
    page.get_by_role("button", name="다시 하기", exact=True).click()
    expect(row.get_by_label("이용료 수납 범위")).to_have_value("own")

    # every role side by side: 생활복지사 may do two things in 이용료 수납, on their own records
    overview = page.get_by_test_id("grant-overview")
    overview.locator("summary").click()
    cell = overview.get_by_role("button", name="생활복지사 · 이용료 수납: 조회, 등록 (본인)")
    expect(cell).to_have_text("2개 · 본인")

    # a grant for a unit outside the menu shows its problem beside it: take 안전점검 out …
    menu.get_by_test_id("menu-item-safety_check").get_by_role(
        "button", name="안전점검 빼기").click()
    problems = page.get_by_test_id("problems")
    expect(problems).to_contain_text("메뉴에 없는 단위기능 'safety_check'에 권한을 주었습니다")
    page.get_by_role("button", name="되돌리기", exact=True).click()  # … and put it back
    expect(problems).to_contain_text("문제가 없습니다")

    # a parameter override takes its declared type: a fraction is refused beside the input
    children = menu.get_by_test_id("menu-item-subject_management")
    children.get_by_role("button", name="아동 관리 설정").click()
    max_age = children.get_by_label("최대 입소 연령")
    max_age.fill("18.5")
    max_age.press("Tab")
    expect(children.locator(".composer-problem")).to_contain_text("정수 값을 넣어야 합니다")
    max_age.fill("19")
    max_age.press("Tab")
    expect(children.locator(".composer-problem")).to_have_count(0)
    expect(problems).to_contain_text("문제가 없습니다")

    page.get_by_label("찾기").fill("")
    page.get_by_label("패키지").fill("our_home_pack")
    page.get_by_label("저장 메모").fill("이용료 수납 추가")
    page.get_by_role("button", name="저장", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="저장했습니다")).to_contain_text("버전 1")
    expect(composer.get_by_test_id("document-version")).to_have_text("버전 1")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "studio_composer")

    saved = page.request.get(server.url + "/content/profile/our_child_home/document").json()
    assert saved["version"] == 1 and saved["package"] == "our_home_pack"
    body = saved["body"]
    assert body["code"] == "our_child_home" and body["title"] == "우리 아동양육시설"
    life = body["menu"][3]
    assert [item["unit"] for item in life["items"]][:2] == ["usage_fee", "daily_care_log"]
    worker = next(role for role in body["roles"] if role["id"] == "worker")
    assert worker["grants"]["usage_fee"] == {"actions": ["view", "create"], "scope": "own"}
    assert body["menu"][0]["items"][0]["parameters"] == {"min_age": 0, "max_age": 19}
    assert saved["problems"] == []


def test_a_new_unit_function_from_a_form(page, server) -> None:
    """The unit editor makes a NEW unit function: a title in Korean, a form from the picker,
    a menu screen, a typed parameter, a feed; saved as a draft version."""
    sign_in(page, server, "author")
    page.goto(server.url + "/content/unit/night_rounds/edit")
    editor = page.get_by_test_id("unit-editor")
    expect(editor.get_by_test_id("document-status")).to_have_text("새 문서")
    problems = page.get_by_test_id("problems")
    expect(problems).to_contain_text("이름을 한글로 적어 주세요")
    page.get_by_label("이름", exact=True).fill("야간 순찰")
    page.get_by_label("이름", exact=True).press("Tab")
    page.get_by_label("설명").fill("야간에 생활실을 돌며 안전을 확인한 기록입니다.")
    page.get_by_label("설명").press("Tab")
    page.get_by_label("서식 고르기").select_option("safety_inspection")
    expect(page.get_by_test_id("unit-forms")).to_contain_text("safety_inspection")
    page.get_by_role("button", name="화면 추가").click()
    page.get_by_role("button", name="화면 추가").click()
    screens = page.get_by_test_id("unit-screens")
    expect(screens.get_by_label("화면 종류")).to_have_count(2)
    expect(screens.get_by_label("화면 종류").nth(1)).to_have_value("new")
    page.get_by_label("새 매개변수").fill("rounds_per_night")
    page.get_by_role("button", name="매개변수 추가").click()
    parameters = page.get_by_test_id("unit-parameters")
    parameters.get_by_label("rounds_per_night 이름").fill("하룻밤 순찰 횟수")
    parameters.get_by_label("rounds_per_night 이름").press("Tab")
    parameters.get_by_label("rounds_per_night 최소").fill("1")
    parameters.get_by_label("rounds_per_night 최소").press("Tab")
    # the default 0 is below the minimum: said beside the default
    expect(parameters.locator(".composer-problem")).to_contain_text("1 이상이어야 합니다")
    parameters.get_by_label("rounds_per_night 기본값").fill("3")
    parameters.get_by_label("rounds_per_night 기본값").press("Tab")
    expect(parameters.locator(".composer-problem")).to_have_count(0)
    page.get_by_label("service_history").check()
    expect(problems).to_contain_text("문제가 없습니다")
    page.get_by_role("button", name="전체 검사").click()  # ieum check's loader, nothing saved
    expect(page.get_by_role("alert").filter(has_text="전체 검사")).to_have_text(
        "전체 검사: 문제가 없습니다.")
    page.get_by_role("button", name="저장", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="저장했습니다")).to_contain_text("버전 1")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "studio_unit_editor")

    # an unsaved change: leaving the page asks first (dismissed: the page stays)
    page.get_by_label("설명").fill("고친 설명")
    page.get_by_label("설명").press("Tab")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    editor.get_by_role("link", name="콘텐츠 스튜디오").click(no_wait_after=True)
    for _ in range(50):  # the dialog comes from the browser, not from a page event
        if asked:
            break
        page.wait_for_timeout(100)
    assert asked == ["beforeunload"]
    expect(page.get_by_label("설명")).to_have_value("고친 설명")

    saved = page.request.get(server.url + "/content/unit/night_rounds/document").json()
    body = saved["body"]
    assert body["title"] == "야간 순찰" and body["forms"] == ["safety_inspection"]
    assert [screen["kind"] for screen in body["screens"]] == ["list", "new"]
    assert body["parameters"]["rounds_per_night"] == {
        "type": "integer", "default": 3, "title": "하룻밤 순찰 횟수", "minimum": 1}
    assert body["feeds"] == ["service_history"]
    assert saved["problems"] == []


def test_every_shipped_profile_opens_in_the_composer(page, server) -> None:
    """Each shipped profile (the base too) opens without a script error, with its menu, its
    roles in the matrix and no problem; saving nothing changed keeps the body as it was."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, server, "author")
    for path in sorted((REPOSITORY_ROOT / "facility_profiles").glob("*.yaml")):
        page.goto(server.url + f"/content/profile/{path.stem}/edit")
        composer = page.get_by_test_id("profile-composer")
        expect(composer.get_by_test_id("document-status")).to_have_text("게시본")
        expect(page.get_by_test_id("problems")).to_contain_text("문제가 없습니다")
        expect(page.get_by_test_id("grant-matrix").locator("tbody tr").first).to_be_visible()
        if "abstract: true" not in path.read_text(encoding="utf-8"):  # bases have no menu
            expect(page.get_by_test_id("reuse-shared")).to_be_visible()
            expect(page.get_by_test_id("menu-tree").locator("li.composer-item").first).to_be_visible()
        assert errors == [], (path.stem, errors)
    # the last one, saved untouched, is the same body
    shipped = page.request.get(server.url + f"/content/profile/{path.stem}/document").json()
    page.get_by_role("button", name="저장", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="저장했습니다")).to_be_visible()
    saved = page.request.get(server.url + f"/content/profile/{path.stem}/document").json()
    assert saved["version"] == 1 and saved["body"] == shipped["body"]
