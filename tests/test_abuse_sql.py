"""SQL metacharacters and out-of-range numbers in every filter, search, sort and id.

On SQLite and PostgreSQL, the form-lab facility holds records whose titles contain ``%``,
``_``, a quote and a backslash. Every query parameter the list screens and the JSON API read
(the form's filters, ``sort``, ``dir``, ``page``, ``per_page``, ``record_status``,
``subject``; the task inbox's ``subject``, ``unit``, ``due``, ``mine``) is sent SQL
metacharacters: no answer is a 5xx, and a text filter matches its value literally (``%``
finds only the title with a ``%``, not every record). Ids beyond the database's integer range
in URLs, queries and bodies are "not found", never a 500, and ``NaN`` / ``Infinity`` in a
JSON body are refused with a field error instead of failing in the database.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, update

from ieum.store.models import Record, User
from tests.formlab import API, BASE, GOOD, api_token
from tests.webutil import csrf_token, login

METACHARACTERS = (
    "'", "''", '"', "%", "_", "\\", "\\%", "%'--", "' OR '1'='1", "1' OR 1=1 --",
    "'); DROP TABLE record; --", "1; SELECT pg_sleep(1)", "' UNION SELECT * FROM app_user --",
    "\x00", "%00", "$1", ":name", "?", "*", "[a-z]", "../../", "𝕏", "가" * 300,
)
# The matrix of every parameter × value uses the ones that break naive SQL or LIKE.
SHARP = ("'", "%", "_", "\\", "' OR '1'='1", "'); DROP TABLE record; --", "\x00", "가" * 300,
         "1; SELECT pg_sleep(1)")
TITLES = ("100% 달성", "a_b 계획", "O'Brien 방문", "C:\\temp 보관", "평범한 기록")
HUGE = "99999999999999999999"


@pytest.fixture
def lab(lab_app):
    client = lab_app.test_client()
    headers = api_token(client, "admin")
    for title in TITLES:
        response = client.post(f"{API}/records", headers=headers,
                               json={"data": {**GOOD, "title": title}})
        assert response.status_code == 201, response.get_json()
    browser = lab_app.test_client()
    assert login(browser, "admin").status_code == 302
    return lab_app, client, headers, browser


def list_params(value: str) -> list[dict[str, str]]:
    return [{"title": value}, {"method": value}, {"consent": value},
            {"written_on__from": value}, {"written_on__to": value}, {"sort": value},
            {"sort": "title", "dir": value}, {"page": value}, {"per_page": value},
            {"record_status": value}, {"subject": value}, {"q": value}]


def test_metacharacters_in_every_list_parameter_are_harmless(lab) -> None:
    app, client, headers, browser = lab
    with app.extensions["ieum.database"].session() as s:
        before = s.scalar(select(func.count()).select_from(Record))
    failures: list[str] = []
    for value in SHARP:
        for params in list_params(value):
            for who, path, kwargs in (("screen", f"{BASE}/", {}),
                                      ("api", f"{API}/records", {"headers": headers})):
                response = (browser if who == "screen" else client).get(
                    path, query_string=params, **kwargs)
                if value == "\x00" and response.status_code == 400 and \
                        "NUL" in response.get_data(as_text=True):
                    continue  # refused with a message (PostgreSQL cannot store NUL)
                if response.status_code != 200:
                    failures.append(f"{who} {params!r} -> {response.status_code}")
        for params in ({"subject": value}, {"unit": value}, {"due": value}, {"mine": value},
                       {"approvals": value}):
            for who, path, kwargs in (("inbox", "/f/lab/tasks/", {}),
                                      ("api inbox", "/api/v1/f/lab/tasks",
                                       {"headers": headers})):
                response = (browser if who == "inbox" else client).get(
                    path, query_string=params, **kwargs)
                if response.status_code >= 500:
                    failures.append(f"{who} {params!r} -> {response.status_code}")
    assert not failures, "\n".join(failures)
    with app.extensions["ieum.database"].session() as s:
        assert s.scalar(select(func.count()).select_from(Record)) == before


@pytest.mark.parametrize(("needle", "expected"), [
    ("%", ["100% 달성"]), ("_", ["a_b 계획"]), ("'", ["O'Brien 방문"]),
    ("\\", ["C:\\temp 보관"]), ("' OR '1'='1", []), ("%' OR 1=1 --", []),
    ("기록", ["평범한 기록"]), ("", sorted(TITLES)),
])
def test_a_text_filter_matches_its_value_literally(lab, needle: str, expected) -> None:
    _app, client, headers, browser = lab
    body = client.get(f"{API}/records", headers=headers,
                      query_string={"title": needle, "per_page": "100"}).get_json()
    assert sorted(item["data"]["title"] for item in body["items"]) == sorted(expected)
    assert body["total"] == len(expected)
    page = browser.get(f"{BASE}/", query_string={"title": needle}).get_data(as_text=True)
    for title in TITLES:
        escaped = title.replace("'", "&#39;")
        assert (escaped in page) == (title in expected), (needle, title)


def test_every_metacharacter_in_the_text_filter_finds_only_literal_matches(lab) -> None:
    _app, client, headers, _browser = lab
    for value in METACHARACTERS:
        response = client.get(f"{API}/records", headers=headers,
                              query_string={"title": value, "per_page": "100"})
        if "\x00" in value:
            assert response.status_code == 400
            continue
        assert response.status_code == 200, value
        expected = sorted(t for t in TITLES if value.strip().lower() in t.lower())
        found = sorted(item["data"]["title"] for item in response.get_json()["items"])
        assert found == expected, value


def test_sorting_on_every_list_column_both_ways_answers(lab) -> None:
    _app, client, headers, _browser = lab
    for sort in ("written_on", "title", "method", "score_total", "id", "status",
                 "updated_at", "created_at"):
        for direction in ("asc", "desc"):
            response = client.get(f"{API}/records", headers=headers,
                                  query_string={"sort": sort, "dir": direction})
            assert response.status_code == 200, (sort, direction)
            assert response.get_json()["total"] == len(TITLES)


def test_ids_beyond_the_integer_range_are_not_found(lab) -> None:
    """Regression: these were 500s (SQLite OverflowError, PostgreSQL out of range)."""
    _app, client, headers, browser = lab
    for method, path in (("GET", f"{API}/records/{HUGE}"), ("PUT", f"{API}/records/{HUGE}"),
                         ("DELETE", f"{API}/records/{HUGE}?version=1"),
                         ("GET", f"/api/v1/f/lab/tasks/{HUGE}"),
                         ("POST", f"/api/v1/f/lab/tasks/{HUGE}/complete"),
                         ("GET", f"/api/v1/f/lab/processes/{HUGE}")):
        response = client.open(path, method=method, headers=headers, json={"data": {},
                                                                            "version": 1})
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.get_json()["status"] == 404
    for path in (f"{BASE}/{HUGE}", f"{BASE}/{HUGE}/edit", f"/f/lab/tasks/{HUGE}",
                 f"/f/lab/files/{HUGE}", f"/f/lab/subjects/{HUGE}"):
        assert browser.get(path).status_code == 404, path
    assert browser.get("/f/lab/tasks/", query_string={"subject": HUGE}).status_code == 200
    inbox = client.get("/api/v1/f/lab/tasks", headers=headers, query_string={"subject": HUGE})
    assert inbox.status_code == 200 and inbox.get_json()["items"] == []
    created = client.post(f"{API}/records", headers=headers,
                          json={"data": GOOD, "subject_id": int(HUGE)})
    assert created.status_code == 400
    assert list(created.get_json()["fields"]) == ["subject_id"]
    evidence = client.post(f"{API}/records", headers=headers,
                           json={"data": {**GOOD, "evidence": int(HUGE)}})
    assert evidence.status_code == 400, evidence.get_json()
    started = client.post("/api/v1/f/lab/u/casebook/processes/none", headers=headers,
                          json={"subject_id": int(HUGE)})
    assert started.status_code in (400, 404)


def test_a_nul_character_anywhere_is_refused_with_a_message(lab) -> None:
    """Regression: PostgreSQL cannot hold NUL in text or JSON; these were 500s there."""
    app, client, headers, browser = lab
    visitor = app.test_client()
    token = csrf_token(visitor)
    for response in (
        client.post(f"{API}/records", headers=headers,
                    json={"data": {**GOOD, "title": "널\x00문자"}}),
        client.post("/api/v1/auth/token", json={"login": "admin\x00", "password": "x"}),
        client.get("/api/v1/f/lab\x00/tasks", headers=headers),
        client.get(f"{API}/records", headers=headers, query_string={"title": "\x00"}),
        browser.get("/f/lab/tasks/", query_string={"unit": "a\x00"}),
        visitor.post("/login", data={"login": "admin\x00", "password": "x",
                                     "csrf_token": token}),
    ):
        assert response.status_code == 400, response.get_data(as_text=True)[:200]
        assert "NUL" in response.get_data(as_text=True)
    with app.extensions["ieum.database"].session() as s:
        assert s.scalar(select(func.count()).select_from(Record)) == len(TITLES)


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_in_a_json_body_are_refused_with_a_field_error(lab, raw) -> None:
    """Regression: Python's json reads these; PostgreSQL's JSON cannot store them (500)."""
    app, client, headers, _browser = lab
    body = ('{"data": {"written_on": "2026-03-01", "title": "숫자", "method": "visit", '
            f'"score_a": 1, "score_b": 2, "grant": 10, "monthly_income": {raw}}}}}')
    response = client.post(f"{API}/records", headers=headers, data=body,
                           content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "올바른 숫자가 아닙니다" in response.get_json()["fields"]["monthly_income"]
    with app.extensions["ieum.database"].session() as s:
        assert s.scalar(select(func.count()).select_from(Record)) == len(TITLES)


GET_FORM = re.compile(r'<form[^>]*method="get"[^>]*>(.*?)</form>', re.S | re.I)
FIELD_NAME = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', re.I)
ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
VALUES = {"facility_code": "lab", "unit_id": "casebook", "form_id": "casebook"}


def test_every_search_form_of_every_screen_takes_metacharacters(lab) -> None:
    """Crawl: every GET screen of the app (with the lab's facility, unit and form where the
    route takes them), every field of its search forms, each metacharacter: never a 5xx."""
    app, _client, _headers, browser = lab
    with app.extensions["ieum.database"].session() as s:
        s.execute(update(User).where(User.login == "admin").values(is_platform_admin=True))
    pages: list[str] = []
    for rule in app.url_map.iter_rules():
        names = {m["name"]: m["converter"] for m in ARGUMENT.finditer(rule.rule)}
        if "GET" not in rule.methods or rule.endpoint == "static" or \
                any(c == "int" or n not in VALUES for n, c in names.items()):
            continue
        pages.append(ARGUMENT.sub(lambda m: VALUES[m["name"]], rule.rule))
    searched: dict[str, set[str]] = {}
    failures: list[str] = []
    for path in pages:
        page = browser.get(path)
        if page.status_code != 200 or "html" not in page.content_type:
            continue
        for form in GET_FORM.findall(page.get_data(as_text=True)):
            for name in set(FIELD_NAME.findall(form)) - {"csrf_token"}:
                searched.setdefault(path, set()).add(name)
                for value in SHARP:
                    response = browser.get(path, query_string={name: value})
                    if response.status_code >= 500:
                        failures.append(f"{path}?{name}={value!r} -> {response.status_code}")
    assert not failures, "\n".join(failures)
    assert sum(len(names) for names in searched.values()) >= 8, searched
