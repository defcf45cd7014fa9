"""In a real browser: a designer compares a draft with the published version of 생계급여 and
sees who gains and who loses (the SVG chart and its table, small groups hidden); after
publication, the predicted-vs-actual table of the monitoring. Screenshots in tests/artifacts/
(catalog-compare-*.png)."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from ieum.catalog.definition import shipped_programs, to_mapping
from ieum.config import REPOSITORY_ROOT
from tests.browserutil import screenshot, sign_in
from tests.test_catalog_platform import (
    LIVELIHOOD_ANNEX,
    POOR,
    TODAY,
    _apply,
    _client,
    seed,
    to_yaml_mapping,
)
from tests.webutil import csrf_token

pytestmark = pytest.mark.browser


@pytest.fixture
def server(make_app, sqlite_url, sqlite_template, live_server):
    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY.isoformat(),
                   IEUM_CATALOG_POPULATION=20_000, IEUM_CATALOG_MIN_GROUP=10)
    seed(app)
    designer = _client(app, "pdesigner")
    mapping = to_mapping(shipped_programs()["livelihood-2026"])
    mapping["parameters"] = {2025: {"threshold_share": 0.32}, 2026: {"threshold_share": 0.35}}
    upload = designer.post("/studio/upload", data={
        "csrf_token": csrf_token(designer, "/studio/upload"),
        "file": (io.BytesIO(to_yaml_mapping(mapping).encode()), "v2.yaml")})
    assert upload.status_code == 302
    running = live_server(app)
    running.file_application = lambda: _apply(app, _client(app, "cworker"),
                                              ["livelihood-2026"], POOR, extra=LIVELIHOOD_ANNEX)
    return running


def test_compare_versions_then_predicted_vs_actual(page, server) -> None:
    sign_in(page, server, "pdesigner")
    page.goto(server.url + "/studio/p/livelihood-2026")
    card = page.get_by_test_id("compare-card")
    expect(card.get_by_label("기준 버전")).to_have_value("1")
    expect(card.get_by_label("비교 버전")).to_have_value("2")
    card.get_by_role("button", name="누가 얻고 누가 잃는가").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("누가 얻고 누가 잃는가")
    expect(page.get_by_test_id("decile-chart")).to_be_visible()
    expect(page.get_by_test_id("decile-chart-table")).to_contain_text("1분위")
    expect(page.get_by_test_id("suppression-note")).to_contain_text("10가구 미만")
    expect(page.get_by_test_id("gini")).to_contain_text("→")
    sizes = page.get_by_test_id("gains-size")
    expect(sizes).to_contain_text("6인 이상")
    hidden = page.locator("[data-testid=gains-decile] td", has_text="표시 안 함")
    assert hidden.count() > 0  # deciles far above the line have few movers: hidden
    screenshot(page, "catalog-compare-01-gains-losses")

    # publish v2 (the prediction is stored), one application comes in, the table shows it
    page.goto(server.url + "/studio/p/livelihood-2026")
    page.get_by_role("button", name="검토 요청").click()
    sign_in(page, server, "previewer")
    page.goto(server.url + "/studio/")
    page.get_by_test_id("review-queue").get_by_role("link", name="생계급여").click()
    page.get_by_role("button", name="승인·게시").click()
    with page.expect_navigation():
        page.get_by_role("dialog").get_by_role("button", name="승인·게시").click()
    expect(page.get_by_role("alert").filter(has_text="승인했습니다")).to_be_visible()
    assert server.file_application().status_code == 302
    page.goto(server.url + "/studio/monitoring")
    page.get_by_test_id("monitoring-table").locator('[data-code="livelihood-2026"]') \
        .get_by_role("link", name="예측 대비 실적").click()
    table = page.get_by_test_id("predicted-vs-actual")
    expect(table).to_be_visible()
    expect(page.get_by_test_id("prediction-assumptions")).to_contain_text("신청률 50%")
    seoul = table.locator('tr[data-region="seoul"]').filter(
        has=page.locator('td[data-col="applications"]', has_text="1")).first
    expect(seoul.locator('td[data-col="actual-benefit"]')).to_have_text("표시 안 함")
    expect(page.get_by_test_id("outcomes-export")).to_be_visible()
    screenshot(page, "catalog-compare-02-predicted-vs-actual")
