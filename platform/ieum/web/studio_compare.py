"""The program studio's comparisons and predicted-vs-actual screens (issue 16, points 4-5).

``/studio/p/<code>/compare`` compares two versions (default: the published one against the
latest) and shows who gains and who loses (``/studio/comparisons/<id>``, its JSON and its Excel
export: all from the stored, already suppressed result). ``/studio/p/<code>/outcomes`` sets the
prediction stored at publication against the applications received. Same access as the studio.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from ieum.catalog.compare import (
    COLUMN_TITLES,
    COUNT_COLUMNS,
    DIMENSION_TITLES,
    DIMENSIONS,
    MONEY_COLUMNS,
    SUPPRESSED_TEXT,
    format_cell,
)
from ieum.i18n import gettext as _
from ieum.services import ServiceError
from ieum.services import catalog as programs
from ieum.services.catalog import compare as comparing
from ieum.web import studio_access
from ieum.web.context import actor_for, db_session, today

bp = Blueprint("studio_compare", __name__, url_prefix="/studio")


bp.before_request(studio_access.designers_and_reviewers_only)


_roles = studio_access.studio_roles


def _actor():  # noqa: ANN202
    return actor_for(current_user.row)


def _page(template: str, **context):  # noqa: ANN003, ANN202
    return render_template(template, roles=_roles(), **context)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def min_group() -> int:
    """k of the k-anonymity of every comparison and table (``IEUM_CATALOG_MIN_GROUP``)."""
    return max(1, int(current_app.config.get("IEUM_CATALOG_MIN_GROUP", 10)))


def _households() -> int:
    return current_app.config.get("IEUM_CATALOG_POPULATION", 100_000)


def _version(program, value: str | None):  # noqa: ANN001, ANN202
    if not value:
        return None
    number = int(value) if value.isdigit() else -1
    for version in program.versions:
        if version.number == number:
            return version
    raise ServiceError(_("버전을 찾을 수 없습니다: %(version)s", version=value), status=400)


@bp.post("/p/<code>/compare")
def compare(code: str):
    session = db_session()
    program = programs.get_program(session, code)
    a, b = _version(program, request.form.get("a")), _version(program, request.form.get("b"))
    if a is None or b is None:
        default_a, default_b = comparing.versions_to_compare(session, program)
        a, b = a or default_a, b or default_b
    row = comparing.compare_versions(session, current_user.row, _roles(), a, b,
                                     actor=_actor(), households=_households(),
                                     folder=current_app.instance_path, min_group=min_group())
    flash(_("두 버전을 비교했습니다."), "success")
    return redirect(url_for(".comparison", comparison_id=row.id))


def _loaded(comparison_id: int):  # noqa: ANN202
    session = db_session()
    row = comparing.get_comparison(session, comparison_id)
    version = programs.get_version(session, row.version_b_id)
    return row, version.program


@bp.get("/comparisons/<int:comparison_id>")
def comparison(comparison_id: int):
    row, program = _loaded(comparison_id)
    result = comparing.gain_loss(row)
    return _page("studio/compare.html", row=row, program=program, result=result,
                        chart=comparing.decile_chart(result), dimensions=DIMENSIONS,
                        dimension_titles=DIMENSION_TITLES, columns=[*COUNT_COLUMNS,
                                                                    *MONEY_COLUMNS],
                        titles=COLUMN_TITLES, cell=format_cell, hidden=SUPPRESSED_TEXT)


@bp.get("/comparisons/<int:comparison_id>.json")
def comparison_json(comparison_id: int):
    row, program = _loaded(comparison_id)
    return jsonify({"id": row.id, "program": program.code, **row.aggregates})


@bp.get("/comparisons/<int:comparison_id>.xlsx")
def comparison_xlsx(comparison_id: int):
    row, program = _loaded(comparison_id)
    content = comparing.comparison_xlsx(row)
    comparing.audit_export(db_session(), _actor(), "comparison",
                           "simulation_comparison", row.id)
    name = f"{program.code}-compare-{row.id}.xlsx"
    return Response(content, mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- predicted vs actual ------------------------------------------------------------------------

def _report(code: str):  # noqa: ANN202
    session = db_session()
    program = programs.get_program(session, code)
    return comparing.predicted_vs_actual(session, program, today(), min_group=min_group())


@bp.get("/p/<code>/outcomes")
def outcomes(code: str):
    session = db_session()
    program = programs.get_program(session, code)
    try:
        report = comparing.predicted_vs_actual(session, program, today(),
                                               min_group=min_group())
    except ServiceError as refused:
        if refused.status != 409:
            raise
        return _page("studio/outcomes.html", program=program, report=None,
                            message=refused.message)
    return _page("studio/outcomes.html", program=program, report=report, message="",
                        hidden=SUPPRESSED_TEXT)


@bp.post("/p/<code>/prediction")
def prediction(code: str):
    """For a version published before predictions were stored: compute it now."""
    session = db_session()
    program = programs.get_program(session, code)
    version = next((v for v in program.versions if v.status == "published"), None)
    if version is None:
        raise ServiceError(_("게시된 버전이 없는 사업입니다."), status=404)
    record(session, version)
    flash(_("예측을 계산해 저장했습니다."), "success")
    return redirect(url_for(".outcomes", code=code))


@bp.get("/p/<code>/outcomes.xlsx")
def outcomes_xlsx(code: str):
    report = _report(code)
    content = comparing.predicted_vs_actual_xlsx(report)
    comparing.audit_export(db_session(), _actor(), "predicted_vs_actual", "program",
                           report.program.id)
    name = f"{code}-predicted-vs-actual.xlsx"
    return Response(content, mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def record(session, version):  # noqa: ANN001, ANN201
    """Store the prediction of a version just published (the studio's approve calls it)."""
    config = current_app.config
    return comparing.record_prediction(
        session, version, households=_households(), folder=current_app.instance_path,
        covered_households=int(config.get("IEUM_CATALOG_COVERED_HOUSEHOLDS",
                                          comparing.DEFAULT_COVERED_HOUSEHOLDS)),
        take_up=float(config.get("IEUM_CATALOG_TAKE_UP", comparing.DEFAULT_TAKE_UP)),
        spread_months=int(config.get("IEUM_CATALOG_SPREAD_MONTHS",
                                     comparing.DEFAULT_SPREAD_MONTHS)))
