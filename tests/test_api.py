"""``/api/v1``: bearer tokens from ``POST /api/v1/auth/token`` and the signed-in user's menus."""

from __future__ import annotations

import datetime as dt

import pytest

from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from tests.webutil import PASSWORD


@pytest.fixture
def client(make_app, migrated_url):
    app = make_app(migrated_url)
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        alpha = create_facility(s, registry, code="alpha", name="알파양육원",
                                profile_code="alpha_home", region_code="11110")
        user = create_user(s, login="leader", name="김팀장", password=PASSWORD)
        grant_role(s, registry, user=user, facility=alpha, role="leader",
                   valid_from=dt.date(2020, 1, 1))
    return app.test_client()


def token_for(client, login: str = "leader", password: str = PASSWORD) -> str:
    response = client.post("/api/v1/auth/token", json={"login": login, "password": password})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def test_token_gives_access_to_me(client) -> None:
    response = client.post("/api/v1/auth/token", json={"login": "leader", "password": PASSWORD})
    body = response.get_json()
    assert response.status_code == 201
    assert body["token_type"] == "Bearer" and len(body["token"]) >= 32
    assert dt.datetime.fromisoformat(body["expires_at"]) > dt.datetime.now(dt.UTC)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    data = me.get_json()
    assert data["login"] == "leader"
    assert data["facilities"][0]["code"] == "alpha"
    assert data["facilities"][0]["roles"] == ["leader"]
    assert data["facilities"][0]["menu"] == [
        {"group": "대상자", "items": [{"unit": "people", "title": "사람관리"}]},
        {"group": "서비스", "items": [{"unit": "visits", "title": "방문기록"}]},
    ]


def test_wrong_credentials_get_401(client) -> None:
    response = client.post("/api/v1/auth/token", json={"login": "leader", "password": "nope-1234"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "아이디 또는 비밀번호가 올바르지 않습니다."


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"login": "leader"}, {"password"}),
        ({"login": 5, "password": ["x"]}, {"login", "password"}),
        ({"login": "x" * 65, "password": "y"}, {"login"}),
    ],
)
def test_malformed_bodies_get_400_with_fields(client, body, fields) -> None:
    response = client.post("/api/v1/auth/token", json=body)
    assert response.status_code == 400
    assert set(response.get_json()["fields"]) == fields


def test_non_object_body_gets_400(client) -> None:
    for raw in ("[1, 2]", "not json", ""):
        response = client.post("/api/v1/auth/token", data=raw, content_type="application/json")
        assert response.status_code == 400
        assert "JSON" in response.get_json()["error"]


def test_missing_bad_and_revoked_tokens_get_401(client) -> None:
    assert client.get("/api/v1/me").status_code == 401
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer forged"})
    assert bad.status_code == 401 and "Bearer" in bad.headers["WWW-Authenticate"]
    token = token_for(client)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_api_errors_are_json(client) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["status"] == 404
