"""Errors of the expression language: problems found when checking, values when evaluating."""

from __future__ import annotations

import datetime
from dataclasses import dataclass


class ExpressionError(ValueError):
    """An expression cannot be used: it failed the check (``problems`` lists every problem),
    or it uses something the vector evaluator does not offer.

    ``message`` is the whole text (the problems joined with ``"; "``).
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems: list[str] = list(problems) if problems is not None else [message]

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class EvalError:
    """The result of an evaluation that failed on the data (a value, never raised).

    ``message`` is Korean and may be shown to the user. An ``EvalError`` is falsy, so a rule
    that cannot be computed never counts as satisfied by accident; test for it with
    ``isinstance(result, EvalError)``.
    """

    message: str

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return self.message


class Fail(Exception):
    """Raised inside the evaluators and turned into an :class:`EvalError` at the top."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


DIVISION_BY_ZERO = "0으로 나눌 수 없습니다"
TOO_BIG = "값이 너무 큽니다"


def missing_name(name: str) -> str:
    return f"'{name}' 항목 값이 없습니다"


def kind(value: object) -> str:
    """A Korean word for the type of ``value``, for messages."""
    if value is None:
        return "빈"
    if isinstance(value, bool):
        return "참/거짓"
    if isinstance(value, int | float):
        return "숫자"
    if isinstance(value, str):
        return "문자열"
    if isinstance(value, list | tuple):
        return "목록"
    if isinstance(value, dict):
        return "묶음"
    if isinstance(value, datetime.date):
        return "날짜"
    return type(value).__name__


def bad_type(detail: str) -> str:
    return f"값의 형식이 맞지 않습니다: {detail}"
