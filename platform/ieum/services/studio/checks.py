"""The studio's checks: the same as ``ieum check``, on drafts overlaid on the live content.

The drafts are written into a scratch content root (an overlay: it holds
``ieum-studio.json``) which is loaded after the live content's roots, so each draft replaces
the definition of the same key; the loader's problems are then mapped back to the draft and
the element they concern. The builder of the document's kind (``ieum.studio.<kind>``), when
installed, adds its own checks.
"""

from __future__ import annotations

import importlib
import json
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from ieum.definitions import Registry, check_content
from ieum.definitions.problems import Problem, display_path
from ieum.definitions.sources import OVERLAY_MARKER
from ieum.studio.problems import StudioProblem

#: The module of ``ieum.studio`` holding each kind's builder (its ``check(body, registry)``).
BUILDER_MODULES = {"form": "forms", "process": "processes", "unit": "units",
                   "profile": "profiles"}
KIND_TITLES = {"form": "양식", "process": "프로세스", "unit": "단위기능", "profile": "프로필"}

DocumentKey = tuple[str, str]


# --- where a document lives in a content root ---------------------------------------------

def relative_path(registry: Registry | None, kind: str, key: str) -> Path:
    """The file of ``kind``/``key`` in a content root: where the live content has it (a
    form in a sub-folder keeps it), else the plain place of its kind."""
    live = live_path(registry, kind, key) if registry is not None else None
    if live is not None:
        for source in registry.sources:
            try:
                return live.resolve().relative_to(source.root.resolve())
            except ValueError:
                continue
    return {"form": Path("forms") / f"{key}.json",
            "process": Path("workflows/bpmn") / f"{key}.bpmn",
            "unit": Path("unit_functions") / key / "unit.yaml",
            "profile": Path("facility_profiles") / f"{key}.yaml"}[kind]


def live_path(registry: Registry, kind: str, key: str) -> Path | None:
    """The file the live content reads ``kind``/``key`` from, or None."""
    if kind == "form":
        found = registry.forms.get(key)
    elif kind == "process":
        found = registry.processes.get(key)
    elif kind == "unit":
        found = registry.unit_functions.get(key)
    else:
        found = registry.profiles.get(key)
        if found is None:  # an abstract base profile is no facility type: look for its file
            for source in reversed(registry.sources):
                for suffix in (".yaml", ".yml"):
                    path = source.root / "facility_profiles" / f"{key}{suffix}"
                    if path.is_file():
                        return path
            return None
    return found.path if found is not None else None


def live_body(registry: Registry, kind: str, key: str) -> Any | None:
    """The live (shipped or published) definition as the studio edits it, or None."""
    path = live_path(registry, kind, key)
    if path is None or not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    if kind == "form":
        return json.loads(text)
    if kind == "process":
        return text
    return yaml.safe_load(text)


def document_text(kind: str, body: Any) -> str:
    """A body as the file holds it: JSON (forms), BPMN XML (processes), YAML (the others)."""
    if kind == "form":
        return json.dumps(body, ensure_ascii=False, indent=2) + "\n"
    if kind == "process":
        return body
    return yaml.safe_dump(body, allow_unicode=True, sort_keys=False)


def portable_form(registry: Registry | None, body: Any) -> Any:
    """A form whose ``$ref``s to shared parts by a relative file name are rewritten to the
    part's ``$id`` (which resolves from any content root); the inlined form is the same."""
    if registry is None:
        return body
    folders = [source.root / "forms" for source in registry.sources]

    def part_id(reference: str) -> str | None:
        name, _, fragment = reference.partition("#")
        if not name or ":" in name or name.startswith("/"):
            return None
        for folder in folders:
            path = folder / name
            if path.is_file():
                try:
                    found = json.loads(path.read_text(encoding="utf-8")).get("$id")
                except (OSError, ValueError, AttributeError):
                    return None
                return f"{found}#{fragment}" if found and fragment else found
        return None

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            copy = {key: walk(item) for key, item in value.items()}
            reference = value.get("$ref")
            if isinstance(reference, str) and (replaced := part_id(reference)):
                copy["$ref"] = replaced
            return copy
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return walk(body)


def write_documents(root: Path, registry: Registry | None,
                    documents: Mapping[DocumentKey, Any]) -> dict[Path, DocumentKey]:
    """Write ``documents`` into the content root ``root``; the file of each document."""
    written: dict[Path, DocumentKey] = {}
    for (kind, key), body in documents.items():
        path = root / relative_path(registry, kind, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "form":
            body = portable_form(registry, body)
        path.write_text(document_text(kind, body), encoding="utf-8")
        written[path] = (kind, key)
    return written


# --- checking --------------------------------------------------------------------------------

def check_documents(registry: Registry, documents: Mapping[DocumentKey, Any],
                    ) -> dict[DocumentKey, list[StudioProblem]]:
    """The problems of each of ``documents`` (drafts), checked together over the live
    content: the builder's checks of its kind, then those of ``ieum check``. A problem the
    loader finds in another file (say a profile naming a draft unit's missing role) is given
    to every document checked, without a pointer, naming the file."""
    drafted = {"forms": [f"{key}.json" for kind, key in documents if kind == "form"]}
    result: dict[DocumentKey, list[StudioProblem]] = {
        document: builder_problems(registry, *document, body, drafted)
        for document, body in documents.items()}
    for document, problems in content_problems(registry, documents).items():
        result.setdefault(document, []).extend(problems)
    return {document: _distinct(problems) for document, problems in result.items()}


def builder_problems(registry: Registry, kind: str, key: str, body: Any,
                     drafted: Mapping[str, list[str]] | None = None) -> list[StudioProblem]:
    """The checks of the builder of ``kind`` (``ieum.studio.<module>.check``) when present;
    a process's check also knows the form files ``drafted`` beside it."""
    try:
        module = importlib.import_module(f"ieum.studio.{BUILDER_MODULES[kind]}")
    except ModuleNotFoundError as missing:
        if missing.name and missing.name.startswith("ieum.studio"):
            return []
        raise
    check = getattr(module, "check", None)
    if check is None:
        return []
    try:
        if kind == "process":
            found = check(body, registry, draft_forms=(drafted or {}).get("forms", []))
        else:
            found = check(body, registry)
    except Exception as error:  # noqa: BLE001 - a builder's bug must not lose the draft
        return [StudioProblem("", f"{KIND_TITLES[kind]} 편집기의 검사가 실패했습니다: "
                                  f"{type(error).__name__}: {error}")]
    return [StudioProblem(str(p.pointer), str(p.message)) for p in found or ()]


def content_problems(registry: Registry, documents: Mapping[DocumentKey, Any],
                     ) -> dict[DocumentKey, list[StudioProblem]]:
    """``ieum check`` over the live content with ``documents`` overlaid."""
    result: dict[DocumentKey, list[StudioProblem]] = {document: [] for document in documents}
    roots = [source.root for source in registry.sources]
    with tempfile.TemporaryDirectory(prefix="ieum-studio-check-") as scratch:
        root = Path(scratch)
        (root / OVERLAY_MARKER).write_text('{"check": true}\n', encoding="utf-8")
        try:
            written = write_documents(root, registry, documents)
        except (TypeError, ValueError) as error:
            for problems in result.values():
                problems.append(StudioProblem("", f"파일로 쓸 수 없는 내용입니다: {error}"))
            return result
        _registry, problems = check_content([*roots, root], plugins=False)
        by_path = {display_path(path): document for path, document in written.items()}
        for problem in problems:
            document = by_path.get(problem.path)
            if document is not None:
                result[document].append(StudioProblem(
                    _pointer(document[0], problem.pointer), korean(problem.message)))
                continue
            where = _label(problem, root, written)
            for problems_of_one in result.values():
                problems_of_one.append(StudioProblem("", f"{where}: {korean(problem.message)}"))
    return result


#: The loader's most frequent problems in Korean (the English original follows, as
#: ``ieum check`` prints it, so nothing is lost).
_KOREAN = [(re.compile(pattern), korean) for pattern, korean in (
    (r"^form '(?P<a>[^']+)' not found", "양식 '{a}'을(를) 찾을 수 없습니다"),
    (r"^process '(?P<a>[^']+)' not found", "프로세스 '{a}'을(를) 찾을 수 없습니다"),
    (r"^unit function '(?P<a>[^']+)' not found", "단위기능 '{a}'을(를) 찾을 수 없습니다"),
    (r"^unknown role '(?P<a>[^']+)'", "프로필에 없는 역할 '{a}'입니다"),
    (r"^unknown base profile", "없는 기반 프로필입니다"),
    (r"^field '(?P<a>[^']+)' is not in form '(?P<b>[^']+)'",
     "양식 '{b}'에 필드 '{a}'이(가) 없습니다"),
    (r"^(?P<k>x-[a-z]+) names field '(?P<a>[^']+)', which is not in properties",
     "{k}이(가) 양식에 없는 필드 '{a}'을(를) 가리킵니다"),
    (r"'(?P<a>[^']+)' is a required property", "필수 항목 '{a}'이(가) 없습니다"),
    (r"^unknown keyword '(?P<a>[^']+)'", "쓸 수 없는 키워드 '{a}'입니다"),
    (r"unknown key", "허용되지 않는 키가 있습니다"),
    (r"is not allowed here", "여기에 쓸 수 없는 값입니다"),
    (r"is not of type '(?P<a>[^']+)'", "값의 형식이 맞지 않습니다('{a}'이어야 함)"),
    (r"is not one of", "허용된 값이 아닙니다"),
    (r"^duplicate (?P<a>[a-z ]+) '(?P<b>[^']+)'", "'{b}'이(가) 이미 다른 곳에 정의되어 있습니다"),
    (r"^invalid XML at line (?P<a>\d+)", "XML 문법 오류입니다({a}번째 줄)"),
    (r"^SpiffWorkflow cannot read", "BPMN을 읽을 수 없습니다"),
    (r"is not one of this unit's forms", "이 단위기능의 양식이 아닙니다"),
    (r"which is not a role of this profile", "레인 이름이 이 프로필의 역할이 아닙니다"),
)]


def korean(message: str) -> str:
    """A loader problem with a Korean lead when it is one the studio knows."""
    for pattern, text in _KOREAN:
        found = pattern.search(message)
        if found:
            return f"{text.format(**found.groupdict())} — {message}"
    return message


def _pointer(kind: str, where: str) -> str:
    """A loader pointer as the studio shows it: BPMN ``/<process>/<element>`` becomes the
    element id (the process id for the process itself); JSON pointers stay."""
    if kind == "process":
        parts = [part for part in where.split("/") if part]
        return parts[-1] if parts else ""
    return where


def _label(problem: Problem, scratch: Path, written: Mapping[Path, DocumentKey]) -> str:
    path = problem.path
    prefix = display_path(scratch)
    if path.startswith(prefix):
        path = path[len(prefix):].lstrip("/")
    return f"{path}{problem.pointer and ':' + problem.pointer}"


def _distinct(problems: Iterable[StudioProblem]) -> list[StudioProblem]:
    return list(dict.fromkeys(problems))


def as_json(problems: Iterable[StudioProblem]) -> list[dict[str, str]]:
    return [{"pointer": problem.pointer, "message": problem.message} for problem in problems]
