"""The benchmarks of ``make bench`` run (quick sizes, one repeat) and report the documented
figures. No timing is asserted here: speed is what ``make bench`` measures."""

from __future__ import annotations

import json

import pytest
from bench import run as runner


def test_validation_reports_both_rates_and_the_ratio() -> None:
    from bench import bench_validation

    result = bench_validation.run(repeats=1, quick=True)
    assert {"platform_per_second", "baseline_per_second", "ratio", "target", "pass"} <= set(result)
    assert result["ratio_same_schema"] == result["ratio"]
    assert result["platform_per_second"]["median"] > 0
    assert result["ratio"] == pytest.approx(
        result["platform_per_second"]["median"] / result["baseline_per_second"]["median"],
        rel=1e-2)


def test_the_validation_schema_keeps_what_the_form_accepts_and_refuses() -> None:
    """The engine validates choice lists as ``enum`` (bench finding); same verdicts as the
    bare validator on the form as written."""
    from bench.bench_validation import FORM, submissions
    from jsonschema import Draft202012Validator

    from ieum.forms.validation import for_validation

    schema = json.loads(FORM.read_text(encoding="utf-8"))
    bare, fast = Draft202012Validator(schema), Draft202012Validator(for_validation(schema))
    assert "enum" in fast.schema["properties"]["daily_01"]
    for data in submissions(schema):
        assert sorted(e.json_path for e in bare.iter_errors(data)) == \
            sorted(e.json_path for e in fast.iter_errors(data))


def test_workflow_runs_every_step_on_both_sides() -> None:
    from bench import bench_workflow

    result = bench_workflow.run(repeats=1, quick=True)
    assert result["steps_per_run"] == 5 * bench_workflow.STEPS_PER_CASE
    assert result["platform_steps_per_second"]["median"] > 0
    assert result["durable_steps_per_second"]["median"] > 0  # the durable peer (issue 15)
    assert result["raw_spiff_steps_per_second"]["median"] > 0
    assert isinstance(result["ratio_vs_durable"], float)
    assert result["ratio"] == result["ratio_vs_durable"]
    postgres = result["postgres_ratio_vs_durable"]
    assert isinstance(postgres["value"], float) or "unavailable" in postgres


def test_list_page_reports_sqlite_and_says_what_happened_to_postgresql() -> None:
    from bench import bench_list_page

    result = bench_list_page.run(repeats=1, quick=True)
    assert {"platform_p50_ms", "platform_p95_ms", "baseline_p50_ms", "ratio"} <= \
        set(result["sqlite"])
    postgres = result["postgresql"]
    assert "ratio" in postgres or "unavailable" in postgres
    assert result["p95_ms_postgresql"]["target"] == "<= 25 ms"
    kinds = result["sqlite"]["ratio_by_kind"]
    assert any(kind.startswith("goal") for kind in kinds)  # free-text search is measured
    assert any("created_at" in kind for kind in kinds)  # and a sort no index serves


def test_registry_loads_the_generated_library() -> None:
    from bench import bench_registry

    result = bench_registry.run(repeats=1, quick=True)
    assert result["library"] == {"unit_functions": 600, "forms": 600, "profiles": 56,
                                 "slots": 56 * 65}
    assert result["seconds"] > 0


def test_runner_records_a_missing_benchmark_and_keeps_going(tmp_path) -> None:
    assert "missing" in runner.run_one("not_there", 1, True)["error"]
    out = tmp_path / "results.json"
    assert runner.main(["--quick", "--only", "validation", "--output", str(out)]) == 0
    written = json.loads(out.read_text(encoding="utf-8"))
    assert "ratio" in written["validation"] and written["meta"]["quick"] is True
    table = runner.table({**written, "simulation": {"error": "bench/bench_simulation.py is "
                                                             "missing"}})
    assert "ERROR" in table and "validation" in table


def test_simulation_national_reports_its_figures() -> None:
    """The national part of the simulation benchmark at toy size (issue 17): a folder by
    region, the run and the read-only run in subprocesses, their memory."""
    from bench import bench_simulation

    figures = bench_simulation.national(30_000, 1, dask=False)
    assert figures["households"] == 30_000 and figures["files"] == 4
    assert figures["eligible_households"] > 0
    assert figures["seconds"] > 0 and figures["read_only_seconds"] > 0
    assert 0 < figures["peak_rss_mb"] and figures["peak_vm_hwm_mb"] > 0
