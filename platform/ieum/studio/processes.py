"""The process modeller's pure logic: checking a BPMN document and comparing two.

A process document is BPMN XML in the SpiffArena dialect (``workflows/bpmn/*.bpmn``): the
platform reads user tasks' ``spiffworkflow:property`` values (``formJsonSchemaFilename``,
``approvalStep``, ``role``, ``assignee``, ``dueInDays``, ``claimsCase``), lane names (role ids),
sequence-flow conditions, scripts, service tasks' ``spiffworkflow:serviceTaskOperator`` and
timers. :func:`check` runs the checks ``ieum check`` runs on a process plus the modeller's
own (forms, roles, conditions, service operators, timers), each problem naming the BPMN element
id it concerns; :func:`same_meaning` compares two documents ignoring the diagram (coordinates,
shapes) and the order of attributes and elements.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
import tempfile
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path
from xml.sax.saxutils import quoteattr

from lxml import etree

from ieum.definitions import Registry
from ieum.definitions.bpmn import (
    APPROVAL_PROPERTY,
    BPMN_NS,
    EXPRESSION_PROPERTIES,
    FORM_PROPERTY,
    load_processes,
)
from ieum.definitions.dmn import dmn_files
from ieum.expressions import check_expression, check_script
from ieum.expressions.korean import Rule, korean
from ieum.i18n import current_language
from ieum.i18n import gettext as _
from ieum.studio.problems import StudioProblem

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
DI_NAMESPACES = frozenset({
    "http://www.omg.org/spec/BPMN/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DC",
    "http://www.omg.org/spec/DD/20100524/DI",
})
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
#: Attributes of ``bpmn:definitions`` that say which tool wrote the file, not what it means.
_TOOL_ATTRIBUTES = frozenset({"exporter", "exporterVersion"})
#: The properties the platform reads on a user task (anything else is kept but unused).
TASK_PROPERTIES = (FORM_PROPERTY, APPROVAL_PROPERTY, *EXPRESSION_PROPERTIES, "claimsCase")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
_B = f"{{{BPMN_NS}}}"
_S = f"{{{SPIFF_NS}}}"
_ISO_DURATION = re.compile(
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_STRING_LITERAL = re.compile(r"""^\s*(?:"([^"\\]*)"|'([^'\\]*)')\s*$""")


class BpmnSyntaxError(ValueError):
    """The text is not BPMN XML; the message is Korean."""


# --- reading -----------------------------------------------------------------------------------

def parse(body: object) -> etree._Element:
    """The ``bpmn:definitions`` element of ``body``; raises :class:`BpmnSyntaxError`."""
    if not isinstance(body, str | bytes) or not body.strip():
        raise BpmnSyntaxError(_("BPMN 문서가 비어 있습니다."))
    data = body.encode("utf-8") if isinstance(body, str) else body
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        raise BpmnSyntaxError(_("XML 문법 오류 (%(line)s번째 줄): %(problem)s",
                                line=error.lineno, problem=error.msg)) from None
    if root.tag != f"{_B}definitions":
        raise BpmnSyntaxError(
            _("BPMN 문서가 아닙니다: 맨 바깥 요소는 bpmn:definitions여야 합니다."))
    return root


def process_ids(body: str) -> list[str]:
    """The ids of the executable processes ``body`` defines (``[]`` when it does not parse)."""
    try:
        root = parse(body)
    except BpmnSyntaxError:
        return []
    return [p.get("id") or "" for p in root.iterfind(f"{_B}process")
            if p.get("isExecutable", "true") == "true"]


def properties(element: etree._Element) -> dict[str, str]:
    """The ``spiffworkflow:property`` values of a task, by name."""
    return {prop.get("name") or "": prop.get("value") or ""
            for prop in element.iterfind(f"{_B}extensionElements/{_S}properties/{_S}property")}


# --- checks ------------------------------------------------------------------------------------

def check(body: object, registry: Registry, *, functions: Collection[str] | None = None,
          key: str | None = None,
          draft_forms: Collection[str] | None = ()) -> list[StudioProblem]:
    """Every problem of the process document ``body`` (empty when it is fine).

    ``functions`` are the names of the service functions available (``ieum.functions`` and
    built-ins); when ``None``, service operators are not looked up. With ``key``, the document
    must define the executable process of that id. ``draft_forms`` are the file names of
    forms drafted beside it, which a user task may name too; ``None`` when the caller does not
    know the drafts (then a form missing from the registry is left to the package's check).
    """
    try:
        root = parse(body)
    except BpmnSyntaxError as error:
        return [StudioProblem("", str(error))]
    problems: list[StudioProblem] = []
    ids = [p.get("id") or "" for p in root.iterfind(f"{_B}process")
           if p.get("isExecutable", "true") == "true"]
    if not ids:
        problems.append(StudioProblem("", _("실행할 업무 절차(isExecutable=\"true\"인 "
                                            "bpmn:process)가 없습니다.")))
    if key is not None and ids and key not in ids:
        problems.append(StudioProblem(ids[0], _("업무 절차의 ID는 '%(key)s'여야 합니다 "
                                                "(지금: %(ids)s).", key=key, ids=", ".join(ids))))
    problems += _platform_problems(root, registry, functions, draft_forms)
    problems += _engine_problems(body if isinstance(body, str) else body.decode("utf-8"),
                                 ids, registry)
    return list(dict.fromkeys(problems))


def _platform_problems(root: etree._Element, registry: Registry,
                       functions: Collection[str] | None,
                       draft_forms: Collection[str] | None) -> list[StudioProblem]:
    problems: list[StudioProblem] = []
    forms = {form.filename for form in registry.forms.values()} | set(draft_forms or ())
    all_roles = role_choices(registry)
    using = _profiles_using(registry, [p.get("id") or "" for p in root.iterfind(f"{_B}process")])
    for process in root.iterfind(f"{_B}process"):
        if not (process.get("name") or "").strip():
            problems.append(StudioProblem(process.get("id") or "",
                                          _("업무 절차의 이름이 없습니다: 한글 이름을 적으세요.")))
    for task in root.iter(f"{_B}userTask"):
        task_id = task.get("id") or ""
        props = properties(task)
        filename = props.get(FORM_PROPERTY, "").strip()
        if not (task.get("name") or "").strip():
            problems.append(StudioProblem(task_id, _("사용자 작업의 이름이 없습니다: 업무함에 보일 "
                                                     "한글 이름을 적으세요.")))
        if not filename:
            problems.append(StudioProblem(task_id, _("사용자 작업에 서식이 없습니다: 작성할 서식을 "
                                                     "고르세요.")))
        elif filename not in forms and draft_forms is not None:
            problems.append(StudioProblem(task_id, _("서식 '%(name)s'이(가) 없습니다: 등록된 "
                                                     "서식에서 고르세요.", name=filename)))
        approval = props.get(APPROVAL_PROPERTY)
        if approval is not None and approval not in ("true", "false"):
            problems.append(StudioProblem(task_id, _("결재 단계 표시(approvalStep)는 true 또는 "
                                                     "false여야 합니다.")))
        for name in EXPRESSION_PROPERTIES:
            value = props.get(name, "")
            if value.strip():
                problems += [StudioProblem(task_id, f"{_(_PROPERTY_TITLES[name])}: {m}")
                             for m in korean_problems(check_expression(value))]
    for lane in root.iter(f"{_B}lane"):
        lane_id = lane.get("id") or ""
        name = (lane.get("name") or "").strip()
        if not name:
            problems.append(StudioProblem(
                lane_id, _("레인에 역할이 없습니다: 이 레인의 작업을 맡을 역할을 고르세요.")))
            continue
        if name not in all_roles:
            problems.append(StudioProblem(
                lane_id, _("레인의 역할 '%(name)s'은(는) 어느 시설유형에도 없는 역할입니다.",
                           name=name)))
            continue
        for code, roles in using.items():
            if name not in roles:
                problems.append(StudioProblem(
                    lane_id, _("레인의 역할 '%(name)s'은(는) 이 업무 절차를 쓰는 시설유형 "
                               "'%(code)s'의 역할이 아닙니다.", name=name, code=code)))
    problems += _flow_problems(root)
    for task in root.iter(f"{_B}scriptTask"):
        for script in task.iterfind(f"{_B}script"):
            problems += [StudioProblem(task.get("id") or "", _("스크립트: %(problem)s", problem=m))
                         for m in korean_problems(check_script(script.text or ""))]
    for kind, title in (("preScript", _("사전 스크립트")), ("postScript", _("사후 스크립트"))):
        for script in root.iter(f"{_S}{kind}"):
            owner = next((a for a in script.iterancestors() if a.get("id")), None)
            if (script.text or "").strip():
                problems += [StudioProblem(owner.get("id") if owner is not None else "",
                                           f"{title}: {m}")
                             for m in korean_problems(check_script(script.text or ""))]
    problems += _service_problems(root, functions)
    problems += _timer_problems(root)
    return problems


_PROPERTY_TITLES = {"role": "담당 역할 식", "assignee": "담당자 식",
                    "dueInDays": "처리 기한(일) 식"}


def _flow_problems(root: etree._Element) -> list[StudioProblem]:
    problems = []
    for flow in root.iter(f"{_B}sequenceFlow"):
        condition = flow.find(f"{_B}conditionExpression")
        if condition is not None and (condition.text or "").strip():
            problems += [StudioProblem(flow.get("id") or "", _("조건식: %(problem)s", problem=m))
                         for m in korean_problems(check_expression(condition.text or ""))]
    for kind in ("exclusiveGateway", "inclusiveGateway"):
        for gateway in root.iter(f"{_B}{kind}"):
            outgoing = [o.text.strip() for o in gateway.iterfind(f"{_B}outgoing") if o.text]
            if len(outgoing) < 2:
                continue
            for flow_id in outgoing:
                if flow_id == gateway.get("default"):
                    continue
                flow = _by_id(root, flow_id)
                condition = flow.find(f"{_B}conditionExpression") if flow is not None else None
                if condition is None or not (condition.text or "").strip():
                    problems.append(StudioProblem(
                        flow_id, _("분기 조건이 없습니다: 조건식을 적거나 "
                                   "이 흐름을 기본 흐름으로 정하세요.")))
    return problems


def _service_problems(root: etree._Element,
                      functions: Collection[str] | None) -> list[StudioProblem]:
    problems = []
    for task in root.iter(f"{_B}serviceTask"):
        task_id = task.get("id") or ""
        operator = task.find(f"{_B}extensionElements/{_S}serviceTaskOperator")
        name = (operator.get("id") or "").strip() if operator is not None else ""
        if not name:
            problems.append(StudioProblem(task_id, _("서비스 작업이 부를 함수가 없습니다: 등록된 "
                                                     "함수를 고르세요.")))
            continue
        if functions is not None and name not in functions:
            problems.append(StudioProblem(task_id, _("등록되지 않은 서비스 함수입니다: %(name)s",
                                                     name=name)))
        for parameter in operator.iterfind(f".//{_S}parameter"):
            value = parameter.get("value")
            if value is not None:
                problems += [StudioProblem(task_id, _("인자 '%(name)s': %(problem)s",
                                                      name=parameter.get("id"), problem=m))
                             for m in korean_problems(check_expression(value))]
    return problems


def _timer_problems(root: etree._Element) -> list[StudioProblem]:
    problems = []
    for timer in root.iter(f"{_B}timerEventDefinition"):
        owner = timer.getparent()
        owner_id = owner.get("id") if owner is not None else ""
        found = [(child, etree.QName(child).localname) for child in timer
                 if isinstance(child.tag, str)
                 and etree.QName(child).localname in ("timeDuration", "timeDate", "timeCycle")]
        if not found:
            problems.append(StudioProblem(owner_id or "", _("타이머에 기간이나 날짜가 없습니다.")))
        for child, kind in found:
            problems += [StudioProblem(owner_id or "", _("타이머: %(problem)s", problem=m))
                         for m in check_timer(child.text or "", kind)]
    return problems


def check_timer(text: str, kind: str) -> list[str]:
    """The Korean problems of a timer's value: an expression (SpiffWorkflow evaluates it) and,
    when it is a plain string, an ISO 8601 duration (``timeDuration``: ``"P3D"``) or date and
    time (``timeDate``: ``"2026-03-01T09:00:00"``)."""
    if not isinstance(text, str) or not text.strip():
        return [_("타이머의 값이 비어 있습니다")]
    messages = korean_problems(check_expression(text))
    literal = _STRING_LITERAL.match(text)
    if not messages and literal:
        value = literal.group(1) if literal.group(1) is not None else literal.group(2)
        if kind == "timeDuration" and not _ISO_DURATION.match(value):
            messages.append(_("기간 '%(value)s'은(는) ISO 8601 기간이 아닙니다 "
                              "(예: \"P3D\"는 3일, \"PT2H\"는 2시간)", value=value))
        if kind == "timeDate" and not _is_datetime(value):
            messages.append(_("날짜 '%(value)s'은(는) ISO 8601 날짜·시각이 아닙니다 "
                              "(예: \"2026-03-01T09:00:00\")", value=value))
    return messages


def _is_datetime(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _by_id(root: etree._Element, element_id: str) -> etree._Element | None:
    found = root.xpath("//*[@id=$id]", id=element_id)
    return found[0] if found else None


def _engine_problems(body: str, ids: list[str], registry: Registry) -> list[StudioProblem]:
    """What ``ieum check`` reports on the process: SpiffWorkflow's parser and validator, with
    the files of the processes it calls. Problems the modeller's own checks already say in
    Korean (forms, expressions) are left out."""
    called = set()
    for process_id in ids:
        existing = registry.processes.get(process_id)
        if existing is not None:
            called |= set(existing.subprocess_specs)
    for ref in re.findall(r'calledElement="([^"]+)"', body):
        called.add(ref)
        existing = registry.processes.get(ref)
        if existing is not None:
            called |= set(existing.subprocess_specs)
    own_files = {p.path for p in registry.processes.values() if p.id in ids}
    others = {p.path: p.plugin for p in registry.processes.values()
              if p.id in called and p.id not in ids and p.path not in own_files}
    form_filenames = {form.filename: form.id for form in registry.forms.values()}
    with tempfile.TemporaryDirectory(prefix="ieum-studio-") as folder:
        path = Path(folder) / "draft.bpmn"
        path.write_text(body, encoding="utf-8")
        _processes, _ids, found = load_processes([(path, None), *others.items()],
                                                 form_filenames,
                                                 dmn_files=dmn_files(registry.sources))
    problems = []
    for problem in found:
        if not problem.path.endswith(path.name) or _SAID_IN_KOREAN.match(problem.message):
            continue  # a problem of a called process's own file is not this document's
        element_id = problem.pointer.rsplit("/", 1)[-1] if problem.pointer else ""
        message = re.sub(r" \(line \d+\)$", "", problem.message)
        problems.append(StudioProblem(element_id, _("BPMN 검사: %(problem)s", problem=message)))
    return problems


_SAID_IN_KOREAN = re.compile(r"^(user task '|condition of sequence flow|script of script task|"
                             r"property '|preScript of|postScript of|"
                             r"Non-default exclusive outgoing sequence flow without condition)")


def _profiles_using(registry: Registry, ids: Iterable[str]) -> dict[str, frozenset[str]]:
    """The roles of each profile whose menu has a unit using one of the processes ``ids``."""
    wanted = set(ids)
    units = {unit.id for unit in registry.unit_functions.values()
             if wanted & set(unit.processes)}
    return {profile.code: frozenset(profile.roles) for profile in registry.profiles.values()
            if units & set(profile.unit_ids)}


# --- Korean messages ---------------------------------------------------------------------------

_SCRIPT_RULES: tuple[Rule, ...] = (
    (re.compile(r"^line (\d+): (.*)$"), lambda m: f"{m.group(1)}번째 줄: {_korean(m.group(2))}"),
    (re.compile(r"^the script is empty$"), lambda m: "스크립트가 비어 있습니다"),
    (re.compile(r"^the script has more than (\d+) lines$"),
     lambda m: f"스크립트가 {m.group(1)}줄보다 깁니다"),
    (re.compile(r"^a script line must be 'name = expression'$"),
     lambda m: "스크립트의 각 줄은 '이름 = 식' 꼴이어야 합니다"),
    (re.compile(r"^'([^']*)' cannot be assigned$"),
     lambda m: f"'{m.group(1)}'에는 값을 넣을 수 없습니다"),
)


def _korean(message: str) -> str:
    """A checker's problem in Korean; in another language, the checker's own (English)
    words."""
    if current_language() != "ko":
        return message
    return korean(message, _SCRIPT_RULES)


def korean_problems(messages: Iterable[str]) -> list[str]:
    """The Korean form of the expression checker's (English) problems."""
    return [_korean(message) for message in messages]


def check_condition(text: str) -> list[str]:
    """The Korean problems of a condition (or other expression) typed in the modeller."""
    if not isinstance(text, str) or not text.strip():
        return [_("식이 비어 있습니다")]
    return korean_problems(check_expression(text))


def check_script_text(text: str) -> list[str]:
    """The Korean problems of a script typed in the modeller."""
    return korean_problems(check_script(text if isinstance(text, str) else ""))


# --- pickers -----------------------------------------------------------------------------------

def form_choices(registry: Registry) -> list[dict[str, str]]:
    """The forms a user task may name: file name (the property value), id and title."""
    return sorted(({"filename": form.filename, "id": form.id, "title": form.title}
                   for form in registry.forms.values()), key=lambda f: f["id"])


def role_choices(registry: Registry) -> dict[str, dict[str, object]]:
    """Every role of every profile: its Korean title and the profiles that have it."""
    roles: dict[str, dict[str, object]] = {}
    for profile in sorted(registry.profiles.values(), key=lambda p: p.code):
        for role in profile.roles.values():
            entry = roles.setdefault(role.id, {"id": role.id, "title": role.title,
                                               "profiles": []})
            entry["profiles"].append(profile.code)  # type: ignore[union-attr]
    return dict(sorted(roles.items()))


def function_choices(functions: Mapping[str, Callable[..., object]]) -> list[dict[str, object]]:
    """The service functions a service task may call: name, the first line of its docstring
    and its parameter names (``context`` is given by the runner, not by the task)."""
    choices = []
    for name, function in sorted(functions.items()):
        doc = (inspect.getdoc(function) or "").strip().splitlines()
        try:
            parameters = [p for p in inspect.signature(function).parameters
                          if p not in ("context", "self")]
        except (TypeError, ValueError):
            parameters = []
        choices.append({"name": name, "doc": doc[0] if doc else "", "parameters": parameters})
    return choices


def process_choices(registry: Registry) -> list[dict[str, str]]:
    """The processes a call activity may call: id and name."""
    return sorted(({"id": p.id, "name": p.name} for p in registry.processes.values()),
                  key=lambda p: p["id"])


def shipped_document(registry: Registry, key: str) -> str | None:
    """The text of the file that defines process ``key`` in the loaded content, if any."""
    process = registry.processes.get(key)
    if process is None:
        return None
    return Path(process.path).read_text(encoding="utf-8")


# --- a new process -----------------------------------------------------------------------------

def empty_process(key: str, name: str = "") -> str:
    """A new process document: an executable process ``key`` with one start event (without a
    ``name``, the check asks the author for one)."""
    title = name
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" \
xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" \
xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" \
xmlns:di="http://www.omg.org/spec/DD/20100524/DI" \
xmlns:spiffworkflow="{SPIFF_NS}" id={quoteattr("Definitions_" + key)} \
targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id={quoteattr(key)} name={quoteattr(title)} isExecutable="true">
    <bpmn:startEvent id="start" name="시작" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id={quoteattr("Diagram_" + key)}>
    <bpmndi:BPMNPlane id={quoteattr("Plane_" + key)} bpmnElement={quoteattr(key)}>
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="152" y="102" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


# --- a diagram for a document without one ------------------------------------------------------

_BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
_DC = "http://www.omg.org/spec/DD/20100524/DC"
_DI = "http://www.omg.org/spec/DD/20100524/DI"
_EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent"}
_GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
             "complexGateway"}
_ACTIVITIES = {"task", "userTask", "serviceTask", "scriptTask", "manualTask", "sendTask",
               "receiveTask", "businessRuleTask", "callActivity", "subProcess"}
_KEEP_COMMENTS = etree.XMLParser(resolve_entities=False, no_network=True)


def with_diagram(body: str) -> str:
    """``body`` with a simple left-to-right diagram when it has none (the modeller can only
    open a document with a diagram; content written by hand often has none). Lanes are not
    drawn (they stay in the document as they are); a document with a diagram is returned as
    it is."""
    root = etree.fromstring(body.encode("utf-8"), _KEEP_COMMENTS)
    if root.find(f"{{{_BPMNDI}}}BPMNDiagram") is not None:
        return body
    process = next((p for p in root.iterfind(f"{_B}process")
                    if p.get("isExecutable", "true") == "true"), root.find(f"{_B}process"))
    if process is None:
        return body
    nodes = {el.get("id"): el for el in process
             if isinstance(el.tag, str) and el.get("id")
             and etree.QName(el).localname in _EVENTS | _GATEWAYS | _ACTIVITIES}
    boundaries = [el for el in process.iterfind(f"{_B}boundaryEvent") if el.get("id")]
    flows = [f for f in process.iterfind(f"{_B}sequenceFlow") if f.get("id")]
    attached = {b.get("id"): b.get("attachedToRef") for b in boundaries}
    level: dict[str, int] = {}
    queue = [n for n, el in nodes.items() if el.find(f"{_B}incoming") is None]
    queue += [n for n in nodes if not queue]  # a cycle with no start: begin anywhere
    for first in queue:
        level.setdefault(first, 0)
    found = list(queue)  # the order nodes are reached in: the main path first
    while queue:
        current = queue.pop(0)
        sources = [current, *(b for b, host in attached.items() if host == current)]
        for flow in flows:
            target = flow.get("targetRef")
            if flow.get("sourceRef") in sources and target in nodes and target not in level:
                level[target] = level[current] + 1
                queue.append(target)
                found.append(target)
    for node in nodes:
        if node not in level:
            level[node] = max(level.values(), default=-1) + 1
            found.append(node)
    bounds: dict[str, tuple[float, float, float, float]] = {}
    rows: dict[int, int] = {}
    for node in sorted(nodes, key=lambda n: (level[n], found.index(n))):
        kind = etree.QName(nodes[node]).localname
        width, height = (36, 36) if kind in _EVENTS else (50, 50) if kind in _GATEWAYS \
            else (100, 80)
        row = rows.get(level[node], 0)
        rows[level[node]] = row + 1
        center_x, center_y = 170 + level[node] * 170, 120 + row * 150
        bounds[node] = (center_x - width / 2, center_y - height / 2, width, height)
    on_host: dict[str, int] = {}
    for boundary in boundaries:
        host = bounds.get(boundary.get("attachedToRef") or "")
        if host is None:
            continue
        index = on_host.get(boundary.get("attachedToRef") or "", 0)
        on_host[boundary.get("attachedToRef") or ""] = index + 1
        bounds[boundary.get("id")] = (host[0] + host[2] - 38 - index * 40,
                                      host[1] + host[3] - 18, 36, 36)
    diagram = etree.SubElement(root, f"{{{_BPMNDI}}}BPMNDiagram",
                               nsmap={"bpmndi": _BPMNDI, "dc": _DC, "di": _DI},
                               id=f"Diagram_{process.get('id')}")
    plane = etree.SubElement(diagram, f"{{{_BPMNDI}}}BPMNPlane", id=f"Plane_{process.get('id')}",
                             bpmnElement=process.get("id") or "")
    for element_id, (x, y, width, height) in bounds.items():
        shape = etree.SubElement(plane, f"{{{_BPMNDI}}}BPMNShape", id=f"{element_id}_di",
                                 bpmnElement=element_id)
        if element_id in nodes and etree.QName(nodes[element_id]).localname in _GATEWAYS:
            shape.set("isMarkerVisible", "true")
        etree.SubElement(shape, f"{{{_DC}}}Bounds", x=_n(x), y=_n(y), width=_n(width),
                         height=_n(height))
    for flow in flows:
        source, target = bounds.get(flow.get("sourceRef") or ""), \
            bounds.get(flow.get("targetRef") or "")
        if source is None or target is None:
            continue
        edge = etree.SubElement(plane, f"{{{_BPMNDI}}}BPMNEdge", id=f"{flow.get('id')}_di",
                                bpmnElement=flow.get("id") or "")
        target_y = target[1] + target[3] / 2
        if flow.get("sourceRef") in attached:  # leaves a boundary event downwards
            start_x, start_y = source[0] + source[2] / 2, source[1] + source[3]
            points = [(start_x, start_y), (start_x, target_y), (target[0], target_y)]
        else:
            start_x, start_y = source[0] + source[2], source[1] + source[3] / 2
            middle = (start_x + target[0]) / 2
            points = [(start_x, start_y), (target[0], target_y)] if start_y == target_y \
                else [(start_x, start_y), (middle, start_y), (middle, target_y),
                      (target[0], target_y)]
        for x, y in points:
            etree.SubElement(edge, f"{{{_DI}}}waypoint", x=_n(x), y=_n(y))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8")


def _n(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# --- comparing ---------------------------------------------------------------------------------

def same_meaning(xml_a: str, xml_b: str) -> bool:
    """Whether two process documents mean the same: the same elements (ids, types, names,
    attributes), flows, conditions, scripts, lanes and extension elements, ignoring the diagram
    (coordinates, shapes, waypoints), comments, the order of attributes and elements and the
    whitespace around texts."""
    return not differences(xml_a, xml_b)


def differences(xml_a: str, xml_b: str) -> list[str]:
    """What differs between two process documents, one line per element id (empty when they
    mean the same). Raises :class:`BpmnSyntaxError` when one does not parse."""
    a, b = _meaning(parse(xml_a)), _meaning(parse(xml_b))
    found = []
    for element_id in sorted(a.keys() | b.keys()):
        if element_id not in b:
            found.append(f"{element_id}: 첫 문서에만 있습니다 ({_summary(a[element_id])})")
        elif element_id not in a:
            found.append(f"{element_id}: 둘째 문서에만 있습니다 ({_summary(b[element_id])})")
        elif a[element_id] != b[element_id]:
            found.append(f"{element_id}: 다릅니다: {_summary(a[element_id])} ≠ "
                         f"{_summary(b[element_id])}")
    return found


def _meaning(root: etree._Element) -> dict[str, tuple]:
    """Each element with an id (outside the diagram) by id: its canonical form, where child
    elements with an id of their own stand as a reference (they are compared by themselves)."""
    found: dict[str, tuple] = {}
    found["(definitions)"] = _canonical(root, root_level=True)
    for element in root.iter(etree.Element):
        if element is root or not element.get("id") or _in_diagram(element):
            continue
        key = element.get("id")
        canonical = _canonical(element)
        if key in found:  # a duplicate id is a difference in itself
            key = f"{key} (중복 {sum(1 for k in found if k.startswith(key))})"
        found[key] = canonical
    return found


def _in_diagram(element: etree._Element) -> bool:
    return etree.QName(element).namespace in DI_NAMESPACES


def _canonical(element: etree._Element, root_level: bool = False) -> tuple:
    qname = etree.QName(element)
    attributes = []
    for name, value in element.attrib.items():
        if root_level and name in _TOOL_ATTRIBUTES:
            continue
        if name == XSI_TYPE and value.endswith("tFormalExpression"):
            continue  # bpmn-js writes the default type of an expression out
        attributes.append((name, value))
    children = []
    for child in element:
        if not isinstance(child.tag, str) or _in_diagram(child):
            continue
        if child.get("id"):
            children.append(("ref", etree.QName(child).localname, child.get("id")))
        else:
            canonical = _canonical(child)
            if canonical[0][1] == "extensionElements" and not canonical[3]:
                continue  # an empty extensionElements says nothing
            children.append(canonical)
    text = "\n".join(line.strip() for line in (element.text or "").strip().splitlines())
    return ((qname.namespace or "", qname.localname), tuple(sorted(attributes)), text,
            tuple(sorted(children, key=repr)))


def _summary(canonical: tuple) -> str:
    (_ns, local), attributes, text, children = canonical
    parts = [local, *(f"{etree.QName(k).localname}={v!r}" for k, v in attributes)]
    if text:
        parts.append(repr(text))
    inner = [_summary(c) if len(c) == 4 else f"{c[1]}#{c[2]}" for c in children]
    if inner:
        parts.append("[" + ", ".join(inner) + "]")
    return " ".join(parts)


__all__ = [
    "BpmnSyntaxError", "check", "check_condition", "check_script_text", "check_timer",
    "differences", "empty_process", "form_choices", "function_choices", "korean_problems",
    "parse", "process_choices", "process_ids", "properties", "role_choices", "same_meaning",
    "shipped_document", "with_diagram",
]
