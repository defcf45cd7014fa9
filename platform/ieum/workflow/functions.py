"""Functions BPMN service tasks may call, registered by name.

A service task names an operation (``spiffworkflow:serviceTaskOperator id="..."``) and its
parameters; the platform calls the function registered under that name with the evaluated
parameters as keyword arguments. Plug-ins add functions through the entry-point group
``ieum.functions`` (each entry point is a callable; its name is the operation name).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from pathlib import Path
from types import MappingProxyType
from typing import Any

from lxml import etree

from ieum.definitions import extensions
from ieum.definitions.problems import Problem, pointer

ServiceFunction = Callable[..., Any]
_BUILTIN: dict[str, ServiceFunction] = {}
ENTRY_POINT_GROUP = extensions.FUNCTIONS
#: What a service task may act on while the engine runs: set by the process runner around
#: each engine step (``ieum.services.workflows``), read by functions marked ``with_context``.
current_context: ContextVar[Any] = ContextVar("ieum_service_task_context", default=None)


def with_context(function: ServiceFunction) -> ServiceFunction:
    """Mark a service function that takes ``context``: the process runner's
    :class:`ieum.services.workflows.ServiceTaskContext` (read and write records through the
    record pipeline, with the grants, closings and audit of the user who moved the process)."""
    function.wants_context = True  # type: ignore[attr-defined]
    return function


def service_function(name: str) -> Callable[[ServiceFunction], ServiceFunction]:
    """Register a built-in service function under ``name``."""
    def register(function: ServiceFunction) -> ServiceFunction:
        if name in _BUILTIN:
            raise ValueError(f"service function {name!r} is registered twice")
        _BUILTIN[name] = function
        return function
    return register


def available(plugins: bool = True) -> Mapping[str, ServiceFunction]:
    """Built-in functions plus those of installed plug-ins (a plug-in cannot replace one)."""
    found = dict(_BUILTIN)
    if plugins:
        for name, function in extensions.objects(ENTRY_POINT_GROUP).items():
            found.setdefault(name, function)
    return MappingProxyType(found)


class ServiceCallError(RuntimeError):
    """A service function failed; the message is the real reason, for the administrator."""


def call(functions: Mapping[str, ServiceFunction], name: str,
         params: Mapping[str, Any]) -> Any:
    function = functions.get(name)
    if function is None:
        raise ServiceCallError(f"등록되지 않은 서비스 함수입니다: {name}")
    if getattr(function, "wants_context", False):
        context = current_context.get()
        if context is None:
            raise ServiceCallError(f"{name}: 이 서비스 함수는 업무 절차 안에서만 실행됩니다.")
        params = {**params, "context": context}
    try:
        return function(**params)
    except ServiceCallError:
        raise
    except Exception as error:  # the function's own failure, reported as it is
        raise ServiceCallError(f"{name}: {type(error).__name__}: {error}") from error


# --- built-ins -------------------------------------------------------------------------------

@service_function("add_days")
def add_days(date: str, days: int) -> str:
    """The ISO date ``days`` after ``date``."""
    return (dt.date.fromisoformat(str(date)[:10]) + dt.timedelta(days=int(days))).isoformat()


@service_function("fail")
def fail(message: str = "의도한 실패") -> None:
    """Always fails with ``message`` (for testing error handling of a process)."""
    raise RuntimeError(message)


# --- checks at load ------------------------------------------------------------------------------

def operator_problems(processes: Iterable[Any], functions: Mapping[str, ServiceFunction],
                      ) -> list[Problem]:
    """A problem for each service task whose operator (``spiffworkflow:serviceTaskOperator
    id``) is no registered function: it would fail when the process reaches it (SpiffArena's
    connectors such as ``http/GetRequest`` are not functions of ieum). ``processes`` are
    :class:`ieum.definitions.model.ProcessDef` objects."""
    problems = []
    known = ", ".join(sorted(functions)) or "(none)"
    for process in processes:
        lines = _element_lines(process.path)
        for spec in [process.spec, *process.subprocess_specs.values()]:
            for task_spec in spec.task_specs.values():
                name = getattr(task_spec, "operation_name", None)
                if name is None or name in functions:
                    continue
                task_id = task_spec.bpmn_id or task_spec.name
                line = lines.get(task_id)
                problems.append(Problem(
                    process.path, pointer(spec.name, task_id),
                    f"service task {task_id!r} calls operator {name!r}, which is no registered "
                    f"service function (ieum.functions); registered: {known}"
                    + (f" (line {line})" if line else "")))
    return problems


def _element_lines(path: Path) -> dict[str, int]:
    try:
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    except (OSError, etree.XMLSyntaxError):
        return {}
    return {element.get("id"): element.sourceline for element in root.iter(etree.Element)
            if element.get("id")}
