"""The scalar evaluator: a checked tree compiled once into nested closures.

Each closure takes the record (a mapping of names to values) and the day that ``today()``
means (``None``: the real today). Problems with the data raise :class:`Fail`, which
:meth:`Expression.evaluate` turns into an :class:`EvalError` value.
"""

from __future__ import annotations

import ast
import datetime
import operator
from collections.abc import Callable, Mapping
from typing import Any

from ieum.expressions.checker import MAX_EXPONENT, bound_arguments
from ieum.expressions.errors import (
    DIVISION_BY_ZERO,
    TOO_BIG,
    Fail,
    bad_type,
    kind,
    missing_name,
)
from ieum.expressions.functions import FUNCTIONS, to_date

Env = Mapping[str, Any]
Today = datetime.date | None
Run = Callable[[Env, Today], Any]

MAX_ITEMS = 10_000
MAX_INT_BITS = 1024  # about the largest float: a bigger power is "too big"
_SEQUENCES = (str, list, tuple)
_LENIENT = frozenset({"coalesce", "is_empty"})  # a missing name there is just missing


def compile_tree(tree: ast.Expression) -> Run:
    return _compile(tree.body)


def _compile(node: ast.expr, lenient: bool = False) -> Run:
    if isinstance(node, ast.Name):
        return _name(node.id, lenient)
    return _COMPILERS[type(node)](node)


def _constant(node: ast.Constant) -> Run:
    value = node.value
    return lambda env, today: value


def _name(name: str, lenient: bool) -> Run:
    if lenient:
        return lambda env, today: env.get(name)

    def load(env: Env, today: Today) -> Any:
        try:
            return env[name]
        except KeyError:
            raise Fail(missing_name(name)) from None

    return load


def _list(node: ast.List) -> Run:
    items = [_compile(element) for element in node.elts]
    return lambda env, today: [item(env, today) for item in items]


def _tuple(node: ast.Tuple) -> Run:
    items = [_compile(element) for element in node.elts]
    return lambda env, today: tuple(item(env, today) for item in items)


def _set(node: ast.Set) -> Run:
    items = [_compile(element) for element in node.elts]

    def build(env: Env, today: Today) -> set[Any]:
        values = [item(env, today) for item in items]
        try:
            return set(values)
        except TypeError:
            raise Fail(bad_type("집합에는 숫자, 문자열 같은 값만 넣을 수 있습니다")) from None

    return build


def _dict(node: ast.Dict) -> Run:
    pairs = [(_compile(key), _compile(value))  # type: ignore[arg-type]  # checked: no **x
             for key, value in zip(node.keys, node.values, strict=True)]

    def build(env: Env, today: Today) -> dict[Any, Any]:
        result = {}
        for key, value in pairs:
            k = key(env, today)
            try:
                result[k] = value(env, today)
            except TypeError:
                raise Fail(bad_type(f"{kind(k)} 값은 묶음의 키가 될 수 없습니다")) from None
        return result

    return build


def _bool_op(node: ast.BoolOp) -> Run:
    first, *rest = [_compile(value) for value in node.values]
    if isinstance(node.op, ast.And):
        if len(rest) == 1:
            second = rest[0]
            return lambda env, today: first(env, today) and second(env, today)

        def all_of(env: Env, today: Today) -> Any:
            value = first(env, today)
            for operand in rest:
                if not value:
                    return value
                value = operand(env, today)
            return value

        return all_of
    if len(rest) == 1:
        second = rest[0]
        return lambda env, today: first(env, today) or second(env, today)

    def any_of(env: Env, today: Today) -> Any:
        value = first(env, today)
        for operand in rest:
            if value:
                return value
            value = operand(env, today)
        return value

    return any_of


def _field(node: ast.expr) -> str | None:
    """The field name an operand reads directly, to name it in messages."""
    return node.id if isinstance(node, ast.Name) else None


def _empty_field(values: tuple[Any, ...], fields: tuple[str | None, ...]) -> str | None:
    for value, field in zip(values, fields, strict=True):
        if value is None and field is not None:
            return field
    return None


def _unary_op(node: ast.UnaryOp) -> Run:
    operand = _compile(node.operand)
    if isinstance(node.op, ast.Not):
        return lambda env, today: not operand(env, today)
    apply, symbol = ((operator.neg, "-") if isinstance(node.op, ast.USub)
                     else (operator.pos, "+"))
    field = _field(node.operand)

    def run(env: Env, today: Today) -> Any:
        value = operand(env, today)
        try:
            return apply(value)
        except TypeError:
            if value is None and field is not None:
                raise Fail(f"'{field}' 항목 값이 비어 있어 계산할 수 없습니다") from None
            raise Fail(bad_type(f"'{symbol}' 연산에 {kind(value)} 값을 쓸 수 없습니다")) from None

    return run


def _multiply(a: Any, b: Any) -> Any:
    if isinstance(a, _SEQUENCES) or isinstance(b, _SEQUENCES):
        sequence, times = (a, b) if isinstance(a, _SEQUENCES) else (b, a)
        if isinstance(times, int) and len(sequence) * times > MAX_ITEMS:
            raise Fail(f"{TOO_BIG}: 문자열이나 목록은 {MAX_ITEMS:,}개까지만 만들 수 있습니다")
    return a * b


def _modulo(a: Any, b: Any) -> Any:
    if isinstance(a, str):
        raise TypeError("no string formatting")
    return a % b


def power(a: Any, b: Any) -> Any:
    """``a ** b`` with the exponent and the size of the result limited."""
    if isinstance(b, int | float) and abs(b) > MAX_EXPONENT:
        raise Fail(f"{TOO_BIG}: 거듭제곱의 지수는 {MAX_EXPONENT}를 넘을 수 없습니다")
    if (isinstance(a, int) and isinstance(b, int) and b > 0
            and (a.bit_length() - 1) * b > MAX_INT_BITS):
        raise Fail(TOO_BIG)
    result = a ** b
    if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
        raise Fail(TOO_BIG)
    if isinstance(result, complex):
        raise Fail(bad_type("음수의 분수 거듭제곱은 계산할 수 없습니다"))
    return result


_BINARY: dict[type[ast.operator], tuple[Callable[[Any, Any], Any], str]] = {
    ast.Add: (operator.add, "+"),
    ast.Sub: (operator.sub, "-"),
    ast.Mult: (_multiply, "*"),
    ast.Div: (operator.truediv, "/"),
    ast.FloorDiv: (operator.floordiv, "//"),
    ast.Mod: (_modulo, "%"),
    ast.Pow: (power, "**"),
}


def _bin_op(node: ast.BinOp) -> Run:
    apply, symbol = _BINARY[type(node.op)]
    left, right = _compile(node.left), _compile(node.right)
    fields = (_field(node.left), _field(node.right))

    def run(env: Env, today: Today) -> Any:
        a = left(env, today)
        b = right(env, today)
        try:
            return apply(a, b)
        except ZeroDivisionError:
            raise Fail(DIVISION_BY_ZERO) from None
        except OverflowError:
            raise Fail(TOO_BIG) from None
        except TypeError:
            field = _empty_field((a, b), fields)
            if field is not None:
                raise Fail(f"'{field}' 항목 값이 비어 있어 계산할 수 없습니다") from None
            raise Fail(bad_type(f"'{symbol}' 연산에 {kind(a)} 값과 {kind(b)} 값을 함께 "
                                "쓸 수 없습니다")) from None

    return run


def _is(a: Any, b: Any) -> bool:
    return a is b


def _is_not(a: Any, b: Any) -> bool:
    return a is not b


def _contains(a: Any, b: Any) -> bool:
    return a in b


def _not_contains(a: Any, b: Any) -> bool:
    return a not in b


_COMPARE: dict[type[ast.cmpop], tuple[Callable[[Any, Any], Any], str]] = {
    ast.Eq: (operator.eq, "=="),
    ast.NotEq: (operator.ne, "!="),
    ast.Lt: (operator.lt, "<"),
    ast.LtE: (operator.le, "<="),
    ast.Gt: (operator.gt, ">"),
    ast.GtE: (operator.ge, ">="),
    ast.Is: (_is, "is"),
    ast.IsNot: (_is_not, "is not"),
    ast.In: (_contains, "in"),
    ast.NotIn: (_not_contains, "not in"),
}
_ORDERING = frozenset({"<", "<=", ">", ">="})


def _as_dates(a: Any, b: Any, strict: bool) -> tuple[Any, Any]:
    """A date compared with an ISO string compares as two dates (a date-time compared with a
    date, as its date)."""
    a_date, b_date = isinstance(a, datetime.date), isinstance(b, datetime.date)
    if a_date == b_date:
        if a_date and isinstance(a, datetime.datetime) != isinstance(b, datetime.datetime):
            return to_date(a), to_date(b)
        return a, b
    if isinstance(a, str) or isinstance(b, str):
        try:
            return to_date(a), to_date(b)
        except Fail:
            if strict:
                raise
    return a, b


def compare(symbol: str, apply: Callable[[Any, Any], Any], a: Any, b: Any,
            fields: tuple[str | None, ...] = (None, None)) -> Any:
    """``a <symbol> b`` as the language means it, raising :class:`Fail` on a type problem."""
    if symbol not in ("is", "is not", "in", "not in"):
        a, b = _as_dates(a, b, symbol in _ORDERING)
    try:
        return apply(a, b)
    except TypeError:
        field = _empty_field((a, b), fields)
        if field is not None:
            raise Fail(f"'{field}' 항목 값이 비어 있어 비교할 수 없습니다") from None
        if symbol in ("in", "not in"):
            raise Fail(bad_type(f"'{symbol}' 연산에 {kind(a)} 값과 {kind(b)} 값을 함께 "
                                "쓸 수 없습니다")) from None
        raise Fail(bad_type(f"{kind(a)} 값과 {kind(b)} 값은 '{symbol}'로 비교할 수 "
                            "없습니다")) from None


def _compare(node: ast.Compare) -> Run:
    left = _compile(node.left)
    steps = []
    previous = _field(node.left)
    for op, comparator in zip(node.ops, node.comparators, strict=True):
        apply, symbol = _COMPARE[type(op)]
        steps.append((symbol, apply, _compile(comparator), (previous, _field(comparator))))
        previous = _field(comparator)
    if len(steps) == 1:
        ((symbol, apply, right, fields),) = steps
        return lambda env, today: compare(symbol, apply, left(env, today), right(env, today),
                                          fields)

    def chain(env: Env, today: Today) -> Any:
        a = left(env, today)
        result: Any = True
        for symbol, apply, right, fields in steps:
            b = right(env, today)
            result = compare(symbol, apply, a, b, fields)
            if not result:
                return result
            a = b
        return result

    return chain


def _if_exp(node: ast.IfExp) -> Run:
    test, body, orelse = _compile(node.test), _compile(node.body), _compile(node.orelse)
    return lambda env, today: body(env, today) if test(env, today) else orelse(env, today)


def _slice(node: ast.Slice) -> Run:
    parts = [None if part is None else _compile(part)
             for part in (node.lower, node.upper, node.step)]

    def build(env: Env, today: Today) -> slice:
        return slice(*(None if part is None else part(env, today) for part in parts))

    return build


def _subscript(node: ast.Subscript) -> Run:
    container = _compile(node.value)
    index = _slice(node.slice) if isinstance(node.slice, ast.Slice) else _compile(node.slice)
    field = _field(node.value)

    def run(env: Env, today: Today) -> Any:
        value = container(env, today)
        key = index(env, today)
        try:
            return value[key]
        except KeyError:
            raise Fail(f"'{key}' 항목이 없습니다") from None
        except IndexError:
            raise Fail(f"목록에 {key}번 위치의 항목이 없습니다") from None
        except (TypeError, ValueError):
            if value is None and field is not None:
                raise Fail(f"'{field}' 항목 값이 비어 있습니다") from None
            raise Fail(bad_type(f"{kind(value)} 값에서 {kind(key)} 값으로 항목을 꺼낼 수 "
                                "없습니다")) from None

    return run


def _call(node: ast.Call) -> Run:
    assert isinstance(node.func, ast.Name)
    function = FUNCTIONS[node.func.id]
    lenient = function.name in _LENIENT
    arguments = [_compile(argument, lenient) for argument in bound_arguments(node)]
    implementation = function.call
    name = function.name

    def fail(values: list[Any], error: Exception) -> Fail:
        if isinstance(error, OverflowError):
            return Fail(TOO_BIG)
        kinds = ", ".join(f"{kind(value)} 값" for value in values) or "인자"
        return Fail(bad_type(f"{name}()에 {kinds}을 쓸 수 없습니다"))

    if function.uses_today:
        def run_today(env: Env, today: Today) -> Any:
            values = [argument(env, today) for argument in arguments]
            try:
                return implementation(*values, today=today or datetime.date.today())
            except (TypeError, ValueError, OverflowError) as error:
                raise fail(values, error) from None

        return run_today
    if len(arguments) == 1:
        (only,) = arguments

        def run_one(env: Env, today: Today) -> Any:
            value = only(env, today)
            try:
                return implementation(value)
            except (TypeError, ValueError, OverflowError) as error:
                raise fail([value], error) from None

        return run_one

    def run(env: Env, today: Today) -> Any:
        values = [argument(env, today) for argument in arguments]
        try:
            return implementation(*values)
        except (TypeError, ValueError, OverflowError) as error:
            raise fail(values, error) from None

    return run


_COMPILERS: dict[type[ast.AST], Callable[[Any], Run]] = {
    ast.Constant: _constant,
    ast.List: _list,
    ast.Tuple: _tuple,
    ast.Set: _set,
    ast.Dict: _dict,
    ast.BoolOp: _bool_op,
    ast.UnaryOp: _unary_op,
    ast.BinOp: _bin_op,
    ast.Compare: _compare,
    ast.IfExp: _if_exp,
    ast.Subscript: _subscript,
    ast.Call: _call,
}
