"""Loading one form file: ``forms/<id>.json`` (or ``forms/<folder>/<id>.json``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ieum.definitions.constants import constant_problems, substitute_constants
from ieum.definitions.files import read_json
from ieum.definitions.frozen import freeze
from ieum.definitions.metaschemas import content_problems, json_schema_problems
from ieum.definitions.model import FormDef
from ieum.definitions.parts import Documents, inline_document
from ieum.definitions.problems import Problem, pointer
from ieum.expressions import check_expression

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
#: Names a form's expressions may use besides its fields: the unit function's parameters
#: (``params["min_age"]``), how many records of the same subject each form has in this unit
#: (``record_counts["case_log"]``) and the subject (``subject["age"]``).
CONTEXT_NAMES = ("params", "record_counts", "subject")
KEYWORDS = ("x-ui", "x-rules", "x-computed", "x-visible", "x-sensitive", "x-constants")
_FIELD_KEYWORDS = ("x-ui", "x-computed", "x-visible", "x-sensitive")


def load_form(path: Path, plugin: str | None, documents: Documents | None = None,
              ) -> tuple[FormDef | None, list[Problem]]:
    """The form in ``path`` if it is valid, and every problem found in it.

    ``documents`` holds the forms and shared parts a ``$ref`` may name (see
    :mod:`ieum.definitions.parts`); without it, only the form's own ``$defs`` can be named.
    References are inlined, and ``x-constants`` written into the expressions that use them,
    so the loaded schema is self-contained.
    """
    problems: list[Problem] = []
    form_id = path.stem
    if not ID_PATTERN.match(form_id):
        problems.append(Problem(path, "", f"file name {path.name!r} does not make a form id: "
                                "use lowercase letters, digits and '_', starting with a letter"))
    if documents is not None and path in documents.data:
        data = documents.data[path]
    else:
        data, read_problems = read_json(path)
        if read_problems:
            return None, problems + read_problems
    data, ref_problems, parts = inline_document(data, path, documents)
    if data is None:
        return None, problems + ref_problems
    problems += content_problems("form", data, path)
    problems += json_schema_problems(data, path)
    if isinstance(data, dict):
        problems += [Problem(path, pointer(key), f"unknown keyword {key!r}; forms may use "
                             f"{', '.join(KEYWORDS)}") for key in data
                     if key.startswith("x-") and key not in KEYWORDS]
        problems += _field_reference_problems(data, path)
        found = constant_problems(data, path, CONTEXT_NAMES)
        problems += found
        if not found:
            data = substitute_constants(data)
        problems += _expression_problems(data, path, unsubstituted=found)
    if problems:
        return None, problems
    form = FormDef(id=form_id, title=data["title"], version=data["version"],
                   schema=freeze(data), path=path, plugin=plugin, parts=parts)
    return form, []


def _field_reference_problems(data: dict[str, Any], path: Path) -> list[Problem]:
    """``x-`` keywords may only name fields the form declares in ``properties``."""
    declared = data.get("properties")
    if not isinstance(declared, dict):
        return []
    problems = []
    for keyword in _FIELD_KEYWORDS:
        entries = data.get(keyword)
        if isinstance(entries, dict):
            problems += [
                Problem(path, pointer(keyword, name),
                        f"{keyword} names field {name!r}, which is not in properties")
                for name in entries if name not in declared
            ]
    rules = data.get("x-rules")
    if isinstance(rules, list):
        for index, rule in enumerate(rules):
            fields = rule.get("fields") if isinstance(rule, dict) else None
            if isinstance(fields, list):
                problems += [
                    Problem(path, pointer("x-rules", index, "fields", position),
                            f"x-rules names field {name!r}, which is not in properties")
                    for position, name in enumerate(fields)
                    if isinstance(name, str) and name not in declared
                ]
    return problems


def _expression_problems(data: dict[str, Any], path: Path, *,
                         unsubstituted: list[Problem] | None = None) -> list[Problem]:
    """``x-rules``, ``x-computed`` and ``x-visible`` expressions must pass the expression
    check and read only fields the form declares. Entries that are not non-blank strings are
    left to the meta-schema."""
    declared = data.get("properties")
    if not isinstance(declared, dict):
        return []
    expressions: list[tuple[str, Any]] = []
    rules = data.get("x-rules")
    if isinstance(rules, list):
        expressions += [(pointer("x-rules", index, "rule"), rule.get("rule"))
                        for index, rule in enumerate(rules) if isinstance(rule, dict)]
    for keyword in ("x-computed", "x-visible"):
        entries = data.get(keyword)
        if isinstance(entries, dict):
            expressions += [(pointer(keyword, name), source) for name, source in entries.items()]
    names = [*declared, *CONTEXT_NAMES]
    if unsubstituted:  # constants with problems were not written in: do not report them twice
        names += [name for name in data.get("x-constants") or {} if isinstance(name, str)]
    clashes = [Problem(path, pointer("properties", name),
                       f"field name {name!r} is reserved for expressions "
                       f"({', '.join(CONTEXT_NAMES)}); choose another name")
               for name in declared if name in CONTEXT_NAMES]
    return clashes + [Problem(path, where, message)
            for where, source in expressions if isinstance(source, str) and source.strip()
            for message in check_expression(source, names=names)]
