"""One BPMN process as a running SpiffWorkflow: create, serialize, load, read its tasks.

The serialized state includes the process spec, so an instance keeps running on the BPMN it
started with even after the file changes. Task data stays small: forms are saved as records;
the workflow keeps record ids and the few values its conditions and scripts read.

Building the spec objects from the state was half the cost of loading a workflow, and
converting them back a third of dumping one (issue 15), though they are the same at every step
of every instance of a process. So both are remembered per process (worker): the spec objects
by the exact content of the state's spec part (its pickle, which is cheap to make and equal
only for equal content), the spec part of a dump by the spec object. SpiffWorkflow shares a
spec among the workflows that run it anyway (the registry's spec is shared by every new one).
"""

from __future__ import annotations

import datetime as dt
import pickle
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer import DEFAULT_CONFIG
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from ieum.definitions.dmn import INPUT_NAME, checkable
from ieum.definitions.model import ProcessDef
from ieum.expressions import EvalError, compile_expression, compile_script
from ieum.expressions.instructions import instruction_names, render_instructions
from ieum.workflow.environment import SafeScriptEngine

#: The two keys of a serialized workflow that hold its spec (the process and the ones it calls).
SPEC_KEYS = ("spec", "subprocess_specs")
#: How many distinct specs each cache keeps (a process per BPMN version in use).
SPEC_CACHE_SIZE = 64


class _SpecCache:
    """A small thread-safe LRU mapping."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Any, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: Any, value: Any) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


class SpecCachingConverter(BpmnWorkflowConverter):
    """SpiffWorkflow's converter of a top-level workflow, remembering the spec both ways.

    ``to_dict`` gives what SpiffWorkflow's gives (``tests/test_workflow_runtime.py`` checks it);
    the spec part is converted once per spec object and shared by the dicts it returns (they
    are only ever read: written as JSON, or pickled by ``load``). ``from_dict`` restores the
    spec part once per distinct content."""

    dumped = _SpecCache(SPEC_CACHE_SIZE)  # id(spec) -> (spec, subprocess specs, their dicts)
    loaded = _SpecCache(SPEC_CACHE_SIZE)  # pickle of the spec part -> (spec, subprocess specs)

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["spec"], dct["subprocess_specs"] = self._spec_dicts(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def _spec_dicts(self, workflow: BpmnWorkflow) -> tuple[Any, Any]:
        found = self.dumped.get(id(workflow.spec))
        if found is not None and found[0] is workflow.spec \
                and found[1] == workflow.subprocess_specs:
            return found[2], found[3]
        spec = self.registry.convert(workflow.spec)
        subprocess_specs = self.mapping_to_dict(workflow.subprocess_specs)
        # the spec object is kept with its dicts, so its id names no other object meanwhile
        self.dumped.put(id(workflow.spec), (workflow.spec, dict(workflow.subprocess_specs),
                                            spec, subprocess_specs))
        return spec, subprocess_specs

    def from_dict(self, dct: dict[str, Any]) -> BpmnWorkflow:
        parts = {key: dct.pop(key) for key in SPEC_KEYS if key in dct}
        return self.from_parts(dct, pickle.dumps(parts, pickle.HIGHEST_PROTOCOL))

    def specs(self, key: bytes) -> tuple[Any, dict[str, Any]]:
        """The spec objects of a state whose spec part pickles to ``key``."""
        found = self.loaded.get(key)
        if found is None:
            parts = pickle.loads(key)  # noqa: S301 - our own pickle, made just before
            found = (self.registry.restore(parts["spec"]),
                     self.mapping_from_dict(parts.get("subprocess_specs") or {}))
            self.loaded.put(key, found)
        return found

    def from_parts(self, dct: dict[str, Any], key: bytes) -> BpmnWorkflow:
        """SpiffWorkflow's ``from_dict`` of a state without its spec part, whose pickle is
        ``key`` (consumes ``dct``, as SpiffWorkflow's does)."""
        spec, subprocess_specs = self.specs(key)
        workflow = self.target_class(spec, dict(subprocess_specs), deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


#: SpiffWorkflow's serializer as it comes (the benchmarks' peers use it).
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))
#: The same with :class:`SpecCachingConverter`: what ``dump`` and ``load`` use.
CACHING_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(
    {**DEFAULT_CONFIG, BpmnWorkflow: SpecCachingConverter}))
_CONVERTER = CACHING_SERIALIZER.registry.convert_from_dict[
    CACHING_SERIALIZER.registry.typenames[BpmnWorkflow]].args[0].__self__
assert isinstance(_CONVERTER, SpecCachingConverter)  # noqa: S101 - wired above
FORM_PROPERTY = "formJsonSchemaFilename"
INSTRUCTIONS = "instructionsForEndUser"
#: The class names SpiffWorkflow 3.2 reports as a waiting timer's ``event_type``.
TIMER_EVENTS = frozenset({"TimeDateEventDefinition", "DurationTimerEventDefinition",
                          "CycleTimerEventDefinition"})


def new_workflow(process: ProcessDef, engine: SafeScriptEngine) -> BpmnWorkflow:
    return BpmnWorkflow(process.spec, dict(process.subprocess_specs), script_engine=engine)


def dump(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The workflow as a JSON-ready dict, equal to ``SERIALIZER.to_dict(workflow)`` (its spec
    part is shared with other dumps of the same spec: read it, never change it)."""
    return CACHING_SERIALIZER.to_dict(workflow)


def load(state: Mapping[str, Any], engine: SafeScriptEngine) -> BpmnWorkflow:
    # from_dict consumes parts of the dict it is given (the called processes' states): load
    # from a copy, so that the instance's state can be loaded again in the same session.
    # A pickle round trip copies the (JSON-only, in-memory) state about three times faster
    # than a JSON one, which is several times faster than deepcopy. The spec part is not
    # copied: its pickle only finds the spec objects (see SpecCachingConverter).
    if state.get("typename") != SERIALIZER.registry.typenames[BpmnWorkflow]:
        raise ValueError("not a serialized BPMN workflow")
    key = pickle.dumps({key: state[key] for key in SPEC_KEYS if key in state},
                       pickle.HIGHEST_PROTOCOL)
    rest = {key: value for key, value in state.items()
            if key not in SPEC_KEYS and key != "typename"}
    rest = pickle.loads(pickle.dumps(rest, pickle.HIGHEST_PROTOCOL))  # noqa: S301 - our copy
    _parents_first(rest)
    workflow = _CONVERTER.from_parts(rest, key)
    workflow.script_engine = engine  # the engine is not part of the state
    return workflow


def _parents_first(state: dict[str, Any]) -> None:
    """Put every task after its parent, as ``dump`` wrote them.

    SpiffWorkflow stores a task's data as the changes from its parent's data and restores
    the tasks in the order of the ``tasks`` mapping, so a child read before its parent loses
    its data. PostgreSQL's JSONB does not keep the order of keys (it sorts them).
    """
    for workflow in [state, *(state.get("subprocesses") or {}).values()]:
        tasks = workflow.get("tasks")
        if not isinstance(tasks, dict) or workflow.get("root") not in tasks:
            continue
        ordered: dict[str, Any] = {}
        waiting = [workflow["root"]]
        while waiting:
            task_id = waiting.pop()
            if task_id in ordered or task_id not in tasks:
                continue
            ordered[task_id] = tasks[task_id]
            waiting.extend(reversed(tasks[task_id].get("children") or []))
        ordered.update((task_id, task) for task_id, task in tasks.items()
                       if task_id not in ordered)
        workflow["tasks"] = ordered


def properties(task: SpiffTask) -> Mapping[str, str]:
    return getattr(task.task_spec, "extensions", {}).get("properties", {}) or {}


def instructions_html(task: SpiffTask) -> str:
    """The task's ``instructionsForEndUser`` rendered over its data (Markdown with sandboxed
    templating, see :mod:`ieum.expressions.instructions`); ``""`` when it has none."""
    text = (getattr(task.task_spec, "extensions", {}) or {}).get(INSTRUCTIONS)
    return render_instructions(text, task.data) if text else ""


@dataclass(frozen=True)
class ReadyTask:
    """A user task waiting for a person, as the inbox needs it."""

    spiff_id: str
    name: str
    title: str
    form_filename: str | None
    role: str | None
    assignee_id: int | None
    due_date: dt.date | None


def _property_value(task: SpiffTask, name: str, today: dt.date) -> Any:
    source = properties(task).get(name)
    if not source:
        return None
    value = compile_expression(source).evaluate(task.data, today=today)
    return None if isinstance(value, EvalError) else value


def ready_user_tasks(workflow: BpmnWorkflow, today: dt.date) -> list[ReadyTask]:
    """The user tasks waiting now; ``role`` is the ``role`` property (an expression over the
    task data) or else the lane, ``assignee`` a user id the ``assignee`` property names."""
    return [ready_task(task, today) for task in workflow.get_tasks(state=TaskState.READY,
                                                                  manual=True)]


def ready_ids(workflow: BpmnWorkflow) -> frozenset[str]:
    """The ids of the user tasks waiting now (as ``ReadyTask.spiff_id``)."""
    return frozenset(waiting(workflow))


def waiting(workflow: BpmnWorkflow) -> dict[str, SpiffTask]:
    """The user tasks waiting now by id (as ``ReadyTask.spiff_id``), in the tree's order: one
    walk of the task tree, for a step to find its task in and to compare with afterwards."""
    return {str(task.id): task for task in workflow.get_tasks(state=TaskState.READY,
                                                              manual=True)}


def ready_task(task: SpiffTask, today: dt.date) -> ReadyTask:
    """One waiting user task as the inbox needs it (see :func:`ready_user_tasks`)."""
    role = _property_value(task, "role", today) or task.task_spec.lane
    assignee = _property_value(task, "assignee", today)
    days = _property_value(task, "dueInDays", today)
    return ReadyTask(
        spiff_id=str(task.id),
        name=task.task_spec.bpmn_id or task.task_spec.name,
        title=task.task_spec.bpmn_name or task.task_spec.name,
        form_filename=properties(task).get(FORM_PROPERTY),
        role=str(role) if role else None,
        assignee_id=assignee if isinstance(assignee, int) and assignee > 0 else None,
        due_date=today + dt.timedelta(days=days) if isinstance(days, int) else None,
    )


def find_task(workflow: BpmnWorkflow, spiff_id: str) -> SpiffTask | None:
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        if str(task.id) == spiff_id:
            return task
    return None


def failed_tasks(workflow: BpmnWorkflow) -> list[SpiffTask]:
    return workflow.get_tasks(state=TaskState.ERROR)


def retry(workflow: BpmnWorkflow) -> None:
    """Put failed tasks back to READY so the next engine step runs them again."""
    for task in failed_tasks(workflow):
        task._set_state(TaskState.READY)  # noqa: SLF001 - SpiffWorkflow has no public reset


def next_timer(workflow: BpmnWorkflow) -> dt.datetime | None:
    """When the earliest waiting timer is due (UTC), or ``None``."""
    due = []
    for event in workflow.waiting_events():
        if event.event_type not in TIMER_EVENTS:
            continue
        value = event.value
        if isinstance(value, Mapping):  # a cycle: {'cycles': n, 'next': iso, 'duration': s}
            value = value.get("next")
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            continue
        due.append(moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC))
    return min(due) if due else None


def _specs(workflow: BpmnWorkflow) -> Iterable[Any]:
    yield workflow.spec
    yield from (workflow.subprocess_specs or {}).values()


#: ``condition_names`` per spec object (they are shared by every workflow that runs the same
#: spec: see ``SpecCachingConverter``); weak, so that a spec dropped from the caches goes.
_CONDITION_NAMES: weakref.WeakKeyDictionary[Any, tuple[dict[str, Any], frozenset[str]]] = \
    weakref.WeakKeyDictionary()


def condition_names(workflow: BpmnWorkflow) -> frozenset[str]:
    """Every name the process's conditions, scripts and task properties read: the values a
    completed form must leave in the task data (read from the spec the instance runs on,
    once per spec object and called processes)."""
    found = _CONDITION_NAMES.get(workflow.spec)
    if found is not None and found[0] == workflow.subprocess_specs:
        return found[1]
    names = _condition_names(workflow)
    _CONDITION_NAMES[workflow.spec] = (dict(workflow.subprocess_specs or {}), names)
    return names


def _condition_names(workflow: BpmnWorkflow) -> frozenset[str]:
    names: set[str] = set()
    for spec in _specs(workflow):
        for task_spec in spec.task_specs.values():
            for condition, _target in getattr(task_spec, "cond_task_specs", ()) or ():
                source = getattr(condition, "args", (None,))[0] if condition else None
                if isinstance(source, str):
                    names |= compile_expression(source).names
            for attribute in ("script", "prescript", "postscript"):
                script = getattr(task_spec, attribute, None)
                if script:
                    names |= compile_script(script).names
            extensions = getattr(task_spec, "extensions", {}) or {}
            names |= instruction_names(extensions.get(INSTRUCTIONS))
            names |= decision_names(task_spec)
            for key in ("role", "assignee", "dueInDays"):
                source = (getattr(task_spec, "extensions", {}).get("properties") or {}).get(key)
                if source:
                    names |= compile_expression(source).names
    return frozenset(names)


def decision_names(task_spec: Any) -> frozenset[str]:
    """The names a business-rule task's decision table reads (its input expressions, its
    cells other than the input value, its output cells)."""
    table = getattr(getattr(task_spec, "dmnEngine", None), "decision_table", None)
    if table is None:
        return frozenset()
    sources = [column.expression for column in table.inputs if column.expression]
    for rule in table.rules:
        sources += [checkable(cell) for entry in rule.inputEntries for cell in entry.lhs if cell]
        sources += [entry.text for entry in rule.outputEntries if entry.text]
    names: set[str] = set()
    for source in sources:
        names |= compile_expression(source).names
    return frozenset(names - {INPUT_NAME})


def steps(process: ProcessDef) -> list[tuple[str, str]]:
    """The user tasks of a process as (task id, title), in the order of the diagram's flow."""
    return [(task.id, task.name) for task in process.user_tasks]
