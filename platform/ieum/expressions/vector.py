"""The vector evaluator: the same checked tree over columns of NumPy arrays, without a Python
loop per row.

Every node gives a pair of arrays: the values and a mask of the rows where the scalar
evaluator would give an :class:`EvalError` (division by zero, a power too big, a missing
column, a value of the wrong type, a date that does not parse). Values in masked rows mean
nothing. What the scalar evaluator short-circuits (``and``, ``or``, ``a if c else b``, chained
comparisons) is computed for every row here, but its errors count only in the rows where the
scalar evaluator would have reached it.

Columns may hold bool, integer, float, ``str`` (NumPy ``U``) or ``datetime64`` values; a
0-dimensional array or a plain number stands for the same value in every row. A float NaN
is a missing value (the scalar ``None``) for ``is None``, ``coalesce`` and ``is_empty``, and a
NaT date is a missing date; otherwise NaN follows IEEE arithmetic (``nan < 1`` is false, not
an error). Object columns are refused.

Supported: every operator of the language; ``x in [...]`` with a list, tuple or set written
in the expression (and ``"text" in column`` for text columns); conditional expressions;
``min``/``max`` with two or more arguments, ``abs``, ``round`` (with a written number of
digits), ``round_half_up``, ``int``, ``float``, ``bool``, ``coalesce``, ``is_empty``,
``today``, ``date``, ``year``, ``month``, ``age``, ``months_between`` and ``days_between``.
``round`` rounds half to even like Python's (``np.round``/``np.rint``); with digits > 0 a
value within one float ulp of a tie may round the other way, since Python rounds the exact
decimal value.

Refused with :class:`ExpressionError` (they need a list per row): ``len``, ``sum``, ``any``,
``all``, ``pluck``, ``count``, ``min``/``max`` of one list, ``str``, subscripts, and list,
dict and set literals outside ``in``; also repeating text with ``*`` and subtracting dates.

Differences from the scalar evaluator, by design: integer columns are int64 (an integer
``+``, ``-``, ``*`` or ``**`` whose result leaves int64 gives floats for the whole column);
``int()`` and ``round()`` of a float beyond int64 is an error row, or a float; a row of a
text column that NumPy cannot parse as a date is parsed again by Python to find the rows
that are errors.
"""

from __future__ import annotations

import ast
import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ieum.expressions.checker import MAX_EXPONENT, bound_arguments
from ieum.expressions.errors import ExpressionError, Fail
from ieum.expressions.functions import FUNCTIONS, MAX_ROUND_DIGITS, to_date

Pair = tuple[np.ndarray, np.ndarray]
_NUMERIC = frozenset({"bool", "int", "float"})
_INT64_LIMIT = 2.0**63
_LENIENT = frozenset({"coalesce", "is_empty"})
_UFUNCS: dict[str, Callable[..., Any]] = {
    "==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
    ">": np.greater, ">=": np.greater_equal,
}
_SYMBOLS: dict[type[ast.cmpop], str] = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
    ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in",
}


@dataclass
class VectorResult:
    """``values[i]`` is the value for row ``i`` unless ``errors[i]`` is true."""

    values: np.ndarray
    errors: np.ndarray


def kind_of(values: np.ndarray) -> str:
    code = values.dtype.kind
    if code == "b":
        return "bool"
    if code in "iu":
        return "int"
    if code == "f":
        return "float"
    if code == "U":
        return "str"
    if code == "M":
        return "date"
    return "object"


def _refuse(what: str) -> ExpressionError:
    return ExpressionError(f"{what} is not available in vector evaluation")


def evaluate_vector(tree: ast.Expression, names: frozenset[str],
                    columns: Mapping[str, Any], length: int | None,
                    today: datetime.date | None) -> VectorResult:
    if length is None:
        length = _length(names, columns)
    evaluator = _Vector(columns, length, today or datetime.date.today())
    with np.errstate(all="ignore"):
        values, errors = evaluator.eval(tree.body)
    if any(values is column for column in columns.values()) or not values.flags.owndata:
        values = values.copy()
    return VectorResult(values, np.array(errors, dtype=bool))


def _length(names: frozenset[str], columns: Mapping[str, Any]) -> int:
    for name in [*sorted(names & set(columns)), *columns]:
        if np.ndim(columns[name]) == 1:
            return len(columns[name])
    return 1


class _Vector:
    def __init__(self, columns: Mapping[str, Any], length: int, today: datetime.date) -> None:
        self.columns = columns
        self.n = length
        self.today = np.datetime64(today, "D")
        self.no_errors = np.zeros(length, dtype=bool)
        self.all_errors = np.ones(length, dtype=bool)

    # plumbing

    def eval(self, node: ast.expr, lenient: bool = False) -> Pair:
        if isinstance(node, ast.Name):
            return self.name(node.id, lenient)
        method = getattr(self, f"v_{type(node).__name__}", None)
        if method is None:
            raise _refuse(_DESCRIPTIONS.get(type(node), type(node).__name__))
        return method(node)

    def full(self, value: Any) -> np.ndarray:
        if value is None:
            return np.full(self.n, np.nan)
        if isinstance(value, bool):
            return np.full(self.n, value, dtype=bool)
        if isinstance(value, int):
            if abs(value) < _INT64_LIMIT:
                return np.full(self.n, value, dtype=np.int64)
            return np.full(self.n, float(value))
        if isinstance(value, float):
            return np.full(self.n, value, dtype=np.float64)
        return np.full(self.n, value)  # str

    def type_error(self) -> Pair:
        """Every row fails, as the scalar evaluator does on values of these types."""
        return np.zeros(self.n), self.all_errors

    def name(self, name: str, lenient: bool) -> Pair:
        if name not in self.columns:
            return np.full(self.n, np.nan), (self.no_errors if lenient else self.all_errors)
        values = np.asarray(self.columns[name])
        if values.ndim == 0:
            values = np.broadcast_to(values, (self.n,))
        elif values.ndim != 1 or len(values) != self.n:
            raise ExpressionError(f"column {name!r} has shape {values.shape}; expected "
                                  f"{self.n} values")
        kind = kind_of(values)
        if kind == "date":
            values = values.astype("datetime64[D]")
        elif kind == "object" or values.dtype.kind not in "biufUM":
            raise ExpressionError(f"column {name!r} has dtype {values.dtype}; vector evaluation "
                                  "needs bool, number, str or datetime64 columns")
        return values, self.no_errors

    # literals and names

    def v_Constant(self, node: ast.Constant) -> Pair:
        return self.full(node.value), self.no_errors

    # boolean logic and conditions

    def v_BoolOp(self, node: ast.BoolOp) -> Pair:
        value, errors = self.eval(node.values[0])
        conjunction = isinstance(node.op, ast.And)
        for operand in node.values[1:]:
            true = truthy(value)
            reached = true if conjunction else ~true
            other, other_errors = self.eval(operand)
            errors = errors | (reached & other_errors)
            value = where(reached, other, value)
        return value, errors

    def v_IfExp(self, node: ast.IfExp) -> Pair:
        test, test_errors = self.eval(node.test)
        body, body_errors = self.eval(node.body)
        orelse, orelse_errors = self.eval(node.orelse)
        true = truthy(test)
        return (where(true, body, orelse),
                test_errors | np.where(true, body_errors, orelse_errors))

    def v_UnaryOp(self, node: ast.UnaryOp) -> Pair:
        value, errors = self.eval(node.operand)
        if isinstance(node.op, ast.Not):
            return ~truthy(value), errors
        kind = kind_of(value)
        if kind == "object":
            raise _refuse("arithmetic on mixed values")
        if kind not in _NUMERIC:
            return self.type_error()
        number = numeric(value)
        return (-number if isinstance(node.op, ast.USub) else +number), errors

    # arithmetic

    def v_BinOp(self, node: ast.BinOp) -> Pair:
        a, a_errors = self.eval(node.left)
        b, b_errors = self.eval(node.right)
        errors = a_errors | b_errors
        kinds = {kind_of(a), kind_of(b)}
        if kinds <= _NUMERIC:
            value, op_errors = arithmetic(type(node.op), numeric(a), numeric(b))
            return value, errors if op_errors is None else errors | op_errors
        if "object" in kinds:
            raise _refuse("arithmetic on mixed values")
        if kinds == {"str"} and isinstance(node.op, ast.Add):
            return np.strings.add(a, b), errors
        if isinstance(node.op, ast.Mult) and "str" in kinds and kinds & {"int", "bool"}:
            raise _refuse("repeating text with '*'")
        if kinds == {"date"} and isinstance(node.op, ast.Sub):
            raise _refuse("subtracting dates (use days_between(a, b))")
        return self.type_error()

    # comparisons

    def v_Compare(self, node: ast.Compare) -> Pair:
        left_node = node.left
        left, errors = self.eval(left_node)
        result = np.ones(self.n, dtype=bool)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            symbol = _SYMBOLS[type(op)]
            if symbol in ("in", "not in"):
                if right_node is not node.comparators[-1]:
                    raise _refuse("'in' in the middle of a chained comparison")
                right, right_errors, outcome, op_errors = self.contains(left, right_node)
                if symbol == "not in":
                    outcome = ~outcome
            else:
                right, right_errors = self.eval(right_node)
                none_side = _is_none(left_node) or _is_none(right_node)
                if none_side and symbol in ("is", "is not", "==", "!="):
                    none = missing(left if _is_none(right_node) else right)
                    outcome = none if symbol in ("is", "==") else ~none
                    op_errors = self.no_errors
                elif none_side:  # None < x: a TypeError in every row
                    outcome, op_errors = np.zeros(self.n, dtype=bool), self.all_errors
                else:
                    outcome, op_errors = self.compare(symbol, left, right)
            errors = errors | (result & (right_errors | op_errors))
            result = result & outcome
            left, left_node = right, right_node
        return result, errors

    def compare(self, symbol: str, a: np.ndarray, b: np.ndarray) -> Pair:
        kinds = {kind_of(a), kind_of(b)}
        ordering = symbol not in ("==", "!=")
        if "object" in kinds:
            raise _refuse("comparing mixed values")
        if kinds == {"date", "str"}:
            a, a_bad, _ = self.dates(a)
            b, b_bad, _ = self.dates(b)
            bad = a_bad | b_bad
            if not ordering:
                outcome = _UFUNCS[symbol](a, b)
                return np.where(bad, symbol == "!=", outcome), self.no_errors
            return _UFUNCS[symbol](a, b), bad | np.isnat(a) | np.isnat(b)
        if kinds <= _NUMERIC or len(kinds) == 1:
            outcome = np.asarray(_UFUNCS[symbol](a, b), dtype=bool)
            if ordering and kinds == {"date"}:
                return outcome, np.isnat(a) | np.isnat(b)
            return outcome, self.no_errors
        if not ordering:  # values of different types are never equal
            return np.full(self.n, symbol == "!="), self.no_errors
        return np.zeros(self.n, dtype=bool), self.all_errors

    def contains(self, left: np.ndarray, node: ast.expr,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            elements = node.elts
            kind = kind_of(left)
            constants = [e.value for e in elements if isinstance(e, ast.Constant)]
            if len(constants) == len(elements) and (
                    (kind in _NUMERIC and all(type(c) in (bool, int, float) for c in constants))
                    or (kind == "str" and all(isinstance(c, str) for c in constants))):
                return left, self.no_errors, np.isin(left, constants), self.no_errors
            errors = self.no_errors
            found = np.zeros(self.n, dtype=bool)
            for element in elements:
                value, value_errors = self.eval(element)
                if _is_none(element):
                    equal, equal_errors = missing(left), self.no_errors
                else:
                    equal, equal_errors = self.compare("==", left, value)
                found = found | equal
                errors = errors | value_errors | equal_errors
            return left, errors, found, self.no_errors
        right, right_errors = self.eval(node)
        if kind_of(left) == kind_of(right) == "str":
            return right, right_errors, np.strings.find(right, left) >= 0, self.no_errors
        raise _refuse("'in' with anything but a written list such as [1, 2] (or text in text)")

    # functions

    def v_Call(self, node: ast.Call) -> Pair:
        assert isinstance(node.func, ast.Name)
        function = FUNCTIONS[node.func.id]
        name = function.name
        arguments = bound_arguments(node)
        if not function.vector or (name in ("min", "max") and len(arguments) == 1):
            raise _refuse(f"function {name!r}" + (" of one list" if function.vector else ""))
        if name == "round" and len(arguments) == 2:
            digits = _literal_int(arguments[1])
            if digits is None:
                raise _refuse("round() with digits that are not a written integer")
            value, errors = self.eval(arguments[0])
            return self.round(value, errors, digits)
        lenient = name in _LENIENT
        pairs = [self.eval(argument, lenient) for argument in arguments]
        errors = self.no_errors
        for _, argument_errors in pairs:
            errors = errors | argument_errors
        values = [value for value, _ in pairs]
        if name == "age" and len(arguments) == 2 and _is_none(arguments[1]):
            values = values[:1]
        result, call_errors = getattr(self, f"f_{name}")(*values)
        return result, errors | call_errors

    def f_min(self, *values: np.ndarray) -> Pair:
        return self.extreme("<", values)

    def f_max(self, *values: np.ndarray) -> Pair:
        return self.extreme(">", values)

    def extreme(self, symbol: str, values: tuple[np.ndarray, ...]) -> Pair:
        # As Python does: keep the current value unless the next one is smaller (larger).
        current, errors = values[0], self.no_errors
        for value in values[1:]:
            better, compare_errors = self.compare(symbol, value, current)
            current = where(better, value, current)
            errors = errors | compare_errors
        return current, errors

    def f_abs(self, value: np.ndarray) -> Pair:
        if kind_of(value) not in _NUMERIC:
            return self.type_error()
        return np.abs(numeric(value)), self.no_errors

    def f_round(self, value: np.ndarray) -> Pair:
        kind = kind_of(value)
        if kind not in _NUMERIC:
            return self.type_error()
        if kind != "float":
            return numeric(value), self.no_errors
        rounded = np.rint(value)
        errors = ~np.isfinite(value)
        if np.any(np.abs(rounded[~errors]) >= _INT64_LIMIT):
            return rounded, errors
        return np.where(errors, 0, rounded).astype(np.int64), errors

    def f_round_half_up(self, value: np.ndarray) -> Pair:
        kind = kind_of(value)
        if kind not in _NUMERIC:
            return self.type_error()
        if kind != "float":
            return numeric(value), self.no_errors
        rounded = np.floor(np.round(value, 6) + 0.5)
        if len(rounded) and -_INT64_LIMIT < rounded.min() and rounded.max() < _INT64_LIMIT:
            return rounded.astype(np.int64), self.no_errors  # (NaN fails both tests)
        errors = ~(np.abs(rounded) < _INT64_LIMIT)  # also NaN and infinities
        return np.where(errors, 0, rounded).astype(np.int64), errors

    def round(self, value: np.ndarray, errors: np.ndarray, digits: int) -> Pair:
        if kind_of(value) not in _NUMERIC or abs(digits) > MAX_ROUND_DIGITS:
            return self.type_error()
        number = numeric(value)
        if number.dtype.kind == "i" and digits >= 0:
            return number, errors
        return np.round(number, digits), errors

    def f_int(self, value: np.ndarray) -> Pair:
        kind = kind_of(value)
        if kind == "str":
            raise _refuse("int() of a text column")
        if kind not in _NUMERIC:
            return self.type_error()
        if kind != "float":
            return numeric(value), self.no_errors
        errors = ~(np.abs(value) < _INT64_LIMIT)  # also NaN and infinities
        return np.where(errors, 0, np.trunc(value)).astype(np.int64), errors

    def f_float(self, value: np.ndarray) -> Pair:
        kind = kind_of(value)
        if kind == "str":
            raise _refuse("float() of a text column")
        if kind not in _NUMERIC:
            return self.type_error()
        return value.astype(np.float64), self.no_errors

    def f_bool(self, value: np.ndarray) -> Pair:
        return truthy(value), self.no_errors

    def f_coalesce(self, *values: np.ndarray) -> Pair:
        result = values[-1]
        for value in reversed(values[:-1]):
            result = where(missing(value), result, value)
        return result, self.no_errors

    def f_is_empty(self, value: np.ndarray) -> Pair:
        empty = missing(value)
        if kind_of(value) == "str":
            empty = empty | (np.strings.strip(value) == "")
        return empty, self.no_errors

    def f_today(self) -> Pair:
        return np.full(self.n, self.today), self.no_errors

    def dates(self, value: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``value`` as dates, the rows that are not dates, and the rows that are missing."""
        kind = kind_of(value)
        if kind == "date":
            return value, self.no_errors, np.isnat(value)
        if kind == "float":
            nan = np.isnan(value)
            return np.full(self.n, np.datetime64("NaT", "D")), ~nan, nan
        if kind != "str":
            return np.full(self.n, np.datetime64("NaT", "D")), self.all_errors, self.no_errors
        try:
            dates = value.astype("datetime64[D]")
        except ValueError:
            dates = _parse_dates(value)
        return dates, np.isnat(dates), self.no_errors

    def date_values(self, value: np.ndarray) -> Pair:
        dates, bad, absent = self.dates(value)
        return dates, bad | absent

    def f_date(self, value: np.ndarray) -> Pair:
        return self.date_values(value)

    def f_year(self, value: np.ndarray) -> Pair:
        dates, errors = self.date_values(value)
        return _ymd(dates)[0], errors

    def f_month(self, value: np.ndarray) -> Pair:
        dates, errors = self.date_values(value)
        return _ymd(dates)[1], errors

    def f_days_between(self, start: np.ndarray, end: np.ndarray) -> Pair:
        (a, a_errors), (b, b_errors) = self.date_values(start), self.date_values(end)
        errors = a_errors | b_errors
        return np.where(errors, 0, (b - a).astype(np.int64)), errors

    def f_months_between(self, start: np.ndarray, end: np.ndarray) -> Pair:
        (a, a_errors), (b, b_errors) = self.date_values(start), self.date_values(end)
        (ya, ma, da), (yb, mb, db) = _ymd(a), _ymd(b)
        months = (yb * 12 + mb) - (ya * 12 + ma)
        months = np.where(b >= a, months - (db < da), months + (da < db))
        return months, a_errors | b_errors

    def f_age(self, birth: np.ndarray, on: np.ndarray | None = None) -> Pair:
        born, errors = self.date_values(birth)
        if on is None:
            day = np.full(self.n, self.today)
        else:
            day, bad, absent = self.dates(on)
            day = np.where(absent, self.today, day)
            errors = errors | bad
        (yb, mb, db), (yd, md, dd) = _ymd(born), _ymd(day)
        before_birthday = (md < mb) | ((md == mb) & (dd < db))
        return yd - yb - before_birthday, errors


def truthy(values: np.ndarray) -> np.ndarray:
    """Python's ``bool()`` of each value (NaN is true, as in Python; NaT is missing)."""
    kind = kind_of(values)
    if kind == "bool":
        return values
    if kind in ("int", "float"):
        return values != 0
    if kind == "str":
        return np.strings.str_len(values) > 0
    if kind == "date":
        return ~np.isnat(values)
    return values.astype(bool)


def missing(values: np.ndarray) -> np.ndarray:
    """Rows that hold no value: NaN, NaT or ``None``."""
    kind = kind_of(values)
    if kind == "float":
        return np.isnan(values)
    if kind == "date":
        return np.isnat(values)
    if kind == "object":
        return np.equal(values, None).astype(bool)
    return np.zeros(len(values), dtype=bool)


def numeric(values: np.ndarray) -> np.ndarray:
    """Bools as integers (``True + True == 2``, as in Python); integers as int64."""
    if values.dtype.kind in "bu":
        return values.astype(np.int64)
    return values


def where(condition: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a`` where ``condition`` holds, else ``b``, without turning numbers into text."""
    kinds = {kind_of(a), kind_of(b)}
    if len(kinds) == 1 or kinds <= _NUMERIC:
        return np.where(condition, a, b)
    if kinds == {"date", "float"}:  # None (NaN) beside dates is a missing date (NaT)
        numbers, chosen = (a, condition) if kind_of(a) == "float" else (b, ~condition)
        if np.all(np.isnan(numbers[chosen])):
            no_date = np.full(len(numbers), np.datetime64("NaT", "D"))
            return np.where(condition, no_date if a is numbers else a,
                            no_date if b is numbers else b)
    return np.where(condition, a.astype(object), b.astype(object))


def arithmetic(op: type[ast.operator], a: np.ndarray, b: np.ndarray,
               ) -> tuple[np.ndarray, np.ndarray | None]:
    """``a op b`` on int64/float64 arrays, and the rows where Python would raise."""
    integers = a.dtype.kind == "i" and b.dtype.kind == "i"
    if op in (ast.Add, ast.Sub, ast.Mult):
        ufunc = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply}[op]
        result = ufunc(a, b)
        if integers:
            exact = ufunc(a.astype(np.float64), b.astype(np.float64))
            if np.any(np.abs(exact) >= _INT64_LIMIT):
                return exact, None  # beyond int64: floats, as the closest to Python's ints
        return result, None
    if op is ast.Pow:
        return _power(a, b, integers)
    zero = b == 0
    divide = {ast.Div: np.true_divide, ast.FloorDiv: np.floor_divide, ast.Mod: np.remainder}
    return divide[op](a, b), zero


def _power(a: np.ndarray, b: np.ndarray, integers: bool) -> tuple[np.ndarray, np.ndarray]:
    base, exponent = a.astype(np.float64), b.astype(np.float64)
    finite = np.isfinite(exponent)
    errors = np.abs(exponent) > MAX_EXPONENT
    errors |= (base == 0) & (exponent < 0)  # ZeroDivisionError
    errors |= (base < 0) & finite & (exponent != np.trunc(exponent))  # a complex number
    result = np.power(base, exponent)
    errors |= np.isinf(result) & np.isfinite(base) & finite  # OverflowError
    if integers:
        fine = ~errors
        if np.all(b[fine] >= 0) and np.all(np.abs(result[fine]) < _INT64_LIMIT):
            return np.power(a, np.where(fine, b, 0)), errors
    return result, errors


def _ymd(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    months = dates.astype("datetime64[M]")
    year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (dates - months).astype(np.int64) + 1
    return year, month, day


def _parse_one(text: str) -> np.datetime64:
    try:
        return np.datetime64(to_date(text), "D")
    except Fail:
        return np.datetime64("NaT", "D")


_parse_each = np.frompyfunc(_parse_one, 1, 1)


def _parse_dates(values: np.ndarray) -> np.ndarray:
    """Row by row, for text NumPy cannot parse in one go: unparsable rows become NaT."""
    return _parse_each(values).astype("datetime64[D]")


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _literal_int(node: ast.expr) -> int | None:
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        sign = -1 if isinstance(node.op, ast.USub) else 1
        node = node.operand
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return sign * node.value
    return None


_DESCRIPTIONS: dict[type[ast.AST], str] = {
    ast.Subscript: "a subscript (x[...])",
    ast.List: "a list outside 'in'",
    ast.Tuple: "a tuple outside 'in'",
    ast.Set: "a set outside 'in'",
    ast.Dict: "a dict",
}
