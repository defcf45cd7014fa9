"""File fields end to end: upload on the HTML form and through the API, download, limits,
who may download what, and keeping or removing a file on edit — on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ieum.korean import josa
from ieum.store.models import Attachment, Record
from tests.formlab import API, BASE, GOOD, api_token
from tests.webutil import csrf_token, login

PROOF = "증빙 내용입니다\n".encode() * 3


@pytest.fixture
def app(lab_app, tmp_path):
    assert Path(lab_app.instance_path).is_relative_to(tmp_path)  # files land in the test's folder
    return lab_app


def client_for(app, login_name: str):
    client = app.test_client()
    assert login(client, login_name).status_code == 302
    return client


def fields(client, **extra) -> dict:
    return {"csrf_token": csrf_token(client, f"{BASE}/new"), "written_on": "2026-03-01",
            "title": "첨부 시험", "method": "visit", "action": "save", **extra}


def create_with_file(client, content: bytes = PROOF, filename: str = "proof.txt") -> int:
    response = client.post(f"{BASE}/new", data=fields(
        client, evidence=(io.BytesIO(content), filename)))
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def record_data(app, record_id: int) -> dict:
    with app.extensions["ieum.database"].session() as s:
        return dict(s.get(Record, record_id).data)


def version_of(app, record_id: int) -> int:
    with app.extensions["ieum.database"].session() as s:
        return s.get(Record, record_id).version


def attachment(app, attachment_id: int) -> Attachment:
    with app.extensions["ieum.database"].session() as s:
        row = s.get(Attachment, attachment_id)
        s.expunge(row)
        return row


def counts(app) -> tuple[int, int]:
    with app.extensions["ieum.database"].session() as s:
        return (s.scalar(select(func.count()).select_from(Record)),
                s.scalar(select(func.count()).select_from(Attachment)))


def stored_files(app) -> list[Path]:
    folder = Path(app.instance_path) / "attachments"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def download(client, path: str):
    """Download through the reason page, as a person does."""
    page = client.get(path)
    assert page.status_code == 200 and "사유" in page.get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf_token(client, path),
                                   "reason": "증빙 확인"})


def download_links(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'href="/f/lab/files/(\d+)"', html)]


def test_html_upload_is_linked_on_the_detail_page_and_downloads_the_same_bytes(app) -> None:
    client = client_for(app, "worker")
    rid = create_with_file(client)
    file_id = record_data(app, rid)["evidence"]
    assert isinstance(file_id, int)

    kept = attachment(app, file_id)
    assert kept.record_id == rid and kept.filename == "proof.txt" and kept.size == len(PROOF)
    assert kept.field == "evidence"
    on_disk = Path(app.instance_path) / "attachments" / kept.storage_key
    assert PROOF not in on_disk.read_bytes()  # encrypted at rest (test_security_files.py)
    assert stored_files(app) == [on_disk]

    detail = client.get(f"{BASE}/{rid}").get_data(as_text=True)
    assert download_links(detail) == [file_id]
    assert "proof.txt" in detail
    assert download_links(client.get(f"{BASE}/{rid}/print").get_data(as_text=True)) == [file_id]

    downloaded = download(client, f"/f/lab/files/{file_id}")
    assert downloaded.status_code == 200
    assert downloaded.data == PROOF
    assert downloaded.mimetype == "text/plain"
    assert "attachment" in downloaded.headers["Content-Disposition"]
    assert "proof.txt" in downloaded.headers["Content-Disposition"]


def test_new_form_draws_a_file_input_with_the_fields_limits(app) -> None:
    client = client_for(app, "worker")
    html = client.get(f"{BASE}/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    field = re.search(r'<input[^>]*name="evidence"[^>]*>', html).group(0)
    assert 'type="file"' in field and 'accept=".pdf,.png,.txt"' in field
    block = html.split('data-field="evidence"', 1)[1].split("data-field=", 1)[0]
    assert ".pdf, .png, .txt" in block
    assert "최대 2KB" in block  # the limit as the service states it, not "0MB"


@pytest.mark.parametrize(("content", "filename", "message"), [
    (b"MZ\x90\x00", "setup.exe",
     "올릴 수 없는 파일 형식입니다 (.exe). 가능한 형식: .pdf, .png, .txt"),
    (b"no extension", "README", "올릴 수 없는 파일 형식입니다 (확장자 없음)."),
    (b"x" * 2049, "big.txt", "파일이 너무 큽니다. 2KB 이하만 올릴 수 있습니다."),
    (b"", "empty.txt", "빈 파일은 올릴 수 없습니다."),
])
def test_refused_uploads_say_why_and_save_nothing(app, content, filename, message) -> None:
    client = client_for(app, "worker")
    response = client.post(f"{BASE}/new", data=fields(
        client, evidence=(io.BytesIO(content), filename)))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(rf'data-path="evidence".*?{re.escape(message)}', html, re.S), message
    assert counts(app) == (0, 0)
    assert stored_files(app) == []


def test_a_file_of_exactly_the_limit_is_accepted(app) -> None:
    client = client_for(app, "worker")
    rid = create_with_file(client, b"y" * 2048, "limit.TXT")  # extension case does not matter
    kept = attachment(app, record_data(app, rid)["evidence"])
    assert kept.size == 2048 and kept.filename == "limit.TXT"


def test_the_api_upload_returns_an_id_that_a_new_record_links(app) -> None:
    client = app.test_client()
    headers = api_token(client, "worker")
    uploaded = client.post(f"{API}/files/evidence", headers=headers,
                           data={"file": (io.BytesIO(PROOF), "scan.pdf")})
    assert uploaded.status_code == 201, uploaded.get_json()
    body = uploaded.get_json()
    assert body["filename"] == "scan.pdf" and body["size"] == len(PROOF)
    assert len(body["sha256"]) == 64
    file_id = body["id"]
    assert attachment(app, file_id).record_id is None  # not on any record yet

    created = client.post(f"{API}/records", headers=headers,
                          json={"data": {**GOOD, "evidence": file_id}})
    assert created.status_code == 201, created.get_json()
    rid = created.get_json()["id"]
    assert created.get_json()["data"]["evidence"] == file_id
    assert attachment(app, file_id).record_id == rid

    web = client_for(app, "worker")
    assert download_links(web.get(f"{BASE}/{rid}").get_data(as_text=True)) == [file_id]
    assert download(web, f"/f/lab/files/{file_id}").data == PROOF


def test_the_api_upload_refuses_what_the_form_refuses(app) -> None:
    client = app.test_client()
    headers = api_token(client, "worker")
    refused = client.post(f"{API}/files/evidence", headers=headers,
                          data={"file": (io.BytesIO(b"MZ"), "setup.exe")})
    assert refused.status_code == 400
    assert refused.get_json()["fields"]["evidence"] == [
        "올릴 수 없는 파일 형식입니다 (.exe). 가능한 형식: .pdf, .png, .txt"]
    too_big = client.post(f"{API}/files/evidence", headers=headers,
                          data={"file": (io.BytesIO(b"z" * 4096), "big.pdf")})
    assert too_big.status_code == 400 and "파일이 너무 큽니다" in too_big.get_json()["error"]
    not_a_file = client.post(f"{API}/files/title", headers=headers,
                             data={"file": (io.BytesIO(PROOF), "a.txt")})
    assert not_a_file.status_code == 404
    missing = client.post(f"{API}/files/evidence", headers=headers, data={})
    assert missing.status_code == 400 and "file" in missing.get_json()["fields"]
    viewer = api_token(client, "viewer")
    assert client.post(f"{API}/files/evidence", headers=viewer,
                       data={"file": (io.BytesIO(PROOF), "a.txt")}).status_code == 403
    assert counts(app) == (0, 0) and stored_files(app) == []


def test_another_facilitys_file_cannot_be_put_on_a_record(app) -> None:
    client = app.test_client()
    stranger = api_token(client, "stranger")
    theirs = client.post("/api/v1/f/other/u/casebook/casebook/files/evidence", headers=stranger,
                         data={"file": (io.BytesIO(PROOF), "theirs.txt")})
    assert theirs.status_code == 201
    file_id = theirs.get_json()["id"]
    refused = client.post(f"{API}/records", headers=api_token(client, "admin"),
                          json={"data": {**GOOD, "evidence": file_id}})
    assert refused.status_code == 400
    assert refused.get_json()["fields"][""] == [f"첨부파일 {josa(file_id, '을')} 찾을 수 없습니다."]
    assert counts(app) == (0, 1) and attachment(app, file_id).record_id is None


def test_a_file_is_only_downloaded_by_those_who_may_see_its_record(app) -> None:
    worker = client_for(app, "worker")
    rid = create_with_file(worker)
    file_id = record_data(app, rid)["evidence"]

    stranger = client_for(app, "stranger")
    assert stranger.get(f"/f/other/files/{file_id}").status_code == 404  # not their facility's
    assert stranger.get(f"/f/lab/files/{file_id}").status_code == 404  # not a member of lab

    worker2 = client_for(app, "worker2")  # same facility, record scope "own"
    assert worker2.get(f"{BASE}/{rid}").status_code == 404
    refused = worker2.get(f"/f/lab/files/{file_id}")
    assert refused.status_code == 404 and PROOF not in refused.data

    assert download(client_for(app, "viewer"), f"/f/lab/files/{file_id}").data == PROOF
    assert download(client_for(app, "admin"), f"/f/lab/files/{file_id}").data == PROOF
    assert worker.get("/f/lab/files/999999").status_code == 404
    assert app.test_client().get(f"/f/lab/files/{file_id}").status_code in (302, 401)


def test_an_unsaved_upload_is_downloadable_only_by_its_uploader(app) -> None:
    api = app.test_client()
    uploaded = api.post(f"{API}/files/evidence", headers=api_token(api, "worker"),
                        data={"file": (io.BytesIO(PROOF), "draft.txt")})
    file_id = uploaded.get_json()["id"]
    assert download(client_for(app, "worker"), f"/f/lab/files/{file_id}").data == PROOF
    for other in ("worker2", "admin", "viewer"):
        assert client_for(app, other).get(f"/f/lab/files/{file_id}").status_code == 404, other
    assert client_for(app, "stranger").get(f"/f/other/files/{file_id}").status_code == 404


def edit_fields(client, rid: int, **extra) -> dict:
    return {"csrf_token": csrf_token(client, f"{BASE}/{rid}/edit"), "written_on": "2026-03-01",
            "title": "고친 제목", "method": "phone", "action": "save",
            "version": str(version_of(client.application, rid)), **extra}


def test_edit_keeps_the_file_unless_removed_and_can_replace_it(app) -> None:
    client = client_for(app, "worker")
    rid = create_with_file(client)
    first = record_data(app, rid)["evidence"]

    edit_page = client.get(f"{BASE}/{rid}/edit").get_data(as_text=True)
    assert "현재 파일: proof.txt" in edit_page
    assert 'name="evidence__remove"' in edit_page

    kept = client.post(f"{BASE}/{rid}/edit", data=edit_fields(client, rid))
    assert kept.status_code == 302, kept.get_data(as_text=True)
    data = record_data(app, rid)
    assert data["title"] == "고친 제목" and data["evidence"] == first
    # a browser sends an empty file part when no file is chosen: still kept
    empty_part = client.post(f"{BASE}/{rid}/edit", data=edit_fields(
        client, rid, evidence=(io.BytesIO(b""), "")))
    assert empty_part.status_code == 302, empty_part.get_data(as_text=True)
    assert record_data(app, rid)["evidence"] == first

    replaced = client.post(f"{BASE}/{rid}/edit", data=edit_fields(
        client, rid, evidence=(io.BytesIO(b"second"), "second.png")))
    assert replaced.status_code == 302, replaced.get_data(as_text=True)
    second = record_data(app, rid)["evidence"]
    assert second != first and attachment(app, second).record_id == rid
    detail = client.get(f"{BASE}/{rid}").get_data(as_text=True)
    assert download_links(detail) == [second] and "second.png" in detail
    assert download(client, f"/f/lab/files/{second}").data == b"second"

    removed = client.post(f"{BASE}/{rid}/edit", data=edit_fields(
        client, rid, evidence__remove="1"))
    assert removed.status_code == 302, removed.get_data(as_text=True)
    assert "evidence" not in record_data(app, rid)
    assert download_links(client.get(f"{BASE}/{rid}").get_data(as_text=True)) == []
    assert "현재 파일" not in client.get(f"{BASE}/{rid}/edit").get_data(as_text=True)


def test_a_refused_file_on_edit_keeps_the_old_one(app) -> None:
    client = client_for(app, "worker")
    rid = create_with_file(client)
    first = record_data(app, rid)["evidence"]
    refused = client.post(f"{BASE}/{rid}/edit", data=edit_fields(
        client, rid, evidence=(io.BytesIO(b"MZ"), "virus.exe")))
    assert refused.status_code == 400
    assert "올릴 수 없는 파일 형식입니다 (.exe)" in refused.get_data(as_text=True)
    data = record_data(app, rid)
    assert data["evidence"] == first and data["title"] == "첨부 시험"
    assert counts(app) == (1, 1)


def test_someone_elses_unsaved_upload_cannot_be_claimed(app) -> None:
    worker = app.test_client()
    upload = worker.post(f"{API}/files/evidence", headers=api_token(worker, "worker"),
                         data={"file": (io.BytesIO(PROOF), "mine.txt")})
    assert upload.status_code == 201
    other = app.test_client()
    taken = other.post(f"{API}/records", headers=api_token(other, "worker2"),
                       json={"data": {**GOOD, "evidence": upload.get_json()["id"]}})
    assert taken.status_code == 400
    assert "찾을 수 없습니다" in taken.get_json()["fields"][""][0]
    assert attachment(app, upload.get_json()["id"]).record_id is None


def test_a_form_that_does_not_save_leaves_no_file_behind(app) -> None:
    client = client_for(app, "admin")
    before = stored_files(app)
    refused = client.post(f"{BASE}/new", data=fields(
        client, title="", evidence=(io.BytesIO(PROOF), "proof.txt")))
    assert refused.status_code == 400
    assert stored_files(app) == before
    assert counts(app)[1] == 0


def test_a_removed_file_no_longer_belongs_to_the_record(app) -> None:
    client = client_for(app, "admin")
    rid = create_with_file(client)
    old = record_data(app, rid)["evidence"]
    page = client.post(f"{BASE}/{rid}/edit", data={**edit_fields(client, rid),
                                                   "evidence__remove": "1"})
    assert page.status_code == 302
    assert attachment(app, old).record_id is None
    viewer = client_for(app, "viewer")
    assert viewer.get(f"/f/lab/files/{old}").status_code == 404
