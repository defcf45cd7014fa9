"""담당자 변경요청 → 요청변경승인: an approved request changes the assigned worker.

The self-reliance manual (seed 004, 담당자 변경): a case manager asks for another worker
(변경요청), the team leader approves (요청변경승인) or returns it (요청반려); an approved request
makes the named worker the subject's 담당자. The process ``worker_change`` (unit
``case_assignment``) records the request and the decision; this task hook (entry-point group
``ieum.task_hooks``, named after the process) applies an approval in the decision's own
transaction: the subject's worker in every unit of the facility that keeps a case list
(``case_list``) where the subject has a case, or in all of them when none has one yet.

A request naming someone who may not take the case (not a current staff member with the
unit's ``create`` grant) is refused when it is approved, with a Korean message, and nothing of
the decision is kept.
"""

from __future__ import annotations

from sqlalchemy import select

from ieum.i18n import gettext as _
from ieum.services import ServiceError
from ieum.services.subjects import cases
from ieum.services.workflows import TaskEvent
from ieum.store.models import Record, Subject, Task, User

REQUEST_FORM = "worker_change_request"
DECISION_FORM = "approval_decision"


def on_task(event: TaskEvent) -> None:
    """After the 팀장's decision: an approval (the process ended as 요청변경승인) assigns."""
    task, instance, session = event.task, event.instance, event.session
    if task.form_id != DECISION_FORM or instance.status != "completed" \
            or instance.subject_id is None or event.workspace is None:
        return
    decision = session.get(Record, task.record_id) if task.record_id else None
    if decision is None or decision.data.get("decision") != "approve":
        return
    request = session.scalar(
        select(Record).join(Task, Task.record_id == Record.id)
        .where(Task.instance_id == instance.id, Task.form_id == REQUEST_FORM)
        .order_by(Task.id.desc()).limit(1))
    subject = session.get(Subject, instance.subject_id)
    if request is None or subject is None:
        return
    login = str(request.data.get("new_worker_login") or "").strip()
    user = session.scalar(select(User).where(User.login == login))
    registry, workspace = event.rt.registry, event.workspace
    profile = registry.profiles[workspace.facility.profile_code]
    units = [unit_id for unit_id in profile.unit_ids
             if (registry.unit_functions[unit_id].case_list or {}).get("worker_from")]
    having = [unit_id for unit_id in units if cases.assigned_worker(subject, unit_id)]
    for unit_id in having or units:
        allowed = {w.user_id for w in cases.workers(session, registry, workspace, unit_id,
                                                    event.rt.today)}
        if user is None or user.id not in allowed:
            raise ServiceError(_("요청한 담당자(%(login)s)는 이 기관에서 이 사례를 맡을 수 "
                                 "있는 직원이 아닙니다. 요청을 반려하세요.", login=login[:40]),
                               status=409)
        cases.assign_worker(session, subject, unit_id, user, event.rt.actor,
                            by="approved_request")
