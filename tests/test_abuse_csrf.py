"""Cross-site request forgery: every state-changing route refuses a request without a token.

Every rule of ``app.url_map`` that accepts POST, PUT, PATCH or DELETE is called by a signed-in
administrator whose browser holds a valid session cookie, once with no ``csrf_token`` and once
with a token from another session. Screens must answer 400 with the Korean "보안 토큰" message
and write nothing (every table's row count and every record's version stay the same).

The JSON API under ``/api/`` is exempt from CSRF by design: it reads only bearer tokens, never
the session cookie, so a forged cross-site request carries nothing it would accept. That is
checked too: with the same signed-in cookie and no bearer token, every API route answers 401,
and the token endpoint refuses a form-encoded (cross-site form) body.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from ieum.store.models import Base, Record
from tests.formlab import GOOD, api_token
from tests.webutil import csrf_token, login

ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_MESSAGE = "보안 토큰이 만료되었거나 없습니다"


def fingerprint(app) -> dict[str, Any]:
    """Row counts of every table and the version of every record."""
    with app.extensions["ieum.database"].session() as s:
        counts = {table.name: s.scalar(select(func.count()).select_from(table))
                  for table in Base.metadata.sorted_tables}
        versions = dict(s.execute(select(Record.id, Record.version)).all())
    return {"counts": counts, "versions": versions}


def concrete_path(rule, ids: dict[str, int]) -> str:  # noqa: ANN001 - a werkzeug Rule
    names = {"facility_code": "lab", "unit_id": "casebook", "form_id": "casebook",
             "field_name": "evidence", "process_id": "none", "filename": "x.js"}

    def value(match: re.Match) -> str:
        if match["converter"] == "int":
            return str(ids.get(match["name"], 1))
        return names.get(match["name"], "x")

    return ARGUMENT.sub(value, rule.rule)


def changing_rules(app) -> list:
    return [rule for rule in app.url_map.iter_rules()
            if rule.methods & CHANGING and rule.endpoint != "static"]


def seeded(lab_app) -> dict[str, int]:
    """A record and a subject in ``lab`` so id routes point at something real."""
    client = lab_app.test_client()
    headers = api_token(client, "admin")
    created = client.post("/api/v1/f/lab/u/casebook/casebook/records", headers=headers,
                          json={"data": GOOD})
    assert created.status_code == 201, created.get_json()
    return {"record_id": created.get_json()["id"]}


def test_every_screen_route_that_changes_state_refuses_a_missing_or_foreign_token(
        lab_app) -> None:
    ids = seeded(lab_app)
    victim = lab_app.test_client()
    assert login(victim, "admin").status_code == 302
    attacker = lab_app.test_client()
    foreign = csrf_token(attacker)  # a valid token, but of someone else's session
    before = fingerprint(lab_app)
    screens = [r for r in changing_rules(lab_app) if not r.rule.startswith("/api/")]
    assert len(screens) >= 15, [r.rule for r in screens]
    accepted: list[str] = []
    for rule in screens:
        path = concrete_path(rule, ids)
        for method in sorted(rule.methods & CHANGING):
            for data in ({"reason": "x", "version": "1"},
                         {"reason": "x", "version": "1", "csrf_token": foreign}):
                response = victim.open(path, method=method, data=data)
                body = response.get_data(as_text=True)
                if response.status_code != 400 or CSRF_MESSAGE not in body:
                    accepted.append(f"{method} {path} ({rule.endpoint}) "
                                    f"{'foreign' if 'csrf_token' in data else 'no'} token -> "
                                    f"{response.status_code}")
    assert not accepted, "state change without a valid CSRF token:\n" + "\n".join(accepted)
    assert fingerprint(lab_app) == before
    # The same session with its own token does get through (the refusals above can fail).
    own = csrf_token(victim, "/f/lab/")
    response = victim.post("/logout", data={"csrf_token": own})
    assert response.status_code in (302, 303)


def test_the_session_cookie_alone_cannot_drive_the_api(lab_app) -> None:
    ids = seeded(lab_app)
    browser = lab_app.test_client()
    assert login(browser, "admin").status_code == 302
    before = fingerprint(lab_app)
    api_rules = [r for r in lab_app.url_map.iter_rules() if r.rule.startswith("/api/")
                 and r.endpoint not in ("openapi.openapi", "api.create_token")]
    assert len(api_rules) >= 15
    let_in: list[str] = []
    for rule in api_rules:
        path = concrete_path(rule, ids)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = browser.open(path, method=method, json={"data": GOOD, "version": 1})
            if response.status_code != 401:
                let_in.append(f"{method} {path} -> {response.status_code}")
    assert not let_in, "the API accepted a session cookie:\n" + "\n".join(let_in)
    assert fingerprint(lab_app) == before
    # A cross-site HTML form can only send form encoding: the token endpoint refuses it.
    forged = browser.post("/api/v1/auth/token", data={"login": "admin",
                                                      "password": "test-pass-2026"})
    assert forged.status_code == 400
    assert "token" not in (forged.get_json() or {})
