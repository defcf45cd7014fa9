"""Helpers for the content studio's tests: users with the studio's public roles, a signed-in
client and its JSON calls (with the CSRF token in ``X-CSRFToken``, as the editors send it)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_official_role, grant_role
from ieum.store.models import User
from tests.webutil import PASSWORD, login

TODAY = dt.date(2026, 11, 2)


def seed_people(app) -> dict[str, int]:  # noqa: ANN001 - a Flask app
    """``author`` and ``author2`` (content_author), ``checker`` (content_reviewer),
    ``both`` (author and reviewer), ``staff`` (a facility's worker, no studio role) and a
    facility ``alpha`` (profile alpha_home of the test content)."""
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as session:
        ids: dict[str, int] = {}

        def person(login_name: str, name: str, *roles: str) -> User:
            user = create_user(session, login=login_name, name=name, password=PASSWORD)
            for role in roles:
                grant_official_role(session, user=user, role=role, region_code=None,
                                    valid_from=TODAY - dt.timedelta(days=30))
            ids[login_name] = user.id
            return user

        person("author", "작성자", "content_author")
        person("author2", "두번째작성자", "content_author")
        person("checker", "검토자", "content_reviewer")
        person("both", "겸임자", "content_author", "content_reviewer")
        staff = person("staff", "직원")
        if "alpha_home" in registry.profiles:
            facility = create_facility(session, registry, code="alpha", name="알파",
                                       profile_code="alpha_home", region_code="11110")
            grant_role(session, registry, user=staff, facility=facility, role="admin",
                       valid_from=TODAY - dt.timedelta(days=30))
        session.commit()
    return ids


def signed_in(app, login_name: str):  # noqa: ANN001, ANN201 - a Flask test client
    client = app.test_client()
    response = login(client, login_name)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    return client


def token(client, path: str = "/content/") -> str:  # noqa: ANN001
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', page) or re.search(
        r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def put_json(client, path: str, data: Any):  # noqa: ANN001, ANN201
    return client.put(path, json=data, headers={"X-CSRFToken": token(client)})


def post_json(client, path: str, data: Any):  # noqa: ANN001, ANN201
    return client.post(path, json=data, headers={"X-CSRFToken": token(client)})


def post_form(client, path: str, data: dict[str, Any], **kwargs):  # noqa: ANN001, ANN003, ANN201
    return client.post(path, data={**data, "csrf_token": token(client)}, **kwargs)
