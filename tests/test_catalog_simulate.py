"""Simulation: the vector computation equals the scalar one household by household; files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ieum.catalog.definition import parse_program, shipped_programs, to_mapping
from ieum.catalog.evaluate import EvaluationError, evaluate_household
from ieum.catalog.population import (
    PopulationError,
    generate,
    generate_columns,
    write_population,
)
from ieum.catalog.simulate import (
    HISTOGRAM_EDGES,
    compare,
    evaluate_population,
    population_from_table,
    read_population,
    simulate,
)

PROGRAMS = shipped_programs()
ISSUE_KEYS = {"program", "version", "households", "eligible_households", "monthly_budget",
              "by_region", "by_size"}


def scalar_totals(definition, population, year=None):
    eligible, budget, outcomes = 0, 0.0, []
    for index in range(population.n):
        determination = evaluate_household(definition, population.household(index), year)
        outcomes.append(determination)
        if determination.eligible:
            eligible += 1
            budget += determination.benefit
    return eligible, budget, outcomes


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), code=st.sampled_from(sorted(PROGRAMS)),
       year=st.sampled_from([None, 2025]))
def test_vector_equals_scalar_household_by_household(seed: int, code: str, year) -> None:
    definition = PROGRAMS[code]
    if year is not None and year not in definition.parameters:
        year = None
    population = population_from_table(generate(150, seed))
    vector = evaluate_population(definition, population, year)
    eligible, budget, outcomes = scalar_totals(definition, population, year)
    for index, determination in enumerate(outcomes):
        assert vector["eligible"][index] == determination.eligible, index
        assert vector["income_recognition"][index] == determination.income_recognition
        assert vector["threshold"][index] == determination.threshold
        assert vector["benefit"][index] == pytest.approx(determination.benefit, abs=1e-6)
    result = simulate(definition, population, year, chunk_size=64)
    assert result.eligible_households == eligible
    factor = 1 if definition.delivery_cycle == "monthly" else 1 / 12
    assert result.monthly_budget == pytest.approx(budget * factor, rel=1e-12)


def test_some_households_qualify_and_some_do_not() -> None:
    population = population_from_table(generate(2000, 5))
    result = simulate(PROGRAMS["livelihood-2026"], population)
    assert 0 < result.eligible_households < result.households == 2000
    assert result.error_households == 0
    assert sum(g["households"] for g in result.by_region.values()) == 2000
    assert sum(g["eligible_households"] for g in result.by_size.values()) == \
        result.eligible_households
    assert sum(g["monthly_budget"] for g in result.by_region.values()) == \
        pytest.approx(result.monthly_budget)
    assert set(result.by_region) == {"seoul", "gyeonggi", "metro", "other"}
    assert len(result.histogram["counts"]) == len(HISTOGRAM_EDGES)
    assert sum(result.histogram["counts"]) == 2000
    # households at or below the threshold fill the bins below 1.0
    assert sum(result.histogram["counts"][:10]) >= result.eligible_households


def test_to_json_has_the_keys_of_the_issue_and_whole_won() -> None:
    result = simulate(PROGRAMS["livelihood-2026"], generate(500, 2))
    data = result.to_json()
    assert ISSUE_KEYS <= set(data)
    assert data["program"] == "livelihood-2026" and data["version"] == 1
    assert isinstance(data["monthly_budget"], int)
    assert set(data["by_region"]["seoul"]) == {"households", "eligible_households",
                                               "monthly_budget"}
    assert all(key.isdigit() for key in data["by_size"])


def test_what_if_raising_the_threshold_costs_more() -> None:
    base = PROGRAMS["livelihood-2026"]
    mapping = to_mapping(base)
    mapping["version"] = 2
    mapping["parameters"][2026]["threshold_share"] = 0.35
    what_if = parse_program(mapping)
    population = population_from_table(generate(3000, 11))
    a, b = simulate(base, population), simulate(what_if, population)
    difference = compare(a, b)
    assert difference.eligible_households == b.eligible_households - a.eligible_households > 0
    assert difference.monthly_budget > 0
    assert sum(d["eligible_households"] for d in difference.by_region.values()) == \
        difference.eligible_households
    data = difference.to_json()
    assert data["b"]["version"] == 2 and data["eligible_households"] > 0
    with pytest.raises(ValueError, match="가구 수가 다릅니다"):
        compare(a, simulate(base, generate(10, 1)))


def test_progress_is_reported_per_chunk() -> None:
    seen = []
    simulate(PROGRAMS["livelihood-2026"], generate(1000, 3),
             progress=lambda percent, message: seen.append((percent, message)),
             chunk_size=300)
    assert [percent for percent, _ in seen] == [30, 60, 90, 100]
    assert seen[-1][1] == "가구 1,000개 / 1,000개 계산"


def test_expression_errors_count_as_not_eligible() -> None:
    mapping = to_mapping(PROGRAMS["livelihood-2026"])
    mapping["benefit"] = "threshold / (size - 1)"  # one-person households: division by zero
    definition = parse_program(mapping)
    population = population_from_table(generate(400, 4))
    result = simulate(definition, population)
    ones = population.size == 1
    outcome = evaluate_population(definition, population)
    assert result.error_households == int((outcome["errors"]).sum()) > 0
    assert not outcome["eligible"][ones & outcome["errors"]].any()
    index = int(np.flatnonzero(ones & outcome["errors"])[0])
    with pytest.raises(EvaluationError, match="급여액 식을 계산할 수 없습니다: 0으로"):
        evaluate_household(definition, population.household(index))


def test_generator_is_deterministic_by_seed() -> None:
    a, b, c = generate(500, 42), generate(500, 42), generate(500, 43)
    assert a.equals(b)
    assert not a.equals(c)
    columns = generate_columns(20_000, 1)
    assert (columns["business_income"] == 0).mean() > 0.7
    assert set(np.unique(columns["size"])) <= set(range(1, 7))
    assert set(np.unique(columns["region"])) == {"seoul", "gyeonggi", "metro", "other"}
    assert 0 < columns["car_exempt"].sum() < (columns["car_value"] > 0).sum()
    assert (columns["debts"] > 0).mean() > 0.2
    income = columns["earned_income"] + columns["business_income"]
    assets = columns["housing_assets"] + columns["financial_assets"]
    richer = income > np.median(income)
    assert np.median(assets[richer]) > 1.3 * np.median(assets[~richer])
    with pytest.raises(PopulationError, match="가구 수는 1 이상"):
        generate(0, 1)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_written_files_read_back_to_the_same_result(tmp_path: Path, suffix: str) -> None:
    table = generate(700, 9)
    path = write_population(table, tmp_path / f"pop{suffix}")
    from_file = simulate(PROGRAMS["housing-2026"], read_population(path))
    in_memory = simulate(PROGRAMS["housing-2026"], table)
    assert from_file.to_json() == in_memory.to_json()


def write_csv(path: Path, rows: list[str]) -> Path:
    header = ("household_id,size,region,earned_income,business_income,other_income,"
              "housing_assets,general_assets,financial_assets,car_value,car_exempt,debts")
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


GOOD = "1,2,seoul,1000000,0,0,0,0,0,0,0,0"


@pytest.mark.parametrize(("row", "message"), [
    ("7,2,busan,0,0,0,0,0,0,0,0,0",
     "pop.csv: 3행 (가구 번호 7): 지역(region)은 seoul, gyeonggi, metro, other 중 하나여야 "
     "합니다: 'busan'"),
    ("7,2,seoul,abc,0,0,0,0,0,0,0,0",
     "pop.csv: 3행 (가구 번호 7): 근로소득(earned_income) 값이 숫자가 아닙니다: 'abc'"),
    ("7,0,seoul,0,0,0,0,0,0,0,0,0",
     "pop.csv: 3행 (가구 번호 7): 가구원 수는 1에서 100 사이의 정수여야 합니다: 0"),
    ("7,2,seoul,0,0,0,0,0,0,0,2,0",
     "pop.csv: 3행 (가구 번호 7): car_exempt는 0 또는 1이어야 합니다: 2"),
    ("7,2,seoul,0,0,0,0,0,0,0,0,-5",
     "pop.csv: 3행 (가구 번호 7): 부채(debts)는 0 이상이어야 합니다: -5"),
    ("7,2,seoul,0,0,,0,0,0,0,0,0",
     "pop.csv: 3행 (가구 번호 7): 기타소득(other_income) 값이 비어 있습니다"),
])
def test_bad_rows_are_named(tmp_path: Path, row: str, message: str) -> None:
    path = write_csv(tmp_path / "pop.csv", [GOOD, row])
    with pytest.raises(PopulationError) as caught:
        read_population(path)
    assert caught.value.message == message


def test_missing_columns_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "pop.csv"
    path.write_text("household_id,size,region\n1,2,seoul\n", encoding="utf-8")
    with pytest.raises(PopulationError, match="필요한 열이 없습니다: earned_income, "
                                              "business_income"):
        read_population(path)
    with pytest.raises(PopulationError, match="인구 파일이 없습니다"):
        read_population(tmp_path / "none.csv")
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet")
    with pytest.raises(PopulationError, match="Parquet 파일로 읽을 수 없습니다"):
        read_population(bad)


def test_tables_with_plain_string_regions_and_float_sizes() -> None:
    table = pa.table({
        "household_id": [1, 2], "size": [1.0, 3.0], "region": ["other", "metro"],
        **{name: [0, 0] for name in ("earned_income", "business_income", "other_income",
                                    "housing_assets", "general_assets", "financial_assets",
                                    "car_value", "car_exempt", "debts")},
    })
    result = simulate(PROGRAMS["livelihood-2026"], table)
    assert result.eligible_households == 2
    assert result.by_size["3"]["monthly_budget"] == 1_714_892  # 5,359,036 x 32%, rounded
