"""Running processes: start, complete a task, cancel, claim, retry, tick timers; the inbox;
progress.

Every step is one transaction: load the instance (with its version), run the engine, save
the state and the task rows, bump the version. A concurrent step on the same instance finds
the version changed and gets 409; nothing half-done is kept.

The one process runner is ``start_in`` (start), ``complete_in`` (complete a task),
``cancel_in`` (cancel) and ``tick`` (timers). Each of the first three works inside the
caller's transaction without checking grants, auditing or committing, so that any service
(a unit function's menu, approvals, reports, referrals, catalog applications, a vendor's
package) runs processes the same way and adds its own checks and audit event around it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.util import BpmnEvent
from sqlalchemy import and_, bindparam, false, func, or_, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ieum.access.audit import Actor, record_event
from ieum.config import KST
from ieum.definitions import Registry, extensions
from ieum.definitions.model import ProcessDef, UnitFunction, per_registry
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError, is_id
from ieum.services.conflicts import refuse_conflicts
from ieum.services.notifications.tasks import tasks_created
from ieum.services.records import UNREAD, FormScope, closed_through, insert_record
from ieum.services.workspace import Workspace
from ieum.store.models import (
    Facility,
    ProcessInstance,
    Record,
    RoleAssignment,
    Subject,
    Task,
    User,
    utcnow,
)
from ieum.store.rows import autoflush, persistent, write_pending
from ieum.workflow import runtime
from ieum.workflow.environment import SafeScriptEngine
from ieum.workflow.functions import ServiceFunction, current_context

log = logging.getLogger(__name__)

ALREADY_DONE = _l("이미 처리된 업무입니다. 업무 목록을 새로 고치세요.")
CONFLICT = _l("다른 사용자가 먼저 이 업무를 처리했습니다. 업무 목록을 새로 고치세요.")


@dataclass(frozen=True)
class Runtime:
    """What running a process needs besides the database: content, functions, the date."""

    registry: Registry
    functions: Mapping[str, ServiceFunction]
    today: dt.date
    actor: Actor

    def engine(self) -> SafeScriptEngine:
        return SafeScriptEngine(self.functions, self.today, script_helpers(self.today))


def _user_entry(user: User | None) -> dict[str, Any] | None:
    """A user as SpiffArena's helpers give one (no personal data beyond the name)."""
    if user is None:
        return None
    return {"id": user.id, "username": user.login, "display_name": user.name}


def script_helpers(today: dt.date) -> dict[str, Callable[..., Any]]:
    """SpiffArena's script helpers (:data:`ieum.expressions.HELPERS`) over ieum's users and
    roles, answered from the engine step that runs the script (``current_context``): the
    user who moved the process, the one who started it, and a role's members in the
    instance's facility (groups are roles)."""

    def context() -> ServiceTaskContext:
        found = current_context.get()
        if found is None:
            raise RuntimeError("업무 절차 안에서만 쓸 수 있습니다")
        return found

    def current_user() -> User | None:
        workspace = context().workspace
        return workspace.user if workspace is not None else None

    def members(role: str) -> list[str]:
        found = context()
        rows = found.session.scalars(
            select(User.login).join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.facility_id == found.instance.facility_id,
                   RoleAssignment.role == str(role), RoleAssignment.valid_from <= today,
                   RoleAssignment.valid_to >= today, User.is_active.is_(True))
            .order_by(User.login).distinct())
        return list(rows)

    def groups() -> list[str]:
        workspace = context().workspace
        return sorted(workspace.permissions.roles) if workspace is not None else []

    def has_group(role: str, username: str | None = None) -> bool:
        if username is None:
            return str(role) in groups()
        return str(username) in members(role)

    def process_info() -> dict[str, Any]:
        instance = context().instance
        return {"process_instance_id": instance.id, "process_model_identifier":
                instance.process_id, "unit_function": instance.unit_function}

    def initiator() -> dict[str, Any] | None:
        found = context()
        started_by = found.instance.started_by_id
        return _user_entry(found.session.get(User, started_by) if started_by else None)

    return {
        "get_current_user": lambda: _user_entry(current_user()),
        "get_process_initiator_user": initiator,
        "get_group_members": members,
        "get_user_groups": groups,
        "user_has_group": has_group,
        "get_process_info": process_info,
        "get_toplevel_process_info": process_info,
    }


@per_registry
def _forms_by_filename(registry: Registry) -> Mapping[str, str]:
    return MappingProxyType({form.filename: form.id for form in registry.forms.values()})


def _unit_process(registry: Registry, workspace: Workspace, unit_id: str,
                  process_id: str) -> tuple[UnitFunction, ProcessDef]:
    if workspace.facility is None:
        raise ServiceError(_("기관을 찾을 수 없습니다."), status=404)
    profile = registry.profiles.get(workspace.facility.profile_code)
    unit = registry.unit_functions.get(unit_id)
    if profile is None or unit is None or unit_id not in profile.unit_ids \
            or process_id not in unit.processes:
        raise ServiceError(_("업무 절차를 찾을 수 없습니다."), status=404)
    if not workspace.permissions.can(unit_id, "view"):
        raise ServiceError(_("이 작업을 할 권한이 없습니다."), status=403)
    return unit, registry.processes[process_id]


def _error_message(error: BaseException) -> str:
    message = str(error) or type(error).__name__
    inner = getattr(error, "error", None) or getattr(error, "exception", None)
    if inner is not None and str(inner) and str(inner) not in message:
        message = f"{message} ({inner})"
    return message[:2000]


@dataclass(frozen=True)
class ServiceTaskContext:
    """What a service function marked ``with_context`` receives as ``context``: the running
    instance, and records read and written through the record pipeline as the user who moved
    the process (their grants, the unit's closings, feeds and the audit log all apply)."""

    session: Session
    rt: Runtime
    instance: ProcessInstance
    workspace: Workspace | None

    def _scope(self, unit_id: str, form_id: str, action: str) -> FormScope:
        from ieum.services.records import open_form

        if self.workspace is None:
            raise ServiceError(_("이 업무 절차를 움직인 사용자가 없어 기록을 쓸 수 없습니다."),
                               status=403)
        scope = open_form(self.rt.registry, self.workspace, unit_id, form_id, self.rt.today,
                          self.rt.actor)
        scope.require(action)
        return scope

    def create_record(self, unit_id: str, form_id: str, data: Mapping[str, Any], *,
                      subject_id: int | None = None, draft: bool = False) -> Record:
        """A new record of ``form_id`` in ``unit_id`` of the instance's facility (needs the
        ``create`` grant); invalid data raises ``FormInvalid`` and stops the instance."""
        scope = self._scope(unit_id, form_id, "create")
        return insert_record(self.session, scope, data, draft=draft, subject_id=subject_id,
                             audit="record.create")

    def read_records(self, unit_id: str, form_id: str, *,
                     subject_id: int | None = None) -> list[Record]:
        """The records of ``form_id`` the user may see (``view`` grant and record scope)."""
        from ieum.services.records import scoped_query

        statement = scoped_query(self._scope(unit_id, form_id, "view"))
        if subject_id is not None:
            statement = statement.where(Record.subject_id == subject_id)
        return list(self.session.scalars(statement.order_by(Record.id)))


def _refusal(error: BaseException) -> ServiceError | None:
    """The ``ServiceError`` behind ``error`` (SpiffWorkflow and the service-call wrapper wrap
    what a service function raised), if any."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ServiceError):
            return current
        pending += [current.__cause__, current.__context__,
                    *(inner for inner in (getattr(current, "error", None),
                                          getattr(current, "exception", None))
                      if isinstance(inner, BaseException))]
    return None


def _advance(session: Session, rt: Runtime, instance: ProcessInstance, workflow: Any,
             *, refresh_timers: bool = False, workspace: Workspace | None = None,
             known: frozenset[str] | None = None, done: str | None = None) -> None:
    """Run the engine as far as it goes and store the outcome (also a failure). ``known``
    and ``done``: see :func:`_sync_tasks`."""
    token = current_context.set(ServiceTaskContext(session, rt, instance, workspace))
    try:
        if refresh_timers:
            workflow.refresh_timers()
        workflow.do_engine_steps()
    except Exception as error:  # a failing script or service task stops the instance
        refusal = _refusal(error)
        if refusal is not None:  # a record a service task wrote was refused: so is the step
            raise refusal from error
        instance.status = "error"
        instance.error_message = _error_message(error)
        log.warning("process instance %s failed: %s", instance.id, instance.error_message)
    else:
        instance.status = "completed" if workflow.is_completed() else "running"
        instance.error_message = None
    finally:
        current_context.reset(token)
    instance.state = runtime.dump(workflow)
    instance.next_timer_at = runtime.next_timer(workflow) if instance.status == "running" \
        else None
    _sync_tasks(session, rt, instance, runtime.waiting(workflow), known, done)


def _sync_tasks(session: Session, rt: Runtime, instance: ProcessInstance,
                waiting: Mapping[str, Any], known: frozenset[str] | None = None,
                done: str | None = None) -> None:
    """Make the task rows follow the workflow: a row for every user task that began to wait
    (its people get a notice), ``cancelled`` on every ready row whose task waits no more.

    ``waiting``: the user tasks waiting now (``runtime.waiting``). ``known``: those that
    waited before the step, from the workflow the caller loaded (each has its ready row: this
    function made it), ``done`` the one the step completed (its row already moved on in the
    session). With them the ready rows are read only when another of them stopped waiting (a
    boundary event, a cancelled branch); without them they are always read."""
    if known is None or known - waiting.keys() - {done}:
        # Without autoflush: the step's pending changes (the completed task, the instance)
        # are written together with the new task rows in one flush, not by this SELECT. A
        # row this transaction already moved on (the task being completed) still reads
        # "ready" from the database, but the session keeps its new state: skipped here.
        with session.no_autoflush:
            rows = session.scalars(select(Task).where(Task.instance_id == instance.id,
                                                      Task.state == "ready")).all()
        for row in rows:
            if row.state == "ready" and row.spiff_task_id not in waiting:
                row.state = "cancelled"
        known = frozenset(row.spiff_task_id for row in rows) | {done} - {None}
    forms = _forms_by_filename(rt.registry)
    facility = session.get(Facility, instance.facility_id)
    profile = rt.registry.profiles.get(facility.profile_code) if facility else None
    created = []
    for spiff_id, spiff_task in waiting.items():
        if spiff_id in known:
            continue
        task = runtime.ready_task(spiff_task, rt.today)
        created.append(Task(
            instance_id=instance.id, facility_id=instance.facility_id, spiff_task_id=spiff_id,
            name=task.name, title=task.title, form_id=forms.get(task.form_filename or ""),
            role=profile.task_role(instance.unit_function, task.role) if profile else task.role,
            assignee_id=task.assignee_id, subject_id=instance.subject_id,
            due_date=task.due_date))
        session.add(created[-1])
    # the people the new tasks wait for get a notice (ieum.services.notifications)
    tasks_created(session, rt.registry, instance.process_id, created, day=rt.today,
                  actor_id=rt.actor.user_id)


def start_in(session: Session, rt: Runtime, facility_id: int, unit_id: str, process_id: str,
             *, subject_id: int | None, data: Mapping[str, Any],
             started_by: int | None, workspace: Workspace | None = None) -> ProcessInstance:
    """Start a process in a facility on behalf of a service (no grant check, no commit):
    e.g. a referral starts its review in the receiving facility, a catalog application its
    procedure. The caller audits it.

    ``unit_id`` is what the instance is filed under (grants to view it and its tasks follow
    it); ``data`` goes into the first tasks' data with ``facility_id``, ``subject_id`` and
    ``started_by``; ``workspace`` is the starting user's, when there is one (service tasks
    the first steps reach write records as that user). An instance whose first steps fail is
    kept with status ``error`` (the caller decides whether to refuse)."""
    process = rt.registry.processes[process_id]
    workflow = runtime.new_workflow(process, rt.engine())
    initial = {"facility_id": facility_id, "subject_id": subject_id, "started_by": started_by,
               **data}
    for task in workflow.get_tasks(state=runtime.TaskState.READY):
        task.data.update(initial)
    instance = ProcessInstance(
        facility_id=facility_id, unit_function=unit_id, process_id=process.id,
        spec_hash=process.spec_hash, subject_id=subject_id, state={}, started_by_id=started_by)
    session.add(instance)
    session.flush()
    _advance(session, rt, instance, workflow, workspace=workspace, known=frozenset())
    session.flush()
    return instance


@dataclass(frozen=True)
class TaskEvent:
    """A completed task, as a task hook sees it (entry-point group ``ieum.task_hooks``; the
    entry point's name is the id of the process whose tasks it follows). The hook runs in the
    task's transaction before it commits and may refuse with ``ServiceError``. ``workspace``
    is the facility workspace of the user who completed it, ``None`` when the task was
    completed outside one (a public official's decision, a system step)."""

    session: Session
    rt: Runtime
    workspace: Workspace | None
    task: Task
    instance: ProcessInstance


def task_hook(process_id: str) -> Callable[[TaskEvent], None] | None:
    return extensions.objects(extensions.TASK_HOOKS).get(process_id)


def start_data(session: Session, registry: Registry, facility: Facility,
               unit_id: str) -> dict[str, Any]:
    """What packages put into the data of a process a user starts from ``unit_id``'s menu
    (entry-point group ``ieum.process_data``, in name order)."""
    data: dict[str, Any] = {}
    for contribute in extensions.objects(extensions.PROCESS_DATA).values():
        data.update(contribute(session, registry, facility, unit_id) or {})
    return data


@refuse_conflicts(CONFLICT)
def start_process(session: Session, rt: Runtime, workspace: Workspace, unit_id: str,
                  process_id: str, *, subject_id: int | None = None) -> ProcessInstance:
    """Start ``process_id`` of a unit function, for a subject or for the facility."""
    unit, process = _unit_process(rt.registry, workspace, unit_id, process_id)
    if not workspace.permissions.can(unit_id, "create"):
        raise ServiceError(_("이 업무를 시작할 권한이 없습니다."), status=403)
    message = message_started(process)
    if message is not None:  # it would wait at its start for ever
        raise ServiceError(_("이 업무 절차는 '%(name)s' 메시지가 오면 시작됩니다 (POST "
                             "/api/v1/f/<기관>/messages).",
                             name=message), status=409)
    if subject_id is not None and (not is_id(subject_id) or session.scalar(
            select(Subject.id).where(Subject.id == subject_id,
                                     Subject.facility_id == workspace.facility.id)) is None):
        raise ServiceError(_("대상자를 찾을 수 없습니다."), field="subject_id", status=404)
    instance = start_in(
        session, rt, workspace.facility.id, unit.id, process.id, subject_id=subject_id,
        data=start_data(session, rt.registry, workspace.facility, unit.id),
        started_by=workspace.user.id, workspace=workspace)
    record_event(session, "process.start", rt.actor, facility_id=workspace.facility.id,
                 target_type="process_instance", target_id=instance.id, subject_id=subject_id,
                 detail={"unit": unit.id, "process": process.id})
    session.flush()
    session.commit()
    return instance


# --- tasks ---------------------------------------------------------------------------------

def may_work(workspace: Workspace, task: Task) -> bool:
    """Assigned to the user, or unassigned and in a role (lane) the user holds."""
    if task.assignee_id is not None:
        return task.assignee_id == workspace.user.id
    return task.role is None or task.role in workspace.permissions.roles


_TASKS, _INSTANCES, _SUBJECTS = Task.__table__, ProcessInstance.__table__, Subject.__table__
_TASK_COLUMNS = tuple(column.key for column in _TASKS.columns)
_INSTANCE_COLUMNS = tuple(column.key for column in _INSTANCES.columns)
_SUBJECT_COLUMNS = tuple(column.key for column in _SUBJECTS.columns)
#: A task with its instance, in one Core statement (every caller of ``get_task`` reads both);
#: built once, as it is asked on every step. Its rows become the session's objects by
#: ``ieum.store.rows.persistent``, without the ORM's loading.
_TASK_WITH_INSTANCE = (select(*_TASKS.columns, *_INSTANCES.columns)
                       .join_from(_TASKS, _INSTANCES, _TASKS.c.instance_id == _INSTANCES.c.id)
                       .where(_TASKS.c.id == bindparam("task_id"),
                              _TASKS.c.facility_id == bindparam("facility_id")))
#: The same, with what saving the task's form reads next: the instance's subject and the
#: unit's 마감 in the facility (``ieum.services.records.insert_record``): one statement for
#: the three reads of a step.
_TASK_FOR_STEP = (select(*_TASK_WITH_INSTANCE.selected_columns, *_SUBJECTS.columns,
                         closed_through(_TASKS.c.facility_id, _INSTANCES.c.unit_function))
                  .select_from(_TASK_WITH_INSTANCE.get_final_froms()[0]
                               .outerjoin(_SUBJECTS,
                                          _SUBJECTS.c.id == _INSTANCES.c.subject_id))
                  .where(*_TASK_WITH_INSTANCE.whereclause.clauses))


def read_task(session: Session, facility_id: int, task_id: int) -> Task | None:
    """The task ``task_id`` of the facility with its instance (loaded with it), or ``None``."""
    row = _read(session, _TASK_WITH_INSTANCE, facility_id, task_id)
    return None if row is None else _task_of(session, row)


def _read(session: Session, statement: Any, facility_id: int, task_id: int) -> Any:
    autoflush(session)  # as an ORM query would: the read sees the session's changes
    return session.connection().execute(statement, {
        "task_id": task_id, "facility_id": facility_id}).first()


def _task_of(session: Session, row: Any) -> Task:
    """The session's task and instance of a row of ``_TASK_WITH_INSTANCE`` (or longer)."""
    width = len(_TASK_COLUMNS)
    task = persistent(session, Task, dict(zip(_TASK_COLUMNS, row[:width], strict=True)))
    instance = persistent(session, ProcessInstance, dict(zip(
        _INSTANCE_COLUMNS, row[width:width + len(_INSTANCE_COLUMNS)], strict=True)))
    if "instance" not in task.__dict__:
        set_committed_value(task, "instance", instance)
    return task


def _visible(workspace: Workspace, task: Task | None) -> Task:
    if task is None or not (may_work(workspace, task)
                            or workspace.permissions.can(task.instance.unit_function, "view")):
        raise ServiceError(_("업무를 찾을 수 없습니다."), status=404)
    return task


def get_task(session: Session, workspace: Workspace, task_id: int) -> Task:
    """A task of this facility the user may see (their own or their roles'); else 404."""
    task = read_task(session, workspace.facility.id, task_id) if is_id(task_id) else None
    return _visible(workspace, task)


def _task_for_step(session: Session, workspace: Workspace, task_id: int
                   ) -> tuple[Task, Subject | None, Any]:
    """``get_task``, with the instance's subject (the session's: ``insert_record`` finds it
    there while the caller holds it) and the unit's closing date (``UNREAD``: not read)."""
    row = _read(session, _TASK_FOR_STEP, workspace.facility.id, task_id) \
        if is_id(task_id) else None
    if row is None:
        return _visible(workspace, None), None, UNREAD
    task = _visible(workspace, _task_of(session, row))
    start = len(_TASK_COLUMNS) + len(_INSTANCE_COLUMNS)
    values = dict(zip(_SUBJECT_COLUMNS, row[start:-1], strict=True))
    subject = persistent(session, Subject, values) if values["id"] is not None else None
    return task, subject, row[-1]


def task_instructions(rt: Runtime, task: Task) -> str:
    """The HTML of a ready task's ``instructionsForEndUser`` over its data (``""``: none).
    Safe to show as it is: Markdown without raw HTML, templated in Jinja's sandbox."""
    if task.state != "ready":
        return ""
    workflow = runtime.load(task.instance.state, rt.engine())
    spiff_task = runtime.find_task(workflow, task.spiff_task_id)
    return runtime.instructions_html(spiff_task) if spiff_task is not None else ""


def task_scope(rt: Runtime, workspace: Workspace, task: Task) -> FormScope | None:
    """The form a task shows, as a form scope of its unit function (``None``: no form)."""
    if task.form_id is None:
        return None
    unit = rt.registry.unit_functions[task.instance.unit_function]
    profile = rt.registry.profiles[workspace.facility.profile_code]
    return FormScope(workspace, unit, rt.registry.forms[task.form_id],
                     profile.parameters_for(unit.id), rt.today, rt.actor)


def complete_in(session: Session, rt: Runtime, task: Task, values: Mapping[str, Any], *,
                completed_by: int | None, workspace: Workspace | None = None,
                record: Record | None = None) -> ProcessInstance:
    """Complete the ready ``task`` and move its process on as far as it goes, then run the
    process's task hook: THE way to complete a task, for any service (no grant check, no
    audit, no commit: the caller does those in the same transaction). Returns the instance.

    ``values`` go into the task's data for the process to read (conditions, scripts). When
    the task's form was saved as ``record`` (the caller ran the record pipeline), the task row
    keeps its id, and the record's fields the process reads plus ``<task name>_record`` go
    into the data too. ``completed_by`` (a user id, ``None`` for the system) is recorded on the
    task, as ``last_completed_by`` in the data, and as ``case_worker`` of a ``claimsCase`` task
    that has none yet. ``workspace`` is that user's facility workspace when there is one:
    service tasks the step reaches write records as that user, and the task hook gets it.

    Refuses with ``ServiceError`` (409 ``ALREADY_DONE``) a task that is no longer open, and
    (400) a task the engine cannot complete; a later step that fails leaves the instance in
    ``error`` as every step does.
    """
    if task.state != "ready":
        raise ServiceError(str(ALREADY_DONE), status=409)
    instance = task.instance
    workflow = runtime.load(instance.state, rt.engine())
    waiting = runtime.waiting(workflow)  # each has its ready row (see _sync_tasks)
    spiff = waiting.get(task.spiff_task_id)
    if spiff is None:
        raise ServiceError(str(ALREADY_DONE), status=409)
    data: dict[str, Any] = {}
    if record is not None:
        task.record_id = record.id
        wanted = runtime.condition_names(workflow)
        data = {k: v for k, v in record.data.items() if k in wanted}
        data[f"{task.name}_record"] = record.id
    data.update(values)
    data["last_completed_by"] = completed_by
    if completed_by is not None and runtime.properties(spiff).get("claimsCase") == "true" \
            and not spiff.data.get("case_worker"):
        data["case_worker"] = completed_by
    spiff.data.update(data)
    try:
        spiff.run()
    except Exception as error:
        raise ServiceError(_("업무를 마치지 못했습니다: %(error_message)s",
                             error_message=_error_message(error))) from error
    task.state = "completed"
    task.completed_at = utcnow()
    task.completed_by_id = completed_by
    # Set before advancing, so that the instance is written by one UPDATE (state, status,
    # updated_at and the version together) instead of one for the state and another for the
    # time; it bumps the version even when only task rows changed.
    instance.updated_at = utcnow()
    _advance(session, rt, instance, workflow, workspace=workspace,
             known=frozenset(waiting), done=task.spiff_task_id)
    hook = task_hook(instance.process_id)
    if hook is not None:
        hook(TaskEvent(session, rt, workspace, task, instance))
    return instance


def cancel_in(session: Session, instance: ProcessInstance) -> None:
    """Cancel a process on behalf of a service (no grant check, no audit, no commit): a
    running instance stops, with its timers, and its open tasks are cancelled; a finished
    instance keeps its status. E.g. a withdrawn application, a cancelled referral."""
    if instance.status == "running":
        instance.status = "cancelled"
        instance.next_timer_at = None
    for task in session.scalars(select(Task).where(Task.instance_id == instance.id,
                                                   Task.state == "ready")):
        task.state = "cancelled"


@refuse_conflicts(CONFLICT)
def complete_task(session: Session, rt: Runtime, workspace: Workspace, task_id: int,
                  data: Mapping[str, Any]) -> Task:
    """Save the task's form as a record and move the process on, in one transaction."""
    # the subject is held here so that the session keeps it (its identity map is weak)
    task, _subject, closed = _task_for_step(session, workspace, task_id)
    if task.state != "ready":
        raise ServiceError(str(ALREADY_DONE), status=409)
    if not may_work(workspace, task):
        raise ServiceError(_("이 업무를 처리할 권한이 없습니다."), status=403)
    instance = task.instance
    record = None
    scope = task_scope(rt, workspace, task)
    if scope is not None:
        record = insert_record(session, scope, data, draft=False, subject_id=instance.subject_id,
                               closed=closed)
    complete_in(session, rt, task, {}, completed_by=workspace.user.id, workspace=workspace,
                record=record)
    # the completed task, the instance (version-checked), the new tasks and their notices by
    # plain statements, without the unit of work; what it does not take, the audit flushes
    write_pending(session)
    record_event(session, "task.complete", rt.actor, facility_id=instance.facility_id,
                 target_type="task", target_id=task.id, subject_id=instance.subject_id,
                 detail={"process": instance.process_id, "task": task.name,
                         "record": task.record_id})
    session.flush()
    session.commit()
    return task


@refuse_conflicts(CONFLICT)
def claim_task(session: Session, rt: Runtime, workspace: Workspace, task_id: int) -> Task:
    """Take an unassigned task of one's role (맡기)."""
    task = get_task(session, workspace, task_id)
    if task.state != "ready":
        raise ServiceError(str(ALREADY_DONE), status=409)
    if task.assignee_id is not None:
        if task.assignee_id == workspace.user.id:
            return task
        raise ServiceError(_("이미 다른 사람이 맡은 업무입니다."), status=409)
    if not may_work(workspace, task):
        raise ServiceError(_("이 업무를 맡을 권한이 없습니다."), status=403)
    task.assignee_id = workspace.user.id
    record_event(session, "task.claim", rt.actor, facility_id=task.facility_id,
                 target_type="task", target_id=task.id)
    session.commit()
    return task


@dataclass(frozen=True)
class InboxQuery:
    subject_id: int | None = None
    unit_id: str | None = None
    due: str | None = None  # "overdue", "today", "week"
    mine_only: bool = False
    approvals_only: bool = False


def approval_forms(registry: Registry | None) -> frozenset[str]:
    """The forms of the user tasks marked ``approvalStep`` (a decision on a document): their
    waiting tasks are 결재 대기. Without the registry no task is known as one."""
    if registry is None:
        return frozenset()
    return frozenset(task.form for process in registry.processes.values()
                     for task in process.user_tasks if task.approval_step and task.form)


def _inbox_filter(workspace: Workspace, query: InboxQuery, today: dt.date,
                  registry: Registry | None):  # noqa: ANN202
    user_id = workspace.user.id
    roles = sorted(workspace.permissions.roles)
    conditions = [Task.facility_id == workspace.facility.id, Task.state == "ready"]
    if query.mine_only:
        conditions.append(Task.assignee_id == user_id)
    else:
        conditions.append(or_(Task.assignee_id == user_id,
                              and_(Task.assignee_id.is_(None),
                                   or_(Task.role.is_(None), Task.role.in_(roles)))))
    if query.subject_id:  # an id beyond the column's range names no subject: nothing listed
        conditions.append(Task.subject_id == query.subject_id if is_id(query.subject_id)
                          else false())
    if query.approvals_only:
        forms = approval_forms(registry)
        conditions.append(Task.form_id.in_(sorted(forms)) if forms else false())
    if query.unit_id:
        conditions.append(ProcessInstance.unit_function == query.unit_id)
    if query.due == "overdue":
        conditions.append(Task.due_date < today)
    elif query.due == "today":
        conditions.append(Task.due_date == today)
    elif query.due == "week":
        conditions.append(Task.due_date <= today + dt.timedelta(days=7))
    return conditions


def inbox(session: Session, workspace: Workspace, query: InboxQuery, today: dt.date,
          *, limit: int = 200, registry: Registry | None = None) -> list[Task]:
    """나의업무: tasks assigned to the user and unassigned tasks of their roles (only the
    approvals: needs the ``registry``, which marks them)."""
    statement = (select(Task).join(ProcessInstance, Task.instance_id == ProcessInstance.id)
                 .where(*_inbox_filter(workspace, query, today, registry))
                 .order_by(Task.due_date.is_(None), Task.due_date, Task.created_at)
                 .limit(limit))
    return list(session.scalars(statement))


def tasks_due_between(session: Session, workspace: Workspace, first: dt.date,
                      last: dt.date) -> list[Task]:
    """The open tasks of the user's inbox (their own and their roles') due from ``first`` to
    ``last``, by due date (the calendar page)."""
    statement = (select(Task).options(joinedload(Task.instance))
                 .join(ProcessInstance, Task.instance_id == ProcessInstance.id)
                 .where(*_inbox_filter(workspace, InboxQuery(), first, None),
                        Task.due_date >= first, Task.due_date <= last)
                 .order_by(Task.due_date, Task.id))
    return list(session.scalars(statement))


@dataclass(frozen=True)
class InboxCounts:
    mine: int
    roles: int
    overdue: int
    approvals: int = 0


def inbox_counts(session: Session, workspace: Workspace, today: dt.date,
                 registry: Registry | None = None) -> InboxCounts:
    """The dashboard's counts; 결재 대기 (``approvals``) needs the ``registry``."""
    if workspace.facility is None:
        return InboxCounts(0, 0, 0)
    # One statement: each count is the whole inbox's, narrowed by a FILTER clause (what
    # ``_inbox_filter`` adds for mine_only, due="overdue" and approvals_only).
    forms = approval_forms(registry)
    counted = func.count(Task.id)
    everything, mine, overdue, approvals = session.execute(
        select(counted, counted.filter(Task.assignee_id == workspace.user.id),
               counted.filter(Task.due_date < today),
               counted.filter(Task.form_id.in_(sorted(forms)) if forms else false()))
        .join(ProcessInstance, Task.instance_id == ProcessInstance.id)
        .where(*_inbox_filter(workspace, InboxQuery(), today, registry))).one()
    return InboxCounts(mine=mine, roles=everything - mine, overdue=overdue,
                       approvals=approvals)


# --- instances -----------------------------------------------------------------------------

def get_instance(session: Session, workspace: Workspace, instance_id: int) -> ProcessInstance:
    instance = session.scalar(select(ProcessInstance).where(
        ProcessInstance.id == instance_id,
        ProcessInstance.facility_id == workspace.facility.id))
    if instance is None or not workspace.permissions.can(instance.unit_function, "view"):
        raise ServiceError(_("업무 절차를 찾을 수 없습니다."), status=404)
    return instance


def instances_of(session: Session, workspace: Workspace, unit_id: str,
                 *, status: str | None = None) -> list[ProcessInstance]:
    statement = select(ProcessInstance).where(
        ProcessInstance.facility_id == workspace.facility.id,
        ProcessInstance.unit_function == unit_id)
    if status:
        statement = statement.where(ProcessInstance.status == status)
    return list(session.scalars(statement.order_by(ProcessInstance.id.desc()).limit(200)))


@refuse_conflicts(CONFLICT)
def retry_instance(session: Session, rt: Runtime, workspace: Workspace,
                   instance_id: int) -> ProcessInstance:
    """Run the failed step of an instance in error again (an administrator's action)."""
    instance = get_instance(session, workspace, instance_id)
    if not workspace.permissions.can(instance.unit_function, "approve") \
            and not workspace.user.is_platform_admin:
        raise ServiceError(_("오류 난 업무를 다시 실행할 권한이 없습니다."), status=403)
    if instance.status != "error":
        raise ServiceError(_("오류 상태인 업무만 다시 실행할 수 있습니다."), status=409)
    workflow = runtime.load(instance.state, rt.engine())
    runtime.retry(workflow)
    _advance(session, rt, instance, workflow)
    instance.updated_at = utcnow()
    record_event(session, "process.retry", rt.actor, facility_id=instance.facility_id,
                 target_type="process_instance", target_id=instance.id,
                 detail={"status": instance.status, "error": instance.error_message})
    session.flush()
    session.commit()
    return instance


def tick(session: Session, registry: Registry, functions: Mapping[str, ServiceFunction],
         now: dt.datetime) -> int:
    """Fire the timers due by ``now``; each instance is its own transaction. Then run every
    ticker (entry-point group ``ieum.tickers``: ``ticker(session, registry, functions,
    today)``, e.g. the reports' deadline reminders). Returns how many instances moved or
    started."""
    due_ids = session.scalars(select(ProcessInstance.id).where(
        ProcessInstance.status == "running", ProcessInstance.next_timer_at <= now)).all()
    moved = 0
    for instance_id in due_ids:
        instance = session.get(ProcessInstance, instance_id)
        if instance is None or instance.status != "running":
            continue
        rt = Runtime(registry, functions, now.date(), Actor(login="system:tick"))
        workflow = runtime.load(instance.state, rt.engine())
        _advance(session, rt, instance, workflow, refresh_timers=True)
        instance.updated_at = utcnow()
        try:
            session.flush()
        except StaleDataError:
            session.rollback()
            continue
        record_event(session, "process.timer", rt.actor, facility_id=instance.facility_id,
                     target_type="process_instance", target_id=instance.id)
        session.commit()
        moved += 1
    today = now.astimezone(KST).date()
    for ticker in extensions.objects(extensions.TICKERS).values():
        moved += ticker(session, registry, functions, today)
    return moved


# --- progress ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    name: str
    title: str
    state: str  # "done", "current", "todo"
    completed_on: dt.date | None


@dataclass(frozen=True)
class ProgressView:
    """What a package's step-bar contribution sees (entry-point group ``ieum.progress_steps``,
    named like the called process it shows): the instance, its process, and its task rows in
    order."""

    session: Session
    registry: Registry
    instance: ProcessInstance
    process: ProcessDef
    tasks: tuple[Task, ...]


def progress(session: Session, registry: Registry, instance: ProcessInstance) -> list[Step]:
    """The process's user tasks as a step bar: done (with the date), current, still to do;
    then the steps packages give for the processes it calls (``ieum.progress_steps``)."""
    process = registry.processes.get(instance.process_id)
    if process is None:
        return []
    rows = session.scalars(select(Task).where(Task.instance_id == instance.id)
                           .order_by(Task.id)).all()
    done: dict[str, dt.date] = {}
    current = set()
    for row in rows:
        if row.state == "completed" and row.completed_at is not None:
            done[row.name] = row.completed_at.astimezone(KST).date()
        elif row.state == "ready":
            current.add(row.name)
    steps = [Step(name, title,
                  "current" if name in current else "done" if name in done else "todo",
                  done.get(name))
             for name, title in runtime.steps(process)]
    for called, contribute in extensions.objects(extensions.PROGRESS_STEPS).items():
        if called in process.subprocess_specs:
            steps += contribute(ProgressView(session, registry, instance, process, tuple(rows)))
    return steps


def subject_instances(session: Session, workspace: Workspace,
                      subject_id: int) -> list[ProcessInstance]:
    """The processes of one subject in this facility that the user may see, newest first."""
    rows = session.scalars(select(ProcessInstance).where(
        ProcessInstance.facility_id == workspace.facility.id,
        ProcessInstance.subject_id == subject_id).order_by(ProcessInstance.id.desc()))
    return [row for row in rows if workspace.permissions.can(row.unit_function, "view")]


def get_subject(session: Session, workspace: Workspace, subject_id: int) -> Subject:
    subject = session.scalar(select(Subject).where(
        Subject.id == subject_id, Subject.facility_id == workspace.facility.id))
    if subject is None:
        raise ServiceError(_("대상자를 찾을 수 없습니다."), status=404)
    return subject


def instance_tasks(session: Session, instance: ProcessInstance) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.instance_id == instance.id)
                                .order_by(Task.id)))


def task_record(session: Session, task: Task) -> Record | None:
    return session.get(Record, task.record_id) if task.record_id else None


# --- messages ------------------------------------------------------------------------------

#: Why a delivered message reached nothing, or too much (for the API's error body).
NO_RECEIVER = _l("'%(name)s' 메시지를 기다리는 업무 절차가 없고, 이 메시지로 시작하는 업무 "
                 "절차도 없습니다.")
AMBIGUOUS = _l("'%(name)s' 메시지를 기다리는 업무 절차가 %(count)s건입니다. correlation 값으로 "
               "하나를 가리키세요.")


#: Process data the platform writes itself: a message may not set it (``subject_id`` only as a
#: correlation value, which is matched or checked). Names ending in ``_record`` too.
RESERVED_DATA = frozenset({"facility_id", "started_by", "last_completed_by", "case_worker"})


def _refuse_reserved(values: Mapping[str, Any], *, field: str, also: frozenset[str]) -> None:
    for key in values:
        if not isinstance(key, str) or key in RESERVED_DATA | also or key.endswith("_record"):
            raise ServiceError(_("메시지 값에 쓸 수 없는 이름입니다: %(key)s",
                                 key=key), field=field)


@dataclass(frozen=True)
class Delivery:
    """What a delivered message did: ``resumed`` a waiting instance or ``started`` one."""

    outcome: str
    instance: ProcessInstance


def _message_definition(task_spec: Any, name: str) -> Any:
    definition = getattr(task_spec, "event_definition", None)
    if isinstance(definition, MessageEventDefinition) and definition.name == name:
        return definition
    return None


def _message_processes(registry: Registry, name: str) -> tuple[set[str], set[str]]:
    """The ids of processes that wait somewhere for message ``name`` (an intermediate catch
    event, a receive task, a boundary event) and of those a message ``name`` starts."""
    waiting, starting = set(), set()
    for process in registry.processes.values():
        for spec in (process.spec, *process.subprocess_specs.values()):
            for task_spec in spec.task_specs.values():
                if _message_definition(task_spec, name) is None:
                    continue
                if isinstance(task_spec, StartEvent) and spec is process.spec:
                    starting.add(process.id)
                else:
                    waiting.add(process.id)
    return waiting, starting


def message_started(process: ProcessDef) -> str | None:
    """The message that starts ``process`` when every start event of it waits for one (such
    a process is started by :func:`deliver_message`, never from a menu), else ``None``."""
    starts = [spec for spec in process.spec.task_specs.values() if isinstance(spec, StartEvent)]
    names = [getattr(getattr(spec, "event_definition", None), "name", None) for spec in starts
             if isinstance(getattr(spec, "event_definition", None), MessageEventDefinition)]
    return names[0] if starts and len(names) == len(starts) else None


def _correlates(data: Mapping[str, Any], correlation: Mapping[str, Any]) -> bool:
    from ieum.forms.validation import json_key

    return all(key in data and json_key(data[key]) == json_key(value)
               for key, value in correlation.items())


def _deliver_to(task: Any, definition: Any, payload: Mapping[str, Any]) -> None:
    if getattr(definition, "message_var", None) is None:
        task.data.update(payload)  # no messageVariable: the values join the task data
    task.workflow.top_workflow.catch(BpmnEvent(definition, dict(payload)))


@refuse_conflicts(CONFLICT)
def deliver_message(session: Session, rt: Runtime, workspace: Workspace, name: str, *,
                    correlation: Mapping[str, Any] | None = None,
                    payload: Mapping[str, Any] | None = None) -> Delivery:
    """Deliver message ``name`` in the user's facility.

    A running instance waiting for it (an intermediate catch event, a receive task) whose
    task data has every ``correlation`` value (JSON equality) gets it and moves on; the
    ``payload`` goes into the variable the BPMN names (``spiffworkflow:messageVariable``), or
    into the task data. When no instance waits, a process of the facility's unit functions
    that a message ``name`` starts is started, with the correlation values and the payload in
    its data (a ``subject_id`` among them must be a subject of the facility). Refused with 404
    when nothing takes it, 409 when several waiting instances match, 403 without the unit's
    ``update`` grant (``create`` to start), 400 for a value the platform keeps itself
    (:data:`RESERVED_DATA`, ``*_record``, ``subject_id`` outside ``correlation``). Only units
    the user may view are searched; audited as ``process.message``."""
    facility = workspace.facility
    if facility is None:
        raise ServiceError(_("기관을 찾을 수 없습니다."), status=404)
    correlation = dict(correlation or {})
    _refuse_reserved(correlation, field="correlation", also=frozenset())
    _refuse_reserved(payload or {}, field="data", also=frozenset({"subject_id"}))
    payload = {**dict(payload or {}), **correlation}
    profile = rt.registry.profiles.get(facility.profile_code)
    units = [rt.registry.unit_functions[u] for u in (profile.unit_ids if profile else ())
             if u in rt.registry.unit_functions and workspace.permissions.can(u, "view")]
    waiting_ids, starting_ids = _message_processes(rt.registry, name)
    engine = rt.engine()
    matches: list[tuple[ProcessInstance, Any, list[tuple[Any, Any]]]] = []
    if waiting_ids:
        candidates = session.scalars(select(ProcessInstance).where(
            ProcessInstance.facility_id == facility.id, ProcessInstance.status == "running",
            ProcessInstance.process_id.in_(sorted(waiting_ids)),
            ProcessInstance.unit_function.in_([u.id for u in units]))
            .order_by(ProcessInstance.id)).all()
        for instance in candidates:
            workflow = runtime.load(instance.state, engine)
            receivers = [(task, definition) for task in workflow.get_tasks(
                state=runtime.TaskState.WAITING)
                if (definition := _message_definition(task.task_spec, name)) is not None
                and _correlates(task.data, correlation)]
            if receivers:
                matches.append((instance, workflow, receivers))
    if len(matches) > 1:
        raise ServiceError(_(AMBIGUOUS.message, name=name, count=len(matches)), status=409)
    if matches:
        instance, workflow, receivers = matches[0]
        if not workspace.permissions.can(instance.unit_function, "update"):
            raise ServiceError(_("이 업무 절차에 메시지를 보낼 권한이 없습니다."), status=403)
        task, definition = receivers[0]
        _deliver_to(task, definition, payload)
        _advance(session, rt, instance, workflow, workspace=workspace)
        delivery = Delivery("resumed", instance)
    else:
        delivery = _start_by_message(session, rt, workspace, units, starting_ids, name,
                                     correlation, payload)
    instance = delivery.instance
    record_event(session, "process.message", rt.actor, facility_id=facility.id,
                 target_type="process_instance", target_id=instance.id,
                 subject_id=instance.subject_id,
                 detail={"message": name, "outcome": delivery.outcome,
                         "process": instance.process_id, "unit": instance.unit_function,
                         "correlation_keys": sorted(correlation)})
    session.flush()
    session.commit()
    return delivery


def _start_by_message(session: Session, rt: Runtime, workspace: Workspace,
                      units: list[UnitFunction], starting_ids: set[str], name: str,
                      correlation: Mapping[str, Any], payload: Mapping[str, Any]) -> Delivery:
    facility = workspace.facility
    found = [(unit, process_id) for unit in units for process_id in unit.processes
             if process_id in starting_ids]
    if not found:
        raise ServiceError(_(NO_RECEIVER.message, name=name), status=404)
    if len(found) > 1:
        raise ServiceError(_("'%(name)s' 메시지로 시작하는 업무 절차가 %(count)s개입니다 "
                             "(%(processes)s).",
                             name=name, count=len(found),
                             processes=', '.join(p for _u, p in found)), status=409)
    unit, process_id = found[0]
    if not workspace.permissions.can(unit.id, "create"):
        raise ServiceError(_("이 업무를 시작할 권한이 없습니다."), status=403)
    subject_id = correlation.get("subject_id", payload.get("subject_id"))
    if subject_id is not None and (not is_id(subject_id) or session.scalar(
            select(Subject.id).where(Subject.id == subject_id,
                                     Subject.facility_id == facility.id)) is None):
        raise ServiceError(_("대상자를 찾을 수 없습니다."), field="subject_id", status=404)
    process = rt.registry.processes[process_id]
    workflow = runtime.new_workflow(process, rt.engine())
    initial = {"facility_id": facility.id, "subject_id": subject_id,
               "started_by": workspace.user.id}
    for task in workflow.get_tasks(state=runtime.TaskState.READY):
        task.data.update(initial)
    instance = ProcessInstance(
        facility_id=facility.id, unit_function=unit.id, process_id=process.id,
        spec_hash=process.spec_hash, subject_id=subject_id, state={},
        started_by_id=workspace.user.id)
    session.add(instance)
    session.flush()
    workflow.do_engine_steps()  # up to the message start event, which waits
    receivers = [(task, definition) for task in workflow.get_tasks(
        state=runtime.TaskState.WAITING)
        if (definition := _message_definition(task.task_spec, name)) is not None]
    if not receivers:  # the BPMN changed under us: nothing waits at the start
        raise ServiceError(_(NO_RECEIVER.message, name=name), status=404)
    _deliver_to(*receivers[0], payload)
    _advance(session, rt, instance, workflow, workspace=workspace)
    return Delivery("started", instance)
