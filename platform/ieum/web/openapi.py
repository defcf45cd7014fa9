"""``/api/v1/openapi.json``: OpenAPI 3.1, generated from the registry.

Form schemas are JSON Schema 2020-12, which OpenAPI 3.1 uses as is, so each form becomes a
component schema (``x-`` keywords are allowed extensions there too).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Blueprint, current_app, jsonify

from ieum.definitions import Registry
from ieum.services import MAX_ID
from ieum.web import api_catalog, jobs
from ieum.web.context import registry
from ieum.web.openapi_parts import ERROR as _ERROR
from ieum.web.openapi_parts import responses as _responses

bp = Blueprint("openapi", __name__)

_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
_PATH_PARAMS = [
    {"name": "facility_code", "in": "path", "required": True, "schema": {"type": "string"}},
    {"name": "unit_id", "in": "path", "required": True, "schema": {"type": "string"}},
    {"name": "form_id", "in": "path", "required": True, "schema": {"type": "string"}},
]


def _param(name: str, kind: str) -> dict[str, Any]:
    schema = dict(_ID) if kind == "integer" else {"type": kind}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def document(content: Registry,
             contributed: Iterable[Mapping[str, Any]] = ()) -> dict[str, Any]:
    forms = {form_id: _spelled_out({k: v for k, v in form.schema_dict().items()
                                    if k != "$schema"})
             for form_id, form in sorted(content.forms.items())}
    record = {"$ref": "#/components/schemas/Record"}
    instance = {"$ref": "#/components/schemas/ProcessInstance"}
    task = {"$ref": "#/components/schemas/Task"}
    save = {"type": "object", "required": ["data"], "properties": {
        "data": {"type": "object", "description": "양식의 값 (components/schemas/form.*)"},
        "draft": {"type": "boolean", "description": "임시저장"},
        "subject_id": {**_ID, "type": ["integer", "null"]},  # null = no subject
        "version": {"type": ["integer", "null"],
                    "description": "수정할 때 읽어 온 버전 (낙관적 잠금; 수정에는 필수)"}}}
    base = "/api/v1/f/{facility_code}/u/{unit_id}/{form_id}"
    paths = {
        "/api/v1/auth/token": {
            "post": {"summary": "토큰 발급", "security": [],
                     "requestBody": _body({"type": "object", "required": ["login", "password"],
                                           "properties": {"login": {"type": "string"},
                                                          "password": {"type": "string"}}}),
                     "responses": _responses("201", {"type": "object"}, 400, 401, 429)},
            "delete": {"summary": "토큰 폐기", "responses": _responses("204", None, 401)}},
        "/api/v1/me": {"get": {"summary": "나의 기관·역할·메뉴",
                               "responses": _responses("200", {"type": "object"}, 401)}},
        f"{base}/schema": {"parameters": _PATH_PARAMS, "get": {
            "summary": "양식의 JSON Schema", "responses": _responses(
                "200", {"type": "object"}, 401, 403, 404)}},
        f"{base}/records": {"parameters": _PATH_PARAMS, "get": {
            "summary": "기록 목록 (검색 항목, sort, dir, page, per_page, record_status)",
            "responses": _responses("200", {"$ref": "#/components/schemas/RecordPage"},
                                    401, 403, 404)},
            "post": {"summary": "기록 작성", "requestBody": _body(save),
                     "responses": _responses("201", record, 400, 401, 403, 404, 409)}},
        f"{base}/validate": {"parameters": _PATH_PARAMS, "post": {
            "summary": "저장하지 않고 검사", "requestBody": _body(save),
            "responses": _responses("200", {"type": "object"}, 400, 401, 403, 404)}},
        f"{base}/records/{{record_id}}": {
            "parameters": [*_PATH_PARAMS, _param("record_id", "integer")],
            "get": {"summary": "기록 조회", "responses": _responses("200", record, 401, 404)},
            "put": {"summary": "기록 수정 (version 필수)", "requestBody": _body(save),
                    "responses": _responses("200", record, 400, 401, 403, 404, 409)},
            "delete": {"summary": "기록 삭제 (?version= 필수)",
                       "parameters": [{"name": "version", "in": "query", "required": True,
                                       "schema": {"type": "integer"}}],
                       "responses": _responses("204", None, 400, 401, 403, 404, 409)}},
        f"{base}/records/{{record_id}}/reveal/{{field_name}}": {
            "parameters": [*_PATH_PARAMS, _param("record_id", "integer"),
                           _param("field_name", "string")],
            "post": {"summary": "주민등록번호 전체 보기 (reason 필수, reveal_rrn 권한; 감사 기록, "
                                "응답은 캐시되지 않음)",
                     "requestBody": _body({"type": "object", "required": ["reason"],
                                           "properties": {"reason": {"type": "string"}}}),
                     "responses": _responses("200", {"type": "object"}, 400, 401, 403, 404)}},
        f"{base}/files/{{field_name}}": {
            "parameters": [*_PATH_PARAMS, {"name": "field_name", "in": "path",
                                           "required": True, "schema": {"type": "string"}}],
            "post": {"summary": "첨부파일 올리기 (돌려받은 id를 data에 넣음)",
                     "requestBody": {"content": {"multipart/form-data": {"schema": {
                         "type": "object", "properties": {"file": {
                             "type": "string", "contentMediaType": "application/octet-stream"}}}}}},
                     "responses": _responses("201", {"type": "object"}, 400, 401, 403, 404,
                                             413)}},
        "/api/v1/f/{facility_code}/u/{unit_id}/processes/{process_id}": {
            "parameters": [_PATH_PARAMS[0], _PATH_PARAMS[1], _param("process_id", "string")],
            "post": {"summary": "업무 절차 시작 (subject_id 선택, 본문 생략 가능)",
                     "requestBody": {**_body({"type": "object", "properties": {
                         "subject_id": _ID}}), "required": False},
                     "responses": _responses("201", instance, 400, 401, 403, 404)}},
        "/api/v1/f/{facility_code}/processes/{instance_id}": {
            "parameters": [_PATH_PARAMS[0], _param("instance_id", "integer")],
            "get": {"summary": "진행 상황 (단계, 업무)",
                    "responses": _responses("200", instance, 401, 404)}},
        "/api/v1/f/{facility_code}/messages": {
            "parameters": [_PATH_PARAMS[0]],
            "post": {"summary": "메시지 전달 (기다리는 업무 절차를 잇거나, 메시지로 시작하는 "
                                "절차를 시작; correlation 값이 기다리는 업무의 값과 같아야 함)",
                     "operationId": "deliver_message",
                     "requestBody": _body({"type": "object", "required": ["name"],
                                           "properties": {
                         "name": {"type": "string", "minLength": 1,
                                  "description": "BPMN 메시지 이름 (bpmn:message name)"},
                         "correlation": {"type": "object", "description":
                                         "기다리는 업무의 데이터와 값이 모두 같아야 전달됨 "
                                         "(예: subject_id)"},
                         "data": {"type": "object", "description": "메시지 값 (messageVariable "
                                  "또는 업무 데이터로 들어감)"}}}),
                     "responses": {**_responses("200", {"type": "object", "properties": {
                         "outcome": {"enum": ["resumed", "started"]}, "instance": instance}},
                         401, 403, 404, 409, titles={
                             404: "이 메시지를 기다리거나 이 메시지로 시작하는 업무 절차가 없음",
                             409: "여러 업무 절차가 기다림 (correlation으로 구분) 또는 동시 수정"}),
                         "201": {"description": "메시지로 새 업무 절차를 시작함",
                                 "content": {"application/json": {"schema": {
                                     "type": "object", "properties": {
                                         "outcome": {"const": "started"},
                                         "instance": instance}}}}}}}},
        "/api/v1/f/{facility_code}/processes/{instance_id}/retry": {
            "parameters": [_PATH_PARAMS[0], _param("instance_id", "integer")],
            "post": {"summary": "오류 난 업무 다시 실행",
                     "responses": _responses("200", instance, 401, 403, 404, 409)}},
        "/api/v1/f/{facility_code}/tasks": {
            "parameters": [_PATH_PARAMS[0]],
            "get": {"summary": "나의업무 (subject, unit, due=overdue|today|week, mine=1)",
                    "responses": _responses("200", {"type": "object"}, 401, 404)}},
        "/api/v1/f/{facility_code}/tasks/{task_id}": {
            "parameters": [_PATH_PARAMS[0], _param("task_id", "integer")],
            "get": {"summary": "업무와 그 양식 (form_schema)",
                    "responses": _responses("200", task, 401, 404)}},
        "/api/v1/f/{facility_code}/tasks/{task_id}/claim": {
            "parameters": [_PATH_PARAMS[0], _param("task_id", "integer")],
            "post": {"summary": "업무 맡기", "responses": _responses("200", task, 401, 403, 404,
                                                                    409)}},
        "/api/v1/f/{facility_code}/tasks/{task_id}/complete": {
            "parameters": [_PATH_PARAMS[0], _param("task_id", "integer")],
            "post": {"summary": "업무 완료 (data = 양식 값; 양식 없는 업무는 생략 가능)",
                     "requestBody": _body({"type": "object", "properties": {"data": {
                         "type": "object", "description": "업무 양식의 값"}}}),
                     "responses": _responses("200", {"type": "object"}, 400, 401, 403, 404,
                                             409)}},
    }
    schemas: dict[str, Any] = {
        "Error": {"type": "object", "required": ["error", "status"], "properties": {
            "error": {"type": "string"}, "status": {"type": "integer"},
            "fields": {"type": "object", "additionalProperties": {
                "type": "array", "items": {"type": "string"}}}}},
        "Record": {"type": "object", "properties": {
            "id": {"type": "integer"}, "version": {"type": "integer"},
            "status": {"enum": ["draft", "final", "locked"]}, "form_id": {"type": "string"},
            "form_version": {"type": "integer"}, "subject_id": {"type": ["integer", "null"]},
            "entry_date": {"type": ["string", "null"], "format": "date"},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "data": {"type": "object"}}},
        "Task": {"type": "object", "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "title": {"type": "string"},
            "state": {"enum": ["ready", "completed", "cancelled"]},
            "form_id": {"type": ["string", "null"]}, "role": {"type": ["string", "null"]},
            "assignee_id": {"type": ["integer", "null"]}, "instance_id": {"type": "integer"},
            "due_date": {"type": ["string", "null"], "format": "date"},
            "form_schema": {"type": ["object", "null"]},
            "instructions_html": {"type": ["string", "null"]}}},
        "ProcessInstance": {"type": "object", "properties": {
            "id": {"type": "integer"}, "process_id": {"type": "string"},
            "status": {"enum": ["running", "completed", "error", "cancelled"]},
            "error": {"type": ["string", "null"]},
            "tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
            "steps": {"type": "array", "items": {"type": "object"}}}},
        "RecordPage": {"type": "object", "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Record"}},
            "total": {"type": "integer"}, "page": {"type": "integer"},
            "per_page": {"type": "integer"}, "pages": {"type": "integer"}}},
    }
    schemas.update({f"form.{form_id}": schema for form_id, schema in forms.items()})
    paths.update(api_catalog.openapi_paths())  # the program catalog (web/api_catalog.py)
    schemas.update(api_catalog.openapi_schemas())
    paths.update(jobs.openapi_paths())  # 내 작업 (web/jobs.py)
    schemas.update(jobs.openapi_schemas())
    for part in contributed:  # the paths of packages' API blueprints (ieum.screens)
        paths.update(part)
    _app_wide(paths)
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {"title": "이음 API", "version": "1"},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}},
    }


#: ieum's own formats (forms/clock.py) mean nothing to a generic client: each is stated as
#: the pattern it checks too, so a client validating with the document agrees with ieum.
_LOCAL_PATTERNS = {
    "local-time": r"^[0-2][0-9]:[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$",
    "local-date-time": r"^[0-9]{4}-[0-1][0-9]-[0-3][0-9][Tt ][0-2][0-9]:[0-5][0-9]"
                       r"(:[0-5][0-9](\.[0-9]+)?)?$",
}
_DATA_KEYS = frozenset({"const", "enum", "default", "examples"})


def _spelled_out(schema: Any) -> Any:
    """A form's schema for the document: ``local-time``/``local-date-time`` also carry their
    pattern and a description (the RFC 3339 ``date``/``time``/``date-time`` are standard)."""
    if isinstance(schema, list):
        return [_spelled_out(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: value if key in _DATA_KEYS or key.startswith("x-") else _spelled_out(value)
              for key, value in schema.items()}
    pattern = _LOCAL_PATTERNS.get(schema.get("format")) if isinstance(schema.get("format"),
                                                                        str) else None
    if pattern and "pattern" not in result:
        result["pattern"] = pattern
        result.setdefault("x-ieum-format", "wall-clock time in Korea (KST), no offset; "
                                           "see docs/EXTENDING.md")
    return result


def operation_id(method: str, path: str) -> str:
    """A stable ``operationId`` from the method and the path: ``/api/v1`` dropped, a path
    parameter ``{x}`` spelled ``by_x``, everything else joined with ``_``
    (``post /api/v1/f/{facility_code}/messages`` -> ``post_f_by_facility_code_messages``).
    It changes only when the path does."""
    parts = [segment for segment in path.split("/") if segment][2:] \
        if path.startswith("/api/v1/") else [s for s in path.split("/") if s]
    words = []
    for segment in parts:
        if segment.startswith("{") and segment.endswith("}"):
            segment = "by_" + segment[1:-1]
        words.append("".join(ch if ch.isalnum() else "_" for ch in segment))
    return "_".join([method.lower(), *words]) if words else method.lower()


def _app_wide(paths: dict[str, Any]) -> None:
    """What the app does for every route, stated on every operation of every part: an
    integer path id is 1..MAX_ID (a larger one is a 404, see ``errors.RowIdConverter``), and
    any request can be refused as malformed (400, e.g. a NUL character, ``errors.py``); and
    each operation has an ``operationId`` (its own, or :func:`operation_id`'s)."""
    for path, item in paths.items():
        for method, operation in item.items():
            if method == "parameters":
                parameters = operation
            else:
                operation.setdefault("operationId", operation_id(method, path))
                parameters = operation.get("parameters", [])
                responses = operation.setdefault("responses", {})
                responses.setdefault("400", {"description": "입력값 오류", "content": {
                    "application/json": {"schema": _ERROR}}})
            for parameter in parameters:
                schema = parameter.get("schema") or {}
                if parameter.get("in") == "path" and schema.get("type") == "integer":
                    parameter["schema"] = {**schema, **_ID}


@bp.get("/api/v1/openapi.json")
def openapi():
    return jsonify(document(registry(), contributed_paths()))


def contributed_paths() -> list[dict[str, Any]]:
    """The paths a registered blueprint documents: a package's API blueprint (``ieum.screens``)
    sets ``openapi_paths`` to a callable returning its part of the document."""
    return [blueprint.openapi_paths() for blueprint in current_app.blueprints.values()
            if callable(getattr(blueprint, "openapi_paths", None))]
