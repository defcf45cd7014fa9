"""Helpers for tests that drive the web app through Flask's test client."""

from __future__ import annotations

import re

PASSWORD = "test-pass-2026"


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, login_name: str, password: str = PASSWORD, **kwargs):
    token = csrf_token(client)
    return client.post(
        "/login",
        data={"login": login_name, "password": password, "csrf_token": token},
        **kwargs,
    )
