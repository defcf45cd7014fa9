"""Validate a record's data against its form: JSON Schema plus the platform's own checks.

One validator per form version is built once (``jsonschema`` compiles nothing, but building
the validator and its format checker each time would be wasted work on every save). Errors
come back as ``{field path: [Korean messages]}``; the path of a nested value joins its keys
with dots (``family.0.relation``), a form-level message has the path ``""``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from fractions import Fraction
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft202012Validator, FormatChecker

try:  # the fast "is it valid?" path; jsonschema alone gives the same verdicts, more slowly
    import jsonschema_rs
except ImportError:  # pragma: no cover - a dependency; only a broken install lacks it
    jsonschema_rs = None

from ieum.definitions.model import FormDef
from ieum.forms import messages
from ieum.forms.clock import LOCAL_DATE_TIME, LOCAL_TIME
from ieum.i18n import lazy_gettext as _l

Errors = dict[str, list[str]]

FORMATS = FormatChecker(formats=())
#: Dates a record can hold: a birth date, an admission, a plan. 9999-12-31 (a sentinel some
#: systems use for "open ended") or year 0001 are typing slips, refused as bad dates.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)


#: RFC 3339 section 5.6, ASCII digits only (``\d`` would take a Bengali four).
_FULL_DATE = r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
_PARTIAL_TIME = r"([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
_OFFSET = r"([Zz]|[+-]([0-9]{2}):([0-9]{2}))"
_RFC_TIME = re.compile(_PARTIAL_TIME + _OFFSET)
_RFC_DATE_TIME = re.compile(_FULL_DATE + "[Tt]" + _PARTIAL_TIME + _OFFSET)
#: ieum's own formats for wall-clock values without an offset (what a screen's time and
#: date-and-time inputs give): seconds optional, no offset. See docs/EXTENDING.md.
_LOCAL_TIME = re.compile(r"([0-9]{2}):([0-9]{2})(:([0-9]{2})(\.[0-9]+)?)?")
_LOCAL_DATE_TIME = re.compile(_FULL_DATE + "[Tt ]" + _LOCAL_TIME.pattern)


def _date_ok(year: str, month: str, day: str) -> bool:
    try:
        dt.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def _full_time_ok(hour: str, minute: str, second: str, offset: str, off_h: str | None,
                  off_m: str | None) -> bool:
    """``full-time``: a leap second (``:60``) only where it is 23:59 in UTC."""
    h, m, s = int(hour), int(minute), int(second)
    if h > 23 or m > 59 or s > 60:
        return False
    if offset not in ("Z", "z"):
        oh, om = int(off_h or 0), int(off_m or 0)
        if oh > 23 or om > 59:
            return False
    if s == 60:
        shift = 0 if offset in ("Z", "z") else \
            (1 if offset[0] == "+" else -1) * (int(off_h or 0) * 60 + int(off_m or 0))
        if (h * 60 + m - shift) % (24 * 60) != 23 * 60 + 59:
            return False
    return True


@FORMATS.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    """RFC 3339 ``full-date``, and within the years a record can hold."""
    if not isinstance(value, str):
        return True
    match = re.fullmatch(_FULL_DATE, value)
    if not match or not _date_ok(*match.groups()):
        return False
    return EARLIEST_DATE <= dt.date.fromisoformat(value) <= LATEST_DATE


@FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    """RFC 3339 ``date-time``: seconds and an offset are required."""
    if not isinstance(value, str):
        return True
    match = _RFC_DATE_TIME.fullmatch(value)
    if not match:
        return False
    year, month, day, hour, minute, second, _fraction, offset, off_h, off_m = match.groups()
    return _date_ok(year, month, day) and _full_time_ok(hour, minute, second, offset,
                                                        off_h, off_m)


@FORMATS.checks("time", raises=ValueError)
def _is_time(value: object) -> bool:
    """RFC 3339 ``full-time``: ``08:30:06Z``, ``09:30:00+09:00``; not ``09:30``."""
    if not isinstance(value, str):
        return True
    match = _RFC_TIME.fullmatch(value)
    if not match:
        return False
    hour, minute, second, _fraction, offset, off_h, off_m = match.groups()
    return _full_time_ok(hour, minute, second, offset, off_h, off_m)


def _local_time_ok(hour: str, minute: str, second: str | None) -> bool:
    return int(hour) <= 23 and int(minute) <= 59 and (second is None or int(second) <= 59)


@FORMATS.checks(LOCAL_TIME, raises=ValueError)
def _is_local_time(value: object) -> bool:
    """ieum's ``local-time``: a wall-clock time, ``09:30`` or ``09:30:15``, no offset."""
    if not isinstance(value, str):
        return True
    match = _LOCAL_TIME.fullmatch(value)
    return bool(match) and _local_time_ok(match.group(1), match.group(2), match.group(4))


@FORMATS.checks(LOCAL_DATE_TIME, raises=ValueError)
def _is_local_datetime(value: object) -> bool:
    """ieum's ``local-date-time``: ``2026-03-01T09:30`` (seconds optional), no offset."""
    if not isinstance(value, str):
        return True
    match = _LOCAL_DATE_TIME.fullmatch(value)
    if not match:
        return False
    year, month, day, hour, minute, _s, second, _fraction = match.groups()
    return _date_ok(year, month, day) and _local_time_ok(hour, minute, second)


@FORMATS.checks("email")
def _is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value))


_RRN = re.compile(r"^(\d{2})(\d{2})(\d{2})-?([0-9])(\d{6})$")
_CENTURY = {"1": 1900, "2": 1900, "3": 2000, "4": 2000, "5": 1900, "6": 1900, "7": 2000,
            "8": 2000, "9": 1800, "0": 1800}


def rrn_shape_ok(value: str) -> bool:
    """Six digits of birth date, optional dash, seven digits starting with a gender digit.

    The birth date must exist in the century the gender digit names. There is no checksum:
    numbers issued since October 2020 end in random digits.
    """
    match = _RRN.match(value.strip())
    if not match:
        return False
    yy, mm, dd, gender, _rest = match.groups()
    try:
        dt.date(_CENTURY[gender] + int(yy), int(mm), int(dd))
    except ValueError:
        return False
    return True


def normalise_rrn(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return f"{digits[:6]}-{digits[6:]}" if len(digits) == 13 else value.strip()


def join_path(parts: Any) -> str:
    return ".".join(str(part) for part in parts)


#: Keys whose values are data, not subschemas: never rewritten.
_DATA_KEYS = frozenset({"const", "enum", "default", "examples"})
_ANNOTATIONS = frozenset({"title", "description", "$comment"})


def json_key(value: Any) -> Any:
    """A hashable key under which two values are equal exactly when JSON Schema calls them
    equal: numbers by mathematical value (``1`` and ``1.0``, ``0.0`` and ``-0.0``), a boolean
    never equal to a number, arrays item by item, objects whatever their key order."""
    if value is None:
        return ("null",)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return ("float", repr(value))  # not JSON; only equal to itself
        return ("number", Fraction(value))
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, Mapping):
        return ("object", frozenset((key, json_key(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return ("array", tuple(json_key(item) for item in value))
    return ("other", repr(value))


def _choice_values(branches: Any, *, distinct: bool) -> list[Any] | None:
    """The constants of a ``oneOf``/``anyOf`` that only lists choices (each branch a
    ``const`` with annotations); for a ``oneOf`` (``distinct``) only when no two are equal
    as JSON values (two equal ones make both branches match: the value is refused, which an
    ``enum`` would not do). Else ``None``."""
    if not isinstance(branches, list) or not branches:
        return None
    values: list[Any] = []
    seen: set[Any] = set()
    for branch in branches:
        if not isinstance(branch, dict) or "const" not in branch or any(
                key != "const" and key not in _ANNOTATIONS and not key.startswith("x-")
                for key in branch):
            return None
        value = branch["const"]
        key = json_key(value)
        if key in seen:
            if distinct:
                return None
            continue
        seen.add(key)
        values.append(value)
    return values


def _pointer_tokens(ref: str) -> tuple[str, ...] | None:
    """The tokens of a ``$ref``'s fragment when it is a JSON pointer (``#/a/b``)."""
    _base, _hash, fragment = ref.partition("#")
    fragment = unquote(fragment)
    if not fragment.startswith("/"):
        return None
    return tuple(token.replace("~1", "/").replace("~0", "~")
                 for token in fragment[1:].split("/"))


def _referenced(schema: Any) -> set[tuple[Any, ...]]:
    """Every location a JSON-pointer ``$ref`` (or ``$dynamicRef``) may reach: the pointer
    read from the document's root and from each embedded resource (a subschema with
    ``$id``). More than the refs really reach — which only means fewer rewrites."""
    pointers: list[tuple[str, ...]] = []
    roots: list[tuple[Any, ...]] = [()]

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        if isinstance(node, dict):
            if path and isinstance(node.get("$id"), str):
                roots.append(path)
            for key in ("$ref", "$dynamicRef"):
                if isinstance(node.get(key), str):
                    tokens = _pointer_tokens(node[key])
                    if tokens is not None:
                        pointers.append(tokens)
            for key, value in node.items():
                if key not in _DATA_KEYS:
                    walk(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, (*path, str(index)))

    walk(schema, ())
    return {(*root, *pointer) for root in roots for pointer in pointers}


def for_validation(schema: Any) -> Any:
    """The schema as validated: a ``oneOf`` (or ``anyOf``) of constants becomes the
    equivalent ``enum``. Same values accepted, same message ("not an option"), but one
    membership test instead of a sub-validation (with its error objects) per choice: the
    60 four-point items of the self-reliance assessment made validation 30 % slower than
    the bare validator.

    Exact: a ``oneOf`` is rewritten only when its constants are pairwise different as JSON
    values (:func:`json_key`), and never when a ``$ref`` points into it (the branches it
    names stay where they were). ``tests/test_json_schema_suite.py`` runs the official
    test suite through this path and ``tests/test_validation_rewrite_property.py`` compares
    verdicts with plain ``jsonschema`` on generated schemas."""
    return _rewrite(schema, (), _referenced(schema))


def _rewrite(schema: Any, path: tuple[Any, ...], kept: set[tuple[Any, ...]]) -> Any:
    if isinstance(schema, list):
        return [_rewrite(item, (*path, str(index)), kept) for index, item in enumerate(schema)]
    if not isinstance(schema, dict):
        return schema
    rewritten = {key: value if key in _DATA_KEYS or key.startswith("x-")
                 else _rewrite(value, (*path, key), kept) for key, value in schema.items()}
    if "enum" not in rewritten:
        for keyword in ("oneOf", "anyOf"):
            values = _choice_values(schema.get(keyword), distinct=keyword == "oneOf")
            if values is not None and not _reaches_into(kept, (*path, keyword)):
                del rewritten[keyword]
                rewritten["enum"] = values
                break
    return rewritten


def _reaches_into(kept: set[tuple[Any, ...]], prefix: tuple[Any, ...]) -> bool:
    size = len(prefix)
    return any(len(target) > size and target[:size] == prefix for target in kept)


def build_validator(schema: Any, **options: Any) -> Draft202012Validator:
    """The ``jsonschema`` validator ieum validates with: the schema as rewritten by
    :func:`for_validation`, and ieum's format checks (``options`` go to the validator, e.g.
    a ``registry`` of remote schemas in the test-suite run)."""
    return Draft202012Validator(for_validation(schema), format_checker=FORMATS, **options)


@lru_cache(maxsize=512)
def _validator(form: FormDef) -> Draft202012Validator:
    return build_validator(form.schema_dict())


def _rust_format(check: Any, raises: Any) -> Any:
    """One of ``FORMATS``' checks as ``jsonschema-rs`` calls it: a refusal (``False`` or the
    exception ``FORMATS`` treats as one) is ``False``."""
    refusals: tuple[type[BaseException], ...] = (raises,) if isinstance(raises, type) \
        else tuple(raises or ())

    def run(value: Any) -> bool:
        try:
            return bool(check(value))
        except refusals:
            return False
    return run


@lru_cache(maxsize=512)
def _fast_validator(form: FormDef) -> Any:
    """A ``jsonschema-rs`` validator of the same schema and the same format checks, used only
    to say "no errors" quickly (the common case of a save); whenever it finds a problem — or
    cannot judge — the errors and their messages come from ``jsonschema`` as before. It is
    never laxer than ``jsonschema`` on a shipped form: ``tests/test_forms_property.py`` checks
    the two agree on generated values. ``None`` without the package or for a schema it cannot
    build."""
    return build_fast_validator(form.schema_dict())


def build_fast_validator(schema: Any) -> Any:
    """The ``jsonschema-rs`` twin of :func:`build_validator`, or ``None``."""
    if jsonschema_rs is None:
        return None
    formats = {name: _rust_format(check, raises)
               for name, (check, raises) in FORMATS.checkers.items()}
    try:
        return jsonschema_rs.Draft202012Validator(
            for_validation(schema), formats=formats, validate_formats=True)
    except Exception:  # noqa: BLE001 - no fast path for this schema; jsonschema judges alone
        return None


def _quickly_valid(form: FormDef, data: Mapping[str, Any]) -> bool:
    fast = _fast_validator(form)
    if fast is None:
        return False
    try:
        return bool(fast.is_valid(data))
    except Exception:  # noqa: BLE001 - a value it cannot take (NaN, a huge int): jsonschema
        return False


def validator_for(form: FormDef) -> Draft202012Validator:
    """The cached ``jsonschema`` validator of one loaded form version."""
    return _validator(form)


def _placeholder(form: FormDef, path: list[Any]) -> str | None:
    if len(path) == 1 and isinstance(path[0], str):
        return (form.ui.get(path[0]) or {}).get("placeholder")
    return None


def _add(errors: Errors, path: str, message: str) -> None:
    bucket = errors.setdefault(path, [])
    if message not in bucket:
        bucket.append(message)


def schema_errors(form: FormDef, data: Mapping[str, Any], *, draft: bool = False) -> Errors:
    """JSON Schema errors mapped to field paths; a draft is not held to ``required``."""
    errors: Errors = {}
    if _quickly_valid(form, data):
        _non_finite(data, [], errors)
        return errors
    for error in _leaf_errors(validator_for(form).iter_errors(data)):
        path = list(error.absolute_path)
        if error.validator == "required":
            if draft:
                continue
            instance = error.instance if isinstance(error.instance, Mapping) else {}
            for name in error.validator_value:
                if name not in instance:
                    _add(errors, join_path([*path, name]), str(messages.REQUIRED))
            continue
        if error.validator in ("additionalProperties", "unevaluatedProperties"):
            declared = (error.schema.get("properties") or {}) if isinstance(error.schema,
                                                                            Mapping) else {}
            instance = error.instance if isinstance(error.instance, Mapping) else {}
            for name in instance:
                if name not in declared:
                    _add(errors, join_path([*path, name]), messages.message_for(error))
            continue
        _add(errors, join_path(path), messages.message_for(error, _placeholder(form, path)))
    _non_finite(data, [], errors)
    return errors


NOT_A_NUMBER = _l("올바른 숫자가 아닙니다")
_SCALARS = frozenset({str, int, bool, type(None)})


def _non_finite(value: Any, path: list[Any], errors: Errors) -> None:
    """NaN and ±Infinity (what ``json`` makes of ``NaN``, ``Infinity`` or ``1e400``, and a
    number field of ``float("nan")``) pass JSON Schema's number checks but cannot be stored
    as JSON: refused where they are."""
    if type(value) in _SCALARS:  # the common case, without the ABC checks below
        return
    if isinstance(value, float) and not math.isfinite(value):
        _add(errors, join_path(path), str(NOT_A_NUMBER))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if type(item) not in _SCALARS:
                _non_finite(item, [*path, key], errors)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if type(item) not in _SCALARS:
                _non_finite(item, [*path, index], errors)


def _leaf_errors(errors: Any) -> Any:
    """Errors as people mean them: a ``oneOf`` of constants is one "not an option" error.

    An ``if``/``then`` failure is reported through its inner ``required`` errors, which
    ``jsonschema`` already yields at the instance's path.
    """
    for error in errors:
        if error.validator in ("oneOf", "anyOf") and not _is_choice(error.validator_value):
            inner = list(error.context or ())
            if inner:
                best = min(inner, key=lambda e: len(list(e.absolute_path)))
                yield best
                continue
        yield error


def _is_choice(branches: Any) -> bool:
    return isinstance(branches, list) and all(
        isinstance(b, Mapping) and "const" in b for b in branches)


def rrn_errors(form: FormDef, data: Mapping[str, Any]) -> Errors:
    """Fields marked ``x-sensitive: rrn`` must look like a resident registration number."""
    errors: Errors = {}
    for name, kind in form.sensitive.items():
        value = data.get(name)
        if kind == "rrn" and isinstance(value, str) and value and not rrn_shape_ok(value):
            _add(errors, name, str(messages.RRN_SHAPE))
    return errors


def merge(*parts: Errors) -> Errors:
    merged: Errors = {}
    for part in parts:
        for path, items in part.items():
            for message in items:
                _add(merged, path, message)
    return merged
