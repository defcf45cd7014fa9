"""Counterfactuals: the smallest change of one of the household's inputs that changes the
outcome of a program ("소득인정액이 월 12,340원 낮으면 선정").

For a refused household: how much less income or assets, or how much more debt, would make it
eligible; for an eligible one: how much more would make it ineligible (how close the case
was). One input at a time, in whole won.

The outcome of an input amount is monotone when the program's criteria and threshold read it
only through the income engine (소득인정액 never falls when income or assets rise, never rises
when debts rise): then bisection over whole won finds the exact smallest change (``exact``),
with a check at the found amount and one won less. Otherwise (an expression reads the input
itself, or a household size) the change is searched on a grid and then bisected between the
last unchanged and the first changed point (``search``): the smallest change on that grid,
not a proof that nothing smaller exists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ieum.catalog.definition import ProgramDefinition
from ieum.catalog.evaluate import EvaluationError, evaluate_household
from ieum.catalog.income import INPUT_FIELDS
from ieum.catalog.variables import VARIABLE_INFO
from ieum.expressions import compile_expression
from ieum.i18n import gettext as _
from ieum.i18n import josa
from ieum.i18n import lazy_gettext as _l

__all__ = ["ADJUSTABLE", "Counterfactual", "counterfactuals", "income_recognition_gap"]

#: The amounts a counterfactual may change, and which way helps eligibility (-1: less).
ADJUSTABLE: Mapping[str, int] = {
    "earned_income": -1, "business_income": -1, "other_income": -1,
    "financial_assets": -1, "general_assets": -1, "housing_assets": -1, "car_value": -1,
    "debts": +1,
}
MAX_AMOUNT = 100_000_000_000  # the household form's maximum
GRID = 64


@dataclass(frozen=True)
class Counterfactual:
    """One smallest change: ``variable`` from ``current`` to ``changed`` (``change`` signed,
    whole won or persons) gives ``eligible_after`` (and ``benefit_after``); ``method`` is
    ``exact``, ``search`` or ``analytic``; ``sentence`` says it in plain Korean."""

    variable: str
    label: str
    current: int
    changed: int
    change: int
    eligible_after: bool
    benefit_after: float
    method: str
    sentence: str

    def to_json(self) -> dict[str, Any]:
        return {"variable": self.variable, "label": self.label, "current": self.current,
                "changed": self.changed, "change": self.change,
                "eligible_after": self.eligible_after, "benefit_after": self.benefit_after,
                "method": self.method, "sentence": self.sentence}


def _outcome(definition: ProgramDefinition, household: Mapping[str, Any],
             year: int) -> tuple[bool, float] | None:
    try:
        result = evaluate_household(definition, household, year)
    except EvaluationError:
        return None
    return result.eligible, float(result.benefit)


def _smallest(flips: Callable[[int], bool], low: int, high: int) -> int:
    """The smallest ``d`` in ``(low, high]`` with ``flips(d)``, given ``not flips(low)`` and
    ``flips(high)`` and monotone ``flips``."""
    while high - low > 1:
        middle = (low + high) // 2
        if flips(middle):
            high = middle
        else:
            low = middle
    return high


def _amount_text(variable: str, amount: int) -> str:
    unit = VARIABLE_INFO[variable].unit
    if unit == "원/월":
        return _("월 %(amount)s원", amount=f"{amount:,}")
    return _("%(amount)s원", amount=f"{amount:,}")


def _sentence(variable: str, change: int, eligible_after: bool) -> str:
    """The change in one sentence, in the request's language (a counterfactual is worked out
    when shown, never stored)."""
    more = change > 0
    n = abs(change)
    if variable == "size":
        if eligible_after:
            return _("가구원 수가 %(n)s명 많으면 선정됩니다", n=n) if more \
                else _("가구원 수가 %(n)s명 적으면 선정됩니다", n=n)
        return _("가구원 수가 %(n)s명 많으면 선정기준을 넘어 선정되지 않습니다", n=n) if more \
            else _("가구원 수가 %(n)s명 적으면 선정기준을 넘어 선정되지 않습니다", n=n)
    amount = _amount_text(variable, n)
    if variable == "income_recognition":
        if eligible_after:
            return _("소득인정액이 %(amount)s 높으면 선정됩니다", amount=amount) if more \
                else _("소득인정액이 %(amount)s 낮으면 선정됩니다", amount=amount)
        return _("소득인정액이 %(amount)s 높으면 선정기준을 넘어 선정되지 않습니다",
                 amount=amount) if more \
            else _("소득인정액이 %(amount)s 낮으면 선정기준을 넘어 선정되지 않습니다",
                   amount=amount)
    info = VARIABLE_INFO.get(variable)
    label = josa(_(info.label) if info is not None else variable, "이")
    if eligible_after:
        return _("%(label)s %(amount)s 많으면 선정됩니다", label=label, amount=amount) if more \
            else _("%(label)s %(amount)s 적으면 선정됩니다", label=label, amount=amount)
    return _("%(label)s %(amount)s 많으면 선정기준을 넘어 선정되지 않습니다", label=label,
             amount=amount) if more \
        else _("%(label)s %(amount)s 적으면 선정기준을 넘어 선정되지 않습니다", label=label,
               amount=amount)


def _monotone(definition: ProgramDefinition, variable: str) -> bool:
    """The outcome moves one way with ``variable``: the criteria and the threshold read it
    only through the income engine (whose amounts are monotone in each input)."""
    names = (compile_expression(definition.criteria).names
             | compile_expression(definition.threshold).names)
    return variable not in names


def income_recognition_gap(definition: ProgramDefinition, household: Mapping[str, Any],
                           year: int) -> Counterfactual | None:
    """How much lower (refused) or higher (eligible) 소득인정액 would change the outcome,
    the criteria evaluated with 소득인정액 replaced (the other values as they are)."""
    from ieum.catalog.evaluate import household_environment

    if "income_recognition" not in compile_expression(definition.criteria).names:
        return None
    try:
        env, breakdown = household_environment(definition, household, year)
        result = evaluate_household(definition, household, year)
    except EvaluationError:
        return None
    env["threshold"] = result.threshold
    criteria = compile_expression(definition.criteria)
    current = breakdown.income_recognition
    eligible = result.eligible

    def flips(delta: int) -> bool:
        value = current - delta if not eligible else current + delta
        outcome = criteria.evaluate({**env, "income_recognition": value})
        return bool(outcome) is not eligible if not hasattr(outcome, "message") else False

    high = current if not eligible else MAX_AMOUNT
    if not flips(high):
        return None
    delta = _smallest(flips, 0, high)
    change = -delta if not eligible else delta
    return Counterfactual("income_recognition", "소득인정액", current, current + change, change,
                          not eligible, 0.0, "analytic",
                          _sentence("income_recognition", change, not eligible))


def counterfactuals(definition: ProgramDefinition, household: Mapping[str, Any],
                    year: int | None = None) -> list[Counterfactual]:
    """The smallest single-input changes that change the outcome of ``household``: first
    소득인정액 itself (analytic), then each amount of :data:`ADJUSTABLE` that can change it,
    the household size, and the car exemption; the smallest relative change first among the
    amounts. Empty when nothing one input can do changes it."""
    year = definition.latest_year if year is None else int(year)
    base = {name: household.get(name) for name in ("size", "region", *INPUT_FIELDS)}
    for name in INPUT_FIELDS:
        base[name] = base[name] or 0
    start = _outcome(definition, base, year)
    if start is None:
        return []
    eligible = start[0]
    found: list[Counterfactual] = []
    gap = income_recognition_gap(definition, base, year)
    if gap is not None:
        found.append(gap)
    amounts: list[Counterfactual] = []
    for variable, helps in ADJUSTABLE.items():
        direction = helps if not eligible else -helps
        current = int(round(float(base[variable] or 0)))
        high = current if direction < 0 else MAX_AMOUNT - current
        if high <= 0:
            continue
        cache: dict[int, tuple[bool, float] | None] = {}

        def result(delta: int, variable: str = variable, direction: int = direction,
                   current: int = current, cache: dict = cache) -> tuple[bool, float] | None:
            if delta not in cache:
                cache[delta] = _outcome(definition,
                                        {**base, variable: current + direction * delta}, year)
            return cache[delta]

        def flips(delta: int, result: Callable = result) -> bool:
            outcome = result(delta)
            return outcome is not None and outcome[0] is not eligible

        if _monotone(definition, variable):
            # grow the bound first so that bisection works on a short interval
            last, bound = 0, 1
            while bound < high and not flips(bound):
                last, bound = bound, min(bound * 4, high)
            if not flips(bound):
                continue
            delta, method = _smallest(flips, last, bound), "exact"
        else:
            points = sorted({round(high * i / GRID) for i in range(1, GRID + 1)})
            first = next((p for p in points if flips(p)), None)
            if first is None:
                continue
            before = max((p for p in points if p < first), default=0)
            delta, method = _smallest(flips, before, first), "search"
        change = direction * delta
        after = result(delta)
        assert after is not None
        amounts.append(Counterfactual(
            variable, _l(VARIABLE_INFO[variable].label), current, current + change, change,
            after[0], after[1], method, _sentence(variable, change, after[0])))
    amounts.sort(key=lambda c: (abs(c.change) / max(c.current, 1) if c.change < 0
                                else abs(c.change) / 1_000_000, c.variable))
    found += amounts
    size = int(base["size"])
    for step in range(1, 4):
        other = size + step if not eligible else size - step
        if other < 1:
            break
        outcome = _outcome(definition, {**base, "size": other}, year)
        if outcome is not None and outcome[0] is not eligible:
            change = other - size
            found.append(Counterfactual("size", _l("가구원 수"), size, other, change, outcome[0],
                                        outcome[1], "search",
                                        _sentence("size", change, outcome[0])))
            break
    if not eligible and base.get("car_value") and not base.get("car_exempt"):
        outcome = _outcome(definition, {**base, "car_exempt": 1}, year)
        if outcome is not None and outcome[0]:
            found.append(Counterfactual(
                "car_exempt", _l(VARIABLE_INFO["car_exempt"].label), 0, 1, 1, True,
                outcome[1], "search", _("자동차가 환산 제외 대상(장애인·생업용)이면 선정됩니다")))
    return found
