"""Reading JSON and YAML content files strictly: duplicate keys and bad syntax are problems."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from ieum.definitions.problems import Problem, pointer

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"


class UniqueKeyLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """``yaml.safe_load``'s loader, refusing a mapping that repeats a key."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        own_keys = [key_node for key_node, _value in node.value if key_node.tag != _MERGE_TAG]
        merges = len(own_keys) != len(node.value)
        if not merges:  # fast path: no duplicates when every key made an entry
            mapping = super().construct_mapping(node, deep=deep)
            if len(mapping) == len(own_keys):
                return mapping
        seen: set[Any] = set()
        for key_node in own_keys:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # unhashable key: the base constructor reports it
                continue
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    f"found duplicate key {key!r}", key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)


def _read_text(path: Path) -> tuple[str | None, list[Problem]]:
    try:
        return path.read_bytes().decode("utf-8-sig"), []
    except OSError as error:
        return None, [Problem(path, "", f"cannot read the file: {error.strerror or error}")]
    except UnicodeDecodeError as error:
        return None, [Problem(path, "", f"the file is not UTF-8 text (byte {error.start})")]


def read_yaml(path: Path) -> tuple[Any, list[Problem]]:
    """The YAML document in ``path``, or ``None`` and the problems that prevented reading it."""
    text, problems = _read_text(path)
    if text is None:
        return None, problems
    try:
        data = yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = error.problem or error.context or "syntax error"
        return None, [Problem(path, "", f"invalid YAML{where}: {what}")]
    except yaml.YAMLError as error:
        return None, [Problem(path, "", f"invalid YAML: {error}")]
    if data is None:
        return None, [Problem(path, "", "the file is empty; expected a mapping")]
    return data, []


def read_json(path: Path) -> tuple[Any, list[Problem]]:
    """The JSON document in ``path``, or ``None`` and the problems that prevented reading it."""
    text, problems = _read_text(path)
    if text is None:
        return None, problems
    duplicates: list[tuple[dict[str, Any], str]] = []

    def unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                duplicates.append((result, key))
            result[key] = value
        return result

    try:
        data = json.loads(text, object_pairs_hook=unique_object)
    except json.JSONDecodeError as error:
        message = f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        return None, [Problem(path, "", message)]
    except RecursionError:
        return None, [Problem(path, "", "invalid JSON: nested too deeply")]
    if duplicates:
        where = _object_pointers(data)
        return None, [
            Problem(path, where.get(id(obj), "") + pointer(key), f"duplicate key {key!r}")
            for obj, key in duplicates
        ]
    return data, []


def _object_pointers(data: Any) -> dict[int, str]:
    """Map ``id()`` of every object in ``data`` to its JSON pointer."""
    found: dict[int, str] = {}
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            found[id(node)] = where
            stack.extend((value, where + pointer(key)) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((value, where + pointer(index)) for index, value in enumerate(node))
    return found
