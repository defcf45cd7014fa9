"""Run the benchmarks, print a table, write ``bench/results.json``.

    python bench/run.py [--quick] [--repeats N] [--only workflow,validation]

Each ``bench/bench_<key>.py`` defines ``run(repeats=3, quick=False) -> dict``. A benchmark
that is missing or fails is recorded with its error; the others still run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

KEYS = ("workflow", "list_page", "validation", "simulation", "registry")
RESULTS = BENCH / "results.json"
#: The issue's targets, for a benchmark module that reports its ratio without one.
TARGETS = {"simulation": ("<= 1.2", lambda ratio: ratio <= 1.2),
           "workflow": (">= 0.8", lambda ratio: ratio >= 0.8),
           "validation": (">= 0.8", lambda ratio: ratio >= 0.8)}


def run_one(key: str, repeats: int, quick: bool) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        module = importlib.import_module(f"bench.bench_{key}")
    except ModuleNotFoundError as missing:
        if missing.name != f"bench.bench_{key}":
            raise
        return {"error": f"bench/bench_{key}.py is missing"}
    try:
        result = module.run(repeats=repeats, quick=quick)
    except Exception as error:  # noqa: BLE001 - one failing benchmark must not stop the rest
        return {"error": f"{type(error).__name__}: {error}",
                "traceback": traceback.format_exc(limit=8)}
    result = dict(result)
    result.setdefault("wall_seconds", round(time.perf_counter() - started, 1))
    result.setdefault("quick", quick)
    if key in TARGETS and "target" not in result and isinstance(result.get("ratio"), float):
        text, holds = TARGETS[key]
        result["target"] = text
        result["pass"] = holds(result["ratio"])
    return result


def _figure(value: Any) -> str:
    if isinstance(value, dict) and "median" in value:
        return f"{value['median']:g} [{value['min']:g}..{value['max']:g}]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def rows(key: str, result: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(benchmark, figure, median [min..max], target, pass) lines for the table."""
    if "error" in result:
        return [(key, "error", result["error"][:70], "", "ERROR")]
    found = []
    for name, value in result.items():
        if not isinstance(value, dict) or name.endswith("_runs"):
            continue
        if "median" in value:
            found.append((key, name, _figure(value), "", ""))
        elif "unavailable" in value or "error" in value:
            found.append((key, name, value.get("unavailable") or value.get("error"), "", ""))
        else:  # a nested set of figures (list_page: per database)
            found += [(key, f"{name} {inner}", _figure(figure), "", "")
                      for inner, figure in value.items()
                      if isinstance(figure, dict) and "median" in figure
                      and not inner.endswith("_runs")]
    headline = "ratio" if "ratio" in result else "seconds" if "seconds" in result else None
    if headline:
        figure = result[headline]
        runs = result.get(f"{headline}_runs")
        text = _figure(runs) if isinstance(runs, dict) else _figure(figure)
        holds = result.get(f"{headline}_pass", result.get("pass"))
        verdict = {True: "yes", False: "NO", None: "n/a"}.get(holds, "n/a")
        target = result.get(f"{headline}_target", result.get("target", ""))
        found.append((key, headline, text, str(target), verdict))
    for name, value in result.items():
        if isinstance(value, dict) and "target" in value and "pass" in value:
            verdict = {True: "yes", False: "NO", None: "n/a"}.get(value.get("pass"), "n/a")
            found.append((key, name, _figure(value.get("value")), str(value["target"]),
                          verdict))
    return found


def table(results: dict[str, Any]) -> str:
    lines = [("benchmark", "figure", "median [min..max]", "target", "pass")]
    for key in KEYS:
        lines += rows(key, results.get(key, {"error": "not run"}))
    widths = [max(len(str(line[i])) for line in lines) for i in range(5)]
    out = []
    for n, line in enumerate(lines):
        out.append("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "system": platform.platform(),
            "cpus": os.cpu_count(), "processor": platform.processor() or platform.machine()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="ieum benchmarks (issue 10)")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--repeats", type=int, default=None, help="runs per figure (3)")
    parser.add_argument("--only", default="", help="comma-separated keys to run")
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args(argv)
    repeats = args.repeats or (1 if args.quick else 3)
    keys = [k for k in args.only.split(",") if k] or list(KEYS)
    output = Path(args.output)
    results: dict[str, Any] = {}
    if args.only and output.exists():  # keep the other entries of an earlier full run
        results = {k: v for k, v in json.loads(output.read_text()).items() if k in KEYS}
    for key in keys:
        print(f"-- {key} ...", flush=True)
        results[key] = run_one(key, repeats, args.quick)
    document = {k: results[k] for k in KEYS if k in results}
    document["meta"] = {"written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                        "quick": args.quick, "repeats": repeats, "machine": machine()}
    output.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    print()
    print(table(document))
    print(f"\nwritten: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
