"""``/api/v1``: the generated screens' operations as JSON (same services, same errors)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request

from ieum.forms.fields import field_tree
from ieum.i18n import gettext as _
from ieum.services import ServiceError, is_id, records
from ieum.services.records import attachments as files
from ieum.services.workspace import open_workspace
from ieum.web.api import timestamp, token_required
from ieum.web.context import actor_for, db_session, registry, today
from ieum.web.records import attachment_folder

bp = Blueprint("api_records", __name__,
               url_prefix="/api/v1/f/<facility_code>/u/<unit_id>/<form_id>")


def _scope(facility_code: str, unit_id: str, form_id: str) -> records.FormScope:
    workspace = open_workspace(db_session(), registry(), g.api_user, facility_code, today())
    return records.open_form(registry(), workspace, unit_id, form_id, today(),
                             actor_for(g.api_user))


def _json(record, scope: records.FormScope | None = None) -> dict[str, Any]:  # noqa: ANN001
    data, hidden = (records.shown_data(scope, records.form_of(db_session(), registry(), record),
                                       record) if scope else (record.data, frozenset()))
    return {
        "id": record.id,
        "version": record.version,
        "status": record.status,
        "form_id": record.form_id,
        "form_version": record.form_version,
        "subject_id": record.subject_id,
        "entry_date": record.entry_date.isoformat() if record.entry_date else None,
        "created_at": timestamp(record.created_at),
        "updated_at": timestamp(record.updated_at),
        "data": data,
        "private_hidden": sorted(hidden),
    }


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ServiceError(_("요청 본문은 JSON 객체여야 합니다."))
    data = body.get("data")
    if not isinstance(data, dict):
        raise ServiceError(_("data는 JSON 객체여야 합니다."), field="data")
    draft = body.get("draft", False)
    if not isinstance(draft, bool):
        raise ServiceError(_("draft는 true 또는 false여야 합니다."), field="draft")
    for name in ("subject_id", "version"):  # the same rules wherever the body is read
        value = body.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise ServiceError(_("%(name)s는 정수여야 합니다.", name=name), field=name)
    subject_id = body.get("subject_id")
    if subject_id is not None and not is_id(subject_id):
        raise ServiceError(_("subject_id는 1 이상의 대상자 번호여야 합니다."), field="subject_id")
    return body


def _invalid(invalid: records.FormInvalid):  # noqa: ANN202
    return jsonify({"error": invalid.message, "status": 400, "fields": invalid.errors}), 400


@bp.get("/schema")
@token_required
def schema(facility_code: str, unit_id: str, form_id: str):
    scope = _scope(facility_code, unit_id, form_id)
    return jsonify(scope.form.schema_dict())


@bp.get("/records")
@token_required
def list_records(facility_code: str, unit_id: str, form_id: str):
    scope = _scope(facility_code, unit_id, form_id)
    query = records.parse_list_query(scope.tree, request.args)
    page = records.list_records(db_session(), scope, query)
    return jsonify({"items": [_json(r, scope) for r in page.items], "total": page.total,
                    "page": page.page, "per_page": page.per_page, "pages": page.pages})


@bp.post("/records")
@token_required
def create(facility_code: str, unit_id: str, form_id: str):
    scope = _scope(facility_code, unit_id, form_id)
    body = _body()
    subject_id = body.get("subject_id")
    try:
        record = records.create_record(db_session(), scope, body["data"],
                                       draft=body.get("draft", False), subject_id=subject_id)
    except records.FormInvalid as invalid:
        return _invalid(invalid)
    return jsonify(_json(record, scope)), 201


@bp.post("/validate")
@token_required
def validate(facility_code: str, unit_id: str, form_id: str):
    """Check values without saving (what a client shows before the person presses 저장)."""
    scope = _scope(facility_code, unit_id, form_id)
    body = _body()
    outcome = records.validate(scope, body["data"], draft=bool(body.get("draft")))
    return jsonify({"ok": outcome.ok, "fields": outcome.errors, "data": outcome.data})


@bp.get("/records/<int:record_id>")
@token_required
def read(facility_code: str, unit_id: str, form_id: str, record_id: int):
    scope = _scope(facility_code, unit_id, form_id)
    record = records.get_record(db_session(), scope, record_id)
    records.audit_view(db_session(), scope, record,
                       records.form_of(db_session(), registry(), record))
    return jsonify(_json(record, scope))


@bp.post("/records/<int:record_id>/reveal/<field_name>")
@token_required
def reveal(facility_code: str, unit_id: str, form_id: str, record_id: int, field_name: str):
    """The full resident number of one field (grant ``reveal_rrn``; body {"reason": ...})."""
    scope = _scope(facility_code, unit_id, form_id)
    body = request.get_json(silent=True)
    reason = body.get("reason") if isinstance(body, dict) else None
    number = records.reveal_rrn(db_session(), registry(), scope, record_id, field_name, reason)
    return jsonify({"field": field_name, "value": number})


@bp.put("/records/<int:record_id>")
@token_required
def update(facility_code: str, unit_id: str, form_id: str, record_id: int):
    scope = _scope(facility_code, unit_id, form_id)
    body = _body()
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ServiceError(_("수정할 기록의 버전(version)이 필요합니다."), field="version")
    try:
        record = records.update_record(db_session(), registry(), scope, record_id,
                                       body["data"], expected_version=version,
                                       draft=bool(body.get("draft")))
    except records.FormInvalid as invalid:
        return _invalid(invalid)
    return jsonify(_json(record, scope))


@bp.delete("/records/<int:record_id>")
@token_required
def delete(facility_code: str, unit_id: str, form_id: str, record_id: int):
    scope = _scope(facility_code, unit_id, form_id)
    version = request.args.get("version", type=int)
    records.delete_record(db_session(), scope, record_id, expected_version=version)
    return "", 204


@bp.post("/files/<field_name>")
@token_required
def upload(facility_code: str, unit_id: str, form_id: str, field_name: str):
    """Upload a file for a file field; put the returned id in the record's data."""
    scope = _scope(facility_code, unit_id, form_id)
    scope.require("create")
    item = field_tree(scope.form).top(field_name)
    if item is None or item.kind != "file":
        raise ServiceError(_("파일 항목이 아닙니다."), field=field_name, status=404)
    storage = request.files.get("file")
    if storage is None:
        raise ServiceError(_("file 항목으로 파일을 보내세요."), field="file")
    kept = files.keep_upload(db_session(), attachment_folder(), scope.facility, scope.user,
                             item, storage.filename or "", storage.stream)
    return jsonify({"id": kept.id, "filename": kept.filename, "size": kept.size,
                    "sha256": kept.sha256}), 201
