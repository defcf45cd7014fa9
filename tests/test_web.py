"""The web skeleton: login and logout with CSRF and audit, the menu a profile assembles,
isolation between facilities, errors in Korean, the health endpoint."""

from __future__ import annotations

import datetime as dt
import platform
from pathlib import Path

import pytest
from sqlalchemy import select

from ieum.config import REPOSITORY_ROOT
from ieum.definitions import DefinitionErrors
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from ieum.store.models import AuditEvent, User
from tests.webutil import PASSWORD, csrf_token, login

TODAY = dt.date(2026, 3, 2)


@pytest.fixture
def app(make_app, migrated_url):
    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        alpha = create_facility(s, registry, code="alpha", name="알파양육원",
                                profile_code="alpha_home", region_code="11110", capacity=30)
        beta = create_facility(s, registry, code="beta", name="베타복지관",
                               profile_code="beta_center", region_code="26110")
        start = dt.date(2026, 1, 1)
        for login_name, name, facility, role in [
            ("worker", "이복지", alpha, "worker"),
            ("leader", "김팀장", alpha, "leader"),
            ("multi", "두기관", alpha, "admin"),
            ("multi", "두기관", beta, "staff"),
        ]:
            user = s.scalar(select(User).where(User.login == login_name))
            if user is None:
                user = create_user(s, login=login_name, name=name, password=PASSWORD)
            grant_role(s, registry, user=user, facility=facility, role=role, valid_from=start)
        expired = create_user(s, login="retired", name="퇴직자", password=PASSWORD)
        grant_role(s, registry, user=expired, facility=alpha, role="worker",
                   valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2026, 3, 1))
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def audit_actions(app) -> list[tuple[str, str | None, str | None]]:
    with app.extensions["ieum.database"].session() as s:
        return [
            (e.action, e.login, e.detail.get("reason"))
            for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]


def test_login_shows_facility_and_menu_of_its_profile(app, client) -> None:
    response = login(client, "leader")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/f/alpha/"
    page = client.get("/f/alpha/").get_data(as_text=True)
    assert "알파양육원" in page and "알파양육시설" in page
    assert 'data-unit="people"' in page and 'data-unit="visits"' in page
    assert "팀장" in page
    assert ("login.success", "leader", None) in audit_actions(app)


def test_menu_keeps_only_units_the_roles_may_view(client) -> None:
    login(client, "worker")
    page = client.get("/f/alpha/").get_data(as_text=True)
    assert 'data-unit="people"' in page
    assert 'data-unit="visits"' not in page
    assert client.get("/f/alpha/u/visits/").status_code == 403
    assert client.get("/f/alpha/u/people/").headers["Location"].endswith(
        "/f/alpha/u/people/person_card/")
    unit_page = client.get("/f/alpha/u/people/about").get_data(as_text=True)
    assert "인적사항" in unit_page and "최소 연령" in unit_page and "15" in unit_page
    assert "조회" in unit_page  # the worker's one action, in Korean


def test_two_facility_types_show_different_menus(client) -> None:
    login(client, "multi")
    alpha = client.get("/f/alpha/").get_data(as_text=True)
    beta = client.get("/f/beta/").get_data(as_text=True)
    assert "기관 전환" in alpha
    assert 'data-unit="visits"' in alpha and 'data-unit="visits"' not in beta
    assert "이용자" in beta and "베타복지관" in beta


def test_other_facility_is_not_found(client) -> None:
    login(client, "worker")
    assert client.get("/f/beta/").status_code == 404
    assert client.get("/f/beta/u/people/").status_code == 404
    assert client.get("/f/nowhere/").status_code == 404
    assert client.get("/f/alpha/u/not_in_profile/").status_code == 404


def test_wrong_password_and_unknown_login_are_refused_and_audited(app, client) -> None:
    response = login(client, "worker", "wrong-password-1")
    assert response.status_code == 401
    assert "아이디 또는 비밀번호가 올바르지 않습니다." in response.get_data(as_text=True)
    assert login(client, "nobody", "whatever-123").status_code == 401
    assert client.get("/f/alpha/").status_code == 302  # still signed out
    actions = audit_actions(app)
    assert ("login.failure", "worker", "bad_password") in actions
    assert ("login.failure", "nobody", "unknown_login") in actions


def test_login_without_csrf_token_is_refused(client) -> None:
    response = client.post("/login", data={"login": "worker", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/f/alpha/").status_code == 302


def test_logout_needs_post_with_csrf_and_is_audited(app, client) -> None:
    login(client, "worker")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token
    token = csrf_token(client, "/f/alpha/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/f/alpha/").status_code == 302
    assert ("logout", "worker", None) in audit_actions(app)


def test_next_parameter_cannot_leave_the_site(client) -> None:
    token = csrf_token(client)
    response = client.post("/login?next=https://evil.example/",
                           data={"login": "worker", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_expired_role_gives_no_facility(client) -> None:
    login(client, "retired")
    page = client.get("/").get_data(as_text=True)
    assert "소속 기관이 없습니다" in page
    assert client.get("/f/alpha/").status_code == 404


def test_unknown_page_is_a_korean_404(client) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "찾을 수 없습니다" in response.get_data(as_text=True)


def test_health_reports_database_content_and_stdlib_platform(client) -> None:
    body = client.get("/health").get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["content"] == {"forms": 5, "processes": 5, "unit_functions": 4, "profiles": 4}
    # The stdlib module, not the repository's platform/ folder, answers inside the app.
    assert body["python"] == platform.python_version()
    assert Path(platform.__file__).resolve().parent != REPOSITORY_ROOT / "platform"
    assert not (REPOSITORY_ROOT / "platform" / "__init__.py").exists()


def test_app_refuses_to_start_on_content_errors(make_app, migrated_url, tmp_path) -> None:
    broken = tmp_path / "broken"
    (broken / "facility_profiles").mkdir(parents=True)
    (broken / "facility_profiles" / "x_home.yaml").write_text(
        "code: x_home\ntitle: 엑스\nmenu:\n  - group: 메뉴\n    items:\n      - unit: ghost\n"
        "roles: []\n", encoding="utf-8")
    with pytest.raises(DefinitionErrors) as raised:
        make_app(migrated_url, roots=[broken])
    assert "ghost" in str(raised.value)


def test_app_refuses_an_unmigrated_database(make_app, sqlite_url) -> None:
    with pytest.raises(RuntimeError, match="ieum db upgrade"):
        make_app(sqlite_url)
