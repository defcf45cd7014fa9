"""The income engine: 소득인정액 (income recognition) and selection thresholds, with the dated
parameters as data (``domain/income_2026.md``, seed 002 "소득재산 조사 표준화").

소득인정액 = 소득평가액 + 재산의 소득환산액, where

- 소득평가액 = (earned + business) x 0.7 + other (the 30% deduction of 시행령 제5조의2);
- housing assets count up to the region's cap, the excess counts as general assets;
- the region's 기본재산액 plus debts are deducted from housing assets first, then general, then
  financial assets;
- the remainders are converted monthly (type 1: 1.04%, 4.17%, 6.26%) and a car counts at 100%
  unless exempt.

The four survey types of the standardisation proposal differ in the base-asset deduction and the
conversion rates (type 4: no deduction, no conversion). Amounts are won; 소득평가액 and each
class's conversion are rounded half up to the won, so the lines of a breakdown add up exactly.

Two implementations on purpose: :func:`income_recognition` computes one household in plain
Python with a line-by-line account for an investigator's screen; :func:`income_recognition_columns`
computes whole NumPy columns for simulation. Tests compare them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from ieum.catalog.texts import korean
from ieum.i18n import gettext as _
from ieum.i18n import josa
from ieum.i18n import lazy_gettext as _l

TIERS: tuple[str, ...] = ("seoul", "gyeonggi", "metro", "other")
#: Tier -> its name (lazy: Korean as data, shown translated; records take ``korean()``).
TIER_LABELS: Mapping[str, str] = MappingProxyType({
    "seoul": _l("서울"), "gyeonggi": _l("경기"), "metro": _l("광역시·세종·창원"),
    "other": _l("그 외 지역"),
})
SURVEY_TYPES: tuple[int, ...] = (1, 2, 3, 4)
ASSET_CLASSES: tuple[str, ...] = ("housing", "general", "financial", "car")
_ASSET_LABELS = {"housing": "주거용재산", "general": "일반재산", "financial": "금융재산",
                 "car": "자동차"}

#: 시·군·구 code prefixes of the metropolitan tier: 부산 26, 대구 27, 인천 28, 광주 29,
#: 대전 30, 울산 31, 세종 36, and 창원시 (4812x).
_METRO_PREFIXES = ("26", "27", "28", "29", "30", "31", "36", "4812")


class IncomeError(ValueError):
    """A household or a parameter the income engine cannot use; ``message`` is Korean."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SurveyType:
    """The rules of one survey type (조사 유형) for one year.

    ``base_assets`` and ``housing_cap`` are by region tier in :data:`TIERS` order (``None``:
    no deduction, no cap); rates are monthly shares (0.0417 = 4.17%). ``income_share`` is what
    counts of earned and business income (0.7: a 30% deduction).
    """

    number: int
    label: str
    income_share: float
    base_assets: tuple[int, int, int, int] | None
    housing_cap: tuple[int, int, int, int] | None
    housing_rate: float
    general_rate: float
    financial_rate: float
    car_rate: float
    note: str = ""

    @property
    def converts_assets(self) -> bool:
        return any((self.housing_rate, self.general_rate, self.financial_rate, self.car_rate))

    def rate(self, asset_class: str) -> float:
        return getattr(self, f"{asset_class}_rate")

    def base_for(self, tier: str) -> int:
        return 0 if self.base_assets is None else self.base_assets[TIERS.index(tier)]

    def cap_for(self, tier: str) -> int | None:
        return None if self.housing_cap is None else self.housing_cap[TIERS.index(tier)]


@dataclass(frozen=True)
class YearParameters:
    """The dated standards of one year: 기준 중위소득 by household size (1-6) and the survey
    types."""

    year: int
    median_income: tuple[int, ...]
    survey_types: Mapping[int, SurveyType]
    source: str = ""


def _survey_types() -> Mapping[int, SurveyType]:
    # Type 1 (기초생활보장): domain/income_2026.md. Types 2-4: seed 002; the proposal gives
    # 대도시/중소도시/농어촌, mapped here to seoul and metro (대도시), gyeonggi (중소도시) and
    # other (농어촌). Type 2's car rule is "별도 검토": kept at 100% as in type 1; type 3
    # converts cars like other assets.
    return MappingProxyType({
        1: SurveyType(1, "1유형 (기초생활보장)", 0.7,
                      (99_000_000, 80_000_000, 77_000_000, 53_000_000),
                      (172_000_000, 151_000_000, 146_000_000, 112_000_000),
                      0.0104, 0.0417, 0.0626, 1.0,
                      "주거용 1.04%, 일반 4.17%, 금융 6.26%, 자동차 100%"),
        2: SurveyType(2, "2유형 (차상위·한부모)", 0.7,
                      (69_000_000, 42_000_000, 69_000_000, 35_000_000), None,
                      0.01, 0.01, 0.01, 1.0,
                      "기본재산 대도시 69백만·중소도시 42백만·농어촌 35백만, 환산율 1%(예시), "
                      "자동차 100%"),
        3: SurveyType(3, "3유형 (기초연금)", 0.7,
                      (135_000_000, 85_000_000, 135_000_000, 72_500_000), None,
                      0.0033, 0.0033, 0.0033, 0.0033,
                      "기본재산 대도시 135백만·중소도시 85백만·농어촌 72.5백만, 환산율 0.33%"),
        4: SurveyType(4, "4유형 (바우처·지자체 사업)", 0.7, None, None, 0.0, 0.0, 0.0, 0.0,
                      "기본재산 공제 없음, 재산의 소득환산 없음"),
    })


#: The standards by year. 2026: 보건복지부 고시 제2025-204호; 2025: the previous notice (the
#: asset standards of the two years are the same).
PARAMETERS: Mapping[int, YearParameters] = MappingProxyType({
    2025: YearParameters(2025, (2_392_013, 3_932_658, 5_025_353, 6_097_773, 7_108_192, 8_064_805),
                         _survey_types(), "2025년 기준 중위소득"),
    2026: YearParameters(2026, (2_564_238, 4_199_292, 5_359_036, 6_494_738, 7_556_719, 8_555_952),
                         _survey_types(), "보건복지부 고시 제2025-204호"),
})
YEARS: tuple[int, ...] = tuple(sorted(PARAMETERS))


def parameters_for(year: int) -> YearParameters:
    """The standards of ``year``; :class:`IncomeError` for a year without them."""
    try:
        return PARAMETERS[int(year)]
    except (KeyError, TypeError, ValueError):
        known = ", ".join(str(y) for y in YEARS)
        raise IncomeError(_("%(year)s년 기준이 없습니다 (있는 연도: %(known)s)",
                            year=year, known=known)) from None


def survey_type_for(year: int, survey_type: int) -> SurveyType:
    types = parameters_for(year).survey_types
    if survey_type not in types:
        raise IncomeError(_("조사 유형은 1에서 4 사이여야 합니다: %(type)s", type=survey_type))
    return types[survey_type]


# rounding, medians and thresholds


def round_half_up(value: Any) -> Any:
    """``value`` rounded half up to the won (``1196006.5 -> 1196007``), for a number or an
    array. Float noise below a millionth of a won is removed first, so ``0.7 * x`` landing on
    ``...4999999`` rounds as the exact decimal would. A number gives an ``int``."""
    if np.ndim(value) == 0:
        return int(np.floor(np.round(value, 6) + 0.5))
    # What np.round(value, 6) does (multiply, rint, divide), in place: same bits, less memory.
    rounded = np.multiply(value, 1e6)
    np.rint(rounded, out=rounded)
    np.true_divide(rounded, 1e6, out=rounded)
    rounded += 0.5
    return np.floor(rounded, out=rounded)


def _median_table(year: int, largest: int) -> np.ndarray:
    medians = list(parameters_for(year).median_income)
    step = medians[-1] - medians[-2]
    while len(medians) < largest:
        medians.append(medians[-1] + step)
    return np.array(medians, dtype=np.float64)


def median_income(size: int, year: int) -> int:
    """기준 중위소득 (won a month) of a household of ``size`` in ``year``.

    Households over six persons add the difference between six and five persons per member
    (the published 7-person figure is not in the reference data).
    """
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
        raise IncomeError(_("가구원 수는 1 이상의 정수여야 합니다: %(size)s", size=size))
    return int(_median_table(year, int(size))[int(size) - 1])


def median_income_columns(sizes: np.ndarray, year: int) -> np.ndarray:
    """:func:`median_income` of each household size in ``sizes`` (float64)."""
    sizes = np.asarray(sizes)
    largest = int(sizes.max()) if sizes.size else 1
    table = _median_table(year, max(largest, 6))
    if sizes.size and sizes.dtype == np.intp and sizes.min() >= 1:
        return np.concatenate(([table[0]], table))[sizes]  # index by size: no shifted copy
    return table[np.clip(sizes, 1, None).astype(np.intp) - 1]


def threshold(share: float, size: int, year: int) -> int:
    """The selection threshold: ``share`` of 기준 중위소득, rounded half up to the won
    (2026 one-person 생계 32% -> 820,556; 2025 one-person 교육 50% -> 1,196,007)."""
    return round_half_up(median_income(size, year) * share)


# regions


def region_tier(code_or_tier: Any) -> str:
    """The region tier of a 시·군·구 code (``11110`` -> ``seoul``, ``41xxx`` -> ``gyeonggi``,
    ``26``-``31``, ``36`` and 창원 ``4812x`` -> ``metro``, any other -> ``other``) or of a tier
    name given as is. A 10-digit 법정동 code counts by its first five digits."""
    if isinstance(code_or_tier, str) and code_or_tier.strip() in TIERS:
        return code_or_tier.strip()
    text = str(code_or_tier).strip() if isinstance(code_or_tier, str | int) else ""
    if isinstance(code_or_tier, bool) or not text.isdigit() or len(text) not in (5, 10):
        raise IncomeError(_("지역은 시·군·구 코드(5자리)나 %(tiers)s 중 하나여야 합니다: %(value)s",
                            tiers=", ".join(TIERS), value=repr(code_or_tier)))
    if text.startswith("11"):
        return "seoul"
    if text.startswith("4812"):
        return "metro"
    if text.startswith("41"):
        return "gyeonggi"
    if text.startswith(_METRO_PREFIXES):
        return "metro"
    return "other"


def tier_indexes(regions: np.ndarray) -> np.ndarray:
    """The index in :data:`TIERS` of each tier name in ``regions`` (-1 for anything else), as
    ``intp`` so that it indexes tables without a conversion."""
    regions = np.asarray(regions)
    result = np.full(regions.shape, -1, dtype=np.intp)
    for index, tier in enumerate(TIERS):
        result[regions == tier] = index
    return result


# one household


INPUT_FIELDS: tuple[str, ...] = (
    "earned_income", "business_income", "other_income", "housing_assets", "general_assets",
    "financial_assets", "car_value", "car_exempt", "debts",
)


@dataclass(frozen=True)
class IncomeBreakdown:
    """소득인정액 of one household and how it was reached.

    ``lines`` is the computation line by line in Korean, ``(label, amount)``, in the order an
    investigator reads it. The named amounts are also the derived variables of expressions.
    """

    year: int
    survey_type: int
    region: str
    size: int
    income_evaluation: int
    housing_conversion: int
    general_conversion: int
    financial_conversion: int
    car_conversion: int
    asset_conversion: int
    income_recognition: int
    base_assets: int
    median_income: int
    lines: tuple[tuple[str, int | float], ...]

    @property
    def total(self) -> int:
        return self.income_recognition

    def variables(self) -> dict[str, int]:
        """The derived variables of expressions this breakdown gives."""
        return {name: getattr(self, name) for name in DERIVED_FIELDS}


#: The derived amounts :func:`income_recognition` and :func:`income_recognition_columns` give.
DERIVED_FIELDS: tuple[str, ...] = (
    "income_evaluation", "housing_conversion", "general_conversion", "financial_conversion",
    "car_conversion", "asset_conversion", "income_recognition", "base_assets", "median_income",
)


def _won(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _percent(rate: float) -> str:
    return f"{rate * 100:g}%"


def _number(household: Mapping[str, Any], name: str, label: str) -> float:
    value = household.get(name, 0)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise IncomeError(_("%(label)s 숫자여야 합니다: %(value)s",
                            label=josa(_(label), "은"), value=repr(value)))
    number = float(value)
    if number < 0 or math.isinf(number):
        raise IncomeError(_("%(label)s 0 이상이어야 합니다: %(value)s",
                            label=josa(_(label), "은"), value=repr(value)))
    return number


_FIELD_LABELS = {
    "size": "가구원 수", "region": "지역", "earned_income": "근로소득",
    "business_income": "사업소득", "other_income": "기타소득", "housing_assets": "주거용재산",
    "general_assets": "일반재산", "financial_assets": "금융재산", "car_value": "자동차 가액",
    "car_exempt": "자동차 제외 대상", "debts": "부채",
}


def household_size(household: Mapping[str, Any]) -> int:
    size = household.get("size")
    if isinstance(size, float) and size.is_integer():
        size = int(size)
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
        raise IncomeError(_("가구원 수는 1 이상의 정수여야 합니다: %(size)s", size=repr(size)))
    return int(size)


def income_recognition(household: Mapping[str, Any], year: int,
                       survey_type: int = 1) -> IncomeBreakdown:
    """소득인정액 of one household with the line-by-line computation.

    ``household`` holds ``size``, ``region`` (a tier or a 시·군·구 code) and the amounts of
    :data:`INPUT_FIELDS` (missing amounts count as 0; ``car_exempt`` is 0/1 or a bool).
    Raises :class:`IncomeError` with a Korean message for values it cannot use.
    """
    rules = survey_type_for(year, survey_type)
    size = household_size(household)
    tier = region_tier(household.get("region"))
    values = {name: _number(household, name, _FIELD_LABELS[name]) for name in INPUT_FIELDS
              if name != "car_exempt"}
    exempt = bool(household.get("car_exempt") or False)
    earned, business, other = (values["earned_income"], values["business_income"],
                               values["other_income"])
    lines: list[tuple[str, int | float]] = [
        ("근로소득", earned), ("사업소득", business),
    ]
    counted_work = (earned + business) * rules.income_share
    deduction = (earned + business) - counted_work
    lines.append((f"근로·사업소득 공제 ({_percent(1 - rules.income_share)})", -deduction))
    lines.append(("기타소득 (재산·이전소득 등)", other))
    evaluation = round_half_up(counted_work + other)
    lines.append((f"소득평가액 = (근로 + 사업) × {rules.income_share:g} + 기타", evaluation))

    housing, general, financial = (values["housing_assets"], values["general_assets"],
                                   values["financial_assets"])
    cap = rules.cap_for(tier)
    base = rules.base_for(tier)
    debts = values["debts"]
    car = 0.0 if exempt else values["car_value"]
    conversions = {name: 0 for name in ASSET_CLASSES}
    if rules.converts_assets:
        if cap is not None:
            counted_housing = min(housing, cap)
            excess = housing - counted_housing
            lines.append((f"주거용재산 (상한 {_won(cap)}원까지)", counted_housing))
            if excess:
                lines.append(("주거용재산 상한 초과분 → 일반재산", excess))
        else:
            counted_housing, excess = housing, 0.0
            lines.append(("주거용재산", counted_housing))
        general_total = general + excess
        lines.append(("일반재산", general_total))
        lines.append(("금융재산", financial))
        lines.append((f"기본재산액 ({korean(TIER_LABELS[tier])})", -base))
        lines.append(("부채", -debts))
        remaining = base + debts
        left = {}
        for name, amount in (("housing", counted_housing), ("general", general_total),
                             ("financial", financial)):
            left[name] = max(amount - remaining, 0.0)
            remaining = max(remaining - amount, 0.0)
        for name in ("housing", "general", "financial"):
            lines.append((f"{_ASSET_LABELS[name]} 공제 후 잔액", left[name]))
        for name in ("housing", "general", "financial"):
            conversions[name] = round_half_up(left[name] * rules.rate(name))
            lines.append((f"{_ASSET_LABELS[name]} 소득환산 (× {_percent(rules.rate(name))})",
                          conversions[name]))
        conversions["car"] = round_half_up(car * rules.car_rate)
        if exempt and values["car_value"]:
            lines.append(("자동차 (장애인·생업용 환산 제외)", 0))
        else:
            lines.append((f"자동차 소득환산 (× {_percent(rules.car_rate)})", conversions["car"]))
    else:
        lines.append(("재산 (기본재산 공제·소득환산 없음)", 0))
    asset_conversion = sum(conversions.values())
    lines.append(("재산의 소득환산액", asset_conversion))
    total = evaluation + asset_conversion
    lines.append(("소득인정액 = 소득평가액 + 재산의 소득환산액", total))
    return IncomeBreakdown(
        year=int(year), survey_type=survey_type, region=tier, size=size,
        income_evaluation=evaluation, housing_conversion=conversions["housing"],
        general_conversion=conversions["general"],
        financial_conversion=conversions["financial"], car_conversion=conversions["car"],
        asset_conversion=asset_conversion, income_recognition=total, base_assets=base,
        median_income=median_income(size, year),
        lines=tuple((label, _whole(amount)) for label, amount in lines),
    )


def _whole(amount: int | float) -> int | float:
    return int(amount) if float(amount).is_integer() else amount


# whole columns


def income_recognition_columns(columns: Mapping[str, Any], year: int, survey_type: int = 1,
                               *, tiers: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The derived amounts of :data:`DERIVED_FIELDS` for every household of ``columns`` at
    once (float64 arrays holding whole won), equal to :func:`income_recognition` row by row.

    ``columns`` holds NumPy arrays ``size``, ``region`` (tier names) and :data:`INPUT_FIELDS`;
    ``tiers`` (indexes into :data:`TIERS`, see :func:`tier_indexes`) saves reading ``region``.
    """
    rules = survey_type_for(year, survey_type)
    if tiers is None:
        tiers = tier_indexes(columns["region"])

    def amount(name: str) -> np.ndarray:
        return np.asarray(columns[name], dtype=np.float64)

    earned, business, other = (amount("earned_income"), amount("business_income"),
                               amount("other_income"))
    evaluation = round_half_up((earned + business) * rules.income_share + other)
    n = len(evaluation)
    zeros = np.zeros(n)
    result: dict[str, np.ndarray] = {"income_evaluation": evaluation}
    if rules.converts_assets:
        housing = amount("housing_assets")
        if rules.housing_cap is not None:
            cap = np.asarray(rules.housing_cap, dtype=np.float64)[tiers]
            counted_housing = np.minimum(housing, cap)
            excess = housing - counted_housing
        else:
            counted_housing, excess = housing, zeros
        general_total = amount("general_assets") + excess
        base = (np.asarray(rules.base_assets, dtype=np.float64)[tiers]
                if rules.base_assets is not None else zeros)
        remaining = base + amount("debts")
        total_conversion = zeros
        for name, assets in (("housing", counted_housing), ("general", general_total),
                             ("financial", amount("financial_assets"))):
            left = np.maximum(assets - remaining, 0.0)
            remaining = np.maximum(remaining - assets, 0.0)
            converted = round_half_up(left * rules.rate(name))
            result[f"{name}_conversion"] = converted
            total_conversion = total_conversion + converted
        exempt = np.asarray(columns["car_exempt"]).astype(bool)
        car = round_half_up(np.where(exempt, 0.0, amount("car_value")) * rules.car_rate)
        result["car_conversion"] = car
        result["asset_conversion"] = total_conversion + car
        result["base_assets"] = base
    else:
        for name in ASSET_CLASSES:
            result[f"{name}_conversion"] = zeros
        result["asset_conversion"] = zeros
        result["base_assets"] = zeros
    result["income_recognition"] = evaluation + result["asset_conversion"]
    result["median_income"] = median_income_columns(np.asarray(columns["size"]), year)
    return result
