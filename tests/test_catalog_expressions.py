"""round_half_up in the expression language: scalar and vector give the same integers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ieum.expressions import EvalError, compile_expression


def test_scalar_round_half_up() -> None:
    expression = compile_expression("round_half_up(x)")
    assert expression.evaluate({"x": 2.5}) == 3
    assert expression.evaluate({"x": 1_196_006.5}) == 1_196_007
    assert expression.evaluate({"x": -2.5}) == -2
    assert expression.evaluate({"x": 7}) == 7
    assert expression.evaluate({"x": True}) == 1
    assert compile_expression("round_half_up(2564238 * 0.32)").evaluate({}) == 820_556
    assert isinstance(expression.evaluate({"x": "a"}), EvalError)
    assert isinstance(expression.evaluate({"x": float("nan")}), EvalError)


def test_vector_round_half_up() -> None:
    expression = compile_expression("round_half_up(x)")
    result = expression.evaluate_vector({"x": np.array([2.5, 1_196_006.5, -2.5, np.inf, 0.49])})
    assert result.values[:3].tolist() == [3, 1_196_007, -2]
    assert result.errors.tolist() == [False, False, False, True, False]
    assert result.values[4] == 0
    ints = expression.evaluate_vector({"x": np.array([1, 2], dtype=np.int64)})
    assert ints.values.tolist() == [1, 2] and not ints.errors.any()


@given(st.lists(st.floats(-1e12, 1e12, allow_nan=False), min_size=1, max_size=30),
       st.sampled_from(["0.7", "0.32", "0.0417", "1.04", "0.5"]))
def test_vector_equals_scalar(values: list[float], factor: str) -> None:
    expression = compile_expression(f"round_half_up(x * {factor})")
    vector = expression.evaluate_vector({"x": np.array(values)})
    for index, value in enumerate(values):
        assert vector.values[index] == expression.evaluate({"x": value})
        assert not vector.errors[index]


@pytest.mark.parametrize("text", ["round_half_up()", "round_half_up(1, 2)"])
def test_round_half_up_takes_one_argument(text: str) -> None:
    from ieum.expressions import check_expression

    assert check_expression(text)
