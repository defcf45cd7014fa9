"""Benchmark: simulating ``livelihood-2026`` over a synthetic population.

``run()`` times :func:`ieum.catalog.simulate.simulate` (the income engine plus the vector
evaluator of the expression language, in chunks) against a hand-written NumPy implementation
of the same formula below, on 1,000,000 households (100,000 with ``quick``). The population is
generated once, outside the timings. The target: about a second per million households and a
ratio platform/baseline of at most 1.5.

Run it alone: ``.venv/bin/python bench/bench_simulation.py [--quick]``.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ieum.catalog.definition import shipped_programs
from ieum.catalog.population import generate_columns
from ieum.catalog.simulate import Population, simulate

PROGRAM = "livelihood-2026"
YEAR = 2026
SEED = 20260301

# The 2026 type-1 standards, written out by hand for the baseline.
MEDIANS = np.array([2_564_238, 4_199_292, 5_359_036, 6_494_738, 7_556_719, 8_555_952],
                   dtype=np.float64)
BASE = np.array([99_000_000, 80_000_000, 77_000_000, 53_000_000], dtype=np.float64)
CAP = np.array([172_000_000, 151_000_000, 146_000_000, 112_000_000], dtype=np.float64)


def _half_up(values: np.ndarray) -> np.ndarray:
    return np.floor(np.round(values, 6) + 0.5)


def baseline(population: Population, share: float = 0.32) -> dict[str, Any]:
    """생계급여 by hand: 소득인정액, threshold, eligibility, benefit, totals by region/size."""
    amounts, tiers, size = population.amounts, population.tiers.astype(np.intp), population.size
    evaluation = _half_up((amounts["earned_income"] + amounts["business_income"]) * 0.7
                          + amounts["other_income"])
    housing = amounts["housing_assets"]
    counted = np.minimum(housing, CAP[tiers])
    general = amounts["general_assets"] + (housing - counted)
    remaining = BASE[tiers] + amounts["debts"]
    conversion = np.zeros(population.n)
    for assets, rate in ((counted, 0.0104), (general, 0.0417),
                         (amounts["financial_assets"], 0.0626)):
        left = np.maximum(assets - remaining, 0.0)
        remaining = np.maximum(remaining - assets, 0.0)
        conversion += _half_up(left * rate)
    car = np.where(population.car_exempt != 0, 0.0, amounts["car_value"])
    recognition = evaluation + conversion + _half_up(car)
    medians = MEDIANS[np.minimum(size, 6) - 1]
    threshold = _half_up(medians * share)
    eligible = recognition <= threshold
    benefit = np.where(eligible, np.maximum(threshold - recognition, 0.0), 0.0)
    return {
        "eligible_households": int(eligible.sum()),
        "monthly_budget": float(benefit.sum()),
        "by_region": np.bincount(tiers, weights=benefit, minlength=4),
        "eligible_by_region": np.bincount(tiers, weights=eligible, minlength=4),
        "by_size": np.bincount(size, weights=benefit),
        "eligible_by_size": np.bincount(size, weights=eligible),
    }


def _times(function: Callable[[], Any], repeats: int) -> dict[str, float]:
    function()  # warm up (imports, caches)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def run(repeats: int = 3, quick: bool = False) -> dict:
    households = 100_000 if quick else 1_000_000
    population = Population(generate_columns(households, SEED))
    definition = shipped_programs()[PROGRAM]
    result = simulate(definition, population, YEAR)
    expected = baseline(population)
    if result.eligible_households != expected["eligible_households"] or not np.isclose(
            result.monthly_budget, expected["monthly_budget"], rtol=1e-9):
        raise AssertionError(f"the platform and the baseline disagree: {result.to_json()} "
                             f"vs {expected['eligible_households']}, "
                             f"{expected['monthly_budget']}")
    platform = _times(lambda: simulate(definition, population, YEAR), repeats)
    hand = _times(lambda: baseline(population), repeats)
    return {
        "platform_seconds": platform,
        "baseline_seconds": hand,
        "ratio": platform["median"] / hand["median"],
        "households": households,
        "eligible_households": result.eligible_households,
    }


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
