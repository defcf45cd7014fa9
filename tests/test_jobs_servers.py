"""Two app servers that share nothing but PostgreSQL and Redis (issue 17 point 5): separate
processes, separate instance folders, files in the database, one key from configuration.
A file uploaded through one downloads through the other; a job started on one shows its
progress and result on the other; the minute tick (here every second) runs once per slot
although both servers tick."""

from __future__ import annotations

import base64
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from ieum.store.migrate import upgrade
from ieum.store.models_jobs import Job, JobSlot, StoredBlob
from tests.conftest import postgres_schema, unavailable
from tests.formlab import API, BASE, GOOD, seed_lab
from tests.webutil import PASSWORD

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("IEUM_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def _wait(check, what: str, attempts: int = 600):  # noqa: ANN001, ANN202
    for _ in range(attempts):
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _session(base: str, login_name: str) -> requests.Session:
    web = requests.Session()
    page = web.get(f"{base}/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = web.post(f"{base}/login", data={"login": login_name, "password": PASSWORD,
                                             "csrf_token": token}, allow_redirects=False)
    assert answer.status_code == 302, answer.text[:300]
    return web


def _csrf(web: requests.Session, url: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', web.get(url).text).group(1)


@pytest.fixture
def servers(make_app, tmp_path):
    if not _redis_answers():
        unavailable(f"no Redis at {REDIS_URL}")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    with postgres_schema() as url:
        upgrade(url)
        seed_lab(make_app(url))
        key = base64.b64encode(os.urandom(32)).decode()
        processes, bases = [], []
        for name in ("a", "b"):
            port = _free_port()
            env = {**os.environ, "IEUM_DATABASE_URL": url, "IEUM_REDIS_URL": REDIS_URL,
                   "IEUM_FILE_STORE": "database", "IEUM_RRN_KEY": key,
                   "IEUM_INSTANCE_PATH": str(tmp_path / f"server-{name}"),
                   "IEUM_TEST_FAST_HASHING": "1", "PYTHONPATH": str(ROOT)}
            env.pop("IEUM_KEY_DIR", None)
            log = (tmp_path / f"server-{name}.log").open("w")
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "tests.jobs_server", str(port), "1"], cwd=ROOT, env=env,
                stdout=log, stderr=subprocess.STDOUT))
            bases.append(f"http://127.0.0.1:{port}")
        try:
            for base, process in zip(bases, processes, strict=True):
                def up(base=base, process=process) -> bool:  # noqa: ANN001
                    assert process.poll() is None, (tmp_path / "server-a.log").read_text()
                    try:
                        return requests.get(f"{base}/health", timeout=2).status_code == 200
                    except requests.ConnectionError:
                        return False
                _wait(up, f"server {base}", attempts=1200)
            yield bases, make_app(url)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)


def test_two_servers_share_files_jobs_and_one_tick(servers) -> None:
    (a, b), local = servers
    # A file uploaded through server A ...
    token = requests.post(f"{a}/api/v1/auth/token",
                          json={"login": "worker", "password": PASSWORD}).json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    content = "두 서버가 나누어 보는 증빙\n".encode() * 50
    uploaded = requests.post(f"{a}{API}/files/evidence", headers=bearer,
                             files={"file": ("proof.txt", content, "text/plain")})
    assert uploaded.status_code == 201, uploaded.text
    file_id = uploaded.json()["id"]
    created = requests.post(f"{a}{API}/records", headers=bearer,
                            json={"data": {**GOOD, "evidence": file_id}})
    assert created.status_code == 201, created.text
    with local.extensions["ieum.database"].session() as s:  # kept in the database, sealed
        sealed = s.scalars(select(StoredBlob.data)).one()
    assert content not in sealed and len(sealed) > len(content)
    # ... downloads through server B, which has never seen it on its disk.
    web_b = _session(b, "worker")
    page = f"{b}/f/lab/files/{file_id}"
    got = web_b.post(page, data={"csrf_token": _csrf(web_b, page), "reason": "서버 공유 시험"})
    assert got.status_code == 200
    assert got.content == content

    # A job started on server A (an Excel export, made a job by a zero threshold) ...
    web_a, web_b = _session(a, "admin"), _session(b, "admin")  # admin may export
    bearer = {"Authorization": "Bearer " + requests.post(
        f"{b}/api/v1/auth/token", json={"login": "admin", "password": PASSWORD}).json()["token"]}
    export = f"{a}{BASE}/export.xlsx"
    started = web_a.post(export, data={"csrf_token": _csrf(web_a, export),
                                       "reason": "월간 보고"}, allow_redirects=False)
    assert started.status_code == 302, started.text[:300]
    job_id = int(re.search(r"/jobs/(\d+)$", started.headers["Location"]).group(1))
    # ... shows its progress and result on server B, to the same person.
    seen = requests.get(f"{b}/api/v1/jobs/{job_id}", headers=bearer).json()
    assert seen["id"] == job_id and seen["kind"] == "records.export"
    done = _wait(lambda: (lambda j: j if j["finished"] else None)(
        requests.get(f"{b}/api/v1/jobs/{job_id}", headers=bearer).json()), "job to finish")
    assert done["status"] == "done", done
    assert done["progress"] == 100 and done["result_url"] == f"/jobs/{job_id}/file"
    assert "진행률" in web_b.get(f"{b}/jobs/{job_id}").text
    workbook = web_b.get(f"{b}/jobs/{job_id}/file")
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"  # an .xlsx (zip)
    # Nobody else sees the job (another facility's user gets 404 on either server).
    stranger = requests.post(f"{b}/api/v1/auth/token",
                             json={"login": "stranger", "password": PASSWORD}).json()["token"]
    assert requests.get(f"{a}/api/v1/jobs/{job_id}",
                        headers={"Authorization": f"Bearer {stranger}"}).status_code == 404

    # Both servers tick every second; each slot ran once.
    def ticks() -> int:
        with local.extensions["ieum.database"].session() as s:
            return s.scalar(select(func.count()).select_from(Job).where(
                Job.kind == "timers.tick")) or 0
    _wait(lambda: ticks() >= 3, "three ticks")
    with local.extensions["ieum.database"].session() as s:
        slots = [job.params["slot"] for job in s.scalars(select(Job).where(
            Job.kind == "timers.tick"))]
        claimed = s.scalar(select(func.count()).select_from(JobSlot))
    assert len(slots) == len(set(slots)), "a tick ran twice in one slot"
    assert claimed >= len(slots)
