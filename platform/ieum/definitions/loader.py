"""Loading content roots into a checked, immutable :class:`Registry`."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Container, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

from ieum.definitions.bpmn import load_processes, process_ids
from ieum.definitions.dmn import dmn_files
from ieum.definitions.forms import load_form
from ieum.definitions.model import (
    ContentSource,
    FacilityProfile,
    FormDef,
    ProcessDef,
    Registry,
    UnitFunction,
)
from ieum.definitions.parts import collect, is_part
from ieum.definitions.problems import DefinitionErrors, Problem, display_path, sorted_problems
from ieum.definitions.profiles import (
    RawProfile,
    base_problems,
    inheritances,
    lane_problems,
    read_profile,
    resolve_profile,
)
from ieum.definitions.report_kinds import report_kind_problems, report_kinds
from ieum.definitions.sources import plugin_sources, root_sources
from ieum.definitions.units import (
    MANIFEST,
    feed_settings_problems,
    load_unit,
    subject_registry_problems,
)


def load_registry(roots: Sequence[Path | str], *, plugins: bool = True) -> Registry:
    """Load and check the content of ``roots`` (in order), then of installed plug-ins.

    Raises :class:`DefinitionErrors` listing every problem when anything is wrong.
    """
    registry, problems = check_content(roots, plugins=plugins)
    if registry is None:
        raise DefinitionErrors(problems)
    return registry


def check_content(roots: Sequence[Path | str], *, plugins: bool = True,
                  ) -> tuple[Registry | None, list[Problem]]:
    """Load and check content; the registry is ``None`` when there are problems.

    Every problem is collected: a broken file is reported once, and what refers to it is
    not reported again as referring to something missing.
    """
    if isinstance(roots, str | Path):
        roots = [roots]
    sources, problems = root_sources(roots)
    if plugins:
        found, plugin_problems = plugin_sources()
        sources += found
        problems += plugin_problems
    # overlays (packages of the content studio) last: they replace what came before
    sources = [s for s in sources if not s.overlay] + [s for s in sources if s.overlay]
    forms, form_paths = _load_forms(sources, problems)
    form_filenames = {f"{form_id}.json": form_id for form_id in form_paths}
    bpmn_files = [(path, source.plugin) for path, source in _overlaid_processes(
                  _files(sources, "workflows/bpmn", "*.bpmn", recursive=True))]
    warnings: list[Problem] = []
    processes, process_ids, process_problems = load_processes(
        bpmn_files, form_filenames, warnings, dmn_files=dmn_files(sources))
    problems += process_problems
    units, unit_paths = _load_units(sources, form_paths, process_ids, problems)
    problems += subject_registry_problems(units, forms)
    problems += feed_settings_problems(units, forms)
    problems += report_kind_problems(
        units, forms, {*form_paths, *unit_paths} - {*forms, *units})
    profiles = _load_profiles(sources, units, unit_paths, processes, problems)
    if problems:
        return None, sorted_problems(problems)
    registry = Registry(
        forms=MappingProxyType(forms),
        processes=MappingProxyType(processes),
        unit_functions=MappingProxyType(units),
        profiles=MappingProxyType(profiles),
        sources=tuple(sources),
        report_kinds=report_kinds(units),
        warnings=tuple(sorted_problems(warnings)),
    )
    return registry, []


def _load_forms(sources: Sequence[ContentSource], problems: list[Problem],
                ) -> tuple[dict[str, FormDef], dict[str, Path]]:
    """The valid forms, and the file of every form id (valid or not).

    Forms may sit in sub-folders of ``forms/`` (``forms/<unit>/<id>.json``); the id
    is the file name either way and must be unique. A file whose name, or a folder on the way
    to it, starts with ``_`` is a shared part that forms name with ``$ref``, not a form.
    """
    forms: dict[str, FormDef] = {}
    paths: dict[str, Path] = {}
    form_files: list[tuple[Path, ContentSource]] = []
    part_files: list[Path] = []
    for path, source in _files(sources, "forms", "*.json", recursive=True):
        if is_part(path, source.root / "forms"):
            part_files.append(path)
        else:
            form_files.append((path, source))
    form_files = _overlaid(form_files, lambda path: path.stem)
    documents, part_problems = collect([path for path, _source in form_files], part_files)
    problems += part_problems
    for path, source in form_files:
        if _duplicate(paths, path.stem, path, "", "form id", problems):
            continue
        form, found = load_form(path, source.plugin, documents)
        problems += found
        if form is not None:
            forms[form.id] = form
    return forms, paths


def _load_units(sources: Sequence[ContentSource], form_ids: Container[str],
                process_ids: Container[str], problems: list[Problem],
                ) -> tuple[dict[str, UnitFunction], dict[str, Path]]:
    """The valid unit functions, and the manifest of every unit id (valid or not)."""
    units: dict[str, UnitFunction] = {}
    paths: dict[str, Path] = {}
    manifests = _overlaid(_unit_manifests(sources, problems), lambda path: path.parent.name)
    for path, source in manifests:
        if _duplicate(paths, path.parent.name, path, "/id", "unit function id", problems):
            continue
        unit, found = load_unit(path, source.plugin, form_ids, process_ids)
        problems += found
        if unit is not None:
            units[unit.id] = unit
    return units, paths


def _load_profiles(sources: Sequence[ContentSource], units: Mapping[str, UnitFunction],
                   unit_ids: Collection[str], processes: Mapping[str, ProcessDef],
                   problems: list[Problem]) -> dict[str, FacilityProfile]:
    """The facility profiles; abstract ones (bases for ``extends:``) are checked but left
    out: they are not facility types."""
    raw_profiles: list[RawProfile] = []
    paths: dict[str, Path] = {}
    profile_files = [(path, source) for path, source
                     in _files(sources, "facility_profiles", "*.y*ml")
                     if path.suffix in (".yaml", ".yml")]
    for path, source in _overlaid(profile_files, lambda path: path.stem):
        if _duplicate(paths, path.stem, path, "/code", "profile code", problems):
            continue
        raw, found = read_profile(path, source.plugin)
        problems += found
        if raw is not None:
            raw_profiles.append(raw)
    inherited, found = inheritances(raw_profiles, paths)
    problems += found
    profiles: dict[str, FacilityProfile] = {}
    for raw in raw_profiles:
        if raw.abstract:  # a base only: checked on its own, never a facility type
            problems += base_problems(raw, units, unit_ids)
            continue
        if inherited.get(raw.code) is None:
            continue  # its base is unknown, broken or in a cycle: reported
        profile, found = resolve_profile(raw, units, unit_ids, inherited[raw.code])
        problems += found
        if profile is not None:
            problems += lane_problems(profile, units, processes)
            profiles[profile.code] = profile
    return profiles


def _files(sources: Sequence[ContentSource], folder: str, pattern: str, *,
           recursive: bool = False) -> list[tuple[Path, ContentSource]]:
    """The files matching ``pattern`` in ``folder`` of each source (with ``recursive``, in its
    sub-folders too), sorted by file name (so an id keeps its place whichever sub-folder holds
    it), then by path; hidden files and folders are left out."""
    found = []
    for source in sources:
        directory = source.root / folder
        if not directory.is_dir():
            continue
        paths = directory.rglob(pattern) if recursive else directory.glob(pattern)
        found += [(path, source) for path in sorted(
                      paths, key=lambda p: (p.name, p.relative_to(directory).parts))
                  if path.is_file() and not any(
                      part.startswith(".") for part in path.relative_to(directory).parts)]
    return found


def _unit_manifests(sources: Sequence[ContentSource],
                    problems: list[Problem]) -> list[tuple[Path, ContentSource]]:
    found = []
    for source in sources:
        directory = source.root / "unit_functions"
        if not directory.is_dir():
            continue
        with os.scandir(directory) as entries:
            folders = sorted(entry.name for entry in entries
                             if entry.is_dir() and not entry.name.startswith((".", "_")))
        for name in folders:
            folder = directory / name
            manifest = folder / MANIFEST
            if manifest.is_file():
                found.append((manifest, source))
            else:
                problems.append(Problem(folder, "", f"unit function folder without {MANIFEST}"))
    return found


def _overlaid(files: list[tuple[Path, ContentSource]], key: Callable[[Path], str],
              ) -> list[tuple[Path, ContentSource]]:
    """``files`` less those an overlay replaces: when an overlay source has a file of a key,
    only the last such file is kept of that key (the others, of any source, are dropped)."""
    last_overlay: dict[str, Path] = {}
    for path, source in files:
        if source.overlay:
            last_overlay[key(path)] = path
    return [(path, source) for path, source in files
            if key(path) not in last_overlay or last_overlay[key(path)] == path]


def _overlaid_processes(files: list[tuple[Path, ContentSource]],
                        ) -> list[tuple[Path, ContentSource]]:
    """BPMN files less those an overlay replaces: a file defining a process id that a later
    overlay's file defines too is dropped (a file's ids are read without SpiffWorkflow)."""
    if not any(source.overlay for _path, source in files):
        return files
    ids = [process_ids(path) for path, _source in files]
    return [(path, source) for index, (path, source) in enumerate(files)
            if not any(ids[index] & ids[later] for later in range(index + 1, len(files))
                       if files[later][1].overlay)]


def _duplicate(seen: dict[str, Path], key: str, path: Path, where: str, what: str,
               problems: list[Problem]) -> bool:
    """Record ``key`` as defined by ``path``; report and return True if it already was."""
    first = seen.get(key)
    if first is None:
        seen[key] = path
        return False
    problems.append(Problem(path, where, f"duplicate {what} {key!r}: also defined in "
                            f"{display_path(first)}"))
    return True
