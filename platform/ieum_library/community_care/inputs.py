"""Typed values of the community-care forms (a 시·군·구 official's placement decision, a care
case): checked here once, with messages that name the field in the request's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ieum import i18n
from ieum.i18n import gettext as _
from ieum.services import ServiceError


def text(value: Any, field: str, title: str, low: int, high: int) -> str:
    """``value`` stripped, refused unless its length is within ``low``..``high``."""
    found = str(value or "").strip()
    if not low <= len(found) <= high:
        raise ServiceError(_("%(title)s %(low)s자 이상 %(high)s자 이하로 적으세요.",
                             title=i18n.josa(_(title), "을"), low=low, high=high),
                           field=field)
    return found


def date(value: Any, field: str, title: str, *, required: bool = True) -> dt.date | None:
    """An ISO date; blank is None unless ``required``."""
    found = str(value or "").strip()
    if not found:
        if required:
            raise ServiceError(_("%(title)s 입력하세요.", title=i18n.josa(_(title), "을")),
                               field=field)
        return None
    try:
        return dt.date.fromisoformat(found)
    except ValueError:
        raise ServiceError(_("%(title)s 2026-03-01처럼 입력하세요.",
                             title=i18n.josa(_(title), "은")), field=field) from None
