"""Access logs without personal data: the query string of a request line (``GET
/f/x/subjects/?name=김민준 HTTP/1.1``) is replaced by ``?…`` in the records of werkzeug's and
gunicorn's access loggers. Search screens take names, birth dates and phone numbers as query
parameters; the path alone is enough to trace a request."""

from __future__ import annotations

import logging
import re

_REQUEST_LINE = re.compile(r"^([A-Z]+ [^ ?]*)\?[^ ]*( HTTP/[0-9.]+)?$")
_URL_QUERY = re.compile(r"\?[^\s\"]*")
LOGGERS = ("werkzeug", "gunicorn.access")


class DropQueryStrings(logging.Filter):
    """Rewrite a record's arguments so no query string reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_clean(arg) for arg in record.args)
        elif isinstance(record.args, dict):  # gunicorn's access log: {"r": request line, ...}
            record.args = {key: _clean(value) for key, value in record.args.items()}
        if isinstance(record.msg, str) and "?" in record.msg and not record.args:
            record.msg = _URL_QUERY.sub("?…", record.msg)
        return True


def _clean(value: object) -> object:
    if isinstance(value, str) and "?" in value:
        match = _REQUEST_LINE.match(value)
        if match:
            return f"{match.group(1)}?…{match.group(2) or ''}"
        return _URL_QUERY.sub("?…", value)
    return value


def install() -> None:
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, DropQueryStrings) for f in logger.filters):
            logger.addFilter(DropQueryStrings())
