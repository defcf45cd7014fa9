"""In a real browser: an administrator grants a role with a validity period and the user's
menu appears; a worker without ``reveal_rrn`` sees only masked resident numbers."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ieum.services.admin.users import create_user
from tests.conftest import ARTIFACTS
from tests.formlab import API, BASE, GOOD, TODAY, api_token, seed_lab
from tests.webutil import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def lab_server(make_app, sqlite_url, sqlite_template, live_server):
    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url, IEUM_TODAY=TODAY.isoformat())
    seed_lab(app)
    with app.extensions["ieum.database"].session() as s:
        create_user(s, login="newbie", name="신입복지사", password=PASSWORD)
    server = live_server(app)
    server.app = app
    return server


def sign_in(page, server, login_name: str) -> None:
    page.context.clear_cookies()
    page.goto(server.url + "/login")
    page.get_by_label("아이디").fill(login_name)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_load_state()


def test_a_granted_role_changes_the_menu_and_numbers_stay_masked(page, lab_server) -> None:
    sign_in(page, lab_server, "newbie")
    expect(page.get_by_role("navigation", name="업무 메뉴")).to_have_count(0)

    sign_in(page, lab_server, "admin")
    page.get_by_role("link", name="사용자 권한관리").click()
    page.locator("#grant-login").fill("newbie")
    page.locator("#grant-role").select_option("worker")
    page.locator("#grant-from").fill(TODAY.isoformat())
    page.locator("#grant-to").fill("2026-12-31")
    page.get_by_role("button", name="권한 부여", exact=True).click()
    expect(page.get_by_text("2026-12-31").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "access-grant.png"), full_page=True)

    client = lab_server.app.test_client()
    client.post(f"{API}/records", json={"data": GOOD}, headers=api_token(client, "admin"))

    sign_in(page, lab_server, "newbie")
    menu = page.get_by_role("navigation", name="업무 메뉴")
    expect(menu.get_by_role("link", name="자립지원 기록")).to_be_visible()
    page.goto(lab_server.url + BASE + "/new")
    page.get_by_label("작성일").fill("2026-03-01")
    page.get_by_label("제목").fill("신입의 기록")
    page.get_by_label("주민등록번호").fill("900101-1234567")
    page.get_by_role("radio", name="전화").check()
    page.get_by_role("button", name="저장", exact=True).click()
    page.wait_for_url("**/casebook/*")
    number = page.locator('dd[data-field="rrn"]')
    expect(number).to_contain_text("900101-1******")
    expect(number).not_to_contain_text("1234567")
    expect(page.get_by_role("button", name="전체 번호 보기")).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "access-masked.png"), full_page=True)
