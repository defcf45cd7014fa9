"""The kernel names no shipped content (issue 21, DESIGN.md section 3).

``platform/ieum/`` is the engine: it must work the same for the shipped library and for a
vendor's package, so neither its Python nor its templates may name a unit function, form,
process or report kind that the repository ships. Shipped content is read from the content
folders (``forms/``, ``workflows/bpmn/``, ``unit_functions/``) and from the library's report
generators (entry-point group ``ieum.report_generators`` in ``pyproject.toml``); the kernel is
then searched for those ids written as code: a quoted string (``'payroll'``), a path segment
(``/u/payroll/``, ``forms/admission.json``), an attribute or module (``kinds.donations``,
``ieum.services.payroll``), a comparison (``== payroll``) or a module file named after one.
Prose in docstrings and comments is not searched; Alembic migrations are history and left
out.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
KERNEL = ROOT / "platform" / "ieum"
MIGRATIONS = Path("store", "migrations")  # inside the kernel
SEARCHED = (".py", ".html", ".js")
REPORT_KIND_KEYS = ("report_kinds", "reports", "kinds")


def _content_files(folder: Path, pattern: str) -> Iterator[Path]:
    """Files under ``folder``; a file or folder named ``_…`` or ``.…`` is a shared part or
    hidden, not content with an id."""
    for path in sorted(folder.rglob(pattern)):
        parts = path.relative_to(folder).parts
        if path.is_file() and not any(part.startswith(("_", ".")) for part in parts):
            yield path


def _kind_ids(document: Any) -> Iterator[str]:
    """Report-kind ids in a YAML document: a kind (``id:``), a list of kinds, or a mapping
    listing them under ``report_kinds``/``reports``/``kinds`` (as a list or keyed by id)."""
    if isinstance(document, list):
        for item in document:
            if isinstance(item, str):
                yield item
            elif isinstance(item, dict) and isinstance(item.get("id"), str):
                yield item["id"]
    elif isinstance(document, dict):
        if isinstance(document.get("id"), str):
            yield document["id"]
        for key in REPORT_KIND_KEYS:
            listed = document.get(key)
            if isinstance(listed, dict):
                yield from (str(name) for name in listed)
            elif isinstance(listed, list):
                yield from _kind_ids(listed)


def _unit_ids(folder: Path) -> Iterator[str]:
    """The unit function's id and the ids of the report kinds declared in its folder."""
    yield folder.name
    manifest = yaml.safe_load((folder / "unit.yaml").read_text(encoding="utf-8")) or {}
    if isinstance(manifest.get("id"), str):
        yield manifest["id"]
    for key in REPORT_KIND_KEYS:
        yield from _kind_ids(manifest.get(key) or [])
    for path in _content_files(folder, "*.y*ml"):
        if path.name == "unit.yaml":
            continue
        if path.parent != folder:  # e.g. unit_functions/<id>/reports/<kind>.yaml
            yield path.stem
        yield from _kind_ids(yaml.safe_load(path.read_text(encoding="utf-8")))


def shipped_ids(root: Path = ROOT) -> dict[str, str]:
    """Every id of shipped content, with where it comes from."""
    found: dict[str, str] = {}

    def add(ids: Iterable[str], origin: Path | str) -> None:
        for item in ids:
            if item and item not in found:
                found[item] = str(origin.relative_to(root) if isinstance(origin, Path)
                                  else origin)

    for path in _content_files(root / "forms", "*.json"):
        add([path.stem], path)
        form_id = json.loads(path.read_text(encoding="utf-8")).get("$id")
        add([form_id] if isinstance(form_id, str) and re.fullmatch(r"\w+", form_id) else [],
            path)
    for path in _content_files(root / "workflows" / "bpmn", "*.bpmn"):
        text = path.read_text(encoding="utf-8")
        add([path.stem, *re.findall(r'<bpmn:process\b[^>]*\bid="([^"]+)"', text)], path)
    units = root / "unit_functions"
    for folder in sorted(units.iterdir()):
        if folder.is_dir() and not folder.name.startswith(("_", ".")) \
                and (folder / "unit.yaml").is_file():
            add(_unit_ids(folder), folder / "unit.yaml")
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    generators = project.get("project", {}).get("entry-points", {}).get(
        "ieum.report_generators", {})
    add(generators, "pyproject.toml [project.entry-points.\"ieum.report_generators\"]")
    return found


def _pattern(ids: Iterable[str]) -> re.Pattern[str]:
    names = "|".join(re.escape(item) for item in sorted(ids, key=lambda i: (-len(i), i)))
    return re.compile(
        rf"""(?:["'/](?P<quoted>{names})(?:["'/]|\.(?:json|bpmn|ya?ml)\b))"""
        rf"""|(?:(?<![\w.])\.(?P<attribute>{names})\b)"""
        rf"""|(?:[\w)\]]\.(?P<dotted>{names})\b)"""
        rf"""|(?:==\s*(?P<compared>{names})\b)""")


def kernel_files(kernel: Path = KERNEL) -> Iterator[Path]:
    migrations = kernel / MIGRATIONS  # third-party assets live outside: platform/ieum_vendor
    for path in sorted(kernel.rglob("*")):
        if path.suffix in SEARCHED and path.is_file() and migrations not in path.parents \
                and "__pycache__" not in path.parts:
            yield path


def hits(ids: Iterable[str], kernel: Path = KERNEL,
         root: Path = ROOT) -> list[tuple[str, int, str]]:
    """(file, line, id) for every place the kernel names one of ``ids``."""
    ids = set(ids)
    pattern = _pattern(ids)
    found = []
    for path in kernel_files(kernel):
        shown = str(path.relative_to(root))
        if path.suffix == ".py" and path.stem in ids:
            found.append((shown, 1, path.stem))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in pattern.finditer(line):
                found.append((shown, number, next(v for v in match.groups() if v)))
    return sorted(set(found))


def test_the_scanner_reads_the_content_folders() -> None:
    ids = shipped_ids()
    # one of each kind of source, so that a moved folder cannot make the guard pass vacuously
    assert ids["admission"].startswith("forms/")
    assert ids["approval"].startswith("workflows/bpmn/")
    assert ids["admission_discharge"] == "unit_functions/admission_discharge/unit.yaml"
    assert len(ids) > 50


def test_the_scanner_finds_code_not_prose(tmp_path: Path) -> None:
    kernel = tmp_path / "platform" / "ieum"
    (kernel / "services").mkdir(parents=True)
    (kernel / "store" / "migrations").mkdir(parents=True)
    (kernel / "services" / "sample.py").write_text(
        '"""Reads the payroll register and admission forms."""\n'
        'FORM = "payroll_register"\n'
        "path = f'/u/payroll/{x}'\n"
        "from ieum.services.payroll import run\n"
        "if unit.id == 'payroll': pass\n"
        "spec = 'approval.bpmn'\n"
        "payroll_total = payroll_register_count = 0  # not an id: longer names\n",
        encoding="utf-8")
    (kernel / "services" / "payroll.py").write_text("", encoding="utf-8")
    (kernel / "page.html").write_text("{% if unit.id == 'donations' %}{{ kinds.donations }}"
                                      "{% endif %}", encoding="utf-8")
    (kernel / "store" / "migrations" / "v1.py").write_text("FORM = 'payroll'\n",
                                                           encoding="utf-8")
    found = hits({"payroll", "payroll_register", "approval", "donations", "admission"},
                 kernel, tmp_path)
    assert found == [
        ("platform/ieum/page.html", 1, "donations"),
        ("platform/ieum/services/payroll.py", 1, "payroll"),
        ("platform/ieum/services/sample.py", 2, "payroll_register"),
        ("platform/ieum/services/sample.py", 3, "payroll"),
        ("platform/ieum/services/sample.py", 4, "payroll"),
        ("platform/ieum/services/sample.py", 5, "payroll"),
        ("platform/ieum/services/sample.py", 6, "approval"),
    ]


def test_the_kernel_names_no_shipped_content() -> None:
    ids = shipped_ids()
    found = hits(ids)
    listing = "\n".join(f"{path}:{line}: {item!r} ({ids[item]})" for path, line, item in found)
    files = len({path for path, _, _ in found})
    assert not found, (f"the kernel (platform/ieum/) names shipped content {len(found)} times "
                       f"in {files} files; move that code to the library (platform/"
                       f"ieum_library/) and register it through an extension point "
                       f"(docs/EXTENDING.md):\n{listing}")
