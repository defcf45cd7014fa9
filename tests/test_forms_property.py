"""Property: every form of the shipped library takes any submitted values without crashing.

For each form of ``forms/*.json``, generated values (mostly shaped like the form, some hostile:
wrong types, odd strings, unknown keys, nested junk) go through the form engine
(``ieum.forms.engine.process``), as a final save and as a draft. The outcome is either accepted
(no errors, data that can be stored as JSON and that is accepted again unchanged) or refused
with field errors: each key names a field of the form (or "" for a form-wide rule) and carries
at least one non-empty Korean message. Never an exception.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ieum.config import REPOSITORY_ROOT
from ieum.definitions import load_registry
from ieum.definitions.model import FormDef, Registry
from ieum.forms.engine import process
from tests.formvalues import form_values

TODAY = dt.date(2026, 3, 16)
EXAMPLES = int(os.environ.get("IEUM_FUZZ_EXAMPLES_FORMS", "25"))  # make fuzz raises it
HANGUL = re.compile(r"[가-힣]")


@cache
def shipped() -> Registry:
    return load_registry([str(REPOSITORY_ROOT)], plugins=False)


def parameters_for(registry: Registry, form_id: str) -> Mapping[str, Any]:
    """The unit parameters a facility using this form would pass (empty if none uses it)."""
    for profile in registry.profiles.values():
        for unit_id in profile.unit_ids:
            unit = registry.unit_functions.get(unit_id)
            if unit is not None and form_id in unit.forms:
                return dict(profile.parameters_for(unit_id))
    return {}


FORM_IDS = sorted(shipped().forms)


def check_outcome(form: FormDef, values: Mapping[str, Any], outcome, parameters,
                  draft: bool) -> None:
    known = set(form.properties) | set(values)  # an unknown key is refused under its own name
    for path, messages in outcome.errors.items():
        assert isinstance(path, str)
        assert path == "" or path in known or path.split(".", 1)[0] in known, path
        assert messages and all(isinstance(m, str) and HANGUL.search(m) for m in messages), (
            path, messages)
    if outcome.ok:
        stored = json.loads(json.dumps(outcome.data, allow_nan=False))
        again = process(form, stored, today=TODAY, draft=draft, previous=stored,
                        parameters=parameters)
        assert again.ok, again.errors
        assert again.data == stored


def test_every_shipped_form_is_covered() -> None:
    assert len(FORM_IDS) >= 40


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_generated_values_are_accepted_or_refused_with_field_errors(form_id: str) -> None:
    registry = shipped()
    form = registry.forms[form_id]
    parameters = parameters_for(registry, form_id)

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much])
    @given(values=form_values(form), draft=st.booleans())
    def run(values: dict[str, Any], draft: bool) -> None:
        outcome = process(form, values, today=TODAY, draft=draft, parameters=parameters)
        check_outcome(form, values, outcome, parameters, draft)

    run()


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_mostly_valid_values_can_be_accepted(form_id: str) -> None:
    """Not vacuous: shaped values without hostile ones pass for some examples of most forms
    (drafts skip required fields and rules, so a draft of shaped values must pass)."""
    registry = shipped()
    form = registry.forms[form_id]
    parameters = parameters_for(registry, form_id)
    accepted: list[bool] = []

    @settings(max_examples=10, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(values=form_values(form, hostile=0.0))
    def run(values: dict[str, Any]) -> None:
        outcome = process(form, values, today=TODAY, draft=True, parameters=parameters)
        check_outcome(form, values, outcome, parameters, True)
        accepted.append(outcome.ok)

    run()
    assert any(accepted), f"{form_id}: no shaped draft was accepted"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_numbers_are_refused_with_a_field_error(value: float) -> None:
    """Found by the property above: NaN and ±Infinity passed JSON Schema's number checks and
    came back as "accepted" data that JSON (and PostgreSQL) cannot store."""
    registry = shipped()
    form = registry.forms["donation"]
    number = next(name for name, schema in form.properties.items()
                  if isinstance(schema, Mapping) and schema.get("type") in ("integer", "number"))
    for draft in (True, False):
        outcome = process(form, {number: value}, today=TODAY, draft=draft,
                          parameters=parameters_for(registry, "donation"))
        assert "올바른 숫자가 아닙니다" in outcome.errors[number]
    nested = process(form, {"note": "x", number: [value]}, today=TODAY, draft=True)
    assert not nested.ok


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_the_fast_validator_agrees_with_jsonschema(form_id: str) -> None:
    """``forms.validation`` answers "no errors" from ``jsonschema-rs`` when it can (issue 15):
    on generated values, shaped and hostile, its verdict is ``jsonschema``'s, so the errors
    (and their Korean messages) of every save are those ``jsonschema`` alone would give."""
    from ieum.forms import validation

    registry = shipped()
    form = registry.forms[form_id]
    assert validation._fast_validator(form) is not None, f"{form_id}: no fast validator"
    bare = validation.validator_for(form)

    @settings(max_examples=max(EXAMPLES, 40), deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much])
    @given(values=st.one_of(form_values(form), form_values(form, hostile=0.0)))
    def run(values: dict[str, Any]) -> None:
        data = {k: v for k, v in values.items() if v is not None}
        valid = not any(True for _ in bare.iter_errors(data))
        assert validation._quickly_valid(form, data) == valid, (form_id, data)

    run()
