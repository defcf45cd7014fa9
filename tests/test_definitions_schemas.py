"""The meta-schemas, and the merged JSON Schema meta-schema that must agree with jsonschema."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from ieum.definitions.metaschemas import (
    KINDS,
    json_schema_problems,
    json_schema_validator,
    schema_text,
    validator,
)

REPOSITORY = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("kind", KINDS)
def test_meta_schemas_are_valid_2020_12_schemas(kind: str) -> None:
    Draft202012Validator.check_schema(json.loads(schema_text(kind)))
    assert validator(kind) is validator(kind)  # compiled once


SAMPLE_SCHEMAS: list[Any] = [
    {"type": "object", "properties": {"a": {"type": "string", "maxLength": 3}}},
    {"type": "object", "properties": {"a": {"type": "strin"}}},
    {"type": "object", "properties": {"a": {"minLength": -1}}},
    {"type": "object", "properties": {"a": {"pattern": "(["}}},
    {"type": "object", "properties": {"a": {"items": {"required": "x"}}}},
    {"type": "object", "properties": {"a": {"$ref": 5}}},
    {"type": "object", "if": {"properties": {"a": {"const": 1}}}, "then": {"required": ["b"]}},
    {"type": "object", "dependencies": {"a": ["b", 3]}},
    {"type": "object", "definitions": {"x": {"type": 3}}},
    {"type": "object", "$defs": {"x": {"enum": "no"}}},
    {"oneOf": [{"const": 1}, {"const": 2, "title": 3}]},
    {"type": ["string", "nul"]},
    {"properties": {"a": {"format": 5}}},
    {"contentSchema": {"type": 1}},
    {"unevaluatedProperties": {"type": "wrong"}},
    True,
    5,
]


@pytest.mark.parametrize("sample", SAMPLE_SCHEMAS)
def test_merged_meta_schema_agrees_with_check_schema(sample: Any) -> None:
    try:
        Draft202012Validator.check_schema(sample)
        expected_valid = True
    except SchemaError:
        expected_valid = False
    reference = Draft202012Validator(Draft202012Validator.META_SCHEMA,
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    # The same errors; the standard meta-schema repeats some once per vocabulary.
    ours = sorted({(tuple(e.absolute_path), e.message)
                   for e in json_schema_validator().iter_errors(sample)})
    theirs = sorted({(tuple(e.absolute_path), e.message) for e in reference.iter_errors(sample)})
    assert (not ours) == expected_valid
    assert ours == theirs


def test_remembered_field_shapes_do_not_hide_errors(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    good = {"type": "object", "properties": {"a": {"type": "string", "title": "가"}}}
    assert json_schema_problems(good, path) == []
    retitled = {"type": "object", "properties": {"b": {"type": "string", "title": "나"}}}
    assert json_schema_problems(retitled, path) == []
    bad_title = {"type": "object", "properties": {"c": {"type": "string", "title": 3}}}
    (problem,) = json_schema_problems(bad_title, path)
    assert problem.pointer == "/properties/c/title"
    bad_shell = {"type": "object", "required": "a", "properties": {"a": {"type": "string"}}}
    (problem,) = json_schema_problems(bad_shell, path)
    assert problem.pointer == "/required"


def _mutations(document: Any) -> Iterator[Any]:
    """Variants of ``document``: each node removed, retyped, or given an unknown key."""
    replacements = [None, 0, -1, 5, 1.5, True, "", "x", "Bad Id", "*", [], ["x", "x"], {},
                    {"unknown": 1}]

    def paths(node: Any, prefix: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
        yield prefix
        if isinstance(node, dict):
            for key, value in node.items():
                yield from paths(value, (*prefix, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from paths(value, (*prefix, index))

    def at(doc: Any, path: tuple[Any, ...]) -> Any:
        for step in path:
            doc = doc[step]
        return doc

    for path in paths(document, ()):
        node = at(document, path)
        if path:
            for replacement in replacements:
                variant = copy.deepcopy(document)
                at(variant, path[:-1])[path[-1]] = replacement
                yield variant
            variant = copy.deepcopy(document)
            del at(variant, path[:-1])[path[-1]]
            yield variant
        if isinstance(node, dict):
            variant = copy.deepcopy(document)
            at(variant, path)["surprise"] = 1
            yield variant
            variant = copy.deepcopy(document)
            at(variant, path)["x-surprise"] = {}
            yield variant
        if isinstance(node, list) and node:
            variant = copy.deepcopy(document)
            at(variant, path).append(copy.deepcopy(node[0]))
            yield variant


def _documents(kind: str) -> list[Any]:
    if kind == "form":
        return [json.loads(p.read_text(encoding="utf-8"))
                for p in sorted((REPOSITORY / "forms").glob("*.json"))][:2]
    folder = {"unit": "unit_functions/*/unit.yaml", "profile": "facility_profiles/*.yaml"}[kind]
    return [yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in sorted(REPOSITORY.glob(folder))][:2]


def test_merged_meta_schema_agrees_on_mutated_forms() -> None:
    reference = Draft202012Validator(Draft202012Validator.META_SCHEMA,
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    merged = json_schema_validator()
    checked = 0
    for document in _documents("form"):
        # Every fourth mutation: the reference validator takes ~13 ms a document, and a
        # quarter of the ~4,700 variants still covers every kind of mutation at every depth.
        for position, variant in enumerate(_mutations(document)):
            if position % 4:
                continue
            assert merged.is_valid(variant) == reference.is_valid(variant), variant
            checked += 1
    assert checked > 100
