"""``ieum simulate --compare``: who gains and who loses, printed (issue 16, point 4).

Every figure printed here comes from :class:`ieum.catalog.compare.GainLoss`, which holds only
suppressed aggregates: a group of fewer than ``--min-group`` households is never printed.
"""

from __future__ import annotations

from typing import Any

import click

from ieum.catalog.compare import (
    COLUMN_TITLES,
    DEFAULT_MIN_GROUP,
    DIMENSION_TITLES,
    DIMENSIONS,
    ComparisonError,
    GainLoss,
    format_cell,
    gains_and_losses,
)
from ieum.catalog.definition import ProgramDefinition, ProgramError
from ieum.catalog.simulate import Comparison, Population, SimulationResult
from ieum.cli_catalog import _fail, _problems, _signed, _table, _won

#: The columns the terminal table shows (the JSON has them all).
SHOWN = ("households", "eligible_a", "eligible_b", "newly_eligible", "newly_ineligible", "better_off", "worse_off",
         "budget_a", "budget_b", "change")


def gains_losses_of(definition_a: ProgramDefinition, definition_b: ProgramDefinition,
                    population: Population, year: int | None,
                    min_group: int | None) -> GainLoss:
    try:
        return gains_and_losses(definition_a, definition_b, population, year=year,
                                min_group=DEFAULT_MIN_GROUP if min_group is None else min_group)
    except ComparisonError as error:
        _fail(error.message)
    except ProgramError as error:
        _problems(error, definition_b.code)


def _gini(value: float | None) -> str:
    return "표시 안 함" if value is None else f"{value:.3f}"


def safe_payload(a: SimulationResult, b: SimulationResult, comparison: Comparison,
                 gains: GainLoss) -> dict[str, Any]:
    """The JSON of ``--compare --json``: both results and their difference, whose groups
    are taken from the suppressed gains and losses (``null`` where hidden; sizes from 6 up
    in one group "6"), and the gains and losses themselves."""
    safe_a, safe_b, difference = a.to_json(), b.to_json(), comparison.to_json()
    for name, dimension in (("by_region", "region"), ("by_size", "size")):
        rows = gains.groups[dimension]
        safe_a[name] = {r["key"]: {"households": r["households"],
                                   "eligible_households": r["eligible_a"],
                                   "monthly_budget": r["budget_a"]} for r in rows}
        safe_b[name] = {r["key"]: {"households": r["households"],
                                   "eligible_households": r["eligible_b"],
                                   "monthly_budget": r["budget_b"]} for r in rows}
        difference[name] = {r["key"]: {
            "eligible_households": None if r["eligible_a"] is None or r["eligible_b"] is None
            else r["eligible_b"] - r["eligible_a"],
            "monthly_budget": r["change"]} for r in rows}
    return {"a": safe_a, "b": safe_b, "difference": difference, "gains_losses": gains.to_json()}


def print_compare(a: SimulationResult, b: SimulationResult, gains: GainLoss) -> None:
    click.echo(click.style(f"비교: {a.program} v{a.version} → {b.program} v{b.version} "
                           f"({b.year}년 기준, 가구 {b.households:,})", bold=True))
    click.echo(f"선정 가구 {a.eligible_households:,} → {b.eligible_households:,} "
               f"({_signed(b.eligible_households - a.eligible_households)})")
    click.echo(f"월 예산 {_won(a.monthly_budget)} → {_won(b.monthly_budget)} "
               f"({_signed(b.monthly_budget - a.monthly_budget, '원')})")
    if a.error_households or b.error_households:
        click.echo(f"계산할 수 없어 제외한 가구: {a.error_households:,} / "
                   f"{b.error_households:,}")
    click.echo()
    print_gains_losses(gains)


def print_gains_losses(gains: GainLoss) -> None:
    click.echo(click.style(f"누가 얻고 누가 잃는가 (k = {gains.min_group}: "
                           f"{gains.min_group}가구 미만인 집단은 표시하지 않음)", bold=True))
    total = gains.total
    click.echo(f"새로 선정 {format_cell('newly_eligible', total['newly_eligible'])}가구, "
               f"선정 제외 {format_cell('newly_ineligible', total['newly_ineligible'])}가구, "
               f"급여 증가 {format_cell('better_off', total['better_off'])}가구, "
               f"급여 감소 {format_cell('worse_off', total['worse_off'])}가구")
    click.echo(f"급여 지니계수 (전체 가구): {_gini(gains.gini['a'])} → {_gini(gains.gini['b'])}"
               f"   (수급 가구만): {_gini(gains.gini['a_recipients'])} → "
               f"{_gini(gains.gini['b_recipients'])}")
    for dimension in DIMENSIONS:
        click.echo()
        click.echo(f"{DIMENSION_TITLES[dimension]}별 차이")
        rows = [[row["label"], *(format_cell(c, row[c]) for c in SHOWN)]
                for row in gains.groups[dimension]]
        for line in _table(["구분", *(COLUMN_TITLES[c] for c in SHOWN)], rows):
            click.echo(f"  {line}")
    click.echo()
    click.echo("소득 10분위: (근로+사업+기타 소득) ÷ √가구원 수 순위로 나눈 같은 크기의 10개 집단. "
               "월 급여: 연·일회성 급여는 12로 나눈 금액.")
