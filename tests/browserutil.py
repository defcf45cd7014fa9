"""Helpers for browser tests: signing in as someone, finding labelled inputs, screenshots."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.conftest import ARTIFACTS
from tests.webutil import PASSWORD


def sign_in(page, server, login_name: str) -> None:
    """Sign out (a fresh cookie jar) and sign in as someone else."""
    page.context.clear_cookies()
    page.goto(server.url + "/login")
    page.get_by_label("아이디").fill(login_name)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("current-user")).to_contain_text(login_name)


def field(scope, title: str):
    """The input labelled exactly ``title`` (a required field's label ends in "(필수)", or in
    the condition under which it is required, read out instead of the red "*")."""
    return scope.get_by_label(re.compile(rf"^{re.escape(title)}(\s*\*(\s*\(.*\))?)?$"))


def radio(scope, title: str):
    return scope.get_by_role("radio", name=title, exact=True)


def tab(page, title: str) -> None:
    page.get_by_role("tab", name=title, exact=True).click()
    expect(page.get_by_role("tab", name=title, exact=True)).to_have_attribute(
        "aria-selected", "true")


def menu(page, title: str) -> None:
    page.get_by_role("navigation", name="업무 메뉴").get_by_role(
        "link", name=title, exact=True).click()
    page.wait_for_load_state()


def screenshot(page, name: str) -> None:
    """A full-page screenshot kept as a test artifact (animations off: no tab mid-fade)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True,
                    animations="disabled")
