"""In a real browser and in English, the studio's editors draw their own texts (ieumT over the
STUDIO list of ieum/web/js_texts.py) in English, without a script error: the profile composer,
the form builder and the process modeller."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ieum.config import REPOSITORY_ROOT
from tests.browserutil import sign_in
from tests.studioutil import seed_people
from tests.test_catalog_platform import TODAY, seed

pytestmark = pytest.mark.browser


@pytest.fixture
def server(make_app, sqlite_url, sqlite_template, live_server):
    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY.isoformat())
    seed(app)
    seed_people(app)  # author: content_author
    return live_server(app)


def test_the_studio_editors_draw_their_texts_in_english(page, server) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, server, "author")
    page.context.add_cookies([{"name": "ieum_lang", "value": "en", "url": server.url}])

    page.goto(server.url + "/content/profile/child_home/edit")
    composer = page.get_by_test_id("profile-composer")
    expect(composer.get_by_test_id("document-status")).to_have_text("Shipped version")
    expect(page.get_by_test_id("problems")).to_contain_text("No problems.")
    expect(page.get_by_label("Name (facility type)")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Role id")).to_be_visible()

    page.goto(server.url + "/content/form/home_visit_note/edit")
    page.locator("[data-fb-palette]").get_by_role("button", name="Short text", exact=True).click()
    properties = page.locator("[data-fb-properties]")
    expect(properties.get_by_label("Title (the name shown on screen)")).to_be_visible()
    expect(properties.get_by_label("Field name (code)")).to_be_visible()

    page.goto(server.url + "/content/process/approval/edit")
    # the properties panel's hint is replaced as soon as the diagram selects its process, so
    # the page is judged by its fixed texts
    expect(page.get_by_role("heading", name="Check results")).to_be_visible()
    expect(page.locator('[data-role="problem-count"]')).to_have_text("No problems")

    assert errors == []
