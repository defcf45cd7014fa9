"""The expression checker's problems (English, from :mod:`ieum.expressions`) in Korean.

Worded in the request's language when a screen shows them (:mod:`ieum.i18n`: Korean outside
a request and by default; English turns the checker's wording into the UI's).

One table for every screen that checks an expression as it is typed: the form builder, the
process modeller and the program studio. Each may put its own rules first (``first``), for
messages it words differently (an unknown name, the functions it allows, script lines).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l

Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]

_SYNTAX = (
    (re.compile(r"^invalid syntax.*"), _l("문법 오류")),
    (re.compile(r"^'(.)' was never closed$"), _l("'{0}' 괄호가 닫히지 않았습니다")),
    (re.compile(r"^unmatched '(.)'$"), _l("짝이 없는 '{0}' 괄호입니다")),
    (re.compile(r"^unexpected EOF.*|^expected an indented block.*"),
     _l("식이 끝나지 않았습니다")),
    (re.compile(r"^unterminated string literal.*"), _l("따옴표가 닫히지 않았습니다")),
)


def syntax(detail: str) -> str:
    """Python's syntax-error detail in Korean, where it is a common one."""
    for pattern, text in _SYNTAX:
        match = pattern.match(detail)
        if match:
            return str(text).format(*match.groups())
    return detail


COMMON: tuple[Rule, ...] = (
    (re.compile(r"^syntax error at (?:line \d+, )?column (\d+)(?: \(the end\))?: (.*)$"),
     lambda m: _("식의 문법이 맞지 않습니다 (%(column)s번째 글자): %(detail)s",
                 column=m.group(1), detail=syntax(m.group(2)))),
    (re.compile(r"^the expression is empty$"), lambda m: _("식이 비어 있습니다")),
    (re.compile(r"^expression is too long: (\d+) characters \(the limit is (\d+)\)$"),
     lambda m: _("식이 너무 깁니다: %(length)s자 (최대 %(limit)s자)", length=m.group(1),
                 limit=m.group(2))),
    (re.compile(r"^expression is too large.*$"), lambda m: _("식이 너무 큽니다")),
    (re.compile(r"^expression is nested too deeply.*$"),
     lambda m: _("식의 괄호가 너무 깊습니다")),
    (re.compile(r"^function '([^']+)' must be called.*$"),
     lambda m: _("함수는 호출해야 합니다: %(name)s(...)", name=m.group(1))),
    (re.compile(r"^unknown name '([^']+)'$"),
     lambda m: _("알 수 없는 이름입니다: %(name)s", name=m.group(1))),
    (re.compile(r"^function '([^']+)' is not allowed.*$"),
     lambda m: _("쓸 수 없는 함수입니다: %(name)s", name=m.group(1))),
    (re.compile(r"^attribute access \(\.([^)]*)\) is not allowed$"),
     lambda m: _("'.%(name)s' 같은 속성 접근은 쓸 수 없습니다", name=m.group(1))),
    (re.compile(r"^(\w+)\(\) takes .* given\): (.*)$"),
     lambda m: _("%(name)s() 함수의 인자 수가 맞지 않습니다: %(detail)s", name=m.group(1),
                 detail=m.group(2))),
    (re.compile(r"^(\w+)\(\) is missing argument '([^']+)': (.*)$"),
     lambda m: _("%(name)s() 함수에 '%(argument)s' 인자가 없습니다: %(detail)s",
                 name=m.group(1), argument=m.group(2), detail=m.group(3))),
    (re.compile(r"^'is' may only compare with None.*$"),
     lambda m: _("'is'는 None과 비교할 때만 씁니다 (x is None)")),
    (re.compile(r"^(.*) is not allowed$"),
     lambda m: _("쓸 수 없는 표현입니다: %(what)s", what=m.group(1))),
)


def korean(message: str, first: Sequence[Rule] = ()) -> str:
    """``message`` in Korean: the caller's own rules, then the common ones."""
    for pattern, render in (*first, *COMMON):
        match = pattern.match(message)
        if match:
            return render(match)
    return _("식에 문제가 있습니다: %(problem)s", problem=message)
