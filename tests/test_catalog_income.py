"""The income engine against the worked figures of domain/income_2026.md and hand computations."""

from __future__ import annotations

import numpy as np
import pytest

from ieum.catalog.income import (
    IncomeError,
    income_recognition,
    income_recognition_columns,
    median_income,
    region_tier,
    round_half_up,
    survey_type_for,
    threshold,
)

MEDIANS = {
    2025: [2_392_013, 3_932_658, 5_025_353, 6_097_773, 7_108_192, 8_064_805],
    2026: [2_564_238, 4_199_292, 5_359_036, 6_494_738, 7_556_719, 8_555_952],
}


@pytest.mark.parametrize("year", [2025, 2026])
def test_median_income_by_household_size(year: int) -> None:
    assert [median_income(size, year) for size in range(1, 7)] == MEDIANS[year]


def test_median_income_beyond_six_adds_the_last_step() -> None:
    step = MEDIANS[2026][5] - MEDIANS[2026][4]
    assert median_income(7, 2026) == MEDIANS[2026][5] + step
    assert median_income(8, 2026) == MEDIANS[2026][5] + 2 * step


def test_worked_thresholds() -> None:
    assert threshold(0.32, 1, 2026) == 820_556
    assert [threshold(share, 4, 2026) for share in (0.32, 0.40, 0.48, 0.50)] == [
        2_078_316, 2_597_895, 3_117_474, 3_247_369]
    assert median_income(1, 2025) * 0.5 == 1_196_006.5
    assert threshold(0.50, 1, 2025) == 1_196_007  # half up, not to even


def test_round_half_up() -> None:
    assert round_half_up(2.5) == 3
    assert round_half_up(1_196_006.5) == 1_196_007
    assert round_half_up(1_196_006.4999999999) == 1_196_007  # float noise of a .5 product
    assert round_half_up(0.49) == 0
    assert round_half_up(np.array([0.5, 1.5, 2.49])).tolist() == [1.0, 2.0, 2.0]


def test_unknown_year_and_bad_size_are_korean_errors() -> None:
    with pytest.raises(IncomeError, match="2030년 기준이 없습니다"):
        median_income(1, 2030)
    with pytest.raises(IncomeError, match="가구원 수"):
        median_income(0, 2026)
    with pytest.raises(IncomeError, match="조사 유형"):
        survey_type_for(2026, 5)


@pytest.mark.parametrize(("code", "tier"), [
    ("11110", "seoul"), (11680, "seoul"), ("41135", "gyeonggi"), ("26110", "metro"),
    ("27140", "metro"), ("28177", "metro"), ("29155", "metro"), ("30110", "metro"),
    ("31140", "metro"), ("36110", "metro"), ("48121", "metro"), ("48129", "metro"),
    ("48170", "other"), ("43111", "other"), ("1111010100", "seoul"),
    ("seoul", "seoul"), ("gyeonggi", "gyeonggi"), ("metro", "metro"), ("other", "other"),
])
def test_region_tier(code: object, tier: str) -> None:
    assert region_tier(code) == tier


@pytest.mark.parametrize("bad", ["서울", "1111", "", None, "abcde", True])
def test_region_tier_refuses_what_is_neither_a_code_nor_a_tier(bad: object) -> None:
    with pytest.raises(IncomeError, match="지역은"):
        region_tier(bad)


SEOUL = {
    "size": 2, "region": "11110", "earned_income": 1_000_000, "business_income": 0,
    "other_income": 100_000, "housing_assets": 200_000_000, "general_assets": 10_000_000,
    "financial_assets": 5_000_000, "car_value": 3_000_000, "car_exempt": 0,
    "debts": 20_000_000,
}


def test_housing_above_the_cap_counts_as_general_and_deductions_start_with_housing() -> None:
    result = income_recognition(SEOUL, 2026)
    # (1,000,000 + 0) x 0.7 + 100,000
    assert result.income_evaluation == 800_000
    # housing 200M: 172M counts as housing, 28M as general (10M + 28M = 38M);
    # 기본재산액 99M + debts 20M = 119M come off housing: 53M left.
    assert result.housing_conversion == 551_200      # 53,000,000 x 1.04%
    assert result.general_conversion == 1_584_600    # 38,000,000 x 4.17%
    assert result.financial_conversion == 313_000    # 5,000,000 x 6.26%
    assert result.car_conversion == 3_000_000        # 100%
    assert result.asset_conversion == 5_448_800
    assert result.income_recognition == result.total == 6_248_800
    assert result.base_assets == 99_000_000
    lines = dict(result.lines)
    assert lines["주거용재산 (상한 172,000,000원까지)"] == 172_000_000
    assert lines["주거용재산 상한 초과분 → 일반재산"] == 28_000_000
    assert lines["일반재산"] == 38_000_000
    assert lines["기본재산액 (서울)"] == -99_000_000
    assert lines["주거용재산 공제 후 잔액"] == 53_000_000
    assert result.lines[-1] == ("소득인정액 = 소득평가액 + 재산의 소득환산액", 6_248_800)


def test_deduction_spills_from_housing_to_general_to_financial_and_exempt_car() -> None:
    household = {
        "size": 1, "region": "other", "earned_income": 500_000, "business_income": 300_000,
        "other_income": 0, "housing_assets": 30_000_000, "general_assets": 20_000_000,
        "financial_assets": 10_000_000, "car_value": 8_000_000, "car_exempt": 1,
        "debts": 5_000_000,
    }
    result = income_recognition(household, 2026)
    assert result.income_evaluation == 560_000        # 800,000 x 0.7
    # 53M + 5M = 58M: housing 30M -> 0 (28M left), general 20M -> 0 (8M left),
    # financial 10M -> 2M.
    assert (result.housing_conversion, result.general_conversion) == (0, 0)
    assert result.financial_conversion == 125_200     # 2,000,000 x 6.26%
    assert result.car_conversion == 0
    assert result.income_recognition == 685_200
    assert ("자동차 (장애인·생업용 환산 제외)", 0) in result.lines
    assert result.income_recognition <= threshold(0.32, 1, 2026)  # 820,556


@pytest.mark.parametrize(("region", "base", "cap"), [
    ("seoul", 99_000_000, 172_000_000), ("gyeonggi", 80_000_000, 151_000_000),
    ("metro", 77_000_000, 146_000_000), ("other", 53_000_000, 112_000_000),
])
def test_base_assets_and_housing_cap_by_region(region: str, base: int, cap: int) -> None:
    household = {"size": 1, "region": region, "housing_assets": cap + 1_000_000}
    result = income_recognition(household, 2026)
    assert result.base_assets == base
    assert result.housing_conversion == round_half_up((cap - base) * 0.0104)
    assert result.general_conversion == round_half_up(1_000_000 * 0.0417)


def test_type_2_and_3_use_their_deduction_and_rate() -> None:
    household = {"size": 1, "region": "gyeonggi", "general_assets": 52_000_000}
    assert income_recognition(household, 2026, 2).asset_conversion == 100_000  # (52-42)M x 1%
    household = {"size": 1, "region": "other", "financial_assets": 82_500_000}
    assert income_recognition(household, 2026, 3).asset_conversion == 33_000  # 10M x 0.33%


def test_type_4_has_no_deduction_and_no_conversion() -> None:
    household = {**SEOUL, "region": "seoul"}
    result = income_recognition(household, 2026, 4)
    assert result.asset_conversion == 0
    assert result.income_recognition == result.income_evaluation == 800_000
    assert ("재산 (기본재산 공제·소득환산 없음)", 0) in result.lines


def test_missing_amounts_count_as_zero_and_bad_amounts_are_refused() -> None:
    assert income_recognition({"size": 1, "region": "seoul"}, 2026).income_recognition == 0
    with pytest.raises(IncomeError, match="근로소득은 0 이상"):
        income_recognition({"size": 1, "region": "seoul", "earned_income": -1}, 2026)
    with pytest.raises(IncomeError, match="숫자"):
        income_recognition({"size": 1, "region": "seoul", "debts": "많음"}, 2026)
    with pytest.raises(IncomeError, match="가구원 수"):
        income_recognition({"size": 0, "region": "seoul"}, 2026)


@pytest.mark.parametrize("survey_type", [1, 2, 3, 4])
def test_columns_equal_one_household_at_a_time(survey_type: int) -> None:
    rng = np.random.default_rng(3)
    n = 300
    columns = {
        "size": rng.integers(1, 8, n),
        "region": np.array(["seoul", "gyeonggi", "metro", "other"])[rng.integers(0, 4, n)],
        "car_exempt": rng.integers(0, 2, n),
    }
    for name in ("earned_income", "business_income", "other_income", "car_value"):
        columns[name] = np.where(rng.random(n) < 0.3, 0, rng.integers(0, 5_000_000, n))
    for name in ("housing_assets", "general_assets", "financial_assets", "debts"):
        columns[name] = np.where(rng.random(n) < 0.3, 0, rng.integers(0, 300_000_000, n))
    vector = income_recognition_columns(columns, 2026, survey_type)
    for i in range(n):
        household = {name: values[i].item() for name, values in columns.items()}
        scalar = income_recognition(household, 2026, survey_type)
        for name, values in vector.items():
            assert values[i] == getattr(scalar, name), (i, name)
