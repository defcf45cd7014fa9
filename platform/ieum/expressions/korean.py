"""The expression checker's problems (English, from :mod:`ieum.expressions`) in Korean.

One table for every screen that checks an expression as it is typed: the form builder, the
process modeller and the program studio. Each may put its own rules first (``first``), for
messages it words differently (an unknown name, the functions it allows, script lines).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]

_SYNTAX = (
    (re.compile(r"^invalid syntax.*"), "문법 오류"),
    (re.compile(r"^'(.)' was never closed$"), "'{0}' 괄호가 닫히지 않았습니다"),
    (re.compile(r"^unmatched '(.)'$"), "짝이 없는 '{0}' 괄호입니다"),
    (re.compile(r"^unexpected EOF.*|^expected an indented block.*"), "식이 끝나지 않았습니다"),
    (re.compile(r"^unterminated string literal.*"), "따옴표가 닫히지 않았습니다"),
)


def syntax(detail: str) -> str:
    """Python's syntax-error detail in Korean, where it is a common one."""
    for pattern, text in _SYNTAX:
        match = pattern.match(detail)
        if match:
            return text.format(*match.groups())
    return detail


COMMON: tuple[Rule, ...] = (
    (re.compile(r"^syntax error at (?:line \d+, )?column (\d+)(?: \(the end\))?: (.*)$"),
     lambda m: f"식의 문법이 맞지 않습니다 ({m.group(1)}번째 글자): {syntax(m.group(2))}"),
    (re.compile(r"^the expression is empty$"), lambda m: "식이 비어 있습니다"),
    (re.compile(r"^expression is too long: (\d+) characters \(the limit is (\d+)\)$"),
     lambda m: f"식이 너무 깁니다: {m.group(1)}자 (최대 {m.group(2)}자)"),
    (re.compile(r"^expression is too large.*$"), lambda m: "식이 너무 큽니다"),
    (re.compile(r"^expression is nested too deeply.*$"), lambda m: "식의 괄호가 너무 깊습니다"),
    (re.compile(r"^function '([^']+)' must be called.*$"),
     lambda m: f"함수는 호출해야 합니다: {m.group(1)}(...)"),
    (re.compile(r"^unknown name '([^']+)'$"), lambda m: f"알 수 없는 이름입니다: {m.group(1)}"),
    (re.compile(r"^function '([^']+)' is not allowed.*$"),
     lambda m: f"쓸 수 없는 함수입니다: {m.group(1)}"),
    (re.compile(r"^attribute access \(\.([^)]*)\) is not allowed$"),
     lambda m: f"'.{m.group(1)}' 같은 속성 접근은 쓸 수 없습니다"),
    (re.compile(r"^(\w+)\(\) takes .* given\): (.*)$"),
     lambda m: f"{m.group(1)}() 함수의 인자 수가 맞지 않습니다: {m.group(2)}"),
    (re.compile(r"^(\w+)\(\) is missing argument '([^']+)': (.*)$"),
     lambda m: f"{m.group(1)}() 함수에 '{m.group(2)}' 인자가 없습니다: {m.group(3)}"),
    (re.compile(r"^'is' may only compare with None.*$"),
     lambda m: "'is'는 None과 비교할 때만 씁니다 (x is None)"),
    (re.compile(r"^(.*) is not allowed$"), lambda m: f"쓸 수 없는 표현입니다: {m.group(1)}"),
)


def korean(message: str, first: Sequence[Rule] = ()) -> str:
    """``message`` in Korean: the caller's own rules, then the common ones."""
    for pattern, render in (*first, *COMMON):
        match = pattern.match(message)
        if match:
            return render(match)
    return f"식에 문제가 있습니다: {message}"
