"""In a real browser, the shared unit-function library as a 노인요양시설 (elderly_care_home)
uses it: the director registers a resident in 입소자 관리, a 요양보호사 records the 입소, two
서비스 제공 기록 and the 퇴소 and finds them all on the resident's page; an expense resolution
with three budget items and a receipt goes through the 결재선 담당 → 팀장 → 시설장 and shows
in the ledger per budget item, and a donation-funded one for a 회의비 is refused. Each screen
is kept as a screenshot (tests/artifacts/lib-elderly-*.png)."""

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

TODAY = "2026-03-20"
USERS = [  # login, role, name shown on the screens
    ("carer", "worker", "이요양"),
    ("chief", "team_leader", "박팀장"),
    ("director", "facility_admin", "김원장"),
]
DONATION_REFUSED = ("후원금은 업무추진비(기관운영비·직책보조비·회의비), 법인회계전출금, "
                    "부채상환금, 잡지출, 예비비에 쓸 수 없습니다.")


@pytest.fixture
def server(make_app, sqlite_url, sqlite_template, live_server):
    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY)
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        care = create_facility(s, registry, code="care", name="이음요양원",
                               profile_code="elderly_care_home", region_code="11110")
        for login_name, role, name in USERS:
            user = create_user(s, login=login_name, name=name, password=PASSWORD)
            grant_role(s, registry, user=user, facility=care, role=role,
                       valid_from=dt.date(2026, 1, 1))
    return live_server(app)


# ---------------------------------------------------------------- helpers


def shot(page, step: str) -> None:
    screenshot(page, f"lib-elderly-{step}")


def save(page, step: str) -> int:
    """Press 저장; the detail page shows 저장; returns the record id."""
    with page.expect_navigation():
        page.get_by_role("button", name="저장", exact=True).click()
    refused = page.get_by_test_id("form-errors")
    assert refused.count() == 0, f"{step}: {refused.inner_text()}"
    assert re.search(r"/\d+$", page.url), page.url
    expect(page.get_by_role("alert").filter(has_text="저장했습니다.")).to_be_visible()
    expect(page.get_by_test_id("record-status")).to_have_text("저장")
    shot(page, step)
    return int(page.url.rsplit("/", 1)[1])


def new_for_resident(page, form_title: str, resident: str) -> None:
    """From the resident's page: 이 대상자의 새 기록 → the form (the 대상자 is preselected)."""
    page.get_by_test_id("record-subject").get_by_role("link", name=resident).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(resident)
    new_records = page.locator("details").filter(has_text="이 대상자의 새 기록")
    new_records.locator("summary").click()
    new_records.get_by_role("link", name=form_title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{form_title} 작성")
    expect(page.locator("#subject_id option:checked")).to_contain_text(resident)


def dd(page, name: str):
    return page.locator(f'dd[data-field="{name}"]')


def card(page, title: str):
    return page.locator("section.card .card-header").filter(has_text=title)


# ---------------------------------------------------------------- 입소 · 서비스 · 퇴소


def test_admission_service_and_discharge_in_an_elderly_care_home(page, server) -> None:
    # 기관관리자: 입소자 관리 → 새로 작성 (인적사항, 입퇴소)
    sign_in(page, server, "director")
    menu(page, "입소자 관리")
    page.get_by_role("link", name="새로 작성").click()
    page.wait_for_url("**/new")
    field(page, "성명").fill("김순자")
    field(page, "생년월일").fill("1940-05-12")
    radio(page, "여").check()
    tab(page, "입퇴소")
    field(page, "상태").select_option(label="입소")
    field(page, "입소일").fill("2026-03-02")
    shot(page, "01a-resident-entry")
    save(page, "01-resident")
    resident = page.get_by_test_id("record-subject").get_by_role("link", name="김순자")
    resident_id = int(resident.get_attribute("href").rstrip("/").rsplit("/", 1)[1])

    # 요양보호사: 입퇴소 관리 → 입소 기록 → 새로 작성, the resident chosen in 대상자
    sign_in(page, server, "carer")
    menu(page, "입소자 관리")  # (scope "assigned": the list is empty for the carer)
    shot(page, "01b-carer-resident-list")
    menu(page, "입퇴소 관리")
    page.get_by_role("link", name="새로 작성").click()
    page.wait_for_url("**/admission/new")
    page.locator("#subject_id").select_option(label="김순자 (1940-05-12)")
    field(page, "입소일").fill("2026-03-02")
    field(page, "입소구분").select_option(label="신규입소")
    radio(page, "정원 내").check()
    field(page, "입소경로").select_option(label="가족·보호자 신청")
    expect(field(page, "의뢰기관")).to_be_hidden()
    field(page, "입소사유").fill("치매 진행으로 가정 내 돌봄이 어려움")
    tab(page, "보호자")
    field(page, "보호자 성명").fill("김아들")
    field(page, "보호자 관계").fill("자녀")
    field(page, "보호자 연락처").fill("010-1234-5678")
    tab(page, "입소")
    shot(page, "02a-admission-entry")
    save(page, "02-admission")
    expect(dd(page, "admission_type")).to_have_text("신규입소")
    expect(dd(page, "age_at_admission")).to_have_text("85")

    # two 서비스 제공 기록, started from the resident's page
    services = [("2026-03-10", "돌봄", "목욕 및 위생 관리", "60"),
                ("2026-03-12", "건강", "혈압·혈당 측정", "20")]
    for n, (day, category, content, minutes) in enumerate(services, start=1):
        new_for_resident(page, "서비스 제공 기록", "김순자")
        field(page, "제공일").fill(day)
        field(page, "서비스 분류").select_option(label=category)
        field(page, "서비스 내용").fill(content)
        field(page, "제공자").fill("이요양")
        field(page, "제공시간(분)").fill(minutes)
        if n == 1:
            shot(page, "03a-service-entry")
        save(page, f"0{2 + n}-service-{n}")
        expect(dd(page, "category")).to_have_text(category)

    # 퇴소: 의료기관 입원, with the hospital as 연계기관
    new_for_resident(page, "퇴소", "김순자")
    field(page, "퇴소일").fill("2026-03-19")
    field(page, "퇴소사유").select_option(label="의료기관 입원")
    expect(field(page, "퇴소사유 상세")).to_be_hidden()
    page.get_by_role("switch", name="보호자 통보").check()
    tab(page, "퇴소 후")
    field(page, "퇴소 후 거주지").select_option(label="의료기관")
    field(page, "연계기관").fill("이음노인전문병원")
    shot(page, "05a-discharge-entry")
    save(page, "05-discharge")
    expect(dd(page, "discharge_reason")).to_have_text("의료기관 입원")
    expect(dd(page, "linked_agency")).to_have_text("이음노인전문병원")

    # the resident's page lists the admission, both services and the discharge
    page.get_by_test_id("record-subject").get_by_role("link", name="김순자").click()
    assert page.url.endswith(f"/f/care/subjects/{resident_id}"), page.url
    expect(page.get_by_role("heading", level=1)).to_contain_text("김순자")
    expect(card(page, "입퇴소 관리 · 입소 (1건)")).to_have_count(1)
    expect(card(page, "입퇴소 관리 · 퇴소 (1건)")).to_have_count(1)
    expect(card(page, "서비스 제공 기록 · 서비스 제공 기록 (2건)")).to_have_count(1)
    service_rows = page.locator('section[data-form="service_record"] tbody tr')
    expect(service_rows).to_have_count(2)
    expect(service_rows.filter(has_text="돌봄")).to_have_count(1)
    expect(service_rows.filter(has_text="건강")).to_have_count(1)
    expect(page.locator('section[data-form="admission"] tbody')).to_contain_text("2026-03-02")
    expect(page.locator('section[data-form="discharge"] tbody')).to_contain_text("2026-03-19")
    shot(page, "06-resident-page")


# ---------------------------------------------------------------- 결의서 결재


def start_resolution(page) -> None:
    """수입·지출 결의서 → 진행 업무 → 결의서 결재 시작: the 결의서 작성 task opens."""
    menu(page, "수입·지출 결의서")
    page.get_by_role("link", name="진행 업무").click()
    page.wait_for_url("**/processes/")
    with page.expect_navigation():
        page.get_by_role("button", name="결의서 결재 시작").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("결의서 작성")


def fill_resolution(page, funding: str, items: list[tuple[str, str, int]]) -> None:
    radio(page, "지출").check()
    field(page, "결의일").fill(TODAY)
    field(page, "사업명").fill("요양서비스 운영")
    field(page.locator('[data-field="summary"]'), "적요").fill("3월 운영비 지출")
    field(page, "재원").select_option(label=funding)
    add = page.locator('[data-field="items"]').get_by_role("button", name="+ 행 추가")
    rows = page.locator('[data-rows="items"] [data-row]')
    for n, (account, text, amount) in enumerate(items):
        add.click()
        row = rows.nth(n)
        field(row, "예산과목").select_option(label=account)
        field(row, "적요").fill(text)
        field(row, "금액").fill(str(amount))
    expect(rows).to_have_count(len(items))


def complete(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="완료", exact=True).click()


EXPENSES = [("사무비 > 운영비 > 여비", "장기요양 교육 출장", 120_000),
            ("사무비 > 운영비 > 수용비 및 수수료", "위생용품 구입", 345_000),
            ("사업비 > 운영비 > 프로그램사업비", "여가 프로그램 재료", 78_500)]
TOTAL = sum(amount for _account, _text, amount in EXPENSES)


def approve(page, server, login_name: str, step: str) -> None:
    """나의업무 → 승인 검토 → 승인 → 완료."""
    sign_in(page, server, login_name)
    page.get_by_role("navigation", name="업무 메뉴").get_by_role("link", name="나의업무").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("나의업무")
    task = page.get_by_role("link", name="승인 검토", exact=True)
    expect(task).to_have_count(1)
    shot(page, f"{step}a-inbox")
    task.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("승인 검토")
    # the decision screen shows the resolution under decision: total, items, the receipt
    document = page.get_by_test_id("task-document")
    expect(dd(document, "total")).to_have_text(f"{TOTAL:,}")
    expect(dd(document, "evidence_1").get_by_role("link", name="영수증.pdf")).to_be_visible()
    radio(page, "승인").check()
    expect(field(page, "반려 사유")).to_be_hidden()
    shot(page, f"{step}b-decision")
    complete(page)
    expect(page.get_by_role("alert").filter(has_text="업무를 마쳤습니다")).to_be_visible()
    shot(page, f"{step}c-done")


def test_a_multi_item_expense_resolution_with_an_attachment_through_the_approval_line(
        page, server, tmp_path) -> None:
    receipt = tmp_path / "영수증.pdf"
    receipt.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
                        b"trailer<</Root 1 0 R>>\n%%EOF\n")

    # 담당(요양보호사): 결의서 작성 with three budget items and the receipt
    sign_in(page, server, "carer")
    start_resolution(page)
    instance_url = page.get_by_role("navigation", name="breadcrumb").get_by_role(
        "link", name=re.compile(r"#\d+")).get_attribute("href")
    fill_resolution(page, "보조금", EXPENSES)
    field(page, "증빙 1").set_input_files(str(receipt))
    shot(page, "10a-resolution-entry")
    complete(page)
    refused = page.get_by_test_id("form-errors")
    assert refused.count() == 0, refused.inner_text()
    expect(page.get_by_test_id("instance-status")).to_have_text("진행 중")
    shot(page, "10-resolution-written")

    approve(page, server, "chief", "11")      # 팀장 결재
    approve(page, server, "director", "12")   # 시설장 결재

    # the process is complete, every step done
    page.goto(server.url + instance_url)
    expect(page.get_by_test_id("instance-status")).to_have_text("완료")
    steps = page.get_by_role("list", name="업무 진행상황").locator("li")
    expect(steps.first).to_be_visible()
    for n in range(steps.count()):
        expect(steps.nth(n)).to_have_attribute("data-state", "done")
    tasks = page.locator("tbody tr[data-task]")
    expect(tasks).to_have_count(3)
    for n in range(3):
        expect(tasks.nth(n).locator("td").nth(1)).to_have_text("완료")
    shot(page, "13-instance-complete")

    # the resolution itself: 총금액 is the sum, the receipt is attached
    tasks.filter(has_text="결의서 작성").get_by_role("link", name=re.compile(r"^기록 #")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("수입·지출 결의서")
    expect(dd(page, "total")).to_have_text(f"{TOTAL:,}")
    expect(dd(page, "kind")).to_have_text("지출")
    expect(dd(page, "funding")).to_have_text("보조금")
    for account, _text, amount in EXPENSES:
        expect(dd(page, "items").locator("tr").filter(has_text=account)).to_contain_text(
            f"{amount:,}")
    expect(dd(page, "evidence_1").get_by_role("link", name="영수증.pdf")).to_be_visible()
    shot(page, "14-resolution-detail")

    # 통계: the ledger per budget item holds the three accounts
    page.goto(f"{server.url}/f/care/u/resolution/resolution/stats")
    ledger = page.get_by_test_id("ledger")
    expect(ledger).to_contain_text("2026-03")
    for account, _text, amount in EXPENSES:
        expect(ledger.locator("tr").filter(has_text=account)).to_contain_text(f"{amount:,}")
    expect(ledger.locator("tbody tr")).to_have_count(3)
    shot(page, "15-ledger")

    # a donation-funded resolution for a 회의비 is refused on the task screen
    sign_in(page, server, "carer")
    start_resolution(page)
    meeting = ("사무비 > 업무추진비 > 회의비", "후원자 간담회 다과", 50_000)
    fill_resolution(page, "후원금", [meeting])
    complete(page)
    expect(page.get_by_test_id("form-errors")).to_contain_text(DONATION_REFUSED)
    expect(page.get_by_role("heading", level=1)).to_have_text("결의서 작성")
    shot(page, "16-donation-refused")


def test_the_director_sets_the_approval_line_and_the_step_bar_follows_it(page, server) -> None:
    """결재선 관리: the 시설장 takes the 팀장 off the resolutions' line; the next resolution
    goes straight to the 시설장, and the step bar shows one step per approver."""
    sign_in(page, server, "director")
    page.get_by_role("link", name="결재선 관리").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("결재선 관리")
    card = page.locator('section[data-unit="resolution"]')
    expect(card.get_by_test_id("approval-line")).to_contain_text("팀장")
    field(card, "1차 결재").select_option(label="기관관리자")
    field(card, "2차 결재").select_option(label="(없음)")
    field(card, "변경 사유").fill("팀장 육아휴직")
    with page.expect_navigation():
        card.get_by_role("button", name="결재선 저장").click()
    expect(page.get_by_role("alert").filter(has_text="결재선을 저장했습니다")).to_be_visible()
    card = page.locator('section[data-unit="resolution"]')
    expect(card.get_by_test_id("approval-line")).not_to_contain_text("팀장")
    expect(card.get_by_test_id("approval-line")).to_contain_text("기관 설정")
    shot(page, "20-approval-lines")

    sign_in(page, server, "carer")
    start_resolution(page)
    fill_resolution(page, "보조금", EXPENSES[:1])
    complete(page)
    steps = page.get_by_role("list", name="업무 진행상황").locator("li")
    expect(steps).to_have_count(2)
    expect(steps.nth(1)).to_contain_text("기관관리자 결재")
    expect(steps.nth(1)).to_have_attribute("data-state", "current")
    shot(page, "21-step-bar-current")

    sign_in(page, server, "director")
    expect(page.locator('[data-count="approvals"]')).to_have_text("1")
    page.get_by_role("navigation", name="업무 메뉴").get_by_role("link", name="나의업무").click()
    page.get_by_role("link", name="승인 검토", exact=True).click()
    radio(page, "승인").check()
    complete(page)  # the last decision opens the process page
    expect(page.get_by_test_id("instance-status")).to_have_text("완료")
    steps = page.get_by_role("list", name="업무 진행상황").locator("li")
    expect(steps).to_have_count(2)
    for n in range(2):
        expect(steps.nth(n)).to_have_attribute("data-state", "done")
    shot(page, "22-step-bar-done")
