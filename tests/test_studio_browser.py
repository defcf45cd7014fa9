"""The studio in a real browser (issue 22): the shared ieum-studio.js helpers talk to the JSON
contract (load, check, save, 409), and a package goes through review and publication with a
confirmation before each step. Screenshots of the studio's pages are kept in tests/artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ieum.store.models_studio import StudioReview
from tests.browserutil import screenshot, sign_in
from tests.formlab import TODAY, seed_lab
from tests.studioutil import PACKAGE, seed_people


@pytest.fixture
def studio_server(make_app, sqlite_url, sqlite_template,  # noqa: ANN001, ANN201 - fixtures
                  live_server):
    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url, IEUM_TODAY=TODAY.isoformat())
    seed_lab(app)
    seed_people(app)
    server = live_server(app)
    server.app = app
    return server


SAVE_SCRIPT = """async () => {
  const doc = await IeumStudio.load("form", "casebook");
  doc.body.properties.hobby = {type: "string", title: "취미"};
  const broken = JSON.parse(JSON.stringify(doc.body));
  broken.properties.hobby.type = "text";
  const problems = await IeumStudio.check("form", "casebook", broken);
  const first = await IeumStudio.save("form", "casebook", doc.body, doc.version, "취미 추가",
                                      "__PACKAGE__");
  const stale = await IeumStudio.save("form", "casebook", doc.body, doc.version, "");
  return {loaded: doc.version, problems: problems, first: first, stale: stale};
}""".replace("__PACKAGE__", PACKAGE)


@pytest.mark.browser
def test_an_author_saves_through_the_helpers_and_a_second_person_approves(
        page, studio_server) -> None:
    server = studio_server
    sign_in(page, server, "author")
    page.get_by_test_id("content-studio-link").click()
    expect(page.get_by_role("heading", name="콘텐츠 스튜디오")).to_be_visible()
    result = page.evaluate(SAVE_SCRIPT)
    assert result["loaded"] is None
    assert any(p["pointer"].startswith("/properties/hobby") for p in result["problems"])
    assert result["first"]["status"] == 200 and result["first"]["data"]["version"] == 1
    assert result["stale"]["status"] == 409
    assert "다른 사용자가 먼저" in result["stale"]["data"]["error"]
    page.reload()
    expect(page.locator('[data-draft="form/casebook"]')).to_contain_text("1판")
    screenshot(page, "studio_home")

    page.goto(f"{server.url}/content/form/casebook/history?a=0&b=1")
    expect(page.get_by_test_id("changes")).to_contain_text("필드 '취미' 추가")
    screenshot(page, "studio_history")

    page.goto(f"{server.url}/content/packages/{PACKAGE}")
    page.get_by_role("button", name="검토 요청").click()
    expect(page.get_by_role("dialog")).to_contain_text("검토를 요청할까요")
    page.get_by_role("dialog").get_by_role("button", name="확인").click()
    expect(page.get_by_test_id("package-status")).to_have_text("검토 중")

    sign_in(page, server, "checker")
    page.goto(f"{server.url}/content/")
    page.get_by_test_id("review-queue").get_by_role("link", name=PACKAGE).click()
    page.get_by_role("button", name="승인").click()
    page.get_by_role("dialog").get_by_role("button", name="확인").click()
    expect(page.get_by_test_id("package-status")).to_have_text("승인됨")
    screenshot(page, "studio_package_approved")

    sign_in(page, server, "author")
    page.goto(f"{server.url}/content/packages/{PACKAGE}")
    page.get_by_role("button", name="게시").click()
    expect(page.get_by_role("dialog")).to_contain_text("모든 기관에 바로 적용됩니다")
    page.get_by_role("dialog").get_by_role("button", name="확인").click()
    expect(page.get_by_test_id("package-status")).to_have_text("게시됨")
    assert server.app.extensions["ieum.registry"].forms["casebook"].version == 3


@pytest.mark.browser
def test_declining_the_confirmation_sends_nothing(page, studio_server) -> None:
    server = studio_server
    sign_in(page, server, "author")
    page.goto(f"{server.url}/content/")
    page.evaluate("""async () => {
      const doc = await IeumStudio.load("form", "visit_note");
      return IeumStudio.save("form", "lab_note_copy", doc.body, null, "", "__PACKAGE__");
    }""".replace("__PACKAGE__", PACKAGE))
    page.goto(f"{server.url}/content/packages/{PACKAGE}")
    page.get_by_role("button", name="검토 요청").click()
    page.get_by_role("dialog").get_by_role("button", name="취소").click()  # nothing is sent
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.get_by_test_id("package-status")).to_have_text("작성 중")
    page.get_by_role("button", name="검토 요청").click()
    page.get_by_role("dialog").get_by_role("button", name="확인").click()
    expect(page.get_by_test_id("package-status")).to_have_text("검토 중")
    with server.app.extensions["ieum.database"].session() as session:
        steps = session.scalars(select(StudioReview.action)).all()
    assert steps == ["submit"]
