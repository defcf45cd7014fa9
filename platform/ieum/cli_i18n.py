"""``ieum i18n``: what is left to translate.

- ``ieum i18n missing``: every text marked for translation in code and templates
  (``_``/``gettext``/``lazy_gettext``/``_l``/``ngettext`` and ``{% trans %}``, read with Babel's
  extractors) and every text of the content (titles, descriptions, help, choices, messages, task
  and lane names) that no catalogue of the language translates. ``--po`` prints them as a
  ``.po`` skeleton to fill in; the exit status is 1 when anything is missing.
- ``ieum i18n unmarked``: Korean text in templates that is not inside a translation call, and
  Korean string literals in Python that are not (a hint list: not every literal is shown to a
  person).
"""

from __future__ import annotations

import io
import json
import re
import sys
import tokenize
from collections.abc import Iterable, Iterator
from pathlib import Path

import click
import yaml
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

from ieum import i18n
from ieum.definitions import default_content_root
from ieum.definitions.sources import plugin_sources, root_sources

HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None,
            "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2)}
METHODS = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
PLATFORM = Path(__file__).resolve().parent.parent  # platform/
#: content keys whose values are never shown as text (ids, expressions, formats, comments
#: for the author; ``value`` is a report column's expression)
CONTENT_SKIP_KEYS = {"const", "pattern", "format", "$id", "$ref", "$schema", "$comment",
                     "x-computed", "x-visible", "required_when", "when", "expression",
                     "condition", "id", "code", "key", "default", "examples", "value"}
#: JSON Schema keys whose children are named by the author (a property called ``condition``
#: or ``code`` is a field with a title, not an expression)
CONTENT_NAME_MAPS = {"properties", "patternProperties", "$defs", "definitions",
                     "dependentSchemas"}
CONTENT_SUFFIXES = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".bpmn": "xml",
                    ".dmn": "xml"}


def code_messages(paths: Iterable[Path]) -> Iterator[tuple[str, str]]:
    """(msgid, where) for every text marked for translation under ``paths``."""
    for root in paths:
        root = Path(root)
        for filename, lineno, message, _comments, _context in extract_from_dir(
                str(root), METHODS, keywords=KEYWORDS,
                options_map={"**/templates/**.html": {"newstyle_gettext": "true"}},
                strip_comment_tags=True):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                yield msgid, f"{root.name}/{filename}:{lineno}"


def _strings(value: object, key: str = "", named: bool = False) -> Iterator[str]:
    """Korean strings under ``value``. ``key`` is the key ``value`` sits under; ``named``: that
    key is a name the author chose (a property's name), not a keyword. A choice list given as
    ``enum`` without titles shows its values, so Korean ``enum`` values are read too."""
    if key in CONTENT_SKIP_KEYS and not named:
        return
    if isinstance(value, str):
        if HANGUL.search(value):
            yield value
    elif isinstance(value, dict):
        names = key in CONTENT_NAME_MAPS and not named
        for child_key, child in value.items():
            yield from _strings(child, str(child_key), names)
    elif isinstance(value, list):
        for child in value:
            yield from _strings(child, key)


def _xml_texts(text: str) -> Iterator[str]:
    """Names in a BPMN/DMN file (tasks, lanes, events, gateways, flows, decision tables)."""
    for match in re.finditer(r'\b(?:name|label)="([^"]*)"', text):
        value = match.group(1)
        if HANGUL.search(value):
            yield (value.replace("&#10;", "\n").replace("&amp;", "&").replace("&lt;", "<")
                   .replace("&gt;", ">").replace("&quot;", '"'))


def content_files(roots: Iterable[Path]) -> Iterator[Path]:
    for root in roots:
        for folder in ("forms", "unit_functions", "facility_profiles", "workflows", "programs"):
            base = Path(root) / folder
            if base.is_dir():
                yield from (path for path in sorted(base.rglob("*"))
                            if path.suffix in CONTENT_SUFFIXES and path.is_file())


def content_messages(roots: Iterable[Path]) -> Iterator[tuple[str, str]]:
    """(text, where) for every Korean text of the content under ``roots``."""
    for path in content_files(roots):
        kind = CONTENT_SUFFIXES[path.suffix]
        raw = path.read_text(encoding="utf-8")
        if kind == "json":
            texts = _strings(json.loads(raw))
        elif kind == "yaml":
            texts = _strings(yaml.safe_load(raw))
        else:
            texts = _xml_texts(raw)
        for text in texts:
            yield text, str(path)


def content_roots() -> list[Path]:
    sources, _problems = root_sources([default_content_root()])
    plugins, _problems = plugin_sources()
    return [source.root for source in [*sources, *plugins]]


def missing(lang: str, code_paths: list[Path], roots: list[Path]) -> dict[str, list[str]]:
    table = i18n.table(lang, i18n.locale_dirs(roots))
    found: dict[str, list[str]] = {}
    messages = [*code_messages(code_paths), *content_messages(roots)]
    for msgid, where in messages:
        if msgid not in table:
            found.setdefault(msgid, []).append(where)
    return found


@click.group("i18n")
def i18n_group() -> None:
    """번역: 번역되지 않은 문구 찾기."""


@i18n_group.command("missing")
@click.option("--lang", default="en", show_default=True)
@click.option("--path", "paths", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="code folders to read (default: the kernel and the library)")
@click.option("--content/--no-content", default=True, help="also the content's texts")
@click.option("--no-code", is_flag=True, help="only the content's texts")
@click.option("--po", is_flag=True, help="print a .po skeleton to fill in")
def missing_command(lang: str, paths: tuple[Path, ...], content: bool, no_code: bool,
                    po: bool) -> None:
    """Texts no catalogue of LANG translates."""
    code_paths = [] if no_code else (list(paths) or [PLATFORM / "ieum", PLATFORM / "ieum_library"])
    roots = content_roots()
    found = missing(lang, code_paths, roots if content else [])
    if not content:  # the catalogues of the content roots still count as translations
        found = {k: v for k, v in found.items()
                 if k not in i18n.table(lang, i18n.locale_dirs(roots))}
    if po:
        catalog = Catalog(locale=lang)
        for msgid, places in found.items():
            catalog.add(msgid, "", locations=[(where.rsplit(":", 1)[0], 0)
                                              for where in places[:3]])
        buffer = io.BytesIO()
        write_po(buffer, catalog, omit_header=True, width=100, no_location=False)
        sys.stdout.write(buffer.getvalue().decode("utf-8"))
    else:
        for msgid, places in found.items():
            click.echo(f"{places[0]}\t{msgid!r}")
        click.echo(f"{len(found)}개 문구가 번역되지 않았습니다 ({lang}).", err=True)
    sys.exit(1 if found else 0)


# -- unmarked Korean -------------------------------------------------------------------------

_JINJA_BLOCK = re.compile(r"{#.*?#}|{%-?\s*trans\b.*?endtrans\s*-?%}|{{.*?}}|{%.*?%}", re.S)
_MARKED_CALL = re.compile(r"""\b(?:_|gettext|ngettext|lazy_gettext|_l)\(\s*(['"]).*?(?<!\\)\1""",
                          re.S)


def unmarked_in_template(text: str) -> Iterator[tuple[int, str]]:
    """(line, text) of Korean outside translation calls in a Jinja template."""
    for match in _JINJA_BLOCK.finditer(text):
        block = match.group(0)
        if block.startswith(("{#", "{% trans", "{%- trans")):
            continue
        rest = _MARKED_CALL.sub("", block)
        if HANGUL.search(rest):
            yield text.count("\n", 0, match.start()) + 1, block.strip()[:120]
    plain = _JINJA_BLOCK.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    plain = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group(0).count("\n"), plain, flags=re.S)
    for lineno, line in enumerate(plain.splitlines(), 1):
        if HANGUL.search(line):
            yield lineno, line.strip()[:120]


def unmarked_in_python(text: str) -> Iterator[tuple[int, str]]:
    """(line, literal) of Korean string literals not directly inside a translation call and
    not a docstring."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline)
              if t.type not in (tokenize.COMMENT, tokenize.NL)]
    for index, token in enumerate(tokens):
        if token.type != tokenize.STRING or not HANGUL.search(token.string):
            continue
        before = tokens[index - 1] if index else None
        after = tokens[index + 1] if index + 1 < len(tokens) else None
        if before is not None and before.type in (tokenize.INDENT, tokenize.NEWLINE,
                                                  tokenize.DEDENT) \
                and after is not None and after.type == tokenize.NEWLINE:
            continue  # a docstring or a bare string statement
        if before is not None and before.string == "(" and index >= 2 \
                and tokens[index - 2].string in KEYWORDS:
            continue
        yield token.start[0], token.string[:120]


@i18n_group.command("unmarked")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--python/--no-python", default=True)
def unmarked_command(paths: tuple[Path, ...], python: bool) -> None:
    """Korean text not marked for translation under PATHS (templates; Python literals too)."""
    count = 0
    for root in paths or (PLATFORM / "ieum", PLATFORM / "ieum_library"):
        files = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in files:
            if path.suffix == ".html":
                found = unmarked_in_template(path.read_text(encoding="utf-8"))
            elif path.suffix == ".py" and python:
                found = unmarked_in_python(path.read_text(encoding="utf-8"))
            else:
                continue
            for lineno, text in found:
                count += 1
                click.echo(f"{path}:{lineno}\t{text}")
    click.echo(f"{count}곳", err=True)
    sys.exit(1 if count else 0)
