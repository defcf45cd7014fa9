"""In a real browser, the child self-reliance functions as a field worker meets them: a child
is registered in 대상자관리, shows as 후보자, and the assigned worker records every step
through its generated screen up to a 연장종료 that locks the case; in foster care a child of
15 is a 대상자 at once and a 일시중지 keeps the case open. Each saved screen is kept as a
screenshot (tests/artifacts/sr-*.png)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from ieum.config import REPOSITORY_ROOT
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from tests.browserutil import field, menu, radio, screenshot, sign_in, tab
from tests.webutil import PASSWORD

pytestmark = pytest.mark.browser

TODAY = "2026-03-02"
USERS = [  # login, facility, role, name shown on the screens
    ("homeadmin", "home", "facility_admin", "김원장"),
    ("srlead", "home", "sr_team_leader", "박팀장"),
    ("srone", "home", "sr_worker", "이자립"),
    ("srtwo", "home", "sr_worker", "최자립"),
    ("fosteradmin", "foster", "facility_admin", "정센터"),
    ("fosterwork", "foster", "worker", "한위탁"),
]
NAMES = {login: name for login, _facility, _role, name in USERS}


@pytest.fixture
def server(make_app, sqlite_url, sqlite_template, live_server):
    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY)
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        facilities = {
            "home": create_facility(s, registry, code="home", name="햇살아동양육원",
                                    profile_code="child_home", region_code="11110"),
            "foster": create_facility(s, registry, code="foster", name="서울가정위탁지원센터",
                                      profile_code="foster_care_center", region_code="11140"),
        }
        for login_name, code, role, name in USERS:
            user = create_user(s, login=login_name, name=name, password=PASSWORD)
            grant_role(s, registry, user=user, facility=facilities[code], role=role,
                       valid_from=dt.date(2026, 1, 1))
    return live_server(app)


# ---------------------------------------------------------------- helpers


def shot(page, step: str) -> None:
    screenshot(page, f"sr-{step}")


def open_new(page, server, code: str, form: str, kid: int, title: str) -> None:
    """The generated entry screen of ``form`` for one child (the 대상자 is preselected)."""
    page.goto(f"{server.url}/f/{code}/u/self_reliance/{form}/new?subject={kid}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{title} 작성")
    expect(page.locator("#subject_id")).to_have_value(str(kid))


def save(page, step: str, status: str = "저장") -> int:
    """Press 저장 (and, for a form that closes the case, confirm in the dialog that says it
    cannot be undone); the detail page shows the status; returns the record id."""
    button = page.get_by_role("button", name="저장", exact=True)
    if button.get_attribute("data-confirm"):
        button.click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("되돌릴 수 없습니다")
        with page.expect_navigation():
            dialog.get_by_role("button", name="저장하고 확정").click()
    else:
        with page.expect_navigation():
            button.click()
    refused = page.get_by_test_id("form-errors")
    assert refused.count() == 0, f"{step}: {refused.inner_text()}"
    assert re.search(r"/\d+$", page.url), page.url
    expect(page.get_by_role("alert").filter(has_text="저장했습니다.")).to_be_visible()
    expect(page.get_by_test_id("record-status")).to_have_text(status)
    shot(page, step)
    return int(page.url.rsplit("/", 1)[1])


def register_child(page, name: str, born: str, sex: str, admitted: str, menu_title: str):
    """대상자관리: 새로 작성 → 인적사항, 입퇴소 → 저장."""
    menu(page, menu_title)
    page.get_by_role("link", name="새로 작성").click()
    page.wait_for_url("**/new")
    field(page, "성명").fill(name)
    field(page, "생년월일").fill(born)
    radio(page, sex).check()
    tab(page, "입퇴소")
    field(page, "상태").select_option(label="입소")
    field(page, "입소일").fill(admitted)
    page.get_by_role("button", name="저장", exact=True).click()
    page.wait_for_url(re.compile(r".*/\d+$"))
    expect(page.get_by_test_id("record-status")).to_have_text("저장")


def case_row(page, name: str):
    return page.get_by_test_id("case-list").locator("tbody tr").filter(has_text=name)


# ---------------------------------------------------------------- 아동양육시설


def test_a_childs_self_reliance_case_in_the_browser(page, server) -> None:
    sign_in(page, server, "homeadmin")
    register_child(page, "이나래", "2007-01-10", "여", "2015-04-01", "아동 관리")
    shot(page, "01-registered")
    menu(page, "자립지원 사례관리")
    row = case_row(page, "이나래")
    expect(row.locator(".badge")).to_have_text("후보자")
    expect(row.locator("[data-worker]")).to_contain_text("미지정")
    kid = int(row.get_attribute("data-subject"))
    shot(page, "02-candidate")

    sign_in(page, server, "srone")
    # 아동자립정보: saving it registers the child
    open_new(page, server, "home", "sr_child_info", kid, "아동자립정보")
    field(page, "입소일자").fill("2015-04-01")
    field(page, "대상등록일").fill(TODAY)
    field(page, "입소경로").select_option(label="시·군·구 보호조치 의뢰")
    field(page, "주 발생유형").select_option(label="부모 빈곤·실직")
    page.get_by_role("checkbox", name="부모 질병").check()
    save(page, "03-child-info")
    expect(page.locator('dd[data-field="admission_age"]')).to_have_text("8")

    # 자립기술평가: every item of the six domains answered on its tab
    open_new(page, server, "home", "sr_assessment", kid, "자립기술평가")
    field(page, "작성일").fill("2026-03-01")
    domains = ["일상생활기술", "자기보호기술", "지역사회자원활용기술", "돈관리기술", "사회적기술",
               "진로탐색"]
    for domain in domains:
        tab(page, domain)
        answers = page.locator('.tab-pane.active input[type="radio"][value="3"]')
        expect(answers).to_have_count(10)
        for n in range(10):
            answers.nth(n).check()
    shot(page, "04a-assessment-entry")
    tab(page, "영역별점수")
    save(page, "04-assessment")
    expect(page.locator('dd[data-field="score_total"]')).to_have_text("66.7")  # all 그렇다

    # 자립지원계획: 미정, with one certificate row
    open_new(page, server, "home", "sr_plan", kid, "자립지원계획")
    field(page, "계획일자").fill(TODAY)
    tab(page, "재학정보")
    radio(page, "고등학교").check()
    field(page, "학년선택").select_option(label="2학년")
    field(page, "학교유형").select_option(label="특성화(직업계)")
    tab(page, "자립계획")
    radio(page, "미정").check()
    expect(field(page, "희망 대학명")).to_be_hidden()
    field(page, "희망주거").select_option(label="자립지원시설(자립생활관)")
    tab(page, "현재상황")
    page.locator('[data-field="certificates"]').get_by_role("button",
                                                            name="+ 행 추가").click()
    certificate = page.locator('[data-rows="certificates"] [data-row]').nth(0)
    field(certificate, "자격분야").select_option(label="컴퓨터·정보")
    field(certificate, "자격증명").fill("컴퓨터활용능력 2급")
    save(page, "05-plan")
    expect(page.locator('dd[data-field="plan_year"]')).to_have_text("2026")
    expect(page.locator('dd[data-field="certificates"]')).to_contain_text("컴퓨터활용능력 2급")

    # 자립지원 프로그램 회기보고: the child chosen among the participants
    open_new(page, server, "home", "sr_session_report", kid, "자립지원 프로그램 회기보고")
    field(page, "일자").fill(TODAY)
    field(page, "제목").fill("돈관리 교육 3회기")
    field(page, "프로그램").select_option(label="돈관리기술")
    page.locator('[data-field="participants"] select').select_option(
        label="이나래 (2007-01-10)")
    field(page, "회기").fill("3")
    field(page, "회기일자").fill("2026-02-27")
    field(page, "시작시간").fill("14:00")
    field(page, "종료시간").fill("15:40")
    field(page, "강사").fill("이강사")
    field(page, "장소").fill("프로그램실")
    field(page, "내용").fill("용돈기입장 쓰기 실습")
    shot(page, "06a-session-report-entry")
    save(page, "06-session-report")
    expect(page.locator('dd[data-field="total_minutes"]')).to_have_text("100")
    # the detail page counts the participants but does not name them
    expect(page.locator('dd[data-field="participants"]')).to_have_text("이나래")

    # 사례관리일지: 주거 분야 (its tab appears with the choice)
    open_new(page, server, "home", "sr_case_log", kid, "사례관리일지")
    field(page, "사례관리일자").fill(TODAY)
    field(page, "사례관리분야").select_option(label="주거")
    field(page, "목표").fill("보호종료 후 주거 마련")
    radio(page, "자체서비스").check()
    field(page, "서비스내용").fill("전세임대주택 신청 서류 준비")
    tab(page, "주거")
    radio(page, "정부지원").check()
    field(page, "정부지원 주거").select_option(label="전세임대주택")
    expect(field(page, "정부지원 외 주거")).to_be_hidden()
    field(page, "자부담(원)").fill("1000000")
    field(page, "기타(원)").fill("500000")
    log_id = save(page, "07-case-log")
    expect(page.locator('dd[data-field="housing_total"]')).to_contain_text("1,500,000")

    # 보호연장
    open_new(page, server, "home", "sr_extension", kid, "보호연장")
    field(page, "연장일자").fill(TODAY)
    field(page, "최종학력").select_option(label="고등학교 재학")
    field(page, "작성자").fill(NAMES["srone"])
    field(page, "연장사유").select_option(label="대학 등 학교 재학")
    save(page, "08-extension")

    # 보호종료관리: 연장종료 with its card; the whole case is locked (확정) on saving
    open_new(page, server, "home", "sr_end", kid, "보호종료관리")
    field(page, "종료일").fill(TODAY)
    field(page, "보호종료사유").select_option(label="연장종료")
    radio(page, "동의").check()
    field(page, "대상자 학력").select_option(label="고등학교 재학")
    field(page, "주소").fill("서울특별시 종로구 이음로 1")
    radio(page, "정부지원").check()
    field(page, "정부지원 주거").select_option(label="전세임대주택")
    field(page, "자부담(원)").fill("300000")
    field(page, "개인후원(원)").fill("200000")
    field(page, "자립정착금(원)").fill("10000000")
    field(page, "CDA계좌보유금(원)").fill("2400000")
    field(page, "기타후원금(원)").fill("0")
    radio(page, "유").check()
    radio(page, "수료").check()
    radio(page, "신청").check()
    tab(page, "취업여부")
    radio(page, "취업").check()
    field(page, "직장명").fill("이음식품")
    field(page, "취업분야").select_option(label="기능직")
    field(page, "소득(월, 원)").fill("2100000")
    radio(page, "정규직").check()
    field(page, "취업경로").select_option(label="시설")
    tab(page, "진학 및 생활비")
    field(page, "대학구분").select_option(label="미진학")
    expect(field(page, "대학명")).to_be_hidden()
    field(page, "주-생활비 조달").select_option(label="근로(아르바이트 포함)")
    tab(page, "가족사항")
    page.locator('[data-field="family"]').get_by_role("button", name="+ 행 추가").click()
    relative = page.locator('[data-rows="family"] [data-row]').nth(0)
    field(relative, "성명").fill("김바다")
    field(relative, "관계").fill("형")
    field(relative, "연락처").fill("010-9999-8888")
    tab(page, "보호종료관리")
    shot(page, "09a-end-entry")
    save(page, "09-end", status="확정")  # the final end locks at once, itself included
    expect(page.locator('dd[data-field="age_at_end"]')).to_have_text("19")
    expect(page.locator('dd[data-field="housing_total"]')).to_contain_text("500,000")

    # nothing of the case can be changed any more: no 수정 on the case log, 종결 on the list
    page.goto(f"{server.url}/f/home/u/self_reliance/sr_case_log/{log_id}")
    expect(page.get_by_test_id("record-status")).to_have_text("확정")
    expect(page.get_by_role("link", name="수정", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="삭제", exact=True)).to_have_count(0)
    shot(page, "10-locked-log")

    menu(page, "자립지원 사례관리")
    row = case_row(page, "이나래")
    expect(row.locator(".badge")).to_have_text("종결")
    expect(row.locator("[data-worker]")).to_contain_text(NAMES["srone"])
    expect(row.locator('[data-stage="sr_end"]')).to_have_text(TODAY)
    shot(page, "11-case-list")
    row.get_by_role("link", name="이나래").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("이나래")
    for title in ("아동자립정보", "자립기술평가", "자립지원계획", "자립지원 프로그램 회기보고",
                  "사례관리일지", "보호연장", "보호종료관리"):
        expect(page.locator("section.card .card-header").filter(
            has_text=f"· {title} (1건)")).to_have_count(1)
    shot(page, "12-subject-one-screen")

    # The edit address of a locked case log answers 409 with the reason.
    response = page.goto(f"{server.url}/f/home/u/self_reliance/sr_case_log/{log_id}/edit")
    assert response is not None and response.status == 409
    expect(page.get_by_role("heading", level=1)).to_contain_text("확정된 기록은 수정할 수 없습니다")
    shot(page, "13-locked-edit-refused")


# ---------------------------------------------------------------- 가정위탁지원센터


def test_foster_care_suspension_in_the_browser(page, server) -> None:
    sign_in(page, server, "fosteradmin")
    register_child(page, "정위탁", "2010-06-01", "남", "2018-05-01", "위탁아동 관리")
    menu(page, "자립지원 특화사례관리")
    row = case_row(page, "정위탁")
    expect(row.locator(".badge")).to_have_text("대상자")  # 15: no 아동자립정보 needed
    expect(row.locator('[data-stage="sr_assessment"]')).to_have_text("-")
    kid = int(row.get_attribute("data-subject"))
    shot(page, "foster-01-case-list")

    sign_in(page, server, "fosterwork")
    open_new(page, server, "foster", "sr_case_log", kid, "사례관리일지")
    field(page, "사례관리일자").fill("2026-02-27")
    field(page, "사례관리분야").select_option(label="그 외")
    field(page, "서비스내용").fill("입대 전 생활 점검")
    save(page, "foster-02-case-log")

    open_new(page, server, "foster", "sr_end", kid, "보호종료관리")
    field(page, "종료일").fill(TODAY)
    field(page, "보호종료사유").select_option(label="일시중지")
    expect(field(page, "자립정착금(원)")).to_be_hidden()
    field(page, "대상자 학력").select_option(label="대학교 재학")
    tab(page, "일시중지")
    field(page, "일시중지 시작일").fill(TODAY)
    field(page, "일시중지 종료(예정)일").fill("2027-08-31")
    field(page, "일시중지 사유").select_option(label="군 복무(입대)")
    expect(field(page, "일시중지 사유 상세")).to_be_hidden()
    save(page, "foster-03-suspension")
    expect(page.locator('dd[data-field="suspension_end"]')).to_have_text("2027-08-31")
    expect(page.get_by_role("link", name="수정", exact=True)).to_be_visible()

    # 일시중지 is not an end: entries stay possible
    open_new(page, server, "foster", "sr_case_log", kid, "사례관리일지")
    field(page, "사례관리일자").fill(TODAY)
    field(page, "사례관리분야").select_option(label="그 외")
    field(page, "서비스내용").fill("입대 후 안부 전화")
    save(page, "foster-04-case-log-after")

    menu(page, "자립지원 특화사례관리")
    row = case_row(page, "정위탁")
    expect(row.locator(".badge")).to_have_text("대상자")  # not 종결
    shot(page, "foster-05-case-list")
