"""``/api/v1``: the program catalog as JSON — published programs, and applications filed by a
facility (신청대행). The same services as the screens, so the same checks and messages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request

from ieum.catalog.definition import to_mapping
from ieum.i18n import gettext as _
from ieum.services import ServiceError, is_id
from ieum.services import catalog as programs
from ieum.services import workflows as flows
from ieum.services.catalog import applications as apps
from ieum.services.catalog import decisions
from ieum.services.records import sensitive
from ieum.services.workspace import open_workspace
from ieum.web.api import timestamp, token_required
from ieum.web.context import actor_for, db_session, functions, registry, today
from ieum.web.openapi_parts import responses

bp = Blueprint("api_catalog", __name__, url_prefix="/api/v1")


def _summary(item: programs.Published) -> dict[str, Any]:
    definition = item.definition
    return {"code": item.code, "name": item.name, "version": item.number,
            "owner": definition.owner, "target_group": list(definition.target_group),
            "survey_type": definition.survey_type, "benefit_type": definition.benefit_type,
            "delivery_cycle": definition.delivery_cycle, "description": definition.description}


@bp.get("/programs")
@token_required
def list_programs():
    return jsonify({"items": [_summary(p) for p in programs.published_programs(db_session())]})


@bp.get("/programs/<code>")
@token_required
def get_program(code: str):
    item = programs.published_version(db_session(), code[:64])
    return jsonify({**_summary(item), "definition": to_mapping(item.definition),
                    "common_application": dict(apps.common_form().schema_dict())})


def _application_json(application: Any) -> dict[str, Any]:
    common, _hidden = sensitive.shown(apps.common_form(), application.common_data,
                                      sees_private=True)
    version = application.program_version
    return {"id": application.id, "version": application.version,
            "program": version.program.code, "program_version": version.number,
            "subject_id": application.subject_id, "person_name": application.person_name,
            "status": application.status, "decision": application.decision,
            "decided_by": application.decided_by, "benefit": application.benefit,
            "income_recognition": application.income_recognition,
            "threshold": application.threshold, "reasons": list(application.reasons),
            "computation": [list(line) for line in application.computation],
            "common": common, "annex": application.annex_data,
            "household": application.household,
            "created_at": timestamp(application.created_at)}


def _dict(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name, {})
    if not isinstance(value, dict):
        raise ServiceError(_("%(name)s는 JSON 객체여야 합니다.", name=name), field=name)
    return value


@bp.post("/f/<facility_code>/applications")
@token_required
def create_application(facility_code: str):
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ServiceError(_("요청 본문은 JSON 객체여야 합니다."))
    codes = body.get("programs")
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes) \
            or len(codes) > 10:
        raise ServiceError(_("programs는 사업 코드(문자열) 1~10개의 목록이어야 합니다."),
                           field="programs")
    subject_id = body.get("subject_id")
    if subject_id is not None and not is_id(subject_id):
        raise ServiceError(_("대상자를 찾을 수 없습니다."), field="subject_id", status=404)
    person_name = body.get("person_name", "")
    if not isinstance(person_name, str):
        raise ServiceError(_("person_name은 문자열이어야 합니다."), field="person_name")
    annexes = _dict(body, "annexes")
    if not all(isinstance(v, dict) for v in annexes.values()):
        raise ServiceError(_("annexes의 값은 사업 코드별 JSON 객체여야 합니다."), field="annexes")
    session = db_session()
    ws = open_workspace(session, registry(), g.api_user, facility_code, today())
    filing = apps.Filing(codes=[c[:64] for c in codes], subject_id=subject_id,
                         person_name=person_name[:100], common=_dict(body, "common"),
                         household=_dict(body, "household"), annexes=annexes)
    rt = flows.Runtime(registry(), functions(), today(), actor_for(g.api_user))
    try:
        filed = apps.file_applications(session, rt, ws, filing)
    except ServiceError:
        session.rollback()
        raise
    return jsonify({"items": [_application_json(a) for a in filed]}), 201


@bp.get("/f/<facility_code>/applications/<int:application_id>")
@token_required
def get_application(facility_code: str, application_id: int):
    session = db_session()
    ws = open_workspace(session, registry(), g.api_user, facility_code, today())
    found = apps.get_application(session, ws, application_id, actor_for(g.api_user))
    return jsonify(_application_json(found))


@bp.get("/f/<facility_code>/applications/<int:application_id>/decision")
@token_required
def get_decision(facility_code: str, application_id: int):
    """The latest decision record of an application: its trace (values, formulas, dated
    parameters, citations), hash and audit row (the export is audited)."""
    session = db_session()
    ws = open_workspace(session, registry(), g.api_user, facility_code, today())
    found = apps.get_application(session, ws, application_id, actor_for(g.api_user))
    record = decisions.latest_record(session, found)
    if record is None:
        raise ServiceError(_("아직 결정 기록이 없습니다."), status=404)
    return jsonify(decisions.export(session, record, actor_for(g.api_user)))




def _responses(ok: str, schema: dict[str, Any], *codes: int) -> dict[str, Any]:
    return responses(ok, schema, *codes, titles={409: "폐지된 사업 또는 동시 변경"})


def openapi_paths() -> dict[str, Any]:
    """The catalog's part of ``/api/v1/openapi.json``."""
    facility = {"name": "facility_code", "in": "path", "required": True,
                "schema": {"type": "string"}}
    application = {"$ref": "#/components/schemas/CatalogApplication"}
    return {
        "/api/v1/programs": {"get": {
            "summary": "게시된 복지사업 목록",
            "responses": _responses("200", {"type": "object", "properties": {"items": {
                "type": "array", "items": {"$ref": "#/components/schemas/CatalogProgram"}}}},
                401)}},
        "/api/v1/programs/{code}": {
            "parameters": [{"name": "code", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "get": {"summary": "게시된 복지사업 정의와 공통 신청서 양식",
                    "responses": _responses("200", {"type": "object"}, 401, 404)}},
        "/api/v1/f/{facility_code}/applications": {
            "parameters": [facility],
            "post": {"summary": "복지사업 신청 (신청대행: 공통 신청서 한 번, 사업별 별지)",
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": {"$ref": "#/components/schemas/CatalogFiling"}}}},
                     "responses": _responses("201", {"type": "object", "properties": {
                         "items": {"type": "array", "items": application}}},
                         400, 401, 403, 404, 409)}},
        "/api/v1/f/{facility_code}/applications/{application_id}": {
            "parameters": [facility, {"name": "application_id", "in": "path",
                                      "required": True, "schema": {"type": "integer"}}],
            "get": {"summary": "복지사업 신청 조회 (열람은 감사 기록에 남음)",
                    "responses": _responses("200", application, 401, 403, 404)}},
        "/api/v1/f/{facility_code}/applications/{application_id}/decision": {
            "parameters": [facility, {"name": "application_id", "in": "path",
                                      "required": True, "schema": {"type": "integer"}}],
            "get": {"summary": "결정 기록 (계산 과정·매개변수·법적 근거, 해시; 감사 기록에 남음)",
                    "responses": _responses("200", {"type": "object", "properties": {
                        "record": {"type": "integer"}, "sha256": {"type": "string"},
                        "trace": {"type": "object"}}}, 401, 403, 404)}},
    }


def openapi_schemas() -> dict[str, Any]:
    return {
        "CatalogProgram": {"type": "object", "properties": {
            "code": {"type": "string"}, "name": {"type": "string"},
            "version": {"type": "integer"}, "owner": {"type": "string"},
            "target_group": {"type": "array", "items": {"type": "string"}},
            "survey_type": {"type": "integer"}, "benefit_type": {"type": "string"},
            "delivery_cycle": {"type": "string"}, "description": {"type": "string"}}},
        "CatalogFiling": {"type": "object", "required": ["programs"], "properties": {
            "programs": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                         "maxItems": 10},
            "subject_id": {"type": "integer"}, "person_name": {"type": "string"},
            "common": {"type": "object", "description": "공통 신청서 (GET /programs/{code})"},
            "household": {"type": "object", "description": "가구 소득·재산 변수"},
            "annexes": {"type": "object", "additionalProperties": {"type": "object"},
                        "description": "사업 코드별 별지"}}},
        "CatalogApplication": {"type": "object", "properties": {
            "id": {"type": "integer"}, "program": {"type": "string"},
            "program_version": {"type": "integer"},
            "status": {"enum": ["investigating", "decided", "withdrawn"]},
            "decision": {"enum": ["eligible", "ineligible", None]},
            "decided_by": {"enum": ["system", "user", None]},
            "benefit": {"type": ["integer", "null"]},
            "income_recognition": {"type": ["integer", "null"]},
            "threshold": {"type": ["integer", "null"]},
            "reasons": {"type": "array", "items": {"type": "string"}},
            "computation": {"type": "array"}}},
    }
