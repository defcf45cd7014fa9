"""A job's page in a real browser: the progress bar moves by itself while a worker reports,
cancel asks first, and the page ends on 취소됨 without a reload."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ieum.access.audit import Actor
from ieum.services import jobs
from ieum.services.jobs import periodic
from ieum.store.models import User
from ieum.store.models_jobs import Job
from tests.browserutil import screenshot, sign_in
from tests.formlab import seed_lab


@pytest.fixture
def server(make_app, migrated_url, live_server):
    app = make_app(migrated_url, IEUM_JOBS_MODE="queue")  # nothing consumes: the test reports
    seed_lab(app)
    return app, live_server(app)


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
def test_progress_updates_itself_and_cancel_is_confirmed(page, server) -> None:
    app, live = server
    database = app.extensions["ieum.database"]
    with database.session() as s:
        owner = s.scalar(select(User).where(User.login == "worker"))
        job = jobs.submit(s, app.extensions["ieum.jobs"], periodic.TICK,
                          {"now": dt.datetime(2026, 3, 2, tzinfo=dt.UTC).isoformat()},
                          owner=owner, actor=Actor(owner.id, owner.login), title="긴 작업 시험")
        job_id = job.id
    sign_in(page, live, "worker")
    page.goto(f"{live.url}/jobs/{job_id}")
    expect(page.get_by_test_id("job-status")).to_have_text("대기 중")

    with database.session() as s:  # a worker takes it and reports
        s.get(Job, job_id).status = "running"
    jobs.report_progress(database, job_id, 40, "절반쯤 했습니다.")
    expect(page.get_by_test_id("job-message")).to_have_text("절반쯤 했습니다.")
    expect(page.get_by_test_id("job-status")).to_have_text("진행 중")
    assert page.get_by_test_id("job-progress").evaluate("bar => bar.value") == 40
    screenshot(page, "jobs-progress")

    page.get_by_test_id("job-cancel").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("이 작업을 취소합니다")
    with page.expect_navigation():
        dialog.get_by_role("button", name="작업 취소").click()
    expect(page.get_by_role("alert").filter(has_text="취소를 요청했습니다")).to_be_visible()

    with pytest.raises(jobs.JobCancelled):  # the worker's next report stops it
        jobs.report_progress(database, job_id, 60, "계속")
    jobs.finish(app.extensions["ieum.jobs"], job_id, "cancelled", None, None)
    expect(page.get_by_test_id("job-status")).to_have_text("취소됨")
    expect(page.get_by_test_id("job-cancel")).to_be_hidden()
    page.get_by_test_id("my-jobs").click()  # 내 작업, in the navbar of every page
    expect(page.get_by_test_id("job-list")).to_contain_text("긴 작업 시험")
