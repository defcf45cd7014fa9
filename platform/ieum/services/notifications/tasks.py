"""Notices for new tasks: the process runner calls :func:`tasks_created` with the task rows a
step made (in the step's transaction). A task assigned to someone notifies them; a task of a
role (a lane) notifies everyone holding that role in the facility that day. A task whose
form is a decision on a document (BPMN property ``approvalStep``) is a 결재 대기 notice.

Not notified: the person whose step made the task (they are looking at it), and the tasks of
a reporting unit's reminder process (``reports.reminder``): the report deadline notices
(``ieum.services.reports.notices``) say the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.definitions import Registry
from ieum.services.notifications import notify
from ieum.store.models import RoleAssignment, Task, User


def approval_forms(registry: Registry) -> frozenset[str]:
    return frozenset(task.form for process in registry.processes.values()
                     for task in process.user_tasks if task.approval_step and task.form)


def reminder_processes(registry: Registry) -> frozenset[str]:
    return frozenset(unit.reports.reminder for unit in registry.unit_functions.values()
                     if unit.reports is not None and unit.reports.reminder)


def role_holders(session: Session, facility_id: int, role: str, day: dt.date) -> list[int]:
    """The active users holding ``role`` in the facility on ``day``."""
    return list(session.scalars(
        select(RoleAssignment.user_id).join(User, User.id == RoleAssignment.user_id)
        .where(RoleAssignment.facility_id == facility_id, RoleAssignment.role == role,
               RoleAssignment.valid_from <= day, RoleAssignment.valid_to >= day,
               User.is_active.is_(True))
        .distinct().order_by(RoleAssignment.user_id)))


def recipients(session: Session, task: Task, day: dt.date) -> list[int]:
    if task.assignee_id is not None:
        return [task.assignee_id]
    if task.role is None:
        return []
    return role_holders(session, task.facility_id, task.role, day)


def tasks_created(session: Session, registry: Registry, process_id: str,
                  tasks: Iterable[Task], *, day: dt.date, actor_id: int | None) -> int:
    """Notify the people the new ``tasks`` of an instance of ``process_id`` wait for; how
    many notices were given. Runs without autoflush: the step's rows are written together
    when it commits."""
    tasks = list(tasks)
    if not tasks or process_id in reminder_processes(registry):
        return 0
    approvals = approval_forms(registry)
    given = 0
    with session.no_autoflush:
        for task in tasks:
            kind = "approval_waiting" if task.form_id in approvals else "task"
            title = task.title or task.name
            for user_id in recipients(session, task, day):
                if user_id == actor_id:
                    continue
                if notify(session, user_id, kind, title, facility_id=task.facility_id,
                          task=task) is not None:
                    given += 1
    return given
