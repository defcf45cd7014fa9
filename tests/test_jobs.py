"""Jobs (issue 17 point 1): progress and cancel, the minute tick claimed once, the job page and
API, and a real ``ieum worker`` process taking a job from the embedded SQLite queue."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ieum.access.audit import Actor
from ieum.services import ServiceError, jobs
from ieum.services.jobs import periodic
from ieum.store.models import AuditEvent, User
from ieum.store.models_jobs import Job
from tests.formlab import API, GOOD, api_token, seed_lab
from tests.webutil import csrf_token, login

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def app(make_app, migrated_url):
    app = make_app(migrated_url, IEUM_JOBS_MODE="queue")
    seed_lab(app)
    return app


def _user(app, login_name: str) -> User:
    with app.extensions["ieum.database"].session() as s:
        user = s.scalar(select(User).where(User.login == login_name))
        s.expunge(user)
        return user


def _queued(app, owner: User) -> int:
    """A tick job submitted to the queue (nothing consumes it in this process)."""
    runtime = app.extensions["ieum.jobs"]
    with app.extensions["ieum.database"].session() as s:
        job = jobs.submit(s, runtime, periodic.TICK,
                          {"now": dt.datetime(2026, 3, 2, tzinfo=dt.UTC).isoformat()},
                          owner=owner, actor=Actor(owner.id, owner.login), title="시험 작업")
        return job.id


def test_progress_is_seen_and_cancel_stops_a_running_job(app) -> None:
    owner = _user(app, "worker")
    job_id = _queued(app, owner)
    database = app.extensions["ieum.database"]
    with database.session() as s:  # a worker takes it
        s.get(Job, job_id).status = "running"
    jobs.report_progress(database, job_id, 40, "절반쯤 했습니다.")
    with database.session() as s:
        job = s.get(Job, job_id)
        assert (job.progress, job.message) == (40, "절반쯤 했습니다.")
        jobs.cancel(s, job, Actor(owner.id, owner.login))
    with pytest.raises(jobs.JobCancelled):
        jobs.report_progress(database, job_id, 50, "계속")
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action.in_(["job.submit", "job.cancel"]))) == 2


def test_a_queued_job_cancelled_never_runs_and_a_finished_one_cannot_be(app) -> None:
    owner = _user(app, "worker")
    job_id = _queued(app, owner)
    database = app.extensions["ieum.database"]
    with database.session() as s:
        jobs.cancel(s, s.get(Job, job_id), Actor(owner.id))
    assert jobs.execute(app.extensions["ieum.jobs"], job_id) is None
    with database.session() as s:
        job = s.get(Job, job_id)
        assert job.status == "cancelled"
        with pytest.raises(ServiceError) as refused:
            jobs.cancel(s, job, Actor(owner.id))
        assert refused.value.status == 409


def test_the_owner_of_a_finished_job_gets_a_notice_once(app) -> None:
    from ieum.store.models_notify import Notification

    owner = _user(app, "worker")
    job_id = _queued(app, owner)
    assert jobs.execute(app.extensions["ieum.jobs"], job_id) == "done"
    assert jobs.execute(app.extensions["ieum.jobs"], job_id) is None  # not run twice
    with app.extensions["ieum.database"].session() as s:
        notices = s.scalars(select(Notification).where(Notification.user_id == owner.id)).all()
        assert [(n.kind, n.title) for n in notices] == [("job_done", "시험 작업: 끝났습니다.")]


def test_the_tick_runs_once_per_slot_however_many_workers(app) -> None:
    runtime = app.extensions["ieum.jobs"]
    moment = dt.datetime(2026, 3, 2, 9, 0, 30, tzinfo=dt.UTC)
    first = periodic.tick(runtime, moment)
    assert first is not None and first.status == "done"
    assert periodic.tick(runtime, moment + dt.timedelta(seconds=20)) is None  # same minute
    assert periodic.tick(runtime, moment + dt.timedelta(seconds=40)) is not None  # the next


def test_job_page_json_api_and_another_user(app) -> None:
    owner = _user(app, "worker")
    job_id = _queued(app, owner)
    client = app.test_client()
    assert login(client, "worker").status_code == 302
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "시험 작업" in page and "data-confirm=" in page and "ieum-jobs.js" in page
    assert "<script>" not in page and "style=" not in page
    assert client.get(f"/jobs/{job_id}.json").get_json()["status"] == "queued"
    assert "시험 작업" in client.get("/jobs/").get_data(as_text=True)
    other = app.test_client()
    assert login(other, "viewer").status_code == 302  # same facility, another person
    for path in (f"/jobs/{job_id}", f"/jobs/{job_id}.json", f"/jobs/{job_id}/file"):
        assert other.get(path).status_code == 404, path
    page_token = csrf_token(other, "/jobs/")
    assert other.post(f"/jobs/{job_id}/cancel",
                      data={"csrf_token": page_token}).status_code == 404
    stranger = client.post("/api/v1/auth/token", json={"login": "stranger",
                                                        "password": "test-pass-2026"}).get_json()
    foreign = {"Authorization": f"Bearer {stranger['token']}"}
    assert client.get(f"/api/v1/jobs/{job_id}", headers=foreign).status_code == 404
    assert client.post(f"/api/v1/jobs/{job_id}/cancel", headers=foreign).status_code == 404
    assert client.get(f"/jobs/{job_id}.json").get_json()["status"] == "queued"  # untouched
    token = client.post("/api/v1/auth/token",
                        json={"login": "worker", "password": "test-pass-2026"}).get_json()
    bearer = {"Authorization": f"Bearer {token['token']}"}
    cancelled = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=bearer)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    again = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=bearer)
    assert again.status_code == 409


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
def test_a_real_worker_process_runs_a_queued_job(app, tmp_path) -> None:
    owner = _user(app, "worker")
    job_id = _queued(app, owner)
    env = {**os.environ, "IEUM_DATABASE_URL": app.config["IEUM_DATABASE_URL"],
           "IEUM_INSTANCE_PATH": app.instance_path, "PYTHONPATH": str(ROOT)}
    env.pop("IEUM_REDIS_URL", None)
    worker = subprocess.Popen([str(Path(sys.executable).parent / "ieum"), "worker",
                               "--tick-every", "0"], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for _ in range(1200):
            with app.extensions["ieum.database"].session() as s:
                job = s.get(Job, job_id)
                if job.finished:
                    break
            assert worker.poll() is None, worker.stdout.read().decode()
            time.sleep(0.1)
        assert job.status == "done", job.error
        assert job.progress == 100 and job.worker and str(worker.pid) in job.worker
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def test_a_job_left_running_by_a_dead_worker_of_this_machine_fails(app) -> None:
    owner = _user(app, "worker")
    job_id, alive_id = _queued(app, owner), _queued(app, owner)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    host = jobs.worker_name().rpartition(":")[0]
    with app.extensions["ieum.database"].session() as s:
        s.get(Job, job_id).status = "running"
        s.get(Job, job_id).worker = f"{host}:{gone}"  # that process has ended
        s.get(Job, alive_id).status = "running"
        s.get(Job, alive_id).worker = jobs.worker_name()  # this test's process: alive
    assert jobs.fail_orphans(app.extensions["ieum.jobs"]) == 1
    with app.extensions["ieum.database"].session() as s:
        assert s.get(Job, job_id).status == "failed"
        assert "다시 실행" in s.get(Job, job_id).error
        assert s.get(Job, alive_id).status == "running"


def test_a_large_export_becomes_a_job_whose_file_expires(make_app, migrated_url) -> None:
    app = make_app(migrated_url, IEUM_EXPORT_JOB_ROWS=0)  # every export is "large"
    seed_lab(app)
    client = app.test_client()
    created = client.post(f"{API}/records", headers=api_token(client, "worker"),
                          json={"data": GOOD})
    assert created.status_code == 201, created.get_json()
    assert login(client, "admin").status_code == 302
    path = "/f/lab/u/casebook/casebook/export.xlsx"
    refused = client.post(path, data={"csrf_token": csrf_token(client, path), "reason": ""})
    assert refused.status_code == 400  # the reason is asked before anything is queued
    started = client.post(path, data={"csrf_token": csrf_token(client, path),
                                      "reason": "월간 보고"})
    assert started.status_code == 302 and "/jobs/" in started.headers["Location"]
    job_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "엑셀 파일 내려받기" in page and f"/jobs/{job_id}/file" in page
    workbook = client.get(f"/jobs/{job_id}/file")
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"
    with app.extensions["ieum.database"].session() as s:
        job = s.get(Job, job_id)
        key = job.result["file"]
        job.finished_at = job.finished_at - dt.timedelta(days=8)
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "job.download")) == 1
    assert jobs.expire_files(app.extensions["ieum.jobs"]) == 1
    assert app.extensions["ieum.files"].get(key) is None
    assert client.get(f"/jobs/{job_id}/file").status_code == 404


def test_the_tick_keeps_the_list_indexes_in_step_once_an_hour(app) -> None:
    """A form that grows past the list-index threshold gets its indexes from the hourly
    sync in the tick, not only from ``ieum db index``; one worker per hour runs it."""
    from ieum.store.indexes import INDEX_PREFIX, existing

    runtime = app.extensions["ieum.jobs"]
    moment = dt.datetime(2026, 3, 2, 10, 0, 30, tzinfo=dt.UTC)
    first = periodic.tick(runtime, moment)
    assert first.status == "done" and first.result["indexes"] is not None
    assert "failed" not in first.result["indexes"]
    assert periodic.tick(runtime, moment + dt.timedelta(minutes=1)).result["indexes"] is None
    later = periodic.tick(runtime, moment + dt.timedelta(hours=1))
    assert later.result["indexes"] == {"created": 0, "dropped": 0}  # nothing changed since
    engine = runtime.database.engine
    if engine.dialect.name == "postgresql":  # the default order's indexes are always kept
        assert any(name.startswith(INDEX_PREFIX + "__updated_at_") for name in existing(engine))
