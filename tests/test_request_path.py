"""The request path of issue 15: what a save no longer asks the database, and that the
answers it remembers instead stay correct (on SQLite and PostgreSQL).

- A form version's snapshot (``form_snapshot``) is asked for once per app: after a committed
  save of that version, later saves skip the SELECT. A save that rolls back teaches nothing:
  the next save keeps the snapshot.
- A workflow step writes the completed task and the instance together with the new task rows:
  the ready-task SELECT does not flush them on its own. Since the wfcore round no flush at all:
  after the record's INSERT, the step's rows go by one plain statement each
  (``ieum.store.rows.write_pending``), and on PostgreSQL the audit chain's lock, end and the
  event's INSERT are one statement.
- A new record of a subject reads the subject and the unit's closing in one statement, and
  refuses as before (closed period 409, foreign or absent subject 404).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from ieum.config import REPOSITORY_ROOT
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from ieum.store.models import Closing, Facility, FormSnapshot, Record, Task, User
from tests.flowlab import TODAY as FLOW_TODAY
from tests.flowlab import seed_flow
from tests.formlab import API, GOOD, api_token
from tests.webutil import PASSWORD


class Statements:
    """The SQL statements the app's engine runs while armed."""

    def __init__(self, engine) -> None:  # noqa: ANN001
        self.engine = engine
        self.seen: list[str] = []
        event.listen(engine, "before_cursor_execute", self.before)

    def before(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001, ARG002, PLR0913
        self.seen.append(statement)

    def about(self, table: str) -> list[str]:
        return [s for s in self.seen if table in s]

    def remove(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self.before)


@pytest.fixture
def watched(lab_app):
    statements = Statements(lab_app.extensions["ieum.database"].engine)
    yield lab_app, statements
    statements.remove()


def snapshots(app) -> int:  # noqa: ANN001
    with app.extensions["ieum.database"].session() as s:
        return s.scalar(select(func.count()).select_from(FormSnapshot))


def test_a_committed_snapshot_is_not_asked_for_again(watched) -> None:
    app, statements = watched
    client = app.test_client()
    headers = api_token(client, "worker")
    first = client.post(f"{API}/records", json={"data": GOOD}, headers=headers)
    assert first.status_code == 201, first.get_json()
    assert statements.about("form_snapshot"), "the first save keeps the snapshot"
    assert snapshots(app) == 1
    statements.seen.clear()
    second = client.post(f"{API}/records", json={"data": {**GOOD, "title": "두 번째"}},
                         headers=headers)
    assert second.status_code == 201, second.get_json()
    assert statements.about("form_snapshot") == []
    assert snapshots(app) == 1
    with app.extensions["ieum.database"].session() as s:
        assert s.scalar(select(func.count()).select_from(Record)) == 2


def test_a_save_that_rolls_back_teaches_nothing(watched) -> None:
    app, statements = watched
    client = app.test_client()
    headers = api_token(client, "worker")
    engine = app.extensions["ieum.database"].engine
    failed: list[bool] = []
    saving: list[bool] = []

    def see(conn, cursor, statement, *args) -> None:  # noqa: ANN001, ANN002
        if statement.lstrip().startswith("INSERT INTO record"):
            saving.append(True)

    def refuse_commit(conn) -> None:  # noqa: ANN001 - fires just before the DBAPI commit
        if saving and not failed:  # the commit of the record's transaction: the server is gone
            failed.append(True)
            conn.connection.dbapi_connection.close()

    event.listen(engine, "before_cursor_execute", see)
    event.listen(engine, "commit", refuse_commit)
    try:
        lost = client.post(f"{API}/records", json={"data": GOOD}, headers=headers)
    finally:
        event.remove(engine, "commit", refuse_commit)
        event.remove(engine, "before_cursor_execute", see)
    assert failed
    assert lost.status_code == 500, (lost.status_code, lost.get_json())
    assert snapshots(app) == 0
    with app.extensions["ieum.database"].session() as s:
        assert s.scalar(select(func.count()).select_from(Record)) == 0
    statements.seen.clear()
    kept = client.post(f"{API}/records", json={"data": GOOD}, headers=headers)
    assert kept.status_code == 201, kept.get_json()
    assert statements.about("form_snapshot"), "the save after the rollback asks again"
    assert snapshots(app) == 1


@pytest.fixture
def flow(make_app, migrated_url):
    app = make_app(migrated_url, IEUM_TODAY=FLOW_TODAY.isoformat())
    seed_flow(app)
    client = app.test_client()
    headers = api_token(client, "worker1")
    started = client.post("/api/v1/f/flow/u/flows/processes/three_lane", headers=headers,
                          json={})
    assert started.status_code == 201, started.get_json()
    task = next(t for t in started.get_json()["tasks"] if t["name"] == "draft_step")
    return app, client, headers, task["id"]


class Flushes:
    """How many times a session flushed while armed."""

    def __init__(self) -> None:
        self.count = 0
        event.listen(Session, "after_flush", self.seen)

    def seen(self, session, context) -> None:  # noqa: ANN001, ARG002
        self.count += 1

    def remove(self) -> None:
        event.remove(Session, "after_flush", self.seen)


def test_a_step_writes_the_task_and_instance_with_the_new_tasks(flow) -> None:
    app, client, headers, task_id = flow
    statements = Statements(app.extensions["ieum.database"].engine)
    flushes = Flushes()
    try:
        done = client.post(f"/api/v1/f/flow/tasks/{task_id}/complete", headers=headers,
                           json={"data": {"note": "한 번에 쓰는 단계"}})
    finally:
        statements.remove()
        flushes.remove()
    assert done.status_code == 200, done.get_json()
    seen = [" ".join(s.split()) for s in statements.seen]
    # (on PostgreSQL the audit event is written by SELECT ieum_audit_append(...))
    last_write = max(n for n, s in enumerate(seen)
                     if s.startswith(("INSERT", "UPDATE")) or "ieum_audit_append" in s)
    seen = seen[:last_write + 1]  # the step, not the answer's reads after it
    record = next(n for n, s in enumerate(seen) if s.startswith("INSERT INTO record"))
    # the ready tasks come from the workflow in memory: no SELECT of the instance's task rows
    # beside the one that reads the task being completed (with its instance)
    task_reads = [s for s in seen if s.startswith("SELECT") and "FROM task" in s]
    assert len(task_reads) == 1 and "process_instance" in task_reads[0], task_reads
    # the record goes first by one INSERT (its id goes into the process data), then the rest
    # of the step without a flush: the instance (version-checked), the completed task, the
    # new task rows, the notices, by one statement each on SQLite and as the parts of one
    # statement on PostgreSQL (data-modifying WITH queries), then the audit event (on
    # PostgreSQL the chain's lock, its end and the event's INSERT are one statement)
    assert flushes.count == 0
    postgres = app.extensions["ieum.database"].engine.dialect.name == "postgresql"
    audit = ["SELECT out_id, out_prev, out_hash, out_since FROM ieum_audit_append"] \
        if postgres else ["SELECT (SELECT audit_event.hash", "INSERT INTO audit_event"]
    writes = ["WITH w0 AS (UPDATE process_instance SET"] if postgres else [
        "UPDATE process_instance SET", "UPDATE task SET", "INSERT INTO task",
        "INSERT INTO notification"]
    expected = ["INSERT INTO record", "SELECT DISTINCT role_assignment.user_id",
                "SELECT notification_setting.", *writes, *audit]
    assert len(seen[record:]) == len(expected), seen[record:]
    for statement, start in zip(seen[record:], expected, strict=True):
        assert statement.startswith(start), (statement, start)
    # the instance's version is checked
    assert "process_instance.version =" in seen[record + 3].split("WHERE")[1]
    after = seen[record + 1:]
    first_write = next(n for n, s in enumerate(after)
                       if s.startswith(("INSERT", "UPDATE", "WITH")))
    step = after[first_write:]
    for kind in ("UPDATE task", "UPDATE process_instance", "INSERT INTO task",
                 "INSERT INTO notification"):
        assert any(s.startswith(kind) or f"AS ({kind}" in s for s in step), kind
    assert not any(s.startswith("SELECT") for s in step if "audit_" not in s), step
    with app.extensions["ieum.database"].session() as s:
        tasks = s.scalars(select(Task).order_by(Task.id)).all()
        assert [(t.name, t.state) for t in tasks][0] == ("draft_step", "completed")
        assert sum(t.state == "ready" for t in tasks) >= 1
        assert tasks[0].record_id is not None


SUBJECT_API = "/api/v1/f/home/u/subject_management/subject_basic/records"
NOTE_API = "/api/v1/f/home/u/counselling/counselling_note/records"
CHILD = {"name": "김하늘", "birth_date": "2010-05-01", "sex": "female", "status": "admitted",
         "admission_date": "2020-03-01"}


def note(day: str) -> dict:
    return {"counselling_date": day, "method": "in_person", "counselee": "subject",
            "topic": "진로 상담", "content": "자립 준비 이야기"}


@pytest.fixture
def home(make_app, migrated_url):
    """The shipped content: facility ``home`` with its administrator and one subject."""
    app = make_app(migrated_url, roots=[REPOSITORY_ROOT], IEUM_TODAY="2026-03-02")
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        facility = create_facility(s, registry, code="home", name="하늘양육원",
                                   profile_code="child_home", region_code="11110")
        other = create_facility(s, registry, code="care", name="바다요양원",
                                profile_code="elderly_care_home", region_code="26110")
        for login_name, where in (("homeadmin", facility), ("careadmin", other)):
            user = create_user(s, login=login_name, name=login_name, password=PASSWORD)
            grant_role(s, registry, user=user, facility=where, role="facility_admin",
                       valid_from=dt.date(2026, 1, 1))
    client = app.test_client()
    headers = api_token(client, "homeadmin")
    made = client.post(SUBJECT_API, json={"data": CHILD}, headers=headers)
    assert made.status_code == 201, made.get_json()
    care = client.post("/api/v1/f/care/u/subject_management/subject_basic/records",
                       json={"data": CHILD}, headers=api_token(client, "careadmin"))
    assert care.status_code == 201, care.get_json()
    return app, client, headers, made.get_json()["subject_id"], care.get_json()["subject_id"]


def test_a_subjects_record_reads_the_subject_and_the_closing_in_one_statement(home) -> None:
    app, client, headers, subject_id, foreign_id = home
    statements = Statements(app.extensions["ieum.database"].engine)
    try:
        made = client.post(NOTE_API, json={"data": note("2026-03-01"), "subject_id": subject_id},
                           headers=headers)
    finally:
        statements.remove()
    assert made.status_code == 201, made.get_json()
    seen = [" ".join(s.split()) for s in statements.seen]
    before = seen[:next(n for n, s in enumerate(seen) if s.startswith("INSERT INTO record"))]
    subject_reads = [s for s in before if s.startswith("SELECT subject.id")]
    assert len(subject_reads) == 1 and "closing.closed_through" in subject_reads[0]
    assert not [s for s in before if s.startswith("SELECT closing.")], before

    database = app.extensions["ieum.database"]
    with database.session() as s:
        facility_id = s.scalar(select(Facility.id).where(Facility.code == "home"))
        admin_id = s.scalar(select(User.id).where(User.login == "homeadmin"))
        s.add(Closing(facility_id=facility_id, unit_function="counselling",
                      closed_through=dt.date(2026, 2, 28), set_by_id=admin_id))
    # the closing read with the subject refuses as the closing read alone did
    refused = client.post(NOTE_API, json={"data": note("2026-02-15"), "subject_id": subject_id},
                          headers=headers)
    assert refused.status_code == 409, refused.get_json()
    assert "2026-02-28까지 마감된 기간입니다" in refused.get_json()["error"]
    # a subject of another facility, or none: the closing is still checked first, then 404
    for other in (foreign_id, 999_999):
        closed = client.post(NOTE_API, json={"data": note("2026-02-15"), "subject_id": other},
                             headers=headers)
        assert closed.status_code == 409, closed.get_json()
        missing = client.post(NOTE_API, json={"data": note("2026-03-01"), "subject_id": other},
                              headers=headers)
        assert missing.status_code == 404, missing.get_json()
    kept = client.post(NOTE_API, json={"data": note("2026-03-01"), "subject_id": subject_id},
                       headers=headers)
    assert kept.status_code == 201, kept.get_json()
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Record).where(
            Record.subject_id == subject_id, Record.form_id == "counselling_note")) == 2
