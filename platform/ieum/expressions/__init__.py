"""The one safe expression language (DESIGN.md section 6).

A subset of Python expression syntax, parsed with :mod:`ast` and checked against a whitelist:
literals, names, ``and``/``or``/``not``, comparisons, arithmetic, conditional expressions,
subscripts, and calls of the functions in :data:`FUNCTIONS` by name. Check an expression when
its definition loads (:func:`check_expression`), compile it once (:func:`compile_expression`,
cached) and evaluate it on one record (:meth:`Expression.evaluate`, which returns an
:class:`EvalError` value instead of raising) or over columns of NumPy arrays
(:meth:`Expression.evaluate_vector`).
"""

from ieum.expressions.checker import MAX_DEPTH, MAX_EXPONENT, MAX_LENGTH, MAX_NODES
from ieum.expressions.errors import EvalError, ExpressionError
from ieum.expressions.expression import Expression, check_expression, compile_expression
from ieum.expressions.functions import FUNCTIONS, Function
from ieum.expressions.scripts import (
    HELPERS,
    METHODS,
    Outcome,
    Script,
    check_script,
    check_value,
    compile_script,
    evaluate_value,
    execute_script,
    run_script,
)
from ieum.expressions.vector import VectorResult

__all__ = [
    "FUNCTIONS",
    "HELPERS",
    "METHODS",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "MAX_NODES",
    "EvalError",
    "Expression",
    "ExpressionError",
    "Function",
    "Outcome",
    "Script",
    "VectorResult",
    "check_expression",
    "check_script",
    "check_value",
    "evaluate_value",
    "compile_expression",
    "compile_script",
    "execute_script",
    "run_script",
]
