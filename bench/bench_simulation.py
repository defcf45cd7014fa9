"""Benchmark: simulating ``livelihood-2026`` over a synthetic population.

Two parts (issue 17):

* ``ratio``: :func:`ieum.catalog.simulate.simulate` (the income engine plus the vector
  evaluator of the expression language, in chunks) against a hand-written NumPy
  implementation of the same formula below, on 1,000,000 households in memory (100,000 with
  ``quick``), the two timed in alternation. Target ≤ 1.2.
* ``national``: 23,000,000 households (200,000 with ``quick``) generated into a temporary
  folder of Parquet files partitioned by region, simulated streamed from disk in a fresh
  subprocess (``seconds``, ``peak_rss_mb`` of the whole process from ``ru_maxrss``), against
  just reading the same columns in the same batches (``read_only_seconds``); then the same
  simulation on a Dask LocalCluster (2 worker processes): ``dask_equal`` when every figure is
  identical. Targets: peak ≤ 1,024 MB, seconds / read_only_seconds ≤ 1.5. The folder is
  deleted afterwards (about 1.6 GB at 23M; generating it takes a few minutes).

Run it alone: ``.venv/bin/python -m bench.bench_simulation [--quick] [--national-only]``.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.timing import summary
from ieum.catalog.definition import shipped_programs
from ieum.catalog.population import generate_columns, write_generated
from ieum.catalog.simulate import Population, simulate

PROGRAM = "livelihood-2026"
YEAR = 2026
SEED = 20260301
#: About the number of households in Korea.
NATIONAL_HOUSEHOLDS = 23_000_000

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


def _interleaved(first: Callable[[], Any], second: Callable[[], Any],
                 repeats: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Seconds of ``first`` and ``second``, run one after the other ``repeats`` times (a
    burst of load on a shared machine hits both alike); one warm-up run each."""
    first(), second()
    spent: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for times, function in zip(spent, (first, second), strict=True):
            gc.collect()
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
    return summary(spent[0]), summary(spent[1])


def compute_ratio(households: int, repeats: int) -> dict[str, Any]:
    """The platform's compute against the hand-written NumPy, interleaved, in memory."""
    population = Population(generate_columns(households, SEED))
    definition = shipped_programs()[PROGRAM]
    result = simulate(definition, population, YEAR)
    expected = baseline(population)
    if result.eligible_households != expected["eligible_households"] or not np.isclose(
            result.monthly_budget, expected["monthly_budget"], rtol=1e-9):
        raise AssertionError(f"the platform and the baseline disagree: {result.to_json()} "
                             f"vs {expected['eligible_households']}, "
                             f"{expected['monthly_budget']}")
    platform, hand = _interleaved(lambda: simulate(definition, population, YEAR),
                                  lambda: baseline(population), repeats)
    return {
        "platform_seconds": platform,
        "baseline_seconds": hand,
        "ratio": round(platform["median"] / hand["median"], 4),
        "households": households,
        "eligible_households": result.eligible_households,
    }


# --- national scale: a population on disk, streamed, in a subprocess of its own ----------

_CHILD = r"""
import json, resource, sys, time
from ieum.catalog.dataset import open_population
from ieum.catalog.definition import shipped_programs
from ieum.catalog.simulate import CHUNK_SIZE, simulate
mode, folder = sys.argv[1], sys.argv[2]
definition = shipped_programs()[sys.argv[3]]
start = time.perf_counter()  # from here: opening the folder, reading, computing
if mode == "simulate":
    result = simulate(definition, folder, int(sys.argv[4]))
    figures = {"households": result.households,
               "eligible_households": result.eligible_households,
               "monthly_budget": result.to_json()["monthly_budget"]}
else:  # read the same columns in the same batches into NumPy, compute nothing
    from ieum.catalog.dataset import keep_batch_memory
    keep_batch_memory()  # the same process settings as the simulation
    households = 0
    for part in open_population(folder).parts:
        for batch, _ in part.batches(CHUNK_SIZE):
            for column in batch.columns:
                column.to_numpy(zero_copy_only=False)
            households += batch.num_rows
    figures = {"households": households}
figures["seconds"] = time.perf_counter() - start
figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
with open("/proc/self/status") as status:
    figures["vm_hwm_mb"] = int(status.read().split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps(figures))
"""


def _child(mode: str, folder: Path) -> dict[str, Any]:
    """Run ``mode`` ("simulate" or "read") in a fresh Python: its own peak memory.

    Linux carries a process's ``ru_maxrss`` across exec, and a child forked from this
    (large) process starts from this process's resident size: a small shell forks the
    measured Python instead, so its ``ru_maxrss`` is its own (it agrees with ``VmHWM``)."""
    output = subprocess.run(
        ["/bin/sh", "-c", '"$@"; exit $?', "sh", sys.executable, "-c", _CHILD, mode,
         str(folder), PROGRAM, str(YEAR)],
        check=True, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    return json.loads(output.stdout.strip().splitlines()[-1])


def national(households: int, repeats: int, *, folder: Path | None = None,
             dask: bool = True) -> dict[str, Any]:
    """Generate ``households`` (partitioned by region, under a temporary folder unless
    ``folder`` already holds them), simulate them streamed from Parquet in a subprocess
    (seconds, peak RSS of the whole process), time just reading the same columns, and run
    the same on a Dask LocalCluster to compare every figure. Deletes what it generated."""
    made = folder is None
    root = Path(tempfile.mkdtemp(prefix="ieum-national-")) if made else None
    try:
        started = time.perf_counter()
        if made:
            folder = root / "population"  # type: ignore[operator]
            write_generated(households, SEED, folder)
        assert folder is not None
        generated = time.perf_counter() - started
        runs, reads = [], []
        for _ in range(repeats):  # interleaved, each in a fresh process
            runs.append(_child("simulate", folder))
            reads.append(_child("read", folder))
        seconds = statistics.median(run["seconds"] for run in runs)
        read_seconds = statistics.median(read["seconds"] for read in reads)
        figures: dict[str, Any] = {
            "households": runs[0]["households"],
            "eligible_households": runs[0]["eligible_households"],
            "seconds": round(seconds, 3),
            "read_only_seconds": round(read_seconds, 3),
            "ratio_to_read": round(seconds / read_seconds, 4),
            "peak_rss_mb": round(max(run["peak_rss_mb"] for run in runs), 1),
            "peak_vm_hwm_mb": round(max(run["vm_hwm_mb"] for run in runs), 1),
            "read_only_peak_rss_mb": round(max(read["peak_rss_mb"] for read in reads), 1),
            "generate_seconds": round(generated, 1) if made else None,
            "parquet_mb": round(sum(f.stat().st_size for f in folder.rglob("*.parquet"))
                                / 2**20, 1),
            "files": len(list(folder.rglob("*.parquet"))),
            "seconds_runs": [round(run["seconds"], 3) for run in runs],
            "read_only_seconds_runs": [round(read["seconds"], 3) for read in reads],
        }
        if dask:
            figures.update(_dask(folder))
        return figures
    finally:
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)


def _dask(folder: Path) -> dict[str, Any]:
    from ieum.catalog.cluster import simulate_on_dask
    from ieum.catalog.dataset import open_population

    definition = shipped_programs()[PROGRAM]
    dataset = open_population(folder)
    start = time.perf_counter()
    local = simulate(definition, dataset, YEAR)
    local_seconds = time.perf_counter() - start
    start = time.perf_counter()
    remote = simulate_on_dask(definition, dataset, YEAR, workers=2, threads=1,
                              processes=True)
    return {"dask_equal": remote == local, "dask_seconds": round(time.perf_counter() - start, 3),
            "dask_workers": 2, "local_seconds_in_bench": round(local_seconds, 3)}


def run(repeats: int = 3, quick: bool = False) -> dict:
    households = 100_000 if quick else 1_000_000
    figures = compute_ratio(households, max(repeats, 3) if quick else max(repeats, 7))
    big = national(200_000 if quick else NATIONAL_HOUSEHOLDS, 1 if quick else repeats)
    dask_equal = big.pop("dask_equal", None)
    figures["national"] = big
    figures["dask_equal"] = dask_equal
    figures["targets"] = {
        "ratio": "<= 1.2", "national.households": f">= {NATIONAL_HOUSEHOLDS:,}",
        "national.peak_rss_mb": "<= 1024", "national.seconds / read_only_seconds": "<= 1.5",
        "dask_equal": "true"}
    figures["ratio_pass"] = figures["ratio"] <= 1.2
    figures["national_pass"] = (big["households"] >= NATIONAL_HOUSEHOLDS
                                and big["peak_rss_mb"] <= 1024
                                and big["ratio_to_read"] <= 1.5)
    # the same figures as rows of `bench/run.py`'s table
    figures["national_households"] = {"value": big["households"],
                                      "target": f">= {NATIONAL_HOUSEHOLDS:,}",
                                      "pass": big["households"] >= NATIONAL_HOUSEHOLDS}
    figures["national_peak_rss_mb"] = {"value": big["peak_rss_mb"], "target": "<= 1024",
                                       "pass": big["peak_rss_mb"] <= 1024}
    figures["national_seconds_over_read"] = {
        "value": big["ratio_to_read"], "target": "<= 1.5", "pass": big["ratio_to_read"] <= 1.5}
    figures["dask_identical"] = {"value": dask_equal, "target": "true",
                                 "pass": dask_equal is True}
    return figures


if __name__ == "__main__":
    if "--national-only" in sys.argv:
        print(json.dumps(national(NATIONAL_HOUSEHOLDS, 1), indent=2))
    else:
        print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
