"""Sessions and sign-in safety (domain/privacy.md): lockout after repeated failed logins, the
automatic logout of idle sessions with its navbar countdown, and CSRF on every screen form."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from ieum.store.models import AuditEvent, User
from tests.webutil import PASSWORD, csrf_token, login

TODAY = dt.date(2026, 3, 2)
# 14:30 UTC is 23:30 in Korea: a 15-minute lock ends at 23:45 KST.
START = dt.datetime(2026, 3, 2, 14, 30, tzinfo=dt.UTC)
WRONG = "wrong-password-1"
LOCKED = "로그인을 5번 잘못해 15분 동안 잠겼습니다. 23:45 이후에 다시 시도하세요."
BAD = "아이디 또는 비밀번호가 올바르지 않습니다."
IDLE = "오랫동안 사용하지 않아 로그아웃되었습니다. 다시 로그인하세요."


def build(make_app, url: str, **config):
    app = make_app(url, IEUM_TODAY=TODAY.isoformat(), **config)
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        alpha = create_facility(s, registry, code="alpha", name="알파양육원",
                                profile_code="alpha_home", region_code="11110", capacity=30)
        for login_name, name in [("worker", "이복지"), ("other", "김동료")]:
            user = create_user(s, login=login_name, name=name, password=PASSWORD)
            grant_role(s, registry, user=user, facility=alpha, role="worker",
                       valid_from=dt.date(2026, 1, 1))
    return app


@pytest.fixture
def app(make_app, migrated_url):
    return build(make_app, migrated_url)


@pytest.fixture
def client(app):
    return app.test_client()


def audit_rows(app, *actions: str) -> list[tuple[str, str | None, dict]]:
    with app.extensions["ieum.database"].session() as s:
        return [
            (e.action, e.login, e.detail)
            for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))
            if not actions or e.action in actions
        ]


def user_row(app, login_name: str) -> User:
    with app.extensions["ieum.database"].session() as s:
        row = s.scalar(select(User).where(User.login == login_name))
        s.expunge(row)
        return row


def page_text(response) -> str:
    return response.get_data(as_text=True)


def signed_in(client) -> bool:
    return client.get("/f/alpha/").status_code == 200


# ---------------------------------------------------------------- lockout


def test_five_failures_lock_the_account_even_for_the_right_password(app, client) -> None:
    with freeze_time(START) as clock:
        for _ in range(4):
            response = login(client, "worker", WRONG)
            assert response.status_code == 401 and BAD in page_text(response)
        fifth = login(client, "worker", WRONG)
        assert fifth.status_code == 401
        assert LOCKED in page_text(fifth)

        right = login(client, "worker", PASSWORD)
        assert right.status_code == 401
        assert LOCKED in page_text(right)
        assert not signed_in(client)

        clock.tick(dt.timedelta(minutes=14, seconds=59))
        assert LOCKED in page_text(login(client, "worker", PASSWORD))
        assert not signed_in(client)

        clock.tick(dt.timedelta(seconds=2))  # 15 minutes after the fifth failure
        assert login(client, "worker", PASSWORD).status_code == 302
        assert signed_in(client)

    row = user_row(app, "worker")
    assert row.failed_logins == 0 and row.locked_until is None
    failures = [d for a, _, d in audit_rows(app, "login.failure")]
    assert [d["reason"] for d in failures] == ["bad_password"] * 5 + ["locked"] * 2
    assert all(d["locked_until"].startswith("2026-03-02T14:45:00") for d in failures[4:])
    lockouts = audit_rows(app, "login.lockout")
    assert len(lockouts) == 1
    action, who, detail = lockouts[0]
    assert who == "worker" and detail["failed_logins"] == 5 and detail["minutes"] == 15
    assert ("login.success", "worker", {"channel": "web"}) in audit_rows(app, "login.success")


def test_a_success_resets_the_count(app, client) -> None:
    with freeze_time(START):
        for _ in range(4):
            login(client, "worker", WRONG)
        assert login(client, "worker", PASSWORD).status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/f/alpha/")})
        for _ in range(4):
            assert BAD in page_text(login(client, "worker", WRONG))
        assert login(client, "worker", PASSWORD).status_code == 302
    assert audit_rows(app, "login.lockout") == []
    assert user_row(app, "worker").failed_logins == 0


def test_after_the_lock_expires_there_are_five_fresh_attempts(app, client) -> None:
    with freeze_time(START) as clock:
        for _ in range(5):
            login(client, "worker", WRONG)
        clock.tick(dt.timedelta(minutes=16))
        for _ in range(4):
            assert BAD in page_text(login(client, "worker", WRONG))
        assert "잠겼습니다" in page_text(login(client, "worker", WRONG))
    assert len(audit_rows(app, "login.lockout")) == 2


def test_the_lock_is_per_account(app, client) -> None:
    with freeze_time(START):
        for _ in range(5):
            login(client, "worker", WRONG)
        assert login(client, "other", PASSWORD).status_code == 302


def test_api_token_endpoint_refuses_a_locked_account(app, client) -> None:
    with freeze_time(START) as clock:
        for _ in range(5):
            login(client, "worker", WRONG)
        body = {"login": "worker", "password": PASSWORD}
        response = client.post("/api/v1/auth/token", json=body)
        assert response.status_code == 401
        assert "token" not in response.get_json()
        clock.tick(dt.timedelta(minutes=15))
        assert client.post("/api/v1/auth/token", json=body).status_code == 201
    api_failures = [d for a, _, d in audit_rows(app, "login.failure") if d["channel"] == "api"]
    assert [d["reason"] for d in api_failures] == ["locked"]


def test_api_failures_count_towards_the_lock(app, client) -> None:
    with freeze_time(START):
        for _ in range(5):
            client.post("/api/v1/auth/token", json={"login": "worker", "password": WRONG})
        assert LOCKED in page_text(login(client, "worker", PASSWORD))
    assert audit_rows(app, "login.lockout")[0][2]["channel"] == "api"


def test_lockout_limits_come_from_config(make_app, sqlite_url, sqlite_template) -> None:
    sqlite_template.copy_to(sqlite_url)
    app = build(make_app, sqlite_url, IEUM_LOCKOUT_ATTEMPTS=3, IEUM_LOCKOUT_MINUTES=5)
    client = app.test_client()
    with freeze_time(START):
        for _ in range(2):
            assert BAD in page_text(login(client, "worker", WRONG))
        assert ("로그인을 3번 잘못해 5분 동안 잠겼습니다. 23:35 이후에 다시 시도하세요."
                in page_text(login(client, "worker", WRONG)))


def test_unlock_time_is_rounded_up_to_the_minute(app, client) -> None:
    with freeze_time(START + dt.timedelta(seconds=20)):
        for _ in range(5):
            response = login(client, "worker", WRONG)
        assert "23:46 이후에 다시 시도하세요." in page_text(response)


# ---------------------------------------------------------------- idle timeout


def test_idle_session_is_logged_out_after_the_limit(app, client) -> None:
    with freeze_time(START) as clock:
        assert login(client, "worker").status_code == 302
        assert signed_in(client)
        clock.tick(dt.timedelta(minutes=59))
        assert signed_in(client)  # 59 minutes is fine, and counts as activity
        clock.tick(dt.timedelta(minutes=59))
        assert signed_in(client)
        clock.tick(dt.timedelta(minutes=61))
        response = client.get("/f/alpha/u/people/")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
        assert "next=/f/alpha/u/people/" in response.headers["Location"]
        login_page = client.get(response.headers["Location"])
        assert login_page.status_code == 200 and IDLE in page_text(login_page)
        assert not signed_in(client)
    logouts = audit_rows(app, "logout")
    assert [(who, detail) for _, who, detail in logouts] == [("worker", {"reason": "idle"})]


def test_idle_limit_comes_from_config(make_app, sqlite_url, sqlite_template) -> None:
    sqlite_template.copy_to(sqlite_url)
    app = build(make_app, sqlite_url, IEUM_IDLE_MINUTES=10)
    client = app.test_client()
    with freeze_time(START) as clock:
        login(client, "worker")
        clock.tick(dt.timedelta(minutes=9))
        assert signed_in(client)
        clock.tick(dt.timedelta(minutes=11))
        assert not signed_in(client)


def test_idle_post_is_refused_and_logged_out(app, client) -> None:
    with freeze_time(START) as clock:
        login(client, "worker")
        token = csrf_token(client, "/f/alpha/")
        clock.tick(dt.timedelta(minutes=61))
        response = client.post("/f/alpha/u/people/person_card/new", data={"csrf_token": token})
        assert response.status_code == 302 and response.headers["Location"] == "/login"
        assert IDLE in page_text(client.get("/login"))
    assert [d for _, _, d in audit_rows(app, "logout")] == [{"reason": "idle"}]


def test_ping_extends_the_session_and_status_does_not(app, client) -> None:
    with freeze_time(START) as clock:
        login(client, "worker")
        client.get("/f/alpha/")
        clock.tick(dt.timedelta(minutes=50))
        assert client.get("/session/ping").status_code == 204
        clock.tick(dt.timedelta(minutes=10))
        status = client.get("/session/status")
        assert status.status_code == 200 and status.get_json() == {"remaining": 3000}
        clock.tick(dt.timedelta(minutes=45))  # 105 minutes after the page, 55 after the ping
        assert client.get("/session/status").get_json() == {"remaining": 300}
        clock.tick(dt.timedelta(minutes=6))  # status checks are not activity
        expired = client.get("/session/status")
        assert expired.status_code == 401 and expired.get_json()["login"] == "/login"
        assert IDLE in page_text(client.get("/login"))
        assert client.get("/session/ping").status_code == 401
    assert [d for _, _, d in audit_rows(app, "logout")] == [{"reason": "idle"}]


def test_countdown_logout_form_records_the_idle_reason(app, client) -> None:
    login(client, "worker")
    page = page_text(client.get("/f/alpha/"))
    form = re.search(r"<form[^>]*data-idle-logout.*?</form>", page, re.S)
    assert form and 'name="reason" value="idle"' in form.group(0)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.group(0)).group(1)
    response = client.post("/logout", data={"csrf_token": token, "reason": "idle"})
    assert response.status_code == 302
    assert IDLE in page_text(client.get("/login"))
    assert [d for _, _, d in audit_rows(app, "logout")] == [{"reason": "idle"}]


def test_bearer_requests_are_not_affected(app, client) -> None:
    with freeze_time(START) as clock:
        token = client.post("/api/v1/auth/token",
                            json={"login": "worker", "password": PASSWORD}).get_json()["token"]
        clock.tick(dt.timedelta(hours=3))
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.get_json()["login"] == "worker"
    assert audit_rows(app, "logout") == []


@pytest.fixture
def sqlite_app(make_app, sqlite_url, sqlite_template):
    sqlite_template.copy_to(sqlite_url)
    return build(make_app, sqlite_url, IEUM_IDLE_MINUTES=30)


def test_countdown_shows_the_configured_time(sqlite_app) -> None:
    client = sqlite_app.test_client()
    assert 'data-testid="idle-countdown"' not in page_text(client.get("/login"))
    login(client, "worker")
    page = page_text(client.get("/f/alpha/"))
    box = re.search(r'<span[^>]*id="ieum-idle".*?</button>\s*</span>', page, re.S)
    assert box, "no countdown in the navbar"
    assert 'data-idle-seconds="1800"' in box.group(0)
    assert "자동 로그아웃까지" in box.group(0) and "30:00" in box.group(0)
    assert "연장" in box.group(0) and 'data-ping-url="/session/ping"' in box.group(0)
    assert "ieum-session.js" in page
    script = client.get("/static/ieum-session.js")
    assert script.status_code == 200 and b"data-idle-seconds" in script.data
    script.close()


def test_countdown_default_is_sixty_minutes(app, client) -> None:
    login(client, "worker")
    page = page_text(client.get("/f/alpha/"))
    assert 'data-idle-seconds="3600"' in page and "60:00" in page


# ---------------------------------------------------------------- CSRF


STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _sample_url(rule) -> str:
    samples = {"facility_code": "alpha", "unit_id": "people", "form_id": "person_card"}

    def value(match: re.Match) -> str:
        converter, name = match.group(1), match.group(2)
        return "1" if converter == "int" else samples.get(name, "x")

    return re.sub(r"<(?:(\w+):)?(\w+)>", value, rule.rule)


def test_every_state_changing_screen_route_requires_a_csrf_token(sqlite_app) -> None:
    assert sqlite_app.config["WTF_CSRF_ENABLED"] is True  # make_app keeps CSRF on
    client = sqlite_app.test_client()
    login(client, "worker")
    checked = []
    for rule in sqlite_app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            continue
        for method in sorted((rule.methods or set()) & STATE_CHANGING):
            url = _sample_url(rule)
            response = client.open(url, method=method, data={"anything": "1"})
            assert response.status_code == 400, (method, url, response.status_code)
            assert "보안 토큰" in page_text(response), (method, url)
            checked.append(rule.endpoint)
    assert signed_in(client)  # not even /logout went through
    # The list is taken from the app, not written down; make sure it saw the known forms.
    for endpoint in ("auth.login", "auth.logout", "records.new", "records.edit",
                     "records.delete", "records.reveal", "tasks.claim", "tasks.start"):
        assert endpoint in checked


# ---------------------------------------------------------------- in a browser


def _browser_login(page, server) -> None:
    page.goto(server.url + "/login")
    page.get_by_label("아이디").fill("worker")
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(server.url + "/f/alpha/")


@pytest.mark.browser
def test_browser_countdown_runs_and_extends(page, make_app, sqlite_url, sqlite_template,
                                            live_server) -> None:
    sqlite_template.copy_to(sqlite_url)
    server = live_server(build(make_app, sqlite_url, IEUM_IDLE_MINUTES=1))
    _browser_login(page, server)
    countdown = page.get_by_test_id("idle-countdown")
    assert "자동 로그아웃까지" in countdown.inner_text()
    clock = countdown.locator("[data-idle-clock]")
    page.wait_for_function(
        "() => document.querySelector('[data-idle-clock]').textContent <= '00:57'")
    with page.expect_response("**/session/ping") as ping:
        countdown.get_by_role("button", name="연장").click()
    assert ping.value.status == 204
    page.wait_for_function(
        "() => document.querySelector('[data-idle-clock]').textContent >= '00:59'")
    assert clock.inner_text() in ("01:00", "00:59")


@pytest.mark.browser
def test_browser_idle_logout_when_the_countdown_ends(page, make_app, sqlite_url, sqlite_template,
                                                     live_server) -> None:
    sqlite_template.copy_to(sqlite_url)
    app = build(make_app, sqlite_url, IEUM_IDLE_MINUTES=0.05)  # three seconds
    server = live_server(app)
    _browser_login(page, server)
    page.wait_for_url(server.url + "/login**", timeout=15_000)
    assert IDLE in page.get_by_role("alert").inner_text()
    assert [d for _, _, d in audit_rows(app, "logout")] == [{"reason": "idle"}]


@pytest.mark.browser
def test_browser_a_screen_reader_is_told_before_the_idle_logout(page, make_app, sqlite_url,
                                                                sqlite_template,
                                                                live_server) -> None:
    sqlite_template.copy_to(sqlite_url)
    app = build(make_app, sqlite_url, IEUM_IDLE_MINUTES=2.05)  # two minutes and three seconds
    server = live_server(app)
    _browser_login(page, server)
    status = page.locator("#ieum-idle [role=status]")
    assert status.inner_text() == ""  # nothing said while there is time
    page.wait_for_function(
        "() => document.querySelector('#ieum-idle [role=status]').textContent !== ''",
        timeout=15_000)
    assert status.text_content() == "자동 로그아웃까지 2분 남았습니다. 계속 쓰려면 연장을 누르세요."
    page.get_by_role("button", name="연장").click()
    page.wait_for_function(
        "() => document.querySelector('#ieum-idle [role=status]').textContent === ''")
