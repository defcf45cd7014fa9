"""플랫폼 관리: platform administrators register and edit facilities and see the profiles."""

from __future__ import annotations

import datetime as dt

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from ieum.definitions import reuse_matrix
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from ieum.store.models import AuditEvent, Facility, Record, RoleAssignment, User
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
        create_user(s, login="root", name="플랫폼관리자", password=PASSWORD, platform_admin=True)
        start = dt.date(2026, 1, 1)
        for login_name, name, facility, role in [
            ("boss", "김관리", alpha, "admin"),
            ("worker", "이복지", alpha, "worker"),
            ("staff", "박복지", beta, "staff"),
        ]:
            user = create_user(s, login=login_name, name=name, password=PASSWORD)
            grant_role(s, registry, user=user, facility=facility, role=role, valid_from=start)
        retired = create_user(s, login="retired", name="퇴직자", password=PASSWORD)
        grant_role(s, registry, user=retired, facility=alpha, role="worker",
                   valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2026, 3, 1))
    return app


@pytest.fixture
def root(app):
    client = app.test_client()
    assert login(client, "root").status_code == 302
    return client


def _db(app):
    return app.extensions["ieum.database"].session()


def _actions(app, action: str) -> list[AuditEvent]:
    with _db(app) as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == action)
                           .order_by(AuditEvent.id)).all()
        s.expunge_all()
        return list(events)


def _facility_count(app) -> int:
    with _db(app) as s:
        return s.scalar(select(func.count()).select_from(Facility))


def _create(client, **fields):
    data = {"code": "gamma", "name": "감마양육원", "profile_code": "alpha_home",
            "region_code": "41110", "capacity": "25", "admin_mode": "none"}
    data.update(fields)
    data["csrf_token"] = csrf_token(client, "/admin/facilities")
    return client.post("/admin/facilities", data=data)


def test_list_shows_facilities_with_type_region_capacity_and_current_users(root) -> None:
    response = root.get("/admin/facilities")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.index('data-facility="beta"') < page.index('data-facility="alpha"')  # 베 < 알
    assert "알파양육시설" in page and "11110" in page and "26110" in page
    assert 'data-testid="platform-admin-link"' in page and "플랫폼 관리" in page
    alpha_row = page[page.index('data-facility="alpha"'):]
    alpha_row = alpha_row[:alpha_row.index("</tr>")]
    assert "<td class=\"text-end\">30</td>" in alpha_row
    assert 'data-testid="user-count">2<' in alpha_row  # boss, worker; retired has ended
    for option in ("alpha_home", "beta_center", "flow_lab", "form_lab"):
        assert f'<option value="{option}"' in page


def test_search_by_name_or_code(root) -> None:
    page = root.get("/admin/facilities?q=베타").get_data(as_text=True)
    assert 'data-facility="beta"' in page and 'data-facility="alpha"' not in page
    page = root.get("/admin/facilities?q=alp").get_data(as_text=True)
    assert 'data-facility="alpha"' in page and 'data-facility="beta"' not in page
    page = root.get("/admin/facilities?q=%25").get_data(as_text=True)
    assert "조건에 맞는 기관이 없습니다" in page


def test_creates_a_facility_with_a_new_first_admin_who_can_log_in(app, root) -> None:
    response = _create(root, admin_mode="new", admin_new_login="gamma-boss",
                       admin_name="최관리", admin_password="gamma-pass-2026",
                       admin_password_confirm="gamma-pass-2026")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/facilities/gamma"
    page = root.get("/admin/facilities/gamma").get_data(as_text=True)
    assert "감마양육원" in page and "최관리(gamma-boss)" in page  # the flash message
    assert 'data-user="gamma-boss" data-role="admin"' in page
    with _db(app) as s:
        facility = s.scalar(select(Facility).where(Facility.code == "gamma"))
        assert (facility.profile_code, facility.region_code, facility.capacity) == (
            "alpha_home", "41110", 25)
        assignment = s.scalar(select(RoleAssignment).where(
            RoleAssignment.facility_id == facility.id))
        assert (assignment.role, assignment.valid_from) == ("admin", TODAY)
        root_id = s.scalar(select(User.id).where(User.login == "root"))
        assert assignment.granted_by_id == root_id
    for action in ("facility.create", "user.create", "role.grant"):
        assert _actions(app, action)[-1].login == "root"

    boss = app.test_client()
    assert login(boss, "gamma-boss", "gamma-pass-2026").status_code == 302
    assert boss.get("/").headers["Location"] == "/f/gamma/"
    dashboard = boss.get("/f/gamma/").get_data(as_text=True)
    assert "감마양육원" in dashboard and 'data-testid="admin-menu"' in dashboard
    assert 'data-testid="platform-admin-link"' not in dashboard
    assert boss.get("/admin/facilities").status_code == 403


def test_an_existing_account_can_be_the_first_admin(app, root) -> None:
    response = _create(root, admin_mode="existing", admin_login="Worker")
    assert response.status_code == 302
    worker = app.test_client()
    login(worker, "worker")
    page = worker.get("/f/gamma/").get_data(as_text=True)
    assert 'data-testid="admin-menu"' in page
    assert 'data-user="worker" data-role="admin"' in root.get(
        "/admin/facilities/gamma").get_data(as_text=True)


def test_without_an_admin_only_the_facility_is_created(app, root) -> None:
    assert _create(root, capacity="").status_code == 302
    page = root.get("/admin/facilities").get_data(as_text=True)
    gamma_row = page[page.index('data-facility="gamma"'):]
    assert 'data-testid="user-count">0<' in gamma_row
    with _db(app) as s:
        assert s.scalar(select(Facility.capacity).where(Facility.code == "gamma")) is None


@pytest.mark.parametrize(("fields", "message", "field"), [
    ({"code": "alpha"}, "이미 등록된 기관 코드입니다: alpha", "code"),
    ({"code": "Bad Code"}, "기관 코드는 영문 소문자, 숫자, '-'로 된 2~32자여야 합니다.", "code"),
    ({"name": "  "}, "기관명은 필수 입력 항목입니다.", "name"),
    ({"profile_code": "nope"}, "등록되지 않은 시설유형입니다: nope", "profile_code"),
    ({"region_code": "1234"}, "시·군·구 코드는 숫자 5자리여야 합니다.", "region_code"),
    ({"region_code": "서울"}, "시·군·구 코드는 숫자 5자리여야 합니다.", "region_code"),
    ({"capacity": "-1"}, "정원은 0 이상이어야 합니다.", "capacity"),
    ({"capacity": "많음"}, "정원은 숫자로 입력하세요.", "capacity"),
    ({"admin_mode": "existing", "admin_login": "nobody"}, "사용자를 찾을 수 없습니다: nobody",
     "admin_login"),
    ({"admin_mode": "existing", "admin_login": ""}, "기관관리자로 지정할 사용자의 아이디를",
     "admin_login"),
    ({"admin_mode": "new", "admin_new_login": "root", "admin_name": "중복",
      "admin_password": "gamma-pass-2026", "admin_password_confirm": "gamma-pass-2026"},
     "이미 사용 중인 아이디입니다: root", "admin_new_login"),
    ({"admin_mode": "new", "admin_new_login": "gamma-boss", "admin_name": "최관리",
      "admin_password": "short", "admin_password_confirm": "short"},
     "비밀번호는 8자 이상이어야 합니다", "admin_password"),
    ({"admin_mode": "new", "admin_new_login": "gamma-boss", "admin_name": "최관리",
      "admin_password": "gamma-pass-2026", "admin_password_confirm": "other-pass-2026"},
     "비밀번호 확인이 일치하지 않습니다.", "admin_password_confirm"),
])
def test_bad_input_is_shown_on_the_form_and_creates_nothing(app, root, fields, message,
                                                            field) -> None:
    before = (_facility_count(app), len(_actions(app, "facility.create")),
              len(_actions(app, "user.create")))
    response = _create(root, **fields)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'data-testid="create-error"' in page and str(escape(message)) in page
    assert f'data-testid="{field}-error"' in page
    assert 'value="감마양육원"' in page or fields.get("name") == "  "  # the input is kept
    after = (_facility_count(app), len(_actions(app, "facility.create")),
             len(_actions(app, "user.create")))
    assert after == before
    with _db(app) as s:
        assert s.scalar(select(User.id).where(User.login == "gamma-boss")) is None


@pytest.mark.parametrize("user", ["boss", "worker", "staff"])
def test_everyone_but_platform_admins_gets_403(app, user) -> None:
    client = app.test_client()
    login(client, user)
    home = "/f/beta/" if user == "staff" else "/f/alpha/"
    assert 'data-testid="platform-admin-link"' not in client.get(home).get_data(as_text=True)
    for path in ("/admin/", "/admin/facilities", "/admin/facilities/alpha", "/admin/profiles"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "플랫폼 관리자만 사용할 수 있는 메뉴입니다." in response.get_data(as_text=True)
    token = csrf_token(client, home)
    assert client.post("/admin/facilities", data={
        "csrf_token": token, "code": "evil", "name": "x", "profile_code": "alpha_home",
        "region_code": "11110"}).status_code == 403
    assert client.post("/admin/facilities/alpha", data={
        "csrf_token": token, "name": "바뀜", "region_code": "11110"}).status_code == 403
    assert _facility_count(app) == 2
    with _db(app) as s:
        assert s.scalar(select(Facility.name).where(Facility.code == "alpha")) == "알파양육원"


def test_signed_out_visitors_are_sent_to_login(app) -> None:
    client = app.test_client()
    for path in ("/admin/facilities", "/admin/facilities/alpha", "/admin/profiles"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


def test_edit_is_audited(app, root) -> None:
    page = root.get("/admin/facilities/alpha").get_data(as_text=True)
    assert 'value="알파양육원"' in page and 'value="30"' in page
    assert 'data-user="boss" data-role="admin"' in page and 'data-user="retired"' not in page
    token = csrf_token(root, "/admin/facilities/alpha")
    response = root.post("/admin/facilities/alpha", data={
        "csrf_token": token, "name": "알파아동양육원", "region_code": "11140", "capacity": "",
        "profile_code": "alpha_home"})
    assert response.status_code == 302
    assert "기관 정보를 저장했습니다." in root.get("/admin/facilities/alpha").get_data(as_text=True)
    with _db(app) as s:
        alpha = s.scalar(select(Facility).where(Facility.code == "alpha"))
        assert (alpha.name, alpha.region_code, alpha.capacity, alpha.profile_code) == (
            "알파아동양육원", "11140", None, "alpha_home")
    event = _actions(app, "facility.update")[-1]
    assert event.login == "root" and event.target_type == "facility"
    assert event.detail["changes"] == {"name": ["알파양육원", "알파아동양육원"],
                                       "region_code": ["11110", "11140"],
                                       "capacity": [30, None]}

    # Saving the same values changes and audits nothing.
    root.post("/admin/facilities/alpha", data={
        "csrf_token": token, "name": "알파아동양육원", "region_code": "11140", "capacity": ""})
    assert len(_actions(app, "facility.update")) == 1

    response = root.post("/admin/facilities/alpha", data={
        "csrf_token": token, "name": "알파", "region_code": "1114", "capacity": "3"})
    assert response.status_code == 400
    assert "시·군·구 코드는 숫자 5자리여야 합니다." in response.get_data(as_text=True)
    assert len(_actions(app, "facility.update")) == 1
    assert root.get("/admin/facilities/nowhere").status_code == 404


def test_profile_change_is_refused_once_the_facility_has_records(app, root) -> None:
    with _db(app) as s:
        alpha = s.scalar(select(Facility).where(Facility.code == "alpha"))
        author = s.scalar(select(User).where(User.login == "boss"))
        s.add(Record(facility_id=alpha.id, unit_function="people", form_id="person_card",
                     form_version=1, author_id=author.id, data={}))
        s.commit()
    token = csrf_token(root, "/admin/facilities/alpha")
    response = root.post("/admin/facilities/alpha", data={
        "csrf_token": token, "name": "알파양육원", "region_code": "11110", "capacity": "30",
        "profile_code": "form_lab"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "기록이 있는 기관은 시설유형을 바꿀 수 없습니다." in page
    assert 'data-testid="profile_code-error"' in page
    with _db(app) as s:
        assert s.scalar(select(Facility.profile_code).where(Facility.code == "alpha")) == (
            "alpha_home")
    assert _actions(app, "facility.update") == []


def test_profile_change_needs_the_held_roles_in_the_new_profile(app, root) -> None:
    token = csrf_token(root, "/admin/facilities/beta")
    response = root.post("/admin/facilities/beta", data={
        "csrf_token": token, "name": "베타복지관", "region_code": "26110",
        "profile_code": "alpha_home"})
    assert response.status_code == 409
    assert "없는 역할이 부여되어 있어 시설유형을 바꿀 수 없습니다: staff" in response.get_data(
        as_text=True)

    assert _create(root, admin_mode="new", admin_new_login="gamma-boss", admin_name="최관리",
                   admin_password="gamma-pass-2026",
                   admin_password_confirm="gamma-pass-2026").status_code == 302
    response = root.post("/admin/facilities/gamma", data={
        "csrf_token": token, "name": "감마양육원", "region_code": "41110", "capacity": "25",
        "profile_code": "form_lab"})
    assert response.status_code == 302
    with _db(app) as s:
        assert s.scalar(select(Facility.profile_code).where(Facility.code == "gamma")) == (
            "form_lab")
    assert _actions(app, "facility.update")[-1].detail["changes"]["profile_code"] == [
        "alpha_home", "form_lab"]


def test_profiles_page_lists_the_profiles_and_the_reuse_ratio(app, root) -> None:
    response = root.get("/admin/profiles")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    registry = app.extensions["ieum.registry"]
    for code, profile in registry.profiles.items():
        row = page[page.index(f'data-profile="{code}"'):]
        row = row[:row.index("</tr>")]
        assert profile.title in row and profile.statute in row
        assert f'data-testid="unit-count">{len(set(profile.unit_ids))}<' in row
        for role in profile.roles.values():
            assert role.title in row and f'data-role="{role.id}"' in row
    alpha = page[page.index('data-profile="alpha_home"'):]
    alpha = alpha[:alpha.index("</tr>")]
    assert ('기관관리자 <code>admin</code> <span class="badge text-bg-primary">관리</span>'
            in alpha)
    assert "팀장 <code>leader</code></li>" in alpha
    reuse = reuse_matrix(registry)
    assert f'data-testid="reuse-ratio">{reuse.reuse_ratio * 100:.1f}%<' in page
    assert f'data-testid="reuse-slots">{reuse.slots}<' in page
    assert "바꿀 수 없습니다" in page  # read-only: no form
    assert "<form method=\"post\"" not in page.split("</nav>", 1)[1]
