"""Synthetic household populations for simulation, and writing them as CSV or Parquet.

The distributions are plausible, not official statistics: household sizes close to Korea's
(36% one-person households), region shares by tier, a latent prosperity per household that
ties income and assets together, log-normal incomes, business income for a minority (most
households have none), home owners and tenants (a tenant's deposit is a housing asset), some
land or buildings, savings, debts for about a third, cars for about two thirds of households
(a few exempt: a car of a person with a severe disability or used for a livelihood).
Amounts are whole won, rounded to the thousand. The same ``seed`` gives the same table.

Large populations are made and written in blocks of :data:`GENERATION_BLOCK` households
(:func:`write_generated`), so a national one (23 million households) never sits in memory;
a folder gets Parquet files partitioned by region (``region=seoul/part-00000.parquet``).
"""

from __future__ import annotations

from collections.abc import Iterator
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
#: Households generated (and held) at a time by :func:`generate_blocks`.
GENERATION_BLOCK = 1_000_000
#: Rows of a Parquet row group written here (the streaming reader reads one at a time).
ROW_GROUP_ROWS = 1 << 18


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


def generate_columns(households: int, seed: int | list[int]) -> dict[str, np.ndarray]:
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
    return _table(generate_columns(households, seed))


def generate_blocks(households: int, seed: int = 0, block: int = GENERATION_BLOCK,
                    ) -> Iterator[pa.Table]:
    """The same kind of population as :func:`generate`, as tables of at most ``block``
    rows (household ids run on across blocks). The first block is ``generate(block, seed)``'s
    rows; block ``i`` after it draws from the seed ``[seed, i]``."""
    if isinstance(households, bool) or not isinstance(households, int) or households < 1:
        raise PopulationError(f"가구 수는 1 이상의 정수여야 합니다: {households!r}")
    if households > MAX_HOUSEHOLDS:
        raise PopulationError(f"가구 수는 {MAX_HOUSEHOLDS:,} 이하여야 합니다: {households:,}")
    if seed < 0:
        raise PopulationError(f"seed는 0 이상이어야 합니다: {seed}")
    for index, start in enumerate(range(0, households, block)):
        columns = generate_columns(min(block, households - start),
                                   seed if index == 0 else [seed, index])
        columns["household_id"] += start
        yield _table(columns)


def _table(columns: dict[str, np.ndarray]) -> pa.Table:
    arrays = []
    for name in POPULATION_COLUMNS:
        values = columns[name]
        if name == "region":
            arrays.append(pa.DictionaryArray.from_arrays(
                pa.array(tier_indexes(values).astype(np.int8)), pa.array(list(TIERS))))
        else:
            arrays.append(pa.array(values))
    return pa.Table.from_arrays(arrays, names=list(POPULATION_COLUMNS))


def _compact(table: pa.Table) -> pa.Table:
    """Narrow types for files read at scale: size and car_exempt as int8."""
    for name in ("size", "car_exempt"):
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, table[name].cast(pa.int8()))
    return table


def write_generated(households: int, seed: int, out: Path | str, *,
                    block: int = GENERATION_BLOCK) -> Path:
    """Generate ``households`` households block by block and write them to ``out``: a
    ``.parquet``/``.csv`` file, or else a folder of Parquet files partitioned by region
    (``region=<tier>/part-<block>.parquet``; the files leave the region column to the
    folder name). A folder that already holds files is refused (nothing is overwritten)."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix in (".csv", ".parquet", ".pq"):
        return _write_file(generate_blocks(households, seed, block), out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise PopulationError(f"폴더가 비어 있지 않습니다: {out} (새 폴더를 주세요)")
    try:
        for index, table in enumerate(generate_blocks(households, seed, block)):
            codes = table["region"].combine_chunks().indices.to_numpy()
            rest = _compact(table.drop_columns(["region"]))
            for tier_index, tier in enumerate(TIERS):
                rows = rest.filter(pa.array(codes == tier_index))
                if rows.num_rows == 0:
                    continue
                folder = out / f"region={tier}"
                folder.mkdir(parents=True, exist_ok=True)
                pq.write_table(rows, folder / f"part-{index:05d}.parquet",
                               row_group_size=ROW_GROUP_ROWS)
    except OSError as error:
        raise PopulationError(f"파일을 쓸 수 없습니다: {out} ({error})") from None
    return out


def _write_file(tables: Iterator[pa.Table], path: Path) -> Path:
    csv = path.suffix.lower() == ".csv"
    writer: pacsv.CSVWriter | pq.ParquetWriter | None = None
    try:
        for table in tables:
            if csv:
                table = table.set_column(table.schema.get_field_index("region"), "region",
                                         table["region"].cast(pa.string()))
                writer = writer or pacsv.CSVWriter(str(path), table.schema)
                writer.write_table(table)
            else:
                writer = writer or pq.ParquetWriter(str(path), table.schema)
                writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
    except OSError as error:
        raise PopulationError(f"파일을 쓸 수 없습니다: {path} ({error})") from None
    finally:
        if writer is not None:
            writer.close()
    return path


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
