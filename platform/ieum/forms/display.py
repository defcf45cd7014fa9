"""Stored values as people read them on detail, list and print screens, in the request's
language (choice titles are content texts, translated as they are shown)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ieum.forms import clock
from ieum.forms.fields import Field
from ieum.i18n import content_text
from ieum.i18n import gettext as _


def mask_rrn(value: str) -> str:
    """``900101-1234567`` -> ``900101-1******``: birth date and gender digit stay readable."""
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) != 13:
        return "*" * len(value)
    return f"{digits[:6]}-{digits[6]}******"


def display(item: Field, value: Any) -> str:
    """One value of ``item`` as text; rows and groups are drawn by the templates."""
    if value is None or value == "" or value == []:
        return ""
    kind = item.kind
    if kind == "boolean":
        return _("예") if value else _("아니오")
    if kind in ("select", "radio"):
        return content_text(item.label_of(value))
    if kind in ("checkboxes", "multiselect") and isinstance(value, list):
        return ", ".join(content_text(item.label_of(v)) for v in value)
    if kind == "rrn" and isinstance(value, Mapping) and "masked" in value:
        return str(value["masked"])
    if kind == "rrn" and isinstance(value, str):
        return value if "*" in value else mask_rrn(value)
    if kind == "datetime" and isinstance(value, str):
        try:
            return clock.read_datetime(value).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    if kind == "time" and isinstance(value, str):
        try:
            shown = clock.read_time(value)
            return shown.strftime("%H:%M:%S" if shown.second else "%H:%M")
        except ValueError:
            return value
    if kind in ("integer", "number") and isinstance(value, (int, float)):
        whole = isinstance(value, int) or value.is_integer()
        if "year" in item.name:  # 2026, not 2,026
            return str(int(value)) if whole else str(value)
        return f"{int(value):,}" if whole else f"{value:,}"
    if kind == "subjects" and isinstance(value, list):
        return _("%(n)s명", n=len(value))
    if kind == "rows" and isinstance(value, list):
        return _("%(n)s건", n=len(value))
    if kind == "group" and isinstance(value, Mapping):
        return ", ".join(display(child, value.get(child.name)) for child in item.children
                         if value.get(child.name) not in (None, ""))
    return str(value)
