"""Error pages in Korean for screens, JSON bodies for the API; never a stack trace."""

from __future__ import annotations

import traceback

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import IntegerConverter

from ieum.i18n import content_text
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import MAX_ID, ServiceError
from ieum.web import boundary

MESSAGES = {
    400: _l("요청을 처리할 수 없습니다. 입력값을 확인하세요."),
    401: _l("로그인이 필요합니다."),
    403: _l("이 작업을 할 권한이 없습니다."),
    404: _l("요청한 페이지나 자료를 찾을 수 없습니다."),
    405: _l("허용되지 않는 요청 방식입니다."),
    409: _l("다른 사용자가 먼저 변경했거나 마감된 기간입니다."),
    413: _l("파일이 너무 큽니다."),
    429: _l("요청이 너무 잦습니다. 잠시 후 다시 시도하세요."),
    500: _l("일시적인 오류가 발생했습니다. 잠시 후 다시 시도하세요."),
}


class RowIdConverter(IntegerConverter):
    """``<int:...>`` in URLs: an id beyond the database's integer range is a 404 like any
    unknown id, instead of an overflow (500) in the database driver. (A ``max=`` bound would
    make the route not match, and werkzeug then answers 405 for the other methods.)"""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_ID:
            raise NotFound()
        return number


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _respond(status: int, message: object, fields: dict[str, list[str]] | None = None):
    message = content_text(message)  # a lazy text, or a fixed message a catalogue translates
    if _wants_json():
        body = {"error": message, "status": status}
        if fields:
            body["fields"] = fields
        return jsonify(body), status
    return render_template("error.html", status=status, message=message), status


def register(app: Flask) -> None:
    @app.before_request
    def input_boundary():  # noqa: ANN202 - ieum.web.boundary: size, nesting, unstorable text
        problem = boundary.request_problem()
        return _respond(*problem) if problem else None

    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError):
        return _respond(
            400, _("보안 토큰이 만료되었거나 없습니다. 페이지를 새로 고친 뒤 다시 시도하세요.")
        )

    @app.errorhandler(ServiceError)
    def refused(error: ServiceError):
        fields = getattr(error, "errors", None)
        if fields is None and error.field:
            fields = {error.field: [error.message]}
        return _respond(error.status, error.message, fields)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        return _respond(status, MESSAGES.get(status, error.description or MESSAGES[500]))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, DBAPIError):
            # The database's own message may quote the row (PostgreSQL: "Failing row contains
            # (...)"), names and birth dates included: log where it failed, not what it said.
            state = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
            app.logger.error("unhandled database error %s (SQLSTATE %s); its message is left "
                             "out of the log as it may quote personal data\n%s",
                             type(error.orig).__name__, state,
                             "".join(traceback.format_tb(error.__traceback__)))
        else:
            app.logger.exception("unhandled error", exc_info=error)
        return _respond(500, MESSAGES[500])
