"""Small timing helpers shared by the benchmarks: repeat, summarise, pair with a baseline."""

from __future__ import annotations

import gc
import os
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any


def postgres_url() -> str | None:
    """The PostgreSQL server the benchmarks may use, or ``None`` (then PG figures are skipped)."""
    return os.environ.get("IEUM_BENCH_POSTGRES_URL") or os.environ.get("IEUM_TEST_POSTGRES_URL")


def summary(values: Sequence[float], digits: int = 4) -> dict[str, Any]:
    """Median, min and max of repeated measurements (and the raw runs)."""
    return {"median": round(statistics.median(values), digits),
            "min": round(min(values), digits), "max": round(max(values), digits),
            "runs": [round(v, digits) for v in values]}


def rate(action: Callable[[], Any], count: int) -> float:
    """Calls of ``action`` per second over ``count`` calls (garbage collection paused)."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(count):
            action()
        elapsed = time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()
    return count / elapsed


def latencies(action: Callable[[], Any], count: int) -> list[float]:
    """Milliseconds of each of ``count`` calls of ``action``."""
    times = []
    for _ in range(count):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def paired_rates(first: Callable[[], Any], second: Callable[[], Any],
                 count: int) -> tuple[float, float]:
    """Calls per second of ``first`` and ``second``, timed call by call in alternation (a
    burst of load on a shared machine then hits both sides alike; garbage collection
    paused)."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    spent = [0.0, 0.0]
    try:
        for _ in range(count):
            for n, action in enumerate((first, second)):
                start = time.perf_counter()
                action()
                spent[n] += time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()
    return count / spent[0], count / spent[1]
