"""Where attachments live (issue 17 point 5): the local folder (default), the database
(``IEUM_FILE_STORE=database``), and moving from one to the other; on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ieum.services.records.attachments import copy_stored_files
from ieum.services.storage import DatabaseBlobs, LocalBlobs
from ieum.store.models_jobs import StoredBlob
from tests.formlab import API, GOOD, api_token, seed_lab
from tests.webutil import csrf_token, login

PROOF = "데이터베이스에 보관하는 증빙\n".encode() * 20
KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture
def keyed(monkeypatch):
    monkeypatch.setenv("IEUM_RRN_KEY", KEY)


def _upload(app, content: bytes = PROOF) -> int:
    client = app.test_client()
    headers = api_token(client, "worker")
    uploaded = client.post(f"{API}/files/evidence", headers=headers,
                           data={"file": (io.BytesIO(content), "proof.txt")})
    assert uploaded.status_code == 201, uploaded.get_json()
    file_id = uploaded.get_json()["id"]
    created = client.post(f"{API}/records", headers=headers,
                          json={"data": {**GOOD, "evidence": file_id}})
    assert created.status_code == 201, created.get_json()
    return file_id


def _download(app, file_id: int) -> bytes:
    client = app.test_client()
    assert login(client, "worker").status_code == 302
    path = f"/f/lab/files/{file_id}"
    answer = client.post(path, data={"csrf_token": csrf_token(client, path), "reason": "확인"})
    assert answer.status_code == 200
    return answer.data


def _blobs(app) -> list[bytes]:
    with app.extensions["ieum.database"].session() as s:
        return list(s.scalars(select(StoredBlob.data)))


def test_files_in_the_database_are_sealed_and_never_touch_the_disk(make_app, migrated_url,
                                                                    keyed) -> None:
    app = make_app(migrated_url, IEUM_FILE_STORE="database")
    seed_lab(app)
    file_id = _upload(app)
    (sealed,) = _blobs(app)
    assert PROOF not in sealed and sealed.startswith(b"IEUMENC1")
    assert not (Path(app.instance_path) / "attachments").exists()
    assert _download(app, file_id) == PROOF


def test_a_refused_upload_leaves_no_bytes_in_the_database(make_app, migrated_url,
                                                          keyed) -> None:
    app = make_app(migrated_url, IEUM_FILE_STORE="database")
    seed_lab(app)
    client = app.test_client()
    headers = api_token(client, "worker")
    refused = client.post(f"{API}/files/evidence", headers=headers,
                          data={"file": (io.BytesIO(PROOF), "proof.exe")})
    assert refused.status_code == 400
    empty = client.post(f"{API}/files/evidence", headers=headers,
                        data={"file": (io.BytesIO(b""), "empty.txt")})
    assert empty.status_code == 400
    with app.extensions["ieum.database"].session() as s:
        assert s.scalar(select(func.count()).select_from(StoredBlob)) == 0


def test_copy_files_moves_local_attachments_into_the_database(make_app, migrated_url,
                                                              keyed) -> None:
    local = make_app(migrated_url)
    seed_lab(local)
    file_id = _upload(local)
    assert not _blobs(local)
    database = local.extensions["ieum.database"]
    with database.session() as s:
        copied = copy_stored_files(s, LocalBlobs(Path(local.instance_path) / "attachments"),
                                   DatabaseBlobs(database))
    assert copied == 1
    shared = make_app(migrated_url, IEUM_FILE_STORE="database")
    for path in (Path(local.instance_path) / "attachments").rglob("*"):
        if path.is_file():
            path.unlink()  # the local copy is gone: only the database has it now
    assert _download(shared, file_id) == PROOF


def test_shared_files_without_a_shared_key_refuse_to_start(make_app, migrated_url,
                                                           monkeypatch) -> None:
    monkeypatch.delenv("IEUM_RRN_KEY", raising=False)
    monkeypatch.delenv("IEUM_KEY_DIR", raising=False)
    with pytest.raises(RuntimeError, match="IEUM_RRN_KEY"):
        make_app(migrated_url, IEUM_FILE_STORE="database")
    with pytest.raises(RuntimeError, match="local, database, s3"):
        make_app(migrated_url, IEUM_FILE_STORE="ftp://nowhere")
