"""SpiffWorkflow's script engine, with Python replaced by the platform expression language.

SpiffWorkflow evaluates gateway conditions and runs scripts with ``eval``/``exec`` on full
Python; that is not a sandbox. :class:`SafeEnvironment` evaluates conditions as checked
expressions and scripts as checked ``name = expression`` lines, and calls service tasks'
functions by name. :class:`SafeScriptEngine` also reports a service function's real error
(SpiffWorkflow 3.2.0 turns it into ``NameError: name 'script' is not defined``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from ieum.expressions import EvalError, compile_expression, run_script
from ieum.workflow.functions import ServiceFunction, call


class ExpressionFailed(ValueError):
    """An expression or script could not be computed from the task's data."""


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    def __init__(self, functions: Mapping[str, ServiceFunction], today: dt.date) -> None:
        super().__init__({})
        self.functions = functions
        self.today = today

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: Mapping[str, Any] | None = None) -> Any:
        value = compile_expression(expression).evaluate(
            {**(external_context or {}), **context}, today=self.today)
        if isinstance(value, EvalError):
            raise ExpressionFailed(f"{expression}: {value}")
        return value

    def execute(self, script: str, context: dict[str, Any],
                external_context: Mapping[str, Any] | None = None) -> bool:
        assigned = run_script(script, {**(external_context or {}), **context}, today=self.today)
        if isinstance(assigned, EvalError):
            raise ExpressionFailed(str(assigned))
        context.update(_jsonable(assigned))
        return True

    def call_service(self, context: dict[str, Any], operation_name: str = "",
                     operation_params: Mapping[str, Any] | None = None, **_: Any) -> str:
        params = {name: spec.get("value") if isinstance(spec, Mapping) else spec
                  for name, spec in (operation_params or {}).items()}
        return json.dumps(_jsonable(call(self.functions, operation_name, params)),
                          ensure_ascii=False)


def _jsonable(value: Any) -> Any:
    """Task data must serialize: dates become ISO strings."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


class SafeScriptEngine(PythonScriptEngine):
    def __init__(self, functions: Mapping[str, ServiceFunction], today: dt.date) -> None:
        super().__init__(environment=SafeEnvironment(functions, today))

    def call_service(self, task, **kwargs: Any) -> str:  # noqa: ANN001 - a SpiffWorkflow Task
        try:
            return self.environment.call_service(task.data, **kwargs)
        except Exception as error:
            raise WorkflowTaskException(str(error), task=task, exception=error) from error
