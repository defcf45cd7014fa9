"""In a real browser, the open-market catalog end to end: a designer writes a program in the
studio (the expressions checked as typed), sees the similar programs, simulates it and sends it
to review; a reviewer publishes it; a worker of a children's home finds it in the menu at once
and files an application that the system decides automatically. Screens are kept as
screenshots (tests/artifacts/catalog-*.png)."""

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
from ieum.workflow.functions import available
from tests.browserutil import field, screenshot, sign_in
from tests.test_catalog_platform import TODAY, seed

pytestmark = pytest.mark.browser

CODE = "winter-heating-2026"
NAME = "겨울철 난방비 긴급지원"


@pytest.fixture
def server(make_app, sqlite_url, sqlite_template, live_server):
    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY.isoformat(),
                   IEUM_CATALOG_POPULATION=20_000)
    seed(app)
    _file_near_threshold(app)
    return live_server(app)


def _file_near_threshold(app) -> None:
    """An application of 생계급여 at 77% of the threshold: it waits for the official."""
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as session:
        worker = session.scalar(select(User).where(User.login == "cworker"))
        workspace = open_workspace(session, registry, worker, "cat-child", TODAY)
        rt = Runtime(registry, available(plugins=False), TODAY, Actor(worker.id, worker.login))
        filing = applications.Filing(
            codes=["livelihood-2026"], person_name="최근접",
            common={"applicant_name": "최근접", "applicant_rrn": "5001011234567",
                    "address": "서울특별시 종로구 1", "phone": "010-1111-2222",
                    "household_size": 1, "notice_method": "paper", "consent": True},
            household={"size": 1, "region": "seoul", "earned_income": 900_000},
            annexes={"livelihood-2026": {"work_ability": "capable",
                                         "has_support_obligor": False}})
        applications.file_applications(session, rt, workspace, filing)


def shot(page, step: str) -> None:
    screenshot(page, f"catalog-{step}")


def test_design_simulate_review_publish_apply(page, server) -> None:
    # --- the designer writes the program in the guided form
    sign_in(page, server, "pdesigner")
    page.goto(server.url + "/")
    page.get_by_role("link", name="복지사업 설계 스튜디오").click()
    expect(page.get_by_role("heading", name="복지사업 목록")).to_be_visible()
    page.get_by_role("link", name="새 복지사업 설계").first.click()
    field(page, "사업 코드").fill(CODE)
    field(page, "사업명").fill(NAME)
    field(page, "소관 부서").fill("서울특별시 종로구 복지정책과")
    field(page, "지원 대상").fill("저소득층, 노인")
    field(page, "법적 근거").fill("종로구 에너지 취약계층 지원 조례 (예시)")
    field(page, "사업 설명").fill("기준 중위소득 50% 이하 가구에 겨울철 난방비를 한 번 지원합니다.")
    field(page, "소득·재산 조사 유형").select_option("4")
    field(page, "급여 형태").select_option("cash")
    field(page, "지급 주기").select_option("once")
    rows = page.locator("[data-param-row]")
    rows.nth(0).get_by_label("값").fill("0.5")
    rows.nth(1).get_by_label("연도").fill("2026")
    rows.nth(1).get_by_label("매개변수 이름").fill("grant")
    rows.nth(1).get_by_label("값").fill("100000")
    benefit = field(page, "급여액 식 (원)")
    benefit.fill("grant * min(size, 3) + granr")  # a typo: the check says so as it is typed
    expect(page.locator('[data-check-result="benefit"]')).to_contain_text(
        "알 수 없는 변수입니다: granr")
    shot(page, "01-studio-typo")
    benefit.fill("grant * min(size, 3)")
    expect(page.locator('[data-check-result="benefit"]')).to_contain_text("올바른 식입니다")
    expect(page.locator('[data-check-result="criteria"]')).to_contain_text("올바른 식입니다")
    expect(page.get_by_test_id("variables-panel")).to_contain_text("소득인정액")
    shot(page, "02-studio-form")
    page.get_by_role("button", name="저장하고 유사사례 확인").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(NAME)
    similar = page.get_by_test_id("similar-programs")
    expect(similar.locator('[data-similar="local-energy-voucher-2026"]')).to_be_visible()
    shot(page, "03-program-similar")

    # --- preview of the application form, then a simulation
    page.get_by_role("link", name="신청서 미리보기").click()
    expect(page.get_by_test_id("application-preview")).to_contain_text("신청인 성명")
    shot(page, "04-preview")
    page.go_back()
    page.get_by_role("button", name="모의계산").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("모의계산")
    expect(page.get_by_test_id("histogram")).to_be_visible()
    expect(page.get_by_test_id("region-budget")).to_contain_text("서울")
    eligible = page.get_by_test_id("eligible-households").inner_text()
    assert eligible != "0가구"
    shot(page, "05-simulation")
    page.get_by_role("link", name="사업으로 돌아가기").click()
    page.get_by_role("button", name="검토 요청").click()
    expect(page.get_by_role("alert").filter(has_text="검토를 요청했습니다")).to_be_visible()

    # --- the reviewer publishes it
    sign_in(page, server, "previewer")
    page.goto(server.url + "/studio/")
    queue = page.get_by_test_id("review-queue")
    expect(queue).to_contain_text(NAME)
    shot(page, "06-review-queue")
    queue.get_by_role("link", name=NAME).click()
    expect(page.get_by_test_id("review-panel")).to_be_visible()
    page.get_by_role("button", name="승인·게시").click()
    dialog = page.get_by_role("dialog")  # publishing cannot be undone: asked first
    expect(dialog).to_contain_text("모든 기관의 신청 메뉴에 바로 게시")
    with page.expect_navigation():
        dialog.get_by_role("button", name="승인·게시").click()
    expect(page.get_by_role("alert").filter(has_text="승인했습니다")).to_be_visible()
    shot(page, "07-published")

    # --- a worker of a children's home sees it in the menu and applies
    sign_in(page, server, "cworker")
    menu = page.get_by_test_id("catalog-menu")
    expect(menu.get_by_role("link", name=NAME)).to_be_visible()
    menu.get_by_role("link", name=NAME).click()
    page.get_by_role("button", name="고른 사업 신청서 작성").click()
    expect(page.get_by_role("heading", name="복지사업 신청서 작성")).to_be_visible()
    page.get_by_label("대상자 이름 (목록에 없을 때)").fill("박겨울")
    common = page.locator('[data-section="common"]')
    field(common, "신청인 성명").fill("박겨울")
    field(common, "주민등록번호").fill("4503012123456")
    field(common, "주소").fill("서울특별시 종로구 종로 1")
    field(common, "연락처").fill("010-2222-3333")
    field(common, "가구원 수").fill("2")
    field(common, "통지 방법").select_option("sms")
    common.get_by_label("금융정보 등 제공 동의").check()
    household = page.locator('[data-section="household"]')
    field(household, "가구원 수").fill("2")
    field(household, "지역 구분").select_option("seoul")
    field(household, "기타소득(재산·이전소득 등) (원/월)").fill("300000")
    annex = page.locator(f'[data-section="annex.{CODE}"]')
    field(annex, "신청 사유").fill("난방비 체납")
    shot(page, "08-application-form")
    page.get_by_role("button", name="신청", exact=True).click()
    refused = page.get_by_test_id("form-errors")
    assert refused.count() == 0, refused.inner_text()
    expect(page.get_by_test_id("decided-by")).to_have_text("자동 결정")
    expect(page.get_by_test_id("application-decision")).to_have_text("적합")
    expect(page.get_by_test_id("computation")).to_contain_text("소득평가액")
    expect(page.get_by_test_id("reasons")).to_contain_text("자동 결정")
    shot(page, "09-decided")


def test_official_decides_an_application_near_the_threshold(page, server) -> None:
    sign_in(page, server, "official")
    page.get_by_role("link", name="복지사업 신청 조사·결정").click()
    listing = page.get_by_test_id("investigation-list")
    expect(listing).to_contain_text("최근접")
    shot(page, "10-investigations")
    listing.get_by_role("link").first.click()
    expect(page.get_by_test_id("computation")).to_contain_text("630,000")
    expect(page.get_by_test_id("steps")).to_contain_text("시·군·구 담당자 조사 중")
    page.get_by_role("radio", name="적합(지급)").check()
    field(page, "결정 사유").fill("근로소득 확인, 근로능력 평가 결과 반영")
    shot(page, "11-investigation")
    page.get_by_role("button", name="결정 저장").click()
    expect(page.get_by_role("alert").filter(has_text="결정을 저장했습니다")).to_be_visible()
    page.get_by_role("link", name="결정됨").click()
    expect(page.get_by_test_id("investigation-list")).to_contain_text("적합")
    # the facility sees the decision of the official
    sign_in(page, server, "cworker")
    page.get_by_test_id("catalog-menu").get_by_role("link", name="신청 현황").click()
    page.get_by_test_id("application-list").get_by_role("link").first.click()
    expect(page.get_by_test_id("decided-by")).to_have_text("담당자 결정")
    expect(page.get_by_test_id("application-decision")).to_have_text("적합")
    shot(page, "12-decided-by-official")
