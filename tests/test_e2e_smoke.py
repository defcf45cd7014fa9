"""In a real browser: sign in with a demo login and see the menu the facility's profile builds."""

from __future__ import annotations

import pytest

from ieum.services.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_demo_worker_signs_in_and_sees_the_menu(page, demo_server) -> None:
    page.goto(demo_server.url + "/")
    assert page.url.startswith(demo_server.url + "/login")
    page.get_by_label("아이디").fill("worker")
    page.get_by_label("비밀번호").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(demo_server.url + "/f/demo-child/")
    assert page.get_by_test_id("facility-name").inner_text() == "이음아동양육시설"
    menu = page.get_by_role("navigation", name="업무 메뉴")
    assert menu.get_by_role("link", name="아동 관리").is_visible()
    menu.get_by_role("link", name="상담일지").click()
    page.wait_for_url("**/u/counselling/counselling_note/")
    assert page.get_by_role("heading", name="상담일지").is_visible()


def test_wrong_password_shows_a_korean_message(page, demo_server) -> None:
    page.goto(demo_server.url + "/login")
    page.get_by_label("아이디").fill("worker")
    page.get_by_label("비밀번호").fill("wrong-password-1")
    page.get_by_role("button", name="로그인").click()
    assert page.get_by_role("alert").inner_text() == "아이디 또는 비밀번호가 올바르지 않습니다."
    assert page.url.endswith("/login")
