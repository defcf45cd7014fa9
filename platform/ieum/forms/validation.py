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
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

try:  # the fast "is it valid?" path; jsonschema alone gives the same verdicts, more slowly
    import jsonschema_rs
except ImportError:  # pragma: no cover - a dependency; only a broken install lacks it
    jsonschema_rs = None

from ieum.definitions.model import FormDef
from ieum.forms import messages

Errors = dict[str, list[str]]

FORMATS = FormatChecker(formats=())
#: Dates a record can hold: a birth date, an admission, a plan. 9999-12-31 (a sentinel some
#: systems use for "open ended") or year 0001 are typing slips, refused as bad dates.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)


@FORMATS.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    return EARLIEST_DATE <= dt.date.fromisoformat(value) <= LATEST_DATE


@FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?",
                        value):
        return False
    dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@FORMATS.checks("time", raises=ValueError)
def _is_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{2}:\d{2}(:\d{2})?", value):
        return False
    dt.time.fromisoformat(value)
    return True


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


def _choice_values(branches: Any) -> list[Any] | None:
    """The constants of a ``oneOf``/``anyOf`` that only lists choices (each branch a
    ``const`` with annotations), when they are all different; else ``None``."""
    if not isinstance(branches, list) or not branches:
        return None
    values: list[Any] = []
    seen: set[tuple[str, str]] = set()
    for branch in branches:
        if not isinstance(branch, dict) or "const" not in branch or any(
                key != "const" and key not in _ANNOTATIONS and not key.startswith("x-")
                for key in branch):
            return None
        value = branch["const"]
        key = (type(value).__name__, repr(value))
        if key in seen:
            return None
        seen.add(key)
        values.append(value)
    return values


def for_validation(schema: Any) -> Any:
    """The schema as validated: a ``oneOf`` (or ``anyOf``) of distinct constants becomes
    the equivalent ``enum``. Same values accepted, same message ("not an option"), but one
    membership test instead of a sub-validation (with its error objects) per choice: the
    60 four-point items of the self-reliance assessment made validation 30 % slower than
    the bare validator."""
    if isinstance(schema, list):
        return [for_validation(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    rewritten = {key: value if key in _DATA_KEYS or key.startswith("x-")
                 else for_validation(value) for key, value in schema.items()}
    if "enum" not in rewritten:
        for keyword in ("oneOf", "anyOf"):
            values = _choice_values(schema.get(keyword))
            if values is not None:
                del rewritten[keyword]
                rewritten["enum"] = values
                break
    return rewritten


@lru_cache(maxsize=512)
def _validator(form: FormDef) -> Draft202012Validator:
    return Draft202012Validator(for_validation(form.schema_dict()), format_checker=FORMATS)


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
    if jsonschema_rs is None:
        return None
    formats = {name: _rust_format(check, raises)
               for name, (check, raises) in FORMATS.checkers.items()}
    try:
        return jsonschema_rs.Draft202012Validator(
            for_validation(form.schema_dict()), formats=formats, validate_formats=True)
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
                    _add(errors, join_path([*path, name]), messages.REQUIRED)
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


NOT_A_NUMBER = "올바른 숫자가 아닙니다"
_SCALARS = frozenset({str, int, bool, type(None)})


def _non_finite(value: Any, path: list[Any], errors: Errors) -> None:
    """NaN and ±Infinity (what ``json`` makes of ``NaN``, ``Infinity`` or ``1e400``, and a
    number field of ``float("nan")``) pass JSON Schema's number checks but cannot be stored
    as JSON: refused where they are."""
    if type(value) in _SCALARS:  # the common case, without the ABC checks below
        return
    if isinstance(value, float) and not math.isfinite(value):
        _add(errors, join_path(path), NOT_A_NUMBER)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _non_finite(item, [*path, key], errors)
    elif isinstance(value, list):
        for index, item in enumerate(value):
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
            _add(errors, name, messages.RRN_SHAPE)
    return errors


def merge(*parts: Errors) -> Errors:
    merged: Errors = {}
    for part in parts:
        for path, items in part.items():
            for message in items:
                _add(merged, path, message)
    return merged
