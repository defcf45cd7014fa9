"""``instructionsForEndUser``: what a task shows the person working it, as SpiffArena writes it.

The text is Markdown with Jinja templating over the task's data (``{{ name }}``,
``{% if approved %}...{% endif %}``). It is rendered safely: the template runs in Jinja's
:class:`~jinja2.sandbox.SandboxedEnvironment` (no access to unsafe attributes, no imports),
with autoescaping off for the template but every raw HTML block and inline tag of the result
escaped by markdown-it (``html=False``), so data and template can inject no markup or script.
Links keep only safe targets (markdown-it's ``validateLink`` drops ``javascript:`` and the
like). ``range`` gives at most :data:`MAX_RANGE` numbers, repetition (``'a' * n``) builds at
most :data:`MAX_REPEAT` items, exponents are at most 64, and the output stops at
:data:`MAX_OUTPUT` characters. Templates are written by content authors and checked when the
content loads; data only fills them in.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import TemplateSyntaxError, Undefined, meta
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from markdown_it import MarkdownIt

MAX_LENGTH = 20_000
MAX_OUTPUT = 200_000
MAX_RANGE = 1_000
MAX_REPEAT = 10_000


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, with ``range`` and repetition (``'a' * n``, ``x ** n``) bounded so
    that a template cannot build huge values."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > 64:
            raise SecurityError("exponent too large")
        if operator == "*":
            for value, times in ((left, right), (right, left)):
                if isinstance(value, str | list | tuple) and isinstance(times, int) and (
                        times * max(len(value), 1) > MAX_REPEAT):
                    raise SecurityError("repetition too large")
        return super().call_binop(context, operator, left, right)


def _range(*arguments: int) -> range:
    numbers = range(*arguments)
    if len(numbers) > MAX_RANGE:
        raise SecurityError(f"range() is limited to {MAX_RANGE} numbers")
    return numbers


class _Blank(Undefined):
    """A name the data lacks renders as nothing (SpiffArena shows the page anyway)."""

    def __str__(self) -> str:
        return ""


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    environment = _Sandbox(autoescape=False, undefined=_Blank)
    environment.globals["range"] = _range
    return environment


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def check_instructions(text: str) -> list[str]:
    """Problems with the template (``[]`` when it parses)."""
    if not isinstance(text, str):
        return ["instructions must be text"]
    if len(text) > MAX_LENGTH:
        return [f"instructions are too long: {len(text)} characters (the limit is {MAX_LENGTH})"]
    try:
        _environment().parse(text)
    except TemplateSyntaxError as error:
        return [f"template syntax error at line {error.lineno}: {error.message}"]
    return []


def render_instructions(text: str | None, data: Mapping[str, Any]) -> str:
    """The HTML of the instructions over ``data`` (``""`` for none). Never raises: a template
    that cannot be rendered shows its text as it is (escaped)."""
    if not text or not text.strip() or check_instructions(text):
        source = text or ""
    else:
        try:
            pieces, size = [], 0
            for piece in _environment().from_string(text).generate(dict(data)):
                pieces.append(piece)
                size += len(piece)
                if size > MAX_OUTPUT:
                    break
            source = "".join(pieces)
        except Exception:  # noqa: BLE001 - the sandbox's refusal or the data's error
            source = text
    return _markdown().render(source[:MAX_OUTPUT])


def instruction_names(text: str | None) -> frozenset[str]:
    """The data names the template reads (none when it does not parse)."""
    if not text or check_instructions(text):
        return frozenset()
    return frozenset(meta.find_undeclared_variables(_environment().parse(text)))
