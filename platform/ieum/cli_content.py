"""The content commands of ``ieum``: ``check``, ``list`` and ``reuse``.

Each takes optional content roots. Without one, the default content root is used with the
content studio's published packages (``IEUM_STUDIO_PACKAGES``) and the installed plug-ins;
with roots, exactly those roots (in order) and no plug-ins unless ``--plugins`` is given,
except that package folders of the content studio alone (holding ``ieum-studio.json``) are
checked over the default content root and the plug-ins, as the app loads them.
Colours are used only when stdout is a terminal.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import click

from ieum import config as settings
from ieum.definitions import (
    Registry,
    check_content,
    default_content_root,
    extensions,
    package_roots,
    reuse_matrix,
)
from ieum.definitions.problems import Problem, display_path
from ieum.definitions.sources import is_overlay

_paths_argument = click.argument(
    "paths", nargs=-1, metavar="[PATH]...", type=click.Path(path_type=Path)
)
_plugins_option = click.option(
    "--plugins/--no-plugins",
    default=None,
    help="Load installed plug-ins too (default: yes without PATH, no with PATH).",
)


def _load(paths: Sequence[Path], plugins: bool | None) -> tuple[Registry | None, list[Problem]]:
    """Without PATH: the default root, the studio's published packages and the plug-ins.
    PATHs that are all packages of the content studio (overlays, holding ieum-studio.json)
    are checked over the default root and the plug-ins, as the app would load them."""
    if paths and all(is_overlay(path) for path in paths):
        roots = [default_content_root(), *paths]
        use_plugins = plugins if plugins is not None else True
    else:
        roots = list(paths) or [default_content_root(),
                                *package_roots(settings.studio_packages_path())]
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
    from ieum.workflow.functions import available, operator_problems

    registry, problems = _load(paths, plugins)
    problems += extensions.problems()
    if registry is not None:  # service tasks name registered functions (installed plug-ins')
        problems += operator_problems(registry.processes.values(), available(plugins=True))
    program_count, program_problems = _program_files(paths)
    for warning in registry.warnings if registry is not None else ():
        click.echo(click.style("warning", fg="yellow") + f": {warning}")
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
@click.argument("arguments", nargs=-1, metavar="[UNIT] [PATH]...")
@_plugins_option
def list_command(arguments: tuple[str, ...], plugins: bool | None) -> None:
    """List the unit functions and facility profiles; with UNIT (a unit function's id),
    everything that belongs to that unit function.

    An argument that names an existing file or folder, or holds a '/' or a '.', is a PATH
    (a content root); the other one is the UNIT.
    """
    paths, unit_ids = _paths_and_units(arguments)
    if len(unit_ids) > 1:
        raise click.UsageError(f"give one UNIT at most (got {', '.join(unit_ids)}); a PATH "
                               "must be an existing folder")
    registry = _require_registry(paths, plugins)
    if unit_ids:
        _show_unit(registry, unit_ids[0])
        return
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


def _paths_and_units(arguments: Sequence[str]) -> tuple[list[Path], list[str]]:
    paths, units = [], []
    for argument in arguments:
        if Path(argument).exists() or any(ch in argument for ch in "/\\.") or not argument:
            paths.append(Path(argument))
        else:
            units.append(argument)
    return paths, units


def _heading(text: str) -> None:
    click.echo()
    click.echo(click.style(text, bold=True))


def _rows(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    if not rows:
        click.echo("  (none)")
        return
    for line in _table(headers, rows):
        click.echo(f"  {line}")


def _where(path: Path, plugin: str | None) -> str:
    return display_path(path) + (f" (plug-in {plugin})" if plugin else "")


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def _show_unit(registry: Registry, unit_id: str) -> None:
    """Everything that belongs to one unit function, with the files it comes from."""
    unit = registry.unit_functions.get(unit_id)
    if unit is None:
        known = ", ".join(sorted(registry.unit_functions)) or "none"
        click.echo(f"unknown unit function {unit_id!r}; the unit functions are: {known}",
                   err=True)
        raise SystemExit(1)
    click.echo(click.style(f"{unit.id}: {unit.title}", bold=True) + f" (layer {unit.layer})")
    facts = [("manifest", _where(unit.path, unit.plugin)),
             ("target groups", ", ".join(unit.target_groups) or "-"),
             ("record subject", unit.record_subject),
             ("actions", ", ".join(unit.actions))]
    if unit.subject_registry:
        facts.append(("subject registry", f"form {unit.subject_registry.get('form')}"))
    if unit.case_list:
        facts.append(("case list", str(unit.case_list.get("title", "yes"))))
    if unit.locks:
        facts.append(("locks", ", ".join(f"after {lock.get('form')}" for lock in unit.locks)))
    width = max(_width(name) for name, _value in facts)
    for name, text in facts:
        click.echo(f"  {name}{' ' * (width - _width(name))}  {text}")
    extra = sorted(path for path in unit.path.parent.rglob("*")
                   if path.is_file() and path != unit.path
                   and not any(part.startswith((".", "__")) for part in
                               path.relative_to(unit.path.parent).parts))
    if extra:
        click.echo(f"  {'files'}{' ' * (width - 5)}  "
                   + ", ".join(display_path(path) for path in extra))

    _heading(f"Forms ({len(unit.forms)})")
    rows = []
    for form_id in unit.forms:
        form = registry.forms[form_id]
        parts = ", ".join(display_path(path) for path in form.parts)
        rows.append([form.id, str(form.version), form.title, _where(form.path, form.plugin),
                     parts])
    _rows(["id", "version", "title", "file", "shared parts"], rows)

    _heading(f"Processes ({len(unit.processes)})")
    rows = []
    for process_id in unit.processes:
        process = registry.processes[process_id]
        rows.append([process.id, process.name, ", ".join(process.lanes) or "-",
                     ", ".join(process.forms) or "-", _where(process.path, process.plugin)])
    _rows(["id", "name", "lanes", "forms", "file"], rows)

    _heading(f"Screens ({len(unit.screens)})")
    _rows(["kind", "form", "title"],
          [[screen.kind, screen.form, screen.title or "-"] for screen in unit.screens])

    _heading(f"Feeds ({len(unit.feeds)})")
    click.echo(f"  {', '.join(unit.feeds)}" if unit.feeds else "  (none)")

    if unit.reports is not None:
        declared = unit.reports.kinds
        _heading(f"Report kinds it prepares ({len(declared)})")
        _rows(["id", "title", "period", "reads", "generator"],
              [[kind.id, kind.title, kind.period, ", ".join(kind.reads), kind.generator or "-"]
               for kind in declared])
    reading = [kind for kind in registry.report_kinds.values() if unit.id in kind.reads]
    _heading(f"Report kinds reading its records ({len(reading)})")
    _rows(["id", "title", "period", "prepared in"],
          [[kind.id, kind.title, kind.period, kind.unit] for kind in reading])

    _heading(f"Parameters ({len(unit.parameters)})")
    _rows(["name", "type", "default", "title"],
          [[parameter.name, parameter.type, _value(parameter.default), parameter.title]
           for parameter in unit.parameters.values()])

    users = [(profile, item) for profile in registry.profiles.values()
             for group in profile.menu for item in group.items if item.unit == unit.id]
    _heading(f"Facility profiles using it ({len(users)})")
    _rows(["code", "title", "menu title", "parameters"],
          [[profile.code, profile.title, item.title or "-",
            ", ".join(f"{name}={_value(value)}" for name, value in item.parameters.items())
            or "-"] for profile, item in users])


@click.command("reuse")
@_paths_argument
@_plugins_option
@click.option("--json", "as_json", is_flag=True,
              help="Print only the counts, the ratio and the type-specific functions as JSON.")
def reuse_command(paths: tuple[Path, ...], plugins: bool | None, as_json: bool) -> None:
    """Show which facility type uses which unit function, and the reuse ratio.

    The matrix has one row per unit function and one column per facility type (numbered in
    the legend), grouped by field (the base profile a type extends); a column is one character
    wide so that the matrix stays readable with many types."""
    registry = _require_registry(paths, plugins)
    reuse = reuse_matrix(registry)
    single = reuse.single_use
    if as_json:
        click.echo(json.dumps({**reuse.as_summary(), "single_use": single},
                              ensure_ascii=False))
        return
    order = sorted(range(len(reuse.profiles)),
                   key=lambda i: (reuse.fields[i] == "", reuse.fields[i], i))
    groups: list[list[int]] = []
    for i in order:
        if groups and reuse.fields[groups[-1][0]] == reuse.fields[i]:
            groups[-1].append(i)
        else:
            groups.append([i])
    number = {i: n for n, i in enumerate(order, start=1)}
    legend = [[str(number[i]), reuse.profiles[i], registry.profiles[reuse.profiles[i]].title,
               reuse.fields[i] or "-"] for i in order]
    for line in _table(["#", "facility type", "title", "field"], legend):
        click.echo(f"  {line}")
    click.echo()

    def columns(cell) -> str:  # noqa: ANN001 - one character per type, a space between fields
        return " ".join("".join(cell(i) for i in group) for group in groups)

    digits = len(str(len(order)))
    rulers = [columns(lambda i, place=place: str(number[i]).rjust(digits)[place])
              for place in range(digits)]
    headers = ["unit function", "title", "layer", "used by", rulers[-1]]
    rows = []
    for column, unit_id in enumerate(reuse.unit_functions):
        marks = [row[column] for row in reuse.matrix]
        rows.append([unit_id, registry.unit_functions[unit_id].title,
                     str(registry.unit_functions[unit_id].layer), str(sum(marks)),
                     columns(lambda i, marks=marks: "x" if marks[i] else ".")])
    table = _table(headers, rows)
    offset = _width(click.unstyle(table[0])) - _width(rulers[-1])  # the header is styled
    for ruler in rulers[:-1]:
        click.echo(f"  {' ' * offset}{ruler}")
    for line in table:
        click.echo(f"  {line}")
    click.echo()
    if reuse.unused:
        click.echo(f"Not used by any facility type: {', '.join(reuse.unused)}")
    if single:
        click.echo(f"Used by one facility type only (type-specific, {len(single)}):")
        for unit_id, code in single.items():
            click.echo(f"  {unit_id} ({registry.unit_functions[unit_id].title}): "
                       f"{code} ({registry.profiles[code].title})")
    click.echo(
        f"{_count(len(reuse.profiles), 'facility type')}, "
        f"{_count(len(reuse.unit_functions), 'unit function')} used in "
        f"{_count(reuse.slots, 'slot')}: reuse ratio "
        + click.style(f"{reuse.reuse_ratio:.1%}", bold=True)
    )


@click.group("import")
def import_group() -> None:
    """Import content made with other tools."""


@import_group.command("spiffarena")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--unit", "unit_id", required=True, help="The id of the new unit function.")
@click.option("--lane-map", "lane_maps", multiple=True, metavar="LANE=ROLE",
              help="Map a lane of the diagrams to an ieum role (repeat for each lane).")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The content root to write into (default: IEUM_CONTENT_ROOT or the "
                   "repository).")
@click.option("--overwrite", is_flag=True, help="Replace files of an earlier import.")
def import_spiffarena_command(folder: Path, unit_id: str, lane_maps: tuple[str, ...],
                              root: Path | None, overwrite: bool) -> None:
    """Import the SpiffArena process-model FOLDER (BPMN, *-schema.json, *-uischema.json,
    process_model.json) as one unit function, then check the content root.

    Lanes that are not ieum role ids must be mapped; on a terminal the command asks for
    each one that --lane-map does not give."""
    from ieum.definitions.spiffarena import ImportRefused, lanes_of, plan_import, write_plan

    mapping: dict[str, str] = {}
    for item in lane_maps:
        lane, sep, role = item.partition("=")
        if not sep or not lane.strip() or not role.strip():
            raise click.UsageError(f"--lane-map takes LANE=ROLE, got {item!r}")
        mapping[lane.strip()] = role.strip()
    if sys.stdin.isatty():
        for lane in lanes_of(folder):
            if lane not in mapping and not re.match(r"^[a-z][a-z0-9_]*$", lane):
                mapping[lane] = click.prompt(f"ieum role for lane {lane!r}")
    target = root or default_content_root()
    try:
        plan = plan_import(folder, unit_id, mapping)
        written = write_plan(plan, target, overwrite=overwrite)
    except ImportRefused as refused:
        raise click.UsageError(str(refused)) from refused
    for path in written:
        click.echo(f"wrote {display_path(path)}")
    for old, new in plan.forms.items():
        click.echo(f"form {old} -> {new}")
    for warning in plan.warnings:
        click.echo(click.style("warning", fg="yellow") + f": {warning}")
    from ieum.workflow.functions import available, operator_problems

    registry, problems = check_content([target], plugins=False)
    if registry is not None:
        problems = operator_problems(registry.processes.values(), available(plugins=True))
        for warning in registry.warnings:
            click.echo(click.style("warning", fg="yellow") + f": {warning}")
    if registry is None or problems:
        _print_problems(problems)
        raise SystemExit(1)
    click.echo(click.style("OK", fg="green", bold=True)
               + f": unit {unit_id} with {_count(len(plan.processes), 'process', 'processes')}"
               f" and {_count(len(plan.forms), 'form')}")
