"""Turn submitted values into a record's data: visibility, computed fields, validation, rules.

``process`` is the one path every save takes (HTML screen, JSON API, Excel import, workflow
task), so the same input gets the same errors everywhere.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ieum.definitions.forms import CONTEXT_NAMES
from ieum.definitions.model import FormDef
from ieum.expressions import EvalError, compile_expression
from ieum.forms import text
from ieum.forms.clock import DATE_TIME_FORMATS, read_datetime
from ieum.forms.fields import primary_type
from ieum.forms.validation import Errors, merge, normalise_rrn, rrn_errors, schema_errors
from ieum.i18n import content_text
from ieum.i18n import gettext as _


@dataclass(frozen=True)
class Outcome:
    """The data to store and the errors that stop it from being stored."""

    data: dict[str, Any]
    errors: Errors = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()

    @property
    def ok(self) -> bool:
        return not self.errors


@lru_cache(maxsize=512)
def _field_shapes(form: FormDef) -> tuple[tuple[str, ...], tuple[tuple[str, bool], ...]]:
    """The declared field names, and the ``(name, is a plain date)`` of the ``date`` /
    ``date-time`` ones: read once per form version instead of on every evaluation."""
    names, dates = [], []
    for name, schema in form.properties.items():
        names.append(name)
        fmt = schema.get("format") if isinstance(schema, Mapping) else None
        if fmt == "date" or fmt in DATE_TIME_FORMATS:
            dates.append((name, fmt == "date"))
    return tuple(names), tuple(dates)


@lru_cache(maxsize=512)
def _computed_reads_computed(form: FormDef) -> bool:
    """Whether an ``x-computed`` expression names a computed field (then a second pass can
    change a value; otherwise it recomputes the first pass's values from the same inputs)."""
    computed = set(form.computed)
    return any(computed & set(compile_expression(source).names)
               for source in form.computed.values())


@lru_cache(maxsize=512)
def _kept_fields(form: FormDef) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The declared fields the platform fills in, not the submitter: the computed ones and
    the ``readOnly`` ones (which keep their stored value), in the form's order."""
    computed, read_only = [], []
    for name, schema in form.properties.items():
        if name in form.computed:
            computed.append(name)
        elif isinstance(schema, Mapping) and schema.get("readOnly"):
            read_only.append(name)
    return tuple(computed), tuple(read_only)


def _typed(form: FormDef, data: Mapping[str, Any]) -> dict[str, Any]:
    """The expression environment: every declared field (absent ones as ``None``), with
    ``date`` / ``date-time`` strings turned into date objects so ``today()`` compares."""
    names, dates = _field_shapes(form)
    get = data.get
    env: dict[str, Any] = {name: get(name) for name in names}
    for name, plain in dates:
        value = env[name]
        if isinstance(value, str):
            try:
                env[name] = (dt.date.fromisoformat(value) if plain
                             else read_datetime(value))
            except ValueError:
                pass  # the schema check reports the bad value
    return env


def _environment(form: FormDef, data: Mapping[str, Any],
                 parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    """Fields plus the context names; ``parameters`` holds the unit's parameters and, from
    the records service, ``record_counts`` and ``subject``."""
    context = dict(parameters or {})
    env = _typed(form, data)
    env["params"] = {k: v for k, v in context.items() if k not in CONTEXT_NAMES}
    env["record_counts"] = dict(context.get("record_counts") or {})
    env["subject"] = dict(context.get("subject") or {})
    return env


def _json_value(value: Any, schema: Mapping[str, Any]) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if primary_type(schema) == "integer" and value.is_integer():
            return int(value)
        return round(value, 10)
    return value


def _evaluate(source: str, env: Mapping[str, Any], today: dt.date) -> Any:
    return compile_expression(source).evaluate(env, today=today)


def _has_missing_input(source: str, env: Mapping[str, Any]) -> bool:
    return any(env.get(name) is None for name in compile_expression(source).names)


def hidden_fields(form: FormDef, data: Mapping[str, Any], today: dt.date,
                  parameters: Mapping[str, Any] | None = None) -> frozenset[str]:
    """Fields whose ``x-visible`` condition does not hold for ``data``."""
    if not form.visible:
        return frozenset()
    env = _environment(form, data, parameters)
    return frozenset(name for name, source in form.visible.items()
                     if not _truthy(_evaluate(source, env, today)))


def _truthy(value: Any) -> bool:
    return not isinstance(value, EvalError) and bool(value)


def process(form: FormDef, submitted: Mapping[str, Any], *, today: dt.date,
            draft: bool = False, previous: Mapping[str, Any] | None = None,
            parameters: Mapping[str, Any] | None = None) -> Outcome:
    """Validate ``submitted`` for ``form`` and return the data to store.

    Read-only fields keep their stored value, computed fields are recomputed, fields hidden by
    ``x-visible`` lose their value, and a draft (임시저장) is checked for types and bounds but
    not for required fields or cross-field rules.
    """
    properties = form.properties
    refused: Errors = {}
    for name, value in submitted.items():  # text the stores cannot hold (ieum.forms.text)
        in_name = text.first_problem(name)
        reason = in_name or text.first_problem(value)
        if reason:
            refused.setdefault("" if in_name else name, []).append(reason)
    if refused:
        return Outcome(data={}, errors=refused)
    data = {k: text.cleaned(copy.deepcopy(v)) if isinstance(v, dict | list | str) else v
            for k, v in submitted.items() if v is not None}
    unknown = _("양식에 없는 항목입니다")
    errors: Errors = {name: [unknown] for name in data if name not in properties}
    for name in list(errors):
        data.pop(name)
    computed, read_only = _kept_fields(form)
    for name in computed:
        data.pop(name, None)
    for name in read_only:
        data.pop(name, None)
        if previous and previous.get(name) is not None:
            data[name] = copy.deepcopy(previous[name])
    for name, kind in form.sensitive.items():
        if kind == "rrn" and isinstance(data.get(name), str):
            data[name] = normalise_rrn(data[name])

    hidden = hidden_fields(form, data, today, parameters)
    for name in hidden:
        data.pop(name, None)
    _compute(form, data, today, parameters)

    errors = merge(errors, schema_errors(form, data, draft=draft), rrn_errors(form, data))
    errors = {path: items for path, items in errors.items()
              if path.split(".", 1)[0] not in hidden}
    if not draft:
        errors = merge(errors, rule_errors(form, data, today, parameters))
    return Outcome(data=data, errors=errors, hidden=hidden)


def _compute(form: FormDef, data: dict[str, Any], today: dt.date,
             parameters: Mapping[str, Any] | None) -> None:
    """Evaluate ``x-computed`` in order; a second pass settles fields that use later ones
    (needed only when one computed field reads another)."""
    if not form.computed:
        return
    for _pass in range(2 if _computed_reads_computed(form) else 1):
        env = _environment(form, data, parameters)
        for name, source in form.computed.items():
            value = _evaluate(source, env, today)
            if isinstance(value, EvalError) or value is None:
                data.pop(name, None)
                env[name] = None
            else:
                data[name] = _json_value(value, form.properties.get(name, {}))
                env[name] = value


def rule_errors(form: FormDef, data: Mapping[str, Any], today: dt.date,
                parameters: Mapping[str, Any] | None = None) -> Errors:
    """``x-rules`` that do not hold; a rule whose inputs are not all filled in is skipped
    (the missing field has its own "required" message if it is required)."""
    env = _environment(form, data, parameters)
    errors: Errors = {}
    for rule in form.rules:
        source = rule["rule"]
        result = _evaluate(source, env, today)
        if isinstance(result, EvalError) and _has_missing_input(source, env):
            continue
        if isinstance(result, EvalError) or not result:
            for path in rule.get("fields") or ("",):
                errors.setdefault(path, []).append(content_text(rule["message"]))
    return errors

