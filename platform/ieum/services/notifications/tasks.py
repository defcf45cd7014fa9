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

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ieum.definitions import Registry
from ieum.definitions.model import per_registry
from ieum.services.notifications import notice_for, settings_for
from ieum.store.models import RoleAssignment, Task, User


@per_registry
def approval_forms(registry: Registry) -> frozenset[str]:
    return frozenset(task.form for process in registry.processes.values()
                     for task in process.user_tasks if task.approval_step and task.form)


@per_registry
def reminder_processes(registry: Registry) -> frozenset[str]:
    return frozenset(unit.reports.reminder for unit in registry.unit_functions.values()
                     if unit.reports is not None and unit.reports.reminder)


_ASSIGNED, _USERS = RoleAssignment.__table__.c, User.__table__.c
#: Built once: every new task of a role asks it.
_ROLE_HOLDERS = (
    select(_ASSIGNED.user_id).join(User.__table__, _USERS.id == _ASSIGNED.user_id)
    .where(_ASSIGNED.facility_id == bindparam("facility_id"),
           _ASSIGNED.role == bindparam("role"), _ASSIGNED.valid_from <= bindparam("day"),
           _ASSIGNED.valid_to >= bindparam("day"), _USERS.is_active.is_(True))
    .distinct().order_by(_ASSIGNED.user_id))


def role_holders(session: Session, facility_id: int, role: str, day: dt.date) -> list[int]:
    """The active users holding ``role`` in the facility on ``day``."""
    return list(session.execute(_ROLE_HOLDERS, {"facility_id": facility_id, "role": role,
                                                "day": day}).scalars())


def recipients(session: Session, task: Task, day: dt.date) -> list[int]:
    if task.assignee_id is not None:
        return [task.assignee_id]
    if task.role is None:
        return []
    return role_holders(session, task.facility_id, task.role, day)


def tasks_created(session: Session, registry: Registry, process_id: str,
                  tasks: Iterable[Task], *, day: dt.date, actor_id: int | None) -> int:
    """Notify the people the new ``tasks`` of an instance of ``process_id`` wait for; how
    many notices were given. Runs without autoflush: the step's rows, the notices among
    them, are written together when it commits. A role's holders are read once per role,
    the recipients' settings in one query."""
    tasks = list(tasks)
    if not tasks or process_id in reminder_processes(registry):
        return 0
    approvals = approval_forms(registry)
    holders: dict[tuple[int, str], list[int]] = {}
    wanted: list[tuple[Task, int]] = []
    with session.no_autoflush:
        for task in tasks:
            if task.assignee_id is not None:
                people = [task.assignee_id]
            elif task.role is None:
                people = []
            else:
                key = (task.facility_id, task.role)
                if key not in holders:
                    holders[key] = role_holders(session, task.facility_id, task.role, day)
                people = holders[key]
            wanted += [(task, user_id) for user_id in people if user_id != actor_id]
        settings = settings_for(session, (user_id for _task, user_id in wanted))
    given = 0
    for task, user_id in wanted:
        kind = "approval_waiting" if task.form_id in approvals else "task"
        if settings[user_id].channels.get(kind, "app") == "off":
            continue
        session.add(notice_for(settings[user_id], user_id, kind, task.title or task.name,
                               facility_id=task.facility_id, task=task))
        given += 1
    return given
