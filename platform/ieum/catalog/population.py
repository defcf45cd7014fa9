"""Synthetic household populations for simulation, and writing them as CSV or Parquet.

The distributions are plausible, not official statistics: household sizes close to Korea's
(36% one-person households), region shares by tier, a latent prosperity per household that
ties income and assets together, log-normal incomes, business income for a minority (most
households have none), home owners and tenants (a tenant's deposit is a housing asset), some
land or buildings, savings, debts for about a third, cars for about two thirds of households
(a few exempt: a car of a person with a severe disability or used for a livelihood).
Amounts are whole won, rounded to the thousand. The same ``seed`` gives the same table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ieum.catalog.income import TIERS, tier_indexes
from ieum.catalog.variables import POPULATION_COLUMNS

SIZE_SHARES = (0.36, 0.29, 0.19, 0.12, 0.03, 0.01)
REGION_SHARES = (0.18, 0.26, 0.25, 0.31)
#: Typical value of an owned home by tier (won).
HOME_VALUES = (450_000_000, 300_000_000, 220_000_000, 150_000_000)
MAX_HOUSEHOLDS = 50_000_000


class PopulationError(ValueError):
    """A population that cannot be generated, read or written; ``message`` is Korean."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _lognormal(rng: np.random.Generator, median: np.ndarray | float, sigma: float,
               n: int) -> np.ndarray:
    return np.exp(np.log(median) + sigma * rng.standard_normal(n))


def _thousands(values: np.ndarray) -> np.ndarray:
    return (np.round(values / 1000.0) * 1000).astype(np.int64)


def generate_columns(households: int, seed: int) -> dict[str, np.ndarray]:
    """The columns of a synthetic population as NumPy arrays (``region`` as tier names)."""
    if isinstance(households, bool) or not isinstance(households, int) or households < 1:
        raise PopulationError(f"가구 수는 1 이상의 정수여야 합니다: {households!r}")
    if households > MAX_HOUSEHOLDS:
        raise PopulationError(f"가구 수는 {MAX_HOUSEHOLDS:,} 이하여야 합니다: {households:,}")
    n = households
    rng = np.random.default_rng(seed)
    size = rng.choice(np.arange(1, 7), size=n, p=SIZE_SHARES).astype(np.int64)
    tiers = rng.choice(len(TIERS), size=n, p=REGION_SHARES).astype(np.int8)
    prosperity = rng.standard_normal(n)  # ties income and assets together

    # Earned income: fewer earners among one-person households (many are elderly).
    works = rng.random(n) < np.where(size == 1, 0.55, 0.82) + 0.05 * np.tanh(prosperity)
    earned_median = 2_600_000 * (1 + 0.12 * (np.minimum(size, 4) - 1))
    earned = np.where(works, np.exp(np.log(earned_median) + 0.55 * prosperity
                                    + 0.35 * rng.standard_normal(n)), 0.0)
    business = np.where(rng.random(n) < 0.16,
                        _lognormal(rng, 2_000_000, 0.9, n) * np.exp(0.3 * prosperity), 0.0)
    other = np.where(rng.random(n) < 0.45, _lognormal(rng, 350_000, 0.8, n), 0.0)

    owner = rng.random(n) < 0.35 + 0.25 * (np.tanh(prosperity) + 1) / 2 + 0.05 * (size > 1)
    home = np.asarray(HOME_VALUES, dtype=np.float64)[tiers]
    housing = np.where(owner, home * np.exp(0.5 * prosperity + 0.4 * rng.standard_normal(n)),
                       _lognormal(rng, 40_000_000, 1.0, n) * np.exp(0.4 * prosperity))
    general = np.where(rng.random(n) < 0.25,
                       _lognormal(rng, 30_000_000, 1.2, n) * np.exp(0.5 * prosperity), 0.0)
    financial = np.where(rng.random(n) < 0.92,
                         _lognormal(rng, 8_000_000, 1.1, n) * np.exp(0.8 * prosperity), 0.0)
    debts = np.where(rng.random(n) < 0.35,
                     _lognormal(rng, 35_000_000, 1.0, n) * np.exp(0.3 * prosperity), 0.0)
    has_car = rng.random(n) < 0.45 + 0.35 * (np.tanh(prosperity) + 1) / 2
    car = np.where(has_car, _lognormal(rng, 11_000_000, 0.7, n) * np.exp(0.3 * prosperity), 0.0)
    exempt = has_car & (rng.random(n) < 0.06)
    return {
        "household_id": np.arange(1, n + 1, dtype=np.int64),
        "size": size,
        "region": np.asarray(TIERS)[tiers],
        "earned_income": _thousands(earned),
        "business_income": _thousands(business),
        "other_income": _thousands(other),
        "housing_assets": _thousands(housing),
        "general_assets": _thousands(general),
        "financial_assets": _thousands(financial),
        "car_value": _thousands(car),
        "car_exempt": exempt.astype(np.int64),
        "debts": _thousands(debts),
    }


def generate(households: int, seed: int = 0) -> pa.Table:
    """A synthetic population of ``households`` rows with the columns of a population file
    (:data:`~ieum.catalog.variables.POPULATION_COLUMNS`); the same seed, the same table."""
    columns = generate_columns(households, seed)
    arrays = []
    for name in POPULATION_COLUMNS:
        values = columns[name]
        if name == "region":
            arrays.append(pa.DictionaryArray.from_arrays(
                pa.array(tier_indexes(values).astype(np.int8)), pa.array(list(TIERS))))
        else:
            arrays.append(pa.array(values))
    return pa.Table.from_arrays(arrays, names=list(POPULATION_COLUMNS))


def write_population(table: pa.Table, path: Path | str) -> Path:
    """Write ``table`` as Parquet (``.parquet``/``.pq``) or CSV (``.csv``) by the suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            pq.write_table(table, path)
        elif suffix == ".csv":
            plain = table.set_column(
                table.schema.get_field_index("region"), "region",
                table["region"].cast(pa.string()))
            pacsv.write_csv(plain, path)
        else:
            raise PopulationError(f"파일 형식을 알 수 없습니다: {path.name} "
                                  "(.csv 또는 .parquet으로 끝나야 합니다)")
    except OSError as error:
        raise PopulationError(f"파일을 쓸 수 없습니다: {path} ({error})") from None
    return path
