"""결재 올리기: send a document already saved (the 인건비 지출결의서 made by 급여대장 확정, a
결의서 or 품의서 saved from its list) along its unit's approval process.

The unit's approval process starts with the writer's task on the same form (결의서 작성);
submitting starts the process and completes that first task with the saved record, so the
document goes straight to the first approver of the facility's 결재선 — nobody types it again,
and it is not handed to another role to write. A document is submitted once: while its
process runs, or after it was approved, it is refused (409); after a 반려 it may be corrected
and submitted again.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.access.audit import record_event
from ieum.definitions import Registry
from ieum.definitions.model import ProcessDef, UnitFunction
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError
from ieum.services import workflows as flows
from ieum.services.conflicts import refuse_conflicts
from ieum.services.records import get_record, open_form
from ieum.services.workspace import Workspace
from ieum.store.models import ProcessInstance, Record, Task

DECISION_FORM = "approval_decision"
CONFLICT = _l("다른 사용자가 먼저 이 문서의 결재를 올리거나 고쳤습니다. 화면을 새로 고치세요.")


def submission_process(registry: Registry, unit: UnitFunction,
                       form_id: str) -> ProcessDef | None:
    """The unit's process whose writer's task (a user task that is no approval step) writes
    ``form_id``: its 결재 절차."""
    for process_id in unit.processes:
        process = registry.processes.get(process_id)
        if process is not None and any(task.form == form_id and not task.approval_step
                                       for task in process.user_tasks):
            return process
    return None


def instance_of(session: Session, record: Record) -> ProcessInstance | None:
    """The latest process a task of which saved (or was completed with) ``record``."""
    return session.scalar(
        select(ProcessInstance).join(Task, Task.instance_id == ProcessInstance.id)
        .where(Task.record_id == record.id, ProcessInstance.facility_id == record.facility_id)
        .order_by(ProcessInstance.id.desc()).limit(1))


def may_submit(session: Session, registry: Registry, unit: UnitFunction, record: Record,
               workspace: Workspace, found: ProcessInstance | None) -> bool:
    """Whether the detail page offers 결재 올리기 for ``record``, whose latest process
    (:func:`instance_of`, read by the caller) is ``found``."""
    if record.status != "final" or not workspace.permissions.can(unit.id, "create") \
            or submission_process(registry, unit, record.form_id) is None:
        return False
    return found is None or (found.status in ("completed", "cancelled")
                             and not approved(session, found))


def approved(session: Session, instance: ProcessInstance) -> bool:
    """A finished approval whose last decision (결재 의견) was 승인, not 반려."""
    if instance.status != "completed":
        return False
    last = session.scalar(
        select(Record.data).join(Task, Task.record_id == Record.id)
        .where(Task.instance_id == instance.id, Task.form_id == DECISION_FORM,
               Task.state == "completed")
        .order_by(Task.completed_at.desc(), Task.id.desc()).limit(1))
    return isinstance(last, dict) and last.get("decision") == "approve"


@refuse_conflicts(CONFLICT)
def submit(session: Session, rt: flows.Runtime, workspace: Workspace, unit_id: str,
           form_id: str, record_id: int) -> ProcessInstance:
    """Start the unit's approval process with the saved record as the writer's step; one
    transaction (committed, or nothing kept when refused).

    Refused: no ``create`` grant (403); a record of another facility, unit or form, or a form
    without an approval process (404); a draft (409: save it first); a record whose approval
    runs or was approved (409)."""
    scope = open_form(rt.registry, workspace, unit_id, form_id, rt.today, rt.actor)
    scope.require("create")
    record = get_record(session, scope, record_id)
    process = submission_process(rt.registry, scope.unit, form_id)
    if process is None:
        raise ServiceError(_("결재 절차가 없는 문서입니다."), status=404)
    if record.status == "draft":
        raise ServiceError(_("임시저장된 문서는 결재를 올릴 수 없습니다. 수정에서 빠진 항목을 "
                             "채워 저장한 뒤 결재를 올리세요."), status=409)
    previous = instance_of(session, record)
    if previous is not None and previous.status in ("running", "error"):
        raise ServiceError(_("이미 결재 중인 문서입니다 (결재 #%(id)s).", id=previous.id),
                           status=409)
    if previous is not None and approved(session, previous):
        raise ServiceError(_("이미 결재가 끝난 문서입니다 (결재 #%(id)s).", id=previous.id),
                           status=409)
    instance = flows.start_in(
        session, rt, workspace.facility.id, unit_id, process.id, subject_id=record.subject_id,
        data=flows.start_data(session, rt.registry, workspace.facility, unit_id),
        started_by=workspace.user.id, workspace=workspace)
    task = session.scalar(select(Task).where(Task.instance_id == instance.id,
                                             Task.state == "ready", Task.form_id == form_id))
    if task is None:
        raise ServiceError(_("결재 절차를 시작하지 못했습니다."), status=409)
    flows.complete_in(session, rt, task, {}, completed_by=workspace.user.id,
                      workspace=workspace, record=record)
    record_event(session, "approval.submit", rt.actor, facility_id=workspace.facility.id,
                 target_type="record", target_id=record.id, subject_id=record.subject_id,
                 detail={"unit": unit_id, "form": form_id, "instance": instance.id})
    session.flush()
    session.commit()
    return instance
