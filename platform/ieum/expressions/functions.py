"""The fixed table of functions an expression may call, with their scalar implementations.

Dates in records are ISO strings (``"2026-03-01"`` or ``"2026-03-01T10:00"``); every date
helper accepts such a string or a :class:`datetime.date`.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from ieum.expressions.errors import Fail, bad_type, kind

MAX_ROUND_DIGITS = 64


@dataclass(frozen=True)
class Function:
    """One function of the table.

    ``parameters`` names the arguments in order; ``min_args`` of them are required and
    ``max_args`` may be given (``None``: any number, given positionally only). Only the
    names in ``keywords`` may also be given as ``name=value``. ``vector`` says whether
    :meth:`Expression.evaluate_vector` offers the function.
    """

    name: str
    call: Callable[..., Any]
    parameters: tuple[str, ...]
    min_args: int
    max_args: int | None
    summary: str
    keywords: frozenset[str] = frozenset()
    vector: bool = True
    uses_today: bool = False

    def signature(self) -> str:
        names = list(self.parameters)
        if self.max_args is None:
            names.append("...")
        return f"{self.name}({', '.join(names)})"


def to_date(value: Any) -> datetime.date:
    """``value`` (an ISO date or date-time string, or a date) as a date."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) <= 10:
                return datetime.date.fromisoformat(text)
            return datetime.datetime.fromisoformat(text).date()
        except ValueError:
            shown = value if len(value) <= 40 else value[:40] + "..."
            raise Fail(f"날짜 형식이 맞지 않습니다: {shown!r}") from None
    if value is None:
        raise Fail("날짜 값이 비어 있습니다")
    raise Fail(bad_type(f"{kind(value)} 값은 날짜가 아닙니다"))


def months_between(start: Any, end: Any) -> int:
    """Whole months from ``start`` to ``end`` (negative when ``end`` comes first).

    A month is complete when the day of the month of ``start`` is reached; when the end month
    has no such day (31 January to 28 February), it completes on the first of the next month,
    as a birthday on 29 February does for :func:`age`.
    """
    a, b = to_date(start), to_date(end)
    if b < a:
        return -months_between(b, a)
    return (b.year - a.year) * 12 + (b.month - a.month) - (b.day < a.day)


def age(birth: Any, on: Any = None, *, today: datetime.date) -> int:
    """Full years of age (만 나이) on ``on`` (default: today); a year is complete on the
    birthday, and for a birthday on 29 February, on 1 March in other years."""
    born = to_date(birth)
    day = today if on is None else to_date(on)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def days_between(start: Any, end: Any) -> int:
    return (to_date(end) - to_date(start)).days


def _year(value: Any) -> int:
    return to_date(value).year


def _month(value: Any) -> int:
    return to_date(value).month


def _today(*, today: datetime.date) -> datetime.date:
    return today


def _items(value: Any, function: str) -> Any:
    if value is None:
        return ()
    if isinstance(value, Sequence | Set) and not isinstance(value, str):
        return value
    raise Fail(bad_type(f"{function}()에는 목록을 주어야 합니다 ({kind(value)} 값을 받았습니다)"))


def pluck(rows: Any, key: Any) -> list[Any]:
    """``row[key]`` of each row, leaving out rows without a value (``None`` rows: none)."""
    values = []
    for row in _items(rows, "pluck"):
        if row is None:
            continue
        if not isinstance(row, Mapping):
            raise Fail(bad_type(f"pluck()의 목록에 행이 아닌 {kind(row)} 값이 있습니다"))
        value = row.get(key)
        if value is not None:
            values.append(value)
    return values


def any_in(values: Any, choices: Any) -> bool:
    """Whether any of ``values`` is one of ``choices`` (``None`` on either side: none)."""
    pool = _items(choices, "any_in")
    return any(value in pool for value in _items(values, "any_in"))


_UNSET: Any = object()


def count(values: Any, value: Any = _UNSET) -> int:
    """How many items are true, or equal ``value`` when given (``None``: no items)."""
    items = _items(values, "count")
    if value is _UNSET:
        return sum(1 for item in items if item)
    return sum(1 for item in items if item == value)


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def coalesce(*values: Any) -> Any:
    """The first value that is neither ``None`` nor NaN, else the last one."""
    for value in values[:-1]:
        if not is_missing(value):
            return value
    return values[-1]


def is_empty(value: Any) -> bool:
    """``None``, NaN, a blank string, an empty list or an empty mapping."""
    if is_missing(value):
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Sequence | Set | Mapping):
        return len(value) == 0
    return False


def _sum(values: Any, start: Any = 0) -> Any:
    items = _items(values, "sum")
    for item in (start, *items):
        if not isinstance(item, int | float):
            raise Fail(bad_type(f"sum()에는 숫자만 더할 수 있습니다 ({kind(item)} 값이 있습니다)"))
    return sum(items, start)


def _extreme(pick: Callable[..., Any], name: str, word: str) -> Callable[..., Any]:
    def extreme(*args: Any) -> Any:
        if len(args) == 1:
            items = args[0]
            if items is None or not isinstance(items, Sequence | Set):
                raise Fail(bad_type(f"{name}()에는 목록이나 두 개 이상의 값을 주어야 합니다"))
            if len(items) == 0:
                raise Fail(f"빈 목록의 {word}은 구할 수 없습니다")
        else:
            items = args
        try:
            return pick(items)
        except TypeError:
            kinds = ", ".join(dict.fromkeys(f"{kind(item)} 값" for item in items))
            raise Fail(bad_type(f"{name}()의 값들({kinds})을 서로 비교할 수 없습니다")) from None

    extreme.__name__ = name
    return extreme


def _round(value: Any, ndigits: Any = None) -> Any:
    if ndigits is None:
        return round(value)
    if not isinstance(ndigits, int) or abs(ndigits) > MAX_ROUND_DIGITS:
        raise Fail(bad_type(f"round()의 자릿수는 -{MAX_ROUND_DIGITS}에서 "
                            f"{MAX_ROUND_DIGITS} 사이의 정수여야 합니다"))
    return round(value, ndigits)


def round_half_up(value: Any) -> int:
    """``value`` rounded half up to an integer (``round_half_up(2.5) == 3``, as published
    amounts in won are). Float noise below a millionth is removed first (``0.7 * x`` landing
    on ``...4999999`` rounds as the exact decimal would); the vector evaluator uses the same
    NumPy operations, so both give the same integer."""
    if not isinstance(value, int | float):
        raise Fail(bad_type(f"round_half_up()에는 숫자를 주어야 합니다 ({kind(value)} 값)"))
    if isinstance(value, int):
        return int(value)  # a bool as 0 or 1, as round() does
    if not math.isfinite(value):
        raise Fail(bad_type("round_half_up()에 무한대나 NaN 값을 쓸 수 없습니다"))
    return int(np.floor(np.round(value, 6) + 0.5))


def _str(value: Any) -> str:
    if isinstance(value, list | tuple | dict | Set | Mapping):
        raise Fail(bad_type(f"str()에는 {kind(value)} 값을 쓸 수 없습니다"))
    return str(value)


def _numbers(values: Any, name: str) -> list[float]:
    if not isinstance(values, list | tuple):
        raise Fail(bad_type(f"{name}()에는 숫자 목록을 넣어야 합니다"))
    numbers = [v for v in values if v is not None]
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in numbers):
        raise Fail(bad_type(f"{name}()의 목록에 숫자가 아닌 값이 있습니다"))
    return numbers


def mean(values: Any) -> float:
    """The average of the numbers in ``values`` (missing answers are skipped)."""
    numbers = _numbers(values, "mean")
    if not numbers:
        raise Fail("평균을 낼 값이 없습니다")
    return sum(numbers) / len(numbers)


def likert_score(values: Any, points: Any = 4) -> float:
    """A Likert-scale domain score on 0-100: ``(mean - 1) / (points - 1) * 100``.

    The self-reliance skills assessment (4-point answers) uses this; the rule lives here, in
    one place, so a different scoring method replaces it for every assessment at once.
    """
    if not isinstance(points, int) or isinstance(points, bool) or points < 2:
        raise Fail(bad_type("likert_score()의 척도(points)는 2 이상의 정수여야 합니다"))
    numbers = _numbers(values, "likert_score")
    if not numbers:
        raise Fail("점수를 낼 응답이 없습니다")
    if any(v < 1 or v > points for v in numbers):
        raise Fail(f"응답은 1에서 {points} 사이여야 합니다")
    return round((sum(numbers) / len(numbers) - 1) / (points - 1) * 100, 1)


def _table(*functions: Function) -> Mapping[str, Function]:
    return MappingProxyType({function.name: function for function in functions})


FUNCTIONS: Mapping[str, Function] = _table(
    Function("len", len, ("x",), 1, 1, "길이: 글자 수나 항목 수", vector=False),
    Function("sum", _sum, ("values", "start"), 1, 2, "숫자 목록의 합계", vector=False),
    Function("min", _extreme(min, "min", "최솟값"), ("a", "b"), 1, None,
             "최솟값: min(목록) 또는 min(a, b, ...)"),
    Function("max", _extreme(max, "max", "최댓값"), ("a", "b"), 1, None,
             "최댓값: max(목록) 또는 max(a, b, ...)"),
    Function("round", _round, ("x", "ndigits"), 1, 2,
             "반올림(끝이 5이면 짝수 쪽으로: round(2.5) == 2)"),
    Function("round_half_up", round_half_up, ("x",), 1, 1,
             "사사오입(끝이 5이면 올림: round_half_up(2.5) == 3), 원 단위 금액에"),
    Function("abs", abs, ("x",), 1, 1, "절댓값"),
    Function("any", any, ("values",), 1, 1, "목록에 참인 항목이 하나라도 있는지", vector=False),
    Function("all", all, ("values",), 1, 1, "목록의 항목이 모두 참인지", vector=False),
    Function("int", int, ("x",), 1, 1, "정수로 바꾸기(소수점 아래 버림)"),
    Function("float", float, ("x",), 1, 1, "실수로 바꾸기"),
    Function("str", _str, ("x",), 1, 1, "문자열로 바꾸기", vector=False),
    Function("bool", bool, ("x",), 1, 1, "참/거짓으로 바꾸기"),
    Function("today", _today, (), 0, 0, "오늘 날짜", uses_today=True),
    Function("date", to_date, ("s",), 1, 1, "ISO 문자열(2026-03-01)을 날짜로"),
    Function("age", age, ("birth", "on"), 1, 2, "만 나이(기준일 on, 기본값 오늘)",
             keywords=frozenset({"on"}), uses_today=True),
    Function("months_between", months_between, ("a", "b"), 2, 2,
             "a부터 b까지 다 채운 개월 수"),
    Function("days_between", days_between, ("a", "b"), 2, 2, "a부터 b까지의 일 수"),
    Function("year", _year, ("d",), 1, 1, "날짜의 연도"),
    Function("month", _month, ("d",), 1, 1, "날짜의 월"),
    Function("pluck", pluck, ("rows", "key"), 2, 2,
             "행 목록에서 key 열의 값들(빈 값은 빼고)", vector=False),
    Function("any_in", any_in, ("values", "choices"), 2, 2,
             "values의 항목 중 choices에 든 것이 하나라도 있는지", vector=False),
    Function("count", count, ("values", "value"), 1, 2,
             "참인 항목 수, 또는 value와 같은 항목 수", keywords=frozenset({"value"}),
             vector=False),
    Function("coalesce", coalesce, ("x", "default"), 2, None,
             "비어 있지 않은 첫 값: coalesce(x, 기본값)"),
    Function("is_empty", is_empty, ("x",), 1, 1, "값이 비어 있는지(None, '', [], {})"),
    Function("mean", mean, ("values",), 1, 1, "숫자 목록의 평균(빈 값 제외)", vector=False),
    Function("likert_score", likert_score, ("values", "points"), 1, 2,
             "리커트 척도 응답의 0~100 점수: (평균-1)/(척도-1)×100", vector=False),
)
