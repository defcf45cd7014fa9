"""Evaluating a program for one household: income recognition, threshold, criteria, benefit.

The scalar evaluator of the expression language runs the program's expressions over the
household's variables, the income engine's derived amounts, ``year`` and the program's
parameters for that year (:func:`household_environment`). Simulation does the same over
columns (:mod:`ieum.catalog.simulate`); tests compare the two.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ieum.catalog.definition import ProgramDefinition
from ieum.catalog.income import (
    INPUT_FIELDS,
    IncomeBreakdown,
    IncomeError,
    household_size,
    income_recognition,
    region_tier,
)
from ieum.catalog.texts import shown
from ieum.expressions import EvalError, compile_expression
from ieum.i18n import gettext as _


class EvaluationError(ValueError):
    """The household's data does not allow evaluating the program; ``message`` is Korean."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Determination:
    """The outcome of a program for one household in one year.

    ``benefit`` is won per delivery (0 when not eligible); ``share_of_threshold`` is
    소득인정액 / 선정기준액 (``None`` when the threshold is not positive); ``lines`` the
    computation line by line ``(label, amount)`` and ``reasons`` the outcome in Korean
    sentences. ``auto_decidable``: eligible with ``share_of_threshold`` at or below the
    program's ``auto_decide_share`` (semi-automatic determination).
    """

    program: str
    version: int
    year: int
    eligible: bool
    benefit: float
    income_recognition: int
    threshold: float
    share_of_threshold: float | None
    lines: tuple[tuple[str, int | float], ...]
    reasons: tuple[str, ...]
    breakdown: IncomeBreakdown
    auto_decidable: bool


def _won(value: float) -> str:
    return f"{value:,.0f}원" if float(value).is_integer() else f"{value:,.2f}원"


def _whole(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def household_environment(definition: ProgramDefinition, household: Mapping[str, Any],
                          year: int) -> tuple[dict[str, Any], IncomeBreakdown]:
    """The variables the program's expressions read for ``household`` in ``year`` (without
    ``threshold``), and the income breakdown. Raises :class:`EvaluationError`."""
    try:
        breakdown = income_recognition(household, year, definition.survey_type)
        size = household_size(household)
        tier = region_tier(household.get("region"))
    except IncomeError as error:
        raise EvaluationError(error.message) from None
    try:
        parameters = definition.parameters_for(year)
    except ValueError as error:
        raise EvaluationError(str(error)) from None
    env: dict[str, Any] = {"size": size, "region": tier, "year": int(year)}
    for name in INPUT_FIELDS:
        value = household.get(name) or 0
        if name == "car_exempt":
            env[name] = 1 if value else 0
        else:
            env[name] = float(value)
    env.update(breakdown.variables())
    env.update(parameters)
    return env, breakdown


def _value(definition: ProgramDefinition, kind: str, env: Mapping[str, Any]) -> Any:
    result = compile_expression(definition.expression(kind)).evaluate(env)
    if isinstance(result, EvalError):
        what = {"criteria": _("선정기준"), "benefit": _("급여액"),
                "threshold": _("선정기준액")}[kind]
        raise EvaluationError(_("%(what)s 식을 계산할 수 없습니다: %(problem)s", what=what,
                                problem=shown(result.message)))
    return result


def evaluate_household(definition: ProgramDefinition, household: Mapping[str, Any],
                       year: int | None = None) -> Determination:
    """Whether ``household`` qualifies for the program in ``year`` (default: the program's
    latest year), the benefit, and why. Raises :class:`EvaluationError` (Korean message)
    when the household's data does not allow it."""
    year = definition.latest_year if year is None else int(year)
    env, breakdown = household_environment(definition, household, year)
    threshold = _value(definition, "threshold", env)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise EvaluationError(_("선정기준액 식의 결과가 숫자가 아닙니다"))
    env["threshold"] = threshold
    eligible = bool(_value(definition, "criteria", env))
    amount = _value(definition, "benefit", env) if eligible else 0
    if isinstance(amount, bool) or not isinstance(amount, int | float) or math.isnan(amount):
        raise EvaluationError(_("급여액 식의 결과가 숫자가 아닙니다"))
    recognition = breakdown.income_recognition
    share = recognition / threshold if threshold > 0 else None
    lines = [*breakdown.lines,
             ("선정기준액", _whole(threshold))]  # staff read the amounts, not the formulas
    if eligible:
        lines.append(("급여액", _whole(amount)))
    # ``lines`` and ``reasons`` are recorded with the application: Korean whatever the language
    reasons = []
    comparison = f"소득인정액 {_won(recognition)}"
    percent = f" (선정기준액의 {share * 100:.1f}%)" if share is not None else ""
    if recognition <= threshold:
        comparison += f"이 선정기준액 {_won(threshold)} 이하입니다{percent}"
    else:
        comparison += f"이 선정기준액 {_won(threshold)}을 넘습니다{percent}"
    reasons.append(comparison)
    verdict = "충족합니다" if eligible else "충족하지 않습니다"
    reasons.append(f"사업의 선정기준을 {verdict}")
    if eligible:
        reasons.append(f"급여액: {_won(amount)} ({_cycle(definition.delivery_cycle)})")
    auto = bool(eligible and share is not None and share <= definition.auto_decide_share)
    limit = f"{definition.auto_decide_share * 100:g}%"
    if auto:
        reasons.append(f"소득인정액이 선정기준액의 {limit} 이하여서 자동 결정할 수 있습니다")
    elif eligible:
        reasons.append(f"소득인정액이 선정기준액의 {limit}를 넘어 담당자 조사가 필요합니다")
    return Determination(
        program=definition.code, version=definition.version, year=year, eligible=eligible,
        benefit=_whole(float(amount)) if eligible else 0, income_recognition=recognition,
        threshold=_whole(threshold), share_of_threshold=share, lines=tuple(lines),
        reasons=tuple(reasons), breakdown=breakdown, auto_decidable=auto,
    )


def _cycle(cycle: str) -> str:
    return {"monthly": "매월 지급", "yearly": "매년 지급", "once": "1회 지급"}.get(cycle, cycle)


# --- the recorded reasons, shown -----------------------------------------------------------

_AMOUNT = r"([\d,]+(?:\.\d+)?)원"
_REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"^소득인정액 {_AMOUNT}이 선정기준액 {_AMOUNT} 이하입니다 "
                r"\(선정기준액의 ([\d.]+)%\)$"),
     "소득인정액 %(income)s원이 선정기준액 %(threshold)s원 이하입니다 (선정기준액의 %(share)s%%)"),
    (re.compile(rf"^소득인정액 {_AMOUNT}이 선정기준액 {_AMOUNT} 이하입니다$"),
     "소득인정액 %(income)s원이 선정기준액 %(threshold)s원 이하입니다"),
    (re.compile(rf"^소득인정액 {_AMOUNT}이 선정기준액 {_AMOUNT}을 넘습니다 "
                r"\(선정기준액의 ([\d.]+)%\)$"),
     "소득인정액 %(income)s원이 선정기준액 %(threshold)s원을 넘습니다 (선정기준액의 %(share)s%%)"),
    (re.compile(rf"^소득인정액 {_AMOUNT}이 선정기준액 {_AMOUNT}을 넘습니다$"),
     "소득인정액 %(income)s원이 선정기준액 %(threshold)s원을 넘습니다"),
    (re.compile(r"^사업의 선정기준을 충족합니다$"), "사업의 선정기준을 충족합니다"),
    (re.compile(r"^사업의 선정기준을 충족하지 않습니다$"), "사업의 선정기준을 충족하지 않습니다"),
    (re.compile(rf"^급여액: {_AMOUNT} \(매월 지급\)$"), "급여액: %(amount)s원 (매월 지급)"),
    (re.compile(rf"^급여액: {_AMOUNT} \(매년 지급\)$"), "급여액: %(amount)s원 (매년 지급)"),
    (re.compile(rf"^급여액: {_AMOUNT} \(1회 지급\)$"), "급여액: %(amount)s원 (1회 지급)"),
    (re.compile(r"^소득인정액이 선정기준액의 ([\d.]+)% 이하여서 자동 결정할 수 있습니다$"),
     "소득인정액이 선정기준액의 %(limit)s%% 이하여서 자동 결정할 수 있습니다"),
    (re.compile(r"^소득인정액이 선정기준액의 ([\d.]+)%를 넘어 담당자 조사가 필요합니다$"),
     "소득인정액이 선정기준액의 %(limit)s%%를 넘어 담당자 조사가 필요합니다"),
)
_NAMES = {"%(income)s": "income", "%(threshold)s": "threshold", "%(share)s": "share",
          "%(amount)s": "amount", "%(limit)s": "limit"}


def shown_reason(reason: str) -> str:
    """A reason :func:`evaluate_household` gave (and an application recorded, in Korean) in
    the request's language; a reason of another wording is shown as recorded."""
    for pattern, message in _REASONS:
        match = pattern.match(reason)
        if match:
            names = [name for key, name in _NAMES.items() if key in message]
            names.sort(key=lambda name: message.index(f"%({name})s"))
            return _(message, **dict(zip(names, match.groups(), strict=True)))
    return reason
