"""The profile composer and the unit function editor of the content studio.

``GET /content/profile/<code>/edit`` composes a facility profile: the menu tree by drag and
drop (or the keyboard buttons), parameter overrides with their types, roles and grants as a
matrix, exclusive roles, ``extends``, the reuse figure as it changes. ``GET
/content/unit/<id>/edit`` edits a unit function's manifest. Both pages load and save through
the studio's JSON endpoints (``content_studio``: ``/content/<kind>/<key>/document``); the
small endpoints here answer while the author edits (problems and the reuse figure, a copy of
a profile). Only content authors and reviewers come in. Handlers stay thin: the model and the
checks live in ``ieum.studio.profiles`` and ``ieum.studio.units``.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from flask_login import current_user

from ieum.access.grants import ACTION_TITLES
from ieum.definitions import extensions
from ieum.definitions.model import SCOPES
from ieum.i18n import gettext as _
from ieum.services import ServiceError
from ieum.services import studio as studio_service
from ieum.services.studio import access
from ieum.studio import profiles, units
from ieum.web.context import db_session, registry, today

bp = Blueprint("studio_composer", __name__, url_prefix="/content")

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


@bp.before_request
def authors_and_reviewers_only():  # noqa: ANN201 - a redirect response or None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    access.require_content_role(db_session(), current_user.row, today())
    return None


@bp.errorhandler(ServiceError)
def _refused(error: ServiceError):  # noqa: ANN202 - a JSON or HTML error response
    db_session().rollback()
    if request.method != "GET":
        return jsonify({"error": error.message, "status": error.status}), error.status
    return render_template("error.html", message=error.message), error.status


def _key(key: str) -> str:
    if not _KEY.match(key):
        abort(404)
    return key


def _body() -> Any:
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or "body" not in data:
        raise ServiceError(_('요청 본문은 {"body": ...} 형식의 JSON이어야 합니다.'), status=400)
    return data["body"]


def _problems(found: list[Any]) -> list[dict[str, str]]:
    return [{"pointer": problem.pointer, "message": problem.message} for problem in found]


def _drafts() -> dict[str, list[str]]:
    """The keys of the studio's drafts by kind."""
    keys: dict[str, set[str]] = {}
    for row in studio_service.list_drafts(db_session()):
        keys.setdefault(row.kind, set()).add(row.key)
    return {kind: sorted(found) for kind, found in keys.items()}


def _draft_bodies(kind: str, keys: list[str]) -> dict[str, Any]:
    """The latest draft body of each key (objects only)."""
    bodies = {}
    for key in keys:
        view = studio_service.load_document(db_session(), registry(), kind, key,
                                            with_problems=False)
        if isinstance(view.body, dict):
            bodies[key] = view.body
    return bodies


def _profile_bodies(drafts: dict[str, list[str]]) -> dict[str, Any]:
    """The shipped profiles (bases too), each replaced by its draft where there is one."""
    return {**profiles.profile_bodies(registry()),
            **_draft_bodies("profile", drafts.get("profile", []))}


# --- the profile composer ----------------------------------------------------------------------


def _unit_palette(drafted: dict[str, Any]) -> list[dict[str, Any]]:
    """The unit functions to compose with: the registry's, then the drafted new ones."""
    live = [{"id": unit.id, "title": unit.title, "layer": unit.layer,
             "description": unit.description, "actions": list(unit.actions),
             "parameters": [{"name": p.name, "type": p.type, "title": p.title,
                             "default": p.default, "minimum": p.minimum, "maximum": p.maximum,
                             "enum": list(p.enum) if p.enum is not None else None,
                             "description": p.description} for p in unit.parameters.values()]}
            for unit in registry().unit_functions.values()]
    new = []
    for key, body in drafted.items():
        if key in registry().unit_functions:
            continue
        model = units.to_model(body)
        new.append({"id": key, "title": _("%(title)s (초안)", title=model.title or key),
                    "layer": model.layer,
                    "description": model.description or "", "draft": True,
                    "actions": [a for a in model.actions or () if isinstance(a, str)],
                    "parameters": [{"name": p.name, "type": p.type, "title": p.title or p.name,
                                    "default": p.default, "minimum": p.minimum,
                                    "maximum": p.maximum, "enum": p.enum,
                                    "description": p.description or ""}
                                   for p in model.parameters or () if p.type in units.TYPES]})
    return live + new


def _inherited(code: str, bodies: dict[str, Any]) -> dict[str, Any]:
    """What a profile extending ``code`` takes from it: roles (merged) and top-level keys."""
    chain, _problem = profiles.base_chain(None, code, bodies)
    return {"roles": profiles.inherited_roles(chain, bodies),
            "keys": profiles.inherited_keys(chain, bodies)}


@bp.get("/profile/<key>/edit")
def edit_profile(key: str) -> str:
    drafts = _drafts()
    bodies = _profile_bodies(drafts)
    context = {
        "key": _key(key),
        "units": _unit_palette(_draft_bodies("unit", drafts.get("unit", []))),
        "profiles": [{"code": code, "title": body.get("title", code),
                      "abstract": body.get("abstract") is True}
                     for code, body in sorted(bodies.items())],
        "bases": {code: _inherited(code, bodies) for code in bodies},
        "actions": {action: str(title) for action, title in ACTION_TITLES.items()},
        "action_order": list(ACTION_TITLES),
        "scopes": [{"id": scope, "title": profiles.SCOPE_TITLES[scope]} for scope in SCOPES],
    }
    return render_template("studio_composer/profile.html", key=key, context=context)


@bp.post("/profile/<key>/live")
def profile_live(key: str):  # noqa: ANN201 - JSON
    """The composer's problems and the reuse figure of the profile as being edited."""
    body = _body()
    drafts = _drafts()
    found = profiles.check(body, registry(), profiles=_profile_bodies(drafts),
                           units=drafts.get("unit", []))
    figure = profiles.reuse(body, registry()).as_json() if isinstance(body, dict) else None
    return jsonify({"problems": _problems(found), "reuse": figure})


@bp.post("/profile/<key>/copy")
def profile_copy(key: str):  # noqa: ANN201 - JSON
    """A new profile ``key`` starting from another: ``{"source", "title", "mode"}`` where
    mode is ``copy`` (everything) or ``extends`` (inherit its roles); ``source_body`` may
    give the source as drafted (else the shipped profile)."""
    data = request.get_json(silent=True) or {}
    source = data.get("source_body")
    drafts = _drafts()
    if not isinstance(source, dict):
        source = _profile_bodies(drafts).get(str(data.get("source")))
    if source is None:
        raise ServiceError(_("프로필 '%(key)s'을(를) 찾을 수 없습니다.", key=data.get("source")),
                           status=404)
    title = str(data.get("title") or "").strip() or f"{source.get('title', '')} (복사본)"
    body = profiles.copy_body(source, _key(key), title, as_extends=data.get("mode") == "extends")
    found = profiles.check(body, registry(), profiles=_profile_bodies(drafts),
                           units=drafts.get("unit", []))
    return jsonify({"body": body, "problems": _problems(found)})


# --- the unit function editor ------------------------------------------------------------------


@bp.get("/unit/<key>/edit")
def edit_unit(key: str) -> str:
    reg = registry()
    drafts = _drafts()
    context = {
        "key": _key(key),
        "new_body": units.empty_body(key),
        "forms": [{"id": form.id, "title": form.title} for form in reg.forms.values()],
        "processes": [{"id": process.id, "title": process.name or process.id}
                      for process in reg.processes.values()],
        "draft_forms": drafts.get("form", []),
        "draft_processes": drafts.get("process", []),
        "feeds": sorted(extensions.feed_names()),
        "actions": {action: str(title) for action, title in ACTION_TITLES.items()},
        "action_order": list(ACTION_TITLES),
        "types": units.TYPES,
        "type_order": list(units.TYPES),
        "screen_kinds": units.SCREEN_KINDS,
        "screen_kind_order": list(units.SCREEN_KINDS),
        "target_groups": sorted({group for unit in reg.unit_functions.values()
                                 for group in unit.target_groups}
                                | {profile.target_group for profile in reg.profiles.values()}),
    }
    return render_template("studio_composer/unit.html", key=key, context=context)


@bp.post("/unit/<key>/live")
def unit_live(key: str):  # noqa: ANN201 - JSON
    """The editor's problems with the manifest as being edited (it may name the forms and
    processes of the studio's drafts)."""
    body = _body()
    drafts = _drafts()
    found = units.check(body, registry(), forms=drafts.get("form", []),
                        processes=drafts.get("process", []))
    return jsonify({"problems": _problems(found)})
