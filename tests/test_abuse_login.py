"""A password-guessing burst against one account, over real HTTP, from several clients at once.

A live server (werkzeug, threaded) on SQLite and PostgreSQL. Six attackers at once try a
dictionary of passwords for ``worker``, half through the sign-in screen (each with its own
session and CSRF token, as a browser would) and half through the API token endpoint. Then:

* no answer was a 5xx, none signed anyone in or issued a token;
* the account is locked after exactly five wrong passwords (no lost or extra counts under
  concurrency), one ``login.lockout`` event, every attempt audited, the audit chain intact;
* during the lock the right password is refused on both channels, with the Korean lock
  message (the unlock time) on the screen;
* another account is not affected.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import select

from ieum.access.audit import verify_chain
from ieum.store.models import AuditEvent, User
from tests.webutil import PASSWORD

DICTIONARY = ["123456", "password", "qwerty", "111111", "admin", "letmein", "iloveyou",
              "1q2w3e4r", "qwer1234", "worker", "worker123", "welcome", "dragon", "sunshine",
              "abc123", "gksrmf", "test-pass-2025", "passw0rd", "monkey", "000000", "master",
              "zaq12wsx", "ieum-demo-2025", "p@ssword", "asdf1234", "1234qwer", "korea123",
              "seoul2026", "baseball", "shadow", "superman", "trustno1", "football",
              "michael", "jordan23", "hunter2"]
ATTACKERS = 6
LOCKED = re.compile(r"로그인을 5번 잘못해 15분 동안 잠겼습니다\. "
                    r"\d\d:\d\d 이후에 다시 시도하세요\.")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def web_attempt(base: str, password: str) -> tuple[int, str]:
    with requests.Session() as browser:
        page = browser.get(f"{base}/login", timeout=30).text
        token = CSRF.search(page).group(1)
        response = browser.post(f"{base}/login", allow_redirects=False, timeout=30,
                                data={"login": "worker", "password": password,
                                      "csrf_token": token})
        return response.status_code, response.text


def api_attempt(base: str, password: str) -> tuple[int, str]:
    response = requests.post(f"{base}/api/v1/auth/token", timeout=30,
                             json={"login": "worker", "password": password})
    return response.status_code, response.text


@pytest.fixture
def server(lab_app, live_server):
    return lab_app, live_server(lab_app).url


def test_a_concurrent_guessing_burst_locks_the_account(server) -> None:
    app, base = server
    jobs = [(web_attempt if i % 2 else api_attempt, password)
            for i, password in enumerate(DICTIONARY)]
    with ThreadPoolExecutor(max_workers=ATTACKERS) as pool:
        answers = list(pool.map(lambda job: job[0](base, job[1]), jobs))
    statuses = sorted({status for status, _ in answers})
    assert statuses == [401], statuses  # no 5xx, no sign-in (302), no token (201)
    assert not any('"token"' in body for _, body in answers)

    with app.extensions["ieum.database"].session() as s:
        worker = s.scalar(select(User).where(User.login == "worker"))
        assert worker.failed_logins == 5
        assert worker.locked_until is not None
        events = s.scalars(select(AuditEvent).where(AuditEvent.login == "worker")
                           .order_by(AuditEvent.id)).all()
        failures = [e.detail["reason"] for e in events if e.action == "login.failure"]
        assert len(failures) == len(DICTIONARY)
        assert failures.count("bad_password") == 5
        assert failures.count("locked") == len(DICTIONARY) - 5
        assert [e.action for e in events].count("login.lockout") == 1
        assert verify_chain(s) == []

    status, body = web_attempt(base, PASSWORD)
    assert status == 401 and LOCKED.search(body), body[:300]
    status, body = api_attempt(base, PASSWORD)
    assert status == 401 and '"token"' not in body
    assert requests.post(f"{base}/api/v1/auth/token", timeout=30, json={
        "login": "worker2", "password": PASSWORD}).status_code == 201
