"""Problems found in content: which file, where in it (a JSON pointer), and what is wrong."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import total_ordering
from pathlib import Path


def display_path(path: Path | str) -> str:
    """``path`` relative to the current directory when it lies under it, else absolute."""
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    try:
        if os.path.commonpath([absolute, cwd]) == cwd:
            return os.path.relpath(absolute, cwd)
    except ValueError:  # different drives on Windows
        pass
    return absolute


def pointer(*parts: str | int) -> str:
    """An RFC 6901 JSON pointer made of ``parts`` (``pointer("menu", 0) == "/menu/0"``)."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _pointer_key(value: str) -> tuple[tuple[int, int | str], ...]:
    # Numeric segments sort as numbers, so /menu/2 comes before /menu/10.
    segments = value.split("/")[1:] if value else []
    return tuple((0, int(s)) if s.isdigit() else (1, s) for s in segments)


@total_ordering
@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, printed as ``path:pointer: message``.

    ``path`` is the file the problem is in (a :class:`~pathlib.Path` is converted with
    :func:`display_path`; a plain string, such as ``<plug-in x>``, is kept as given).
    ``pointer`` is an RFC 6901 pointer into the file, or for BPMN the element path
    ``/<process id>/<element id>``; it is empty when the problem concerns the whole file.
    """

    path: str
    pointer: str
    message: str

    def __post_init__(self) -> None:
        if isinstance(self.path, os.PathLike):
            object.__setattr__(self, "path", display_path(self.path))

    def __str__(self) -> str:
        return f"{self.path}:{self.pointer}: {self.message}"

    def sort_key(self) -> tuple[str, tuple[tuple[int, int | str], ...], str]:
        return (self.path, _pointer_key(self.pointer), self.message)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Problem):
            return NotImplemented
        return self.sort_key() < other.sort_key()


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    """The distinct problems in a stable order (file, then position in the file)."""
    return sorted(set(problems))


class DefinitionErrors(Exception):
    """The content has problems; ``problems`` lists all of them, ``str()`` one per line."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = sorted_problems(problems)
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)
