"""Hostile input at the one boundary (ieum.web.boundary, ieum.forms.text): lone surrogates,
NUL in names and file names, deep nesting, huge numbers, bidi and zero-width text, over JSON,
HTML forms, multipart and Excel; on SQLite and PostgreSQL. Each is refused with a Korean
message (never a 500), nothing is stored, and the form's list, export and screens still work."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from ieum.store.models import Attachment, Record
from tests.formlab import API, BASE, GOOD, api_token
from tests.webutil import csrf_token, login

HOSTILE_TEXT = {
    "lone surrogate": "김\ud800민준",
    "NUL": "김\x00민준",
    "control": "김\x07민준",
    "bidi override": "김\u202e준민",
    "bidi isolate": "\u2067김민준",
}


@pytest.fixture
def app(lab_app):
    return lab_app


def count(app, model) -> int:
    with app.extensions["ieum.database"].session() as s:
        return s.scalar(select(func.count()).select_from(model))


def post_json(client, url: str, body: object, headers: dict[str, str]):
    """JSON with \\u escapes (a lone surrogate cannot be encoded as UTF-8 any other way)."""
    return client.post(url, headers=headers, data=json.dumps(body),
                       content_type="application/json")


def still_works(app, client, headers) -> None:
    assert client.get(f"{API}/records", headers=headers).status_code == 200
    browser = app.test_client()
    assert login(browser, "admin").status_code == 302
    assert browser.get(f"{BASE}/").status_code == 200
    assert browser.get(f"{BASE}/export.xlsx").status_code == 200


@pytest.mark.parametrize("value", list(HOSTILE_TEXT.values()), ids=list(HOSTILE_TEXT))
def test_json_text_the_stores_cannot_hold_is_refused_and_nothing_is_stored(app, value) -> None:
    client = app.test_client()
    headers = api_token(client, "admin")
    response = post_json(client, f"{API}/records", {"data": {**GOOD, "title": value}},
                         headers)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "입력값을 확인하세요" in response.get_json()["error"]
    as_key = post_json(client, f"{API}/records", {"data": {**GOOD, value: "x"}}, headers)
    assert as_key.status_code == 400
    assert count(app, Record) == 0
    still_works(app, client, headers)


FORM_TEXT = {k: v for k, v in HOSTILE_TEXT.items() if k != "lone surrogate"}  # not in UTF-8


@pytest.mark.parametrize("value", list(FORM_TEXT.values()), ids=list(FORM_TEXT))
def test_html_form_text_the_stores_cannot_hold_is_refused(app, value) -> None:
    browser = app.test_client()
    assert login(browser, "admin").status_code == 302
    page = browser.post(f"{BASE}/new", data={
        "csrf_token": csrf_token(browser, f"{BASE}/new"), "written_on": "2026-03-01",
        "title": value, "method": "visit", "action": "save"})
    assert page.status_code == 400
    assert "입력값을 확인하세요" in page.get_data(as_text=True)
    assert count(app, Record) == 0


def test_deep_nesting_is_400_before_login_and_after(app) -> None:
    client = app.test_client()
    deep = "[" * 1000 + "]" * 1000
    answer = client.post("/api/v1/auth/token", data=deep, content_type="application/json")
    assert answer.status_code == 400
    assert "중첩" in answer.get_json()["error"]
    deeper = "[" * 200_000 + "]" * 200_000  # beyond the JSON parser's own recursion limit
    answer = client.post("/api/v1/auth/token", data=deeper, content_type="application/json")
    assert answer.status_code == 400
    headers = api_token(client, "admin")
    nested: object = "x"
    for _ in range(40):
        nested = {"a": nested}
    answer = client.post(f"{API}/records", headers=headers,
                         json={"data": {**GOOD, "plan": [nested]}})
    assert answer.status_code == 400 and "중첩" in answer.get_json()["error"]


def test_huge_numbers_are_refused_with_a_message(app) -> None:
    client = app.test_client()
    headers = api_token(client, "admin")
    for number in (10**30, -(10**30)):
        answer = client.post(f"{API}/records", headers=headers,
                             json={"data": {**GOOD, "grant": number}})
        assert answer.status_code == 400
        assert "숫자가 너무 큽니다" in answer.get_json()["error"]
    answer = client.post(f"{API}/records", headers=headers,
                         data='{"data": {"grant": 1e400}}', content_type="application/json")
    assert answer.status_code in (400, 422)
    assert count(app, Record) == 0


def test_a_json_body_beyond_its_limit_is_413(make_app, migrated_url) -> None:
    from tests.formlab import TODAY, seed_lab

    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat(), IEUM_MAX_JSON_BYTES=10_000)
    seed_lab(app)
    client = app.test_client()
    headers = api_token(client, "admin")
    answer = client.post(f"{API}/records", headers=headers,
                         json={"data": {**GOOD, "title": "가" * 20_000}})
    assert answer.status_code == 413
    assert answer.get_json()["error"] == "요청 본문이 너무 큽니다."


@pytest.mark.parametrize("name", ["a\x00b.txt", "\u202etxt.exe", "bell\x07.txt"])
def test_hostile_multipart_file_names_are_refused_and_leave_no_file(app, name) -> None:
    client = app.test_client()
    headers = api_token(client, "admin")
    response = client.post(f"{API}/files/evidence", headers=headers,
                           data={"file": (io.BytesIO(b"harmless\n"), name)})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "입력값을 확인하세요" in response.get_json()["error"]
    assert count(app, Attachment) == 0
    storage = Path(app.instance_path) / "attachments"
    assert not storage.exists() or not [p for p in storage.rglob("*") if p.is_file()]


def test_zero_width_characters_are_removed_so_an_invisible_title_is_missing(app) -> None:
    client = app.test_client()
    headers = api_token(client, "admin")
    invisible = client.post(f"{API}/records", headers=headers,
                            json={"data": {**GOOD, "title": "\u200b\ufeff\u2060"}})
    assert invisible.status_code == 400, invisible.get_json()
    assert "title" in invisible.get_json()["fields"]
    kept = client.post(f"{API}/records", headers=headers,
                       json={"data": {**GOOD, "title": "첫\u200b 상담"}})
    assert kept.status_code == 201, kept.get_json()
    with app.extensions["ieum.database"].session() as s:
        assert s.scalar(select(Record)).data["title"] == "첫 상담"


def test_a_date_in_year_9999_is_refused(app) -> None:
    client = app.test_client()
    headers = api_token(client, "admin")
    for day in ("9999-12-31", "0001-01-01"):
        answer = client.post(f"{API}/records", headers=headers,
                             json={"data": {**GOOD, "written_on": day}})
        assert answer.status_code == 400, answer.get_json()
        assert "written_on" in answer.get_json()["fields"]


def workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("title", ["\u202e준민김", "\u200b\u200b"])
def test_excel_cells_get_the_same_checks(app, title) -> None:
    browser = app.test_client()
    assert login(browser, "admin").status_code == 302
    content = workbook([["written_on", "title", "method"], ["2026-03-01", title, "visit"]])
    page = browser.post(f"{BASE}/import", data={
        "csrf_token": csrf_token(browser, f"{BASE}/import"),
        "file": (io.BytesIO(content), "rows.xlsx")})
    assert page.status_code == 400
    body = page.get_data(as_text=True)
    assert "글자 방향" in body or "필수" in body or "입력" in body
    assert count(app, Record) == 0
