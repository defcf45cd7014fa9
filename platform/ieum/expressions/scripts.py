"""Scripts: what a BPMN script task (or a pre/post script) may do, still in the sandbox.

A script is a small block of statements parsed with :mod:`ast` and checked against a
whitelist when its definition loads; every expression in it is a checked expression of the
platform language (:mod:`ieum.expressions.checker`). Allowed:

- ``name = expr``, ``a, b = expr``, ``x["key"] = expr`` / ``x[0] = expr`` (into a dict or list
  of the data), augmented assignment (``+= -= *= /= //= %=``), ``del name`` / ``del x["key"]``;
- ``if`` / ``elif`` / ``else`` blocks; ``for name in expr:`` over a list, tuple, string or dict
  (its keys), with ``break`` / ``continue``; at most :data:`MAX_ITERATIONS` loop turns per run;
  ``pass``;
- dict and list literals, f-strings (``f"{name} 님"``, with simple format specs such as
  ``{x:.2f}`` or ``{n:,}``);
- a few methods of the data's own values (:data:`METHODS`): ``d.get(k, default)``,
  ``d.keys()``, ``d.items()``, ``lst.append(x)``, ``s.strip()``, ``s.split(",")``... Any other
  attribute access stays refused;
- the SpiffArena helpers of :data:`HELPERS` (``get_current_user()``,
  ``get_group_members("role")``...), answered by the process runner from ieum's users and roles.

Refused, each named with its line: imports, ``while``, function and class definitions,
``try``, ``with``, ``lambda``, comprehensions, ``global``, attribute access other than the
methods above, calls of anything but the expression functions, the methods and the helpers.
"""

from __future__ import annotations

import ast
import copy
import datetime
import keyword
import re
import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ieum.expressions.errors import EvalError, ExpressionError, Fail, bad_type, kind
from ieum.expressions.expression import Expression, check_expression, compile_expression
from ieum.expressions.functions import FUNCTIONS

MAX_LINES = 200
MAX_ITERATIONS = 10_000
MAX_ITEMS = 10_000
MAX_TEXT = 1_000_000
_TEMP = "_s"  # prefix of the names standing for hoisted parts (never assignable: "_" start)

#: Methods a script may call on a value of its data, by the value's type.
METHODS: Mapping[type, frozenset[str]] = {
    dict: frozenset({"get", "keys", "values", "items", "update", "pop", "setdefault", "copy"}),
    list: frozenset({"append", "extend", "insert", "pop", "remove", "index", "count", "copy",
                     "sort", "reverse"}),
    str: frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "split", "join", "replace",
                    "startswith", "endswith", "title", "capitalize", "zfill", "count", "find",
                    "isdigit"}),
}
_ALL_METHODS = frozenset().union(*METHODS.values())
#: SpiffArena's script helpers, by name: (least, most) arguments. The process runner answers
#: them (see :class:`ieum.workflow.environment.SafeEnvironment`); elsewhere they fail cleanly.
HELPERS: Mapping[str, tuple[int, int]] = {
    "get_current_user": (0, 0),
    "get_process_initiator_user": (0, 0),
    "get_group_members": (1, 1),
    "get_user_groups": (0, 1),
    "user_has_group": (1, 2),
    "get_frontend_url": (0, 0),
    "get_current_task_info": (0, 0),
    "get_toplevel_process_info": (0, 0),
    "get_process_info": (0, 0),
}
#: Functions scripts have beyond the expression table (each gives a list of at most
#: :data:`MAX_ITEMS` items): ``range``, ``enumerate``, ``zip``, ``sorted``, ``list``; and
#: ``print`` as a statement (checked, and its output dropped).
SCRIPT_FUNCTIONS: Mapping[str, tuple[int, int]] = {
    "range": (1, 3), "enumerate": (1, 2), "zip": (1, 4), "sorted": (1, 1), "list": (0, 1)}
_AUG = {ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod}
_REFUSED_STATEMENTS = {
    ast.Import: "import", ast.ImportFrom: "import", ast.While: "while loop",
    ast.FunctionDef: "function definition", ast.AsyncFunctionDef: "function definition",
    ast.ClassDef: "class definition", ast.Try: "try/except", ast.With: "with",
    ast.Global: "global", ast.Nonlocal: "nonlocal", ast.Raise: "raise",
    ast.Return: "return", ast.Assert: "assert", ast.AsyncFor: "async for",
    ast.AsyncWith: "async with", ast.Match: "match",
}
_FORMAT_SPEC = re.compile(r"^[<>^=]?[+\- ]?#?0?\d{0,3}[,_]?(\.\d{1,2})?[bdeEfFgGnosxX%]?$")


class _Refused(Exception):
    def __init__(self, node: ast.AST, message: str) -> None:
        super().__init__(message)
        self.line = getattr(node, "lineno", 0)
        self.message = message


# --- hoisted parts: what the expression language does not have -------------------------------

@dataclass(frozen=True)
class _Hoisted:
    """A part of an expression the script layer computes (a helper call, a method call, an
    f-string), read by the expression through a temporary name, only when it is reached."""

    kind: str  # "helper", "method", "fstring"
    name: str  # the helper or method name ("" for f-strings)
    parts: tuple[Any, ...]  # compiled sub-expressions (or, for f-strings, literal pieces)


@dataclass
class _Expr:
    """A checked expression whose hoisted parts are named ``_s<n>`` in ``hoisted``."""

    expression: Expression
    hoisted: dict[str, _Hoisted]
    names: frozenset[str]


class _Lowering(ast.NodeTransformer):
    def __init__(self, counter: list[int]) -> None:
        self.counter = counter
        self.hoisted: dict[str, _Hoisted] = {}
        self.names: set[str] = set()

    def _temp(self, node: ast.AST, hoisted: _Hoisted) -> ast.Name:
        self.counter[0] += 1
        name = f"{_TEMP}{self.counter[0]}"
        self.hoisted[name] = hoisted
        return ast.copy_location(ast.Name(id=name, ctx=ast.Load()), node)

    def _sub(self, node: ast.expr) -> _Expr:
        return _lower(node, self.counter, self)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        func = node.func
        if isinstance(func, ast.Name) and func.id in SCRIPT_FUNCTIONS:
            least, most = SCRIPT_FUNCTIONS[func.id]
            if node.keywords or not least <= len(node.args) <= most:
                raise _Refused(node, f"{func.id}() takes {least} to {most} arguments")
            args = tuple(self._sub(arg) for arg in node.args)
            return self._temp(node, _Hoisted("builtin", func.id, args))
        if isinstance(func, ast.Name) and func.id in HELPERS and func.id not in FUNCTIONS:
            least, most = HELPERS[func.id]
            if node.keywords or not least <= len(node.args) <= most:
                raise _Refused(node, f"{func.id}() takes {least}"
                               f"{'' if least == most else f' to {most}'} argument(s)")
            args = tuple(self._sub(arg) for arg in node.args)
            return self._temp(node, _Hoisted("helper", func.id, args))
        if isinstance(func, ast.Attribute):
            if func.attr not in _ALL_METHODS:
                raise _Refused(node, f"method .{func.attr}() is not allowed; allowed: "
                               f"{', '.join(sorted(_ALL_METHODS))}")
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                raise _Refused(node, f".{func.attr}() takes positional arguments only")
            receiver = self._sub(func.value)
            args = tuple(self._sub(arg) for arg in node.args)
            return self._temp(node, _Hoisted("method", func.attr, (receiver, *args)))
        return self.generic_visit(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        pieces: list[Any] = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                pieces.append(str(value.value))
                continue
            assert isinstance(value, ast.FormattedValue)
            spec = ""
            if value.format_spec is not None:
                spec_parts = value.format_spec.values  # type: ignore[attr-defined]
                if not all(isinstance(p, ast.Constant) for p in spec_parts):
                    raise _Refused(node, "a format spec in an f-string must be plain text")
                spec = "".join(str(p.value) for p in spec_parts)
                if not _FORMAT_SPEC.match(spec):
                    raise _Refused(node, f"format spec {spec!r} is not allowed")
            if value.conversion not in (-1, ord("s"), ord("r")):
                raise _Refused(node, "only !s and !r conversions are allowed in f-strings")
            pieces.append((self._sub(value.value), value.conversion, spec))
        return self._temp(node, _Hoisted("fstring", "", tuple(pieces)))


def _lower(node: ast.expr, counter: list[int], parent: _Lowering | None = None) -> _Expr:
    lowering = _Lowering(counter)
    tree = lowering.visit(copy.deepcopy(node))
    source = ast.unparse(tree)
    problems = check_expression(source)
    if problems:
        raise _Refused(node, "; ".join(problems))
    expression = compile_expression(source)
    names = {n for n in expression.names if not n.startswith(_TEMP)}
    for hoisted in lowering.hoisted.values():
        for part in hoisted.parts:
            sub = part[0] if isinstance(part, tuple) else part
            if isinstance(sub, _Expr):
                names |= sub.names
    return _Expr(expression, lowering.hoisted, frozenset(names))


# --- statements --------------------------------------------------------------------------------

@dataclass
class _Target:
    name: str | None = None  # a plain name
    names: tuple[str, ...] = ()  # a tuple of names (unpacking)
    container: _Expr | None = None  # x[...] : the x
    key: _Expr | None = None


@dataclass
class _Stmt:
    line: int
    kind: str
    targets: list[_Target] = field(default_factory=list)
    value: _Expr | None = None
    body: list[_Stmt] = field(default_factory=list)
    orelse: list[_Stmt] = field(default_factory=list)


@dataclass(frozen=True)
class Script:
    """A checked script: its statements, the names it reads and the names it may set."""

    source: str
    statements: tuple[_Stmt, ...]
    names: frozenset[str]
    assigned: frozenset[str]


class _Compiler:
    def __init__(self) -> None:
        self.counter = [0]
        self.names: set[str] = set()
        self.assigned: set[str] = set()
        self.loops = 0

    def expr(self, node: ast.expr) -> _Expr:
        lowered = _lower(node, self.counter)
        self.names |= lowered.names
        return lowered

    def name_target(self, node: ast.AST, name: str) -> str:
        if name.startswith("_") or keyword.iskeyword(name):
            raise _Refused(node, f"{name!r} cannot be assigned")
        if name in FUNCTIONS or name in HELPERS or name in SCRIPT_FUNCTIONS:
            raise _Refused(node, f"{name!r} is the name of a function and cannot be assigned")
        self.assigned.add(name)
        return name

    def target(self, node: ast.expr, *, allow_tuple: bool = True) -> _Target:
        if isinstance(node, ast.Name):
            return _Target(name=self.name_target(node, node.id))
        if isinstance(node, ast.Tuple | ast.List) and allow_tuple:
            if not all(isinstance(e, ast.Name) for e in node.elts):
                raise _Refused(node, "only names may be unpacked: a, b = ...")
            return _Target(names=tuple(self.name_target(e, e.id) for e in node.elts))
        if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice):
            return _Target(container=self.expr(node.value), key=self.expr(node.slice))
        if isinstance(node, ast.Attribute):
            raise _Refused(node, f"attribute access (.{node.attr}) is not allowed")
        raise _Refused(node, f"cannot assign to {type(node).__name__}")

    def block(self, statements: list[ast.stmt]) -> list[_Stmt]:
        return [self.statement(s) for s in statements]

    def statement(self, node: ast.stmt) -> _Stmt:  # noqa: C901, PLR0911, PLR0912 - one per kind
        line = node.lineno
        if isinstance(node, ast.Assign):
            return _Stmt(line, "assign", [self.target(t) for t in node.targets],
                         self.expr(node.value))
        if isinstance(node, ast.AnnAssign):
            raise _Refused(node, "annotations are not allowed: write name = value")
        if isinstance(node, ast.AugAssign):
            if type(node.op) not in _AUG:
                raise _Refused(node, "only += -= *= /= //= %= are allowed")
            target = self.target(node.target, allow_tuple=False)
            load = copy.deepcopy(node.target)
            for sub in ast.walk(load):
                if hasattr(sub, "ctx"):
                    sub.ctx = ast.Load()
            combined = ast.copy_location(ast.BinOp(load, node.op, node.value), node)
            return _Stmt(line, "assign", [target], self.expr(combined))
        if isinstance(node, ast.Delete):
            return _Stmt(line, "delete", [self.target(t, allow_tuple=False)
                                          for t in node.targets])
        if isinstance(node, ast.If):
            return _Stmt(line, "if", value=self.expr(node.test), body=self.block(node.body),
                         orelse=self.block(node.orelse))
        if isinstance(node, ast.For):
            if node.orelse:
                raise _Refused(node, "for ... else is not allowed")
            target = self.target(node.target)
            iterable = self.expr(node.iter)
            self.loops += 1
            body = self.block(node.body)
            self.loops -= 1
            return _Stmt(line, "for", [target], iterable, body=body)
        if isinstance(node, ast.Break | ast.Continue):
            if not self.loops:
                raise _Refused(node, f"{type(node).__name__.lower()} outside a loop")
            return _Stmt(line, type(node).__name__.lower())
        if isinstance(node, ast.Pass):
            return _Stmt(line, "pass")
        if isinstance(node, ast.Expr):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return _Stmt(line, "pass")  # a docstring-like comment
            if (isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
                    and node.value.func.id == "print" and not node.value.keywords):
                for argument in node.value.args:  # checked; the output goes nowhere
                    self.expr(argument)
                return _Stmt(line, "pass")
            if isinstance(node.value, ast.Call) and (
                    isinstance(node.value.func, ast.Attribute) or (
                        isinstance(node.value.func, ast.Name)
                        and node.value.func.id in HELPERS)):
                return _Stmt(line, "call", value=self.expr(node.value))
            if isinstance(node.value, ast.Subscript | ast.Name):
                # SpiffArena's "check it is there" line (x["key"]): read, fails when missing
                return _Stmt(line, "call", value=self.expr(node.value))
            raise _Refused(node, "a script line must be 'name = expression'")
        refused = _REFUSED_STATEMENTS.get(type(node), type(node).__name__)
        raise _Refused(node, f"{refused} is not allowed")


def _lines(source: str) -> list[tuple[int, str]]:
    return [(number, line) for number, line in enumerate(source.splitlines(), start=1)
            if line.strip() and not line.strip().startswith("#")]


def _dedent(source: str) -> str:
    """SpiffArena's editors indent a script's text with the XML: remove the common indent."""
    return textwrap.dedent(source.replace("\r\n", "\n").replace("\t", "    ")).strip("\n")


@lru_cache(maxsize=1024)
def _analyse(source: str) -> tuple[Script | None, tuple[str, ...]]:
    text = _dedent(source) if isinstance(source, str) else ""
    lines = _lines(text)
    if not lines:
        return None, ("the script is empty",)
    if len(lines) > MAX_LINES:
        return None, (f"the script has more than {MAX_LINES} lines",)
    try:
        tree = ast.parse(text, mode="exec")
    except SyntaxError as error:
        return None, (f"line {error.lineno or 1}: syntax error: {error.msg}",)
    except (ValueError, RecursionError, MemoryError) as error:
        return None, (f"syntax error: {error}",)
    compiler = _Compiler()
    problems: list[str] = []
    statements: list[_Stmt] = []
    for node in tree.body:
        try:
            statements.append(compiler.statement(node))
        except _Refused as refused:
            problems.append(f"line {refused.line}: {refused.message}")
    if problems:
        return None, tuple(problems)
    return Script(text, tuple(statements), frozenset(compiler.names),
                  frozenset(compiler.assigned)), ()


def check_script(source: str) -> list[str]:
    """Problems with a script (``[]`` when it is fine), each naming its line."""
    return list(_analyse(source)[1])


def compile_script(source: str) -> Script:
    """The checked script; raises :class:`ExpressionError` naming every problem."""
    script, problems = _analyse(source)
    if problems:
        raise ExpressionError("; ".join(problems), list(problems))
    assert script is not None
    return script


# --- running -----------------------------------------------------------------------------------

Helpers = Mapping[str, Callable[..., Any]]


class _Scope(Mapping[str, Any]):
    """The script's variables, plus the hoisted parts of the expression being evaluated."""

    def __init__(self, values: dict[str, Any], run: _Run) -> None:
        self.values = values
        self.run = run
        self.hoisted: dict[str, _Hoisted] = {}

    def __getitem__(self, name: str) -> Any:
        hoisted = self.hoisted.get(name)
        if hoisted is not None:
            return self.run.hoisted(hoisted)
        return self.values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


class _Stop(Exception):
    def __init__(self, kind: str) -> None:
        self.kind = kind


class _Run:
    def __init__(self, values: dict[str, Any], today: datetime.date | None,
                 helpers: Helpers) -> None:
        self.scope = _Scope(values, self)
        self.today = today
        self.helpers = helpers
        self.turns = 0

    def value(self, expr: _Expr) -> Any:
        saved = self.scope.hoisted
        self.scope.hoisted = {**saved, **expr.hoisted}
        try:
            result = expr.expression.evaluate(self.scope, today=self.today)
        finally:
            self.scope.hoisted = saved
        if isinstance(result, EvalError):
            raise Fail(str(result))
        return result

    def hoisted(self, part: _Hoisted) -> Any:
        if part.kind == "fstring":
            return self._fstring(part)
        if part.kind == "builtin":
            return _builtin(part.name, [self.value(arg) for arg in part.parts])
        if part.kind == "helper":
            helper = self.helpers.get(part.name)
            if helper is None:
                raise Fail(f"{part.name}()는 여기서 쓸 수 없습니다")
            arguments = [self.value(arg) for arg in part.parts]
            try:
                return helper(*arguments)
            except Fail:
                raise
            except Exception as error:  # the helper's own refusal, reported as it is
                raise Fail(f"{part.name}(): {error}") from None
        receiver = self.value(part.parts[0])
        arguments = [self.value(arg) for arg in part.parts[1:]]
        return _call_method(receiver, part.name, arguments)

    def _fstring(self, part: _Hoisted) -> str:
        pieces = []
        for piece in part.parts:
            if isinstance(piece, str):
                pieces.append(piece)
                continue
            expr, conversion, spec = piece
            value = self.value(expr)
            if conversion == ord("r"):
                value = repr(value)
            elif conversion == ord("s"):
                value = str(value)
            try:
                pieces.append(format(value, spec))
            except (TypeError, ValueError):
                raise Fail(bad_type(f"{kind(value)} 값에 형식 {spec!r}을 쓸 수 없습니다")) \
                    from None
        text = "".join(pieces)
        if len(text) > MAX_TEXT:
            raise Fail("값이 너무 큽니다")
        return text

    def block(self, statements: tuple[_Stmt, ...] | list[_Stmt]) -> None:
        for statement in statements:
            try:
                self.statement(statement)
            except Fail as failure:
                if failure.message.startswith("line "):
                    raise
                raise Fail(f"line {statement.line}: {failure.message}") from None

    def statement(self, stmt: _Stmt) -> None:
        if stmt.kind == "assign":
            value = self.value(stmt.value)  # type: ignore[arg-type]
            for target in stmt.targets:
                self.assign(target, value)
        elif stmt.kind == "delete":
            for target in stmt.targets:
                self.delete(target)
        elif stmt.kind == "if":
            self.block(stmt.body if self.value(stmt.value) else stmt.orelse)  # type: ignore[arg-type]
        elif stmt.kind == "for":
            self.loop(stmt)
        elif stmt.kind == "call":
            self.value(stmt.value)  # type: ignore[arg-type]
        elif stmt.kind in ("break", "continue"):
            raise _Stop(stmt.kind)

    def loop(self, stmt: _Stmt) -> None:
        items = self.value(stmt.value)  # type: ignore[arg-type]
        if isinstance(items, dict):
            items = list(items)
        if not isinstance(items, list | tuple | str):
            raise Fail(bad_type(f"{kind(items)} 값은 for로 돌 수 없습니다"))
        for item in list(items):
            self.turns += 1
            if self.turns > MAX_ITERATIONS:
                raise Fail(f"반복이 너무 많습니다(한 번 실행에 {MAX_ITERATIONS}번까지)")
            self.assign(stmt.targets[0], item)
            try:
                self.block(stmt.body)
            except _Stop as stop:
                if stop.kind == "break":
                    break

    def assign(self, target: _Target, value: Any) -> None:
        _check_size(value)
        if target.name is not None:
            self.scope.values[target.name] = value
        elif target.names:
            if not isinstance(value, list | tuple) or len(value) != len(target.names):
                raise Fail(bad_type(f"{len(target.names)}개의 값으로 나눌 수 없습니다"))
            for name, item in zip(target.names, value, strict=True):
                self.scope.values[name] = item
        else:
            container = self.value(target.container)  # type: ignore[arg-type]
            key = self.value(target.key)  # type: ignore[arg-type]
            if isinstance(container, dict):
                if not isinstance(key, str | int | float | bool) and key is not None:
                    raise Fail(bad_type(f"{kind(key)} 값은 묶음의 키가 될 수 없습니다"))
                container[key] = value
                if len(container) > MAX_ITEMS:
                    raise Fail("항목이 너무 많습니다")
            elif isinstance(container, list):
                try:
                    container[key] = value
                except (IndexError, TypeError):
                    raise Fail(f"목록에 {key}번 위치의 항목이 없습니다") from None
            else:
                raise Fail(bad_type(f"{kind(container)} 값에는 항목을 넣을 수 없습니다"))

    def delete(self, target: _Target) -> None:
        if target.name is not None:
            self.scope.values.pop(target.name, None)
            return
        container = self.value(target.container)  # type: ignore[arg-type]
        key = self.value(target.key)  # type: ignore[arg-type]
        try:
            del container[key]
        except (KeyError, IndexError):
            raise Fail(f"'{key}' 항목이 없습니다") from None
        except TypeError:
            raise Fail(bad_type(f"{kind(container)} 값에서는 항목을 지울 수 없습니다")) from None


MAX_VALUE_PARTS = 20_000
_ITERABLE = (list, tuple, str, dict)


def _builtin(name: str, arguments: list[Any]) -> list[Any]:
    """``range``, ``enumerate``, ``zip``, ``sorted`` and ``list`` of a script, as lists."""
    if name == "range":
        if not all(isinstance(a, int) and not isinstance(a, bool) for a in arguments):
            raise Fail(bad_type("range()에는 정수를 넣어야 합니다"))
        try:
            numbers = range(*arguments)
        except ValueError as error:
            raise Fail(bad_type(f"range(): {error}")) from None
        if len(numbers) > MAX_ITEMS:
            raise Fail(f"range()가 너무 깁니다(최대 {MAX_ITEMS}개)")
        return list(numbers)
    if name == "list" and not arguments:
        return []
    if name == "enumerate" and len(arguments) == 2 and (
            not isinstance(arguments[1], int) or isinstance(arguments[1], bool)):
        raise Fail(bad_type("enumerate()의 시작 값은 정수여야 합니다"))
    sources = arguments[:1] if name == "enumerate" else arguments
    for source in sources:
        if not isinstance(source, _ITERABLE):
            raise Fail(bad_type(f"{name}()에는 {kind(source)} 값을 쓸 수 없습니다"))
        if len(source) > MAX_ITEMS:
            raise Fail("항목이 너무 많습니다")
    if name == "enumerate":
        start = arguments[1] if len(arguments) == 2 else 0
        return [[start + i, item] for i, item in enumerate(arguments[0])]
    if name == "zip":
        return [list(items) for items in zip(*arguments, strict=False)]
    if name == "sorted":
        try:
            return sorted(arguments[0])
        except TypeError:
            raise Fail(bad_type("서로 비교할 수 없는 값은 정렬할 수 없습니다")) from None
    return list(arguments[0])  # list(x)


def _check_size(value: Any) -> None:
    """Refuse a value too big to keep in the task data: a string over :data:`MAX_TEXT`
    characters, or a nest of lists and dicts over :data:`MAX_VALUE_PARTS` parts (counted as
    they would be written out, so ``x = [x, x]`` in a loop cannot grow without bound)."""
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise Fail("값이 너무 큽니다")
        return
    if not isinstance(value, list | dict | tuple):
        return
    parts, text, stack = 0, 0, [value]
    while stack:
        item = stack.pop()
        parts += 1
        if parts > MAX_VALUE_PARTS:
            raise Fail("값이 너무 큽니다")
        if isinstance(item, str):
            text += len(item)
            if text > MAX_TEXT:
                raise Fail("값이 너무 큽니다")
        elif isinstance(item, dict):
            stack.extend(item.values())
            stack.extend(item.keys())
        elif isinstance(item, list | tuple):
            stack.extend(item)


def _call_method(receiver: Any, name: str, arguments: list[Any]) -> Any:
    allowed = next((methods for cls, methods in METHODS.items()
                    if isinstance(receiver, cls) and not isinstance(receiver, bool)), None)
    if allowed is None or name not in allowed:
        raise Fail(bad_type(f"{kind(receiver)} 값에는 .{name}()이 없습니다"))
    if name == "zfill" and arguments and isinstance(arguments[0], int) and arguments[0] > 1000:
        raise Fail("값이 너무 큽니다")
    if name == "join" and arguments and isinstance(receiver, str):
        _check_size(arguments[0])
    if name == "replace" and len(arguments) >= 2 and isinstance(receiver, str) and \
            isinstance(arguments[1], str) and len(receiver) * max(1, len(arguments[1])) > MAX_TEXT:
        raise Fail("값이 너무 큽니다")
    try:
        result = getattr(receiver, name)(*arguments)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as error:
        raise Fail(bad_type(f".{name}(): {error}")) from None
    if isinstance(receiver, list | dict) and len(receiver) > MAX_ITEMS:
        raise Fail("항목이 너무 많습니다")
    if isinstance(result, str) and len(result) > MAX_TEXT:
        raise Fail("값이 너무 큽니다")
    if name in ("keys", "values"):
        return list(result)
    if name == "items":
        return [list(pair) for pair in result]
    if name == "split":
        return list(result)
    return result


@dataclass(frozen=True)
class Outcome:
    """What a script run changed: the names it set (new or changed values) and deleted."""

    changed: dict[str, Any]
    deleted: frozenset[str]


def execute_script(source: str, data: Mapping[str, Any], *,
                   today: datetime.date | None = None,
                   helpers: Helpers | None = None) -> Outcome | EvalError:
    """Run the script over a copy of ``data``; the first statement that cannot be computed
    stops it and its error (naming the line) is returned: nothing is changed then."""
    script = compile_script(source)
    values = copy.deepcopy(dict(data))
    run = _Run(values, today, helpers or {})
    try:
        run.block(script.statements)
    except Fail as failure:
        return EvalError(failure.message)
    except _Stop:  # not reachable: break/continue outside loops are refused at load
        return EvalError("break/continue outside a loop")
    except (RecursionError, MemoryError, OverflowError):
        return EvalError("계산이 너무 큽니다")
    changed = {}
    try:
        for name, value in values.items():
            if name not in data or type(data[name]) is not type(value) or data[name] != value:
                _check_size(value)  # also what methods built (a list appended to itself)
                changed[name] = value
    except Fail as failure:
        return EvalError(f"{name}: {failure.message}")
    except RecursionError:
        return EvalError("계산이 너무 큽니다")
    deleted = frozenset(name for name in data if name not in values)
    return Outcome(changed, deleted)


def run_script(source: str, data: Mapping[str, Any], *,
               today: datetime.date | None = None,
               helpers: Helpers | None = None) -> dict[str, Any] | EvalError:
    """The values the script sets (new or changed), computed over ``data``; an
    :class:`EvalError` when a statement cannot be computed (nothing is set then)."""
    outcome = execute_script(source, data, today=today, helpers=helpers)
    return outcome if isinstance(outcome, EvalError) else outcome.changed


# --- one value: an expression with the script layer's extras (service-task parameters) ----------

@lru_cache(maxsize=1024)
def _analyse_value(source: str) -> tuple[_Expr | None, tuple[str, ...]]:
    text = source.strip() if isinstance(source, str) else ""
    if not text:
        return None, ("the expression is empty",)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        return None, (f"syntax error: {error.msg}",)
    except (ValueError, RecursionError, MemoryError) as error:
        return None, (f"syntax error: {error}",)
    try:
        return _lower(tree.body, [0]), ()
    except _Refused as refused:
        return None, (refused.message,)


def check_value(source: str) -> list[str]:
    """Problems with an expression that may also use what scripts may (f-strings, the
    methods of :data:`METHODS`, the helpers of :data:`HELPERS`)."""
    return list(_analyse_value(source)[1])


def evaluate_value(source: str, data: Mapping[str, Any], *,
                   today: datetime.date | None = None,
                   helpers: Helpers | None = None) -> Any | EvalError:
    """The value of such an expression over ``data`` (an :class:`EvalError` when it cannot
    be computed); raises :class:`ExpressionError` when it does not pass the check."""
    expr, problems = _analyse_value(source)
    if expr is None:
        raise ExpressionError("; ".join(problems), list(problems))
    run = _Run(dict(data), today, helpers or {})
    try:
        return run.value(expr)
    except Fail as failure:
        return EvalError(failure.message)
