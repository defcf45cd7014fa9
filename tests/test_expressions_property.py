"""Property: the vector evaluator agrees with the scalar evaluator row by row.

Random expression trees over a few numeric and bool fields, random records (with zeros, so
that divisions by zero happen): for every row, either both evaluators report an error, or
both give the same value (floats within a tolerance; a bool equals 0 or 1).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ieum.expressions import EvalError, check_expression, compile_expression

FIELDS = {"i": np.int64, "j": np.int64, "f": np.float64, "b": np.bool_}

leaves = st.one_of(
    st.sampled_from(list(FIELDS)),
    st.integers(-5, 5).map(str),
    st.sampled_from(["0.0", "0.5", "-1.5", "2.25", "True", "False"]),
)
exponents = st.sampled_from(["0", "1", "2", "3", "-1", "-2", "0.5", "j", "(j * 30)"])


# Arithmetic three times: it makes the errors (division by zero) that the property is about.
KINDS = ["unary", "arithmetic", "arithmetic", "arithmetic", "power", "compare", "chain",
         "logic", "if", "extreme", "function", "round", "coalesce", "in"]


@st.composite
def expressions(draw: st.DrawFn, depth: int = 3) -> str:
    """An expression of at most ``depth`` levels, every kind of node equally likely."""
    if depth == 0 or draw(st.integers(0, 5)) == 0:
        return draw(leaves)

    def sub() -> str:
        return draw(expressions(depth - 1))

    kind = draw(st.sampled_from(KINDS))
    if kind == "unary":
        return f"({draw(st.sampled_from(['-', '+', 'not ']))}{sub()})"
    if kind == "arithmetic":
        return f"({sub()} {draw(st.sampled_from(['+', '-', '*', '/', '//', '%']))} {sub()})"
    if kind == "power":
        return f"({sub()} ** {draw(exponents)})"
    if kind == "compare":
        return f"({sub()} {draw(st.sampled_from(['<', '<=', '>', '>=', '==', '!=']))} {sub()})"
    if kind == "chain":
        first, second = draw(st.sampled_from(["<", "<="])), draw(st.sampled_from(["<", "!="]))
        return f"({sub()} {first} {sub()} {second} {sub()})"
    if kind == "logic":
        return f"({sub()} {draw(st.sampled_from(['and', 'or']))} {sub()})"
    if kind == "if":
        return f"({sub()} if {sub()} else {sub()})"
    if kind == "extreme":
        count = draw(st.integers(2, 3))
        arguments = ", ".join(sub() for _ in range(count))
        return f"{draw(st.sampled_from(['min', 'max']))}({arguments})"
    if kind == "function":
        return f"{draw(st.sampled_from(['abs', 'round', 'int', 'float', 'bool']))}({sub()})"
    if kind == "round":
        return f"round({sub()}, 0)"
    if kind == "coalesce":
        return f"coalesce({sub()}, {sub()})"
    members = draw(st.sampled_from(["[1, 2, 0.5, True]", "(0, -1)", "[i, 2]", "[]"]))
    return f"({sub()} {draw(st.sampled_from(['in', 'not in']))} {members})"


records = st.fixed_dictionaries({
    "i": st.one_of(st.just(0), st.integers(-10, 10)),
    "j": st.integers(-3, 3),
    "f": st.one_of(st.just(0.0), st.integers(-80, 80).map(lambda k: k / 4)),
    "b": st.booleans(),
})


def same(scalar: Any, vector: Any) -> bool:
    if isinstance(vector, np.generic):
        vector = vector.item()
    a, b = float(scalar), float(vector)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(source=expressions(), rows=st.lists(records, min_size=1, max_size=6))
def test_vector_agrees_with_scalar(source: str, rows: list[dict[str, Any]]) -> None:
    assume(check_expression(source) == [])
    expression = compile_expression(source)
    columns = {name: np.array([row[name] for row in rows], dtype=dtype)
               for name, dtype in FIELDS.items()}
    result = expression.evaluate_vector(columns, length=len(rows))
    assert result.values.shape == result.errors.shape == (len(rows),)
    for index, row in enumerate(rows):
        scalar = expression.evaluate(row)
        where = f"{source} with {row}: scalar {scalar!r}, vector {result.values[index]!r}"
        if isinstance(scalar, EvalError):
            assert result.errors[index], where
        else:
            assert not result.errors[index], where
            assert same(scalar, result.values[index]), where


def test_an_error_row_and_a_value_row_side_by_side() -> None:
    columns = {"i": np.array([0, 3]), "f": np.array([0.0, 2.5])}
    result = compile_expression("i / f if i >= 0 else 0").evaluate_vector(columns)
    assert result.errors.tolist() == [True, False]
    assert same(compile_expression("i / f").evaluate({"i": 3, "f": 2.5}), result.values[1])
