"""How much of the public SpiffWorkflow + spiff-arena BPMN corpus ieum takes (issue 24).

    python -m bench.spiffarena_corpus SOURCE [SOURCE ...] [--details]

Each SOURCE is a checked-out repository or a bare git mirror (its HEAD is read with git; the
corpus is not copied into this repository). For every ``*.bpmn`` file:

1. **SpiffWorkflow accepts it**: SpiffWorkflow's own parser (no XSD validator, the DMN files
   of its folder added) builds every executable process of the file, with the files of its
   folder that define the processes it calls. Only these files are counted below.
2. **accepted unchanged**: ``ieum check`` (the loader plus the service-operator check) on a
   content root holding the file, the files it calls, and the form files its user tasks name,
   copied as they are into ``forms/``: no problem in the file or in those forms.
3. **accepted after import**: the same files (and their UI schemas, ``process_model.json``)
   imported with ``ieum import spiffarena`` (lanes mapped to their id form) and checked: no
   problem in the imported file or in the forms it names.
4. otherwise **refused**, with the reasons (one file may have several).

The service-operator check uses the built-in service functions only (no plug-ins).
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from lxml import etree
from SpiffWorkflow.spiff.parser import SpiffBpmnParser

from ieum.definitions import check_content
from ieum.definitions.bpmn import BPMN_NS, FORM_PROPERTY

try:
    from ieum.definitions.spiffarena import (
        SPIFF_NS,
        ImportRefused,
        form_stem,
        lanes_of,
        plan_import,
        to_id,
        ui_stem,
        write_plan,
    )
    from ieum.workflow.functions import available, operator_problems
except ImportError:  # an ieum from before issue 24: only --unchanged-only works
    SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
REASONS = [
    ("script", re.compile(r"(script of script task|preScript of|postScript of)")),
    ("condition", re.compile(r"condition of sequence flow")),
    ("service operator", re.compile(r"calls operator")),
    ("service parameter", re.compile(r"parameter '[^']*' of")),
    ("instructions", re.compile(r"instructionsForEndUser")),
    ("form", re.compile(r"names form file|\.json:")),
    ("BPMN schema", re.compile(r"This element is not expected|not valid against")),
    ("call activity", re.compile(r"calls process|which no BPMN file defines")),
    ("DMN / business rule", re.compile(r"(?i)decision|dmn|businessRule")),
    ("expression property", re.compile(r"property '(role|assignee|dueInDays)'")),
    ("lane / role", re.compile(r"(?i)\blane\b|role")),
]


def extract(source: Path, into: Path) -> Path:
    """A checked-out copy of ``source`` (itself when it is a working tree)."""
    if not ((source / "HEAD").is_file() and (source / "objects").is_dir()):
        return source
    target = into / source.parent.name
    names = subprocess.run(["git", "--git-dir", str(source), "ls-tree", "-r", "--name-only",
                            "HEAD"], capture_output=True, text=True, check=True).stdout
    for name in names.splitlines():
        if not name.endswith((".bpmn", ".dmn", ".json")):
            continue
        blob = subprocess.run(["git", "--git-dir", str(source), "show", f"HEAD:{name}"],
                              capture_output=True, check=False)
        if blob.returncode == 0:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(blob.stdout)
    return target


def _root(path: Path) -> etree._Element | None:
    try:
        return etree.parse(str(path), _PARSER).getroot()
    except (OSError, etree.XMLSyntaxError):
        return None


def _defined(root: etree._Element) -> set[str]:
    return {p.get("id") for p in root.iter(f"{{{BPMN_NS}}}process") if p.get("id")}


def _called(root: etree._Element) -> set[str]:
    return {c.get("calledElement") for c in root.iter(f"{{{BPMN_NS}}}callActivity")
            if c.get("calledElement")}


def _with_calls(path: Path, folder_files: dict[Path, etree._Element]) -> list[Path]:
    """``path`` and the files of its folder that define the processes it calls (closure)."""
    chosen = [path]
    wanted = set(_called(folder_files[path])) - _defined(folder_files[path])
    while wanted:
        name = wanted.pop()
        found = next((p for p, r in folder_files.items() if name in _defined(r)
                      and p not in chosen), None)
        if found is not None:
            chosen.append(found)
            wanted |= _called(folder_files[found]) - set().union(
                *(_defined(folder_files[p]) for p in chosen))
    return chosen


def spiff_accepts(files: list[Path], dmn: list[Path]) -> bool:
    parser = SpiffBpmnParser()
    try:
        for path in files:
            parser.add_bpmn_xml(etree.parse(str(path)).getroot(), filename=str(path))
        if dmn:
            parser.add_dmn_files([str(p) for p in dmn])
        root = etree.parse(str(files[0])).getroot()
        for process in root.iterfind(f"{{{BPMN_NS}}}process"):
            if process.get("isExecutable", "true") == "true":
                parser.get_spec(process.get("id"))
                parser.get_subprocess_specs(process.get("id"))
    except Exception:  # noqa: BLE001 - any refusal of SpiffWorkflow's
        return False
    return True


def _has_user_tasks(root: etree._Element) -> bool:
    return any(True for tag in ("userTask", "manualTask")
               for _ in root.iter(f"{{{BPMN_NS}}}{tag}"))


def _named_forms(root: etree._Element) -> set[str]:
    return {p.get("value") for p in root.iter(f"{{{SPIFF_NS}}}property")
            if p.get("name") == FORM_PROPERTY and p.get("value")}


OPERATOR_CHECK = True


def _problems_for(content: Path, bpmn: Path, forms: set[str]) -> list[str]:
    registry, problems = check_content([content], plugins=False)
    if registry is not None and OPERATOR_CHECK:
        problems = operator_problems(registry.processes.values(), available(plugins=False))
    mine = []
    for problem in problems:
        name = Path(problem.path).name
        if name == bpmn.name or name in forms:
            mine.append(f"{name}:{problem.pointer}: {problem.message}")
    return mine


def unchanged(files: list[Path], folder: Path, work: Path) -> list[str]:
    content = work / "unchanged"
    (content / "workflows" / "bpmn").mkdir(parents=True)
    (content / "forms").mkdir()
    for path in files:
        shutil.copy(path, content / "workflows" / "bpmn" / path.name)
    forms = _named_forms(_root(files[0]))
    for name in forms:
        if (folder / name).is_file():
            shutil.copy(folder / name, content / "forms" / name)
    return _problems_for(content, files[0], forms)


def after_import(files: list[Path], folder: Path, work: Path) -> list[str]:
    model = work / "model"
    model.mkdir()
    names: set[str] = set()
    for path in files:
        shutil.copy(path, model / path.name)
        names |= _named_forms(_root(path))
    for json_file in folder.glob("*.json"):
        stem = ui_stem(json_file.name)
        if (json_file.name in names or json_file.name == "process_model.json"
                or (stem is not None and any(form_stem(n) == stem for n in names))):
            shutil.copy(json_file, model / json_file.name)
    content = work / "imported"
    lanes = {lane: to_id(lane) for lane in lanes_of(model)}
    try:
        plan = plan_import(model, "imported", lanes)
    except ImportRefused as refused:
        return [f"import: {refused}"]
    write_plan(plan, content)
    forms = {f"{plan.forms[n]}.json" for n in _named_forms(_root(files[0])) if n in plan.forms}
    return _problems_for(content, files[0], forms)


def reasons(problems: list[str]) -> set[str]:
    found = set()
    for problem in problems:
        for name, pattern in REASONS:
            if pattern.search(problem):
                found.add(name)
                break
        else:
            found.add("other: " + problem.split(": ", 1)[-1][:70])
    return found


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("sources", nargs="+", type=Path)
    options.add_argument("--details", action="store_true",
                         help="print every refused file with its problems")
    options.add_argument("--unchanged-only", action="store_true",
                         help="only step 2, without the service-operator check: run with an "
                              "older ieum on PYTHONPATH for the figure before issue 24")
    args = options.parse_args(argv)
    global OPERATOR_CHECK  # noqa: PLW0603 - a switch for this script only
    OPERATOR_CHECK = not args.unchanged_only
    counts = collections.Counter()
    why: collections.Counter[str] = collections.Counter()
    details = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch_path = Path(scratch)
        for source in args.sources:
            tree = extract(source.resolve(), scratch_path / "src")
            for folder in sorted({p.parent for p in tree.rglob("*.bpmn")}):
                roots = {p: _root(p) for p in sorted(folder.glob("*.bpmn"))}
                roots = {p: r for p, r in roots.items() if r is not None}
                counts["files"] += len(list(folder.glob("*.bpmn")))
                dmn = sorted(folder.glob("*.dmn"))
                for path in roots:
                    files = _with_calls(path, roots)
                    if not spiff_accepts(files, dmn):
                        continue
                    counts["spiff accepts"] += 1
                    human = _has_user_tasks(roots[path])
                    counts["with user tasks"] += human
                    work = Path(tempfile.mkdtemp(dir=scratch))
                    if not unchanged(files, folder, work):
                        counts["accepted unchanged"] += 1
                        counts["user: accepted unchanged"] += human
                        continue
                    if args.unchanged_only:
                        counts["refused"] += 1
                        counts["user: refused"] += human
                        continue
                    problems = after_import(files, folder, work)
                    if not problems:
                        counts["accepted after import"] += 1
                        counts["user: accepted after import"] += human
                        continue
                    counts["refused"] += 1
                    counts["user: refused"] += human
                    found = reasons(problems)
                    why.update(found)
                    details.append((path.relative_to(tree), problems))
    print(f"BPMN files: {counts['files']}; SpiffWorkflow accepts {counts['spiff accepts']}")
    print(f"  accepted unchanged:    {counts['accepted unchanged']}")
    print(f"  accepted after import: {counts['accepted after import']}")
    print(f"  refused:               {counts['refused']}")
    print(f"of which with user or manual tasks: {counts['with user tasks']}")
    for outcome in ("accepted unchanged", "accepted after import", "refused"):
        print(f"  {outcome + ':':22s} {counts['user: ' + outcome]}")
    print("reasons (files; one file may have several):")
    for reason, number in why.most_common():
        print(f"  {number:4d}  {reason}")
    if args.details:
        for path, problems in details:
            print(f"\n{path}")
            for problem in problems[:6]:
                print(f"    {problem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
