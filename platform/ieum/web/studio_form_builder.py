"""양식 빌더 (``/content/form/<key>/edit``): build a form by kind of field, in the browser.

The page is a shell; ``static/studio-form-builder.js`` keeps the builder's model, loads and
saves the schema through the content studio's document endpoints (``GET/PUT
/content/form/<key>/document``), and asks this blueprint's small JSON endpoints for what
only the server knows:

- ``POST /content/form-builder/model``: a schema -> the builder's model (and its problems);
- ``POST /content/form-builder/render``: the model -> the schema, its problems and the
  preview drawn by the same templates and WTForms classes that draw facility screens; with
  ``validate`` it also validates the sample typed into the preview with the form engine;
- ``POST /content/form-builder/expression``: one expression checked as it is typed.

The program studio embeds the same builder for a program's annex (별지), so the JSON endpoints
also answer program designers; the editor page itself is for content authors.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from flask_login import current_user
from werkzeug.datastructures import CombinedMultiDict

from ieum.definitions.forms import ID_PATTERN
from ieum.forms import wtf
from ieum.forms.fields import field_tree
from ieum.i18n import gettext as _
from ieum.services.studio import STATUS_TITLES, access
from ieum.studio import forms as builder
from ieum.web.context import db_session, registry, today

bp = Blueprint("studio_form_builder", __name__)

MAX_BODY = 2_000_000
#: Public roles that may use the builder's JSON helpers (the program studio embeds it).
HELPER_ROLES = (access.AUTHOR, access.REVIEWER, "program_designer", "program_reviewer")
#: The builder page: the content studio's people.
EDITOR_ROLES = (access.AUTHOR, access.REVIEWER)


@bp.before_request
def signed_in_only():  # noqa: ANN201 - a redirect response or None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


def _require(*wanted: str) -> None:
    """403 (with a Korean message) unless the user holds one of ``wanted``."""
    access.require_content_role(db_session(), current_user.row, today(), *wanted)


def _json_body() -> dict[str, Any]:
    if request.content_length and request.content_length > MAX_BODY:
        abort(413)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description=_("JSON 객체를 보내세요."))
    return body


def _problems(found: list[builder.StudioProblem]) -> list[dict[str, str]]:
    return [{"pointer": p.pointer, "message": p.message} for p in found]


@bp.get("/content/form/<key>/edit")
def edit(key: str):
    _require(*EDITOR_ROLES)
    if not ID_PATTERN.match(key) or len(key) > 64:
        abort(404)
    shipped = registry().forms.get(key)
    return render_template(
        "studio_form_builder/edit.html", key=key, shipped=shipped is not None,
        status_titles=STATUS_TITLES)


@bp.post("/content/form-builder/model")
def model():
    _require(*HELPER_ROLES)
    body = _json_body().get("body")
    if not isinstance(body, dict):
        return jsonify({"error": _("양식은 JSON 객체여야 합니다.")}), 400
    return jsonify({"model": builder.to_model(body)})


def _schema_of(model: Any) -> dict[str, Any]:
    if not isinstance(model, dict) or not isinstance(model.get("fields", []), list):
        abort(400, description=_("빌더 모델이 올바르지 않습니다."))
    try:
        return builder.to_schema(model)
    except (KeyError, TypeError, AttributeError, ValueError):
        abort(400, description=_("빌더 모델이 올바르지 않습니다."))


@bp.post("/content/form-builder/render")
def render():
    """The model's schema, its problems and the preview (and with ``validate``, the sample
    typed into the preview validated as a facility screen validates it). The model comes as
    JSON, or, to validate, as the ``__model`` field of the preview's own form post."""
    _require(*HELPER_ROLES)
    validate = request.form.get("__validate") == "1"
    if validate:
        try:
            payload = json.loads(request.form.get("__model", ""))
        except ValueError:
            abort(400, description=_("빌더 모델이 올바르지 않습니다."))
        model, key = payload, request.form.get("__key", "")
    else:
        payload = _json_body()
        model, key = payload.get("model"), payload.get("key", "")
    key = key if isinstance(key, str) and ID_PATTERN.match(key) else "studio_draft"
    schema = _schema_of(model)
    problems = builder.model_problems(model) + builder.check(schema, registry())
    form, load_problems = builder.form_def(schema, registry(), key) if not problems else (
        None, [])
    problems = problems or load_problems
    html, errors, data, required_when = "", {}, {}, {}
    if form is not None:
        required_when = {item.name: item.required_when for item in field_tree(form).fields
                         if item.required_when}
        if validate:
            formdata = CombinedMultiDict((request.files, request.form))
            bound = wtf.bind(form, formdata=formdata)
            data, read_errors = wtf.read(form, bound, formdata=request.form)
            data, errors = builder.validate_sample(form, data, today())
            for path, messages in read_errors.items():
                errors.setdefault(path, []).extend(messages)
        else:
            bound = wtf.bind(form)
        html = render_template("studio_form_builder/_preview.html", form=form,
                               tree=field_tree(form), bound=bound, errors=errors,
                               validated=validate)
    return jsonify({"schema": schema, "problems": _problems(problems), "html": html,
                    "errors": errors, "data": data, "valid": validate and not errors,
                    "required_when": required_when})


@bp.post("/content/form-builder/expression")
def expression():
    """One expression (a visibility condition, a computed field or a cross-field rule)
    checked as it is typed, against the form's field names."""
    _require(*HELPER_ROLES)
    payload = _json_body()
    text = payload.get("text", "")
    names = payload.get("names") or []
    if not isinstance(text, str) or not isinstance(names, list):
        return jsonify({"error": _("text와 names를 보내세요.")}), 400
    names = [name for name in names if isinstance(name, str)][:500]
    problems = builder.check_expression_text(text[:4000], [*names, *builder.CONTEXT_NAMES])
    return jsonify({"ok": not problems, "problems": problems})


@bp.app_context_processor
def _builder_globals() -> dict[str, Any]:
    """The palette's kinds, for the builder page and the program studio that embeds it."""
    return {"form_builder_kinds": builder.KINDS}
