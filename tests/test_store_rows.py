"""``ieum.store.rows.write_pending`` writes what a flush would, and refuses what a flush refuses
(issue 15: a workflow step's rows without the unit of work), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm.exc import StaleDataError

from ieum.store import Database
from ieum.store.models import Facility, ProcessInstance, Task, User
from ieum.store.models_notify import Notification
from ieum.store.rows import write_pending
from tests.sqlutil import statements_sent


def _seed(database: Database, code: str = "f1") -> tuple[int, int, int]:
    with database.session() as session:
        facility = Facility(code=code, name="시설", profile_code="p", region_code="11110")
        user = User(login=f"u_{code}", name="담당자", password_hash="x")
        session.add_all([facility, user])
        session.flush()
        instance = ProcessInstance(facility_id=facility.id, unit_function="u", process_id="p",
                                   spec_hash="h", state={"단계": 1})
        session.add(instance)
        session.flush()
        task = Task(instance_id=instance.id, facility_id=facility.id, spiff_task_id="a",
                    name="a", title="첫 업무")
        session.add(task)
        session.flush()
        return user.id, instance.id, task.id


def _step(session, user_id: int, instance_id: int, task_id: int,  # noqa: ANN001
          *, notice: bool = True) -> tuple[Task, Notification | None]:
    """What a workflow step leaves pending: a completed task, a changed instance, a new task
    and (``notice``) its notice."""
    instance = session.get(ProcessInstance, instance_id)
    done = session.get(Task, task_id)
    done.state, done.completed_by_id = "completed", user_id
    done.completed_at = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    instance.state, instance.status = {"단계": 2}, "running"
    instance.updated_at = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    new = Task(instance_id=instance.id, facility_id=instance.facility_id, spiff_task_id="b",
               name="b", title="둘째 업무", role="worker")
    if not notice:
        session.add(new)
        return new, None
    made = Notification(user_id=user_id, facility_id=instance.facility_id, kind="task",
                        title="둘째 업무", link=None, target=None, task=new)
    session.add_all([made, new])  # the notice first: it is written after its task
    return new, made


def _stored(database: Database, instance_id: int | None = None) -> dict:
    with database.session() as session:
        instance = session.get(ProcessInstance, instance_id) if instance_id else \
            session.scalars(select(ProcessInstance)).one()
        tasks = session.execute(select(Task.spiff_task_id, Task.state,
                                       Task.completed_by_id.is_not(None),
                                       Task.role).where(Task.instance_id == instance.id)
                                .order_by(Task.id)).all()
        notices = session.execute(
            select(Notification.kind, Notification.title, Notification.created_at.is_not(None),
                   Notification.email_state, Task.spiff_task_id)
            .join(Task, Task.id == Notification.task_id)
            .where(Task.instance_id == instance.id)).all()
        raw = session.execute(text(
            "SELECT n.target IS NULL, n.target, n.link IS NULL FROM notification n "
            "JOIN task t ON t.id = n.task_id WHERE t.instance_id = :i"),
            {"i": instance.id}).all()
        return {"instance": (instance.state, instance.status, instance.version),
                "tasks": [tuple(t) for t in tasks], "notices": [tuple(n) for n in notices],
                "target": [(is_null, str(value), link) for is_null, value, link in raw]}


@pytest.mark.parametrize("notice", [True, False])
def test_write_pending_writes_what_a_flush_writes(migrated_url: str, notice: bool) -> None:
    """A step's writes stored as a flush stores them. On PostgreSQL they are one statement
    (data-modifying WITH queries), also with a new row referring to another new one (the
    notice takes its task's key from that row's part); on SQLite one statement a row."""
    database = Database(migrated_url)
    try:
        outcomes = []
        for code, write in (("f1", True), ("f2", False)):
            ids = _seed(database, code)
            with database.session() as session:
                new, made = _step(session, *ids, notice=notice)
                instance = session.get(ProcessInstance, ids[1])  # loaded before counting
                if write:
                    with statements_sent(database.engine) as writes:
                        assert write_pending(session)
                    assert not (session.new or session.dirty)
                    assert session.get(Task, new.id) is new and new.created_at is not None
                    assert instance.version == 2
                    if notice:
                        assert made.task_id == new.id
                else:
                    session.flush()
            outcomes.append(_stored(database, ids[1]))
    finally:
        database.dispose()
    assert outcomes[0] == outcomes[1]
    assert outcomes[0]["instance"] == ({"단계": 2}, "running", 2)
    assert [t[:2] for t in outcomes[0]["tasks"]] == [("a", "completed"), ("b", "ready")]
    assert len(outcomes[0]["notices"]) == int(notice)
    if database.engine.dialect.name == "postgresql":
        assert len(writes) == 1 and writes[0].startswith("WITH")
    else:
        assert len(writes) == 3 + notice


def test_write_pending_refuses_a_stale_instance(migrated_url: str) -> None:
    database = Database(migrated_url)
    try:
        ids = _seed(database)
        first, second = database.sessions(), database.sessions()
        _step(first, *ids)
        theirs = second.get(ProcessInstance, ids[1])
        theirs.status = "cancelled"
        second.commit()
        with pytest.raises(StaleDataError):
            write_pending(first)
        first.rollback()
        first.close()
        second.close()
        stored = _stored(database)
        assert stored["instance"][1:] == ("cancelled", 2)
        assert stored["tasks"] == [("a", "ready", False, None)]  # nothing of the step is kept
    finally:
        database.dispose()


def test_write_pending_leaves_other_changes_to_the_flush(migrated_url: str) -> None:
    database = Database(migrated_url)
    try:
        ids = _seed(database)
        with database.session() as session:
            user = session.get(User, ids[0])
            _step(session, *ids)
            session.delete(user)  # a deletion: not written here
            assert write_pending(session) is False
            assert session.new and session.dirty  # untouched
            session.rollback()
        with database.session() as session:
            new, _notice = _step(session, *ids)
            session.add(Task(instance_id=ids[1], facility_id=new.facility_id,
                             spiff_task_id="c", name="c", title="셋째"))
            assert write_pending(session)  # several new rows of one table
        assert [t[0] for t in _stored(database)["tasks"]] == ["a", "b", "c"]
    finally:
        database.dispose()


@pytest.mark.parametrize("notice", [False, True])
def test_write_pending_refuses_a_step_another_one_took(migrated_url: str, notice: bool) -> None:
    """Another session moved the instance on first, with the same next task: the stale step
    is refused as stale (not by the next task's unique key), and nothing of it is kept."""
    database = Database(migrated_url)
    try:
        ids = _seed(database)
        first, second = database.sessions(), database.sessions()
        try:
            _step(first, *ids, notice=notice)
            _step(second, *ids, notice=notice)
            second.flush()
            second.commit()
            with pytest.raises(StaleDataError):
                write_pending(first)
            first.rollback()
        finally:
            first.close()
            second.close()
        stored = _stored(database)
        assert stored["instance"] == ({"단계": 2}, "running", 2)
        assert [t[:2] for t in stored["tasks"]] == [("a", "completed"), ("b", "ready")]
        assert len(stored["notices"]) == (1 if notice else 0)
    finally:
        database.dispose()
