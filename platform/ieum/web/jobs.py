"""Jobs on the screen and in the API: 내 작업 (the list), a job's page with a progress bar that
updates itself (``static/ieum-jobs.js`` polls ``/jobs/<id>.json``), cancel, and the result
(a link, or a file to download); ``/api/v1/jobs/<id>`` and ``.../cancel`` for programs."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from ieum.i18n import gettext as _
from ieum.services import jobs
from ieum.services.jobs import files as job_files
from ieum.web import openapi_parts
from ieum.web.api import token_required
from ieum.web.context import actor_for, database, db_session, functions, registry
from ieum.web.template_helpers import state_title

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
api_bp = Blueprint("api_jobs", __name__, url_prefix="/api/v1/jobs")


def init_app(app: Flask) -> None:
    """Bind the app's database and content to the job queue of this process."""
    mode = app.config.setdefault("IEUM_JOBS_MODE", "queue")
    if mode not in jobs.MODES:
        raise RuntimeError(f"IEUM_JOBS_MODE는 {' 또는 '.join(jobs.MODES)}여야 합니다: {mode!r}")
    runtime = jobs.JobRuntime(
        database=app.extensions["ieum.database"], registry=app.extensions["ieum.registry"],
        functions=app.extensions["ieum.functions"], config=app.config,
        instance_path=Path(app.instance_path), files=app.extensions["ieum.files"], mode=mode,
        kinds=jobs.kinds(plugins=bool(app.config.get("IEUM_PLUGINS", True))))
    app.extensions["ieum.jobs"] = runtime
    jobs.bind(runtime)


def runtime() -> jobs.JobRuntime:
    """The job runtime of this app, with its registry as it is now (the content studio may
    have published since)."""
    found: jobs.JobRuntime = current_app.extensions["ieum.jobs"]
    found.registry = registry()
    found.functions = functions()
    found.database = database()
    return found


def after_submit(job: Any) -> Any:  # noqa: ANN401 - a redirect response
    """Where a screen goes once it submitted ``job``: straight to the result when the job has
    already finished well (immediate mode, or a very quick worker), else to its page."""
    if job.status == "done":
        target = result_url(job)
        if target and not (job.result or {}).get("file"):
            return redirect(target)
    return redirect(url_for("jobs.page", job_id=job.id))


def result_url(job: Any) -> str | None:  # noqa: ANN401 - a Job row
    result = job.result or {}
    if job.status != "done":
        return None
    if result.get("file"):
        return url_for("jobs.download", job_id=job.id)
    if result.get("endpoint"):
        try:
            return url_for(result["endpoint"], **(result.get("args") or {}))
        except BuildError:
            return None
    return None


def as_json(job: Any) -> dict[str, Any]:  # noqa: ANN401 - a Job row
    body = jobs.as_json(job)
    body["status_title"] = state_title(body["status_title"])  # in the request's language
    body["result_url"] = result_url(job)
    body["result_label"] = (job.result or {}).get("label")
    return body


# --- screens ------------------------------------------------------------------------------

@bp.get("/")
@login_required
def mine():
    return render_template("jobs/list.html", items=jobs.jobs_of(db_session(), current_user.row),
                           titles=jobs.STATUS_TITLES, result_url=result_url)


@bp.get("/<int:job_id>")
@login_required
def page(job_id: int):
    job = jobs.get_job(db_session(), current_user.row, job_id)
    return render_template("jobs/page.html", job=job, titles=jobs.STATUS_TITLES,
                           result=as_json(job))


@bp.get("/<int:job_id>.json")
@login_required
def status(job_id: int):
    return jsonify(as_json(jobs.get_job(db_session(), current_user.row, job_id)))


@bp.post("/<int:job_id>/cancel")
@login_required
def cancel(job_id: int):
    job = jobs.get_job(db_session(), current_user.row, job_id)
    jobs.cancel(db_session(), job, actor_for(current_user.row))
    flash(_("작업 취소를 요청했습니다.") if job.status == "running" else _("작업을 취소했습니다."),
          "success")
    return redirect(url_for(".page", job_id=job_id))


@bp.get("/<int:job_id>/file")
@login_required
def download(job_id: int):
    job = jobs.get_job(db_session(), current_user.row, job_id)
    found = job_files.result_file(db_session(), runtime().files, job,
                                  actor_for(current_user.row))
    return send_file(io.BytesIO(found.data), mimetype=found.content_type, as_attachment=True,
                     download_name=found.filename)


# --- API ------------------------------------------------------------------------------------

@api_bp.get("/<int:job_id>")
@token_required
def api_job(job_id: int):
    return jsonify(as_json(jobs.get_job(db_session(), g.api_user, job_id)))


@api_bp.get("")
@token_required
def api_jobs():
    return jsonify({"items": [as_json(job) for job in jobs.jobs_of(db_session(), g.api_user)]})


@api_bp.post("/<int:job_id>/cancel")
@token_required
def api_cancel(job_id: int):
    job = jobs.get_job(db_session(), g.api_user, job_id)
    return jsonify(as_json(jobs.cancel(db_session(), job, actor_for(g.api_user))))


def openapi_paths() -> dict[str, Any]:
    """The jobs' part of ``/api/v1/openapi.json``."""
    job = {"$ref": "#/components/schemas/Job"}
    one = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    return {
        "/api/v1/jobs": {
            "get": {"summary": "내 작업 (최근 50건)",
                    "responses": openapi_parts.responses("200", {
                        "type": "object", "properties": {
                            "items": {"type": "array", "items": job}}}, 401)}},
        "/api/v1/jobs/{job_id}": {
            "parameters": [one],
            "get": {"summary": "작업의 상태·진행률·결과 (맡긴 사람만)",
                    "responses": openapi_parts.responses("200", job, 401, 404)}},
        "/api/v1/jobs/{job_id}/cancel": {
            "parameters": [one],
            "post": {"summary": "작업 취소 (대기 중이면 바로, 진행 중이면 다음 진행 보고 때)",
                     "responses": openapi_parts.responses("200", job, 401, 404, 409)}},
    }


def openapi_schemas() -> dict[str, Any]:
    nullable = {"type": ["string", "null"]}
    return {"Job": {"type": "object", "required": ["id", "status", "progress"], "properties": {
        "id": {"type": "integer"}, "kind": {"type": "string"}, "title": {"type": "string"},
        "status": {"enum": ["queued", "running", "done", "failed", "cancelled"]},
        "status_title": {"type": "string"},
        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "message": {"type": "string"}, "result": {"type": ["object", "null"]},
        "result_url": nullable, "result_label": nullable, "error": nullable,
        "cancel_requested": {"type": "boolean"}, "finished": {"type": "boolean"},
        "created_at": nullable, "started_at": nullable, "finished_at": nullable}}}
