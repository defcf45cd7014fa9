"""콘텐츠 스튜디오 (``/content/``): drafts of forms, processes, unit functions and profiles.

Only users with the public role ``content_author`` or ``content_reviewer`` come in (403
otherwise). The JSON endpoints are the contract the builders' editor pages use
(``docs/STUDIO.md``): load a document, save a version (409 when someone saved since), check
without saving. Handlers stay thin: read the request, call one service, answer.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from ieum.services import ServiceError, studio
from ieum.services.studio import access
from ieum.services.studio.checks import KIND_TITLES, as_json
from ieum.web.context import actor_for, db_session, registry, today

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
    if not current_user.is_authenticated:
        return False
    return access.has_content_role(db_session(), current_user.row, today())


def _wants_json() -> bool:
    return request.is_json or request.path.endswith(("/document", "/check")) \
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
    message = "보안 토큰이 만료되었거나 없습니다. 페이지를 새로 고친 뒤 다시 시도하세요."
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
        raise ServiceError("요청 본문은 JSON 객체여야 합니다.", status=400)
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
        raise ServiceError("저장할 본문(body)이 없습니다.", field="body")
    package = data.get("package")
    if package is not None and not isinstance(package, str):
        raise ServiceError("패키지 이름은 문자열이어야 합니다.", field="package")
    saved = studio.save_document(
        db_session(), registry(), current_user.row, _roles(), kind, key, data["body"],
        base_version=data.get("base_version"), note=data.get("note") or "",
        package=package or None, actor=_actor())
    return jsonify({"version": saved.version.number, "problems": as_json(saved.problems),
                    "package": saved.document.package.name if saved.document.package else None})


@bp.post("/<kind>/<key>/check")
def check(kind: str, key: str):
    data = _json_body()
    if "body" not in data:
        raise ServiceError("검사할 본문(body)이 없습니다.", field="body")
    problems = studio.check_draft(registry(), kind, key, data["body"])
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
        query=query, kinds=KIND_TITLES, status_titles=studio.STATUS_TITLES)


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

@bp.get("/packages/<name>")
def package(name: str):
    session = db_session()
    view = studio.package_view(session, registry(), name)
    return render_template("content_studio/package.html", view=view, kinds=KIND_TITLES,
                           status_titles=studio.STATUS_TITLES, roles=_roles(),
                           me=current_user.row.id)
