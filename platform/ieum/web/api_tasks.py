"""``/api/v1``: start processes, list my tasks, read a task with its form, complete it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request

from ieum.i18n import gettext as _
from ieum.services import ServiceError, records
from ieum.services import workflows as flows
from ieum.services.transactions import transaction
from ieum.services.workspace import Workspace, open_workspace
from ieum.web.api import timestamp, token_required
from ieum.web.context import actor_for, db_session, functions, registry, today

bp = Blueprint("api_tasks", __name__, url_prefix="/api/v1/f/<facility_code>")

#: ``complete_task`` (which commits) rolled back when refused, by the service layer.
_complete_task = transaction(flows.complete_task)
_deliver = transaction(flows.deliver_message)


def _workspace(facility_code: str) -> Workspace:
    return open_workspace(db_session(), registry(), g.api_user, facility_code, today())


def _runtime() -> flows.Runtime:
    return flows.Runtime(registry(), functions(), today(), actor_for(g.api_user))


def _task(task) -> dict[str, Any]:  # noqa: ANN001 - a Task row
    return {"id": task.id, "name": task.name, "title": task.title, "state": task.state,
            "form_id": task.form_id, "role": task.role, "assignee_id": task.assignee_id,
            "subject_id": task.subject_id, "instance_id": task.instance_id,
            "unit": task.instance.unit_function,
            "due_date": task.due_date.isoformat() if task.due_date else None,
            "record_id": task.record_id, "created_at": timestamp(task.created_at)}


def _instance(instance) -> dict[str, Any]:  # noqa: ANN001 - a ProcessInstance row
    tasks = flows.instance_tasks(db_session(), instance)
    steps = flows.progress(db_session(), registry(), instance)
    return {"id": instance.id, "process_id": instance.process_id, "status": instance.status,
            "unit": instance.unit_function, "subject_id": instance.subject_id,
            "version": instance.version, "error": instance.error_message,
            "tasks": [_task(t) for t in tasks],
            "steps": [{"name": s.name, "title": s.title, "state": s.state,
                       "completed_on": s.completed_on.isoformat() if s.completed_on else None}
                      for s in steps]}


@bp.post("/u/<unit_id>/processes/<process_id>")
@token_required
def start(facility_code: str, unit_id: str, process_id: str):
    # No body at all means no subject; anything sent must be a JSON object ("" or [] too).
    body = request.get_json(silent=True) if request.get_data() else {}
    if not isinstance(body, dict):
        raise ServiceError(_("요청 본문은 JSON 객체여야 합니다."))
    subject_id = body.get("subject_id")
    if subject_id is not None and (not isinstance(subject_id, int) or isinstance(subject_id,
                                                                                 bool)):
        raise ServiceError(_("subject_id는 정수여야 합니다."), field="subject_id")
    instance = flows.start_process(db_session(), _runtime(), _workspace(facility_code),
                                   unit_id, process_id, subject_id=subject_id)
    return jsonify(_instance(instance)), 201


@bp.get("/processes/<int:instance_id>")
@token_required
def instance(facility_code: str, instance_id: int):
    item = flows.get_instance(db_session(), _workspace(facility_code), instance_id)
    return jsonify(_instance(item))


@bp.get("/tasks")
@token_required
def inbox(facility_code: str):
    ws = _workspace(facility_code)
    due = request.args.get("due")
    query = flows.InboxQuery(subject_id=request.args.get("subject", type=int),
                             unit_id=request.args.get("unit") or None,
                             due=due if due in ("overdue", "today", "week") else None,
                             mine_only=request.args.get("mine") == "1",
                             approvals_only=request.args.get("approvals") == "1")
    items = flows.inbox(db_session(), ws, query, today(), registry=registry())
    counts = flows.inbox_counts(db_session(), ws, today(), registry())
    return jsonify({"items": [_task(t) for t in items],
                    "counts": {"mine": counts.mine, "roles": counts.roles,
                               "overdue": counts.overdue, "approvals": counts.approvals}})


@bp.get("/tasks/<int:task_id>")
@token_required
def read(facility_code: str, task_id: int):
    ws = _workspace(facility_code)
    task = flows.get_task(db_session(), ws, task_id)
    scope = flows.task_scope(_runtime(), ws, task)
    body = _task(task)
    body["form_schema"] = scope.form.schema_dict() if scope else None
    body["instructions_html"] = flows.task_instructions(_runtime(), task) or None
    body["may_work"] = flows.may_work(ws, task)
    return jsonify(body)


@bp.post("/tasks/<int:task_id>/claim")
@token_required
def claim(facility_code: str, task_id: int):
    task = flows.claim_task(db_session(), _runtime(), _workspace(facility_code), task_id)
    return jsonify(_task(task))


@bp.post("/tasks/<int:task_id>/complete")
@token_required
def complete(facility_code: str, task_id: int):
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ServiceError(_("요청 본문은 JSON 객체여야 합니다."))
    data = body.get("data", {})
    if not isinstance(data, dict):
        raise ServiceError(_("data는 JSON 객체여야 합니다."), field="data")
    try:
        task = _complete_task(db_session(), _runtime(), _workspace(facility_code), task_id,
                              data)
    except records.FormInvalid as invalid:
        return jsonify({"error": invalid.message, "status": 400, "fields": invalid.errors}), 400
    return jsonify({"task": _task(task), "instance": _instance(task.instance)})


@bp.post("/messages")
@token_required
def message(facility_code: str):
    """Deliver a BPMN message: ``{"name", "correlation": {...}, "data": {...}}``."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ServiceError(_("요청 본문은 JSON 객체여야 합니다."))
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ServiceError(_("메시지 이름(name)을 적으세요."), field="name")
    correlation, data = body.get("correlation", {}), body.get("data", {})
    if not isinstance(correlation, dict):
        raise ServiceError(_("correlation은 JSON 객체여야 합니다."), field="correlation")
    if not isinstance(data, dict):
        raise ServiceError(_("data는 JSON 객체여야 합니다."), field="data")
    delivery = _deliver(db_session(), _runtime(), _workspace(facility_code), name.strip(),
                        correlation=correlation, payload=data)
    return jsonify({"outcome": delivery.outcome, "instance": _instance(delivery.instance)}), \
        201 if delivery.outcome == "started" else 200


@bp.post("/processes/<int:instance_id>/retry")
@token_required
def retry(facility_code: str, instance_id: int):
    item = flows.retry_instance(db_session(), _runtime(), _workspace(facility_code),
                                instance_id)
    return jsonify(_instance(item))
