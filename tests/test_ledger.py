"""The ledger per budget item (예산과목별 원장) of expense resolutions on the shipped content."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from ieum.config import REPOSITORY_ROOT
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from tests.formlab import api_token
from tests.webutil import PASSWORD, login

TODAY = dt.date(2026, 3, 20)
API = "/api/v1/f/hub/u/resolution/resolution/records"


@pytest.fixture
def client(make_app, migrated_url):
    app = make_app(migrated_url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY.isoformat())
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        hub = create_facility(s, registry, code="hub", name="이음종합사회복지관",
                              profile_code="community_welfare_center", region_code="11110")
        user = create_user(s, login="bookkeeper", name="회계담당", password=PASSWORD)
        grant_role(s, registry, user=user, facility=hub, role="facility_admin",
                   valid_from=dt.date(2026, 1, 1))
    return app.test_client()


def resolution(day: str, items: list[tuple[str, int]], funding: str = "subsidy") -> dict:
    return {"kind": "expense", "resolved_on": day, "project": "경로식당", "summary": "운영비 지출",
            "funding": funding,
            "items": [{"account": code, "description": "지출", "amount": amount}
                      for code, amount in items]}


def test_the_ledger_sums_each_budget_item_by_month(client) -> None:
    headers = api_token(client, "bookkeeper")
    accounts = client.get(f"{API[:-8]}/schema", headers=headers).get_json()[
        "properties"]["items"]["items"]["properties"]["account"]["oneOf"]
    expense = [a for a in accounts if a["const"].startswith("expense.")][:2]
    first, second = expense[0]["const"], expense[1]["const"]
    for body in (resolution("2026-02-10", [(first, 100_000), (second, 50_000)]),
                 resolution("2026-03-05", [(first, 30_000)])):
        made = client.post(API, json={"data": body}, headers=headers)
        assert made.status_code == 201, made.get_json()
        assert made.get_json()["data"]["total"] == sum(i["amount"] for i in body["items"])
    login(client, "bookkeeper")
    page = client.get("/f/hub/u/resolution/resolution/stats").get_data(as_text=True)
    assert 'data-testid="ledger"' in page and "2026-02" in page and "2026-03" in page
    row = page.split(html.escape(expense[0]["title"]))[1].split("</tr>")[0]
    assert "100,000" in row and "30,000" in row and "130,000" in row


def test_the_stats_page_charts_the_ledger_by_month_and_each_field_of_the_latest_year(
        client) -> None:
    from tests.test_dashboard_charts import _chart

    headers = api_token(client, "bookkeeper")
    accounts = client.get(f"{API[:-8]}/schema", headers=headers).get_json()[
        "properties"]["items"]["items"]["properties"]["account"]["oneOf"]
    code = next(a["const"] for a in accounts if a["const"].startswith("expense."))
    for body in (resolution("2025-12-10", [(code, 70_000)]),
                 resolution("2026-02-10", [(code, 100_000), (code, 50_000)]),
                 resolution("2026-03-05", [(code, 30_000)], funding="own")):
        assert client.post(API, json={"data": body}, headers=headers).status_code == 201
    login(client, "bookkeeper")
    page = client.get("/f/hub/u/resolution/resolution/stats").get_data(as_text=True)
    label, drawn, shown = _chart(page, "chart-ledger-1")
    assert drawn == shown == {"2025-12": "70000", "2026-02": "150000", "2026-03": "30000"}
    assert "2026-02 150,000원" in label
    charts = page.split('data-testid="stats-charts"')[1].split('data-testid="stats"')[0]
    assert "2026년 항목별 건수" in page
    figures = re.findall(r'data-chart="(chart-stat-\d+)"', charts)
    assert figures, "a chart per statistic field"
    counted = []
    for figure in figures:
        label, drawn, shown = _chart(page, figure)
        assert drawn == shown and label.startswith("2026년 ")
        counted.append(sum(int(value) for value in drawn.values()))
    assert counted[0] == 2  # the two 2026 resolutions; the 2025 one is in the table only
