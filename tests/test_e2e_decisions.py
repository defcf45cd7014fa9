"""In a real browser (issue 16): the investigator decides an application, opens its decision
record as a collapsible tree with values, formulas and legal citations, replays it, and opens
the decision notice (결정 통지서) with the counterfactual and the appeal guidance; the facility
worker prints the same notice. Screens are kept as screenshots (tests/artifacts/decision-*)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ieum.access.audit import Actor
from ieum.config import REPOSITORY_ROOT
from ieum.services.catalog import applications
from ieum.services.workflows import Runtime
from ieum.services.workspace import open_workspace
from ieum.store.models import User
from ieum.store.models_catalog import Application
from ieum.workflow.functions import available
from tests.browserutil import field, radio, screenshot, sign_in
from tests.test_catalog_platform import TODAY, seed

pytestmark = pytest.mark.browser


@pytest.fixture
def server(make_app, sqlite_url, sqlite_template, live_server):
    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY.isoformat())
    seed(app)
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as session:
        worker = session.scalar(select(User).where(User.login == "cworker"))
        workspace = open_workspace(session, registry, worker, "cat-child", TODAY)
        rt = Runtime(registry, available(plugins=False), TODAY, Actor(worker.id, worker.login))
        filing = applications.Filing(
            codes=["livelihood-2026"], person_name="한기준",
            common={"applicant_name": "한기준", "applicant_rrn": "5001011234567",
                    "address": "서울특별시 종로구 1", "phone": "010-1111-2222",
                    "household_size": 1, "notice_method": "paper", "consent": True},
            household={"size": 1, "region": "seoul", "earned_income": 1_190_000,
                       "financial_assets": 2_000_000},
            annexes={"livelihood-2026": {"work_ability": "capable",
                                         "has_support_obligor": False}})
        applications.file_applications(session, rt, workspace, filing)
        app.config["application_id"] = session.scalar(select(Application.id))
    server = live_server(app)
    server.application_id = app.config["application_id"]
    return server


def test_trace_tree_replay_and_notice(page, server) -> None:
    application_id = server.application_id
    sign_in(page, server, "official")
    page.goto(f"{server.url}/catalog/investigations/{application_id}")
    radio(page, "부적합(미지급)").check()
    field(page, "결정 사유").fill("소득인정액이 선정기준액을 넘습니다")
    page.get_by_role("button", name="결정 저장").click()
    expect(page.get_by_text("결정을 저장했습니다")).to_be_visible()

    # the decision record: a tree with Korean labels, values, formulas and citations
    page.goto(f"{server.url}/catalog/investigations/{application_id}/decision")
    tree = page.get_by_test_id("trace-tree")
    expect(tree).to_contain_text("결정")
    expect(tree).to_contain_text("국민기초생활 보장법 제8조제2항")
    expect(page.get_by_test_id("integrity")).to_contain_text("무결성 확인")
    income = page.locator('[data-trace-node="income_evaluation"]').first
    expect(income).to_be_visible()
    citation = income.locator(".trace-citation").first
    expect(citation).to_be_hidden()  # deeper branches start folded
    income.locator("summary").first.click()  # unfold
    expect(citation).to_be_visible()
    expect(citation).to_contain_text("시행령 제5조의2")
    expect(page.get_by_test_id("counterfactuals")).to_contain_text(
        "소득인정액이 월 12,444원 낮으면 선정됩니다")
    screenshot(page, "decision-trace-tree")

    page.get_by_test_id("replay").click()
    expect(page.get_by_test_id("replay-exact")).to_have_text("일치")
    expect(page.get_by_test_id("replay-today")).to_have_text("변화 없음")
    screenshot(page, "decision-replay")

    page.get_by_test_id("notice-link").click()
    notice = page.get_by_test_id("notice")
    expect(notice).to_contain_text("사회보장급여 결정 통지서")
    expect(page.get_by_test_id("notice-decision")).to_contain_text("선정되지 않음")
    expect(page.get_by_test_id("notice-changes")).to_contain_text(
        "근로소득이 월 17,777원 적으면 선정됩니다")
    expect(page.get_by_test_id("notice-appeal")).to_contain_text("90일 이내")
    expect(page.get_by_test_id("notice-appeal")).to_contain_text("국민기초생활 보장법 제38조")
    screenshot(page, "decision-notice")

    # the facility that filed it prints the same notice
    sign_in(page, server, "cworker")
    page.goto(f"{server.url}/f/cat-child/applications/{application_id}")
    page.get_by_test_id("notice-link").click()
    expect(page.get_by_test_id("notice-decision")).to_contain_text("선정되지 않음")
    expect(page.get_by_role("button", name="인쇄")).to_be_visible()
