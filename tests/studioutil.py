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
                                    valid_from=dt.date(2026, 1, 1))
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
                       valid_from=dt.date(2026, 1, 1))
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


# --- a package for the form lab (tests/formlab.py) -----------------------------------------

PACKAGE = "studio_lab"
LAB_NOTE = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "실험 메모", "version": 1, "type": "object",
    "properties": {"noted_on": {"type": "string", "format": "date", "title": "작성일"},
                   "memo": {"type": "string", "title": "메모", "maxLength": 200}},
    "required": ["noted_on"],
}
LAB_NOTES_UNIT = {
    "id": "lab_notes", "title": "실험 메모", "layer": 2,
    "description": "스튜디오에서 만든 단위기능",
    "target_groups": ["child"], "forms": ["lab_note"], "processes": [],
    "screens": [{"kind": "list", "form": "lab_note", "title": "메모 목록"}],
    "actions": ["view", "create", "update", "delete"],
}
NOTES_API = "/api/v1/f/lab/u/lab_notes/lab_note/records"


def save(client, kind: str, key: str, body, base=None):  # noqa: ANN001, ANN201
    response = put_json(client, f"/content/{kind}/{key}/document",
                        {"body": body, "base_version": base, "package": PACKAGE})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def write_drafts(app) -> None:  # noqa: ANN001
    """casebook gets a field 취미; a new form and unit (lab_notes) join the form_lab profile,
    whose worker may use it."""
    author = signed_in(app, "author")
    casebook = author.get("/content/form/casebook/document").get_json()["body"]
    casebook["properties"]["hobby"] = {"type": "string", "title": "취미"}
    assert save(author, "form", "casebook", casebook)["problems"] == []
    assert save(author, "form", "lab_note", LAB_NOTE)["problems"] == []
    unit = save(author, "unit", "lab_notes", LAB_NOTES_UNIT)
    assert unit["problems"] == [], unit
    profile = author.get("/content/profile/form_lab/document").get_json()["body"]
    profile["menu"][0]["items"].append({"unit": "lab_notes"})
    worker = next(role for role in profile["roles"] if role["id"] == "worker")
    worker["grants"]["lab_notes"] = {"actions": ["view", "create"], "scope": "facility"}
    assert save(author, "profile", "form_lab", profile)["problems"] == []


def publish(app, package: str = PACKAGE) -> None:  # noqa: ANN001
    """``author`` submits ``package``, ``checker`` approves it, ``author`` publishes it."""
    author, checker = signed_in(app, "author"), signed_in(app, "checker")
    path = f"/content/packages/{package}"
    for client, action in ((author, "submit"), (checker, "approve"), (author, "publish")):
        response = post_form(client, f"{path}/{action}", {})
        assert response.status_code == 302, (action, response.get_data(as_text=True)[:3000])
