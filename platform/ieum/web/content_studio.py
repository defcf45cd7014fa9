"""콘텐츠 스튜디오 (``/content/``): drafts of forms, processes, unit functions and profiles.

Only users with the public role ``content_author`` or ``content_reviewer`` come in (403
otherwise). The JSON endpoints are the contract the builders' editor pages use
(``docs/STUDIO.md``): load a document, save a version (409 when someone saved since), check
without saving. Handlers stay thin: read the request, call one service, answer.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from ieum.definitions import DefinitionErrors, load_registry, package_roots
from ieum.i18n import gettext as _
from ieum.services import ServiceError, studio
from ieum.services.studio import access, packages
from ieum.services.studio.checks import KIND_TITLES, as_json
from ieum.web.context import (
    actor_for,
    content_generation,
    db_session,
    registry,
    signed_in_public_roles,
    today,
)

bp = Blueprint("content_studio", __name__, url_prefix="/content")


@bp.before_request
def authors_and_reviewers_only():  # noqa: ANN201 - a redirect response or None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    g.content_roles = access.require_content_role(db_session(), current_user.row, today())
    return None


@bp.app_template_global("content_studio_user")
def content_studio_user() -> bool:
    """Whether the signed-in user may open the studio (the navbar's 콘텐츠 스튜디오 link)."""
    roles = signed_in_public_roles()
    return roles is not None and (roles.has(access.AUTHOR) or roles.has(access.REVIEWER))


def _wants_json() -> bool:
    return request.is_json or request.path.endswith(("/document", "/check")) \
        or "/versions/" in request.path \
        or request.accept_mimetypes.best == "application/json"


@bp.errorhandler(ServiceError)
def _refused(error: ServiceError):  # noqa: ANN202
    db_session().rollback()
    if _wants_json():
        body: dict[str, Any] = {"error": error.message, "status": error.status}
        if error.field:
            body["field"] = error.field
        return jsonify(body), error.status
    return render_template("error.html", status=error.status, message=error.message), \
        error.status


@bp.errorhandler(CSRFError)
def _csrf(_error: CSRFError):  # noqa: ANN202
    message = _("보안 토큰이 만료되었거나 없습니다. 페이지를 새로 고친 뒤 다시 시도하세요.")
    if _wants_json():
        return jsonify({"error": message, "status": 400}), 400
    return render_template("error.html", status=400, message=message), 400


def _roles():  # noqa: ANN202 - PublicRoles
    return g.content_roles


def _actor():  # noqa: ANN202
    return actor_for(current_user.row)


def _json_body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ServiceError(_("요청 본문은 JSON 객체여야 합니다."), status=400)
    return data


# --- the JSON contract of the editors -----------------------------------------------------------

@bp.get("/<kind>/<key>/document")
def document(kind: str, key: str):
    view = studio.load_document(db_session(), registry(), kind, key)
    return jsonify(view.as_json())


@bp.put("/<kind>/<key>/document")
def save_document(kind: str, key: str):
    data = _json_body()
    if "body" not in data:
        raise ServiceError(_("저장할 본문(body)이 없습니다."), field="body")
    package = data.get("package")
    if package is not None and not isinstance(package, str):
        raise ServiceError(_("패키지 이름은 문자열이어야 합니다."), field="package")
    saved = studio.save_document(
        db_session(), registry(), current_user.row, _roles(), kind, key, data["body"],
        base_version=data.get("base_version"), note=data.get("note") or "",
        package=package or None, actor=_actor())
    return jsonify({"version": saved.version.number, "problems": as_json(saved.problems),
                    "package": saved.document.package.name if saved.document.package else None})


@bp.get("/<kind>/<key>/versions/<number>")
def version(kind: str, key: str, number: str):
    """One saved version (an editor may open or restore it): body, note, author, time. The
    number is a version of the draft, not a row id (so no ``int`` converter)."""
    if not number.isdigit() or len(number) > 9:
        raise ServiceError(_("%(n)s판을 찾을 수 없습니다.", n=number[:10]), status=404)
    found = studio.version_of(db_session(), kind, key, int(number))
    return jsonify({"kind": kind, "key": key, "version": found.number, "body": found.body,
                    "note": found.note, "author": found.author.name if found.author else None,
                    "saved_at": found.created_at.isoformat(),
                    "published": found.published_at is not None})


@bp.post("/<kind>/<key>/check")
def check(kind: str, key: str):
    data = _json_body()
    if "body" not in data:
        raise ServiceError(_("검사할 본문(body)이 없습니다."), field="body")
    package = data.get("package")
    problems = studio.check_draft(db_session(), registry(), kind, key, data["body"],
                                  package=package if isinstance(package, str) else None)
    return jsonify({"problems": as_json(problems)})


# --- the studio home ----------------------------------------------------------------------------

EDITOR_KINDS = studio.KINDS


@bp.app_template_global("content_editor_url")
def content_editor_url(kind: str, key: str) -> str:
    """The editor page of ``kind``/``key`` (built by the kind's builder blueprint)."""
    return f"{request.script_root}/content/{kind}/{key}/edit"


@bp.get("/")
def home():
    session = db_session()
    query = {"q": request.args.get("q", "")[:100].strip(),
             "kind": request.args.get("kind", "") if request.args.get("kind") in
             EDITOR_KINDS else ""}
    drafts = studio.list_drafts(session)
    content = studio.live_content(registry(), text=query["q"], kind=query["kind"])
    return render_template(
        "content_studio/home.html", roles=_roles(), drafts=drafts, content=content,
        query=query, kinds=KIND_TITLES, status_titles=studio.STATUS_TITLES,
        queue=packages.review_queue(session) if _roles().has(access.REVIEWER) else [],
        package_rows=packages.list_packages(session))


@bp.get("/new")
def new_document():
    """The editor of a new document: the key is checked, then the kind's editor opens."""
    kind = studio.check_kind(request.args.get("kind", ""))
    key = studio.check_key(request.args.get("key", "").strip())
    return redirect(content_editor_url(kind, key))


@bp.get("/<kind>/<key>/history")
def history(kind: str, key: str):
    """Every saved version of a draft, and the changes between two of them in words."""
    session = db_session()
    page = studio.history(session, registry(), kind, key,
                          older=request.args.get("a", type=int),
                          newer=request.args.get("b", type=int))
    return render_template("content_studio/history.html", page=page, kinds=KIND_TITLES,
                           status_titles=studio.STATUS_TITLES, roles=_roles())


# --- packages: review, publication, export and import -----------------------------------------

def _package_page(name: str, status: int = 200, errors: dict | None = None):  # noqa: ANN202
    view = studio.package_view(db_session(), registry(), name)
    return render_template("content_studio/package.html", view=view, kinds=KIND_TITLES,
                           status_titles=studio.STATUS_TITLES, roles=_roles(),
                           me=current_user.row.id, errors=errors or {},
                           action_titles=packages.ACTION_TITLES), status


@bp.get("/packages/<name>")
def package(name: str):
    return _package_page(name)


def _package_action(name: str, act, done: str):  # noqa: ANN001, ANN202
    try:
        act()
    except packages.PackageInvalid as invalid:
        db_session().rollback()
        flash(invalid.message, "danger")
        return _package_page(name, 400, invalid.errors)
    flash(done, "success")
    return redirect(url_for(".package", name=name))


@bp.post("/packages/<name>/submit")
def submit(name: str):
    return _package_action(name, lambda: packages.submit(
        db_session(), registry(), current_user.row, _roles(), name, actor=_actor()),
        _("검토를 요청했습니다. 다른 검토자가 승인하면 게시할 수 있습니다."))


@bp.post("/packages/<name>/approve")
def approve(name: str):
    return _package_action(name, lambda: packages.approve(
        db_session(), current_user.row, _roles(), name, actor=_actor()),
        _("승인했습니다. 이제 게시할 수 있습니다."))


@bp.post("/packages/<name>/return")
def return_package(name: str):
    return _package_action(name, lambda: packages.return_package(
        db_session(), current_user.row, _roles(), name, request.form.get("reason", ""),
        actor=_actor()), _("반려했습니다. 작성자가 고친 뒤 다시 요청할 수 있습니다."))


@bp.post("/packages/<name>/publish")
def publish(name: str):
    def act() -> None:
        published = packages.publish(db_session(), registry(), current_user.row, _roles(), name,
                                     packages_folder(), actor=_actor())
        reload_registry(current_app, published.generation)

    return _package_action(name, act, _("게시했습니다. 새 콘텐츠가 바로 적용됩니다."))


@bp.get("/packages/<name>/export.zip")
def export_zip(name: str):
    content = packages.export_zip(db_session(), registry(), name)
    return Response(content, mimetype="application/zip", headers={
        "Content-Disposition": f"attachment; filename={name}.zip"})


@bp.get("/packages/<name>/export.whl")
def export_wheel(name: str):
    filename, content = packages.export_wheel(db_session(), registry(), name)
    return Response(content, mimetype="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename={filename}"})


@bp.post("/packages/import")
def import_package():
    folder = [f for f in request.files.getlist("folder") if f.filename]
    upload = request.files.get("file")
    if folder:  # a package folder chosen in the browser: each file with its relative path
        files = packages.relative_files([(f.filename, f.read(packages.MAX_IMPORT_BYTES + 1))
                                         for f in folder])
    elif upload is not None and upload.filename:
        files = packages.files_of_zip(upload.read(packages.MAX_IMPORT_BYTES + 1))
    else:
        raise ServiceError(_("가져올 패키지 zip 파일이나 폴더를 고르세요."), field="file")
    imported = packages.import_package(
        db_session(), registry(), current_user.row, _roles(), files,
        package=request.form.get("package", "").strip() or None, actor=_actor())
    if imported.unchanged:
        flash(_("%(n)s개 문서를 초안으로 가져왔습니다(같은 내용 %(same)s개는 그대로).",
                n=len(imported.documents), same=len(imported.unchanged)), "success")
    else:
        flash(_("%(n)s개 문서를 초안으로 가져왔습니다.", n=len(imported.documents)), "success")
    return redirect(url_for(".package", name=imported.package.name))


@bp.post("/<kind>/<key>/package")
def move(kind: str, key: str):
    studio.move_document(db_session(), current_user.row, _roles(), kind, key,
                         request.form.get("package", "").strip(), actor=_actor())
    flash(_("패키지를 바꿨습니다."), "success")
    return redirect(url_for(".history", kind=kind, key=key))


# --- the live registry: published packages, reloaded without a restart ------------------------

def packages_folder() -> Path:
    return Path(current_app.config["IEUM_STUDIO_PACKAGES"])


def live_roots(app: Flask) -> list[str]:
    """The app's content roots: the configured ones, then the studio's published packages."""
    return [*app.config["IEUM_CONTENT_ROOTS"],
            *map(str, package_roots(app.config.get("IEUM_STUDIO_PACKAGES")))]


_reload_lock = threading.Lock()


def reload_registry(app: Flask, generation: int | None) -> None:
    """Load the content again and swap the app's registry (requests under way keep the one
    they started with); a content that fails to load keeps the old registry, logged."""
    with _reload_lock:
        try:
            fresh = load_registry(live_roots(app), plugins=app.config["IEUM_PLUGINS"])
        except DefinitionErrors as errors:
            app.logger.error("published content does not load; keeping the old registry:\n%s",
                             errors)
            return
        app.extensions["ieum.registry"] = fresh
        app.extensions["ieum.content_generation"] = generation


@bp.before_app_request
def follow_content_generation() -> None:
    """Reload the registry when another process published (the generation in the database
    is ahead of ours). The generation is read with the signed-in user's row, else by one small
    query; static files are skipped."""
    if request.endpoint in (None, "static") or (request.endpoint or "").startswith("health."):
        return
    app = current_app._get_current_object()  # noqa: SLF001 - the app itself, for the swap
    generation = content_generation()  # read with the signed-in user's row when there is one
    known = app.extensions.get("ieum.content_generation")
    if known is None:
        app.extensions["ieum.content_generation"] = generation
    elif generation != known:
        reload_registry(app, generation)


def init_app(app: Flask) -> None:
    """Remember the content generation the app's registry was loaded at."""
    with app.extensions["ieum.database"].session() as session:
        app.extensions["ieum.content_generation"] = packages.content_generation(session)
