"""사용자 권한관리: administrators grant roles by login, create accounts with a role, and revoke
roles (the row is kept, its period ends yesterday) — refused for exclusive or duplicate roles
and for the last administrator; every change is audited."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from sqlalchemy import func, select

from ieum.services import ServiceError
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role, revoke_role
from ieum.store.models import AuditEvent, Facility, RoleAssignment, User
from tests.webutil import PASSWORD, csrf_token, login

TODAY = dt.date(2026, 3, 2)
USERS = "/f/alpha/admin/users"


@pytest.fixture
def app(make_app, migrated_url):
    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        alpha = create_facility(s, registry, code="alpha", name="알파양육원",
                                profile_code="alpha_home", region_code="11110")
        beta = create_facility(s, registry, code="beta", name="베타복지관",
                               profile_code="beta_center", region_code="26110")
        start = dt.date(2026, 1, 1)
        for login_name, name, facility, role, valid_from, valid_to in [
            ("chief", "최관리", alpha, "admin", start, None),
            ("kim", "김복지", alpha, "worker", start, None),
            ("old", "전직원", alpha, "worker", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
            ("soon", "곧팀장", alpha, "leader", dt.date(2026, 4, 1), None),
            ("outsider", "바깥사람", beta, "admin", start, None),
        ]:
            user = create_user(s, login=login_name, name=name, password=PASSWORD)
            extra = {"valid_to": valid_to} if valid_to else {}
            grant_role(s, registry, user=user, facility=facility, role=role,
                       valid_from=valid_from, **extra)
        create_user(s, login="park", name="박새내기", password=PASSWORD)  # no role anywhere
    return app


def client_for(app, login_name: str):
    client = app.test_client()
    assert login(client, login_name).status_code == 302
    return client


def assignments(app, login_name: str) -> list[tuple[str, dt.date, dt.date]]:
    with app.extensions["ieum.database"].session() as s:
        return [(a.role, a.valid_from, a.valid_to) for a in s.scalars(
            select(RoleAssignment).join(User, User.id == RoleAssignment.user_id)
            .where(User.login == login_name).order_by(RoleAssignment.id))]


def assignment_id(app, login_name: str, role: str) -> int:
    with app.extensions["ieum.database"].session() as s:
        return s.scalar(select(RoleAssignment.id).join(User, User.id == RoleAssignment.user_id)
                        .where(User.login == login_name, RoleAssignment.role == role))


def events(app, action: str) -> list[AuditEvent]:
    with app.extensions["ieum.database"].session() as s:
        found = list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)
                               .order_by(AuditEvent.id)))
        s.expunge_all()
        return found


def post(client, path: str, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, USERS), **data})


def test_the_screen_lists_the_facilitys_users_with_roles_periods_and_states(app) -> None:
    client = client_for(app, "chief")
    page = client.get(USERS)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "사용자 권한관리" in html and "사용자 목록 (총 4건)" in html
    for name in ("최관리", "김복지", "전직원", "곧팀장"):
        assert name in html
    assert "바깥사람" not in html and "outsider" not in html  # another facility's user
    assert "박새내기" not in html  # an account without a role here
    assert "2026-01-01 ~ (종료일 없음)" in html
    assert "2025-01-01 ~ 2025-12-31" in html and "2026-04-01 ~ (종료일 없음)" in html
    assert 'data-user="kim"' in html and 'data-state="active"' in html
    assert 'data-state="ended"' in html and 'data-state="planned"' in html
    for state in ("사용중", "만료", "예정"):
        assert state in html
    assert "기관관리자" in html and "생활복지사" in html  # role titles of the profile
    assert '<option value="leader">팀장</option>' in html
    assert 'value="9999-12-31"' in html and 'value="2026-03-02"' in html  # default period
    found = client.get(f"{USERS}?q=김복").get_data(as_text=True)
    assert 'data-user="kim"' in found and 'data-user="chief"' not in found
    assert "(총 1건)" in found


def test_the_menu_shows_facility_administration_to_administrators_only(app) -> None:
    html = client_for(app, "chief").get("/f/alpha/").get_data(as_text=True)
    assert "기관 관리" in html
    assert 'href="/f/alpha/admin/users"' in html and 'href="/f/alpha/admin/closings"' in html
    assert 'href="/f/alpha/admin/audit"' in html
    assert "기관 관리" not in client_for(app, "kim").get("/f/alpha/").get_data(as_text=True)


def test_only_administrators_of_the_facility_may_enter(app) -> None:
    worker = client_for(app, "kim")
    assert worker.get(USERS).status_code == 403
    assert worker.get("/f/alpha/admin/closings").status_code == 403
    token = csrf_token(worker, "/f/alpha/")
    refused = worker.post(f"{USERS}/grant", data={"csrf_token": token, "login": "kim",
                                                  "role": "admin", "valid_from": "2026-03-02"})
    assert refused.status_code == 403
    assert assignments(app, "kim") == [("worker", dt.date(2026, 1, 1), dt.date(9999, 12, 31))]
    outsider = client_for(app, "outsider")
    assert outsider.get(USERS).status_code == 404  # not a member of alpha
    assert outsider.get("/f/beta/admin/users").status_code == 200
    assert app.test_client().get(USERS).status_code == 302  # to the login page


def test_granting_a_role_by_login_is_audited_and_gives_access(app) -> None:
    client = client_for(app, "chief")
    response = post(client, f"{USERS}/grant", login="Park", role="leader",
                    valid_from="2026-03-02", valid_to="")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert assignments(app, "park") == [("leader", TODAY, dt.date(9999, 12, 31))]
    assert "팀장" in client.get(USERS).get_data(as_text=True)
    event = events(app, "role.grant")[-1]
    assert event.login == "chief" and event.detail == {
        "login": "park", "role": "leader", "valid_from": "2026-03-02",
        "valid_to": "9999-12-31"}
    assert client_for(app, "park").get("/f/alpha/").status_code == 200


@pytest.mark.parametrize(("data", "status", "message"), [
    ({"login": "kim", "role": "leader"}, 409,
     "'생활복지사' 역할과 '팀장' 역할은 함께 부여할 수 없습니다."),
    ({"login": "kim", "role": "worker", "valid_from": "2026-06-01"}, 409,
     "같은 기간에 이미 부여된 역할입니다: 생활복지사"),
    ({"login": "nobody", "role": "worker"}, 404, "사용자를 찾을 수 없습니다: nobody"),
    ({"login": "park", "role": "staff"}, 400, "없는 역할입니다: staff"),
    ({"login": "park", "role": "worker", "valid_from": "2026-13-01"}, 400,
     "날짜 형식이 올바르지 않습니다"),
    ({"login": "park", "role": "worker", "valid_from": "2026-05-01",
      "valid_to": "2026-04-01"}, 400, "권한 시작일은 종료일보다 늦을 수 없습니다."),
])
def test_refused_grants_say_why_and_change_nothing(app, data, status, message) -> None:
    client = client_for(app, "chief")
    before = {name: assignments(app, name) for name in ("kim", "park")}
    response = post(client, f"{USERS}/grant", **{"valid_from": "2026-03-02", **data})
    assert response.status_code == status
    html = unescape(response.get_data(as_text=True))
    assert message in html and 'data-testid="grant-error"' in html
    assert {name: assignments(app, name) for name in ("kim", "park")} == before


def test_an_exclusive_role_after_the_other_ends_is_accepted(app) -> None:
    client = client_for(app, "chief")
    response = post(client, f"{USERS}/grant", login="old", role="leader",
                    valid_from="2026-03-02")
    assert response.status_code == 302  # old's worker role ended in 2025


def test_creating_an_account_with_a_role(app) -> None:
    client = client_for(app, "chief")
    fields = {"login": "lee", "name": "이신입", "password": "short", "password_confirm": "short",
              "role": "worker", "valid_from": "2026-03-02", "valid_to": "9999-12-31"}
    weak = post(client, f"{USERS}/new", **fields)
    assert weak.status_code == 400
    html = weak.get_data(as_text=True)
    assert "8자 이상이어야 합니다" in html and 'data-testid="create-error"' in html
    assert 'value="이신입"' in html  # what was typed stays
    mismatch = post(client, f"{USERS}/new", **{**fields, "password": "new-pass-2026",
                                                "password_confirm": "new-pass-2027"})
    assert mismatch.status_code == 400
    assert "비밀번호 확인이 일치하지 않습니다." in mismatch.get_data(as_text=True)
    bad_role = post(client, f"{USERS}/new", **{**fields, "password": "new-pass-2026",
                                                "password_confirm": "new-pass-2026",
                                                "role": "staff"})
    assert bad_role.status_code == 400
    with app.extensions["ieum.database"].session() as s:  # nothing half-made
        assert s.scalar(select(func.count()).select_from(User).where(User.login == "lee")) == 0
    taken = post(client, f"{USERS}/new", **{**fields, "login": "kim",
                                             "password": "new-pass-2026",
                                             "password_confirm": "new-pass-2026"})
    assert taken.status_code == 409 and "이미 사용 중인 아이디입니다: kim" in taken.get_data(
        as_text=True)
    made = post(client, f"{USERS}/new", **{**fields, "password": "new-pass-2026",
                                            "password_confirm": "new-pass-2026"})
    assert made.status_code == 302, made.get_data(as_text=True)
    assert assignments(app, "lee") == [("worker", TODAY, dt.date(9999, 12, 31))]
    assert events(app, "user.create")[-1].detail["login"] == "lee"
    assert events(app, "role.grant")[-1].detail["login"] == "lee"
    fresh = app.test_client()
    assert login(fresh, "lee", "new-pass-2026").status_code == 302
    assert fresh.get("/f/alpha/").status_code == 200


def test_revoking_needs_confirmation_and_keeps_the_row(app) -> None:
    client = client_for(app, "chief")
    worker = client_for(app, "kim")
    assert worker.get("/f/alpha/").status_code == 200
    target = assignment_id(app, "kim", "worker")
    path = f"{USERS}/assignments/{target}/revoke"
    confirm = client.get(path)
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert "이 권한을 회수할까요?" in html and "김복지(kim)" in html and "2026-03-01" in html
    unconfirmed = post(client, path)
    assert unconfirmed.status_code == 400
    assert "확인란을 선택하세요" in unconfirmed.get_data(as_text=True)
    assert assignments(app, "kim") == [("worker", dt.date(2026, 1, 1), dt.date(9999, 12, 31))]
    done = post(client, path, confirm="yes")
    assert done.status_code == 302
    assert assignments(app, "kim") == [("worker", dt.date(2026, 1, 1), dt.date(2026, 3, 1))]
    ended = worker.get("/f/alpha/")  # the revocation ended kim's sessions on the server
    assert ended.status_code == 302 and "/login" in ended.headers["Location"]
    assert login(worker, "kim").status_code == 302
    assert worker.get("/f/alpha/").status_code == 404  # no role today: the facility is gone
    listed = client.get(USERS).get_data(as_text=True)
    assert "2026-01-01 ~ 2026-03-01" in listed
    event = events(app, "role.revoke")[-1]
    assert event.login == "chief" and event.detail["login"] == "kim"
    assert event.detail["role"] == "worker"
    assert (event.detail["valid_from"], event.detail["valid_to"]) == ("2026-01-01", "2026-03-01")
    assert event.detail["previous_valid_to"] == "9999-12-31"
    again = post(client, path, confirm="yes")
    assert again.status_code == 409 and "이미 만료된 권한입니다." in again.get_data(as_text=True)


def test_revoking_a_planned_role_ends_it_before_it_starts(app) -> None:
    client = client_for(app, "chief")
    target = assignment_id(app, "soon", "leader")
    assert post(client, f"{USERS}/assignments/{target}/revoke", confirm="yes").status_code == 302
    assert assignments(app, "soon") == [("leader", dt.date(2026, 3, 1), dt.date(2026, 3, 1))]
    assert events(app, "role.revoke")[-1].detail["previous_valid_from"] == "2026-04-01"


def test_an_administrator_cannot_revoke_their_own_last_administering_role(app) -> None:
    chief = client_for(app, "chief")
    own = assignment_id(app, "chief", "admin")
    path = f"{USERS}/assignments/{own}/revoke"
    refused = post(chief, path, confirm="yes")
    assert refused.status_code == 409
    assert "자신의 마지막 관리자 권한은 회수할 수 없습니다." in refused.get_data(as_text=True)
    assert post(chief, f"{USERS}/grant", login="park", role="admin",
                valid_from="2026-03-02").status_code == 302
    still = post(chief, path, confirm="yes")  # another admin exists, but it is still their own
    assert still.status_code == 409
    park = client_for(app, "park")
    assert post(park, path, confirm="yes").status_code == 302  # another admin may
    assert chief.get(USERS).status_code == 302  # the revocation ended chief's session
    assert login(chief, "chief").status_code == 302
    assert chief.get(USERS).status_code == 404  # chief no longer belongs to alpha
    assert events(app, "role.revoke")[-1].login == "park"


def test_the_service_keeps_the_facilitys_last_administrator(app) -> None:
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        alpha = s.scalar(select(Facility).where(Facility.code == "alpha"))
        with pytest.raises(ServiceError, match="기관의 마지막 관리자 권한은") as raised:
            revoke_role(s, registry, facility=alpha, day=TODAY,
                        assignment_id=assignment_id(app, "chief", "admin"))
        assert raised.value.status == 409
        with pytest.raises(ServiceError) as missing:  # another facility's assignment
            revoke_role(s, registry, facility=alpha, day=TODAY,
                        assignment_id=assignment_id(app, "outsider", "admin"))
        assert missing.value.status == 404


def test_another_facilitys_assignment_is_not_found(app) -> None:
    client = client_for(app, "chief")
    theirs = assignment_id(app, "outsider", "admin")
    path = f"{USERS}/assignments/{theirs}/revoke"
    assert client.get(path).status_code == 404
    assert post(client, path, confirm="yes").status_code == 404
    assert assignments(app, "outsider")[0][2] == dt.date(9999, 12, 31)


def test_grant_role_without_an_actor_still_works_and_is_audited(app) -> None:
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        beta = s.scalar(select(Facility).where(Facility.code == "beta"))
        park = s.scalar(select(User).where(User.login == "park"))
        granted = grant_role(s, registry, user=park, facility=beta, role="staff",
                             valid_from=TODAY)
        assert granted.granted_by_id is None
    event = events(app, "role.grant")[-1]
    assert event.login is None and event.detail["login"] == "park"
