"""Times of day and dates-with-times as forms store them: RFC 3339, or ieum's local formats.

JSON Schema's ``time`` and ``date-time`` formats are RFC 3339's ``full-time`` and
``date-time``: seconds and an offset are required (``09:30:00+09:00``,
``2026-03-01T09:30:00+09:00``). Most times a facility records are wall-clock times with no
offset (a session from 10:00 to 11:30); those fields use ieum's own formats ``local-time``
(``09:30`` or ``09:30:15``) and ``local-date-time`` (``2026-03-01T09:30``), which the shipped
forms use. A screen shows both the same way (an HH:MM input); what it stores follows the
field's format: a ``time``/``date-time`` field gets seconds and the facility's offset (Korean
time, +09:00), a local one what was typed. See docs/EXTENDING.md ("Dates and times").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ieum.config import KST

RFC_TIME = "time"
RFC_DATE_TIME = "date-time"
LOCAL_TIME = "local-time"
LOCAL_DATE_TIME = "local-date-time"
TIME_FORMATS = frozenset({RFC_TIME, LOCAL_TIME})
DATE_TIME_FORMATS = frozenset({RFC_DATE_TIME, LOCAL_DATE_TIME})


def _format(schema: Mapping[str, Any] | None) -> Any:
    return schema.get("format") if isinstance(schema, Mapping) else None


def store_time(schema: Mapping[str, Any] | None, value: dt.time) -> str:
    """A time of day typed on a screen or in a sheet, as the field stores it."""
    if _format(schema) == RFC_TIME:
        return value.replace(microsecond=0, tzinfo=None).strftime("%H:%M:%S") + "+09:00"
    return value.strftime("%H:%M" if not value.second else "%H:%M:%S")


def store_datetime(schema: Mapping[str, Any] | None, value: dt.datetime) -> str:
    """A date and time (Korean wall-clock when naive) as the field stores it."""
    if _format(schema) == RFC_DATE_TIME:
        aware = value if value.tzinfo is not None else value.replace(tzinfo=KST)
        return aware.astimezone(KST).replace(microsecond=0).isoformat(timespec="seconds")
    if value.tzinfo is not None:
        value = value.astimezone(KST).replace(tzinfo=None)
    return value.isoformat(timespec="minutes" if not value.second else "seconds")


def read_time(text: str) -> dt.time:
    """A stored time (either kind) as a Korean wall-clock time, for a screen."""
    value = dt.time.fromisoformat(text.replace("z", "Z"))
    if value.tzinfo is not None:
        today = dt.date(2026, 1, 1)  # KST has no daylight saving: any day gives the same shift
        value = dt.datetime.combine(today, value).astimezone(KST).time()
    return value.replace(tzinfo=None)


def read_datetime(text: str) -> dt.datetime:
    """A stored date and time (either kind) as a Korean wall-clock date-time, for a screen."""
    value = dt.datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
    if value.tzinfo is not None:
        value = value.astimezone(KST).replace(tzinfo=None)
    return value
