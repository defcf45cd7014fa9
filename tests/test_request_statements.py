"""What the main screens of the load test cost in SQL statements (counted, never timed), and how
a request's session ends: a transaction that only read is committed (psycopg keeps its
prepared statements, so PostgreSQL does not plan every statement again); one that wrote or
holds unsaved changes is rolled back, as before.

The budgets are today's counts on the form-lab content (tests/formlab.py): a change that adds
a query to every page shows here. Lower is fine; raise a budget only for a reason."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, func, select

from ieum.store.db import end_session
from ieum.store.models import Record
from ieum.store.models_notify import Notification
from tests.formlab import API, BASE, GOOD, api_token
from tests.webutil import login

#: Statements one signed-in request sends (the second request onwards: the session is warm).
BUDGETS = {"inbox": 6, "list": 4, "detail": 7, "edit form": 4}


class Statements:
    def __init__(self, engine) -> None:  # noqa: ANN001
        self.sql: list[str] = []
        self.ends: list[str] = []
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", lambda _conn: self.ends.append("commit"))
        event.listen(engine, "rollback", lambda _conn: self.ends.append("rollback"))

    def _statement(self, _conn, _cursor, statement, *_rest) -> None:  # noqa: ANN001, ANN002
        self.sql.append(" ".join(statement.split()))

    def of(self, call):  # noqa: ANN001, ANN201
        self.sql.clear()
        self.ends.clear()
        answer = call()
        assert answer.status_code == 200, answer.status_code
        return list(self.sql)


@pytest.fixture
def counted(lab_app, lab_client):  # noqa: ANN001, ANN201
    headers = api_token(lab_client, "worker")
    saved = lab_client.post(f"{API}/records", json={"data": GOOD}, headers=headers)
    assert saved.status_code == 201, saved.get_json()
    login(lab_client, "worker")
    lab_client.get("/f/lab/tasks/")  # warm: templates compiled, the session cookie settled
    return Statements(lab_app.extensions["ieum.database"].engine), saved.get_json()["id"]


def test_the_main_screens_stay_within_their_statement_budgets(lab_client, counted) -> None:
    statements, record_id = counted
    pages = {"inbox": "/f/lab/tasks/", "list": f"{BASE}/", "detail": f"{BASE}/{record_id}",
             "edit form": f"{BASE}/{record_id}/edit"}
    used = {name: statements.of(lambda path=path: lab_client.get(path))
            for name, path in pages.items()}
    over = {name: len(sql) for name, sql in used.items() if len(sql) > BUDGETS[name]}
    assert not over, (over, {name: used[name] for name in over})
    # the inbox's four counts (mine, roles, overdue, approvals) are one statement
    counts = [s for s in used["inbox"] if s.startswith("SELECT count(task.id)")]
    assert len(counts) == 1, counts
    # no page reads whole subjects for a picker, nor the catalog's program definitions
    for name, sql in used.items():
        assert not any("program_version.definition" in s for s in sql), name
    assert not any(re.match(r"SELECT subject\.id, subject\.facility_id", s)
                   for s in used["inbox"])


def test_a_request_that_only_read_ends_with_commit(lab_client, counted) -> None:
    statements, record_id = counted
    statements.of(lambda: lab_client.get(f"{BASE}/{record_id}/edit"))
    assert statements.ends == ["commit"]
    # a page that is refused (404) read only as well: committed too, nothing to undo
    statements.sql.clear()
    statements.ends.clear()
    assert lab_client.get(f"{BASE}/{record_id + 1000}/edit").status_code == 404
    assert statements.ends == ["commit"]


def test_a_session_that_wrote_or_holds_changes_is_rolled_back(lab_app, counted) -> None:
    statements, record_id = counted
    database = lab_app.extensions["ieum.database"]
    user_id = database.sessions().scalar(select(Record.author_id).where(
        Record.id == record_id))

    def notices() -> int:
        with database.session() as s:
            return s.scalar(select(func.count()).select_from(Notification))

    before = notices()
    flushed = database.sessions()
    flushed.add(Notification(user_id=user_id, kind="task", title="flushed, not committed"))
    flushed.flush()  # an INSERT went out: ending this session must not commit it
    statements.ends.clear()
    end_session(flushed)
    assert statements.ends == ["rollback"]

    pending = database.sessions()
    pending.scalar(select(func.count()).select_from(Record))  # read ...
    pending.add(Notification(user_id=user_id, kind="task", title="pending"))
    statements.ends.clear()
    end_session(pending)  # ... with an unsaved change: rolled back, not flushed and committed
    assert statements.ends == ["rollback"]
    assert notices() == before

    reading = database.sessions()
    reading.scalar(select(func.count()).select_from(Record))
    statements.ends.clear()
    end_session(reading)
    assert statements.ends == ["commit"]
