"""업무 절차 모델러 (``/content/process/<key>/edit``): bpmn-js with a properties panel for what
the platform reads (forms, lane roles, conditions, service functions, timers, 결재 단계).

The page loads and saves the BPMN through the content studio's document endpoints
(``GET/PUT /content/process/<key>/document``, blueprint ``content_studio``); this blueprint
serves the page, the pickers' choices, and the live checks (a condition as it is typed, the
whole document after each change). Only content authors and reviewers get in (403 otherwise).
Handlers stay thin: the checks live in :mod:`ieum.studio.processes`.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from flask_login import current_user

from ieum.i18n import gettext as _
from ieum.services import ServiceError
from ieum.services import studio as studio_service
from ieum.services.studio import access
from ieum.studio import processes
from ieum.web.context import db_session, functions, registry, today

bp = Blueprint("studio_modeller", __name__, url_prefix="/content")

#: A process id: what SpiffWorkflow and the content layout accept as a file and process name.
KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
EXPRESSION_KINDS = ("condition", "script", "timeDuration", "timeDate")


@bp.before_request
def authors_and_reviewers_only():  # noqa: ANN201 - a redirect response or None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    access.require_content_role(db_session(), current_user.row, today())
    return None


def _key(key: str) -> str:
    if not KEY.match(key):
        raise ServiceError(_("업무 절차 ID는 영문자로 시작하는 영문자·숫자·밑줄(최대 64자)이어야 "
                             "합니다."), status=404)
    return key


@bp.get("/process/<key>/edit")
def edit(key: str):  # noqa: ANN201
    _key(key)
    return render_template(
        "studio_modeller/edit.html", key=key,
        shipped=key in registry().processes,
        urls={
            "document": f"/content/process/{key}/document",
            "data": url_for(".choices", key=key),
            "check": url_for(".check", key=key),
            "diagram": url_for(".diagram", key=key),
            "expression": url_for(".check_expression"),
            "moddle": url_for("static", filename="studio-spiffworkflow-moddle.json"),
            "home": "/content/",
        })


@bp.get("/process/<key>/modeller-data")
def choices(key: str):  # noqa: ANN201
    """What the pickers offer, and the document a new process starts from."""
    _key(key)
    content = registry()
    return jsonify({
        "forms": processes.form_choices(content) + _draft_forms(content),
        "roles": list(processes.role_choices(content).values()),
        "functions": processes.function_choices(functions()),
        "processes": processes.process_choices(content),
        "new_document": processes.empty_process(key),
    })


def _draft_forms(content) -> list[dict[str, str]]:  # noqa: ANN001 - a Registry
    """Forms drafted in the studio and not live yet: a new process may name them."""
    rows = [row for row in studio_service.list_drafts(db_session())
            if row.kind == "form" and row.key not in content.forms]
    choices = []
    for row in sorted(rows, key=lambda r: r.key):
        body = studio_service.load_document(db_session(), content, "form", row.key,
                                            with_problems=False).body
        title = body.get("title", row.key) if isinstance(body, dict) else row.key
        choices.append({"filename": f"{row.key}.json", "id": row.key,
                        "title": _("%(title)s (초안)", title=title)})
    return choices


@bp.post("/process/<key>/modeller-check")
def check(key: str):  # noqa: ANN201
    """Every problem of the document in the request (nothing is saved)."""
    _key(key)
    body = (request.get_json(silent=True) or {}).get("body")
    if not isinstance(body, str):
        raise ServiceError(_("검사할 BPMN 문서(body)가 없습니다."), status=400)
    found = processes.check(body, registry(), functions=functions(), key=key,
                            draft_forms=[form["filename"] for form in _draft_forms(registry())])
    return jsonify({"problems": [{"pointer": p.pointer, "message": p.message} for p in found]})


@bp.post("/process/<key>/with-diagram")
def diagram(key: str):  # noqa: ANN201
    """The document in the request with a simple diagram added when it has none (bpmn-js can
    only open a document with one)."""
    _key(key)
    body = (request.get_json(silent=True) or {}).get("body")
    if not isinstance(body, str):
        raise ServiceError(_("BPMN 문서(body)가 없습니다."), status=400)
    try:
        processes.parse(body)
    except processes.BpmnSyntaxError as error:
        raise ServiceError(str(error), status=400) from None
    return jsonify({"body": processes.with_diagram(body)})


@bp.post("/process/expression-check")
def check_expression():  # noqa: ANN201
    """The Korean problems of one expression as it is typed: a condition, a script or a
    timer's value (``kind``)."""
    data = request.get_json(silent=True) or {}
    text, kind = data.get("text"), data.get("kind", "condition")
    if kind not in EXPRESSION_KINDS or not isinstance(text, str):
        abort(400)
    if kind == "script":
        problems = processes.check_script_text(text)
    elif kind in ("timeDuration", "timeDate"):
        problems = processes.check_timer(text, kind)
    else:
        problems = processes.check_condition(text)
    return jsonify({"problems": problems})
