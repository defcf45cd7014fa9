"""In a real browser, with the demo: the dashboard's charts (records per month, subjects by
status) and a statistics page's charts (each statistic field of the latest year, the ledger by
month), each an <svg role="img"> named by its figures and described by a table with the same
figures. Screenshots: tests/artifacts/charts-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browserutil import screenshot
from tests.test_e2e_staff_screens import sign_in

pytestmark = pytest.mark.browser


def figures(page, chart_id: str) -> tuple[dict[str, str], dict[str, str]]:
    """(label → value drawn in the SVG, label → value in the table it points at)."""
    svg = page.locator(f"svg#{chart_id}")
    expect(svg).to_have_attribute("role", "img")
    table_id = svg.get_attribute("aria-describedby")
    drawn = dict(svg.locator("g[data-label]").evaluate_all(
        "gs => gs.map(g => [g.dataset.label, g.dataset.value])"))
    shown = dict(page.locator(f"#{table_id} tbody tr").evaluate_all(
        "rows => rows.map(r => [r.querySelector('th').textContent.trim(),"
        " r.querySelector('td').dataset.value])"))
    return drawn, shown


def test_dashboard_and_statistics_charts_show_what_their_tables_say(page, demo_server) -> None:
    sign_in(page, demo_server, "leader")
    page.goto(demo_server.url + "/f/demo-child/")
    monthly = page.get_by_test_id("monthly-records")
    expect(monthly.get_by_role("img")).to_have_attribute(
        "aria-label", re.compile(r"^최근 6개월 월별 기록 건수: .*\d+년 \d+월 \d+건$"))
    drawn, shown = figures(page, "chart-monthly")
    assert drawn == shown and len(drawn) == 6
    assert sum(int(v) for v in drawn.values()) > 0, "the demo's records of this month count"
    expect(monthly.get_by_test_id("monthly-note")).to_contain_text("세지 않습니다")
    drawn, shown = figures(page, "chart-statuses")
    assert drawn == shown and int(drawn.get("입소", 0)) > 0
    screenshot(page, "charts-01-dashboard")
    monthly.get_by_text("표로 보기").click()
    expect(page.locator("#chart-monthly-data")).to_be_visible()
    page.set_viewport_size({"width": 375, "height": 740})  # the chart shrinks with the card
    box = page.locator("svg#chart-monthly").bounding_box()
    assert box is not None and box["width"] <= 375
    screenshot(page, "charts-03-dashboard-phone")
    page.set_viewport_size({"width": 1280, "height": 800})

    sign_in(page, demo_server, "resmanager")
    page.goto(demo_server.url + "/f/demo-residence/u/resolution/resolution/stats")
    expect(page.get_by_role("heading", level=1)).to_contain_text("통계현황")
    drawn, shown = figures(page, "chart-ledger-1")
    assert drawn == shown and drawn
    bars = page.get_by_test_id("stats-charts").get_by_role("img")
    expect(bars.first).to_be_visible()
    drawn, shown = figures(page, "chart-stat-1")
    assert drawn == shown and drawn
    screenshot(page, "charts-02-statistics")
