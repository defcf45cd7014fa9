"""Functions BPMN service tasks may call, registered by name.

A service task names an operation (``spiffworkflow:serviceTaskOperator id="..."``) and its
parameters; the platform calls the function registered under that name with the evaluated
parameters as keyword arguments. Plug-ins add functions through the entry-point group
``ieum.functions`` (each entry point is a callable; its name is the operation name).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from types import MappingProxyType
from typing import Any

ServiceFunction = Callable[..., Any]
_BUILTIN: dict[str, ServiceFunction] = {}
ENTRY_POINT_GROUP = "ieum.functions"


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
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            if entry.name not in found:
                found[entry.name] = entry.load()
    return MappingProxyType(found)


class ServiceCallError(RuntimeError):
    """A service function failed; the message is the real reason, for the administrator."""


def call(functions: Mapping[str, ServiceFunction], name: str,
         params: Mapping[str, Any]) -> Any:
    function = functions.get(name)
    if function is None:
        raise ServiceCallError(f"등록되지 않은 서비스 함수입니다: {name}")
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
