"""Who gains and who loses (issue 16, point 4): the figures by income decile and the Gini
coefficients agree with an independent computation; groups below k are never shown."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from ieum.catalog.compare import (
    COUNT_COLUMNS,
    MONEY_COLUMNS,
    gains_and_losses,
    gini,
    suppress,
)
from ieum.catalog.definition import shipped_programs
from ieum.catalog.population import generate, write_population
from ieum.catalog.simulate import as_population, evaluate_population
from ieum.cli import main

COLUMNS = (*COUNT_COLUMNS, *MONEY_COLUMNS)


def _what_if(share: float = 0.35, version: int = 2):
    """생계급여 with another threshold share (both ways: some gain, and with a lower share
    some lose)."""
    base = shipped_programs()["livelihood-2026"]
    parameters = {year: dict(values) for year, values in base.parameters.items()}
    parameters[base.latest_year]["threshold_share"] = share
    return base, dataclasses.replace(base, version=version, parameters=parameters)


@pytest.fixture(scope="module")
def population():
    return as_population(generate(4000, seed=11))


def _independent(a, b, population):
    """Per household by plain Python: decile by sorting (income, row) pairs, then sums."""
    year = a.latest_year
    first, second = evaluate_population(a, population, year), evaluate_population(b, population,
                                                                                  year)
    n = population.n
    incomes = []
    for i in range(n):
        row = population.household(i)
        income = row["earned_income"] + row["business_income"] + row["other_income"]
        incomes.append((income / math.sqrt(row["size"]), i))
    decile = [0] * n
    for rank, (_, i) in enumerate(sorted(incomes)):
        decile[i] = rank * 10 // n + 1
    sums = {d: dict.fromkeys(COLUMNS, 0.0) for d in range(1, 11)}
    for i in range(n):
        ea, eb = bool(first["eligible"][i]), bool(second["eligible"][i])
        ba, bb = float(first["benefit"][i]), float(second["benefit"][i])
        row = sums[decile[i]]
        row["households"] += 1
        row["eligible_a"] += ea
        row["eligible_b"] += eb
        row["newly_eligible"] += eb and not ea
        row["newly_ineligible"] += ea and not eb
        row["better_off"] += ea and eb and bb > ba
        row["worse_off"] += ea and eb and bb < ba
        row["changed"] += bb != ba
        row["budget_a"] += ba
        row["budget_b"] += bb
        row["change"] += bb - ba
    return sums, np.asarray(first["benefit"]), np.asarray(second["benefit"])


def _pairwise_gini(values: np.ndarray) -> float:
    """Gini as the mean absolute difference over all pairs / (2 * mean)."""
    x = np.asarray(values, dtype=np.float64)
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean()))


@pytest.mark.parametrize("share", [0.35, 0.28])
def test_deciles_and_gini_agree_with_an_independent_computation(population, share) -> None:
    a, b = _what_if(share)
    result = gains_and_losses(a, b, population, min_group=1)  # k = 1: nothing hidden
    expected, benefit_a, benefit_b = _independent(a, b, population)
    rows = result.groups["decile"]
    assert [r["key"] for r in rows] == [str(d) for d in range(1, 11)]
    for row in rows:
        want = expected[int(row["key"])]
        assert row["suppressed"] == []
        for column in COUNT_COLUMNS:
            assert row[column] == want[column], (row["key"], column)
        for column in MONEY_COLUMNS:
            assert abs(row[column] - want[column]) <= 1, (row["key"], column)
    moved = sum(r["newly_eligible"] + r["newly_ineligible"] for r in rows)
    assert moved > 0  # the change moves households across the line
    if share > 0.32:
        assert all(r["newly_ineligible"] == 0 and r["worse_off"] == 0 for r in rows)
    else:
        assert sum(r["newly_ineligible"] for r in rows) > 0
    assert result.gini["a"] == pytest.approx(_pairwise_gini(benefit_a), abs=1e-6)
    assert result.gini["b"] == pytest.approx(_pairwise_gini(benefit_b), abs=1e-6)
    recipients = benefit_b[benefit_b > 0]
    assert result.gini["b_recipients"] == pytest.approx(_pairwise_gini(recipients), abs=1e-6)


def test_gini_of_simple_lists() -> None:
    assert gini([5, 5, 5, 5]) == 0
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)
    assert gini([]) == 0 and gini([0, 0]) == 0


def _recoverable(rows: list[dict], total: dict, column: str) -> bool:
    """A hidden cell is given back when it is the only hidden one of a shown total."""
    hidden = [r for r in rows if r[column] is None]
    return len(hidden) == 1 and total[column] is not None


def test_a_group_below_k_is_never_shown(population) -> None:
    a, b = _what_if(0.35)
    raw = gains_and_losses(a, b, population, min_group=1)
    for k in (10, 40):
        safe = gains_and_losses(a, b, population, min_group=k)
        for dimension, rows in safe.groups.items():
            raw_rows = {r["key"]: r for r in raw.groups[dimension]}
            for row in rows:
                truth = raw_rows[row["key"]]
                for column in COUNT_COLUMNS:  # every small count is hidden
                    if 0 < truth[column] < k:
                        assert row[column] is None, (k, dimension, row["key"], column)
                if 0 < truth["households"] < k:
                    assert all(row[c] is None for c in COLUMNS)
                for column, base in MONEY_COLUMNS.items():  # and every small sum
                    if 0 < truth[base] < k:
                        assert row[column] is None
                for column in COLUMNS:  # what is shown is the truth
                    assert row[column] in (None, truth[column])
                # eligible_b = eligible_a + newly_eligible - newly_ineligible: never 1 unknown
                terms = ("eligible_a", "eligible_b", "newly_eligible", "newly_ineligible")
                assert sum(row[t] is None for t in terms) != 1
            for column in COLUMNS:
                assert not _recoverable(rows, safe.totals[dimension], column)
    # 6인 이상 households: fewer than 40 in this population, so the whole row is hidden
    six = next(r for r in raw.groups["size"] if r["key"] == "6")
    assert 0 < six["households"] < 40
    hidden = next(r for r in gains_and_losses(a, b, population, min_group=40).groups["size"]
                  if r["key"] == "6")
    assert all(hidden[c] is None for c in COLUMNS) and set(hidden["suppressed"]) == set(COLUMNS)


def test_suppress_hides_a_second_cell_when_one_would_be_given_back() -> None:
    def row(key: str, households: int, eligible: int) -> dict:
        values = dict.fromkeys(COLUMNS, 0)
        values.update(key=key, label=key, households=households, eligible_a=eligible,
                      budget_a=eligible * 1000)
        return values

    rows = [row("x", 100, 3), row("y", 100, 50), row("z", 100, 60)]
    total = row("total", 300, 113)
    shown, shown_total = suppress(rows, total, 10)
    assert shown[0]["eligible_a"] is None and shown[0]["budget_a"] is None
    assert shown[1]["eligible_a"] is None  # the smallest other, hidden with it
    assert shown[2]["eligible_a"] == 60 and shown_total["eligible_a"] == 113


def test_cli_compare_hides_small_groups_in_text_and_json(tmp_path: Path) -> None:
    path = tmp_path / "pop.parquet"
    write_population(generate(600, seed=5), path)
    base = Path(__file__).parents[1] / "programs" / "livelihood-2026.yaml"
    import yaml

    data = yaml.safe_load(base.read_text(encoding="utf-8"))
    data["version"] = 2
    data["parameters"][2026]["threshold_share"] = 0.35
    what_if = tmp_path / "what-if.yaml"
    what_if.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    args = ["simulate", "livelihood-2026", "--population", str(path), "--compare",
            str(what_if), "--min-group", "25"]
    text = CliRunner().invoke(main, args)
    assert text.exit_code == 0, text.output
    assert "누가 얻고 누가 잃는가 (k = 25" in text.stdout
    assert "소득 10분위별 차이" in text.stdout and "급여 지니계수" in text.stdout
    six = next(line for line in text.stdout.splitlines()
               if line.strip().startswith("6인 이상"))
    assert "표시 안 함" in six
    result = CliRunner().invoke(main, [*args, "--json"])
    payload = json.loads(result.stdout)
    gains = payload["gains_losses"]
    assert gains["min_group"] == 25
    truth = gains_and_losses(*_what_if(0.35), as_population(generate(600, seed=5)),
                             min_group=1)
    small = {r["key"] for r in truth.groups["size"] if r["households"] < 25}
    assert small  # a population of 600 has few large households
    for key in small:
        row = next(r for r in gains["by_size"] if r["key"] == key)
        assert row["households"] is None and row["eligible_b"] is None
        assert payload["a"]["by_size"][key]["eligible_households"] is None
        assert payload["b"]["by_size"][key]["monthly_budget"] is None
        assert payload["difference"]["by_size"][key]["eligible_households"] is None


def test_cli_min_group_needs_compare_and_a_positive_k(tmp_path: Path) -> None:
    path = tmp_path / "pop.parquet"
    write_population(generate(50, seed=1), path)
    alone = CliRunner().invoke(main, ["simulate", "livelihood-2026", "--population", str(path),
                                      "--min-group", "5"])
    assert alone.exit_code == 2 and "--min-group은 --compare와 함께" in alone.stderr
    zero = CliRunner().invoke(main, ["simulate", "livelihood-2026", "--population", str(path),
                                     "--compare", "housing-2026", "--min-group", "0"])
    assert zero.exit_code == 2 and "Traceback" not in zero.output
