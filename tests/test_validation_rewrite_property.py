"""Property: ieum's schema rewrite (``oneOf``/``anyOf`` of constants -> ``enum``) never changes
a verdict.

Generated schemas hold choice lists whose constants are often equal as JSON values while
different in Python (``1``/``1.0``, ``0.0``/``-0.0``, ``[1]``/``[1.0]``, objects in another key
order) next to ``true``/``1`` (different in JSON), nested in properties, array items and
``$defs``, with ``$ref``s into the choice branches. Each generated instance gets the same
verdict from ieum's validator (:func:`ieum.forms.validation.build_validator`) as from plain
``jsonschema`` on the schema as written, and the rewrite never raises.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from ieum.forms.validation import FORMATS, build_validator, for_validation, json_key

EXAMPLES = int(os.environ.get("IEUM_FUZZ_EXAMPLES_REWRITE", "300"))

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 3), st.sampled_from([0.0, -0.0, 1.0, 2.5, 1e20]),
    st.sampled_from(["a", "b", "1", ""]))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3)),
    max_leaves=6)


def twin(value: Any) -> Any:
    """A value JSON Schema calls equal to ``value`` but Python spells differently."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, float):
        if value == 0:
            return -value
        return int(value) if value.is_integer() else value
    if isinstance(value, list):
        return [twin(item) for item in value]
    return {key: twin(value[key]) for key in reversed(list(value))}


@st.composite
def constants(draw: Any) -> list[Any]:
    picked = draw(st.lists(values, min_size=1, max_size=4))
    extra = [twin(v) for v in picked if draw(st.booleans())]
    confusable = [1 if v is True else 0 if v is False else v for v in picked
                  if isinstance(v, bool) and draw(st.booleans())]
    return draw(st.permutations(picked + extra + confusable))


@st.composite
def choice(draw: Any) -> dict[str, Any]:
    consts = draw(constants())
    keyword = draw(st.sampled_from(["oneOf", "anyOf"]))
    branches = [{"const": value, **({"title": f"choice {i}"} if draw(st.booleans()) else {})}
                for i, value in enumerate(consts)]
    schema: dict[str, Any] = {keyword: branches}
    if draw(st.booleans()):
        schema["description"] = "a list of choices"
    return schema


def branch_refs(name: str, schema: dict[str, Any], base: str) -> list[str]:
    keyword = "oneOf" if "oneOf" in schema else "anyOf"
    return [f"{base}/{keyword}/{i}" for i in range(len(schema[keyword]))] + [base]


@st.composite
def documents(draw: Any) -> tuple[dict[str, Any], list[Any]]:
    x, y, defined = draw(choice()), draw(choice()), draw(choice())
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {"x": x, "y": {"type": "array", "items": y}},
        "$defs": {"c": defined},
    }
    targets = branch_refs("c", defined, "#/$defs/c") + branch_refs("x", x, "#/properties/x")
    if draw(st.booleans()):
        schema["properties"]["z"] = {"$ref": draw(st.sampled_from(targets))}
    consts = [b["const"] for s in (x, y, defined) for b in s.get("oneOf", s.get("anyOf"))]
    pick = st.one_of(st.sampled_from(consts), st.sampled_from(consts).map(twin), values)
    instances = draw(st.lists(st.builds(
        lambda a, b, c: {"x": a, "y": b, "z": c}, pick, st.lists(pick, max_size=2), pick),
        min_size=1, max_size=4))
    return schema, instances


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(documents())
def test_rewrite_never_changes_a_verdict(document: tuple[dict[str, Any], list[Any]]) -> None:
    schema, instances = document
    plain = Draft202012Validator(schema, format_checker=FORMATS)
    ours = build_validator(schema)
    for instance in instances:
        assert ours.is_valid(instance) == plain.is_valid(instance), (schema, instance)


def test_json_equality_is_exact() -> None:
    assert json_key(1) == json_key(1.0)
    assert json_key(0.0) == json_key(-0.0)
    assert json_key([1]) == json_key([1.0])
    assert json_key({"a": 1, "b": 2}) == json_key({"b": 2.0, "a": 1})
    assert json_key(True) != json_key(1)
    assert json_key(False) != json_key(0)
    assert json_key(2**53 + 1) != json_key(float(2**53))
    assert json_key([True]) != json_key([1])


def test_equal_constants_stay_a_one_of() -> None:
    """``oneOf [1, 1.0]`` refuses 1 (both branches match): it must not become an ``enum``."""
    for pair in ([1, 1.0], [0.0, -0.0], [[1], [1.0]], [{"a": 1, "b": 2}, {"b": 2, "a": 1}]):
        schema = {"oneOf": [{"const": pair[0]}, {"const": pair[1]}]}
        assert for_validation(schema) == schema
        assert not build_validator(schema).is_valid(pair[0])
    distinct = {"oneOf": [{"const": True}, {"const": 1}]}
    assert for_validation(distinct) == {"enum": [True, 1]}
    assert build_validator(distinct).is_valid(1) and build_validator(distinct).is_valid(True)


def test_a_ref_into_a_choice_list_keeps_its_target() -> None:
    schema = {"properties": {"kind": {"oneOf": [{"const": "a", "title": "가"},
                                                {"const": "b", "title": "나"}]},
                             "first": {"$ref": "#/properties/kind/oneOf/0"}},
              "$defs": {"other": {"oneOf": [{"const": 1}, {"const": 2}]}}}
    rewritten = for_validation(schema)
    assert "oneOf" in rewritten["properties"]["kind"]  # kept: a $ref names its branch
    assert rewritten["$defs"]["other"] == {"enum": [1, 2]}  # nothing points inside: rewritten
    validator = build_validator(schema)
    assert validator.is_valid({"kind": "b", "first": "a"})
    assert not validator.is_valid({"first": "b"})
