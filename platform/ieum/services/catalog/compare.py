"""Comparing program versions in the studio, and predicted vs actual uptake (issue 16, 4-5).

* :func:`compare_versions` runs :func:`ieum.catalog.compare.gains_and_losses` on the shipped
  synthetic population and stores the result, which is already suppressed below ``k``
  households: what the screen, the JSON and the Excel export show is that stored result.
* :func:`record_prediction` stores, when a version is published, what its simulation
  predicts; :func:`predicted_vs_actual` sets it against the applications filed on that
  version and their decisions, by month and region tier.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.access.officials import PublicRoles
from ieum.catalog.compare import (
    COLUMN_TITLES,
    COUNT_COLUMNS,
    DEFAULT_MIN_GROUP,
    DIMENSION_TITLES,
    DIMENSIONS,
    MONEY_COLUMNS,
    SUPPRESSED_TEXT,
    ComparisonError,
    GainLoss,
    format_cell,
    gains_and_losses,
)
from ieum.catalog.definition import ProgramError
from ieum.catalog.income import TIER_LABELS, TIERS, IncomeError, region_tier
from ieum.catalog.simulate import simulate
from ieum.config import KST
from ieum.services import ServiceError, is_id
from ieum.services import catalog as programs
from ieum.services.catalog.simulation import synthetic_population
from ieum.store.models import User
from ieum.store.models_catalog import Application, Program, ProgramVersion
from ieum.store.models_compare import ProgramPrediction, SimulationComparison

#: Households the platform's facilities serve, to scale the synthetic population's shares.
DEFAULT_COVERED_HOUSEHOLDS = 10_000
#: Share of eligible households expected to apply, and over how many months.
DEFAULT_TAKE_UP = 0.5
DEFAULT_SPREAD_MONTHS = 12
MAX_MONTHS = 36


# --- comparing two versions ---------------------------------------------------------------------

def versions_to_compare(session: Session, program: Program) -> tuple[ProgramVersion,
                                                                       ProgramVersion]:
    """The default pair: the published version (or, when the latest is the published one,
    the version before it) against the latest version."""
    versions = sorted(program.versions, key=lambda v: v.number)
    latest = versions[-1]
    published = [v for v in versions if v.status == "published" and v.id != latest.id]
    if published:
        return published[-1], latest
    if len(versions) < 2:
        raise ServiceError("비교할 다른 버전이 없습니다. 새 버전을 저장한 뒤 비교하세요.",
                           status=400)
    return versions[-2], latest


def compare_versions(session: Session, user: User, roles: PublicRoles,
                     version_a: ProgramVersion, version_b: ProgramVersion, *, actor: Actor,
                     households: int, folder: str | Path, min_group: int = DEFAULT_MIN_GROUP,
                     year: int | None = None) -> SimulationComparison:
    """Who gains and who loses from ``version_a`` to ``version_b``; stored (suppressed)."""
    programs.require(roles, "program_designer", "program_reviewer")
    if version_a.program_id != version_b.program_id:
        raise ServiceError("같은 사업의 버전끼리만 비교할 수 있습니다.", status=400)
    if version_a.id == version_b.id:
        raise ServiceError("서로 다른 두 버전을 고르세요.", status=400)
    definition_a = programs.definition_of(version_a)
    definition_b = programs.definition_of(version_b)
    population, description = synthetic_population(folder, households)
    try:
        result = gains_and_losses(definition_a, definition_b, population, year=year,
                                  min_group=min_group, source=description)
    except ComparisonError as error:
        raise ServiceError(error.message, status=400) from None
    except (ProgramError, ValueError) as error:
        raise ServiceError(f"비교할 수 없습니다: {error}", status=400) from None
    data = result.to_json()
    data["a"]["number"], data["b"]["number"] = version_a.number, version_b.number
    row = SimulationComparison(version_a_id=version_a.id, version_b_id=version_b.id,
                               population=description, households=result.households,
                               min_group=min_group, aggregates=data, created_by_id=user.id)
    session.add(row)
    session.flush()
    record_event(session, "program.compare", actor, target_type="simulation_comparison",
                 target_id=row.id, detail={"code": definition_b.code, "a": version_a.number,
                                           "b": version_b.number, "k": min_group})
    session.commit()
    return row


def get_comparison(session: Session, comparison_id: int) -> SimulationComparison:
    row = session.get(SimulationComparison, comparison_id) if is_id(comparison_id) else None
    if row is None:
        raise ServiceError("비교 결과를 찾을 수 없습니다.", status=404)
    return row


def comparisons_of(session: Session, program: Program, limit: int = 10,
                   ) -> list[SimulationComparison]:
    return list(session.scalars(
        select(SimulationComparison)
        .join(ProgramVersion, ProgramVersion.id == SimulationComparison.version_b_id)
        .where(ProgramVersion.program_id == program.id)
        .order_by(SimulationComparison.id.desc()).limit(limit)))


def gain_loss(row: SimulationComparison) -> GainLoss:
    return GainLoss.from_json(row.aggregates)


# --- the chart (server-drawn SVG) ---------------------------------------------------------------

@dataclass(frozen=True)
class ChartBar:
    label: str
    value: int | None  # None: suppressed
    text: str
    x: float
    y: float
    height: float
    positive: bool


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    zero: float  # y of the zero line
    bar_width: float
    bars: tuple[ChartBar, ...]
    title: str


def decile_chart(result: GainLoss, *, column: str = "change", width: int = 720,
                 height: int = 260) -> Chart:
    """Bars of ``column`` (default: the change in monthly benefit) by income decile, up for
    gains and down for losses; a suppressed decile has no bar and says so."""
    rows = result.groups["decile"]
    values = [row[column] for row in rows]
    shown = [abs(v) for v in values if v is not None]
    top = max(shown or [0]) or 1
    has_negative = any(v is not None and v < 0 for v in values)
    has_positive = any(v is not None and v > 0 for v in values) or not has_negative
    margin_top, margin_bottom, left = 20, 40, 60
    plot = height - margin_top - margin_bottom
    if has_positive and has_negative:
        zero = margin_top + plot / 2
        scale = plot / 2 / top
    elif has_negative:
        zero, scale = margin_top, plot / top
    else:
        zero, scale = margin_top + plot, plot / top
    step = (width - left - 10) / max(len(rows), 1)
    bars = []
    for index, (row, value) in enumerate(zip(rows, values, strict=True)):
        x = left + index * step + step * 0.15
        if value is None:
            bars.append(ChartBar(row["label"], None, SUPPRESSED_TEXT, x, zero, 0, True))
            continue
        size = abs(value) * scale
        y = zero - size if value >= 0 else zero
        bars.append(ChartBar(row["label"], value, format_cell(column, value), x, y, size,
                             value >= 0))
    return Chart(width, height, zero, step * 0.7, tuple(bars),
                 f"소득 10분위별 {COLUMN_TITLES[column]}")


# --- the Excel export ---------------------------------------------------------------------------

def _workbook_bytes(sheets: Sequence[tuple[str, list[str], list[list[Any]]]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        for index, header in enumerate(headers, start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            sheet.column_dimensions[letter].width = max(10, len(header) * 2 + 2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _export_cell(name: str, value: Any) -> Any:
    return SUPPRESSED_TEXT if value is None else value


def comparison_xlsx(row: SimulationComparison) -> bytes:
    """The stored (suppressed) comparison as a workbook: one sheet per dimension and one of
    totals and Gini coefficients. A hidden cell reads "표시 안 함"."""
    result = gain_loss(row)
    columns = [*COUNT_COLUMNS, *MONEY_COLUMNS]
    headers = ["구분", *(COLUMN_TITLES[c] for c in columns)]
    sheets: list[tuple[str, list[str], list[list[Any]]]] = []
    total = result.total
    gini = result.gini
    summary = [["기존 버전", f"v{result.a.get('number', result.a['version'])}"],
               ["변경 버전", f"v{result.b.get('number', result.b['version'])}"],
               ["인구", result.population], ["가구", result.households],
               ["최소 집단 크기 (k)", result.min_group],
               ["급여 지니계수 (기존, 전체 가구)", _export_cell("", gini["a"])],
               ["급여 지니계수 (변경, 전체 가구)", _export_cell("", gini["b"])],
               ["급여 지니계수 (기존, 수급 가구)", _export_cell("", gini["a_recipients"])],
               ["급여 지니계수 (변경, 수급 가구)", _export_cell("", gini["b_recipients"])],
               *([COLUMN_TITLES[c], _export_cell(c, total[c])] for c in columns)]
    sheets.append(("요약", ["항목", "값"], summary))
    for dimension in DIMENSIONS:
        rows = [[r["label"], *(_export_cell(c, r[c]) for c in columns)]
                for r in result.groups[dimension]]
        sheets.append((f"{DIMENSION_TITLES[dimension]}별", headers, rows))
    return _workbook_bytes(sheets)


# --- predicted vs actual ------------------------------------------------------------------------

def record_prediction(session: Session, version: ProgramVersion, *, households: int,
                      folder: str | Path,
                      covered_households: int = DEFAULT_COVERED_HOUSEHOLDS,
                      take_up: float = DEFAULT_TAKE_UP,
                      spread_months: int = DEFAULT_SPREAD_MONTHS) -> ProgramPrediction:
    """Simulate ``version`` and store what it predicts (once per version: a second call
    returns the stored one). Called when a version is published."""
    found = session.scalar(select(ProgramPrediction).where(
        ProgramPrediction.program_version_id == version.id))
    if found is not None:
        return found
    definition = programs.definition_of(version)
    population, description = synthetic_population(folder, households)
    try:
        result = simulate(definition, population)
    except (ProgramError, ValueError) as error:
        raise ServiceError(f"예측을 계산할 수 없습니다: {error}", status=400) from None
    data = result.to_json()
    prediction = {
        "population": description, "households": result.households, "year": result.year,
        "delivery_cycle": definition.delivery_cycle,
        "eligible_households": data["eligible_households"],
        "monthly_budget": data["monthly_budget"],
        "by_region": {tier: data["by_region"].get(tier, {"households": 0,
                                                         "eligible_households": 0,
                                                         "monthly_budget": 0})
                      for tier in TIERS},
        "covered_households": int(covered_households), "take_up": float(take_up),
        "spread_months": int(spread_months),
    }
    row = ProgramPrediction(program_version_id=version.id, prediction=prediction)
    session.add(row)
    session.commit()
    return row


def prediction_of(session: Session, version: ProgramVersion) -> ProgramPrediction | None:
    return session.scalar(select(ProgramPrediction).where(
        ProgramPrediction.program_version_id == version.id))


@dataclass(frozen=True)
class Cell:
    """One month and region: predicted and actual figures. ``actual_benefit`` is ``None``
    when fewer than k eligible decisions make it (it would show a person's benefit)."""

    month: str
    region: str
    label: str
    predicted_applications: float
    applications: int
    predicted_eligible: float
    eligible: int
    ineligible: int
    predicted_benefit: int
    actual_benefit: int | None

    @property
    def difference(self) -> float:
        return self.applications - self.predicted_applications


@dataclass(frozen=True)
class PredictedVsActual:
    program: Program
    version: ProgramVersion
    prediction: dict[str, Any]
    months: tuple[str, ...]
    rows: tuple[Cell, ...]  # by month, then the region tiers, then "전체" of the month
    totals: tuple[Cell, ...]  # per region over all months, then "전체"
    min_group: int


def _month_key(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone(KST)
    return f"{local.year}-{local.month:02d}"


def _months(first: dt.date, today: dt.date) -> list[str]:
    index, last = first.year * 12 + first.month - 1, today.year * 12 + today.month - 1
    index = max(index, last - MAX_MONTHS + 1)
    return [f"{i // 12}-{i % 12 + 1:02d}" for i in range(index, last + 1)]


def _tier_of(application: Application) -> str:
    household = application.household or {}
    value = household.get("region")
    if isinstance(value, str) and value in TIERS:
        return value
    try:
        return region_tier(application.facility.region_code)
    except IncomeError:
        return "other"


def predicted_vs_actual(session: Session, program: Program, today: dt.date, *,
                        min_group: int = DEFAULT_MIN_GROUP) -> PredictedVsActual:
    """The published version's prediction against the applications filed on it (by the
    month they were filed) and its decisions (by the month they were made), by region tier.

    The months run from the month of publication to today (or to the last month with an
    application or a decision, when the records' clock is ahead of today). A benefit sum of
    fewer than k eligible decisions is hidden, and so is every total it is part of.

    Predicted applications in a month of the spread = covered households x share of the
    synthetic population eligible in the tier x take-up / spread months (0 after it);
    predicted monthly benefit = predicted applications x mean monthly benefit per eligible
    household of the tier."""
    version = next((v for v in program.versions if v.status == "published"), None)
    if version is None:
        raise ServiceError("게시된 버전이 없는 사업입니다.", status=404)
    stored = prediction_of(session, version)
    if stored is None:
        raise ServiceError("이 버전에는 게시할 때 저장한 예측이 없습니다. 예측을 계산하세요.",
                           status=409)
    prediction = stored.prediction
    published = version.published_at or stored.created_at
    published_day = (published if published.tzinfo else published.replace(tzinfo=dt.UTC)
                     ).astimezone(KST).date()
    spread = max(1, int(prediction.get("spread_months") or DEFAULT_SPREAD_MONTHS))
    factor = 1.0 if prediction.get("delivery_cycle") == "monthly" else 1.0 / 12.0
    population = max(1, int(prediction.get("households") or 1))
    covered = float(prediction.get("covered_households") or 0)
    take_up = float(prediction.get("take_up") or 0)
    predicted: dict[str, tuple[float, float]] = {}
    for tier in TIERS:
        group = prediction["by_region"].get(tier) or {}
        eligible = float(group.get("eligible_households") or 0)
        per_month = covered * eligible / population * take_up / spread
        mean = float(group.get("monthly_budget") or 0) / eligible if eligible else 0.0
        predicted[tier] = (per_month, mean)
    counts: dict[tuple[str, str], list[float]] = {}
    applications = session.scalars(select(Application).where(
        Application.program_version_id == version.id))
    for application in applications:
        tier = _tier_of(application)
        filed = _month_key(application.created_at)
        if filed is not None:
            counts.setdefault((filed, tier), [0, 0, 0, 0.0])[0] += 1
        decided = _month_key(application.decided_at)
        if decided is not None and application.decision in ("eligible", "ineligible"):
            cell = counts.setdefault((decided, tier), [0, 0, 0, 0.0])
            if application.decision == "eligible":
                cell[1] += 1
                cell[3] += float(application.benefit or 0) * factor
            else:
                cell[2] += 1
    last = max([today, published_day,
                *(dt.date(int(m[:4]), int(m[5:]), 1) for m, _ in counts)])
    months = _months(published_day, last)
    rows: list[Cell] = []
    sums: dict[str, list[float]] = {tier: [0, 0, 0, 0, 0, 0.0, 0.0] for tier in (*TIERS, "")}

    def cell(month: str, tier: str, label: str, values: Sequence[float]) -> Cell:
        apps, eligible, ineligible, benefit, p_apps, p_benefit = values
        return Cell(month, tier, label, round(p_apps, 1), int(apps), round(p_apps, 1),
                    int(eligible), int(ineligible), int(round(p_benefit)),
                    int(round(benefit)) if eligible >= min_group or eligible == 0 else None)

    hidden_tiers: set[str] = set()
    for index, month in enumerate(months):
        month_sum = [0.0] * 6
        month_cells = []
        for tier in TIERS:
            apps, eligible, ineligible, benefit = counts.get((month, tier), [0, 0, 0, 0.0])
            per_month, mean = predicted[tier] if index < spread else (0.0, 0.0)
            values = [apps, eligible, ineligible, benefit, per_month, per_month * mean]
            month_cells.append(cell(month, tier, TIER_LABELS[tier], values))
            for position, value in enumerate(values):
                month_sum[position] += value
                sums[tier][position] += value
                sums[""][position] += value
        total = cell(month, "", "전체", month_sum)
        hidden = {c.region for c in month_cells if c.actual_benefit is None}
        hidden_tiers |= hidden
        if hidden:  # a shown total would give a lone hidden cell back by subtraction
            total = dataclasses.replace(total, actual_benefit=None)
        rows.extend([*month_cells, total])
    totals: list[Cell] = []
    for tier in (*TIERS, ""):
        found = cell("", tier, TIER_LABELS.get(tier, "전체"), sums[tier][:6])
        if tier in hidden_tiers or (tier == "" and hidden_tiers):
            found = dataclasses.replace(found, actual_benefit=None)
        totals.append(found)
    return PredictedVsActual(program, version, prediction, tuple(months), tuple(rows),
                             tuple(totals), min_group)


PVA_HEADERS = ["월", "지역", "예측 신청", "실제 신청", "차이 (실제-예측)", "실제 적합 결정",
               "실제 부적합 결정", "예측 월 급여 (새 선정분)", "실제 월 급여 (새 적합 결정분)"]


def pva_row(cell: Cell) -> list[Any]:
    return [cell.month or "전 기간", cell.label, cell.predicted_applications, cell.applications,
            round(cell.difference, 1), cell.eligible, cell.ineligible, cell.predicted_benefit,
            SUPPRESSED_TEXT if cell.actual_benefit is None else cell.actual_benefit]


def predicted_vs_actual_xlsx(report: PredictedVsActual) -> bytes:
    """The predicted-vs-actual table as a workbook (months and regions, then totals)."""
    prediction = report.prediction
    notes = [["사업", f"{report.program.name} ({report.program.code} v{report.version.number})"],
             ["예측 인구", prediction.get("population", "")],
             ["대상 가구 수 가정", prediction.get("covered_households")],
             ["신청률 가정", prediction.get("take_up")],
             ["분산 개월 수", prediction.get("spread_months")],
             ["최소 집단 크기 (k)", report.min_group]]
    return _workbook_bytes([
        ("예측 대비 실적", PVA_HEADERS, [pva_row(c) for c in (*report.rows, *report.totals)]),
        ("가정", ["항목", "값"], notes)])


def audit_export(session: Session, actor: Actor, what: str, target_type: str,
                 target_id: int) -> None:
    record_event(session, "program.export", actor, target_type=target_type,
                 target_id=target_id, detail={"what": what})
    session.commit()
