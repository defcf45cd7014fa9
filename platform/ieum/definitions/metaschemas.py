"""The meta-schemas content is validated against, compiled once per process."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from ieum.definitions.problems import Problem, pointer

KINDS = ("form", "unit", "profile")
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/"


def schema_text(kind: str) -> str:
    """The text of the shipped meta-schema ``<kind>.schema.json``."""
    if kind not in KINDS:
        raise ValueError(f"unknown meta-schema {kind!r}; expected one of {', '.join(KINDS)}")
    files = resources.files("ieum.definitions") / "schemas"
    return (files / f"{kind}.schema.json").read_text(encoding="utf-8")


@cache
def validator(kind: str) -> Draft202012Validator:
    """The compiled validator for the meta-schema ``kind`` (``form``, ``unit``, ``profile``)."""
    return Draft202012Validator(inline_local_refs(json.loads(schema_text(kind))))


def content_problems(kind: str, instance: Any, path: Path) -> list[Problem]:
    """Every error of ``instance`` against the meta-schema ``kind``, as problems."""
    return schema_problems(validator(kind), instance, path)


def inline_local_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with each ``{"$ref": "#/$defs/name"}`` replaced by the definition itself.

    jsonschema resolves a ``$ref`` on every use, which dominates the time of validating many
    files; the content meta-schemas are not recursive, so their references can be expanded
    once. A ``$ref`` with sibling keywords becomes ``allOf`` of both, as 2020-12 defines it.
    References to the root (``"#"``) are kept.
    """
    definitions = schema.get("$defs", {})

    def expand(node: Any, active: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [expand(item, active) for item in node]
        if not isinstance(node, dict):
            return node
        result = {key: (expand(value, active) if key not in ("const", "enum", "default") else
                        value) for key, value in node.items() if key != "$ref"}
        ref = node.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
            if ref is not None:  # a reference elsewhere, or a property named "$ref"
                result["$ref"] = expand(ref, active)
            return result
        name = ref[len("#/$defs/"):]
        if name in active or "/" in name or name not in definitions:
            result["$ref"] = ref
            return result
        target = expand(definitions[name], (*active, name))
        if not result:
            return target
        return {**result, "allOf": [*result.get("allOf", []), target]}

    return expand(schema, ())


@cache
def json_schema_validator() -> Draft202012Validator:
    """A validator for "is this a valid JSON Schema 2020-12 schema?".

    It gives the same verdict as ``Draft202012Validator.check_schema`` but all errors instead
    of the first, and it is several times faster: the standard meta-schema is split in seven
    vocabularies joined with ``allOf`` and ``$dynamicRef``, and validating through them costs
    a few milliseconds per form. Here the vocabularies are merged into one schema (their
    keywords do not overlap) and ``$dynamicRef: "#meta"`` becomes ``$ref: "#"``, which is what
    it resolves to when the standard meta-schema is the root. If the vocabularies ever stop
    merging cleanly, the standard meta-schema is used as is.
    """
    format_checker = Draft202012Validator.FORMAT_CHECKER
    try:
        merged = inline_local_refs(_merged_meta_schema())
    except ValueError:
        return Draft202012Validator(Draft202012Validator.META_SCHEMA, format_checker=format_checker)
    return Draft202012Validator(merged, format_checker=format_checker)


def _merged_meta_schema() -> dict[str, Any]:
    from jsonschema_specifications import REGISTRY

    root = REGISTRY.contents(DRAFT_2020_12 + "schema")
    parts = [REGISTRY.contents(DRAFT_2020_12 + item["$ref"]) for item in root["allOf"]]
    merged: dict[str, Any] = {
        "$schema": DRAFT_2020_12 + "schema",
        "type": ["object", "boolean"],
        "properties": {},
        "$defs": {},
    }
    ignored = {"$schema", "$id", "$vocabulary", "$dynamicAnchor", "title", "$comment", "allOf"}
    for part in [*parts, root]:
        for key, value in part.items():
            if key in ("properties", "$defs"):
                for name, subschema in value.items():
                    if name in merged[key]:
                        raise ValueError(f"{key}/{name} is defined twice")
                    merged[key][name] = _static_refs(subschema)
            elif key == "type":
                if value != ["object", "boolean"]:
                    raise ValueError(f"unexpected type {value!r}")
            elif key not in ignored:
                raise ValueError(f"unexpected keyword {key!r}")
    return merged


_VOCABULARY_REFS = {"", *(f"meta/{name}" for name in (
    "core", "applicator", "unevaluated", "validation", "meta-data", "format-annotation", "content"
))}


def _static_refs(node: Any) -> Any:
    if isinstance(node, dict):
        result = {}
        for key, value in node.items():
            if key == "$dynamicRef" and isinstance(value, str):
                if value != "#meta":
                    raise ValueError(f"unexpected $dynamicRef {value!r}")
                result["$ref"] = "#"
            elif key == "$ref" and isinstance(value, str):
                document, _, fragment = value.partition("#")
                if not fragment.startswith("/$defs/") or document not in _VOCABULARY_REFS:
                    raise ValueError(f"unexpected $ref {value!r}")
                result["$ref"] = "#" + fragment  # all $defs are merged into the root
            else:
                result[key] = _static_refs(value)
        return result
    if isinstance(node, list):
        return [_static_refs(item) for item in node]
    return node


def schema_problems(check: Draft202012Validator, instance: Any, path: Path,
                    *, what: str = "") -> list[Problem]:
    """Every error of ``instance`` against ``check`` as problems pointing into ``path``."""
    return [_problem(error, path, what) for error in check.iter_errors(instance)]


JSON_SCHEMA_PROBLEM = "not a valid JSON Schema 2020-12 schema"
_VALID_FIELD_SCHEMAS: set[str] = set()
_MEMO_LIMIT = 100_000
_ANNOTATIONS = ("title", "description", "$comment")


def json_schema_problems(form: Any, path: Path) -> list[Problem]:
    """Why ``form`` is not a valid JSON Schema 2020-12 schema (empty when it is).

    Each field schema under ``properties`` is checked on its own (the meta-schema checks it
    against itself from the root, so this is equivalent), and field schemas already found
    valid are remembered: forms repeat the same few field shapes, differing only in titles,
    which do not change validity as long as they are strings.
    """
    check = json_schema_validator()
    fields = form.get("properties") if isinstance(form, dict) else None
    if not isinstance(fields, dict):
        return schema_problems(check, form, path, what=JSON_SCHEMA_PROBLEM)
    shell = {**form, "properties": {}}  # property names are free; values are checked below
    problems = schema_problems(check, shell, path, what=JSON_SCHEMA_PROBLEM)
    for name, field_schema in fields.items():
        key = _shape(field_schema)
        if key in _VALID_FIELD_SCHEMAS:
            continue
        errors = [_problem(error, path, JSON_SCHEMA_PROBLEM, ("properties", name))
                  for error in check.iter_errors(field_schema)]
        if errors:
            problems += errors
        else:
            if len(_VALID_FIELD_SCHEMAS) >= _MEMO_LIMIT:
                _VALID_FIELD_SCHEMAS.clear()
            _VALID_FIELD_SCHEMAS.add(key)
    return problems


def _shape(schema: Any) -> str:
    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: "" if key in _ANNOTATIONS and isinstance(value, str) else strip(value)
                    for key, value in node.items()}
        if isinstance(node, list):
            return [strip(item) for item in node]
        return node

    return json.dumps(strip(schema), sort_keys=True, ensure_ascii=False)


def _problem(error: ValidationError, path: Path, what: str,
             prefix: tuple[str | int, ...] = ()) -> Problem:
    if error.context:
        error = best_match(error.context)
    where = pointer(*prefix, *error.absolute_path)
    lead = f"{what}: " if what else ""
    if error.schema is False:
        name = error.path[-1] if error.path else None
        return Problem(path, where, f"{lead}{name!r} is not allowed here" if name is not None
                       else f"{lead}not allowed here")
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = error.schema.get("properties", {})
        unknown = sorted(key for key in error.instance if key not in allowed)
        if unknown and allowed:
            keys = ", ".join(repr(key) for key in unknown)
            return Problem(path, where, f"{lead}unknown key {keys} (allowed: {', '.join(allowed)})")
    return Problem(path, where, lead + error.message)
