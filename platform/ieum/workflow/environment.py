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
from collections.abc import Callable, Mapping
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from ieum.expressions import (
    EvalError,
    compile_expression,
    evaluate_value,
    execute_script,
)
from ieum.workflow.functions import ServiceFunction, call


class ExpressionFailed(ValueError):
    """An expression or script could not be computed from the task's data."""


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    def __init__(self, functions: Mapping[str, ServiceFunction], today: dt.date,
                 helpers: Mapping[str, Callable[..., Any]] | None = None) -> None:
        super().__init__({})
        self.functions = functions
        self.today = today
        #: Answers to SpiffArena's script helpers (``get_current_user()``...), see
        #: :data:`ieum.expressions.HELPERS`; the process runner sets them from its actor.
        self.helpers = dict(helpers or {})

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: Mapping[str, Any] | None = None) -> Any:
        value = compile_expression(expression).evaluate(
            {**(external_context or {}), **context}, today=self.today)
        if isinstance(value, EvalError):
            raise ExpressionFailed(f"{expression}: {value}")
        return value

    def evaluate_parameter(self, expression: str, context: dict[str, Any]) -> Any:
        """A service-task parameter: an expression that may also use what scripts may
        (f-strings, safe methods, the helpers), as SpiffArena's parameters often do."""
        value = evaluate_value(expression, context, today=self.today, helpers=self.helpers)
        if isinstance(value, EvalError):
            raise ExpressionFailed(f"{expression}: {value}")
        return value

    def execute(self, script: str, context: dict[str, Any],
                external_context: Mapping[str, Any] | None = None) -> bool:
        outcome = execute_script(script, {**(external_context or {}), **context},
                                 today=self.today, helpers=self.helpers)
        if isinstance(outcome, EvalError):
            raise ExpressionFailed(str(outcome))
        context.update(_jsonable(outcome.changed))
        for name in outcome.deleted:
            context.pop(name, None)
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
    def __init__(self, functions: Mapping[str, ServiceFunction], today: dt.date,
                 helpers: Mapping[str, Callable[..., Any]] | None = None) -> None:
        super().__init__(environment=SafeEnvironment(functions, today, helpers))

    def evaluate(self, task, expression: str,  # noqa: ANN001 - a SpiffWorkflow Task
                 external_context: Mapping[str, Any] | None = None) -> Any:
        params = getattr(getattr(task, "task_spec", None), "operation_params", None) or {}
        if any(isinstance(p, Mapping) and p.get("value") == expression
               for p in params.values()):
            try:
                return self.environment.evaluate_parameter(
                    expression, {**(external_context or {}), **task.data})
            except Exception as error:
                raise WorkflowTaskException(f"Error evaluating expression '{expression}'",
                                            task=task, exception=error) from error
        return super().evaluate(task, expression, external_context)

    def call_service(self, task, **kwargs: Any) -> str:  # noqa: ANN001 - a SpiffWorkflow Task
        try:
            return self.environment.call_service(task.data, **kwargs)
        except Exception as error:
            raise WorkflowTaskException(str(error), task=task, exception=error) from error
