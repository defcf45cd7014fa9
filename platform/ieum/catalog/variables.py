"""The standard household variables program expressions are written over.

Input variables are the columns of a population file (one row per household); derived
variables are computed by the income engine for the program's survey type and year;
``threshold`` is the program's threshold expression; ``year`` the year evaluated. A program's
own parameters (``threshold_share`` ...) are further names, one per parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

import numpy as np

from ieum.i18n import lazy_gettext as _l


@dataclass(frozen=True)
class Variable:
    """One variable: its name in expressions, Korean label, unit and whether it is derived."""

    name: str
    label: str
    unit: str
    derived: bool
    description: str = ""

    def shown(self) -> Variable:
        """This variable with its label, unit and description shown in the request's language
        (lazy texts holding the Korean; the Korean fields stay the data)."""
        return replace(self, label=_l(self.label), unit=_l(self.unit) if self.unit else "",
                       description=_l(self.description) if self.description else "")


_ALL = (
    Variable("size", "가구원 수", "명", False, "1 이상의 정수"),
    Variable("region", "지역 구분", "", False,
             "seoul(서울), gyeonggi(경기), metro(광역시·세종·창원), other(그 외)"),
    Variable("earned_income", "근로소득", "원/월", False),
    Variable("business_income", "사업소득", "원/월", False),
    Variable("other_income", "기타소득(재산·이전소득 등)", "원/월", False),
    Variable("housing_assets", "주거용재산", "원", False),
    Variable("general_assets", "일반재산", "원", False),
    Variable("financial_assets", "금융재산", "원", False),
    Variable("car_value", "자동차 가액", "원", False),
    Variable("car_exempt", "자동차 환산 제외 대상(장애인·생업용)", "0/1", False),
    Variable("debts", "부채", "원", False),
    Variable("income_evaluation", "소득평가액", "원/월", True,
             "(근로소득 + 사업소득) × 0.7 + 기타소득"),
    Variable("housing_conversion", "주거용재산 소득환산액", "원/월", True),
    Variable("general_conversion", "일반재산 소득환산액", "원/월", True),
    Variable("financial_conversion", "금융재산 소득환산액", "원/월", True),
    Variable("car_conversion", "자동차 소득환산액", "원/월", True),
    Variable("asset_conversion", "재산의 소득환산액", "원/월", True,
             "(재산 - 기본재산액 - 부채) × 월 환산율, 조사 유형별"),
    Variable("income_recognition", "소득인정액", "원/월", True,
             "소득평가액 + 재산의 소득환산액"),
    Variable("base_assets", "기본재산액", "원", True, "조사 유형과 지역별"),
    Variable("median_income", "기준 중위소득", "원/월", True, "가구원 수와 연도별"),
    Variable("threshold", "선정기준액", "원/월", True,
             "사업의 선정기준액 식 (기본: 기준 중위소득 × threshold_share, 원 단위 사사오입)"),
    Variable("year", "기준 연도", "년", True),
)

#: Every variable by name.
VARIABLE_INFO: Mapping[str, Variable] = MappingProxyType({v.name: v for v in _ALL})
#: Name -> Korean label of every standard variable (the studio's "which variables exist").
#: The labels are lazy texts (Korean as data, shown translated).
VARIABLES: Mapping[str, str] = MappingProxyType({v.name: _l(v.label) for v in _ALL})
#: The columns of a population file, in order (``household_id`` first).
POPULATION_COLUMNS: tuple[str, ...] = (
    "household_id", "size", "region", "earned_income", "business_income", "other_income",
    "housing_assets", "general_assets", "financial_assets", "car_value", "car_exempt", "debts",
)
INPUT_VARIABLES: tuple[str, ...] = tuple(v.name for v in _ALL if not v.derived)

#: A household used to check that expressions evaluate (types, vector support).
SAMPLE_HOUSEHOLD: Mapping[str, object] = MappingProxyType({
    "size": 2, "region": "seoul", "earned_income": 1_200_000, "business_income": 0,
    "other_income": 100_000, "housing_assets": 90_000_000, "general_assets": 5_000_000,
    "financial_assets": 3_000_000, "car_value": 0, "car_exempt": 0, "debts": 10_000_000,
})


def sample_columns(extra: Mapping[str, float]) -> dict[str, np.ndarray]:
    """:data:`SAMPLE_HOUSEHOLD` with every variable as a one-row column, plus ``extra``."""
    columns: dict[str, np.ndarray] = {}
    for name in VARIABLE_INFO:
        value = SAMPLE_HOUSEHOLD.get(name, 1000.0)
        if name == "region":
            columns[name] = np.array([value])
        elif name in ("size", "year", "car_exempt"):
            columns[name] = np.array([int(value) if name != "year" else 2026], dtype=np.int64)
        else:
            columns[name] = np.array([float(value)])
    for name, value in extra.items():
        columns[name] = np.array([float(value)])
    return columns
