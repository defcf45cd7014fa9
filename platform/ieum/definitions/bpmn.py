"""Loading BPMN processes (``workflows/bpmn/*.bpmn``) with SpiffWorkflow's parser.

Each file is parsed and validated on its own so that one broken file is one problem; the
process ids are then built into specs together, since a call activity may name a process
of another file.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import SpiffWorkflow.bpmn.parser as spiff_bpmn_parser
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from ieum.definitions.dmn import IeumBpmnParser, add_dmn_files
from ieum.definitions.model import ProcessDef, UserTaskDef
from ieum.definitions.problems import Problem, display_path, pointer
from ieum.expressions import check_expression, check_script, check_value
from ieum.expressions.instructions import check_instructions

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NAMESPACES = {"bpmn": BPMN_NS}
FORM_PROPERTY = "formJsonSchemaFilename"
#: A user-task property: ``true`` marks a decision on a document (counted as 결재 대기).
APPROVAL_PROPERTY = "approvalStep"
#: User-task properties whose values are platform expressions over the task's data.
EXPRESSION_PROPERTIES = ("role", "assignee", "dueInDays")
INSTRUCTIONS = "instructionsForEndUser"
_CONTAINERS = {"process", "subProcess", "transaction", "adHocSubProcess"}
#: What SpiffArena writes and SpiffWorkflow reads but ieum does not use: loaded with a warning.
IGNORED_ELEMENTS = {
    "dataStoreReference": "data stores are not used by ieum: the reference is ignored",
    "correlationKey": "correlation keys are ignored",
}
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
_RECOVERING_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
_PREFIXES = {
    "bpmn": BPMN_NS,
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}


@dataclass
class _File:
    path: Path
    plugin: str | None
    digest: str
    root: etree._Element
    ok: bool = False
    _elements: dict[str, etree._Element] | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """The file name handed to SpiffWorkflow, which reports it back in errors."""
        return str(self.path)

    def element(self, element_id: str) -> etree._Element | None:
        if self._elements is None:
            self._elements = {el.get("id"): el for el in self.root.iter(etree.Element)
                              if el.get("id")}
        return self._elements.get(element_id)

    def at_line(self, line: object) -> tuple[str, str]:
        """Like :meth:`where` for the first element starting on ``line`` (XML schema errors
        give only a line); an element without an id is located by its process."""
        if isinstance(line, int):
            for element in self.root.iter(etree.Element):
                if element.sourceline == line:
                    return self._locate(element)
        return "", ""

    def where(self, element_id: str) -> tuple[str, str]:
        """The element path (``/<process>/<element>``) and a `` (line n)`` suffix."""
        element = self.element(element_id) if element_id else None
        if element is None:
            return (pointer(element_id) if element_id else ""), ""
        return self._locate(element)

    def _locate(self, element: etree._Element) -> tuple[str, str]:
        chain = [element.get("id")] if element.get("id") else []
        for ancestor in element.iterancestors():
            if etree.QName(ancestor).localname in _CONTAINERS and ancestor.get("id"):
                chain.append(ancestor.get("id"))
        return pointer(*reversed(chain)), f" (line {element.sourceline})"


def process_ids(path: Path) -> frozenset[str]:
    """The ids of the processes a BPMN file defines (none when it cannot be read)."""
    try:
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    except (OSError, etree.XMLSyntaxError):
        return frozenset()
    return frozenset(element.get("id") for element in root.iter(f"{{{BPMN_NS}}}process")
                     if element.get("id"))


def load_processes(
    files: Sequence[tuple[Path, str | None]],
    form_filenames: Mapping[str, str],
    warnings: list[Problem] | None = None,
    dmn_files: Sequence[Path] = (),
) -> tuple[dict[str, ProcessDef], set[str], list[Problem]]:
    """Parse ``files`` (path, plug-in) into the valid processes, the ids of all executable
    processes the files declare (valid or not), and the problems.

    ``form_filenames`` maps each form file name (``counselling_note.json``) that exists to its
    form id, so that user tasks can be checked. Parsing is as lenient as SpiffWorkflow's own
    (what SpiffArena writes loads): what the BPMN schema refuses but SpiffWorkflow reads, and
    what ieum ignores, is added to ``warnings`` instead of the problems. ``dmn_files`` hold the
    decision tables business-rule tasks call (``ieum.definitions.dmn``).
    """
    parser = IeumBpmnParser(validator=None)  # ieum's own lenient schema check runs first
    problems: list[Problem] = add_dmn_files(parser, dmn_files)
    warnings = warnings if warnings is not None else []
    owner: dict[str, _File] = {}  # process id -> the file defining it
    by_path: dict[str, _File] = {}
    for path, plugin in files:
        loaded = _add_file(parser, path, plugin, owner, problems, warnings)
        if loaded is not None:
            by_path[loaded.name] = loaded
            problems += _expression_problems(loaded)

    def report(error: ValidationException, fallback: _File, fallback_id: str) -> None:
        source = by_path.get(error.file_name or "", fallback)
        element_id = error.id or (fallback_id if source is fallback else "")
        where, line = source.where(element_id)
        if not line and error.line_number:
            line = f" (line {error.line_number})"
        problems.append(Problem(source.path, where, f"{_short(str(error.args[0]))}{line}"))

    built: dict[str, object] = {}
    for process_id, source in owner.items():
        if not source.ok:
            continue  # the file itself has problems, already reported
        try:
            built[process_id] = parser.get_spec(process_id)
        except ValidationException as error:
            report(error, source, process_id)
        except Exception as error:  # SpiffWorkflow raises others on odd input
            problems.append(Problem(source.path, pointer(process_id),
                                    f"cannot build the process: {type(error).__name__}: {error}"))

    processes: dict[str, ProcessDef] = {}
    for process_id, spec in built.items():
        source = owner[process_id]
        missing = _missing_calls(source, process_id, owner)
        if missing:
            problems += missing
            continue
        try:
            subprocesses = parser.get_subprocess_specs(process_id)
        except ValidationException as error:
            report(error, source, process_id)
            continue
        except Exception as error:
            problems.append(Problem(source.path, pointer(process_id),
                                    f"cannot build the process: {type(error).__name__}: {error}"))
            continue
        broken = [name for name in subprocesses if name in owner and name not in built]
        if broken:
            problems += [Problem(source.path, pointer(process_id),
                                 f"calls process {name!r}, which has errors") for name in broken]
            continue
        embedded = [sub for name, sub in subprocesses.items() if name not in owner]
        tasks, task_problems, task_warnings = _user_tasks(source, process_id,
                                                          [spec, *embedded], form_filenames)
        problems += task_problems
        warnings += task_warnings
        processes[process_id] = ProcessDef(
            id=process_id,
            name=spec.description or process_id,
            path=source.path,
            spec_hash=source.digest,
            user_tasks=tasks,
            lanes=_lanes(source, process_id),
            spec=spec,
            subprocess_specs=MappingProxyType(dict(subprocesses)),
            plugin=source.plugin,
        )
    return processes, set(owner), problems


def _add_file(parser: SpiffBpmnParser, path: Path, plugin: str | None,
              owner: dict[str, _File], problems: list[Problem],
              warnings: list[Problem]) -> _File | None:
    try:
        data = path.read_bytes()
    except OSError as error:
        problems.append(Problem(path, "", f"cannot read the file: {error.strerror or error}"))
        return None
    digest = hashlib.sha256(data).hexdigest()
    try:
        root = etree.fromstring(data, _XML_PARSER)
    except etree.XMLSyntaxError as error:
        problems.append(Problem(path, "", f"invalid XML at line {error.lineno}: {error.msg}"))
        # Still claim the process ids that can be read, so units naming them are not also
        # reported as naming missing processes.
        root = etree.fromstring(data, _RECOVERING_PARSER)
        if root is not None:
            broken = _File(path, plugin, digest, root)
            for process_id in _executable_ids(root):
                owner.setdefault(process_id, broken)
        return None
    loaded = _File(path, plugin, digest, root)
    clashes = False
    for process_id in _executable_ids(root):
        first = owner.get(process_id)
        if first is not None:
            problems.append(Problem(path, pointer(process_id),
                                    f"duplicate process id {process_id!r}: also defined in "
                                    f"{display_path(first.path)}"))
            clashes = True
        else:
            owner[process_id] = loaded
    if clashes:
        return loaded
    refused, lenient = _schema_findings(loaded)
    if refused:
        problems += refused
        return loaded
    try:
        parser.add_bpmn_xml(root, filename=loaded.name)
    except ValidationException as error:
        where, line = (loaded.where(error.id) if error.id
                       else loaded.at_line(error.line_number))
        if not line and error.line_number:
            line = f" (line {error.line_number})"
        problems.append(Problem(path, where, f"{_short(str(error.args[0]))}{line}"))
        return loaded
    except Exception as error:
        problems.append(Problem(path, "", f"SpiffWorkflow cannot read the file: "
                                f"{type(error).__name__}: {error}"))
        return loaded
    loaded.ok = True
    warnings += lenient
    return loaded


@lru_cache(maxsize=1)
def _bpmn_element_names() -> frozenset[str]:
    """The local names of the elements the BPMN 2.0 schema declares."""
    folder = Path(spiff_bpmn_parser.__file__).parent / "schema"
    names = set()
    for xsd in folder.glob("*.xsd"):
        tree = etree.parse(str(xsd), _XML_PARSER)
        names |= {el.get("name") for el in tree.iter("{http://www.w3.org/2001/XMLSchema}element")
                  if el.get("name")}
    return frozenset(names)


def _schema_findings(source: _File) -> tuple[list[Problem], list[Problem]]:
    """The file against the BPMN schema, leniently, as SpiffArena reads it: an element the
    BPMN schema does not know at all (a typo) is a problem; what the schema refuses but
    SpiffWorkflow reads (SpiffArena's ``messageRef`` on start events, escalation codes, plane
    labels, correlation keys...) is a warning that ieum loads it as SpiffWorkflow does. The
    elements ieum ignores (:data:`IGNORED_ELEMENTS`) are warnings too."""
    VALIDATOR.preprocess(source.root)
    schema = VALIDATOR.validator
    problems: list[Problem] = []
    warnings: list[Problem] = []
    known = _bpmn_element_names()
    if not schema.validate(source.root):
        for entry in schema.error_log:
            where, line = source.at_line(entry.line)
            if not line:
                line = f" (line {entry.line})"
            message = _short(entry.message)
            element = re.match(r"Element '(?:\{([^}]*)\}|(\w+):)?(\w+)'", entry.message)
            unknown = (element is not None and "This element is not expected" in entry.message
                       and element.group(1) in (None, BPMN_NS)
                       and element.group(3) not in known)
            if unknown:
                problems.append(Problem(source.path, where, f"{message}{line}"))
            else:
                warnings.append(Problem(source.path, where, f"not valid against the BPMN "
                                        f"schema, read as SpiffWorkflow reads it: {message}{line}"))
    for local, why in IGNORED_ELEMENTS.items():
        for element in source.root.iter(f"{{{BPMN_NS}}}{local}"):
            where, line = source._locate(element)  # noqa: SLF001
            warnings.append(Problem(source.path, where, f"{local}: {why}{line}"))
    for start in source.root.iter(f"{{{BPMN_NS}}}startEvent"):
        if start.get("messageRef"):
            where, line = source._locate(start)  # noqa: SLF001
            warnings.append(Problem(source.path, where, "messageRef on a start event is "
                                    f"ignored: use a messageEventDefinition{line}"))
    return problems, warnings


def _expression_problems(source: _File) -> list[Problem]:
    """Sequence-flow conditions and script-task scripts are written in the platform's
    expression language (DESIGN.md section 6), not in Python: check each one."""
    found: list[tuple[str, str, str, object]] = []  # (element id, what, text, checker)
    for condition in source.root.iter(f"{{{BPMN_NS}}}conditionExpression"):
        flow = condition.getparent()
        flow_id = (flow.get("id") or "") if flow is not None else ""
        found.append((flow_id, f"condition of sequence flow {flow_id!r}", condition.text or "",
                      check_expression))
    for task in source.root.iter(f"{{{BPMN_NS}}}scriptTask"):
        task_id = task.get("id") or ""
        for script in task.iterfind("bpmn:script", NAMESPACES):
            found.append((task_id, f"script of script task {task_id!r}", script.text or "",
                          check_script))
    for prop in source.root.iter(f"{{{_PREFIXES['spiffworkflow']}}}property"):
        if prop.get("name") in EXPRESSION_PROPERTIES and (prop.get("value") or "").strip():
            owner = next((a for a in prop.iterancestors() if a.get("id")), None)
            task_id = owner.get("id") if owner is not None else ""
            found.append((task_id, f"property {prop.get('name')!r} of {task_id!r}",
                          prop.get("value") or "", check_expression))
    for operator in source.root.iter(f"{{{_PREFIXES['spiffworkflow']}}}serviceTaskOperator"):
        owner = next((a for a in operator.iterancestors() if a.get("id")), None)
        task_id = owner.get("id") if owner is not None else ""
        for parameter in operator.iter(f"{{{_PREFIXES['spiffworkflow']}}}parameter"):
            found.append((task_id, f"parameter {parameter.get('id')!r} of {task_id!r}",
                          parameter.get("value") or "", check_value))
    for kind in ("preScript", "postScript"):
        for script in source.root.iter(f"{{{_PREFIXES['spiffworkflow']}}}{kind}"):
            owner = next((a for a in script.iterancestors() if a.get("id")), None)
            task_id = owner.get("id") if owner is not None else ""
            found.append((task_id, f"{kind} of {task_id!r}", script.text or "", check_script))
    problems = []
    for element_id, what, text, check in found:
        if not text.strip():
            continue  # SpiffWorkflow's own checks cover missing conditions
        where, line = source.where(element_id)
        problems += [Problem(source.path, where, f"{what}: {message}{line}")
                     for message in check(text)]  # type: ignore[operator]
    return problems


def _executable_ids(root: etree._Element) -> list[str]:
    return [process.get("id") or "" for process in root.iterfind("bpmn:process", NAMESPACES)
            if process.get("isExecutable", "true") == "true"]


def _short(message: str) -> str:
    """``message`` with XML namespaces written as prefixes, as in the file."""
    for prefix, namespace in _PREFIXES.items():
        message = message.replace("{" + namespace + "}", prefix + ":")
    return message


def _process_element(source: _File, process_id: str) -> etree._Element:
    element = source.element(process_id)
    assert element is not None
    return element


def _missing_calls(source: _File, process_id: str, owner: Mapping[str, _File]) -> list[Problem]:
    problems = []
    calls = _process_element(source, process_id).iterfind(".//bpmn:callActivity", NAMESPACES)
    for call in calls:
        called = call.get("calledElement")
        if called and called not in owner:
            where, line = source.where(call.get("id") or "")
            problems.append(Problem(source.path, where,
                                    f"call activity calls process {called!r}, which no BPMN "
                                    f"file defines{line}"))
    return problems


def _lanes(source: _File, process_id: str) -> tuple[str, ...]:
    lanes = _process_element(source, process_id).iterfind(".//bpmn:lane", NAMESPACES)
    return tuple(dict.fromkeys(lane.get("name") for lane in lanes if lane.get("name")))


def _user_tasks(source: _File, process_id: str, specs: Sequence[object],
                form_filenames: Mapping[str, str],
                ) -> tuple[tuple[UserTaskDef, ...], list[Problem], list[Problem]]:
    """The user tasks, the problems and the warnings. A user task without a form is an
    instructions-only step (as in SpiffArena): it shows its ``instructionsForEndUser`` and a
    button; without instructions either, it is loaded with a warning."""
    tasks: list[UserTaskDef] = []
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for spec in specs:
        for task_spec in spec.task_specs.values():  # type: ignore[attr-defined]
            if not isinstance(task_spec, UserTask):
                continue
            task_id = task_spec.bpmn_id or task_spec.name
            extensions = getattr(task_spec, "extensions", {}) or {}
            properties = extensions.get("properties", {})
            filename = properties.get(FORM_PROPERTY)
            form_id = form_filenames.get(filename) if filename else None
            instructions = extensions.get(INSTRUCTIONS) or ""
            if instructions.strip():
                where, line = source.where(task_id)
                problems += [Problem(source.path, where, f"{INSTRUCTIONS} of {task_id!r}: "
                                     f"{message}{line}")
                             for message in check_instructions(instructions)]
            if form_id is None:
                where, line = source.where(task_id)
                if filename:
                    problems.append(Problem(source.path, where, (
                        f"user task {task_id!r} names form file {filename!r}, which is "
                        f"not in any forms/ folder{line}")))
                elif not instructions.strip():
                    warnings.append(Problem(source.path, where, (
                        f"user task {task_id!r} names no form and gives no "
                        f"{INSTRUCTIONS}: it shows only a button to finish it; add the "
                        f"spiffworkflow:property {FORM_PROPERTY!r} with a file name from "
                        f"forms/{line}")))
            tasks.append(UserTaskDef(id=task_id, name=task_spec.bpmn_name or task_id,
                                     form=form_id, form_filename=filename, lane=task_spec.lane,
                                     approval_step=properties.get(APPROVAL_PROPERTY) == "true"))
    return tuple(tasks), problems, warnings

