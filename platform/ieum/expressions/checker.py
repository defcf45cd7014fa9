"""Parsing an expression and checking it against the whitelist of the language."""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass

from ieum.expressions.functions import FUNCTIONS

MAX_LENGTH = 2000
MAX_DEPTH = 30
MAX_NODES = 400
MAX_EXPONENT = 64

_ALLOWED_FUNCTIONS = ", ".join(FUNCTIONS)
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
           ast.Mod: "%", ast.Pow: "**"}
_REFUSED_BINARY = {ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|",
                   ast.BitXor: "^", ast.BitAnd: "&"}
_REFUSED = {
    ast.Attribute: "attribute access",
    ast.Lambda: "lambda",
    ast.ListComp: "list comprehension",
    ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension",
    ast.GeneratorExp: "generator expression",
    ast.NamedExpr: "assignment expression (:=)",
    ast.JoinedStr: "f-string",
    ast.Starred: "starred argument (*x)",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield from",
}
# Nodes that only tag their parent (operators, load context); not counted for size and depth.
_TAGS = (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)
# Parts of refused nodes, reported with them.
_PARTS = (ast.arguments, ast.arg, ast.comprehension, ast.FormattedValue)
_OPEN = "([{"


@dataclass(frozen=True)
class Analysis:
    """What checking ``source`` found: the tree (``None`` when it cannot be parsed), the
    problems (empty when the expression is fine) and the free names it reads."""

    tree: ast.Expression | None
    problems: tuple[str, ...]
    names: frozenset[str]


def is_dunder(name: str) -> bool:
    return name.startswith("__")


def analyse(source: str) -> Analysis:
    """Parse and check ``source``; never raises for any string."""
    if not isinstance(source, str):
        return Analysis(None, (f"an expression must be a string, not {type(source).__name__}",),
                        frozenset())
    if len(source) > MAX_LENGTH:
        return Analysis(None, (f"expression is too long: {len(source)} characters "
                               f"(the limit is {MAX_LENGTH})",), frozenset())
    text = source.strip()
    if not text:
        return Analysis(None, ("the expression is empty",), frozenset())
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        return Analysis(None, (_syntax_message(error, text),), frozenset())
    except (ValueError, RecursionError, MemoryError) as error:
        return Analysis(None, (f"syntax error: {error}",), frozenset())
    nodes = [node for node in ast.walk(tree.body) if not isinstance(node, _TAGS)]
    if len(nodes) > MAX_NODES:
        return Analysis(None, (f"expression is too large: {len(nodes)} parts "
                               f"(the limit is {MAX_NODES})",), frozenset())
    depth = max(_depth(tree.body), _bracket_depth(text))
    if depth > MAX_DEPTH:
        return Analysis(None, (f"expression is nested too deeply: {depth} levels "
                               f"(the limit is {MAX_DEPTH})",), frozenset())
    checker = _Checker()
    for node in nodes:
        checker.visit(node)
    problems = tuple(dict.fromkeys(message for _, message in sorted(checker.problems,
                                                                    key=lambda p: p[0])))
    return Analysis(None if problems else tree, problems, frozenset(checker.names))


def _syntax_message(error: SyntaxError, text: str) -> str:
    if error.offset:
        where = f"column {error.offset}"
    else:
        where = f"column {len(text.splitlines()[-1]) + 1 if text else 1} (the end)"
    if "\n" in text and error.lineno:
        where = f"line {error.lineno}, {where}"
    return f"syntax error at {where}: {error.msg}"


def _depth(root: ast.AST) -> int:
    deepest = 0
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node)
                     if not isinstance(child, _TAGS))
    return deepest


def _bracket_depth(text: str) -> int:
    """How deep brackets nest (they make no node of their own: ``((1))`` is one node)."""
    if sum(text.count(bracket) for bracket in _OPEN) <= MAX_DEPTH:
        return 0
    depth = deepest = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.OP:
                if token.string in _OPEN:
                    depth += 1
                    deepest = max(deepest, depth)
                elif token.string in ")]}":
                    depth -= 1
    except (tokenize.TokenError, SyntaxError):
        pass
    return deepest


class _Checker:
    def __init__(self) -> None:
        self.problems: list[tuple[tuple[int, int], str]] = []
        self.names: set[str] = set()
        self.called: set[int] = set()  # ids of the Name nodes that name a called function

    def refuse(self, node: ast.AST, message: str) -> None:
        position = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
        self.problems.append((position, message))

    def visit(self, node: ast.AST) -> None:
        refused = _REFUSED.get(type(node))
        if refused is not None:
            if isinstance(node, ast.Attribute):
                refused = f"attribute access (.{node.attr})"
            self.refuse(node, f"{refused} is not allowed")
            return
        if isinstance(node, _PARTS):
            return
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is not None:
            method(node)
        elif not isinstance(node, ast.Expression | ast.BoolOp | ast.IfExp | ast.List
                            | ast.Tuple | ast.Set | ast.Subscript | ast.Slice | ast.keyword):
            self.refuse(node, f"{type(node).__name__} is not allowed")

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if value is None or isinstance(value, bool | int | float | str):
            return
        what = {complex: "complex number", bytes: "bytes"}.get(type(value), repr(value))
        self.refuse(node, f"{what} literal is not allowed")

    def visit_Name(self, node: ast.Name) -> None:
        if id(node) in self.called:
            return  # checked with its call
        if is_dunder(node.id):
            self.refuse(node, f"name {node.id!r} is not allowed: dunder names are refused")
        else:
            self.names.add(node.id)

    def visit_Dict(self, node: ast.Dict) -> None:
        if any(key is None for key in node.keys):
            self.refuse(node, "dict unpacking (**x) is not allowed")

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Invert):
            self.refuse(node, "operator '~' is not allowed")

    def visit_BinOp(self, node: ast.BinOp) -> None:
        symbol = _REFUSED_BINARY.get(type(node.op))
        if symbol is not None:
            self.refuse(node, f"operator {symbol!r} is not allowed")
            return
        if not isinstance(node.op, ast.Pow):
            return
        if any(isinstance(side, ast.BinOp) and isinstance(side.op, ast.Pow)
               for side in (node.left, node.right)):
            self.refuse(node, "nested power (a ** b ** c) is not allowed")
            return
        exponent = _literal_number(node.right)
        if exponent is not None and abs(exponent) > MAX_EXPONENT:
            self.refuse(node, f"power with exponent {exponent} is not allowed "
                              f"(the limit is {MAX_EXPONENT})")

    def visit_Compare(self, node: ast.Compare) -> None:
        for operator, right in zip(node.ops, node.comparators, strict=True):
            if isinstance(operator, ast.Is | ast.IsNot) and not (
                    isinstance(right, ast.Constant) and right.value is None):
                self.refuse(node, "'is' may only compare with None: write 'x is None' or "
                                  "'x is not None'")

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            return  # reported as attribute access
        if not isinstance(func, ast.Name):
            self.refuse(node, "calling the result of an expression is not allowed: only "
                              "functions named in the table, such as len(x)")
            return
        self.called.add(id(func))
        if is_dunder(func.id):
            self.refuse(func, f"name {func.id!r} is not allowed: dunder names are refused")
            return
        function = FUNCTIONS.get(func.id)
        if function is None:
            self.refuse(func, f"function {func.id!r} is not allowed; allowed: "
                              f"{_ALLOWED_FUNCTIONS}")
            return
        for message in call_problems(node):
            self.refuse(node, message)


def call_problems(node: ast.Call) -> list[str]:
    """Arity and keyword problems of a call to a function of the table."""
    assert isinstance(node.func, ast.Name)
    function = FUNCTIONS[node.func.id]
    name = function.name
    problems = []
    for keyword in node.keywords:
        if keyword.arg is None:
            problems.append("keyword argument unpacking (**x) is not allowed")
        elif keyword.arg not in function.keywords:
            if function.keywords:
                allowed = ", ".join(sorted(function.keywords))
                problems.append(f"{name}() has no keyword argument {keyword.arg!r}; "
                                f"it takes: {allowed}")
            else:
                problems.append(f"{name}() takes no keyword arguments "
                                f"(got {keyword.arg}=)")
        elif function.parameters.index(keyword.arg) < len(node.args):
            problems.append(f"{name}() got argument {keyword.arg!r} twice")
    if problems:
        return problems
    given = len(node.args) + len(node.keywords)
    high = function.max_args
    if given < function.min_args or (high is not None and given > high):
        if high == function.min_args:
            expected = f"exactly {high}"
        elif high is None:
            expected = f"at least {function.min_args}"
        else:
            expected = f"{function.min_args} to {high}"
        plural = "" if expected.endswith(" 1") else "s"
        return [f"{name}() takes {expected} argument{plural} ({given} given): "
                f"{function.signature()}"]
    filled = {function.parameters.index(k.arg) for k in node.keywords if k.arg}
    missing = [function.parameters[i] for i in range(function.min_args)
               if i >= len(node.args) and i not in filled]
    if missing:
        return [f"{name}() is missing argument {missing[0]!r}: {function.signature()}"]
    return []


def _literal_number(node: ast.AST) -> int | float | None:
    sign = 1
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        sign *= -1 if isinstance(node.op, ast.USub) else 1
        node = node.operand
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return sign * node.value
    return None


def binary_symbol(op: ast.operator) -> str:
    return _BINARY[type(op)]


def bound_arguments(node: ast.Call) -> list[ast.expr]:
    """The arguments of a checked call in parameter order (keywords put in their place)."""
    assert isinstance(node.func, ast.Name)
    function = FUNCTIONS[node.func.id]
    arguments = list(node.args)
    for keyword in node.keywords:
        assert keyword.arg is not None
        index = function.parameters.index(keyword.arg)
        while len(arguments) <= index:  # never happens for the table: keywords come last
            arguments.append(ast.Constant(None))
        arguments[index] = keyword.value
    return arguments
