"""``instructionsForEndUser``: what a task shows the person working it, as SpiffArena writes it.

The text is Markdown with Jinja templating over the task's data (``{{ name }}``,
``{% if approved %}...{% endif %}``). It is rendered safely: the template runs in Jinja's
:class:`~jinja2.sandbox.SandboxedEnvironment` (no access to unsafe attributes, no imports),
with autoescaping off for the template but every raw HTML block and inline tag of the result
escaped by markdown-it (``html=False``), so data and template can inject no markup or script.
Links keep only http(s) and mailto targets (markdown-it's ``validateLink``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import TemplateSyntaxError, Undefined, meta
from jinja2.sandbox import SandboxedEnvironment
from markdown_it import MarkdownIt

MAX_LENGTH = 20_000
MAX_OUTPUT = 200_000


class _Blank(Undefined):
    """A name the data lacks renders as nothing (SpiffArena shows the page anyway)."""

    def __str__(self) -> str:
        return ""


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=False, undefined=_Blank)


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
            source = _environment().from_string(text).render(dict(data))
        except Exception:  # noqa: BLE001 - the sandbox's refusal or the data's error
            source = text
    return _markdown().render(source[:MAX_OUTPUT])


def instruction_names(text: str | None) -> frozenset[str]:
    """The data names the template reads (none when it does not parse)."""
    if not text or check_instructions(text):
        return frozenset()
    return frozenset(meta.find_undeclared_variables(_environment().parse(text)))
