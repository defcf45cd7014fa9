"""Faults: the database connection drops in the middle of a task completion.

A worker completes the first task of the flow lab's ``three_lane`` process through the API
(validate the form, save the record, advance the engine, persist its state, audit, commit: one
transaction). A SQLAlchemy ``before_cursor_execute`` hook on the app's engine closes the real
DBAPI connection just before the N-th statement of that request, so the statement fails the
way a dropped connection does (the driver raises, SQLAlchemy invalidates the connection on
PostgreSQL). This is done for every N from the first statement to the last one the completion
runs, on SQLite and PostgreSQL.

After each failure: the answer is a 500 with the Korean message (no stack trace), and every
row of every table — the record, the task, the process instance with its serialized state,
the audit log — is exactly as before, and the audit chain verifies. Then the same completion,
without the fault, succeeds and moves the process on: nothing half-done blocks a retry. A drop
after the commit (while answering) leaves the whole completion in, and a client's retry is a
409, not a second completion. A drop at the commit itself loses all of it.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select

from ieum.access.audit import verify_chain
from ieum.store.models import Base, Task
from tests.flowlab import TODAY, seed_flow
from tests.formlab import api_token

UNAVAILABLE = "일시적인 오류가 발생했습니다. 잠시 후 다시 시도하세요."


def snapshot(app) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with app.extensions["ieum.database"].session() as s:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows[table.name] = [tuple(r) for r in s.execute(
                select(table).order_by(*order)).all()]
    return rows


class DroppedConnection:
    """Closes the DBAPI connection before the ``fail_at``-th statement after ``arm()``."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.fail_at: int | None = None
        self.seen = 0
        self.fired = False
        event.listen(engine, "before_cursor_execute", self.before)

    def arm(self, fail_at: int) -> None:
        self.fail_at, self.seen, self.fired = fail_at, 0, False

    def disarm(self) -> None:
        self.fail_at = None

    def before(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001, ARG002, PLR0913
        if self.fail_at is None:
            return
        self.seen += 1
        if self.seen == self.fail_at:
            self.fired = True
            conn.connection.dbapi_connection.close()  # the server is gone

    def remove(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self.before)


@pytest.fixture
def flow(make_app, migrated_url):
    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    seed_flow(app)
    client = app.test_client()
    headers = api_token(client, "worker1")
    started = client.post("/api/v1/f/flow/u/flows/processes/three_lane", headers=headers,
                          json={})
    assert started.status_code == 201, started.get_json()
    task = next(t for t in started.get_json()["tasks"] if t["name"] == "draft_step")
    fault = DroppedConnection(app.extensions["ieum.database"].engine)
    yield app, client, headers, task["id"], fault
    fault.remove()


def complete(client, headers, task_id: int):
    return client.post(f"/api/v1/f/flow/tasks/{task_id}/complete", headers=headers,
                       json={"data": {"note": "연결이 끊겨도 안전한 메모"}})


def assert_completed_once(app, before, instance_id: int) -> None:
    """The whole completion is in: the task done with its record, the next task ready."""
    with app.extensions["ieum.database"].session() as s:
        tasks = s.scalars(select(Task).where(Task.instance_id == instance_id)
                          .order_by(Task.id)).all()
        assert [(t.name, t.state) for t in tasks][0] == ("draft_step", "completed")
        assert sum(t.state == "ready" for t in tasks) == 1
        assert tasks[0].record_id is not None
        assert verify_chain(s) == []
    after = snapshot(app)
    assert len(after["record"]) == len(before["record"]) + 1
    assert len(after["audit_event"]) > len(before["audit_event"])


def test_a_connection_drop_at_any_statement_of_a_completion_leaves_no_half_state(flow) -> None:
    app, client, headers, task_id, fault = flow
    with app.extensions["ieum.database"].session() as s:
        instance_id = s.get(Task, task_id).instance_id
    before = snapshot(app)
    # Fail at statement 1, 2, 3, ... of the request until the completion is in.
    position = 0
    while True:
        position += 1
        fault.arm(position)
        response = complete(client, headers, task_id)
        fault.disarm()
        if not fault.fired:  # the request ran fewer statements: nothing failed
            assert response.status_code == 200, response.get_json()
            break
        assert response.status_code == 500, (position, response.get_json())
        assert response.get_json() == {"error": UNAVAILABLE, "status": 500}
        after = snapshot(app)
        if after == before:
            continue  # nothing of the failed transaction is left: the next run retries it
        # Otherwise the drop came after the commit (while answering): all of it is in.
        changed = {name for name in before if before[name] != after[name]}
        assert {"record", "task", "process_instance", "audit_event"} <= changed, (
            f"statement {position}: half state in {sorted(changed)}")
        break
    assert position > 5, "the fault never hit the completion's transaction"
    assert_completed_once(app, before, instance_id)
    retried = complete(client, headers, task_id)  # a client retrying after its 500
    assert retried.status_code == 409, retried.get_json()
    assert_completed_once(app, before, instance_id)


def test_a_connection_drop_at_commit_loses_the_whole_completion_and_a_retry_succeeds(
        flow) -> None:
    app, client, headers, task_id, fault = flow
    engine = app.extensions["ieum.database"].engine
    with app.extensions["ieum.database"].session() as s:
        instance_id = s.get(Task, task_id).instance_id
    before = snapshot(app)
    dropped: list[bool] = []

    def drop(conn) -> None:  # noqa: ANN001 - fires just before the DBAPI commit
        if not dropped:
            dropped.append(True)
            conn.connection.dbapi_connection.close()

    event.listen(engine, "commit", drop)
    try:
        response = complete(client, headers, task_id)
    finally:
        event.remove(engine, "commit", drop)
    assert dropped and response.status_code == 500
    assert snapshot(app) == before
    retried = complete(client, headers, task_id)
    assert retried.status_code == 200, retried.get_json()
    assert_completed_once(app, before, instance_id)
