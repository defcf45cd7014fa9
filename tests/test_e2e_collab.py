"""In a real browser: a worker of 하늘아동양육시설 records the child's consent to sharing and
refers her to 바다공동생활가정, chosen from the facility list with its vacancies; the receiving
facility's manager finds the review in 나의업무 and accepts; the new subject's page shows the
integrated history of both facilities; the sender confirms the result from their inbox.
Screenshots: tests/artifacts/collab-*.png."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from ieum.services.admin.users import create_user, grant_official_role
from tests.browserutil import field, screenshot, sign_in
from tests.collablab import admit, build, register
from tests.webutil import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def server(make_app, sqlite_url, sqlite_template, live_server):
    sqlite_template.copy_to(sqlite_url)
    app = build(make_app, sqlite_url)
    child = register(app, "homeworker", "home")
    admit(app, "homeadmin", "home", child, "2020-03-01")
    with app.extensions["ieum.database"].session() as s:
        official = create_user(s, login="jongno", name="종로구청", password=PASSWORD)
        grant_official_role(s, user=official, role="region_official", region_code="11110",
                            valid_from=dt.date(2026, 1, 1))
    server = live_server(app)
    server.child = child
    return server


def test_a_referral_accepted_by_the_receiving_facility(page, server) -> None:
    sign_in(page, server, "homeworker")
    page.goto(f"{server.url}/f/home/subjects/{server.child}")
    panel = page.get_by_test_id("collab-panel")
    expect(panel).to_contain_text("통합 서비스 이력")
    expect(panel.get_by_test_id("history")).to_contain_text("신규입소")

    panel.get_by_role("link", name="정보공유 동의").click()
    page.get_by_label("통합 서비스 이력 조회").check()
    page.get_by_label("서비스의뢰 시 정보 제공").check()
    page.get_by_label("생년월일").check()
    page.get_by_label("성별").check()
    field(page, "동의 방법").select_option(label="서면")
    screenshot(page, "collab-01-consent")
    page.get_by_role("button", name="동의 기록").click()
    recorded = page.get_by_role("alert").filter(has_text="정보공유 동의를 기록했습니다")
    expect(recorded).to_be_visible()

    page.get_by_test_id("collab-panel").get_by_role("link", name="서비스의뢰").click()
    expect(page.get_by_test_id("consent-state")).to_contain_text("생년월일, 성별")
    field(page, "기관명·서비스").fill("공동생활")
    page.get_by_role("button", name="찾기").click()
    targets = page.get_by_test_id("targets")
    expect(targets.locator("tbody tr")).to_have_count(1)
    row = targets.locator('tr[data-facility="gh"]')
    expect(row).to_contain_text("4")  # 정원 4, 빈자리 4
    row.get_by_role("radio").check()
    field(page, "의뢰 서비스").fill("공동생활가정 입소")
    field(page, "의뢰 사유").fill("소규모 가정형 보호가 필요합니다.")
    screenshot(page, "collab-02-refer")
    page.get_by_role("button", name="의뢰 보내기").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("검토 중")
    screenshot(page, "collab-03-sent")

    sign_in(page, server, "ghadmin")
    page.get_by_role("link", name="나의업무").first.click()
    page.get_by_role("link", name="서비스의뢰 검토").click()
    expect(page.get_by_test_id("shared-data")).to_contain_text("2010-05-01")
    expect(page.get_by_test_id("shared-data")).not_to_contain_text("서울시")
    page.get_by_label("수락").check()
    field(page, "서비스 시작(입소) 예정일").fill("2026-03-10")
    screenshot(page, "collab-04-review")
    page.get_by_role("button", name="완료").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("수락")

    page.get_by_role("link", name="김하늘").click()
    page.wait_for_url(re.compile(r".*/subjects/\d+$"))
    memberships = page.get_by_test_id("memberships")
    expect(memberships).to_contain_text("하늘아동양육시설")
    expect(memberships).to_contain_text("바다공동생활가정")
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("하늘아동양육시설")
    expect(history).to_contain_text("서비스의뢰")
    expect(page.get_by_test_id("history-scope")).to_contain_text("모든 기관")
    screenshot(page, "collab-05-history-in-b")

    sign_in(page, server, "homeworker")
    page.get_by_role("link", name="나의업무").first.click()
    page.get_by_role("link", name="의뢰 결과 확인").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("수락")
    field(page, "확인일").fill("2026-03-02")
    page.get_by_role("button", name="완료").click()
    expect(page.get_by_role("alert").filter(has_text="의뢰 결과를 확인했습니다")).to_be_visible()
    page.goto(f"{server.url}/f/home/subjects/{server.child}")
    expect(page.get_by_test_id("subject-referrals")).to_contain_text("수락")
    screenshot(page, "collab-06-result-in-a")

    page.goto(f"{server.url}/f/home/collab/")
    expect(page.get_by_test_id("referrals")).to_contain_text("수락")
    screenshot(page, "collab-07-overview-in-a")

    sign_in(page, server, "jongno")
    page.goto(f"{server.url}/region/vacancies")
    rows = page.get_by_test_id("vacancies")
    expect(rows.locator('tr[data-facility="home"] [data-occupied]')).to_have_text("1")
    expect(rows.locator('tr[data-facility="gh"]')).to_contain_text("바다공동생활가정")
    expect(rows).not_to_contain_text("새싹자립지원시설")  # another region
    screenshot(page, "collab-08-vacancies-official")
