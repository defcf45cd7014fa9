"""The one input boundary every request passes before any view (``errors.register`` installs
it): it bounds the size and nesting of JSON bodies and refuses text the stores cannot hold.

* JSON bodies larger than ``IEUM_MAX_JSON_BYTES`` (413), nested deeper than
  ``ieum.forms.text.MAX_DEPTH`` (400, also when the parser itself gives up), or with integers
  beyond a 64-bit integer (400);
* in the path, the query, JSON bodies (keys and values), HTML form fields and multipart file
  names: NUL and other control characters, lone surrogates and bidirectional-override
  characters (``ieum.forms.text.problem``), each refused with a Korean message (400).

Uploaded file contents may hold any bytes and are not inspected here. Record data gets the
same text checks again in the forms engine (the path of every save, Excel imports included),
where zero-width characters are also removed.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from ieum.forms import text
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l

MAX_JSON_BYTES = 2 * 1024 * 1024
MAX_INTEGER = 2**63 - 1
TOO_LARGE = _l("요청 본문이 너무 큽니다.")
BIG_NUMBER = _l("숫자가 너무 큽니다")


def request_problem() -> tuple[int, str] | tuple[int, str, dict[str, list[str]]] | None:
    """(status, Korean message[, fields]) when the current request must be refused, else
    None (``fields``: a too-large number's path, as the API names fields)."""
    reason = text.problem(request.path) or _first(request.args.items(multi=True))
    if reason:
        return 400, _sentence(reason)
    if request.is_json:
        limit = int(current_app.config.get("IEUM_MAX_JSON_BYTES", MAX_JSON_BYTES))
        if (request.content_length or 0) > limit:
            return 413, str(TOO_LARGE)
        try:
            body = request.get_json(silent=True)
        except RecursionError:
            return 400, _sentence(text.DEPTH_MESSAGE)
        reason = _json_problem(body)
        if isinstance(reason, tuple):
            path, reason = reason
            return 400, _sentence(reason), {path: [reason]}
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        reason = _first(request.form.items(multi=True)) or _first(
            (key, upload.filename or "") for key, upload in request.files.items(multi=True))
    if reason:
        return 400, _sentence(reason)
    return None


def _first(pairs: Any) -> str | None:
    for key, value in pairs:
        reason = ((text.problem(key) if isinstance(key, str) else None)
                  or (text.problem(value) if isinstance(value, str) else None))
        if reason:
            return reason
    return None


def _json_problem(body: Any) -> str | tuple[str, str] | None:
    for where, item in text.walk(body):
        if item is text.TooDeep:
            return text.DEPTH_MESSAGE
        if isinstance(item, str):
            reason = text.problem(item)
            if reason:
                return reason
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > MAX_INTEGER:
            parts = [str(part) for part in where]
            if parts[:1] == ["data"] and len(parts) > 1:  # a record body: {"data": {...}}
                parts = parts[1:]
            return ".".join(parts), str(BIG_NUMBER)
    return None


def _sentence(reason: str) -> str:
    """``요청에 …가 들어 있습니다. 입력값을 확인하세요.`` (or the reason, then the hint)."""
    reason = reason.rstrip(".")
    if reason.endswith("들어 있습니다"):
        return _("요청에 %(reason)s. 입력값을 확인하세요.", reason=reason)
    return _("%(reason)s. 입력값을 확인하세요.", reason=reason)
