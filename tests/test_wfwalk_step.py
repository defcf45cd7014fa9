"""One user-task step as the benchmark runs it (bench/bench_workflow.py: the self-reliance case
process), on SQLite and PostgreSQL: what it reads and writes, counted; the reads it folds into
one statement still decide what they decided (the subject, the unit's 마감, the task's
facility); and ``ieum.store.rows.persistent`` gives what an ORM query gives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from bench import bench_workflow as bw
from bench import content_root
from sqlalchemy import select

from ieum.services import ServiceError
from ieum.services import workflows as flows
from ieum.store.models import Closing, ProcessInstance, Record, Subject, Task
from ieum.store.rows import persistent
from tests.sqlutil import statements_sent

#: Statements of one step after the request's own two (the user, the workspace): the task with
#: its instance, subject and closing; the record; the completed task, the instance and the
#: next task (PostgreSQL: the three in one statement); the notice's recipients (when a task
#: begins to wait); the audit event (PostgreSQL: one statement, SQLite: the chain's end and
#: the INSERT). The first save of a form version also keeps its snapshot (once per engine):
#: not counted.
STEP_BUDGET = {"sqlite": 8, "postgresql": 5}


@pytest.fixture
def platform(tmp_path: Path, migrated_url: str):  # noqa: ANN201
    root = content_root.build(tmp_path / "content")
    made = bw.Platform(tmp_path, root, migrated_url)
    made.start_cases(2)
    yield made
    made.database.dispose()


def _statements(platform: bw.Platform, call) -> list[str]:  # noqa: ANN001
    with statements_sent(platform.database.engine) as sent:
        call()
    return sent


def test_a_step_stays_within_its_statement_budget(platform: bw.Platform) -> None:
    dialect = platform.database.engine.dialect.name
    steps = 0
    while ready := platform.ready_tasks():
        for task_id, form_id in ready:
            sent = _statements(platform, lambda t=task_id, f=form_id: platform.complete(t, f))
            step = [s for s in sent if not s.startswith(("SELECT app_user.", "SELECT "
                                                         "role_assignment.facility_id"))]
            assert len(sent) - len(step) == 2  # the request's user and workspace
            # the audit log's periodic signed checkpoint comes on top (every 20 events)
            step = [s for s in step if "audit_checkpoint" not in s and "form_snapshot" not in s
                    and not s.startswith(("SELECT audit_event.id", "SELECT count(*)",
                                          "SELECT pg_advisory_xact_lock"))]
            assert len(step) <= STEP_BUDGET[dialect], "\n".join(x[:90] for x in step)
            assert sum(s.startswith("SELECT subject.") for s in step) == 0  # read with the task
            steps += 1
    assert steps == 2 * bw.STEPS_PER_CASE
    with platform.database.session() as s:
        assert s.scalars(select(ProcessInstance.status)).all() == ["completed"] * 2
        assert s.scalar(select(Task.id).where(Task.state == "ready")) is None
        records = s.execute(select(Record.form_id, Record.subject_id)
                            .order_by(Record.id)).all()
        subjects = set(s.scalars(select(Subject.id)))
    assert len(records) == 2 * bw.STEPS_PER_CASE
    assert {subject for _form, subject in records} == subjects  # each case's own subject


def test_the_closing_read_with_the_task_refuses_a_closed_day(platform: bw.Platform) -> None:
    """The unit's 마감 comes with the task's row; a case-log dated on a closed day is refused
    and nothing of the step is kept, as when it was read on its own."""
    while ready := platform.ready_tasks():
        task_id, form_id = ready[0]
        if form_id == "sr_case_log":
            break
        platform.complete(task_id, form_id)
    else:
        pytest.fail("no case-log task was reached")
    with platform.database.session() as s:
        s.add(Closing(facility_id=platform.facility_id, unit_function=bw.UNIT,
                      closed_through=dt.date(2026, 3, 31), set_by_id=platform.user_id))
    with pytest.raises(ServiceError) as refused:
        platform.complete(task_id, form_id)  # LOG's log_date 2026-03-02 is closed
    assert refused.value.status == 409
    with platform.database.session() as s:
        assert s.get(Task, task_id).state == "ready"
        assert s.scalar(select(Record.id).where(Record.form_id == "sr_case_log")) is None


def test_a_task_of_another_facility_is_not_found(platform: bw.Platform) -> None:
    (task_id, _form), *_ = platform.ready_tasks()
    with platform.database.session() as s:
        workspace, _rt = platform._context(s)  # noqa: SLF001 - the bench's request context
        with s.no_autoflush:
            other = type(workspace.facility)(id=workspace.facility.id + 1000)
        stranger = flows.Workspace(workspace.user, other, (other,), workspace.permissions,
                                   workspace.menu)
        for asked in (task_id, task_id + 1000, 0, 2**63):
            with pytest.raises(ServiceError) as missing:
                flows.get_task(s, stranger if asked == task_id else workspace, asked)
            assert missing.value.status == 404
        assert flows.get_task(s, workspace, task_id).instance.status == "running"


def test_persistent_gives_what_an_orm_query_gives(platform: bw.Platform) -> None:
    (task_id, _form), *_ = platform.ready_tasks()
    table = Task.__table__
    with platform.database.session() as s:
        row = s.connection().execute(select(table).where(table.c.id == task_id)).one()
        task = persistent(s, Task, row._mapping)
        assert task in s and not s.dirty and not s.new
        assert {key: getattr(task, key) for key in row._mapping} == dict(row._mapping)
        assert s.get(Task, task_id) is task
        assert s.scalar(select(Task).where(Task.id == task_id)) is task
        assert task.instance.id == task.instance_id  # the relationship loads as usual
        task.title = "바뀐 제목"
        again = persistent(s, Task, row._mapping)
        assert again is task and task.title == "바뀐 제목"  # the session's object, as it is
        assert task in s.dirty  # its change still to be written
        s.expire(task, ["role"])
        assert persistent(s, Task, row._mapping).__dict__["role"] == row.role  # filled in
    with platform.database.session() as s:
        assert s.get(Task, task_id).title == "바뀐 제목"  # written by the commit
