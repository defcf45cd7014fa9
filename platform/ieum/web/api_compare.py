"""``/api/v1``: a stored comparison of two program versions and a program's predicted vs
actual table, for program designers and reviewers (issue 16, points 4-5). What is answered
is what the studio shows: the comparison as stored (already suppressed below k households)
and the predicted-vs-actual cells with small benefit sums hidden (``null``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, jsonify

from ieum.services import catalog as programs
from ieum.services.catalog import compare as comparing
from ieum.web.api import token_required
from ieum.web.context import db_session, today
from ieum.web.openapi_parts import responses

bp = Blueprint("api_compare", __name__, url_prefix="/api/v1")


def _designer() -> None:
    roles = programs.roles_of(db_session(), g.api_user, today())
    programs.require(roles, "program_designer", "program_reviewer")


def _k() -> int:
    return max(1, int(current_app.config.get("IEUM_CATALOG_MIN_GROUP", 10)))


@bp.get("/comparisons/<int:comparison_id>")
@token_required
def get_comparison(comparison_id: int):
    _designer()
    session = db_session()
    row = comparing.get_comparison(session, comparison_id)
    program = programs.get_version(session, row.version_b_id).program
    return jsonify({"id": row.id, "program": program.code, **row.aggregates})


def _cell(cell: comparing.Cell) -> dict[str, Any]:
    return {"month": cell.month or None, "region": cell.region or None,
            "predicted_applications": cell.predicted_applications,
            "applications": cell.applications, "eligible": cell.eligible,
            "ineligible": cell.ineligible, "predicted_benefit": cell.predicted_benefit,
            "actual_benefit": cell.actual_benefit}


@bp.get("/programs/<code>/outcomes")
@token_required
def get_outcomes(code: str):
    _designer()
    session = db_session()
    program = programs.get_program(session, code[:64])
    report = comparing.predicted_vs_actual(session, program, today(), min_group=_k())
    return jsonify({"program": program.code, "version": report.version.number,
                    "min_group": report.min_group, "prediction": report.prediction,
                    "months": list(report.months), "rows": [_cell(c) for c in report.rows],
                    "totals": [_cell(c) for c in report.totals]})


def openapi_paths() -> dict[str, Any]:
    """This blueprint's part of ``/api/v1/openapi.json`` (found by ``contributed_paths``)."""
    code = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
    nullable_int = {"type": ["integer", "null"]}
    cell = {"type": "object", "properties": {
        "month": {"type": ["string", "null"]}, "region": {"type": ["string", "null"]},
        "predicted_applications": {"type": "number"}, "applications": {"type": "integer"},
        "eligible": {"type": "integer"}, "ineligible": {"type": "integer"},
        "predicted_benefit": {"type": "integer"}, "actual_benefit": nullable_int}}
    return {
        "/api/v1/comparisons/{comparison_id}": {
            "parameters": [{"name": "comparison_id", "in": "path", "required": True,
                                  "schema": {"type": "integer"}}],
            "get": {"summary": "두 버전 비교: 누가 얻고 누가 잃는가 (k 미만 집단은 null)",
                    "responses": responses("200", {"type": "object", "properties": {
                        "id": {"type": "integer"}, "program": {"type": "string"},
                        "min_group": {"type": "integer"}}}, 401, 403, 404)}},
        "/api/v1/programs/{code}/outcomes": {
            "parameters": [code],
            "get": {"summary": "게시 때 예측 대비 실제 신청·결정 (월·지역별)",
                    "responses": responses("200", {"type": "object", "properties": {
                        "rows": {"type": "array", "items": cell},
                        "totals": {"type": "array", "items": cell}}}, 401, 403, 404, 409)}},
    }


bp.openapi_paths = openapi_paths
