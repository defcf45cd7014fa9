"""The content commands of ``ieum``: ``check``, ``list`` and ``reuse``.

Each takes optional content roots. Without one, the default content root is used with the
installed plug-ins; with roots, exactly those roots (in order) and no plug-ins unless
``--plugins`` is given. Colours are used only when stdout is a terminal.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import click

from ieum.definitions import Registry, check_content, default_content_root, extensions, reuse_matrix
from ieum.definitions.problems import Problem, display_path

_paths_argument = click.argument(
    "paths", nargs=-1, metavar="[PATH]...", type=click.Path(path_type=Path)
)
_plugins_option = click.option(
    "--plugins/--no-plugins",
    default=None,
    help="Load installed plug-ins too (default: yes without PATH, no with PATH).",
)


def _load(paths: Sequence[Path], plugins: bool | None) -> tuple[Registry | None, list[Problem]]:
    roots = list(paths) or [default_content_root()]
    use_plugins = plugins if plugins is not None else not paths
    return check_content(roots, plugins=use_plugins)


def _print_problems(problems: Sequence[Problem], *, err: bool = False) -> None:
    for problem in problems:
        location = click.style(f"{problem.path}:{problem.pointer}:", bold=True)
        click.echo(f"{location} {problem.message}", err=err)
    count = len(problems)
    click.echo(click.style(f"{count} {_plural(count, 'problem')} found", fg="red", bold=True),
               err=err)


def _require_registry(paths: Sequence[Path], plugins: bool | None) -> Registry:
    registry, problems = _load(paths, plugins)
    if registry is None:
        _print_problems(problems, err=True)
        raise SystemExit(1)
    return registry


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return word if count == 1 else (plural or f"{word}s")


def _count(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {_plural(count, word, plural)}"


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal (Hangul and other wide characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max([_width(h), *(_width(row[i]) for row in rows)]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        padded = [cell + " " * (width - _width(cell)) for cell, width in zip(cells, widths,
                                                                              strict=True)]
        return "  ".join(padded).rstrip()

    return [click.style(line(headers), bold=True), *(line(row) for row in rows)]


def _source(path: Path, plugin: str | None) -> str:
    return f"plug-in {plugin}" if plugin else display_path(path)


def _program_files(paths: Sequence[Path]) -> tuple[int, list[Problem]]:
    """How many program files (``programs/*.yaml``) the roots hold, and their problems."""
    from ieum.catalog.definition import check_program_files

    count, problems = 0, []
    for root in list(paths) or [default_content_root()]:
        folder = Path(root) / "programs"
        if folder.is_dir():
            count += len(list(folder.glob("*.yaml")))
            problems += check_program_files(folder)
    return count, problems


@click.command("check")
@_paths_argument
@_plugins_option
def check_command(paths: tuple[Path, ...], plugins: bool | None) -> None:
    """Check content against the meta-schemas and each other; print every problem.

    Each problem is printed as path:pointer: message, and the exit status is 1 when there
    is any. Without PATH the default content root (IEUM_CONTENT_ROOT, or the repository) is
    checked together with the installed plug-ins.
    """
    registry, problems = _load(paths, plugins)
    problems += extensions.problems()
    program_count, program_problems = _program_files(paths)
    if registry is None or problems or program_problems:
        _print_problems([*problems, *program_problems])
        raise SystemExit(1)
    names = registry.plugins
    plugin_part = _count(len(names), "plug-in") + (f" ({', '.join(names)})" if names else "")
    summary = ", ".join([
        _count(len(registry.forms), "form"),
        _count(len(registry.processes), "process", "processes"),
        _count(len(registry.unit_functions), "unit function"),
        _count(len(registry.profiles), "profile"),
        *([_count(program_count, "program")] if program_count else []),
        plugin_part,
    ])
    click.echo(click.style("OK", fg="green", bold=True) + f": {summary}")


@click.command("list")
@_paths_argument
@_plugins_option
def list_command(paths: tuple[Path, ...], plugins: bool | None) -> None:
    """List the unit functions and facility profiles."""
    registry = _require_registry(paths, plugins)
    units = sorted(registry.unit_functions.values(), key=lambda u: (u.layer, u.id))
    click.echo(click.style(f"Unit functions ({len(units)})", bold=True))
    rows = [[u.id, str(u.layer), u.title, _source(u.path, u.plugin)] for u in units]
    for line in _table(["id", "layer", "title", "source"], rows):
        click.echo(f"  {line}")
    click.echo()
    profiles = list(registry.profiles.values())
    click.echo(click.style(f"Facility profiles ({len(profiles)})", bold=True))
    rows = [[p.code, p.title, str(len(p.unit_ids)), _source(p.path, p.plugin)] for p in profiles]
    for line in _table(["code", "title", "units", "source"], rows):
        click.echo(f"  {line}")


@click.command("reuse")
@_paths_argument
@_plugins_option
@click.option("--json", "as_json", is_flag=True, help="Print only the counts and ratio as JSON.")
def reuse_command(paths: tuple[Path, ...], plugins: bool | None, as_json: bool) -> None:
    """Show which facility type uses which unit function, and the reuse ratio."""
    registry = _require_registry(paths, plugins)
    reuse = reuse_matrix(registry)
    if as_json:
        click.echo(json.dumps(reuse.as_summary()))
        return
    legend = [[str(number), code, registry.profiles[code].title]
              for number, code in enumerate(reuse.profiles, start=1)]
    for line in _table(["#", "facility type", "title"], legend):
        click.echo(f"  {line}")
    click.echo()
    headers = ["unit function", "title", "used by",
               *(str(n) for n in range(1, len(reuse.profiles) + 1))]
    rows = []
    for column, unit_id in enumerate(reuse.unit_functions):
        marks = [row[column] for row in reuse.matrix]
        rows.append([unit_id, registry.unit_functions[unit_id].title, str(sum(marks)),
                     *("x" if used else "." for used in marks)])
    for line in _table(headers, rows):
        click.echo(f"  {line}")
    click.echo()
    if reuse.unused:
        click.echo(f"Not used by any facility type: {', '.join(reuse.unused)}")
    single = [unit_id for column, unit_id in enumerate(reuse.unit_functions)
              if sum(row[column] for row in reuse.matrix) == 1]
    if single:
        click.echo(f"Used by one facility type only (type-specific): {', '.join(single)}")
    click.echo(
        f"{_count(len(reuse.profiles), 'facility type')}, "
        f"{_count(len(reuse.unit_functions), 'unit function')} used in "
        f"{_count(reuse.slots, 'slot')}: reuse ratio "
        + click.style(f"{reuse.reuse_ratio:.1%}", bold=True)
    )
