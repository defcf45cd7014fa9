"""Hypothesis strategies for the values of a form, read from its JSON Schema.

``form_values(form)`` draws dicts that are mostly shaped like the form (the right types, the
declared choices, dates as ISO strings, patterns honoured) with a share of hostile values mixed
in: wrong types, edge numbers, huge and odd strings, unknown keys, nested junk. Used by the form
property test and by the API fuzzer to get past the "data is not a form" answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from ieum.definitions.model import FormDef

HOSTILE_TEXT = st.sampled_from([
    "", " ", "\x00", "<script>alert(1)</script>", "' OR 1=1 --", "\"; DROP TABLE record; --",
    "%", "_", "\\", "../../etc/passwd", "𝕏" * 3, "가" * 5000, "\u202e", "NaN", "1e309",
    "2026-02-30", "2026-13-01", "9999-12-31", "0000-01-01", "24:00", "25:61", "-1", "0x10",
])
FINITE_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-2**70, 2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=30), HOSTILE_TEXT,
)
# What Python's json (and so Flask's request.get_json) makes of NaN, Infinity, 1e400; an HTTP
# client cannot send them as JSON, so the API fuzzer leaves them out.
NON_FINITE = st.sampled_from([float("nan"), float("inf"), float("-inf")])


def _nested(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
        max_leaves=8)


WILD = _nested(st.one_of(FINITE_SCALARS, NON_FINITE))
WILD_FINITE = _nested(FINITE_SCALARS)

DATES = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))


def _types(schema: Mapping[str, Any]) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, list):
        return [k for k in kind if isinstance(k, str)]
    return [kind] if isinstance(kind, str) else []


def _choices(schema: Mapping[str, Any]) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    if isinstance(schema.get("enum"), list):
        return list(schema["enum"])
    branches = schema.get("oneOf") or schema.get("anyOf")
    if isinstance(branches, list) and branches and all(
            isinstance(b, Mapping) and "const" in b for b in branches):
        return [b["const"] for b in branches]
    return None


def _string(schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    fmt = schema.get("format")
    if fmt == "date":
        return DATES.map(dt.date.isoformat)
    if fmt == "date-time":
        return st.builds(lambda d, h, m: f"{d.isoformat()}T{h:02d}:{m:02d}:00+09:00", DATES,
                         st.integers(0, 23), st.integers(0, 59))
    if fmt == "time":
        return st.builds(lambda h, m: f"{h:02d}:{m:02d}:00+09:00", st.integers(0, 23),
                         st.integers(0, 59))
    if fmt == "local-date-time":
        return st.builds(lambda d, h, m: f"{d.isoformat()}T{h:02d}:{m:02d}", DATES,
                         st.integers(0, 23), st.integers(0, 59))
    if fmt == "local-time":
        return st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23),
                         st.integers(0, 59))
    if fmt == "email":
        return st.emails().map(str)
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        return st.from_regex(pattern, fullmatch=True)
    low = int(schema.get("minLength", 0))
    high = schema.get("maxLength")
    high = min(int(high), low + 40) if high is not None else low + 40
    return st.text(min_size=low, max_size=max(low, high))


def _number(schema: Mapping[str, Any], integer: bool) -> st.SearchStrategy[Any]:
    low, high = schema.get("minimum"), schema.get("maximum")
    if integer:
        low = int(low) if isinstance(low, int | float) else -10**6
        high = int(high) if isinstance(high, int | float) else 10**6
        return st.integers(min(low, high), max(low, high))
    return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)


def shaped(schema: Any, depth: int = 0, hostile: float = 0.15,
           wild: st.SearchStrategy[Any] = WILD) -> st.SearchStrategy[Any]:
    """A value that fits ``schema`` as far as its type, choices and bounds go."""
    if not isinstance(schema, Mapping) or depth > 4:
        return wild
    choices = _choices(schema)
    if choices is not None:
        return st.sampled_from(choices)
    options: list[st.SearchStrategy[Any]] = []
    for kind in _types(schema) or ["string"]:
        if kind == "string":
            options.append(_string(schema))
        elif kind in ("integer", "number"):
            options.append(_number(schema, kind == "integer"))
        elif kind == "boolean":
            options.append(st.booleans())
        elif kind == "null":
            options.append(st.none())
        elif kind == "array":
            low = int(schema.get("minItems", 0))
            high = max(low, min(int(schema.get("maxItems", low + 3)), low + 3))
            items = schema.get("items")
            element = shaped(items, depth + 1, hostile, wild) if isinstance(items, Mapping) \
                else wild
            options.append(st.lists(element, min_size=low, max_size=high,
                                    unique_by=(lambda v: repr(v))
                                    if schema.get("uniqueItems") else None))
        elif kind == "object":
            options.append(objects(schema, depth + 1, hostile, wild))
    return st.one_of(options) if options else wild


@st.composite
def objects(draw: st.DrawFn, schema: Mapping[str, Any], depth: int = 0,
            hostile: float = 0.15, wild: st.SearchStrategy[Any] = WILD) -> dict[str, Any]:
    """An object of the schema's properties: each present or not, a share of them hostile."""
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    value: dict[str, Any] = {}
    for name, sub in properties.items():
        if name not in required and not draw(st.booleans()):
            continue
        if draw(st.floats(0, 1)) < hostile:
            value[name] = draw(st.one_of(wild, HOSTILE_TEXT))
        else:
            value[name] = draw(shaped(sub, depth, hostile, wild))
    if draw(st.floats(0, 1)) < hostile / 3:
        value[draw(st.text(min_size=1, max_size=10))] = draw(wild)
    return value


def form_values(form: FormDef, hostile: float = 0.15,
                finite: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """``finite``: no NaN/Infinity (for values sent over HTTP as standard JSON)."""
    return objects(form.schema_dict(), hostile=hostile, wild=WILD_FINITE if finite else WILD)
