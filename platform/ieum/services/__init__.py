"""Use cases that combine definitions, storage and access; the web and the CLI call only these."""

import datetime as dt
from typing import Any

from ieum.i18n import gettext as _

#: The largest id the database's integer columns hold (PostgreSQL ``integer``). Ids typed in
#: by a person (a URL, a query, a JSON body) beyond it can name nothing, and SQLite/PostgreSQL
#: would fail on them, so services treat them as "not found".
MAX_ID = 2**31 - 1


def is_id(value: Any) -> bool:
    """An int (not a bool) that a row id can be."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


class ServiceError(Exception):
    """A request the service refuses, with a message meant for the user (Korean, or the
    request's language: a ``lazy_gettext`` constant is turned into text here, when raised)."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 400) -> None:
        message = str(message)
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


def form_date(value: str | None, field: str, today: dt.date,
              default: dt.date | None = None) -> dt.date:
    """A date typed into a form (``YYYY-MM-DD``); blank is ``default`` when there is one,
    else refused naming ``field``."""
    text = (value or "").strip()
    if not text:
        if default is not None:
            return default
        raise ServiceError(_("날짜를 입력하세요."), field=field)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ServiceError(_("날짜 형식이 올바르지 않습니다 (예: %(today)s): %(value)s",
                             today=today.strftime("%Y-%m-%d"), value=text[:20]),
                           field=field) from None
