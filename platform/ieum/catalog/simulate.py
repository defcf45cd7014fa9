"""Simulating a program over a population: how many households qualify, at what cost.

Vectorised: the income engine and the vector evaluator of the expression language run over
NumPy columns, in chunks (so a progress callback can follow), never a Python loop per
household. Only aggregates leave this module: counts and budgets by region tier and household
size, and a histogram of 소득인정액 / 선정기준액 for charts.

A population on disk (a CSV or Parquet file, or a folder of Parquet files such as the one
``ieum population generate --out DIR`` writes, partitioned by region) is streamed: each
record batch is checked, evaluated and added to the totals before the next is read, so memory
depends on the batch size, not on the number of households. Household ids stay Arrow arrays
(used only to name a bad row). :func:`simulate_part` is the unit of work of one file, which
the cluster engine (:mod:`ieum.catalog.cluster`) runs on Dask workers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ieum.catalog.dataset import (
    CsvTypeError,
    Part,
    PopulationDataset,
    keep_batch_memory,
    open_population,
    read_ahead,
)
from ieum.catalog.definition import ProgramDefinition
from ieum.catalog.income import TIERS, income_recognition_columns, tier_indexes
from ieum.catalog.population import PopulationError
from ieum.catalog.variables import POPULATION_COLUMNS
from ieum.expressions import compile_expression

CHUNK_SIZE = 1 << 18
#: Edges of the histogram of 소득인정액 / 선정기준액: 0 to 3 in steps of 0.1, then "more".
HISTOGRAM_EDGES: tuple[float, ...] = tuple(round(i * 0.1, 1) for i in range(31))
AMOUNT_COLUMNS = ("earned_income", "business_income", "other_income", "housing_assets",
                  "general_assets", "financial_assets", "car_value", "debts")
_LABELS = {
    "household_id": "가구 번호", "size": "가구원 수", "region": "지역", "earned_income": "근로소득",
    "business_income": "사업소득", "other_income": "기타소득", "housing_assets": "주거용재산",
    "general_assets": "일반재산", "financial_assets": "금융재산", "car_value": "자동차 가액",
    "car_exempt": "자동차 제외 대상", "debts": "부채",
}
#: ``progress(percent, message)``: 0..100 and a Korean line, after each batch.
Progress = Callable[[int, str], None]


class Population:
    """A population ready for simulation: NumPy columns (amounts as float64, ``size`` and
    ``car_exempt`` as int64) and each household's region tier index.

    Build it with :func:`read_population`, :func:`population_from_table` or from columns.
    """

    def __init__(self, columns: Mapping[str, Any], *, tiers: np.ndarray | None = None,
                 source: str = "") -> None:
        self.source = source
        self.size = np.asarray(columns["size"], dtype=np.int64)
        self.n = len(self.size)
        self.tiers = (tier_indexes(columns["region"]) if tiers is None
                      else np.asarray(tiers, dtype=np.intp))
        self.amounts = {name: np.asarray(columns[name], dtype=np.float64)
                        for name in AMOUNT_COLUMNS}
        self.car_exempt = np.asarray(columns["car_exempt"], dtype=np.int64)
        ids = columns.get("household_id") if hasattr(columns, "get") else None
        #: Arrow array (from a file or table), NumPy array, or ``None`` (then 1..n).
        self.household_id: Any = ids
        self._regions: np.ndarray | None = None

    def __len__(self) -> int:
        return self.n

    @property
    def regions(self) -> np.ndarray:
        """The tier name of each household (built on first use)."""
        if self._regions is None:
            self._regions = np.asarray(TIERS)[self.tiers]
        return self._regions

    def chunk(self, start: int, stop: int, *, with_regions: bool) -> dict[str, np.ndarray]:
        columns: dict[str, np.ndarray] = {
            "size": self.size[start:stop], "car_exempt": self.car_exempt[start:stop],
        }
        for name, values in self.amounts.items():
            columns[name] = values[start:stop]
        if with_regions:
            columns["region"] = self.regions[start:stop]
        return columns

    def household(self, index: int) -> dict[str, Any]:
        """Row ``index`` as a household mapping (for scalar evaluation and tests)."""
        ids = self.household_id
        if ids is None:
            key: Any = index + 1
        else:
            value = ids[index]
            key = value.as_py() if hasattr(value, "as_py") else value.item()
        row: dict[str, Any] = {"household_id": key,
                               "size": int(self.size[index]), "region": TIERS[self.tiers[index]],
                               "car_exempt": int(self.car_exempt[index])}
        for name, values in self.amounts.items():
            row[name] = float(values[index])
        return row


# reading


Ids = pa.ChunkedArray | pa.Array | None


class _Rows:
    """How to name row ``index`` of a batch in a message: its line in the file (``offset``
    rows before the batch; a CSV's header is line 1) and its household id."""

    def __init__(self, ids: Ids, csv: bool, offset: int) -> None:
        self.ids, self.csv, self.offset = ids, csv, offset

    def __call__(self, index: int) -> str:
        line = index + self.offset
        row = f"{line + 2}행" if self.csv else f"{line + 1}번째 행"
        if self.ids is not None and index < len(self.ids):
            return f"{row} (가구 번호 {self.ids[index].as_py()})"
        return row


def population_from_table(table: pa.Table | pa.RecordBatch, *, source: str = "",
                          csv: bool = False, offset: int = 0) -> Population:
    """Check ``table`` (the columns of a population file, or one record batch of it,
    ``offset`` rows into the file) and make it a :class:`Population`;
    :class:`PopulationError` names missing columns, or the first bad value with its row."""
    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    names = set(table.column_names)
    missing = [name for name in POPULATION_COLUMNS if name not in names]
    where = f"{source}: " if source else ""
    if missing:
        raise PopulationError(f"{where}필요한 열이 없습니다: {', '.join(missing)} "
                              f"(필요한 열: {', '.join(POPULATION_COLUMNS)})")
    if table.num_rows == 0:
        raise PopulationError(f"{where}가구가 한 줄도 없습니다")
    ids_column = table["household_id"]
    ids = ids_column if ids_column.null_count == 0 else None
    rows = _Rows(ids, csv, offset)
    numbers: dict[str, np.ndarray] = {}
    ranges: dict[str, tuple[Any, Any] | None] = {}
    for name in POPULATION_COLUMNS:
        if name in ("household_id", "region"):
            continue
        numbers[name], ranges[name] = _numeric(table[name], name, rows, where)
    size = numbers["size"]
    if not _within(ranges["size"], 1, 100) and (
            bad := (size < 1) | (size != np.floor(size)) | (size > 100)).any():
        index = int(np.flatnonzero(bad)[0])
        raise PopulationError(f"{where}{rows(index)}: 가구원 수는 1에서 100 "
                              f"사이의 정수여야 합니다: {size[index]:g}")
    for name in AMOUNT_COLUMNS:
        if _within(ranges[name], 0, None):
            continue
        negative = numbers[name] < 0
        if negative.any():
            index = int(np.flatnonzero(negative)[0])
            raise PopulationError(f"{where}{rows(index)}: {_LABELS[name]}"
                                  f"({name})는 0 이상이어야 합니다: {numbers[name][index]:g}")
    exempt = numbers["car_exempt"]
    if not _within(ranges["car_exempt"], 0, 1) and (
            bad := (exempt != 0) & (exempt != 1)).any():
        index = int(np.flatnonzero(bad)[0])
        raise PopulationError(f"{where}{rows(index)}: car_exempt는 0 또는 1"
                              f"이어야 합니다: {exempt[index]:g}")
    tiers = _tiers(table["region"], rows, where)
    columns: dict[str, Any] = dict(numbers)
    if ids is not None:
        columns["household_id"] = ids
    return Population(columns, tiers=tiers, source=source)


def _within(bounds: tuple[Any, Any] | None, low: int, high: int | None) -> bool:
    """Whether an integer column's (min, max) lie within ``low``..``high`` (then no value
    of it needs checking one by one)."""
    if bounds is None:
        return False
    least, most = bounds
    return least is not None and least >= low and (high is None or most <= high)


def _numeric(column: pa.ChunkedArray, name: str, rows: _Rows, where: str,
             ) -> tuple[np.ndarray, tuple[Any, Any] | None]:
    """The column as NumPy (float64 for amounts; int64 for the integer columns ``size`` and
    ``car_exempt`` when the file has them as integers), and its (min, max) when its type is
    an integer type (computed by Arrow in one pass, so range checks can be skipped)."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = column.type
    if pa.types.is_boolean(kind):
        column = column.cast(pa.int8())
    elif not (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
        column = _parse_numbers(column, name, rows, where)
    if column.null_count:
        nulls = np.asarray(column.is_null().to_numpy(zero_copy_only=False))
        index = int(np.flatnonzero(nulls)[0])
        raise PopulationError(f"{where}{rows(index)}: {_LABELS[name]}({name}) "
                              "값이 비어 있습니다")
    if pa.types.is_integer(column.type):
        bounds = pc.min_max(column)
        target = np.int64 if name in ("size", "car_exempt") else np.float64
        return (column.to_numpy().astype(target, copy=False),
                (bounds["min"].as_py(), bounds["max"].as_py()))
    values = column.to_numpy().astype(np.float64, copy=False)
    bad = ~np.isfinite(values)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise PopulationError(f"{where}{rows(index)}: {_LABELS[name]}({name}) "
                              f"값이 숫자가 아닙니다: {values[index]}")
    return values, None


def _parse_numbers(column: pa.ChunkedArray, name: str, rows: _Rows,
                   where: str) -> pa.ChunkedArray:
    try:
        return pc.cast(column, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    texts = column.to_pylist()
    for index, text in enumerate(texts):  # only on the error path: find the bad row
        if text is None:
            continue
        try:
            float(str(text).replace(",", ""))
        except ValueError:
            raise PopulationError(f"{where}{rows(index)}: {_LABELS[name]}"
                                  f"({name}) 값이 숫자가 아닙니다: {text!r}") from None
    raise PopulationError(f"{where}{_LABELS[name]}({name}) 열을 숫자로 읽을 수 없습니다")


def _tiers(column: pa.ChunkedArray, rows: _Rows, where: str) -> np.ndarray:
    encoded = pc.dictionary_encode(column.combine_chunks()) if not pa.types.is_dictionary(
        column.type) else column.combine_chunks()
    dictionary = [None if value is None else str(value).strip()
                  for value in encoded.dictionary.to_pylist()]
    lookup = np.array([TIERS.index(v) if v in TIERS else -1 for v in dictionary] or [-1],
                      dtype=np.int8)
    indices = encoded.indices
    nulls = np.asarray(indices.is_null().to_numpy(zero_copy_only=False)) \
        if indices.null_count else None
    raw = indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.intp)
    tiers = lookup[raw] if len(dictionary) else np.full(len(raw), -1, dtype=np.int8)
    bad = tiers < 0
    if nulls is not None:
        bad |= nulls
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        value = None if nulls is not None and nulls[index] else dictionary[raw[index]]
        shown = "빈 값" if value is None else repr(value)
        raise PopulationError(f"{where}{rows(index)}: 지역(region)은 "
                              f"{', '.join(TIERS)} 중 하나여야 합니다: {shown}")
    return tiers


def read_population(path: Path | str) -> Population:
    """Read a population file (CSV, or Parquet by the suffix ``.parquet``/``.pq``) with the
    columns ``household_id, size, region, earned_income, business_income, other_income,
    housing_assets, general_assets, financial_assets, car_value, car_exempt, debts``.
    Raises :class:`PopulationError` with a Korean message naming the column and the row."""
    path = Path(path)
    if not path.is_file():
        raise PopulationError(f"인구 파일이 없습니다: {path}")
    parquet = path.suffix.lower() in (".parquet", ".pq")
    try:
        if parquet:
            table = pq.read_table(path)
        else:
            options = pacsv.ConvertOptions(
                column_types={"region": pa.dictionary(pa.int32(), pa.string())},
                strings_can_be_null=True)
            table = pacsv.read_csv(path, convert_options=options)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as error:
        kind = "Parquet" if parquet else "CSV"
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise PopulationError(f"{path.name}: {kind} 파일로 읽을 수 없습니다 ({detail})") from None
    return population_from_table(table, source=path.name, csv=not parquet)


def as_population(population: Population | pa.Table | Mapping[str, Any] | Path | str,
                  ) -> Population:
    """A population in memory: as it is, from an Arrow table or columns, or read whole from
    a file (what needs every household at once, e.g. ranking them into income deciles)."""
    if isinstance(population, Population):
        return population
    if isinstance(population, Path | str):
        return read_population(population)
    if isinstance(population, pa.Table):
        return population_from_table(population)
    return Population(population)


# simulating


@dataclass
class SimulationResult:
    """Aggregates of one simulation (no personal rows).

    ``by_region`` and ``by_size`` map a tier name / household size (as text) to
    ``{"households", "eligible_households", "monthly_budget"}``. ``monthly_budget`` is won a
    month: the sum of benefits for monthly programs, a twelfth of it for yearly and one-off
    ones. ``histogram`` counts households by 소득인정액 / 선정기준액 (``edges``; the last
    count is everything at or above the last edge). ``error_households`` could not be
    computed (an expression failed on their data) and count as not eligible.
    """

    program: str
    version: int
    year: int
    delivery_cycle: str
    households: int
    eligible_households: int
    monthly_budget: float
    annual_budget: float
    by_region: dict[str, dict[str, float]]
    by_size: dict[str, dict[str, float]]
    histogram: dict[str, list[float]] = field(default_factory=dict)
    error_households: int = 0
    name: str = ""

    def to_json(self) -> dict[str, Any]:
        """The result as JSON-ready data: the keys of the issue first, then ``year``,
        ``annual_budget``, ``error_households`` and ``histogram``; budgets in whole won."""
        return {
            "program": self.program, "version": self.version,
            "households": self.households, "eligible_households": self.eligible_households,
            "monthly_budget": _won(self.monthly_budget),
            "by_region": _group_json(self.by_region), "by_size": _group_json(self.by_size),
            "year": self.year, "annual_budget": _won(self.annual_budget),
            "error_households": self.error_households, "histogram": self.histogram,
        }

    def to_text(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False)


def _won(value: float) -> int:
    return int(np.floor(value + 0.5))


def _group_json(groups: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, int]]:
    return {key: {"households": int(group["households"]),
                  "eligible_households": int(group["eligible_households"]),
                  "monthly_budget": _won(group["monthly_budget"])}
            for key, group in groups.items()}


class Totals:
    """What a simulation adds up: households, eligible households and benefits by cell
    (household size x region tier; the totals by region and by size are sums of cells), the
    histogram, failed rows. Partial totals of parts of a population merge into the totals
    of the whole (:meth:`merge`). Plain NumPy arrays, so a cluster worker can send them back.
    """

    def __init__(self) -> None:
        tiers = len(TIERS)
        self.cell_households = np.zeros((0, tiers), dtype=np.int64)
        self.cell_eligible = np.zeros((0, tiers), dtype=np.int64)
        self.cell_budget = np.zeros((0, tiers))
        self.histogram = np.zeros(len(HISTOGRAM_EDGES), dtype=np.int64)
        self.errors = 0

    def add(self, tiers: np.ndarray, sizes: np.ndarray, outcome: Mapping[str, np.ndarray],
            ) -> None:
        eligible, amounts = outcome["eligible"], outcome["benefit"]
        self.errors += int(np.count_nonzero(outcome["errors"]))
        width = len(TIERS)
        cells = sizes * width
        cells += tiers
        length = (int(sizes.max()) + 1) * width
        self._grow(length // width)
        rows = length // width
        self.cell_households[:rows] += np.bincount(cells, minlength=length).reshape(-1, width)
        self.cell_eligible[:rows] += np.bincount(
            cells, weights=eligible, minlength=length).astype(np.int64).reshape(-1, width)
        self.cell_budget[:rows] += np.bincount(
            cells, weights=amounts, minlength=length).reshape(-1, width)
        limit = outcome["threshold"]
        counted = limit > 0
        if outcome["threshold_errors"].any():
            counted &= ~outcome["threshold_errors"]
        every = bool(counted.all())
        if every:
            ratio = np.divide(outcome["income_recognition"], limit)
        else:
            ratio = np.divide(outcome["income_recognition"], limit, out=np.zeros(len(limit)),
                              where=counted)
        ratio *= 10
        edges = len(HISTOGRAM_EDGES)
        np.minimum(ratio, edges - 1, out=ratio)
        bins = ratio.astype(np.intp)
        if not every:
            bins[~counted] = edges  # beyond the last bin: not counted
        self.histogram += np.bincount(bins, minlength=edges + 1)[:edges]

    def _grow(self, rows: int) -> None:
        if rows <= len(self.cell_households):
            return
        for name in ("cell_households", "cell_eligible", "cell_budget"):
            old = getattr(self, name)
            grown = np.zeros((rows, old.shape[1]), dtype=old.dtype)
            grown[:len(old)] = old
            setattr(self, name, grown)

    @property
    def households(self) -> int:
        return int(self.cell_households.sum())

    @property
    def region_households(self) -> np.ndarray:
        return self.cell_households.sum(axis=0)

    @property
    def region_eligible(self) -> np.ndarray:
        return self.cell_eligible.sum(axis=0)

    @property
    def region_budget(self) -> np.ndarray:
        return self.cell_budget.sum(axis=0)

    @property
    def size_households(self) -> np.ndarray:
        return self.cell_households.sum(axis=1)

    @property
    def size_eligible(self) -> np.ndarray:
        return self.cell_eligible.sum(axis=1)

    @property
    def size_budget(self) -> np.ndarray:
        return self.cell_budget.sum(axis=1)

    def merge(self, other: Totals) -> None:
        """Add ``other`` (the totals of another part) to these."""
        self._grow(len(other.cell_households))
        rows = len(other.cell_households)
        self.cell_households[:rows] += other.cell_households
        self.cell_eligible[:rows] += other.cell_eligible
        self.cell_budget[:rows] += other.cell_budget
        self.histogram += other.histogram
        self.errors += other.errors


def _prepared(definition: ProgramDefinition, year: int | None) -> Prepared:
    year = definition.latest_year if year is None else int(year)
    parameters = definition.parameters_for(year)
    expressions = (compile_expression(definition.threshold),
                   compile_expression(definition.criteria),
                   compile_expression(definition.benefit))
    names = frozenset().union(*(expression.names for expression in expressions))
    constants: dict[str, Any] = {name: np.asarray(value, dtype=np.float64)
                                 if isinstance(value, float) else np.asarray(value)
                                 for name, value in parameters.items()}
    constants["year"] = np.asarray(year, dtype=np.int64)
    return year, expressions, constants, "region" in names


Prepared = tuple[int, tuple[Any, Any, Any], dict[str, Any], bool]


def _evaluate_chunk(definition: ProgramDefinition, population: Population, start: int,
                    stop: int, year: int, prepared: tuple[Any, Any, Any],
                    constants: Mapping[str, Any], with_regions: bool) -> dict[str, np.ndarray]:
    threshold_expr, criteria_expr, benefit_expr = prepared
    n = stop - start
    columns: dict[str, Any] = population.chunk(start, stop, with_regions=with_regions)
    columns.update(income_recognition_columns(columns, year, definition.survey_type,
                                              tiers=population.tiers[start:stop]))
    columns.update(constants)
    threshold = threshold_expr.evaluate_vector(columns, length=n)
    columns["threshold"] = threshold.values
    criteria = criteria_expr.evaluate_vector(columns, length=n)
    failed = threshold.errors | criteria.errors
    eligible = np.asarray(criteria.values, dtype=bool) & ~failed
    benefit = benefit_expr.evaluate_vector(columns, length=n)
    failed = failed | (eligible & benefit.errors)
    eligible &= ~failed
    return {
        "eligible": eligible,
        "benefit": np.where(eligible, np.asarray(benefit.values, dtype=np.float64), 0.0),
        "threshold": np.asarray(threshold.values, dtype=np.float64),
        "threshold_errors": threshold.errors,
        "income_recognition": columns["income_recognition"],
        "errors": failed,
    }


def evaluate_population(definition: ProgramDefinition,
                        population: Population | pa.Table | Mapping[str, Any],
                        year: int | None = None) -> dict[str, np.ndarray]:
    """Per household (vectorised, for tests and checks; nothing of it is stored):
    ``eligible``, ``benefit`` (0 when not eligible), ``threshold``, ``income_recognition``
    and ``errors`` (rows an expression failed on, never eligible)."""
    population = as_population(population)
    year, prepared, constants, with_regions = _prepared(definition, year)
    return _evaluate_chunk(definition, population, 0, population.n, year, prepared, constants,
                           with_regions)


PopulationInput = Population | pa.Table | Mapping[str, Any] | PopulationDataset | str | Path


def simulate(definition: ProgramDefinition, population: PopulationInput,
             year: int | None = None, progress: Progress | None = None, *,
             chunk_size: int = CHUNK_SIZE) -> SimulationResult:
    """Run ``definition`` over every household of ``population`` for ``year`` (default: the
    program's latest year).

    ``population`` is in memory (a :class:`Population`, an Arrow table or columns), or on
    disk: a path (CSV or Parquet file, or a folder of Parquet files) or a
    :class:`~ieum.catalog.dataset.PopulationDataset`, then read in batches of ``chunk_size``
    rows and never held whole. ``progress(percent, message)`` is called after each batch
    (percent 0..100; by bytes read for CSV). Raises
    :class:`~ieum.catalog.definition.ProgramError` for a year the program has no parameters
    for, :class:`PopulationError` for a bad population (naming the file and the row)."""
    if isinstance(population, str | Path | PopulationDataset):
        dataset = (population if isinstance(population, PopulationDataset)
                   else open_population(population))
        prepared = _prepared(definition, year)
        return result_of(definition, prepared[0],
                         simulate_dataset(definition, dataset, prepared[0], progress,
                                          chunk_size=chunk_size))
    population = as_population(population)
    year, expressions, constants, with_regions = _prepared(definition, year)
    keep_batch_memory()
    totals = Totals()
    for start in range(0, population.n, chunk_size):
        stop = min(start + chunk_size, population.n)
        outcome = _evaluate_chunk(definition, population, start, stop, year, expressions,
                                  constants, with_regions)
        totals.add(population.tiers[start:stop], population.size[start:stop], outcome)
        if progress is not None:
            progress(int(100 * stop // population.n), _done(stop, population.n))
    return result_of(definition, year, totals)


def _done(households: int, total: int | None) -> str:
    if total:
        return f"가구 {households:,}개 / {total:,}개 계산"
    return f"가구 {households:,}개 계산"


class ProgressTracker:
    """Percent of a dataset done: parts weigh their rows (Parquet) or bytes (CSV)."""

    def __init__(self, dataset: PopulationDataset, progress: Progress | None) -> None:
        self.progress = progress
        self.total_weight = sum(part.weight for part in dataset.parts) or 1
        self.rows = dataset.rows
        self.finished_weight = 0
        self.households = 0

    def batch(self, part: Part, rows: int, share: float) -> None:
        self.households += rows
        if self.progress is None:
            return
        done = self.finished_weight + share * part.weight
        percent = min(100, int(100 * done / self.total_weight))
        self.progress(percent, _done(self.households, self.rows))

    def part_done(self, part: Part, households: int | None = None) -> None:
        self.finished_weight += part.weight
        if households is not None:  # a part run elsewhere (a cluster worker)
            self.batch(part, households, 0.0)


def simulate_dataset(definition: ProgramDefinition, dataset: PopulationDataset,
                     year: int, progress: Progress | None = None, *,
                     chunk_size: int = CHUNK_SIZE) -> Totals:
    """The totals of ``definition`` over every part of ``dataset``, one after the other:
    each part's totals are added up alone, then merged in part order (as the cluster engine
    does, so both give identical figures). Raises :class:`PopulationError`."""
    tracker = ProgressTracker(dataset, progress)
    totals = Totals()
    for part in dataset.parts:
        totals.merge(simulate_part(definition, part, year, chunk_size=chunk_size,
                                   on_batch=lambda rows, share, part=part:
                                   tracker.batch(part, rows, share)))
        tracker.part_done(part)
    if totals.households == 0:
        raise PopulationError(f"{dataset.name}: 가구가 한 줄도 없습니다")
    return totals


def simulate_part(definition: ProgramDefinition, part: Part, year: int, *,
                  chunk_size: int = CHUNK_SIZE,
                  on_batch: Callable[[int, float], None] | None = None) -> Totals:
    """The totals of ``definition`` over one file of a population, read in batches of
    ``chunk_size`` rows; ``on_batch(rows, share_of_the_part_read)`` after each.
    Raises :class:`PopulationError` naming the file and the row of a bad value."""
    prepared = _prepared(definition, year)
    keep_batch_memory()
    reported = [0, 0]  # rows reported to on_batch; rows read by the second reading

    def report(rows: int, share: float) -> None:
        reported[0] += rows
        if on_batch is not None:
            on_batch(rows, share)

    def report_again(rows: int, share: float) -> None:
        reported[1] += rows
        if reported[1] > reported[0]:
            report(reported[1] - reported[0], share)

    try:
        return _simulate_batches(definition, part, prepared,
                                 read_ahead(part.batches(chunk_size)), report)
    except CsvTypeError:
        # a value that is not a number: read the file again as text to name its row
        return _simulate_batches(definition, part, prepared,
                                 read_ahead(part.batches(chunk_size, as_text=True)),
                                 report_again)


def _simulate_batches(definition: ProgramDefinition, part: Part, prepared: Prepared,
                      batches: Iterator[tuple[pa.RecordBatch, float]],
                      on_batch: Callable[[int, float], None] | None) -> Totals:
    year, expressions, constants, with_regions = prepared
    totals = Totals()
    offset = 0
    try:
        for batch, share in batches:
            if batch.num_rows == 0:
                continue
            block = population_from_table(batch, source=part.name, csv=part.kind == "csv",
                                          offset=offset)
            outcome = _evaluate_chunk(definition, block, 0, block.n, year, expressions,
                                      constants, with_regions)
            totals.add(block.tiers, block.size, outcome)
            offset += block.n
            if on_batch is not None:
                on_batch(block.n, share)
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()  # stops the read-ahead thread at once on an error
    return totals


def result_of(definition: ProgramDefinition, year: int, totals: Totals) -> SimulationResult:
    """The :class:`SimulationResult` of ``totals`` (budgets a month and a year)."""
    factor = 1.0 if definition.delivery_cycle == "monthly" else 1.0 / 12.0
    by_region = {
        tier: {"households": int(totals.region_households[i]),
               "eligible_households": int(totals.region_eligible[i]),
               "monthly_budget": float(totals.region_budget[i]) * factor}
        for i, tier in enumerate(TIERS) if totals.region_households[i]
    }
    by_size = {
        str(size): {"households": int(totals.size_households[size]),
                    "eligible_households": int(totals.size_eligible[size]),
                    "monthly_budget": float(totals.size_budget[size]) * factor}
        for size in range(len(totals.size_households)) if totals.size_households[size]
    }
    total_budget = float(totals.region_budget.sum())
    return SimulationResult(
        program=definition.code, version=definition.version, year=year,
        delivery_cycle=definition.delivery_cycle, households=totals.households,
        eligible_households=int(totals.region_eligible.sum()),
        monthly_budget=total_budget * factor,
        annual_budget=total_budget * (12.0 if definition.delivery_cycle == "monthly" else 1.0),
        by_region=by_region, by_size=by_size,
        histogram={"edges": list(HISTOGRAM_EDGES), "counts": totals.histogram.tolist()},
        error_households=totals.errors, name=definition.name,
    )


# comparing


@dataclass
class Comparison:
    """The difference ``b - a`` between two simulations of the same population."""

    a: SimulationResult
    b: SimulationResult
    eligible_households: int
    monthly_budget: float
    by_region: dict[str, dict[str, float]]
    by_size: dict[str, dict[str, float]]

    def to_json(self) -> dict[str, Any]:
        return {
            "a": {"program": self.a.program, "version": self.a.version, "year": self.a.year},
            "b": {"program": self.b.program, "version": self.b.version, "year": self.b.year},
            "households": self.b.households,
            "eligible_households": self.eligible_households,
            "monthly_budget": _won(self.monthly_budget),
            "by_region": {key: {"eligible_households": int(group["eligible_households"]),
                                "monthly_budget": _won(group["monthly_budget"])}
                          for key, group in self.by_region.items()},
            "by_size": {key: {"eligible_households": int(group["eligible_households"]),
                              "monthly_budget": _won(group["monthly_budget"])}
                        for key, group in self.by_size.items()},
        }


def _group_difference(a: Mapping[str, Mapping[str, float]],
                      b: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    keys = [*a, *(key for key in b if key not in a)]
    empty = {"eligible_households": 0, "monthly_budget": 0.0}
    return {key: {name: b.get(key, empty)[name] - a.get(key, empty)[name]
                  for name in ("eligible_households", "monthly_budget")}
            for key in keys}


def compare(result_a: SimulationResult, result_b: SimulationResult) -> Comparison:
    """What changes from ``result_a`` to ``result_b`` (e.g. raising the threshold from 32% to
    35%): eligible households and monthly budget, in total and by region and size.
    Raises ``ValueError`` (Korean) when the two ran on populations of different sizes."""
    if result_a.households != result_b.households:
        raise ValueError(f"두 모의실험의 가구 수가 다릅니다: {result_a.households:,} / "
                         f"{result_b.households:,}")
    return Comparison(
        a=result_a, b=result_b,
        eligible_households=result_b.eligible_households - result_a.eligible_households,
        monthly_budget=result_b.monthly_budget - result_a.monthly_budget,
        by_region=_group_difference(result_a.by_region, result_b.by_region),
        by_size=_group_difference(result_a.by_size, result_b.by_size),
    )
