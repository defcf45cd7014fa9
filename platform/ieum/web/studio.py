"""복지사업 설계 스튜디오 (``/studio/``): program designers and reviewers.

Designers (public role ``program_designer``) write programs in a guided form or upload YAML,
see similar published programs on every save, simulate, send to review, and retire;
reviewers (``program_reviewer``) publish or return with a reason. Anyone else gets 403.
Handlers stay thin: read the request, call one service, render.
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

from ieum.catalog.definition import (
    BENEFIT_TYPES,
    DELIVERY_CYCLES,
    EXPRESSION_KINDS,
    SURVEY_TYPE_LABELS,
    catalog_procedures,
    check_expression_text,
    variable_list,
)
from ieum.i18n import gettext as _
from ieum.services import ServiceError, jobs
from ieum.services import catalog as programs
from ieum.services.catalog import applications, simulation
from ieum.services.catalog import form as catalog_form
from ieum.services.catalog import monitoring as monitor
from ieum.web import jobs as jobs_web
from ieum.web import studio_access, studio_compare
from ieum.web.context import actor_for, db_session, registry, today

bp = Blueprint("studio", __name__, url_prefix="/studio")

FORM_ERRORS = (400, 409)


bp.before_request(studio_access.designers_and_reviewers_only)


@bp.app_context_processor
def _studio_globals() -> dict:
    return {"program_status_titles": programs.STATUS_TITLES,
            "review_action_titles": programs.ACTION_TITLES}


_roles = studio_access.studio_roles


def _actor():  # noqa: ANN202
    return actor_for(current_user.row)


def _page(template: str, status: int = 200, **context):  # noqa: ANN003, ANN202
    return render_template(template, roles=_roles(), **context), status


# --- list ---------------------------------------------------------------------------------------

@bp.get("/")
def index():
    session = db_session()
    query = {"q": request.args.get("q", "")[:100], "status": request.args.get("status", ""),
             "sort": request.args.get("sort", "name")}
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows, total = programs.list_programs(session, text=query["q"], status=query["status"],
                                         sort=query["sort"], page=page)
    queue = programs.review_queue(session) if _roles().has("program_reviewer") else []
    return _page("studio/index.html", rows=rows, total=total, page=page, query=query,
                 page_size=programs.PAGE_SIZE, queue=queue)


# --- the guided form ----------------------------------------------------------------------------

def _editor(form: catalog_form.StudioForm, *, program=None, version=None,  # noqa: ANN001
            errors=None, status: int = 200):  # noqa: ANN001, ANN202
    return _page("studio/edit.html", status, form=form, program=program, version=version,
                 errors=errors or {}, variables=variable_list(), kinds=EXPRESSION_KINDS,
                 survey_types=SURVEY_TYPE_LABELS, benefit_types=BENEFIT_TYPES,
                 delivery_cycles=DELIVERY_CYCLES,
                 processes=_procedures(form.get("process_id")))


def _procedures(current: str) -> list[str]:
    """The processes a program may run (the catalog's ``procedures``) that the content has,
    and the one the program names."""
    known = registry().processes
    offered = [p for p in catalog_procedures() if p in known]
    return offered + [current] if current in known and current not in offered else offered


def _save(code: str | None):  # noqa: ANN202
    session = db_session()
    mapping, problems, form = catalog_form.mapping_of(
        lambda name: request.form.get(name, ""), request.form.getlist)
    expected = request.form.get("row_version", type=int)
    try:
        saved = programs.save_draft(session, current_user.row, _roles(), mapping,
                                    actor=_actor(), code=code, expected_version=expected,
                                    input_problems=problems)
    except ServiceError as refused:
        session.rollback()
        if refused.status not in FORM_ERRORS:
            raise
        program = programs.get_program(session, code) if code else None
        version = programs.latest_version(session, program) if program else None
        errors = getattr(refused, "errors", None) or {"": [refused.message]}
        return _editor(form, program=program, version=version, errors=errors,
                       status=refused.status)
    if saved.created and saved.version.number > 1:
        flash(_("새 버전을 만들어 저장했습니다. 유사사례 확인 결과를 검토하세요."), "success")
    else:
        flash(_("저장했습니다. 유사사례 확인 결과를 검토하세요."), "success")
    return redirect(url_for(".program", code=saved.program.code, saved=1))


@bp.route("/new", methods=["GET", "POST"])
def new():
    programs.require(_roles(), "program_designer")
    if request.method == "POST":
        return _save(None)
    return _editor(catalog_form.blank_form())


@bp.route("/p/<code>/edit", methods=["GET", "POST"])
def edit(code: str):
    programs.require(_roles(), "program_designer")
    session = db_session()
    program = programs.get_program(session, code)
    if request.method == "POST":
        return _save(code)
    version = programs.latest_version(session, program)
    return _editor(catalog_form.form_of(version.definition), program=program, version=version)


@bp.get("/check")
def check():
    """Live check of one expression as the designer types (JSON)."""
    kind = request.args.get("kind", "")
    if kind not in EXPRESSION_KINDS:
        return jsonify({"error": _("kind는 criteria, benefit, threshold 중 하나입니다.")}), 400
    text = request.args.get("text", "")[:4000]
    names = [name.strip() for name in request.args.get("parameters", "").split(",")
             if name.strip()][:50]
    problems = check_expression_text(text, kind, names)
    return jsonify({"kind": kind, "ok": not problems, "problems": problems})


# --- YAML upload --------------------------------------------------------------------------------

@bp.route("/upload", methods=["GET", "POST"])
def upload():
    programs.require(_roles(), "program_designer")
    if request.method == "GET":
        return _page("studio/upload.html", errors={})
    session = db_session()
    file = request.files.get("file")
    try:
        if file is None or not file.filename:
            raise programs.DefinitionInvalid([("", _("올릴 YAML 파일을 고르세요."))])
        saved = programs.upload_definition(session, current_user.row, _roles(),
                                           file.read(programs.MAX_YAML_BYTES + 1),
                                           actor=_actor())
    except ServiceError as refused:
        session.rollback()
        if refused.status not in FORM_ERRORS:
            raise
        errors = getattr(refused, "errors", None) or {"": [refused.message]}
        return _page("studio/upload.html", refused.status, errors=errors)
    flash(_("올린 정의를 저장했습니다. 유사사례 확인 결과를 검토하세요."), "success")
    return redirect(url_for(".program", code=saved.program.code, saved=1))


# --- one program --------------------------------------------------------------------------------

@bp.get("/p/<code>")
def program(code: str):
    session = db_session()
    item = programs.get_program(session, code)
    latest = programs.latest_version(session, item)
    definition = programs.definition_of(latest)
    return _page(
        "studio/program.html", program=item, version=latest, definition=definition,
        versions=list(item.versions), history=programs.history(session, item),
        similar=programs.similar_to(session, definition),
        runs=simulation.runs_of(session, item), just_saved=request.args.get("saved") == "1",
        survey_types=SURVEY_TYPE_LABELS, benefit_types=BENEFIT_TYPES,
        delivery_cycles=DELIVERY_CYCLES, yaml_text=programs.definition_yaml(latest))


@bp.get("/p/<code>/yaml")
def download_yaml(code: str):
    session = db_session()
    version = programs.latest_version(session, programs.get_program(session, code))
    return Response(programs.definition_yaml(version), mimetype="application/x-yaml",
                    headers={"Content-Disposition":
                             f'attachment; filename="{code}-v{version.number}.yaml"'})


@bp.get("/p/<code>/preview")
def preview(code: str):
    """The application form as facility staff will see it: common section, annex, household."""
    session = db_session()
    item = programs.get_program(session, code)
    version = programs.latest_version(session, item)
    definition = programs.definition_of(version)
    sections = applications.form_sections([(version.id, definition)])
    return _page("studio/preview.html", program=item, version=version, definition=definition,
                 sections=sections)


@bp.post("/p/<code>/submit")
def submit(code: str):
    programs.submit(db_session(), current_user.row, _roles(), code, actor=_actor(),
                    expected_version=request.form.get("row_version", type=int))
    flash(_("검토를 요청했습니다. 검토자가 승인하면 게시됩니다."), "success")
    return redirect(url_for(".program", code=code))


@bp.post("/v/<int:version_id>/approve")
def approve(version_id: int):
    session = db_session()
    version = programs.approve(session, current_user.row, _roles(), version_id,
                               actor=_actor())
    flash(_("승인했습니다. 모든 기관의 복지사업 신청 메뉴에 바로 나타납니다."), "success")
    try:  # the prediction the monitoring compares with
        studio_compare.record(session, version)
    except ServiceError as refused:
        session.rollback()
        flash(_("예측을 저장하지 못했습니다: %(reason)s", reason=refused.message), "warning")
    return redirect(url_for(".program", code=version.program.code))


@bp.post("/v/<int:version_id>/return")
def return_version(version_id: int):
    session = db_session()
    try:
        version = programs.return_version(session, current_user.row, _roles(), version_id,
                                          request.form.get("reason", ""), actor=_actor())
    except ServiceError as refused:
        session.rollback()
        if refused.status != 400:
            raise
        flash(refused.message, "danger")
        version = programs.get_version(session, version_id)
        return redirect(url_for(".program", code=version.program.code))
    flash(_("사유와 함께 반려했습니다. 설계자가 고친 뒤 다시 검토를 요청합니다."), "warning")
    return redirect(url_for(".program", code=version.program.code))


@bp.route("/p/<code>/retire", methods=["GET", "POST"])
def retire(code: str):
    session = db_session()
    item = programs.get_program(session, code)
    impact = programs.retire_impact(session, item)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        try:
            programs.retire(session, current_user.row, _roles(), code,
                            request.form.get("reason", ""), actor=_actor(),
                            confirmed=request.form.get("confirm") == "1")
        except ServiceError as refused:
            session.rollback()
            if refused.status != 400:
                raise
            errors = {refused.field or "": [refused.message]}
            status = 400
        else:
            flash(_("폐지했습니다. 새 신청은 받지 않으며, 기존 신청과 기록은 그대로 남습니다."),
                  "success")
            return redirect(url_for(".program", code=code))
    return _page("studio/retire.html", status, program=item, impact=impact, errors=errors,
                 reason=request.form.get("reason", ""))


# --- simulation -----------------------------------------------------------------------------------

@bp.post("/p/<code>/simulate")
def simulate(code: str):
    """모의계산 runs as a job: the page of the job shows its progress, then links the run."""
    session = db_session()
    item = programs.get_program(session, code)
    version = programs.latest_version(session, item)
    households = current_app.config.get("IEUM_CATALOG_POPULATION", 100_000)
    job = jobs.submit(session, jobs_web.runtime(), "catalog.simulate",
                      {"program": item.code, "year": request.form.get("year", type=int),
                       "households": households},
                      owner=current_user.row, actor=_actor(), workspace="studio",
                      title=f"모의계산: {item.name} (v{version.number}, {households:,}가구)")
    if job.status == "done":
        flash(_("모의계산을 마쳤습니다."), "success")
    elif job.status == "failed":
        raise ServiceError(job.error or _("모의계산을 할 수 없습니다."),
                           status=(job.result or {}).get("status", 400))
    return jobs_web.after_submit(job)


@bp.get("/runs/<int:run_id>")
def run(run_id: int):
    session = db_session()
    found = simulation.get_run(session, run_id)
    version = programs.get_version(session, found.program_version_id)
    return _page("studio/run.html", run=found, version=version, program=version.program,
                 charts=simulation.charts(found))


# --- monitoring -----------------------------------------------------------------------------------

@bp.get("/monitoring")
def monitoring():
    idle = request.args.get("idle", type=int) or current_app.config.get(
        "IEUM_CATALOG_IDLE_MONTHS", monitor.DEFAULT_IDLE_MONTHS)
    months = request.args.get("months", type=int) or 12
    report = monitor.monitoring(db_session(), today(), months=months, idle_months=idle)
    return _page("studio/monitoring.html", report=report, months=months)
