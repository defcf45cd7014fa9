"""In a real browser, community care (layer 4) in 종로구: a 시·군·구 official decides a
child's placement among facilities with vacancies and the admission task appears at the
chosen facility, whose manager admits the child; a coordinator opens an elderly person's
care case with consent, two agencies add their services to the shared plan and a review is
recorded; a facility paying above the personnel-cost guideline is flagged with the figures;
the policy view shows the region's mismatch. Screenshots: tests/artifacts/care-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browserutil import screenshot, sign_in
from tests.carelab import build, payroll
from tests.collablab import CHILD, admit, register

pytestmark = pytest.mark.browser


@pytest.fixture
def server(make_app, sqlite_url, sqlite_template, live_server):
    sqlite_template.copy_to(sqlite_url)
    app = build(make_app, sqlite_url)
    server = live_server(app)
    server.app = app
    return server


def region_menu(page, title: str) -> None:
    page.get_by_role("navigation", name="지역 업무 메뉴").get_by_role(
        "link", name=title, exact=True).click()
    page.wait_for_load_state()


def test_a_placement_decision_starts_the_admission_at_the_chosen_facility(page, server):
    # the children's home is full (정원 2): only the group home has a place
    for name in ("가아동", "나아동"):
        data = {k: v for k, v in CHILD.items() if k != "rrn"}
        child = register(server.app, "homeworker", "home", {**data, "name": name})
        admit(server.app, "homeadmin", "home", child)

    sign_in(page, server, "jongno")
    page.goto(f"{server.url}/region/")
    region_menu(page, "보호조치 결정")
    page.get_by_role("link", name="보호조치 결정하기").click()
    candidates = page.get_by_test_id("placement-candidates")
    expect(candidates.locator('tr[data-facility="home"] [data-free]')).to_have_text("없음")
    expect(candidates.locator('tr[data-facility="home"] input[type=radio]')).to_be_disabled()
    expect(candidates.locator('tr[data-facility="gh"] [data-free]')).to_have_text("4")
    expect(candidates).not_to_contain_text("새싹")  # another region's facility
    page.get_by_label("아동 성명").fill("한겨울")
    page.get_by_label("생년월일").fill("2014-07-01")
    page.get_by_label("성별").select_option(label="여")
    page.get_by_label("보호사유").select_option(label="학대")
    page.get_by_label("상황 평가").fill("가정 내 방임이 확인되어 소규모 가정형 보호가 필요합니다.")
    page.get_by_label("보호자 성명 전달 동의").check()
    page.get_by_label("보호자 성명", exact=True).fill("한보호")
    page.get_by_label("주소", exact=True).fill("서울시 종로구 비공개로 1")  # not consented
    page.get_by_label("보호조치 유형").select_option(label="공동생활가정")
    candidates.locator('tr[data-facility="gh"] input[type=radio]').check()
    screenshot(page, "care-01-placement-decide")
    page.get_by_role("button", name="보호조치 결정").click()
    expect(page.get_by_test_id("placement-status")).to_have_text("입소 검토 중")
    expect(page.get_by_test_id("carried")).to_contain_text("한보호")
    expect(page.get_by_test_id("carried")).not_to_contain_text("비공개로")
    screenshot(page, "care-02-placement-decided")

    sign_in(page, server, "ghadmin")
    page.get_by_role("link", name="나의업무").first.click()
    page.get_by_role("link", name="보호조치 입소 검토").click()
    page.wait_for_url(re.compile(r".*/care/placements/\d+$"))
    carried = page.get_by_test_id("carried")
    expect(carried).to_contain_text("한겨울")
    expect(carried).to_contain_text("2014-07-01")
    expect(carried).to_contain_text("학대")
    expect(carried).not_to_contain_text("비공개로")
    page.get_by_label("입소 수락").check()
    page.get_by_label("입소일").fill("2026-03-02")
    screenshot(page, "care-03-admission-task")
    page.get_by_role("button", name="결정 저장").click()
    expect(page.get_by_role("alert").filter(has_text="입소를 수락했습니다")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("한겨울")
    screenshot(page, "care-04-admitted")

    sign_in(page, server, "jongno")
    page.goto(f"{server.url}/region/care/placements")
    expect(page.get_by_test_id("placements")).to_contain_text("입소 수락")
    page.goto(f"{server.url}/region/vacancies")
    expect(page.get_by_test_id("vacancies").locator(
        'tr[data-facility="gh"] [data-occupied]')).to_have_text("1")


def test_a_care_case_with_consent_two_agencies_and_a_review(page, server):
    sign_in(page, server, "jongno")
    page.goto(f"{server.url}/region/")
    region_menu(page, "통합돌봄 사례")
    page.get_by_role("link", name="사례 열기").click()
    page.get_by_label("성명", exact=True).fill("오순자")
    page.get_by_label("생년월일", exact=True).fill("1941-04-10")
    page.get_by_label("성별", exact=True).select_option(label="여")
    page.get_by_label("주소", exact=True).fill("서울시 종로구 비밀길 7")
    page.get_by_label("장기요양등급", exact=True).select_option(label="등급 없음(등급외)")
    page.get_by_label("소득 구분", exact=True).select_option(label="기초연금 수급")
    page.get_by_label("독거", exact=True).check()
    page.get_by_label("욕구·상황", exact=True).fill("식사 준비가 어렵고 외출을 거의 하지 않음")
    # without consent the case cannot be opened
    page.get_by_role("button", name="사례 열기").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("동의")
    page.get_by_label("동의 방법").select_option(label="서면")
    page.get_by_label("생년월일 공유").check()
    page.get_by_label("욕구·상황 공유").check()
    screenshot(page, "care-05-case-open")
    page.get_by_role("button", name="사례 열기").click()
    expect(page.get_by_test_id("case-status")).to_have_text("진행")
    pathway = page.get_by_test_id("pathway")
    expect(pathway).to_contain_text("노인맞춤돌봄서비스(중점돌봄)")
    expect(pathway).to_contain_text("응급안전안심서비스")
    for code, request in (("hc", "주 3회 식사·가사 지원"), ("wc", "말벗과 밑반찬 배달")):
        page.get_by_label("초대할 기관").select_option(value=_facility_id(server, code))
        page.get_by_label("요청 내용").fill(request)
        page.get_by_role("button", name="참여 요청").click()
        expect(page.get_by_test_id("agencies")).to_contain_text(request)

    for login, code, service, frequency in (("hcadmin", "hc", "식사·가사 지원", "주 3회"),
                                            ("wcadmin", "wc", "밑반찬 배달", "주 1회")):
        sign_in(page, server, login)
        page.get_by_test_id("care-cases-card").get_by_role("link").click()
        page.get_by_role("link", name="오순자").click()
        shared = page.get_by_test_id("shared-details")
        expect(shared).to_contain_text("1941-04-10")
        expect(shared).to_contain_text("식사 준비")
        expect(shared).not_to_contain_text("비밀길")  # the address was not consented
        page.get_by_label("제공 서비스").fill(service)
        page.get_by_label("제공 주기").fill(frequency)
        page.get_by_role("button", name="계획에 추가").click()
        expect(page.get_by_test_id("care-plan")).to_contain_text(service)
        screenshot(page, f"care-06-agency-{code}")

    sign_in(page, server, "srfadmin")  # not invited: the case is not there
    response = page.goto(f"{server.url}/f/srf/care/cases/1")
    assert response.status == 404

    sign_in(page, server, "jongno")
    page.goto(f"{server.url}/region/care/cases")
    page.get_by_role("link", name="오순자").click()
    plan = page.get_by_test_id("care-plan")
    expect(plan).to_contain_text("푸른재가노인복지센터")
    expect(plan).to_contain_text("식사·가사 지원")
    expect(plan).to_contain_text("햇살종합사회복지관")
    expect(plan).to_contain_text("밑반찬 배달")
    page.get_by_label("검토 결과").select_option(label="계속")
    page.get_by_label("다음 검토일").fill("2026-06-01")
    page.get_by_label("검토 내용").fill("식사 횟수가 늘었음. 현재 계획 유지.")
    page.get_by_role("button", name="검토 기록").click()
    expect(page.get_by_test_id("reviews")).to_contain_text("식사 횟수가 늘었음")
    expect(page.get_by_test_id("reviews")).to_contain_text("2026-06-01")
    screenshot(page, "care-07-case-reviewed")


def _facility_id(server, code: str) -> str:
    from ieum.store.models import Facility
    with server.app.extensions["ieum.database"].session() as s:
        from sqlalchemy import select
        return str(s.scalar(select(Facility.id).where(Facility.code == code)))


def test_personnel_costs_above_the_guideline_are_flagged_with_the_figures(page, server):
    payroll(server.app, "ghadmin", "gh", 4_600_000, 400_000)  # 5,000,000 a month
    payroll(server.app, "homeadmin", "home", 3_000_000, 200_000)  # within
    sign_in(page, server, "jongno")
    page.goto(f"{server.url}/region/")
    region_menu(page, "품질관리 점검")
    flags = page.get_by_test_id("compliance-flags")
    flag = flags.locator('tr[data-facility="gh"][data-rule="personnel_guideline"]')
    expect(flag).to_contain_text("인건비 가이드라인 초과")
    expect(flag).to_contain_text("5,000,000")
    expect(flag).to_contain_text("4,500,000")
    expect(flag).to_contain_text("500,000원 많음")
    expect(flags.locator('tr[data-facility="home"]')).to_have_count(0)
    screenshot(page, "care-08-compliance")


def _load_care_chapters(make) -> None:  # noqa: ANN001 - SeededTemplates' make
    import datetime as dt

    from ieum.config import REPOSITORY_ROOT
    from ieum.services.demo import DemoContext
    from ieum_library.demo import base, community_care

    app = make([REPOSITORY_ROOT], IEUM_TODAY="2026-03-02")
    with app.extensions["ieum.database"].session() as s:
        context = DemoContext(s, app.extensions["ieum.registry"], dt.date(2026, 3, 2))
        base.load(context)
        s.commit()
        community_care.load(context)
        s.commit()


@pytest.fixture
def demo_server(make_app, sqlite_url, tmp_path, seeded_templates, live_server):
    """The shipped demo's first chapter (its facilities and staff) and the community-care
    chapter: 종로구 (11110) as ``ieum demo`` makes it, without the other chapters' history
    (made once per session, copied for the test)."""
    from ieum.config import REPOSITORY_ROOT

    seeded_templates.copy_to("demo-community-care", _load_care_chapters, sqlite_url,
                             tmp_path / "instance")
    app = make_app(sqlite_url, roots=[REPOSITORY_ROOT], IEUM_TODAY="2026-03-02")
    return live_server(app)


def test_the_policy_view_shows_the_demo_regions_mismatch(page, demo_server):
    from ieum.services.demo import DEMO_PASSWORD

    page.goto(demo_server.url + "/login")
    page.get_by_label("아이디").fill("carecoordinator")
    page.get_by_label("비밀번호").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_load_state()
    page.goto(f"{demo_server.url}/region/")
    region_menu(page, "수요·공급 현황")
    mismatches = page.get_by_test_id("mismatches")
    shortage = mismatches.locator('tr[data-row="11110-elderly-home_care"]')
    expect(shortage).to_contain_text("공급 부족")  # two needs for home care, no place
    expect(shortage).to_contain_text("재가·돌봄")
    table = page.get_by_test_id("supply-demand")
    expect(table).to_contain_text("생활시설(입소)")
    expect(table).not_to_contain_text("11140")  # another region's facilities
    expect(page.get_by_test_id("supply-demand-chart")).to_be_visible()
    screenshot(page, "care-09-policy-demo")
    with page.expect_download() as download:
        page.get_by_role("link", name="엑셀 내려받기").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    region_menu(page, "품질관리 점검")  # the demo's group home pays above the guideline
    flag = page.get_by_test_id("compliance-flags").locator(
        'tr[data-facility="demo-grouphome"][data-rule="personnel_guideline"]')
    expect(flag).to_contain_text("5,000,000")
    overspent = page.get_by_test_id("compliance-flags").locator(
        'tr[data-facility="demo-welfare"][data-rule="subsidy_overspent"]')
    expect(overspent).to_contain_text("800,000원 초과")
    screenshot(page, "care-10-compliance-demo")
