"""Security headers in one place (ieum.web.security): a strict CSP with no inline script,
no framing or sniffing, ``Cache-Control: no-store`` on pages and API answers with personal
data (the resident-number reveal included), a configurable Secure cookie and HSTS; rate
limits on the sign-in screen and the token endpoint; no inline script, handler or style in
any template (the CSP would block them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.formlab import API, BASE, GOOD, api_token
from tests.webutil import PASSWORD, csrf_token, login

PLATFORM = Path(__file__).resolve().parents[1] / "platform"
INLINE = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>|\son[a-z]+\s*=\s*[\"']|\sstyle\s*=\s*[\"']"
                    r"|<style\b", re.I)


@pytest.fixture
def app(lab_app):
    return lab_app


def assert_protected(response, *, cache: bool = False) -> None:
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    if not cache:
        assert headers["Cache-Control"] == "no-store"


def test_pages_api_answers_and_errors_carry_the_headers(app) -> None:
    client = app.test_client()
    assert_protected(client.get("/login"))
    assert_protected(client.get("/no-such-page"))
    assert login(client, "admin").status_code == 302
    headers = api_token(app.test_client(), "admin")
    created = client.application.test_client().post(f"{API}/records", headers=headers,
                                                     json={"data": GOOD})
    assert created.status_code == 201
    rid = created.get_json()["id"]
    assert_protected(created)
    assert_protected(client.get(f"{BASE}/{rid}"))
    assert_protected(client.get(f"{API}/records/{rid}", headers=headers))
    reveal = app.test_client().post(f"{API}/records/{rid}/reveal/rrn", headers=headers,
                                    json={"reason": "수급 신청 확인"})
    assert reveal.status_code == 200
    assert_protected(reveal)
    static = client.get("/static/ieum.css")
    assert_protected(static, cache=True)
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_the_session_cookie_is_secure_and_hsts_sent_when_configured(make_app, migrated_url,
                                                                    monkeypatch) -> None:
    plain = make_app(migrated_url).test_client().get("/login")
    assert "Strict-Transport-Security" not in plain.headers
    assert "Secure" not in plain.headers["Set-Cookie"]
    monkeypatch.setenv("IEUM_SECURE_COOKIES", "1")
    monkeypatch.setenv("IEUM_HSTS_SECONDS", "31536000")
    secure = make_app(migrated_url).test_client().get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Secure" in secure.headers["Set-Cookie"]
    assert "HttpOnly" in secure.headers["Set-Cookie"]


def test_sign_in_and_token_endpoints_are_rate_limited(make_app, migrated_url) -> None:
    from tests.formlab import seed_lab

    app = make_app(migrated_url, IEUM_LOGIN_RATE_LIMIT="3 per minute")
    seed_lab(app)
    client = app.test_client()
    for _ in range(3):
        assert client.post("/api/v1/auth/token", json={
            "login": "admin", "password": "wrong-password"}).status_code == 401
    limited = client.post("/api/v1/auth/token", json={"login": "admin", "password": PASSWORD})
    assert limited.status_code == 429
    assert limited.get_json()["error"] == "요청이 너무 잦습니다. 잠시 후 다시 시도하세요."
    browser = app.test_client()
    for _ in range(3):
        browser.post("/login", data={"login": "nobody", "password": "wrong-password",
                                     "csrf_token": csrf_token(browser)})
    page = browser.post("/login", data={"login": "admin", "password": PASSWORD,
                                        "csrf_token": csrf_token(browser)})
    assert page.status_code == 429
    assert "요청이 너무 잦습니다" in page.get_data(as_text=True)
    assert browser.get("/login").status_code == 200  # only POSTs are counted


def test_no_template_has_inline_script_handlers_or_styles() -> None:
    offenders = []
    for template in sorted(PLATFORM.rglob("*.html")):
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
            if INLINE.search(line):
                offenders.append(f"{template.relative_to(PLATFORM)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_reveal_endpoint_is_in_the_openapi_document(app) -> None:
    paths = app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    reveal = paths["/api/v1/f/{facility_code}/u/{unit_id}/{form_id}/records/{record_id}"
                   "/reveal/{field_name}"]
    assert "reason" in reveal["post"]["requestBody"]["content"]["application/json"]["schema"][
        "required"]


@pytest.mark.browser
def test_screens_run_under_the_csp_without_violations(page, lab_app, live_server) -> None:
    """A real browser enforces the policy: no screen may trip it (a blocked inline script
    or style shows up as a console error)."""
    from tests.browserutil import sign_in

    server = live_server(lab_app)
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    sign_in(page, server, "admin")
    for path in ("/f/lab/", f"{BASE}/", f"{BASE}/new", "/account/password"):
        page.goto(server.url + path)
        page.wait_for_load_state("networkidle")
    assert violations == []
