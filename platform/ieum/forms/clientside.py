"""``x-visible`` conditions for the browser: the checked expression as a small JSON tree.

The browser evaluates only a plain subset (names, constants, comparisons, ``and``/``or``/
``not``, ``in`` a list, ``len``); a condition outside it is left to the server, which drops
the value of a hidden field on save either way.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from ieum.definitions.model import FormDef

_COMPARE = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
            ast.GtE: ">=", ast.In: "in", ast.NotIn: "not in"}


class _Unsupported(Exception):
    pass


def _node(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool,
                                                                  type(None))):
        return {"const": node.value}
    if isinstance(node, ast.Name):
        return {"name": node.id}
    if isinstance(node, (ast.List, ast.Tuple)):
        return {"list": [_node(item) for item in node.elts]}
    if isinstance(node, ast.BoolOp):
        return {"bool": "and" if isinstance(node.op, ast.And) else "or",
                "values": [_node(v) for v in node.values]}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return {"not": _node(node.operand)}
    if isinstance(node, ast.Compare):
        ops = [_COMPARE.get(type(op)) for op in node.ops]
        if None in ops:
            raise _Unsupported
        return {"compare": ops, "left": _node(node.left),
                "right": [_node(c) for c in node.comparators]}
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "len" and len(node.args) == 1 and not node.keywords):
        return {"len": _node(node.args[0])}
    raise _Unsupported


def client_condition(source: str) -> dict[str, Any] | None:
    try:
        return _node(ast.parse(source, mode="eval").body)
    except (SyntaxError, _Unsupported):
        return None


@lru_cache(maxsize=512)
def _conditions(form: FormDef) -> Mapping[str, Any]:
    found = {name: client_condition(source) for name, source in form.visible.items()}
    return {name: tree for name, tree in found.items() if tree is not None}


def visibility_conditions(form: FormDef) -> Mapping[str, Any]:
    """``{field: condition tree}`` for the fields whose condition the browser can follow."""
    return _conditions(form)
