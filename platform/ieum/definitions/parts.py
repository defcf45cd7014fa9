"""Shared parts of forms: JSON Schema ``$ref`` resolved and inlined when a form is loaded.

A form may take any part of its schema from another document with ``$ref``: a shared part
(a JSON file under ``forms/`` whose name, or a folder on the way to it, starts with ``_``,
such as ``forms/_parts/accounts.json``), another form, or its own ``$defs``. A reference is
resolved relative to the file that holds it (``"_parts/accounts.json#/$defs/expense_account"``)
or by a part's ``$id`` (how a plug-in's form names a part of another content root).

References are resolved with the ``referencing`` library (the one ``jsonschema`` uses) and
then *inlined*: the loaded :class:`~ieum.definitions.model.FormDef` holds a self-contained
schema in which every ``$ref`` is replaced by what it names, so the screens, validation, Excel,
the browser and the API read ``schema["properties"]`` exactly as for a form written out in
full. Two rules keep inlining equal in meaning to the reference:

- beside a ``$ref`` only annotations may stand (``title``, ``description``, ...); they
  override the part's own, which is what a reader expects of "this list, titled so";
- in a ``oneOf``/``anyOf`` of choices, a ``$ref`` to a list of choices (a schema that is just
  a ``oneOf`` of ``{"const", "title"}``) contributes its choices, so that one list can be
  joined from parts (세입 and 세출 예산과목). The values must stay distinct.

A recursive reference cannot be inlined and is a problem, like a reference to nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlparse

from referencing import Registry
from referencing.exceptions import NoSuchAnchor, NoSuchResource, PointerToNowhere, Unresolvable
from referencing.jsonschema import DRAFT202012

from ieum.definitions.files import read_json
from ieum.definitions.metaschemas import JSON_SCHEMA_PROBLEM, json_schema_validator, schema_problems
from ieum.definitions.problems import Problem, display_path, pointer

PART_PREFIX = "_"
#: Keywords that may stand beside a ``$ref``: annotations, which do not change what is valid.
ANNOTATIONS = frozenset({"title", "description", "$comment", "default", "examples", "readOnly",
                         "writeOnly", "deprecated"})
#: Keys whose values are data, never searched for references.
_DATA_KEYS = frozenset({"const", "enum", "default", "examples"})
#: Keys whose values map names to schemas or values: a key "$ref" in them is a name.
_NAME_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions",
                        "dependentSchemas", "x-ui", "x-computed", "x-visible", "x-sensitive",
                        "x-constants"})
#: Keywords of a whole document, dropped when a document (or its root) is inlined.
_DOCUMENT_KEYS = ("$id", "$schema", "$defs", "definitions", "$anchor", "$dynamicAnchor",
                  "$vocabulary")
_CHOICE_LIST_KEYS = frozenset({"type", "title", "description", "$comment"})
_CHOICE_ANNOTATIONS = frozenset({"title", "description", "$comment"})
PART_KEYS = ("$schema", "$id", "$defs", "title", "description", "$comment")
_MAX_DEPTH = 64


def is_part(path: Path, folder: Path) -> bool:
    """Whether ``path`` (under ``folder``, a ``forms/`` folder) is a shared part, not a form."""
    return any(part.startswith(PART_PREFIX) for part in path.relative_to(folder).parts)


def file_uri(path: Path) -> str:
    return path.resolve().as_uri()


def _uri_path(uri: str) -> str:
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return display_path(unquote(parsed.path))
    return uri


@dataclass
class Documents:
    """Every JSON document under the ``forms/`` folders: what ``$ref`` can reach."""

    registry: Registry = field(default_factory=Registry)
    data: dict[Path, Any] = field(default_factory=dict)
    #: URIs of documents that cannot be read or have problems (reported on their own).
    broken: set[str] = field(default_factory=set)
    paths: dict[str, Path] = field(default_factory=dict)

    def add(self, path: Path, data: Any) -> None:
        """Make ``data`` (read from ``path``) reachable by its file URI and its ``$id``."""
        self.data[path] = data
        uri = file_uri(path)
        self.paths[uri] = path
        resource = DRAFT202012.create_resource(data)  # every form is 2020-12, whatever it says
        self.registry = self.registry.with_resource(uri, resource)
        identifier = data.get("$id") if isinstance(data, dict) else None
        if isinstance(identifier, str) and urlparse(identifier).scheme:
            base = urldefrag(identifier)[0]
            self.paths.setdefault(base, path)
            self.registry = self.registry.with_resource(base, resource)

    def mark_broken(self, path: Path) -> None:
        self.broken.add(file_uri(path))
        data = self.data.get(path)
        identifier = data.get("$id") if isinstance(data, dict) else None
        if isinstance(identifier, str):
            self.broken.add(urldefrag(identifier)[0])


def collect(forms: Sequence[Path], parts: Sequence[Path]) -> tuple[Documents, list[Problem]]:
    """Read the forms and the shared parts, and check the parts.

    A form that cannot be read is reported when it is loaded; a part is checked here: it
    must be a JSON object of ``$defs`` (with ``$id``, ``$schema``, ``title``,
    ``description``, ``$comment``), a valid JSON Schema, and its own references must resolve.
    """
    documents = Documents()
    problems: list[Problem] = []
    ids: dict[str, Path] = {}
    for path in [*forms, *parts]:
        data, read_problems = read_json(path)
        if read_problems:
            documents.broken.add(file_uri(path))
            if path in parts:
                problems += read_problems
            continue
        identifier = data.get("$id") if isinstance(data, dict) else None
        if isinstance(identifier, str) and urlparse(identifier).scheme:
            first = ids.setdefault(urldefrag(identifier)[0], path)
            if first != path:
                problems.append(Problem(path, "/$id", f"duplicate $id {identifier!r}: also "
                                        f"used by {display_path(first)}"))
                documents.broken.add(file_uri(path))
                continue
        documents.add(path, data)
    for path in parts:
        if path not in documents.data:
            continue
        found = part_problems(documents.data[path], path)
        if not found:
            _inlined, found = inline_refs(documents.data[path], path, documents)
        if found:
            problems += found
            documents.mark_broken(path)
    return documents, problems


def part_problems(data: Any, path: Path) -> list[Problem]:
    """A shared part's own problems: its shape, and whether it is a valid JSON Schema."""
    if not isinstance(data, dict):
        return [Problem(path, "", "a shared part must be a JSON object holding $defs")]
    problems = [Problem(path, pointer(key), f"a shared part holds only {', '.join(PART_KEYS)}; "
                        f"{key!r} belongs in a form (a file whose path has no '_' folder or "
                        "name)") for key in data if key not in PART_KEYS]
    if not isinstance(data.get("$defs"), dict) or not data["$defs"]:
        problems.append(Problem(path, "", "a shared part must define its parts under $defs"))
    if problems:
        return problems
    return schema_problems(json_schema_validator(), data, path, what=JSON_SCHEMA_PROBLEM)


class _Failed(Exception):
    """A reference could not be inlined; ``recursive`` when it refers back to itself."""

    def __init__(self, recursive: str | None = None) -> None:
        super().__init__(recursive)
        self.recursive = recursive


@dataclass
class _Inliner:
    path: Path
    documents: Documents
    problems: list[Problem] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    silent: bool = False

    def node(self, node: Any, resolver: Any, base: str, where: tuple[str | int, ...],
             active: tuple[str, ...], *, own: bool, names: bool = False) -> Any:
        if isinstance(node, list):
            return [self.node(item, resolver, base, (*where, index), active, own=own)
                    for index, item in enumerate(node)]
        if not isinstance(node, dict):
            return node
        if not names and isinstance(node.get("$ref"), str):
            return self.ref(node, resolver, base, where, active, own=own)
        result: dict[str, Any] = {}
        for key, value in node.items():
            if names:
                result[key] = self.node(value, resolver, base, (*where, key), active, own=own)
            elif key in _DATA_KEYS:
                result[key] = value
            elif key in ("oneOf", "anyOf") and isinstance(value, list):
                result[key] = self.choices(node, key, value, resolver, base, where, active,
                                           own=own)
            else:
                result[key] = self.node(value, resolver, base, (*where, key), active, own=own,
                                        names=key in _NAME_MAPS)
        return result

    def ref(self, node: dict[str, Any], resolver: Any, base: str,
            where: tuple[str | int, ...], active: tuple[str, ...], *, own: bool) -> Any:
        try:
            return self._ref(node, resolver, base, where, active, own=own)
        except _Failed as failure:
            if not own:
                raise
            ref = node["$ref"]
            if failure.recursive is not None:
                return self.fail(own, pointer(*where, "$ref"), f"$ref {ref!r} is recursive "
                                 f"(through {failure.recursive!r}): a recursive schema cannot "
                                 "be inlined; write the nesting out to a fixed depth")
            self.silent = True  # the document it reaches reports its own problems
            return None

    def _ref(self, node: dict[str, Any], resolver: Any, base: str,
             where: tuple[str | int, ...], active: tuple[str, ...], *, own: bool) -> Any:
        ref = node["$ref"]
        at = pointer(*where, "$ref")
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        others = [key for key in siblings if key not in ANNOTATIONS]
        if others:
            return self.fail(own, at, f"$ref {ref!r} stands beside {', '.join(others)}: ieum "
                             "inlines references, so only annotations "
                             f"({', '.join(sorted(ANNOTATIONS))}) may stand beside a $ref; "
                             "put the rest in the shared part, or use allOf")
        target = _join(base, ref)
        if target in active or len(active) >= _MAX_DEPTH:
            raise _Failed(recursive=ref)
        document = urldefrag(target)[0]
        if document in self.documents.broken:
            raise _Failed  # that document reports its own problems
        try:
            resolved = resolver.lookup(ref)
        except PointerToNowhere:
            fragment = urldefrag(target)[1]
            return self.fail(own, at, f"$ref {ref!r}: {_uri_path(document)} has nothing at "
                             f"{unquote(fragment)}")
        except NoSuchAnchor:
            return self.fail(own, at, f"$ref {ref!r}: {_uri_path(document)} has no anchor "
                             f"{urldefrag(target)[1]!r}")
        except (NoSuchResource, Unresolvable):
            return self.fail(own, at, f"$ref {ref!r}: no form or shared part "
                             f"{_uri_path(document)} (a $ref names a file under forms/ "
                             "relative to this one, or a part's $id)")
        self.used.add(document)
        contents = self.node(resolved.contents, resolved.resolver, document, where,
                             (*active, target), own=False)
        if isinstance(contents, dict):
            contents = {key: value for key, value in contents.items()
                        if key not in _DOCUMENT_KEYS}
            return {**contents, **siblings}
        if siblings:
            return self.fail(own, at, f"$ref {ref!r} names a {type(contents).__name__}, not a "
                             "schema, so nothing may stand beside it")
        return contents

    def choices(self, parent: dict[str, Any], key: str, branches: list[Any], resolver: Any,
                base: str, where: tuple[str | int, ...], active: tuple[str, ...], *,
                own: bool) -> list[Any]:
        """The branches of ``oneOf``/``anyOf``; a referenced list of choices is spliced in."""
        result: list[Any] = []
        joined = False
        for index, branch in enumerate(branches):
            inlined = self.node(branch, resolver, base, (*where, key, index), active, own=own)
            spliced = (_choice_list(inlined, key, parent.get("type"))
                       if isinstance(branch, dict) and "$ref" in branch else None)
            if spliced is None:
                result.append(inlined)
            else:
                result += spliced
                joined = True
        if joined:
            seen: set[str] = set()
            repeated = []
            for branch in result:
                if isinstance(branch, dict) and "const" in branch:
                    value = json.dumps(branch["const"], sort_keys=True)
                    if value in seen:
                        repeated.append(repr(branch["const"]))
                    seen.add(value)
            if repeated:
                self.fail(own, pointer(*where, key), "the choice lists joined here by $ref "
                          f"repeat {', '.join(repeated)}; each value may be offered once")
        return result

    def fail(self, own: bool, at: str, message: str) -> Any:
        if not own:
            raise _Failed
        self.problems.append(Problem(self.path, at, message))
        return None


def _join(base: str, ref: str) -> str:
    """``ref`` made absolute against the document ``base`` (also for ``urn:`` bases)."""
    if ref.startswith("#"):
        return urldefrag(base)[0] + ref
    return urljoin(base, ref)


def _choice_list(schema: Any, key: str, parent_type: Any) -> list[Any] | None:
    """The choices of ``schema`` if it is just a list of choices (``{key: [{"const", ...}]}``,
    perhaps with a ``type`` equal to the parent's and annotations), else ``None``."""
    if not isinstance(schema, dict) or not isinstance(schema.get(key), list):
        return None
    if any(name != key and name not in _CHOICE_LIST_KEYS for name in schema):
        return None
    if "type" in schema and schema["type"] != parent_type:
        return None
    branches = schema[key]
    if not branches or not all(
            isinstance(branch, dict) and "const" in branch
            and all(name == "const" or name in _CHOICE_ANNOTATIONS or name.startswith("x-")
                    for name in branch)
            for branch in branches):
        return None
    return branches


def inline_refs(data: Any, path: Path, documents: Documents | None = None,
                ) -> tuple[Any, list[Problem]]:
    """``data`` (read from ``path``) with every ``$ref`` inlined, and the problems found.

    A reference into a document that has problems of its own fails without a problem of its
    own (that document reports them); then ``None`` is returned with no problems.
    """
    result, problems, _used = inline_document(data, path, documents)
    return result, problems


def inline_document(data: Any, path: Path, documents: Documents | None = None,
                    ) -> tuple[Any, list[Problem], tuple[Path, ...]]:
    """Like :func:`inline_refs`, and the other documents (files) the references read."""
    if not _has_ref(data):
        return data, [], ()
    if documents is None:
        documents = Documents()
    uri = file_uri(path)
    registry = documents.registry
    if uri not in documents.paths:
        registry = registry.with_resource(uri, DRAFT202012.create_resource(data))
    inliner = _Inliner(path, documents)
    result = inliner.node(data, registry.resolver(base_uri=uri), uri, (), (), own=True)
    if inliner.problems or inliner.silent:
        return None, inliner.problems, ()
    used = tuple(documents.paths[document] for document in sorted(inliner.used)
                 if document != uri and document in documents.paths)
    return result, [], tuple(dict.fromkeys(used))


def _has_ref(data: Any) -> bool:
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "$ref" in node:
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def part_files(paths: Iterable[Path], folder: Path) -> tuple[list[Path], list[Path]]:
    """``paths`` (JSON files under ``folder``) split into forms and shared parts."""
    forms, parts = [], []
    for path in paths:
        (parts if is_part(path, folder) else forms).append(path)
    return forms, parts
