"""The workflow side of reports: starting a process the facility owns without a person's
workspace (a submission, a reminder) and completing a task on someone's behalf (an official's
decision, the reminder closed by a submission). Each call runs inside the caller's
transaction; the caller commits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.services import ServiceError
from ieum.services.workflows import ALREADY_DONE, Runtime, _advance
from ieum.store.models import Facility, ProcessInstance, Task, utcnow
from ieum.workflow import runtime

UNIT = "region_reports"


def start(session: Session, rt: Runtime, facility: Facility, process_id: str,
          data: Mapping[str, Any], *, started_by: int | None, title: str) -> ProcessInstance:
    """Start ``process_id`` for ``facility`` with ``data``; its first tasks get ``title``."""
    process = rt.registry.processes[process_id]
    workflow = runtime.new_workflow(process, rt.engine())
    for task in workflow.get_tasks(state=runtime.TaskState.READY):
        task.data.update({"facility_id": facility.id, "started_by": started_by, **data})
    instance = ProcessInstance(facility_id=facility.id, unit_function=UNIT,
                               process_id=process.id, spec_hash=process.spec_hash, state={},
                               started_by_id=started_by)
    session.add(instance)
    session.flush()
    _advance(session, rt, instance, workflow)
    session.flush()
    for task in ready_tasks(session, instance.id):
        task.title = title[:200]
    return instance


def ready_tasks(session: Session, instance_id: int) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.instance_id == instance_id,
                                                   Task.state == "ready").order_by(Task.id)))


def complete(session: Session, rt: Runtime, task: Task, values: Mapping[str, Any],
             *, user_id: int | None) -> ProcessInstance:
    """Complete ``task`` with ``values`` in its data and move its process on."""
    if task.state != "ready":
        raise ServiceError(ALREADY_DONE, status=409)
    instance = task.instance
    workflow = runtime.load(instance.state, rt.engine())
    spiff = runtime.find_task(workflow, task.spiff_task_id)
    if spiff is None:
        raise ServiceError(ALREADY_DONE, status=409)
    spiff.data.update(values)
    spiff.run()
    task.state = "completed"
    task.completed_at = utcnow()
    task.completed_by_id = user_id
    _advance(session, rt, instance, workflow)
    instance.updated_at = utcnow()  # bumps the version: a concurrent step gets a conflict
    return instance

