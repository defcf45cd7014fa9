"""The expression language: what the check refuses, what each function does, and runtime
errors that come back as values."""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import pytest

from ieum.expressions import (
    FUNCTIONS,
    EvalError,
    Expression,
    ExpressionError,
    check_expression,
    compile_expression,
)

TODAY = datetime.date(2026, 3, 15)


def value(source: str, today: datetime.date = TODAY, **env: Any) -> Any:
    return compile_expression(source).evaluate(env, today=today)


def error(source: str, **env: Any) -> str:
    result = value(source, **env)
    assert isinstance(result, EvalError), result
    return result.message


# The check


@pytest.mark.parametrize(("source", "fragments"), [
    ("record.name", ["attribute access (.name) is not allowed"]),
    ("__import__('os')", ["name '__import__' is not allowed", "dunder names are refused"]),
    ("__builtins__", ["name '__builtins__' is not allowed"]),
    ("__import__('os').system('x')", ["attribute access (.system)", "'__import__'"]),
    ("rows[0]()", ["calling the result of an expression is not allowed"]),
    ("open('/etc/passwd')", ["function 'open' is not allowed", "allowed: len, sum"]),
    ("eval('1')", ["function 'eval' is not allowed"]),
    ("exec('x = 1')", ["function 'exec' is not allowed"]),
    ("getattr(x, 'y')", ["function 'getattr' is not allowed"]),
    ("len(x)(1)", ["calling the result of an expression is not allowed"]),
    ("(lambda: 1)()", ["lambda is not allowed"]),
    ("[a for a in rows]", ["list comprehension is not allowed"]),
    ("{a for a in rows}", ["set comprehension is not allowed"]),
    ("{a: 1 for a in rows}", ["dict comprehension is not allowed"]),
    ("sum(a for a in rows)", ["generator expression is not allowed"]),
    ("(n := 1)", ["assignment expression (:=) is not allowed"]),
    ("f'{name}'", ["f-string is not allowed"]),
    ("len(*rows)", ["starred argument (*x) is not allowed"]),
    ("[*rows]", ["starred argument (*x) is not allowed"]),
    ("len(**rows)", ["keyword argument unpacking (**x) is not allowed"]),
    ("{**row}", ["dict unpacking (**x) is not allowed"]),
    ("9**9**9", ["nested power (a ** b ** c) is not allowed"]),
    ("(2**10)**10", ["nested power"]),
    ("2 ** 65", ["power with exponent 65 is not allowed (the limit is 64)"]),
    ("2 ** -100", ["power with exponent -100 is not allowed"]),
    ("x << 3", ["operator '<<' is not allowed"]),
    ("x | y", ["operator '|' is not allowed"]),
    ("~x", ["operator '~' is not allowed"]),
    ("x is 1", ["'is' may only compare with None"]),
    ("1j", ["complex number literal is not allowed"]),
    ("b'x'", ["bytes literal is not allowed"]),
    ("(yield)", ["yield is not allowed"]),
    ("age(birth, at='2020-01-01')", ["age() has no keyword argument 'at'; it takes: on"]),
    ("len(rows, value=1)", ["len() takes no keyword arguments"]),
    ("age(birth, '2020-01-01', on='2021-01-01')", ["age() got argument 'on' twice"]),
    ("len()", ["len() takes exactly 1 argument (0 given): len(x)"]),
    ("today(1)", ["today() takes exactly 0 arguments (1 given)"]),
    ("months_between(a)", ["months_between() takes exactly 2 arguments (1 given)"]),
    ("coalesce(x)", ["coalesce() takes at least 2 arguments (1 given)"]),
    ("count(value=1)", ["count() is missing argument 'values'"]),
    ("x +", ["syntax error at column 4 (the end): invalid syntax"]),
    ("a b", ["syntax error at column 3"]),
    ("x = 1", ["syntax error at column 3"]),
    ("   ", ["the expression is empty"]),
    ("(" * 100 + "1" + ")" * 100, ["nested too deeply: 100 levels (the limit is 30)"]),
    ("-" * 40 + "x", ["nested too deeply: 41 levels (the limit is 30)"]),
    ("x + 1" + " + 1" * 750, ["too long: 3005 characters (the limit is 2000)"]),
    ("[" + ", ".join(["1"] * 450) + "]", ["too large: 451 parts (the limit is 400)"]),
])
def test_refused(source: str, fragments: list[str]) -> None:
    problems = check_expression(source)
    assert problems, source
    text = "\n".join(problems)
    for fragment in fragments:
        assert fragment in text, text
    with pytest.raises(ExpressionError) as raised:
        compile_expression(source)
    assert raised.value.problems == problems
    assert raised.value.message == "; ".join(problems)
    assert isinstance(raised.value, ValueError)


def test_a_long_expression_of_3000_characters_is_refused() -> None:
    source = "a" * 3000
    assert check_expression(source) == [
        "expression is too long: 3000 characters (the limit is 2000)"]


def test_every_problem_is_reported() -> None:
    problems = check_expression("x.y + open(1) + __z")
    assert problems == [
        "attribute access (.y) is not allowed",
        "function 'open' is not allowed; allowed: " + ", ".join(FUNCTIONS),
        "name '__z' is not allowed: dunder names are refused",
    ]


@pytest.mark.parametrize("source", [
    "1", "-2.5", "'가나다'", "None", "True and not False", "[1, 2, (3, 4)]", "{'a': 1}",
    "{1, 2}", "a < b <= c", "x in [1, 2] and y not in ('a',)", "x is None or x is not None",
    "1 + 2 - 3 * 4 / 5 // 6 % 7 ** 2", "-x + +y", "a if b else c", "rows[0]['amount']",
    "name[1:3]", "len(x) + sum(y) + min(a, b) + max(z) + round(p, 2) + abs(q)",
    "any(v) or all(w)", "int(a) + float(b) + len(str(c)) + bool(d)",
    "today() > date(s)", "age(birth) + age(birth, on=day) + age(birth, day)",
    "months_between(a, b) + days_between(a, b) + year(d) + month(d)",
    "sum(pluck(rows, 'amount')) + count(xs) + count(xs, value='y')",
    "coalesce(x, 0, 1)", "is_empty(x)", "  decision == 'approved'\n",
    "(" * 30 + "1" + ")" * 30, "2 ** 64",
])
def test_accepted(source: str) -> None:
    assert check_expression(source) == []
    assert isinstance(compile_expression(source), Expression)


def test_names_are_the_free_names_read() -> None:
    expression = compile_expression("len(rows) > min_count and age(birth) >= min_age")
    assert expression.names == frozenset({"rows", "min_count", "birth", "min_age"})
    assert compile_expression("today()").names == frozenset()
    assert expression.source == "len(rows) > min_count and age(birth) >= min_age"


def test_unknown_names_with_a_names_list() -> None:
    assert check_expression("a + b > c", names=["a", "b"]) == ["unknown name 'c'"]
    assert check_expression("len(a) + x + y", names={"a"}) == [
        "unknown name 'x'", "unknown name 'y'"]
    assert check_expression("len(a)", names=["a"]) == []
    assert check_expression("len + 1", names=["a"]) == [
        "function 'len' must be called: write len(...)"]
    with pytest.raises(ExpressionError, match="unknown name 'c'"):
        compile_expression("a + c", names=("a",))
    # A field may share its name with a function: called, it is the function.
    assert check_expression("year(year)", names=["year"]) == []
    assert value("year(year)", year="2020-05-01") == 2020


def test_compiled_expressions_are_cached() -> None:
    first = compile_expression("x + 1")
    assert compile_expression("x + 1") is first
    assert compile_expression("x + 1", names=["x"]) is compile_expression("x + 1", names={"x"})
    assert compile_expression("x + 1", names=["x"]) is not first


# Evaluation: the language


def test_operators_follow_python() -> None:
    assert value("1 + 2 * 3 - 4 / 2") == 5.0
    assert value("7 // 2 + 7 % 3 + 2 ** 3") == 12
    assert value("-7 // 2") == -4
    assert value("a and b", a=3, b=5) == 5
    assert value("a and b", a=0, b=5) == 0
    assert value("a or b", a="", b="x") == "x"
    assert value("1 < x < 3", x=2) is True
    assert value("1 < x < 3", x=3) is False
    assert value("x in ['a', 'b']", x="b") is True
    assert value("x not in ('a', 'b')", x="c") is True
    assert value("'b' in x", x="abc") is True
    assert value("x is None", x=None) is True
    assert value("'yes' if x > 1 else 'no'", x=2) == "yes"
    assert value("rows[1]['amount']", rows=[{"amount": 1}, {"amount": 2}]) == 2
    assert value("name[0:2]", name="홍길동") == "홍길"
    assert value("{'a': x}['a']", x=4) == 4
    assert value("x == None", x=None) is True


def test_and_or_short_circuit_errors() -> None:
    assert value("x is None or x > 3", x=None) is True
    assert value("y != 0 and x / y > 1", x=1, y=0) is False
    assert value("ghost if False else 1") == 1
    assert value("1 > 2 > ghost") is False


def test_a_date_compares_with_an_iso_string() -> None:
    assert value("birth < today()", birth="2000-01-01") is True
    assert value("date(s) == '2026-03-01'", s="2026-03-01T10:00") is True
    assert value("today() == 'not a date'") is False
    assert "날짜 형식이 맞지 않습니다: 'soon'" == error("visit <= today()", visit="soon")
    assert value("end >= start", start="2026-01-01", end="2026-01-02") is True


# Evaluation: functions


def test_every_function_of_the_table_is_tested_here() -> None:
    assert set(FUNCTIONS) == {
        "len", "sum", "min", "max", "round", "abs", "any", "all", "int", "float", "str",
        "bool", "today", "date", "age", "months_between", "days_between", "year", "month",
        "pluck", "count", "coalesce", "is_empty", "mean", "likert_score", "any_in",
        "round_half_up"}  # round_half_up: tests/test_catalog_expressions.py


def test_builtins() -> None:
    assert value("len(x)", x="가나다") == 3
    assert value("len(x)", x=[1, 2]) == 2
    assert value("sum(x)", x=[1, 2.5]) == 3.5
    assert value("sum(x, 10)", x=[1]) == 11
    assert value("min(3, 1, 2)") == 1
    assert value("max(x)", x=[3, 9, 2]) == 9
    assert value("round(2.5)") == 2  # half to even, as Python
    assert value("round(3.5)") == 4
    assert value("round(2.675, 2)") == 2.67
    assert value("round(1234, -2)") == 1200
    assert value("abs(-3)") == 3
    assert value("any(x)", x=[0, "", 1]) is True
    assert value("all(x)", x=[1, "a"]) is True
    assert value("int('42') + int(3.9)") == 45
    assert value("float('1.5')") == 1.5
    assert value("str(12) + str(None)") == "12None"
    assert value("bool('') or bool([])") is False


def test_today_and_date() -> None:
    assert value("today()") == TODAY
    assert value("today()", today=datetime.date(2020, 1, 2)) == datetime.date(2020, 1, 2)
    assert value("date('2026-03-01')") == datetime.date(2026, 3, 1)
    assert value("date('2026-03-01T10:00')") == datetime.date(2026, 3, 1)
    assert value("date(d)", d=datetime.date(2026, 3, 1)) == datetime.date(2026, 3, 1)
    assert value("date(d)", d=datetime.datetime(2026, 3, 1, 9, 0)) == datetime.date(2026, 3, 1)
    assert compile_expression("today()").evaluate({}) == datetime.date.today()


@pytest.mark.parametrize(("birth", "on", "years"), [
    ("2011-03-15", "2026-03-15", 15),  # on the birthday
    ("2011-03-16", "2026-03-15", 14),  # the day before it
    ("2011-03-14", "2026-03-15", 15),
    ("2011-12-31", "2026-01-01", 14),
    ("2008-02-29", "2023-02-28", 14),  # born on a leap day: not yet in a common year
    ("2008-02-29", "2023-03-01", 15),
    ("2008-02-29", "2024-02-29", 16),
    ("2008-02-29", "2024-02-28", 15),
    ("2026-03-15", "2026-03-15", 0),
    ("2000-05-05T08:30", "2026-05-05T00:00", 26),
])
def test_age_is_full_years(birth: str, on: str, years: int) -> None:
    assert value("age(birth, on=on)", birth=birth, on=on) == years
    assert value("age(birth, on)", birth=birth, on=on) == years


def test_age_counts_from_today_by_default() -> None:
    assert value("age(birth)", birth="2011-03-15") == 15
    assert value("age(birth)", birth="2011-03-16") == 14
    assert value("age(birth, on=None)", birth="2011-03-16") == 14
    assert value("age(birth) >= 15", birth=datetime.date(2011, 3, 15)) is True


@pytest.mark.parametrize(("start", "end", "months"), [
    ("2026-01-15", "2026-02-15", 1),
    ("2026-01-15", "2026-02-14", 0),
    ("2026-01-15", "2027-03-20", 14),
    ("2026-01-31", "2026-02-28", 0),  # no 31 February: the month completes on 1 March
    ("2026-01-31", "2026-03-01", 1),
    ("2026-03-15", "2026-01-15", -2),
    ("2026-03-15", "2026-01-16", -1),
    ("2026-03-01", "2026-03-01", 0),
])
def test_months_between(start: str, end: str, months: int) -> None:
    assert value("months_between(a, b)", a=start, b=end) == months


def test_days_year_month() -> None:
    assert value("days_between('2024-02-28', '2024-03-01')") == 2
    assert value("days_between(b, a)", a="2026-01-01", b="2026-01-11") == -10
    assert value("year(d) * 100 + month(d)", d="2026-07-04T12:00") == 202607


USAGE_PLAN = [
    {"item": "주거", "amount": 3_000_000},
    {"item": "교육", "amount": 1_500_000},
    {"item": "기타", "amount": None},
    {"item": "비고"},
    {"item": "생활", "amount": 500_000},
]


def test_pluck_and_sum_of_the_usage_plan() -> None:
    assert value("pluck(plan, 'amount')", plan=USAGE_PLAN) == [3_000_000, 1_500_000, 500_000]
    rule = "sum(pluck(plan, 'amount')) == grant"
    assert value(rule, plan=USAGE_PLAN, grant=5_000_000) is True
    assert value(rule, plan=USAGE_PLAN, grant=10_000_000) is False
    assert value("pluck(plan, 'amount')", plan=None) == []
    assert "pluck()의 목록에 행이 아닌 숫자 값이 있습니다" in error("pluck(x, 'a')", x=[1])


def test_count() -> None:
    assert value("count(xs)", xs=[True, False, 1, 0, "a", ""]) == 3
    assert value("count(xs, value='예')", xs=["예", "아니오", "예"]) == 2
    assert value("count(xs, 'b')", xs=["a", "b"]) == 1
    assert value("count(xs, value=None)", xs=[None, 1, None]) == 2
    assert value("count(xs)", xs=None) == 0
    assert value("count(pluck(plan, 'amount'))", plan=USAGE_PLAN) == 3


def test_any_in() -> None:
    rows = [{"account": "a"}, {"account": "b"}, {}]
    assert value("any_in(pluck(rows, 'account'), ['b', 'c'])", rows=rows) is True
    assert value("any_in(pluck(rows, 'account'), ['c'])", rows=rows) is False
    assert value("not any_in(xs, ['a'])", xs=None) is True
    assert value("any_in(xs, None)", xs=["a"]) is False
    assert value("any_in(xs, ys)", xs=[[1], 2], ys=[[1]]) is True
    assert "any_in()에는 목록을 주어야 합니다" in error("any_in(x, ['a'])", x=3)


def test_coalesce_and_is_empty() -> None:
    assert value("coalesce(x, 0)", x=None) == 0
    assert value("coalesce(x, 0)", x=5) == 5
    assert value("coalesce(x, y, 7)", x=None, y=None) == 7
    assert value("coalesce(x, 0)", x=float("nan")) == 0
    assert value("coalesce(ghost, 'none')") == "none"  # a missing field is just missing
    assert [value("is_empty(x)", x=x) for x in (None, "", "  ", [], {}, 0, "a", [0])] == [
        True, True, True, True, True, False, False, False]
    assert value("is_empty(ghost)") is True


# Evaluation: errors are values


@pytest.mark.parametrize(("source", "env", "message"), [
    ("x / y", {"x": 1, "y": 0}, "0으로 나눌 수 없습니다"),
    ("x // 0", {"x": 1}, "0으로 나눌 수 없습니다"),
    ("x % 0.0", {"x": 1}, "0으로 나눌 수 없습니다"),
    ("0 ** -1", {}, "0으로 나눌 수 없습니다"),
    ("ghost + 1", {}, "'ghost' 항목 값이 없습니다"),
    ("x + 1", {"x": None}, "'x' 항목 값이 비어 있어 계산할 수 없습니다"),
    ("x > 1", {"x": None}, "'x' 항목 값이 비어 있어 비교할 수 없습니다"),
    ("-x", {"x": None}, "'x' 항목 값이 비어 있어 계산할 수 없습니다"),
    ("x + 1", {"x": "a"},
     "값의 형식이 맞지 않습니다: '+' 연산에 문자열 값과 숫자 값을 함께 쓸 수 없습니다"),
    ("x < 1", {"x": "a"},
     "값의 형식이 맞지 않습니다: 문자열 값과 숫자 값은 '<'로 비교할 수 없습니다"),
    ("x % 2", {"x": "%s"}, "값의 형식이 맞지 않습니다"),
    ("len(x)", {"x": 5}, "값의 형식이 맞지 않습니다: len()에 숫자 값을 쓸 수 없습니다"),
    ("int(x)", {"x": "abc"}, "값의 형식이 맞지 않습니다: int()에 문자열 값을 쓸 수 없습니다"),
    ("int(x)", {"x": float("inf")}, "값이 너무 큽니다"),
    ("sum(x)", {"x": [1, "2"]}, "sum()에는 숫자만 더할 수 있습니다"),
    ("min(x)", {"x": []}, "빈 목록의 최솟값은 구할 수 없습니다"),
    ("max(1, 'a')", {}, "max()의 값들(숫자 값, 문자열 값)을 서로 비교할 수 없습니다"),
    ("str(x)", {"x": [1]}, "str()에는 목록 값을 쓸 수 없습니다"),
    ("round(x, 1000)", {"x": 1}, "round()의 자릿수는"),
    ("rows[5]", {"rows": [1]}, "목록에 5번 위치의 항목이 없습니다"),
    ("row['amount']", {"row": {}}, "'amount' 항목이 없습니다"),
    ("row['amount']", {"row": None}, "'row' 항목 값이 비어 있습니다"),
    ("date(x)", {"x": "2026-02-30"}, "날짜 형식이 맞지 않습니다: '2026-02-30'"),
    ("age(x)", {"x": None}, "날짜 값이 비어 있습니다"),
    ("year(x)", {"x": 2026}, "값의 형식이 맞지 않습니다: 숫자 값은 날짜가 아닙니다"),
    ("2 ** x", {"x": 10000}, "값이 너무 큽니다: 거듭제곱의 지수는 64를 넘을 수 없습니다"),
    ("x ** 64", {"x": 10**30}, "값이 너무 큽니다"),
    ("x ** 64", {"x": 1e300}, "값이 너무 큽니다"),
    ("x ** 0.5", {"x": -4}, "음수의 분수 거듭제곱은 계산할 수 없습니다"),
    ("'a' * 10**9", {}, "값이 너무 큽니다: 문자열이나 목록은 10,000개까지만 만들 수 있습니다"),
    ("[0] * x", {"x": 10_001}, "10,000개까지만"),
    ("{x: 1}", {"x": [1]}, "목록 값은 묶음의 키가 될 수 없습니다"),
    ("1 in x", {"x": 5}, "'in' 연산에 숫자 값과 숫자 값을 함께 쓸 수 없습니다"),
])
def test_runtime_errors_are_values(source: str, env: dict[str, Any], message: str) -> None:
    result = compile_expression(source).evaluate(env, today=TODAY)
    assert isinstance(result, EvalError)
    assert message in result.message, result.message
    assert not result
    assert str(result) == result.message


def test_sequence_repetition_within_the_limit_works() -> None:
    assert value("'ab' * 3") == "ababab"
    assert value("len([0] * 10000)") == 10000


def test_a_strange_record_never_raises() -> None:
    class Hostile(dict):  # type: ignore[type-arg]
        def __getitem__(self, key: str) -> Any:
            raise RuntimeError("boom")

    result = compile_expression("x + 1").evaluate(Hostile())
    assert isinstance(result, EvalError)
    assert result.message.startswith("값의 형식이 맞지 않습니다")


def test_eval_error_is_frozen_and_falsy() -> None:
    failure = EvalError("0으로 나눌 수 없습니다")
    assert not failure
    assert str(failure) == "0으로 나눌 수 없습니다"
    assert failure == EvalError("0으로 나눌 수 없습니다")
    with pytest.raises(AttributeError):
        failure.message = "x"  # type: ignore[misc]


# Vector evaluation


def test_vector_arithmetic_marks_error_rows() -> None:
    columns = {"x": np.array([1, 2, 3, 4]), "y": np.array([1.0, 0.0, 2.0, 0.5])}
    result = compile_expression("x / y + 1").evaluate_vector(columns)
    assert result.errors.tolist() == [False, True, False, False]
    assert result.values[[0, 2, 3]].tolist() == [2.0, 2.5, 9.0]


def test_vector_conditions_and_membership() -> None:
    columns = {"income": np.array([100, 250, 400, 50]),
               "size": np.array([1, 2, 3, 4]),
               "tier": np.array(["대도시", "중소도시", "농어촌", "대도시"])}
    expression = compile_expression(
        "income <= threshold * size and tier in ['대도시', '중소도시']")
    result = expression.evaluate_vector({**columns, "threshold": 120})
    assert result.values.tolist() == [True, False, False, True]
    assert not result.errors.any()
    benefit = compile_expression("min(300, max(0, 500 - income)) if size > 1 else 0")
    assert benefit.evaluate_vector(columns).values.tolist() == [0, 250, 100, 300]


def test_vector_functions() -> None:
    columns = {"x": np.array([2.5, -3.5, np.nan]), "b": np.array([True, False, True])}
    assert compile_expression("round(x)").evaluate_vector(columns).values[:2].tolist() == [2, -4]
    assert compile_expression("round(x)").evaluate_vector(columns).errors.tolist() == [
        False, False, True]
    assert compile_expression("abs(x)").evaluate_vector(columns).values[:2].tolist() == [
        2.5, 3.5]
    assert compile_expression("int(x)").evaluate_vector(columns).values[:2].tolist() == [2, -3]
    assert compile_expression("coalesce(x, 0)").evaluate_vector(columns).values.tolist() == [
        2.5, -3.5, 0.0]
    assert compile_expression("x is None").evaluate_vector(columns).values.tolist() == [
        False, False, True]
    assert compile_expression("b + b").evaluate_vector(columns).values.tolist() == [2, 0, 2]


def test_vector_dates() -> None:
    columns = {"birth": np.array(["2008-02-29", "2011-03-16", "oops", ""]),
               "start": np.array(["2026-01-31", "2026-01-31", "2026-01-31", "2026-01-31"],
                                 dtype="datetime64[D]")}
    ages = compile_expression("age(birth)").evaluate_vector(columns, today=TODAY)
    assert ages.values[:2].tolist() == [18, 14]
    assert ages.errors.tolist() == [False, False, True, True]
    months = compile_expression("months_between(start, '2026-03-01')").evaluate_vector(columns)
    assert months.values.tolist() == [1, 1, 1, 1]
    assert compile_expression("year(start)").evaluate_vector(columns).values.tolist() == [
        2026] * 4


def test_vector_missing_column_is_an_error_in_every_row() -> None:
    result = compile_expression("ghost + 1").evaluate_vector({"x": np.arange(3)})
    assert result.errors.tolist() == [True, True, True]
    result = compile_expression("coalesce(ghost, x)").evaluate_vector({"x": np.arange(3)})
    assert result.values.tolist() == [0, 1, 2]
    assert not result.errors.any()


def test_vector_result_does_not_share_the_input_column() -> None:
    column = np.array([1, 2, 3])
    result = compile_expression("x").evaluate_vector({"x": column})
    result.values[0] = 99
    assert column[0] == 1


def test_vector_length_of_constants() -> None:
    assert compile_expression("1 + 1").evaluate_vector({}, length=3).values.tolist() == [2] * 3
    assert compile_expression("1").evaluate_vector({"x": np.zeros(5)}).values.shape == (5,)


@pytest.mark.parametrize(("source", "fragment"), [
    ("len(rows)", "function 'len' is not available in vector evaluation"),
    ("sum(rows)", "function 'sum'"),
    ("pluck(rows, 'a')", "function 'pluck'"),
    ("count(rows)", "function 'count'"),
    ("any_in(rows, [1])", "function 'any_in'"),
    ("max(rows)", "function 'max' of one list"),
    ("rows[0]", "a subscript (x[...]) is not available in vector evaluation"),
    ("x in y", "'in' with anything but a written list"),
    ("round(x, y)", "round() with digits that are not a written integer"),
])
def test_vector_refuses_what_needs_lists_per_row(source: str, fragment: str) -> None:
    columns = {"rows": np.zeros(2), "x": np.zeros(2), "y": np.zeros(2)}
    with pytest.raises(ExpressionError) as raised:
        compile_expression(source).evaluate_vector(columns)
    assert fragment in raised.value.message


def test_vector_refuses_object_columns() -> None:
    with pytest.raises(ExpressionError, match="column 'x' has dtype object"):
        compile_expression("x + 1").evaluate_vector({"x": np.array([1, None], dtype=object)})


def test_vector_is_fast_enough_for_a_million_rows() -> None:
    rng = np.random.default_rng(0)
    columns = {"income": rng.integers(0, 5_000_000, 1_000_000),
               "size": rng.integers(1, 6, 1_000_000)}
    expression = compile_expression(
        "income / size <= 1_200_000 and (size >= 3 or income < 800_000)")
    result = expression.evaluate_vector(columns)
    expected = (columns["income"] / columns["size"] <= 1_200_000) & (
        (columns["size"] >= 3) | (columns["income"] < 800_000))
    assert np.array_equal(result.values, expected)


def test_likert_score_scales_answers_to_0_100_and_refuses_bad_answers() -> None:
    score = compile_expression("likert_score([q1, q2, q3, q4])")
    assert score.evaluate({"q1": 1, "q2": 1, "q3": 1, "q4": 1}) == 0
    assert score.evaluate({"q1": 4, "q2": 4, "q3": 4, "q4": 4}) == 100
    assert score.evaluate({"q1": 2, "q2": 3, "q3": 4, "q4": 3}) == 66.7
    assert isinstance(score.evaluate({"q1": 5, "q2": 1, "q3": 1, "q4": 1}), EvalError)
    assert compile_expression("likert_score([a, b], 5)").evaluate({"a": 5, "b": 3}) == 75
    assert compile_expression("mean([a, b, c])").evaluate({"a": 1, "b": 2, "c": None}) == 1.5
