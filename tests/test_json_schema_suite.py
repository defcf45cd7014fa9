"""The official JSON-Schema-Test-Suite (draft 2020-12) through ieum's validation path.

The suite's files are vendored under ``tests/data/json_schema_test_suite`` (its licence and
commit are in the README there): every required test of draft 2020-12, and of the optional
ones those ieum asserts — the ``date``, ``date-time`` and ``time`` formats (ieum checks
formats; RFC 3339) and big numbers. Each schema goes through :func:`build_validator`
(the ``oneOf``-of-constants rewrite and ieum's format checks) exactly as a form's schema does,
with the suite's remote schemas served from the vendored ``remotes`` folder.

Nothing is skipped silently: a case ieum is known to decide differently is listed in
``KNOWN`` with the reason, and the test fails if a listed case starts to agree (so the list
never hides anything) or if any other case disagrees.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ieum.forms.validation import build_fast_validator, build_validator

SUITE = Path(__file__).parent / "data" / "json_schema_test_suite"
TESTS = SUITE / "tests" / "draft2020-12"
REMOTES = SUITE / "remotes"

_ASSERTED = ("ieum asserts formats (a form must refuse a bad date), which draft 2020-12 "
             "allows as the format-assertion vocabulary; the suite's default is annotation only")
_RANGE = ("ieum refuses dates before 1900-01-01 or after 2199-12-31 on purpose: in a record "
          "they are typing slips (forms/validation.py EARLIEST_DATE/LATEST_DATE)")
_UNICODE_PROPERTY = ("an ECMA-262 Unicode property escape (\\p{Letter}): Python's re has no "
                     "\\p, so jsonschema raises re.error; no shipped form uses one")

#: (file, group description, test description) -> why ieum decides it differently.
KNOWN: dict[tuple[str, str, str], str] = {
    **{("format.json", f"{fmt} format", f"invalid {fmt} string is only an annotation by default"):
       _ASSERTED for fmt in ("email", "date", "date-time", "time")},
    ("optional/format/date.json", "validation of date strings",
     "century year 0400 is a leap year"): _RANGE,
    ("optional/format/date.json", "validation of date strings",
     "valid: four-digit year 0001"): _RANGE,
    ("optional/format/date.json", "validation of date strings",
     "valid: date inside the Julian to Gregorian reform gap"): _RANGE,
    **{("pattern.json", "pattern with Unicode property escape requires unicode mode", case):
       _UNICODE_PROPERTY for case in ("ASCII letters match", "Non-ASCII letters match",
                                      "Digits do not match")},
    **{("patternProperties.json", "patternProperties with Unicode property escape", case):
       _UNICODE_PROPERTY for case in ("Unicode letter property name matches",
                                      "Non-letter property name does not match pattern")},
    ("vocabulary.json", "schema that uses custom metaschema with with no validation vocabulary",
     "no validation: invalid number, but it still validates"):
        "jsonschema does not honour $vocabulary of a custom metaschema; ieum's forms "
        "always use the standard 2020-12 metaschema",
}

#: Cases where only the fast path (jsonschema-rs, used to say "no errors" quickly) differs;
#: the verdict of a save still comes from jsonschema there, so these are listed for honesty.
KNOWN_FAST: dict[tuple[str, str, str], str] = {}


def _registry() -> Registry:
    resources = []
    for path in sorted(REMOTES.rglob("*.json")):
        uri = "http://localhost:1234/" + path.relative_to(REMOTES).as_posix()
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((uri, Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def _groups() -> list[Any]:
    params = []
    for path in sorted(TESTS.rglob("*.json")):
        name = path.relative_to(TESTS).as_posix()
        for index, group in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            params.append(pytest.param(name, group, id=f"{name}:{index}"))
    return params


GROUPS = _groups()


def test_the_vendored_suite_is_complete() -> None:
    """Every required file of the suite is here (a lost file would shrink the run silently)."""
    required = [p for p in TESTS.glob("*.json")]
    assert len(required) >= 45
    assert sum(len(g.values[1]["tests"]) for g in GROUPS) > 1200
    assert (SUITE / "LICENSE").is_file()


@pytest.mark.parametrize(("name", "group"), GROUPS)
def test_suite_group(name: str, group: dict[str, Any]) -> None:
    validator = build_validator(group["schema"], registry=REGISTRY)
    wrong, fixed = [], []
    for case in group["tests"]:
        key = (name, group["description"], case["description"])
        try:
            agrees = validator.is_valid(case["data"]) == case["valid"]
        except re.error:
            agrees = False
        if key in KNOWN:
            if agrees:
                fixed.append(key)
        elif not agrees:
            wrong.append((key, case["data"], case["valid"]))
    assert not wrong, f"ieum decides these differently from the suite: {wrong}"
    assert not fixed, f"listed in KNOWN but now agree (remove them): {fixed}"


@pytest.mark.parametrize(("name", "group"), GROUPS)
def test_suite_group_fast_path_never_laxer(name: str, group: dict[str, Any]) -> None:
    """The fast path only answers "valid": it must never call valid what the suite refuses."""
    fast = build_fast_validator(group["schema"])
    if fast is None:  # no fast path for this schema: jsonschema alone judges (tested above)
        return
    lax = []
    for case in group["tests"]:
        key = (name, group["description"], case["description"])
        if key in KNOWN or key in KNOWN_FAST or case["valid"]:
            continue
        try:
            said_valid = fast.is_valid(case["data"])
        except Exception:  # noqa: BLE001 - ieum falls back to jsonschema then
            continue
        if said_valid:
            lax.append(key)
    assert not lax, f"the fast path calls these valid: {lax}"
