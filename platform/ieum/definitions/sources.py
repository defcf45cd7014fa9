"""Where content comes from: content roots given by the caller and installed plug-ins."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

from ieum.config import REPOSITORY_ROOT
from ieum.definitions.model import ContentSource
from ieum.definitions.problems import Problem

PLUGIN_GROUP = "ieum.content"
CONTENT_FOLDERS = ("forms", "workflows/bpmn", "workflows/dmn", "unit_functions",
                   "facility_profiles")
#: The file that makes a content root an overlay (``ContentSource.overlay``): the content
#: studio writes it into every package it publishes.
OVERLAY_MARKER = "ieum-studio.json"


def is_overlay(root: Path) -> bool:
    return (Path(root) / OVERLAY_MARKER).is_file()


def default_content_root() -> Path:
    """``$IEUM_CONTENT_ROOT``, else the repository holding ``platform/ieum`` if it has
    ``unit_functions/``, else the current directory."""
    configured = os.environ.get("IEUM_CONTENT_ROOT")
    if configured:
        return Path(configured)
    if (REPOSITORY_ROOT / "unit_functions").is_dir():
        return REPOSITORY_ROOT
    return Path.cwd()


def package_roots(folder: Path | str | None) -> list[Path]:
    """The content roots in ``folder`` (the content studio's published packages): its
    sub-folders holding a content folder, by name; none when ``folder`` does not exist."""
    if folder is None:
        return []
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return [path for path in sorted(folder.iterdir(), key=lambda p: p.name)
            if path.is_dir() and not path.name.startswith((".", "_"))
            and any((path / name).is_dir() for name in CONTENT_FOLDERS)]


def root_sources(roots: Iterable[Path | str]) -> tuple[list[ContentSource], list[Problem]]:
    """The given roots as sources (a root given twice is used once) and their problems."""
    sources: list[ContentSource] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for root in roots:
        path = Path(root)
        key = os.path.realpath(path)
        if key in seen:
            continue
        seen.add(key)
        problem = _root_problem(path)
        if problem:
            problems.append(Problem(path, "", problem))
        else:
            sources.append(ContentSource(path, overlay=is_overlay(path)))
    return sources, problems


def plugin_sources() -> tuple[list[ContentSource], list[Problem]]:
    """The content roots of installed plug-ins (entry-point group ``ieum.content``).

    An entry point loads a path (``str`` or ``Path``) or a callable without arguments that
    returns a path or a list of paths. Plug-ins come in a stable order: by entry-point name.
    """
    sources: list[ContentSource] = []
    problems: list[Problem] = []
    found = sorted(entry_points(group=PLUGIN_GROUP), key=lambda ep: (ep.name, ep.value))
    names: set[str] = set()
    for entry_point in found:
        label = f"<plug-in {entry_point.name}>"
        if entry_point.name in names:
            problems.append(Problem(label, "", f"two installed plug-ins are named "
                                    f"{entry_point.name!r} (entry point {entry_point.value!r})"))
            continue
        names.add(entry_point.name)
        roots, problem = _plugin_roots(entry_point)
        if problem:
            problems.append(Problem(label, "", problem))
            continue
        distribution = entry_point.dist.name if entry_point.dist else None
        for root in roots:
            problem = _root_problem(root)
            if problem:
                problems.append(Problem(label, "", f"{problem}: {root}"))
            else:
                sources.append(ContentSource(root, entry_point.name, distribution,
                                             overlay=is_overlay(root)))
    return sources, problems


def _plugin_roots(entry_point: EntryPoint) -> tuple[list[Path], str | None]:
    try:
        target = entry_point.load()
        if callable(target) and not isinstance(target, str | os.PathLike):
            target = target()
    except Exception as error:  # a broken plug-in is reported, never fatal
        return [], f"entry point {entry_point.value!r} failed: {type(error).__name__}: {error}"
    if isinstance(target, str | os.PathLike):
        return [Path(target)], None
    if isinstance(target, Sequence) and all(isinstance(t, str | os.PathLike) for t in target):
        return [Path(t) for t in target], None
    return [], (f"entry point {entry_point.value!r} gave {type(target).__name__}; "
                "expected a path or a list of paths")


def _root_problem(root: Path) -> str | None:
    if not root.exists():
        return "content root not found (no such directory)"
    if not root.is_dir():
        return "content root is not a directory"
    if not any((root / folder).is_dir() for folder in CONTENT_FOLDERS):
        folders = ", ".join(f"{folder}/" for folder in CONTENT_FOLDERS)
        return f"not a content root: it has none of {folders}"
    return None
