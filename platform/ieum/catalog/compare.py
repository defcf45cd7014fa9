"""Who gains and who loses between two versions of a program (issue 16, point 4).

Both versions are evaluated household by household over the same population (vectorised, by
:func:`ieum.catalog.simulate.evaluate_population`); what leaves this module are group
aggregates only, by region tier, household size and income decile, with small groups already
suppressed (k-anonymity): a count of households below ``k`` (but not zero), and every amount
summed over fewer than ``k`` households, is replaced by ``None`` before anything can display
or store it. Where a dimension shows its total, one lone suppressed cell could be recovered by
subtraction, so a second cell is suppressed with it (secondary suppression).

Definitions (documented in the screens):

* benefit: the monthly equivalent in won (the benefit for monthly programs, a twelfth of it
  for yearly and one-off ones), 0 when not eligible;
* income decile: households ranked by equivalised current income, (근로 + 사업 + 기타 소득) /
  sqrt(가구원 수), ties kept in file order, cut into ten equal-count groups (1 = lowest);
  the same for both versions, whatever their rules;
* Gini coefficient of benefits: over every household of the population (non-recipients count
  with 0), and over recipients only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ieum.catalog.definition import ProgramDefinition
from ieum.catalog.income import TIER_LABELS, TIERS
from ieum.catalog.simulate import Population, as_population, evaluate_population
from ieum.catalog.texts import korean
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l

DEFAULT_MIN_GROUP = 10
#: Households of this size and more share one group.
LARGEST_SIZE_GROUP = 6
DECILES = 10
DIMENSIONS: tuple[str, ...] = ("region", "size", "decile")
# Titles are lazy texts (Korean as data, shown translated). The rows' labels are kept in
# Korean in a stored comparison and shown translated once read back (GainLoss.from_json).
DIMENSION_TITLES: Mapping[str, str] = {"region": _l("지역"), "size": _l("가구원 수"),
                                       "decile": _l("소득 10분위")}
#: Counts of households, in display order.
COUNT_COLUMNS: tuple[str, ...] = ("households", "eligible_a", "eligible_b", "newly_eligible",
                                  "newly_ineligible", "better_off", "worse_off", "changed")
#: Sums of monthly benefit, each with the count of the households it sums over.
MONEY_COLUMNS: Mapping[str, str] = {"budget_a": "eligible_a", "budget_b": "eligible_b",
                                    "change": "changed"}
COLUMN_TITLES: Mapping[str, str] = {
    "households": _l("가구"), "eligible_a": _l("선정(기존)"), "eligible_b": _l("선정(변경)"),
    "newly_eligible": _l("새로 선정"), "newly_ineligible": _l("선정 제외"),
    "better_off": _l("급여 증가"), "worse_off": _l("급여 감소"),
    "changed": _l("급여가 바뀐 가구"), "budget_a": _l("월 급여(기존)"),
    "budget_b": _l("월 급여(변경)"), "change": _l("월 급여 변화"),
}
SUPPRESSED_TEXT = _l("표시 안 함")
#: Hiding a cell hides these too, because the shown cells would give it back:
#: eligible_b - eligible_a = newly_eligible - newly_ineligible; changed counts the households
#: that are newly (in)eligible, better off or worse off; change = budget_b - budget_a.
IMPLIED: Mapping[str, tuple[str, ...]] = {
    "newly_eligible": ("eligible_b", "changed"), "newly_ineligible": ("eligible_b", "changed"),
    "eligible_a": ("eligible_b", "budget_a"), "eligible_b": ("newly_eligible", "budget_b"),
    "budget_a": ("change",), "better_off": ("changed",),
    "worse_off": ("changed",), "changed": ("change",), "change": ("budget_b",),
    "budget_b": ("change",),
}


class ComparisonError(ValueError):
    """Two versions that cannot be compared; ``message`` is Korean."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- the statistics ----------------------------------------------------------------------------

def equivalised_income(population: Population) -> np.ndarray:
    """Monthly current income per household divided by the square root of its size."""
    amounts = population.amounts
    income = amounts["earned_income"] + amounts["business_income"] + amounts["other_income"]
    return income / np.sqrt(population.size.astype(np.float64))


def income_deciles(population: Population) -> np.ndarray:
    """Each household's income decile, 1 (lowest tenth) to 10, by rank of
    :func:`equivalised_income` (a stable sort: equal incomes keep file order)."""
    n = population.n
    order = np.argsort(equivalised_income(population), kind="stable")
    deciles = np.empty(n, dtype=np.int64)
    deciles[order] = np.arange(n, dtype=np.int64) * DECILES // n + 1
    return deciles


def gini(values: Sequence[float] | np.ndarray) -> float:
    """The Gini coefficient of non-negative ``values`` (0: all equal; 0 for an empty or
    all-zero list): ``sum_i (2i - n - 1) x_(i) / (n * sum x)`` over the sorted values."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n = len(x)
    total = float(x.sum())
    if n == 0 or total <= 0:
        return 0.0
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return float(np.dot(2 * ranks - n - 1, x) / (n * total))


def _monthly_factor(definition: ProgramDefinition) -> float:
    return 1.0 if definition.delivery_cycle == "monthly" else 1.0 / 12.0


@dataclass(frozen=True)
class Outcomes:
    """Per household, for tests and for :func:`gains_and_losses` (never stored)."""

    eligible_a: np.ndarray
    eligible_b: np.ndarray
    benefit_a: np.ndarray  # monthly equivalent, 0 when not eligible
    benefit_b: np.ndarray
    errors: int


def outcomes(definition_a: ProgramDefinition, definition_b: ProgramDefinition,
             population: Population, year: int | None = None) -> Outcomes:
    """Evaluate both versions on every household of ``population`` (``year``: the year of
    the standards for both; default each version's latest year)."""
    a = evaluate_population(definition_a, population, year)
    b = evaluate_population(definition_b, population, year)
    return Outcomes(np.asarray(a["eligible"], dtype=bool), np.asarray(b["eligible"], dtype=bool),
                    np.asarray(a["benefit"], dtype=np.float64) * _monthly_factor(definition_a),
                    np.asarray(b["benefit"], dtype=np.float64) * _monthly_factor(definition_b),
                    int(np.count_nonzero(a["errors"] | b["errors"])))


def _group_keys(population: Population) -> dict[str, tuple[np.ndarray, list[tuple[str, str]]]]:
    sizes = np.minimum(population.size, LARGEST_SIZE_GROUP)
    size_keys = [(str(s), f"{s}인 이상" if s == LARGEST_SIZE_GROUP else f"{s}인")
                 for s in range(1, LARGEST_SIZE_GROUP + 1)]
    return {
        "region": (np.asarray(population.tiers, dtype=np.int64),
                   [(tier, korean(TIER_LABELS[tier])) for tier in TIERS]),
        "size": (sizes - 1, size_keys),
        "decile": (income_deciles(population) - 1,
                   [(str(d), f"{d}분위") for d in range(1, DECILES + 1)]),
    }


def _raw_columns(result: Outcomes) -> dict[str, np.ndarray]:
    """Per household 0/1 (counts) or amounts (money) whose group sums make a row."""
    both = result.eligible_a & result.eligible_b
    difference = result.benefit_b - result.benefit_a
    return {
        "households": np.ones(len(result.eligible_a)),
        "eligible_a": result.eligible_a.astype(np.float64),
        "eligible_b": result.eligible_b.astype(np.float64),
        "newly_eligible": (result.eligible_b & ~result.eligible_a).astype(np.float64),
        "newly_ineligible": (result.eligible_a & ~result.eligible_b).astype(np.float64),
        "better_off": (both & (difference > 0)).astype(np.float64),
        "worse_off": (both & (difference < 0)).astype(np.float64),
        "changed": (difference != 0).astype(np.float64),
        "budget_a": result.benefit_a,
        "budget_b": result.benefit_b,
        "change": difference,
    }


# --- suppression -------------------------------------------------------------------------------

def _small(value: float, k: int) -> bool:
    return 0 < value < k


def suppress(rows: list[dict[str, Any]], total: dict[str, Any], k: int, *,
             counts: Sequence[str] = COUNT_COLUMNS,
             money: Mapping[str, str] = MONEY_COLUMNS,
             implied: Mapping[str, Sequence[str]] = IMPLIED,
             ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows and total of one dimension with every small cell replaced by ``None`` (and named
    in the row's ``suppressed`` list). ``counts`` are the count columns (the first one the
    group's households), ``money`` maps each amount column to the count it sums over.

    Primary: a row of fewer than ``k`` households is hidden whole; a count below ``k`` (not
    0) is hidden; an amount is hidden when the count it sums over is hidden or below ``k``.
    Secondary: a column of the dimension with exactly one hidden cell hides a second one
    (the smallest other non-zero count; or the total, when there is none), so that the
    total minus the shown rows does not give it back. Within a row, hiding a cell hides the
    cells ``implied`` names (those that would give it back by addition)."""
    columns = (*counts, *money)

    def close(cells: set[str]) -> None:
        pending = list(cells)
        while pending:
            name = pending.pop()
            extra = [*implied.get(name, ()),
                     *(m for m, base in money.items() if base == name)]
            for other in extra:
                if other not in cells:
                    cells.add(other)
                    pending.append(other)

    hidden: list[set[str]] = []
    for row in [*rows, total]:
        cells: set[str] = set()
        if _small(row[counts[0]], k):
            cells.update(columns)
        cells.update(c for c in counts if _small(row[c], k))
        cells.update(m for m, base in money.items() if base in cells or _small(row[base], k))
        close(cells)
        hidden.append(cells)
    total_hidden = hidden[-1]
    changed = True
    while changed:
        changed = False
        for column in columns:
            if column in total_hidden:
                continue
            lone = [i for i in range(len(rows)) if column in hidden[i]]
            if len(lone) != 1:
                continue
            base = money.get(column, column)
            others = sorted((rows[i][base], i) for i in range(len(rows))
                            if column not in hidden[i] and rows[i][base] > 0)
            if others:
                hidden[others[0][1]].add(column)
                close(hidden[others[0][1]])
            else:
                total_hidden.add(column)
                close(total_hidden)
            changed = True
    shown = []
    for row, cells in zip([*rows, total], hidden, strict=True):
        safe = {key: (None if key in cells else value) for key, value in row.items()}
        safe["suppressed"] = [c for c in columns if c in cells]
        shown.append(safe)
    return shown[:-1], shown[-1]


# --- the comparison ----------------------------------------------------------------------------

def _version(definition: ProgramDefinition, year: int | None) -> dict[str, Any]:
    return {"program": definition.code, "version": definition.version, "name": definition.name,
            "year": definition.latest_year if year is None else int(year),
            "delivery_cycle": definition.delivery_cycle}


def _cell(name: str, value: float) -> float | int:
    return int(round(value)) if name in COUNT_COLUMNS else int(np.floor(value + 0.5))


@dataclass
class GainLoss:
    """Who gains and who loses from version ``a`` to ``b``: only suppressed aggregates.

    ``groups[dimension]`` is a list of rows ``{"key", "label", <COUNT_COLUMNS>,
    <MONEY_COLUMNS>, "suppressed": [...]}`` (a suppressed cell is ``None``), ``totals`` the
    rows of the whole population per dimension (equal but for secondary suppression);
    ``gini`` has ``a``, ``b`` (all households) and ``a_recipients``, ``b_recipients``
    (``None`` when fewer than ``k`` households receive anything)."""

    a: dict[str, Any]
    b: dict[str, Any]
    households: int
    min_group: int
    totals: dict[str, dict[str, Any]]
    groups: dict[str, list[dict[str, Any]]]
    gini: dict[str, float | None]
    error_households: int = 0
    population: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> dict[str, Any]:
        """The whole population with every cell any dimension suppresses hidden."""
        merged = dict(self.totals[DIMENSIONS[0]])
        hidden = set().union(*(set(t["suppressed"]) for t in self.totals.values()))
        for name in hidden:
            merged[name] = None
        merged["suppressed"] = [c for c in (*COUNT_COLUMNS, *MONEY_COLUMNS) if c in hidden]
        return merged

    def to_json(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "households": self.households,
                "min_group": self.min_group, "population": self.population,
                "error_households": self.error_households, "gini": self.gini,
                "total": self.total,
                **{f"by_{d}": self.groups[d] for d in DIMENSIONS}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GainLoss:
        """Back from :meth:`to_json` (what a stored comparison holds); the rows' Korean
        labels come back as lazy texts, shown in the request's language."""
        total = _shown_row(data["total"])
        return cls(a=dict(data["a"]), b=dict(data["b"]), households=int(data["households"]),
                   min_group=int(data["min_group"]),
                   totals={d: total for d in DIMENSIONS},
                   groups={d: [_shown_row(r) for r in data.get(f"by_{d}", [])]
                           for d in DIMENSIONS},
                   gini=dict(data["gini"]), error_households=int(data.get("error_households", 0)),
                   population=str(data.get("population", "")))


def gains_and_losses(definition_a: ProgramDefinition, definition_b: ProgramDefinition,
                     population: Population | Any, *, year: int | None = None,
                     min_group: int = DEFAULT_MIN_GROUP, source: str = "") -> GainLoss:
    """Compare ``definition_a`` (e.g. the published version) with ``definition_b`` (e.g. the
    draft) on ``population``; every figure is suppressed below ``min_group`` households."""
    if isinstance(min_group, bool) or not isinstance(min_group, int) or min_group < 1:
        raise ComparisonError(_("최소 집단 크기(k)는 1 이상의 정수여야 합니다: %(k)s",
                                k=repr(min_group)))
    for definition in (definition_a, definition_b):
        if year is not None and int(year) not in definition.parameters:
            known = ", ".join(str(y) for y in definition.years)
            raise ComparisonError(_("%(code)s v%(version)s에는 %(year)s년 매개변수가 없습니다 "
                                    "(정한 연도: %(known)s).", code=definition.code,
                                    version=definition.version, year=year, known=known))
    population = as_population(population)
    result = outcomes(definition_a, definition_b, population, year)
    columns = _raw_columns(result)
    keys = _group_keys(population)
    groups: dict[str, list[dict[str, Any]]] = {}
    totals: dict[str, dict[str, Any]] = {}
    raw_total = {"key": "total", "label": "전체",
                 **{name: _cell(name, float(values.sum())) for name, values in columns.items()}}
    for dimension in DIMENSIONS:
        codes, labels = keys[dimension]
        sums = {name: np.bincount(codes, weights=values, minlength=len(labels))
                for name, values in columns.items()}
        rows = [{"key": key, "label": label,
                 **{name: _cell(name, float(sums[name][i])) for name in columns}}
                for i, (key, label) in enumerate(labels)]
        groups[dimension], totals[dimension] = suppress(rows, dict(raw_total), min_group)
    recipients_a = result.benefit_a[result.eligible_a]
    recipients_b = result.benefit_b[result.eligible_b]
    coefficient: dict[str, float | None] = {
        "a": round(gini(result.benefit_a), 6) if population.n >= min_group else None,
        "b": round(gini(result.benefit_b), 6) if population.n >= min_group else None,
        "a_recipients": round(gini(recipients_a), 6) if len(recipients_a) >= min_group
        else None,
        "b_recipients": round(gini(recipients_b), 6) if len(recipients_b) >= min_group
        else None,
    }
    return GainLoss(a=_version(definition_a, year), b=_version(definition_b, year),
                    households=population.n, min_group=min_group, totals=totals, groups=groups,
                    gini=coefficient, error_households=result.errors,
                    population=source or population.source)


def _shown_row(row: Mapping[str, Any]) -> dict[str, Any]:
    found = dict(row)
    if isinstance(found.get("label"), str) and found["label"]:
        found["label"] = _l(korean(found["label"]))
    return found


def format_cell(name: str, value: Any) -> str:
    """A cell as the CLI, the screen and the export show it (in the request's language;
    Korean outside a request)."""
    if value is None:
        return str(SUPPRESSED_TEXT)
    if name in MONEY_COLUMNS:
        amount = f"{value:+,}" if name == "change" else f"{value:,}"
        return _("%(amount)s원", amount=amount)
    return f"{value:,}"
