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
    ExpressionError,
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
        scope = {**(external_context or {}), **context}
        try:
            value = compile_expression(expression).evaluate(scope, today=self.today)
        except ExpressionError:
            # not in the expression language: maybe with a script's extras (SpiffArena's
            # service-task parameters are often f-strings); else the first error stands
            try:
                value = evaluate_value(expression, scope, today=self.today,
                                       helpers=self.helpers)
            except ExpressionError:
                compile_expression(expression)
                raise
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

    def call_service(self, task, **kwargs: Any) -> str:  # noqa: ANN001 - a SpiffWorkflow Task
        try:
            return self.environment.call_service(task.data, **kwargs)
        except Exception as error:
            raise WorkflowTaskException(str(error), task=task, exception=error) from error
