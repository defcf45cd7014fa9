"""Scripts: what a BPMN script task may do, in the platform's expression language.

A script is one or more lines ``name = <expression>`` (blank lines and ``#`` comments
allowed). Each right-hand side is a checked expression; the assignments run in order, each
seeing the names set by the lines before it. There is nothing else: no loops, no calls
beyond the function table, no access to anything but the task's data.
"""

from __future__ import annotations

import datetime
import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ieum.expressions.errors import EvalError, ExpressionError
from ieum.expressions.expression import Expression, check_expression, compile_expression

_LINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)\s*(.+?)\s*$")
MAX_LINES = 50


@dataclass(frozen=True)
class Assignment:
    target: str
    expression: Expression


def _lines(source: str) -> list[tuple[int, str]]:
    return [(number, line) for number, line in enumerate(source.splitlines(), start=1)
            if line.strip() and not line.strip().startswith("#")]


def check_script(source: str) -> list[str]:
    """Problems with a script (``[]`` when it is fine), each naming its line."""
    lines = _lines(source)
    if not lines:
        return ["the script is empty"]
    if len(lines) > MAX_LINES:
        return [f"the script has more than {MAX_LINES} lines"]
    problems = []
    for number, line in lines:
        match = _LINE.match(line)
        if match is None:
            problems.append(f"line {number}: a script line must be 'name = expression'")
            continue
        target, expression = match.groups()
        if target.startswith("_") or keyword.iskeyword(target):
            problems.append(f"line {number}: {target!r} cannot be assigned")
            continue
        problems += [f"line {number}: {problem}" for problem in check_expression(expression)]
    return problems


@lru_cache(maxsize=1024)
def compile_script(source: str) -> tuple[Assignment, ...]:
    """The checked assignments of ``source``; raises :class:`ExpressionError` if any fails."""
    problems = check_script(source)
    if problems:
        raise ExpressionError("; ".join(problems), problems)
    assignments = []
    for _number, line in _lines(source):
        target, expression = _LINE.match(line).groups()  # type: ignore[union-attr]
        assignments.append(Assignment(target, compile_expression(expression)))
    return tuple(assignments)


def run_script(source: str, data: Mapping[str, Any], *,
               today: datetime.date | None = None) -> dict[str, Any] | EvalError:
    """The values the script assigns, computed over ``data``; the first line that cannot be
    computed stops the script and its error is returned (nothing is assigned then)."""
    scope = dict(data)
    assigned: dict[str, Any] = {}
    for assignment in compile_script(source):
        value = assignment.expression.evaluate(scope, today=today)
        if isinstance(value, EvalError):
            return EvalError(f"{assignment.target} = {assignment.expression.source}: {value}")
        scope[assignment.target] = value
        assigned[assignment.target] = value
    return assigned

