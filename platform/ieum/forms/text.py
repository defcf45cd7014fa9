"""Text the stores cannot hold or people cannot see, found in one place.

Every value a person sends (a JSON body, an HTML form, a multipart file name, an Excel cell)
passes these checks: the web boundary (``ieum.web.boundary``) refuses a request whose text
holds a lone surrogate, NUL or another control character, or a bidirectional-override
character, and the forms engine (``ieum.forms.engine.process``, the path of every save)
refuses the same in record data and drops zero-width characters, so a name made only of them
is empty (and a required one is missing).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ieum.i18n import lazy_gettext as _l

#: Nesting deeper than this is refused (JSON bodies and record data): real forms nest a few
#: levels (a repeatable group inside a group), and a recursive walk of 1,000 levels fails.
MAX_DEPTH = 32

# C0 controls except TAB, LF and CR; DEL; C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Bidirectional embeddings, overrides and isolates (the "Trojan source" characters) and the
# directional marks: nothing a Korean record needs, and they reorder what a reader sees.
_BIDI = re.compile(r"[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
# Zero-width characters with no meaning in Korean text; removed, not refused.
ZERO_WIDTH = re.compile(r"[\u200b\u2060-\u2064\ufeff\u180e]")
#: Any character one of the checks below refuses: one search clears the common text (every
#: save passes each of its values through here), the checks in order name the reason.
_REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
                      r"\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
#: Values that hold no text: nothing to check.
_NO_TEXT = frozenset({int, float, bool, type(None)})

SURROGATE_MESSAGE = _l("저장할 수 없는 문자(짝이 없는 서로게이트)가 들어 있습니다")
NUL_MESSAGE = _l("사용할 수 없는 문자(NUL)가 들어 있습니다")
CONTROL_MESSAGE = _l("사용할 수 없는 제어 문자가 들어 있습니다")
BIDI_MESSAGE = _l("글자 방향을 바꾸는 보이지 않는 문자가 들어 있습니다")
DEPTH_MESSAGE = _l("값이 너무 깊게 중첩되어 있습니다 (%(depth)s단계까지)", depth=MAX_DEPTH)


def problem(text: str) -> str | None:
    """The Korean reason ``text`` cannot be stored, or None when it can."""
    if not _REFUSED.search(text):
        return None
    if "\x00" in text:
        return str(NUL_MESSAGE)
    if _SURROGATE.search(text):
        return str(SURROGATE_MESSAGE)
    if _CONTROL.search(text):
        return str(CONTROL_MESSAGE)
    if _BIDI.search(text):
        return str(BIDI_MESSAGE)
    return None


def without_zero_width(text: str) -> str:
    return ZERO_WIDTH.sub("", text)


def walk(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every (path, value) inside ``value``, keys included as values, without recursion;
    a container deeper than ``MAX_DEPTH`` is yielded as ``(path, TooDeep)``."""
    stack: list[tuple[tuple[Any, ...], Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, Mapping | list | tuple) and len(where) >= MAX_DEPTH:
            yield where, TooDeep
            continue
        if isinstance(item, Mapping):
            for key, inner in item.items():
                yield (*where, key), key
                stack.append(((*where, key), inner))
        elif isinstance(item, list | tuple):
            stack.extend(((*where, index), inner) for index, inner in enumerate(item))
        else:
            yield where, item


class TooDeep:
    """Marker for a container nested beyond ``MAX_DEPTH``."""


def first_problem(value: Any) -> str | None:
    """The first reason anything inside ``value`` (strings, keys, nesting) cannot be stored."""
    kind = type(value)
    if kind is str:
        return problem(value)
    if kind in _NO_TEXT:
        return None
    for _, item in walk(value):
        if item is TooDeep:
            return str(DEPTH_MESSAGE)
        if isinstance(item, str):
            reason = problem(item)
            if reason:
                return reason
    return None


def cleaned(value: Any, depth: int = 0) -> Any:
    """``value`` with zero-width characters removed from every string (record data, which
    ``first_problem`` has bounded in depth)."""
    if isinstance(value, str):
        return without_zero_width(value)
    if depth >= MAX_DEPTH:
        return value
    if isinstance(value, dict):
        return {key: cleaned(inner, depth + 1) for key, inner in value.items()}
    if isinstance(value, list):
        return [cleaned(inner, depth + 1) for inner in value]
    return value
