"""``x-constants``: named values a form's expressions use, written once.

``"x-constants": {"donation_excluded": {"$ref": "_parts/accounts.json#/$defs/..."}}`` lets a
rule say ``account not in donation_excluded`` while the list lives in one shared part. When the
form is loaded, each use of a constant in ``x-rules``, ``x-computed`` and ``x-visible`` is
replaced by the value written as a literal, so the expressions the engine evaluates (on the
server and in the browser) are self-contained and no evaluator needs to know about constants.
``x-constants`` itself stays in the loaded schema for anyone who wants to read the values.
"""

from __future__ import annotations

import ast
import json
import math
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from ieum.definitions.problems import Problem, pointer
from ieum.expressions import FUNCTIONS


def constants_of(data: Mapping[str, Any]) -> dict[str, Any]:
    constants = data.get("x-constants")
    return dict(constants) if isinstance(constants, dict) else {}


def constant_problems(data: Mapping[str, Any], path: Path,
                      reserved: Collection[str] = ()) -> list[Problem]:
    """Constants must not shadow a field, a context name or a function, and must be values
    an expression can hold (no NaN or infinity)."""
    fields = data.get("properties")
    fields = fields if isinstance(fields, dict) else {}
    problems = []
    for name, value in constants_of(data).items():
        where = pointer("x-constants", name)
        if name in fields:
            problems.append(Problem(path, where, f"constant {name!r} has the name of a field "
                                    "of this form; choose another name"))
        elif name in reserved:
            problems.append(Problem(path, where, f"constant name {name!r} is reserved for "
                                    f"expressions ({', '.join(reserved)}); choose another name"))
        elif name in FUNCTIONS:
            problems.append(Problem(path, where, f"constant name {name!r} is a function of the "
                                    "expression language; choose another name"))
        elif not _finite(value):
            problems.append(Problem(path, where, f"constant {name!r} holds a number that is not "
                                    "finite (NaN or infinity)"))
    return problems


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(item) for item in value.values())
    if isinstance(value, list):
        return all(_finite(item) for item in value)
    return True


def substitute_constants(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with each constant used in ``x-rules``/``x-computed``/``x-visible`` written
    in as a literal (expressions that do not parse are left for the expression check)."""
    constants = constants_of(data)
    if not constants:
        return data
    result = dict(data)
    rules = data.get("x-rules")
    if isinstance(rules, list):
        result["x-rules"] = [
            {**rule, "rule": substitute(rule["rule"], constants)}
            if isinstance(rule, dict) and isinstance(rule.get("rule"), str) else rule
            for rule in rules
        ]
    for keyword in ("x-computed", "x-visible"):
        entries = data.get(keyword)
        if isinstance(entries, dict):
            result[keyword] = {name: substitute(source, constants) if isinstance(source, str)
                               else source for name, source in entries.items()}
    return result


def literal(value: Any) -> str:
    """``value`` (JSON data) written in the expression language."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{literal(key)}: {literal(item)}"
                               for key, item in value.items()) + "}"
    raise TypeError(f"not JSON data: {type(value).__name__}")


class _Replace(ast.NodeTransformer):
    def __init__(self, constants: Mapping[str, Any], called: set[int]) -> None:
        self.constants = constants
        self.called = called
        self.spans: list[tuple[int, int, int, str]] = []

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id not in self.constants or id(node) in self.called:
            return node
        text = literal(self.constants[node.id])
        self.spans.append((node.lineno, node.col_offset, node.end_col_offset or 0, text))
        return ast.parse(text, mode="eval").body


def substitute(source: str, constants: Mapping[str, Any]) -> str:
    """``source`` with every use of a constant replaced by its literal value.

    The rest of the text is kept as written; if that cannot be done exactly (odd line
    endings), the expression is written out again from its syntax tree.
    """
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        return source
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    replace = _Replace(constants, called)
    tree = replace.visit(tree)
    if not replace.spans:
        return source
    lines = source.split("\n")
    encoded = [line.encode("utf-8") for line in lines]
    for lineno, start, end, text in sorted(replace.spans, reverse=True):
        line = encoded[lineno - 1]
        encoded[lineno - 1] = line[:start] + text.encode("utf-8") + line[end:]
    written = "\n".join(line.decode("utf-8") for line in encoded)
    try:
        same = ast.dump(ast.parse(written, mode="eval")) == ast.dump(tree)
    except SyntaxError:
        same = False
    return written if same else ast.unparse(tree)
