"""Functions BPMN service tasks may call, registered by name.

A service task names an operation (``spiffworkflow:serviceTaskOperator id="..."``) and its
parameters; the platform calls the function registered under that name with the evaluated
parameters as keyword arguments. Plug-ins add functions through the entry-point group
``ieum.functions`` (each entry point is a callable; its name is the operation name).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

from ieum.definitions import extensions

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
