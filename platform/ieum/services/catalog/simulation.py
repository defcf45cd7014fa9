"""Simulation in the studio: a program version over the shipped synthetic population.

The population is generated once with a fixed seed and kept as Parquet under the instance
folder (``catalog/population-<households>-<seed>.parquet``); each run streams it in batches
(memory bounded by the batch size, not the population). A run stores its aggregates only
(counts and budgets by region and household size, the histogram of 소득인정액 / 선정기준액):
never a household row.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.access.officials import PublicRoles
from ieum.catalog.definition import ProgramError
from ieum.catalog.income import TIER_LABELS, TIERS
from ieum.catalog.population import PopulationError, write_generated
from ieum.catalog.simulate import Progress, simulate
from ieum.services import ServiceError, is_id
from ieum.services import catalog as programs
from ieum.store.models import User
from ieum.store.models_catalog import Program, ProgramVersion, SimulationRun

POPULATION_SEED = 2026
MAX_HOUSEHOLDS = 2_000_000
_lock = threading.Lock()


def population_path(folder: str | Path, households: int, seed: int = POPULATION_SEED) -> Path:
    return Path(folder) / "catalog" / f"population-{households}-{seed}.parquet"


def synthetic_population(folder: str | Path, households: int,
                         seed: int = POPULATION_SEED) -> tuple[Path, str]:
    """The shipped synthetic population's Parquet file (generated on first use), and its
    description."""
    if not 1 <= households <= MAX_HOUSEHOLDS:
        raise ServiceError("모의계산 가구 수가 허용 범위를 벗어났습니다.", status=400)
    path = population_path(folder, households, seed)
    with _lock:
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp.parquet")
            write_generated(households, seed, partial)
            partial.replace(path)
    return path, f"합성 인구 {households:,}가구 (seed {seed})"


def run_simulation(session: Session, user: User, roles: PublicRoles, version: ProgramVersion,
                   *, actor: Actor, households: int, folder: str | Path,
                   year: int | None = None, progress: Progress | None = None) -> SimulationRun:
    """Simulate ``version`` and store the aggregates of the run. ``progress(percent,
    message)`` hears how far it is (a job passes its own; it may raise to stop the run,
    before anything is stored); the batches of the simulation fill 30 % to 90 %."""
    report = progress or (lambda _percent, _message: None)
    programs.require(roles, "program_designer", "program_reviewer")
    definition = programs.definition_of(version)
    if year is not None and year not in definition.parameters:
        known = ", ".join(str(y) for y in definition.years)
        raise ServiceError(f"{year}년 매개변수가 없습니다 (정한 연도: {known}).", status=400)
    report(5, "합성 인구를 준비하는 중입니다.")
    population, description = synthetic_population(folder, households)
    report(30, f"{households:,}가구를 모의계산하는 중입니다.")
    options: dict[str, Any] = {}
    if progress is not None:
        options["progress"] = lambda percent, message: report(
            30 + 0.6 * percent, message or "모의계산하는 중입니다.")
    try:
        result = simulate(definition, population, year, **options)
    except PopulationError as error:
        raise ServiceError(f"모의계산을 할 수 없습니다: {error.message}", status=400) from None
    except (ProgramError, ValueError) as error:
        raise ServiceError(f"모의계산을 할 수 없습니다: {error}", status=400) from None
    report(90, "결과를 저장하는 중입니다.")
    aggregates = result.to_json()
    aggregates.update({"name": definition.name, "delivery_cycle": definition.delivery_cycle,
                       "auto_decide_share": definition.auto_decide_share,
                       "version_number": version.number})
    run = SimulationRun(program_version_id=version.id, population=description,
                        households=result.households, year=result.year,
                        aggregates=aggregates, created_by_id=user.id)
    session.add(run)
    session.flush()
    record_event(session, "program.simulate", actor, target_type="simulation_run",
                 target_id=run.id, detail={"code": definition.code, "number": version.number,
                                           "eligible": result.eligible_households})
    session.commit()
    return run


def get_run(session: Session, run_id: int) -> SimulationRun:
    run = session.get(SimulationRun, run_id) if is_id(run_id) else None
    if run is None:
        raise ServiceError("모의계산 결과를 찾을 수 없습니다.", status=404)
    return run


def runs_of(session: Session, program: Program, limit: int = 10) -> list[SimulationRun]:
    return list(session.scalars(
        select(SimulationRun).join(ProgramVersion,
                                   ProgramVersion.id == SimulationRun.program_version_id)
        .where(ProgramVersion.program_id == program.id)
        .order_by(SimulationRun.id.desc()).limit(limit)))


# --- charts (inline SVG / HTML bars, no scripts) ----------------------------------------

@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    share: float  # 0..1 of the largest bar
    x: float = 0.0
    kind: str = ""  # "auto", "eligible", "over"


@dataclass(frozen=True)
class Charts:
    histogram: list[Bar]
    histogram_total: int
    auto_share: float
    regions: list[Bar]
    sizes: list[Bar]


def charts(run: SimulationRun) -> Charts:
    """What the two charts draw: households by 소득인정액 / 선정기준액 (bins of 10%, the
    threshold at 100%), and the monthly budget by region (and by household size)."""
    data: dict[str, Any] = run.aggregates or {}
    histogram = data.get("histogram") or {}
    edges = list(histogram.get("edges") or [])
    counts = list(histogram.get("counts") or [])
    auto = float(data.get("auto_decide_share") or 0)
    top = max(counts or [0]) or 1
    bars = []
    for index, count in enumerate(counts):
        low = edges[index] if index < len(edges) else index / 10
        last = index == len(counts) - 1
        label = f"{low * 100:.0f}% 이상" if last else f"{low * 100:.0f}~{low * 100 + 10:.0f}%"
        kind = "auto" if low + 0.1 <= auto + 1e-9 else "eligible" if low < 1 - 1e-9 \
            else "over"
        bars.append(Bar(label, count, count / top, low, kind))
    regions_data = data.get("by_region") or {}
    region_top = max([g.get("monthly_budget", 0) for g in regions_data.values()] or [0]) or 1
    regions = [Bar(TIER_LABELS.get(tier, tier), regions_data[tier].get("monthly_budget", 0),
                   regions_data[tier].get("monthly_budget", 0) / region_top,
                   regions_data[tier].get("eligible_households", 0))
               for tier in TIERS if tier in regions_data]
    sizes_data = data.get("by_size") or {}
    size_top = max([g.get("monthly_budget", 0) for g in sizes_data.values()] or [0]) or 1
    sizes = [Bar(f"{key}인", group.get("monthly_budget", 0),
                 group.get("monthly_budget", 0) / size_top, group.get("eligible_households", 0))
             for key, group in sorted(sizes_data.items(), key=lambda item: int(item[0]))]
    return Charts(bars, sum(counts), auto, regions, sizes)
