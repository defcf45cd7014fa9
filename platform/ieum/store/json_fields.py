"""One field of a record's JSON ``data`` as a SQL expression of its kind.

The records service filters and sorts list pages with these expressions and the list
indexes (``ieum.store.indexes``) are built on the same ones, so the planner matches them.
The field is named by its name and its kind (``ieum.forms.fields`` kinds): the store knows
no form.
"""

from __future__ import annotations

from typing import Any

from ieum.store.models import Record


def json_field(name: str, kind: str, data: Any = Record.data) -> Any:
    """``data[name]`` as the scalar a field of ``kind`` holds: integer, number (float),
    boolean, else a string (dates and times are ISO strings). ``data`` is ``record.data``
    or another copy of that column (an index is built on a table copy)."""
    element = data[name]
    if kind == "integer":
        return element.as_integer()
    if kind == "number":
        return element.as_float()
    if kind == "boolean":
        return element.as_boolean()
    return element.as_string()
