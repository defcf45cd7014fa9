"""Sessions end on the server (ASVS V3.3): logout, a password change and a role revocation end
every screen session of the account, a copied session cookie included, and its API tokens;
the change-password screen; NIST SP 800-63B rules on it; a locked account hashes like any."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ieum.access import passwords
from ieum.services.admin.users import revoke_role
from ieum.store.models import AuditEvent, RoleAssignment, User
from tests.formlab import API, TODAY, api_token
from tests.webutil import PASSWORD, csrf_token, login

HOME = "/f/lab/"
NEW = "river-stone-2026"


@pytest.fixture
def app(lab_app):
    return lab_app


def signed_in(client) -> bool:
    return client.get(HOME).status_code == 200


def copy_of(app, client):
    """A second client holding a copy of ``client``'s session cookie (a stolen cookie)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_logout_ends_a_copied_session_cookie(app) -> None:
    client = app.test_client()
    assert login(client, "worker").status_code == 302
    thief = copy_of(app, client)
    assert signed_in(thief)
    client.post("/logout", data={"csrf_token": csrf_token(client, HOME)})
    assert not signed_in(client)
    answer = thief.get(HOME)
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_a_web_logout_also_ends_the_accounts_api_tokens(app) -> None:
    api = app.test_client()
    headers = api_token(api, "worker")
    assert api.get(f"{API}/records", headers=headers).status_code == 200
    client = app.test_client()
    assert login(client, "worker").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, HOME)})
    assert api.get(f"{API}/records", headers=headers).status_code == 401


def change(client, current: str, new: str, confirm: str | None = None):
    return client.post("/account/password", data={
        "csrf_token": csrf_token(client, "/account/password"), "current": current,
        "new": new, "confirm": new if confirm is None else confirm})


@pytest.mark.parametrize(("current", "new", "confirm", "message"), [
    ("wrong-password", NEW, None, "현재 비밀번호가 올바르지 않습니다"),
    (PASSWORD, "aaaaaaaaaa", None, "같은 글자를 되풀이"),
    (PASSWORD, "password123", None, "널리 쓰여"),
    (PASSWORD, "short", None, "8자 이상"),
    (PASSWORD, NEW, "river-stone-2027", "확인이 일치하지 않습니다"),
    (PASSWORD, "worker-is-me-2026", None, "아이디나 이름"),
])
def test_a_refused_password_change_says_why_and_changes_nothing(app, current, new, confirm,
                                                                message) -> None:
    client = app.test_client()
    assert login(client, "worker").status_code == 302
    page = change(client, current, new, confirm)
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)
    assert signed_in(client)
    assert login(app.test_client(), "worker", PASSWORD).status_code == 302


def test_changing_the_password_ends_every_other_session_and_token(app) -> None:
    api = app.test_client()
    headers = api_token(api, "worker")
    other = app.test_client()
    assert login(other, "worker").status_code == 302
    client = app.test_client()
    assert login(client, "worker").status_code == 302
    assert "비밀번호 변경" in client.get(HOME).get_data(as_text=True)

    done = change(client, PASSWORD, NEW)
    assert done.status_code == 302
    assert signed_in(client)  # the session that made the change goes on
    assert not signed_in(other)
    assert api.get(f"{API}/records", headers=headers).status_code == 401
    assert login(app.test_client(), "worker", PASSWORD).status_code == 401
    assert login(app.test_client(), "worker", NEW).status_code == 302
    with app.extensions["ieum.database"].session() as s:
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "password.change"))


def test_revoking_a_role_ends_the_holders_sessions(app) -> None:
    client = app.test_client()
    assert login(client, "worker2").status_code == 302
    assert signed_in(client)
    with app.extensions["ieum.database"].session() as s:
        user = s.scalar(select(User).where(User.login == "worker2"))
        assignment = s.scalar(select(RoleAssignment).where(RoleAssignment.user_id == user.id))
        facility = assignment.facility
        revoke_role(s, app.extensions["ieum.registry"], facility=facility,
                    assignment_id=assignment.id, day=TODAY + dt.timedelta(days=1))
        s.commit()
    answer = client.get(HOME)
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


class CountingHasher:
    """argon2's hasher, counting verifications (what a login costs)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.verified = 0

    def verify(self, *args):
        self.verified += 1
        return self.inner.verify(*args)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_a_locked_account_costs_a_hash_like_an_unknown_one(app, monkeypatch) -> None:
    client = app.test_client()
    for _ in range(5):
        assert login(client, "worker", "wrong-password-1").status_code == 401
    counter = CountingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", counter)
    login(client, "worker", "wrong-password-1")  # locked
    locked = counter.verified
    login(client, "nobody-here", "wrong-password-1")  # unknown
    unknown = counter.verified - locked
    assert locked == unknown == 1
