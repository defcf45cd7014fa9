"""Hostile uploads: too big, a refused type, path tricks in the name — on the screen and the API.

The form lab's ``evidence`` field accepts ``.pdf,.png,.txt`` up to 2 KB. Whatever is sent, a
refused file gets a Korean message naming why, no record or attachment row is written, and no
file exists anywhere in the instance folder's parent tree outside ``instance/attachments``.
Names with ``../`` (POSIX or Windows separators) never choose where a file is written: an
accepted one is kept under a generated key inside the storage folder, its stored name
reduced to the last part. A request beyond the app's size limit is a 413 with a message.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ieum.store.models import Attachment, Record
from tests.formlab import API, BASE, GOOD, TODAY, api_token, seed_lab
from tests.webutil import csrf_token, login

REFUSED = [
    (b"x" * 4096, "big.pdf", "파일이 너무 큽니다"),
    (b"MZ\x90\x00 not a pdf", "tool.exe", "올릴 수 없는 파일 형식"),
    (b"<script>alert(1)</script>", "page.html", "올릴 수 없는 파일 형식"),
    (b"#!/bin/sh\nrm -rf /\n", "../../x", "올릴 수 없는 파일 형식"),
    (b"#!/bin/sh\n", "../../../../etc/cron.d/x", "올릴 수 없는 파일 형식"),
    (b"data", "..\\..\\x", "올릴 수 없는 파일 형식"),
    (b"data", "evil.pdf.exe", "올릴 수 없는 파일 형식"),
    (b"", "empty.pdf", "빈 파일"),
    (b"data", "", "파일"),
]
TRICK_NAMES = ["../../escape.txt", "..\\..\\escape.txt", "/etc/passwd.txt",
               "./../attachments/../../escape.txt", "%2e%2e%2fescape.txt"]


def _lab(make_app, url: str, tmp_path: Path):
    app = make_app(url, IEUM_TODAY=TODAY.isoformat())
    seed_lab(app)
    assert Path(app.instance_path).is_relative_to(tmp_path)
    return app


@pytest.fixture
def lab(make_app, migrated_url, tmp_path):
    return _lab(make_app, migrated_url, tmp_path)


@pytest.fixture
def sqlite_lab(make_app, sqlite_url, sqlite_template, tmp_path):
    """Refusals happen before the database is touched: SQLite is enough for the long list."""
    sqlite_template.copy_to(sqlite_url)
    return _lab(make_app, sqlite_url, tmp_path)


def files_outside_storage(app, root: Path) -> list[Path]:
    storage = Path(app.instance_path) / "attachments"
    return [p for p in root.rglob("*") if p.is_file() and not p.is_relative_to(storage)
            and p.suffix not in (".db", ".db-journal", ".db-wal", ".db-shm")
            and p.name not in ("secret_key", "rrn.key")]


def counts(app) -> tuple[int, int]:
    with app.extensions["ieum.database"].session() as s:
        return (s.scalar(select(func.count()).select_from(Record)),
                s.scalar(select(func.count()).select_from(Attachment)))


@pytest.mark.parametrize(("content", "filename", "message"), REFUSED)
def test_refused_uploads_say_why_and_write_nothing(sqlite_lab, tmp_path, content, filename,
                                                    message) -> None:
    lab = sqlite_lab
    before = set(files_outside_storage(lab, tmp_path))
    api = lab.test_client()
    headers = api_token(api, "admin")
    response = api.post(f"{API}/files/evidence", headers=headers,
                        data={"file": (io.BytesIO(content), filename)})
    assert response.status_code == 400, response.get_json()
    assert message in response.get_json()["error"]
    if filename:  # (a browser sends an empty name for "no file chosen": nothing to refuse)
        refused_on_screen(lab, content, filename, message)
    assert counts(lab) == (0, 0)
    assert set(files_outside_storage(lab, tmp_path)) == before
    storage = Path(lab.instance_path) / "attachments"
    assert not storage.exists() or not [p for p in storage.rglob("*") if p.is_file()]


def refused_on_screen(lab, content: bytes, filename: str, message: str) -> None:
    browser = lab.test_client()
    assert login(browser, "admin").status_code == 302
    page = browser.post(f"{BASE}/new", data={
        "csrf_token": csrf_token(browser, f"{BASE}/new"), "written_on": "2026-03-01",
        "title": "첨부 공격", "method": "visit", "action": "save",
        "evidence": (io.BytesIO(content), filename)})
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)


@pytest.mark.parametrize("filename", TRICK_NAMES)
def test_path_tricks_in_an_accepted_name_stay_inside_the_storage_folder(lab, tmp_path,
                                                                        filename) -> None:
    before = set(files_outside_storage(lab, tmp_path))
    api = lab.test_client()
    headers = api_token(api, "admin")
    response = api.post(f"{API}/files/evidence", headers=headers,
                        data={"file": (io.BytesIO(b"harmless text\n"), filename)})
    assert response.status_code == 201, response.get_json()
    kept = response.get_json()
    assert "/" not in kept["filename"] and "\\" not in kept["filename"]
    assert kept["filename"].endswith("escape.txt") or kept["filename"] == "passwd.txt"
    storage = (Path(lab.instance_path) / "attachments").resolve()
    stored = [p for p in storage.rglob("*") if p.is_file()]
    assert len(stored) == 1 and stored[0].resolve().is_relative_to(storage)
    assert b"harmless text" not in stored[0].read_bytes()  # encrypted at rest
    assert set(files_outside_storage(lab, tmp_path)) == before
    created = api.post(f"{API}/records", headers=headers,
                       json={"data": {**GOOD, "evidence": kept["id"]}})
    assert created.status_code == 201, created.get_json()


def test_a_request_beyond_the_size_limit_is_413_with_a_message(make_app, migrated_url,
                                                              tmp_path) -> None:
    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat(), MAX_CONTENT_LENGTH=64 * 1024)
    seed_lab(app)
    api = app.test_client()
    headers = api_token(api, "admin")
    response = api.post(f"{API}/files/evidence", headers=headers,
                        data={"file": (io.BytesIO(b"x" * 200_000), "huge.pdf")})
    assert response.status_code == 413
    assert response.get_json()["error"] == "파일이 너무 큽니다."
    browser = app.test_client()
    assert login(browser, "admin").status_code == 302
    page = browser.post(f"{BASE}/new", data={
        "csrf_token": csrf_token(browser, f"{BASE}/new"), "written_on": "2026-03-01",
        "title": "큰 파일", "method": "visit", "action": "save",
        "evidence": (io.BytesIO(b"x" * 200_000), "huge.pdf")})
    assert page.status_code == 413
    assert "파일이 너무 큽니다" in page.get_data(as_text=True)
    assert counts(app) == (0, 0)
    document = api.get("/api/v1/openapi.json").get_json()
    upload = document["paths"]["/api/v1/f/{facility_code}/u/{unit_id}/{form_id}/files/"
                               "{field_name}"]["post"]
    assert "413" in upload["responses"]
