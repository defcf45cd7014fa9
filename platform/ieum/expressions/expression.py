"""Compiled expressions: checking, caching, and the two evaluators behind one object."""

from __future__ import annotations

import ast
import datetime
from collections.abc import Collection, Mapping
from functools import lru_cache
from typing import Any

import numpy as np

from ieum.expressions.checker import Analysis, analyse
from ieum.expressions.errors import EvalError, ExpressionError, Fail, bad_type
from ieum.expressions.functions import FUNCTIONS
from ieum.expressions.scalar import Run, compile_tree
from ieum.expressions.vector import VectorResult, evaluate_vector

_CACHE_SIZE = 8192


class Expression:
    """A checked expression, compiled once; build it with :func:`compile_expression`.

    ``source`` is the text as given; ``names`` the free names it reads (record fields and
    parameters; names of called functions are not among them).
    """

    __slots__ = ("source", "names", "_tree", "_run")

    def __init__(self, source: str, names: frozenset[str], tree: ast.Expression) -> None:
        self.source = source
        self.names = names
        self._tree = tree
        self._run: Run = compile_tree(tree)

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"

    def evaluate(self, env: Mapping[str, Any], *,
                 today: datetime.date | None = None) -> Any | EvalError:
        """The value of the expression for the record ``env``, or an :class:`EvalError`
        (never an exception) when the data does not allow it: a missing name, a value of
        the wrong type, a division by zero, a number too big, a date that does not parse.

        ``today`` is the day ``today()`` and ``age(birth)`` count from (default: the real
        today); pass it to make results reproducible.
        """
        try:
            return self._run(env, today)
        except Fail as failure:
            return EvalError(failure.message)
        except ZeroDivisionError:
            return EvalError("0으로 나눌 수 없습니다")
        except OverflowError:
            return EvalError("값이 너무 큽니다")
        except (RecursionError, MemoryError):
            return EvalError("계산이 너무 큽니다")
        except Exception:  # anything else the data may cause is still the data's problem
            return EvalError(bad_type("계산할 수 없는 값입니다"))

    def evaluate_vector(self, columns: Mapping[str, np.ndarray], *, length: int | None = None,
                        today: datetime.date | None = None) -> VectorResult:
        """The expression over whole columns: ``values[i]`` is what :meth:`evaluate` gives
        for row ``i`` unless ``errors[i]``, where it gives an :class:`EvalError`.

        ``length`` is the number of rows (default: the length of the first column the
        expression reads). Raises :class:`ExpressionError` for what vector evaluation does
        not offer (see :mod:`ieum.expressions.vector`), never for the data.
        """
        return evaluate_vector(self._tree, self.names, columns, length, today)


@lru_cache(maxsize=_CACHE_SIZE)
def _analyse(source: str) -> Analysis:
    return analyse(source)


def _names_key(names: Collection[str] | None) -> frozenset[str] | None:
    return None if names is None else frozenset(names)


def _unknown_names(analysis: Analysis, names: frozenset[str] | None) -> list[str]:
    if names is None:
        return []
    problems = []
    for name in sorted(analysis.names - names):
        if name in FUNCTIONS:
            problems.append(f"function {name!r} must be called: write {name}(...)")
        else:
            problems.append(f"unknown name {name!r}")
    return problems


def check_expression(source: str, *, names: Collection[str] | None = None) -> list[str]:
    """Every problem with ``source`` (empty when it is fine).

    With ``names``, each free name must be one of them.
    """
    analysis = _analyse(source)
    return [*analysis.problems, *_unknown_names(analysis, _names_key(names))]


def compile_expression(source: str, *, names: Collection[str] | None = None) -> Expression:
    """The checked, compiled expression; raises :class:`ExpressionError` naming every
    problem. Compiled expressions are cached: the same ``source`` and ``names`` give the
    same object."""
    return _compile(source, _names_key(names))


@lru_cache(maxsize=_CACHE_SIZE)
def _compile(source: str, names: frozenset[str] | None) -> Expression:
    analysis = _analyse(source)
    problems = [*analysis.problems, *_unknown_names(analysis, names)]
    if problems:
        raise ExpressionError("; ".join(problems), problems)
    assert analysis.tree is not None
    return Expression(source, analysis.names, analysis.tree)
