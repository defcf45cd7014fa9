"""``/api/v1`` of the collaboration layer: referrals (send, list, read), consent, the integrated
history, vacancies. The receiving facility decides through the task API
(``/api/v1/f/{code}/tasks/{id}/complete`` with ``{"data": {"decision": "accept"}}``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, g, jsonify, request

from ieum.i18n import gettext as _
from ieum.services import ServiceError
from ieum.services import workflows as flows
from ieum.services.workspace import Workspace, open_workspace
from ieum.web.api import timestamp, token_required
from ieum.web.context import actor_for, db_session, functions, registry, today
from ieum.web.openapi_parts import responses
from ieum_library.collaboration import consent, referrals, shared_history
from ieum_library.collaboration import vacancies as vacancy_list

bp = Blueprint("api_collab", __name__, url_prefix="/api/v1")
bp.csrf_exempt = True  # bearer tokens only, no cookies: nothing for CSRF to forge


def _workspace(facility_code: str) -> Workspace:
    return open_workspace(db_session(), registry(), g.api_user, facility_code, today())


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ServiceError(_("JSON 객체 본문이 필요합니다."))
    return body


def _text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise ServiceError(_("문자열이어야 합니다."), field=name)
    return value


def _strings(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ServiceError(_("문자열 목록이어야 합니다."), field=name)
    return value


def _referral(view: referrals.ReferralView) -> dict[str, Any]:
    r = view.referral
    return {"id": r.id, "kind": r.kind, "status": r.status, "status_title": view.status_title,
            "direction": view.direction, "from_facility": view.from_name,
            "to_facility": view.to_name, "subject_name": view.subject_name,
            "service": r.service, "reason": r.reason, "summary": r.summary,
            "shared": dict(referrals.shown_shared_data(r)),
            "basis": "consent" if r.consent_id else "override" if r.override_reason else None,
            "decision_reason": r.decision_reason,
            "created_at": timestamp(r.created_at),
            "decided_at": timestamp(r.decided_at) if r.decided_at else None}


@bp.get("/f/<facility_code>/referrals")
@token_required
def list_referrals(facility_code: str):
    items = referrals.facility_referrals(
        db_session(), _workspace(facility_code),
        direction=request.args.get("direction", "")[:8],
        status=request.args.get("status", "")[:16])
    return jsonify({"items": [_referral(v) for v in items]})


@bp.get("/f/<facility_code>/referrals/<int:referral_id>")
@token_required
def read_referral(facility_code: str, referral_id: int):
    return jsonify(_referral(referrals.get_referral(db_session(), _workspace(facility_code),
                                                    referral_id)))


@bp.post("/f/<facility_code>/subjects/<int:subject_id>/referrals")
@token_required
def send_referral(facility_code: str, subject_id: int):
    ws = _workspace(facility_code)
    consent.require(ws, "create")
    consent.own_subject(db_session(), ws, subject_id)  # 404 before anything is read
    body = _body()
    target = body.get("to_facility_id")
    if target is not None and (not isinstance(target, int) or isinstance(target, bool)):
        raise ServiceError(_("기관 id(정수)여야 합니다."), field="to_facility_id")
    runtime = flows.Runtime(registry(), functions(), today(), actor_for(g.api_user))
    sent = referrals.send(db_session(), runtime, ws, subject_id, to_facility_id=target,
                          service=_text(body, "service") or "",
                          reason=_text(body, "reason") or "", fields=_strings(body, "fields"),
                          override_reason=_text(body, "override_reason"))
    return jsonify(_referral(referrals.get_referral(db_session(), ws, sent.id))), 201


@bp.post("/f/<facility_code>/subjects/<int:subject_id>/consents")
@token_required
def record_consent(facility_code: str, subject_id: int):
    ws = _workspace(facility_code)
    consent.require(ws, "create")
    consent.own_subject(db_session(), ws, subject_id)  # 404 before anything is read
    body = _body()
    try:
        day = dt.date.fromisoformat(_text(body, "consented_on") or "")
    except ValueError:
        raise ServiceError(_("동의일을 YYYY-MM-DD로 입력하세요."), field="consented_on") from None
    row = consent.record_consent(db_session(), ws, actor_for(g.api_user), subject_id,
                                 scopes=_strings(body, "scopes"),
                                 fields=_strings(body, "fields"),
                                 method=_text(body, "method") or "", consented_on=day,
                                 today=today())
    return jsonify({"id": row.id, "scopes": row.scopes, "fields": row.fields,
                    "consented_on": row.consented_on.isoformat()}), 201


@bp.get("/f/<facility_code>/subjects/<int:subject_id>/history")
@token_required
def history(facility_code: str, subject_id: int):
    ws = _workspace(facility_code)
    consent.require(ws, "view")
    seen = shared_history.integrated_history(db_session(), registry(), ws,
                                             actor_for(g.api_user), subject_id, today())
    return jsonify({
        "shared": seen.shared, "why_not": seen.why_not,
        "memberships": [{"facility": m.facility, "own": m.own, "status": m.status}
                        for m in seen.memberships],
        "entries": [{"date": e.day.isoformat() if e.day else None, "facility": e.facility,
                     "own": e.own, "kind": e.kind, "summary": e.summary}
                    for e in seen.entries]})


@bp.get("/vacancies")
@token_required
def vacancies():
    rows = vacancy_list.vacancies(db_session(), registry(),
                               regions={request.args["region"][:10]}
                               if request.args.get("region") else None,
                               text=request.args.get("q", "")[:100],
                               profile_code=request.args.get("profile", "")[:64],
                               only_free=request.args.get("free") == "1")
    return jsonify({"items": [{"code": v.facility.code, "name": v.facility.name,
                               "profile": v.facility.profile_code,
                               "region_code": v.facility.region_code, "capacity": v.capacity,
                               "occupied": v.occupied, "free": v.free} for v in rows]})


def _responses(ok: str, schema: dict[str, Any], *codes: int) -> dict[str, Any]:
    return responses(ok, schema, *codes, titles={409: "검토 중인 같은 의뢰가 있음"})


def openapi_paths() -> dict[str, Any]:
    """The collaboration layer's part of ``/api/v1/openapi.json``."""
    facility = {"name": "facility_code", "in": "path", "required": True,
                "schema": {"type": "string"}}
    subject = {"name": "subject_id", "in": "path", "required": True,
               "schema": {"type": "integer"}}
    obj = {"type": "object"}
    strings = {"type": "array", "items": {"type": "string"}}
    return {
        "/api/v1/f/{facility_code}/referrals": {
            "parameters": [facility],
            "get": {"summary": "보낸·받은 서비스의뢰 (direction=in|out, status)",
                    "responses": _responses("200", obj, 401, 404)}},
        "/api/v1/f/{facility_code}/referrals/{referral_id}": {
            "parameters": [facility, {"name": "referral_id", "in": "path", "required": True,
                                      "schema": {"type": "integer"}}],
            "get": {"summary": "서비스의뢰 (제공된 정보, 상태)",
                    "responses": _responses("200", obj, 401, 404)}},
        "/api/v1/f/{facility_code}/subjects/{subject_id}/referrals": {
            "parameters": [facility, subject],
            "post": {"summary": "서비스의뢰 보내기 (동의 없는 항목은 관리자 예외 사유 필요)",
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": {"type": "object", "properties": {
                             "to_facility_id": {"type": "integer"},
                             "service": {"type": "string"}, "reason": {"type": "string"},
                             "fields": strings, "override_reason": {"type": "string"}}}}}},
                     "responses": _responses("201", obj, 400, 401, 403, 404, 409)}},
        "/api/v1/f/{facility_code}/subjects/{subject_id}/consents": {
            "parameters": [facility, subject],
            "post": {"summary": "정보공유 동의 기록",
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": {"type": "object", "properties": {
                             "scopes": strings, "fields": strings,
                             "method": {"type": "string"},
                             "consented_on": {"type": "string", "format": "date"}}}}}},
                     "responses": _responses("201", obj, 400, 401, 403, 404)}},
        "/api/v1/f/{facility_code}/subjects/{subject_id}/history": {
            "parameters": [facility, subject],
            "get": {"summary": "통합 서비스 이력 (동의와 권한이 있으면 모든 기관, 감사 기록)",
                    "responses": _responses("200", obj, 401, 403, 404)}},
        "/api/v1/vacancies": {
            "get": {"summary": "정원·현원·빈자리 (region, profile, q, free=1)",
                    "responses": _responses("200", obj, 401)}},
    }


bp.openapi_paths = openapi_paths  # merged into /api/v1/openapi.json by the kernel
