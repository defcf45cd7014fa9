"""The catalog commands of ``ieum``: ``population generate`` and ``simulate``.

Errors are printed in Korean on stderr with exit status 1 (bad program, population or data)
or 2 (a program or file that cannot be found, a bad option); never a traceback.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from ieum.catalog.definition import ProgramDefinition, ProgramError, load_program_file
from ieum.catalog.income import TIER_LABELS, IncomeError

if TYPE_CHECKING:  # pyarrow is imported only by the commands that need it
    from ieum.catalog.compare import GainLoss
    from ieum.catalog.dataset import PopulationDataset
    from ieum.catalog.simulate import Comparison, Population, SimulationResult

#: Populations from this many households (or CSV files from this many bytes) get a progress
#: bar on stderr.
PROGRESS_FROM = 1 << 18
PROGRESS_FROM_BYTES = 32 << 20


def _fail(message: str, code: int = 1) -> NoReturn:
    click.echo(click.style("오류: ", fg="red", bold=True) + message, err=True)
    raise SystemExit(code)


def _problems(error: ProgramError, source: str) -> NoReturn:
    title = f"사업 정의에 문제가 있습니다 ({source})"
    click.echo(click.style("오류: ", fg="red", bold=True) + title, err=True)
    for path, message in error.problems:
        click.echo(f"  {path}: {message}" if path else f"  {message}", err=True)
    raise SystemExit(1)


@click.group("population")
def population_group() -> None:
    """Synthetic household populations for program simulation."""


@population_group.command("generate")
@click.option("--households", required=True, type=click.IntRange(1, 50_000_000),
              help="Number of households (rows).")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Random seed: the same seed gives the same file.")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Output: a .csv or .parquet file, or a folder (new or empty) that gets "
                   "Parquet files partitioned by region (region=seoul/part-00000.parquet).")
def population_generate(households: int, seed: int, out: Path) -> None:
    """Write a synthetic population with the columns `ieum simulate` reads:

    household_id, size, region (seoul/gyeonggi/metro/other), earned_income, business_income,
    other_income (won a month), housing_assets, general_assets, financial_assets, car_value,
    debts (won), car_exempt (0/1).

    Households are made and written a million at a time, so a national population
    (--households 23000000 --out national/) needs little memory.
    """
    from ieum.catalog.population import PopulationError, write_generated

    suffix = out.suffix.lower()
    if suffix and suffix not in (".csv", ".parquet", ".pq") and not out.is_dir():
        _fail(f"파일 형식을 알 수 없습니다: {out.name} (.csv 또는 .parquet으로 끝나는 파일이나 "
              "폴더여야 합니다)", 2)
    try:
        write_generated(households, seed, out)
    except PopulationError as error:
        _fail(error.message)
    click.echo(f"가구 {households:,}개를 만들었습니다: {out}")


#: A version stored in the database: ``CODE@N``, ``CODE@published`` or ``CODE@latest``.
STORED_VERSION = re.compile(r"([A-Za-z0-9_.-]{1,64})@(published|latest|[0-9]{1,6})")


def stored_program(code: str, which: str) -> ProgramDefinition:
    """A version of a program stored in the configured database (a draft, the published
    version, or any numbered one); exits with a Korean message when there is none."""
    from sqlalchemy import select

    from ieum import config as settings
    from ieum.services import catalog as programs
    from ieum.store import Database
    from ieum.store.models_catalog import Program

    try:
        database = Database(settings.database_url())
        with database.session() as session:
            program = session.scalar(select(Program).where(Program.code == code))
            if program is None:
                _fail(f"데이터베이스에 사업이 없습니다: {code}", 2)
            versions = sorted(program.versions, key=lambda v: v.number)
            if which == "latest":
                found = versions[-1] if versions else None
            elif which == "published":
                found = next((v for v in versions if v.status == "published"), None)
            else:
                found = next((v for v in versions if v.number == int(which)), None)
            if found is None:
                known = ", ".join(f"v{v.number}({v.status})" for v in versions) or "없음"
                _fail(f"{code}에 {which} 버전이 없습니다 (있는 버전: {known})", 2)
            return programs.definition_of(found)
    except ProgramError as error:
        _problems(error, f"{code}@{which}")
    except Exception as error:  # noqa: BLE001 - no database, no table: a message, not a trace
        _fail(f"데이터베이스에서 사업을 읽을 수 없습니다 ({type(error).__name__}: "
              f"{str(error).splitlines()[0] if str(error) else ''})", 2)


def resolve_program(reference: str) -> ProgramDefinition:
    """A shipped program by code, the program of a YAML file, or a version stored in the
    database (``CODE@N``, ``CODE@published``, ``CODE@latest``); exits with a Korean message
    when none works."""
    stored = STORED_VERSION.fullmatch(reference)
    if stored and not Path(reference).is_file():
        return stored_program(*stored.groups())
    path = Path(reference)
    if path.suffix.lower() in (".yaml", ".yml") or path.is_file():
        if not path.is_file():
            _fail(f"사업 정의 파일이 없습니다: {reference}", 2)
        try:
            return load_program_file(path)
        except ProgramError as error:
            _problems(error, path.name)
    from ieum.catalog.definition import shipped_programs

    try:
        programs = shipped_programs()
    except ProgramError as error:
        _problems(error, "programs/")
    if reference not in programs:
        known = ", ".join(programs) or "없음"
        _fail(f"사업을 찾을 수 없습니다: {reference} (사업 코드나 YAML 파일 경로를 주세요; "
              f"있는 사업: {known})", 2)
    return programs[reference]


def _run(definition: ProgramDefinition, dataset: PopulationDataset, year: int | None,
         label: str, cluster: dict[str, Any] | None) -> SimulationResult:
    from ieum.catalog.population import PopulationError

    rows = dataset.rows
    big = (rows is None and dataset.bytes >= PROGRESS_FROM_BYTES) or \
        (rows is not None and rows >= PROGRESS_FROM)
    try:
        if not big:
            return _engine(definition, dataset, year, None, cluster)
        with click.progressbar(length=100, label=label, file=sys.stderr,
                               show_percent=True, show_pos=False) as bar:
            seen = [0]

            def advance(percent: int, message: str) -> None:
                if percent > seen[0]:
                    bar.update(percent - seen[0])
                    seen[0] = percent

            return _engine(definition, dataset, year, advance, cluster)
    except ProgramError as error:
        _problems(error, definition.code)
    except (IncomeError, PopulationError) as error:
        _fail(error.message)


def _engine(definition: ProgramDefinition, dataset: PopulationDataset, year: int | None,
            progress: Any, cluster: dict[str, Any] | None) -> SimulationResult:
    from ieum.catalog.simulate import simulate

    if cluster is None:
        return simulate(definition, dataset, year, progress)
    from ieum.catalog.cluster import ClusterError, simulate_on_dask

    try:
        return simulate_on_dask(definition, dataset, year, progress, **cluster)
    except ClusterError as error:
        _fail(error.message, 2)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max([_width(h), *(_width(row[i]) for row in rows)]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        padded = []
        for index, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            space = " " * (width - _width(cell))
            padded.append(cell + space if index == 0 else space + cell)
        return "  ".join(padded).rstrip()

    return [line(headers), *(line(row) for row in rows)]


def _won(value: float) -> str:
    return f"{value:,.0f}원"


def _signed(value: float, unit: str = "") -> str:
    return f"{value:+,.0f}{unit}"


def _group_label(kind: str, key: str) -> str:
    return TIER_LABELS.get(key, key) if kind == "region" else f"{key}인"


def _print_result(result: SimulationResult) -> None:
    share = result.eligible_households / result.households * 100 if result.households else 0
    click.echo(click.style(f"{result.name} ({result.program} v{result.version}), "
                           f"{result.year}년 기준", bold=True))
    click.echo(f"가구 {result.households:,}  선정 가구 {result.eligible_households:,} "
               f"({share:.1f}%)  월 예산 {_won(result.monthly_budget)}  "
               f"연 예산 {_won(result.annual_budget)}")
    if result.error_households:
        click.echo(f"계산할 수 없어 제외한 가구: {result.error_households:,}")
    for kind, title, groups in (("region", "지역별", result.by_region),
                                ("size", "가구원 수별", result.by_size)):
        click.echo()
        click.echo(title)
        rows = [[_group_label(kind, key), f"{group['households']:,}",
                 f"{group['eligible_households']:,}", _won(group["monthly_budget"])]
                for key, group in groups.items()]
        for line in _table(["구분", "가구", "선정 가구", "월 예산"], rows):
            click.echo(f"  {line}")


# who gains and who loses (issue 16, point 4): every figure comes from GainLoss, which
# holds only suppressed aggregates, so a group below --min-group is never printed

#: The columns the terminal table shows (the JSON has them all).
SHOWN = ("households", "eligible_a", "eligible_b", "newly_eligible", "newly_ineligible",
         "better_off", "worse_off", "budget_a", "budget_b", "change")


def gains_losses_of(definition_a: ProgramDefinition, definition_b: ProgramDefinition,
                    population: Population, year: int | None,
                    min_group: int | None) -> GainLoss:
    """Who gains and who loses (``ieum.catalog.compare``), or a Korean error and exit 1."""
    from ieum.catalog.compare import DEFAULT_MIN_GROUP, ComparisonError, gains_and_losses

    try:
        return gains_and_losses(definition_a, definition_b, population, year=year,
                                min_group=DEFAULT_MIN_GROUP if min_group is None else min_group)
    except ComparisonError as error:
        _fail(error.message)
    except ProgramError as error:
        _problems(error, definition_b.code)


def _gini_text(value: float | None) -> str:
    return "표시 안 함" if value is None else f"{value:.3f}"


def safe_payload(a: SimulationResult, b: SimulationResult, comparison: Comparison,
                 gains: GainLoss) -> dict[str, Any]:
    """The JSON of ``--compare --json``: both results and their difference, whose groups
    are taken from the suppressed gains and losses (``null`` where hidden; sizes from 6 up
    in one group "6"), and the gains and losses themselves."""
    safe_a, safe_b, difference = a.to_json(), b.to_json(), comparison.to_json()
    for name, dimension in (("by_region", "region"), ("by_size", "size")):
        rows = gains.groups[dimension]
        safe_a[name] = {r["key"]: {"households": r["households"],
                                   "eligible_households": r["eligible_a"],
                                   "monthly_budget": r["budget_a"]} for r in rows}
        safe_b[name] = {r["key"]: {"households": r["households"],
                                   "eligible_households": r["eligible_b"],
                                   "monthly_budget": r["budget_b"]} for r in rows}
        difference[name] = {r["key"]: {
            "eligible_households": None if r["eligible_a"] is None or r["eligible_b"] is None
            else r["eligible_b"] - r["eligible_a"],
            "monthly_budget": r["change"]} for r in rows}
    return {"a": safe_a, "b": safe_b, "difference": difference, "gains_losses": gains.to_json()}


def print_compare(a: SimulationResult, b: SimulationResult, gains: GainLoss) -> None:
    click.echo(click.style(f"비교: {a.program} v{a.version} → {b.program} v{b.version} "
                           f"({b.year}년 기준, 가구 {b.households:,})", bold=True))
    click.echo(f"선정 가구 {a.eligible_households:,} → {b.eligible_households:,} "
               f"({_signed(b.eligible_households - a.eligible_households)})")
    click.echo(f"월 예산 {_won(a.monthly_budget)} → {_won(b.monthly_budget)} "
               f"({_signed(b.monthly_budget - a.monthly_budget, '원')})")
    if a.error_households or b.error_households:
        click.echo(f"계산할 수 없어 제외한 가구: {a.error_households:,} / "
                   f"{b.error_households:,}")
    click.echo()
    print_gains_losses(gains)


def print_gains_losses(gains: GainLoss) -> None:
    from ieum.catalog.compare import COLUMN_TITLES, DIMENSION_TITLES, DIMENSIONS, format_cell

    click.echo(click.style(f"누가 얻고 누가 잃는가 (k = {gains.min_group}: "
                           f"{gains.min_group}가구 미만인 집단은 표시하지 않음)", bold=True))
    total = gains.total
    click.echo(f"새로 선정 {format_cell('newly_eligible', total['newly_eligible'])}가구, "
               f"선정 제외 {format_cell('newly_ineligible', total['newly_ineligible'])}가구, "
               f"급여 증가 {format_cell('better_off', total['better_off'])}가구, "
               f"급여 감소 {format_cell('worse_off', total['worse_off'])}가구")
    click.echo(f"급여 지니계수 (전체 가구): {_gini_text(gains.gini['a'])} → "
               f"{_gini_text(gains.gini['b'])}   "
               f"(수급 가구만): {_gini_text(gains.gini['a_recipients'])} → "
               f"{_gini_text(gains.gini['b_recipients'])}")
    for dimension in DIMENSIONS:
        click.echo()
        click.echo(f"{DIMENSION_TITLES[dimension]}별 차이")
        rows = [[row["label"], *(format_cell(c, row[c]) for c in SHOWN)]
                for row in gains.groups[dimension]]
        for line in _table(["구분", *(COLUMN_TITLES[c] for c in SHOWN)], rows):
            click.echo(f"  {line}")
    click.echo()
    click.echo("소득 10분위: (근로+사업+기타 소득) ÷ √가구원 수 순위로 나눈 같은 크기의 10개 집단. "
               "월 급여: 연·일회성 급여는 12로 나눈 금액.")


@click.command("simulate")
@click.argument("program")
@click.option("--population", "population_file", required=True,
              type=click.Path(path_type=Path),
              help="Population file (.csv, or .parquet) with one row per household, or a "
                   "folder of Parquet files (as `ieum population generate --out DIR` writes).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--year", type=int, default=None,
              help="Year of the standards and parameters (default: the program's latest).")
@click.option("--compare", "other", default=None, metavar="OTHER",
              help="Another program code or YAML file to compare with (what-if).")
@click.option("--min-group", "min_group", default=None, type=click.IntRange(1, 1_000_000),
              help="With --compare: hide groups of fewer households (k-anonymity; "
                   "default 10).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local",
              show_default=True,
              help="local: this process, batch by batch; dask: one task per file on a Dask "
                   "cluster.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Dask scheduler address (tcp://host:8786); without it --engine dask "
                   "starts a LocalCluster on this machine.")
@click.option("--workers", type=click.IntRange(1, 256), default=2, show_default=True,
              help="Workers of the LocalCluster (--engine dask without --scheduler).")
def simulate_command(program: str, population_file: Path, as_json: bool, year: int | None,
                     other: str | None, min_group: int | None, engine: str,
                     scheduler: str | None, workers: int) -> None:
    """Simulate PROGRAM (a shipped program code such as livelihood-2026, or a YAML file)
    over a population: eligible households and monthly budget, in total, by region and by
    household size.

    PROGRAM and OTHER may also name a version stored in the database (IEUM_DATABASE_URL):
    CODE@N, CODE@published or CODE@latest, e.g. a draft against the published version:
    ieum simulate livelihood-2026@published --compare livelihood-2026@latest ...

    \b
    What-if: copy the program, change a parameter, compare:
      cp programs/livelihood-2026.yaml what-if.yaml
      (edit what-if.yaml: version: 2, threshold_share: 0.35)
      ieum simulate livelihood-2026 --population pop.parquet --compare what-if.yaml

    --json prints {"program", "version", "households", "eligible_households",
    "monthly_budget", "by_region", "by_size", ...}; with --compare it prints
    {"a": ..., "b": ..., "difference": ..., "gains_losses": ...}: who gains and who loses
    by region, household size and income decile, and the Gini coefficient of benefits of
    each version; groups of fewer than --min-group households are never shown. The
    comparison ranks every household by income, so --compare reads one population file
    whole.

    \b
    The population is read in batches, never whole. On a cluster (docs/PERFORMANCE.md):
      ieum population generate --households 23000000 --out /shared/national
      ieum simulate livelihood-2026 --population /shared/national --engine dask \\
          --scheduler tcp://scheduler:8786
    """
    from ieum.catalog.dataset import open_population
    from ieum.catalog.population import PopulationError
    from ieum.catalog.simulate import compare, read_population

    if min_group is not None and other is None:
        _fail("--min-group은 --compare와 함께 씁니다 (두 버전을 비교할 때 가릴 집단 크기).", 2)
    definition = resolve_program(program)
    other_definition = resolve_program(other) if other is not None else None
    if scheduler and engine != "dask":
        _fail("--scheduler는 --engine dask와 함께 써야 합니다", 2)
    cluster = ({"scheduler": scheduler, "workers": workers} if engine == "dask" else None)
    try:
        population = open_population(population_file)
    except PopulationError as error:
        _fail(error.message, 2 if not population_file.exists() else 1)
    result = _run(definition, population, year, f"{definition.code} 모의실험", cluster)
    if other_definition is None:
        if as_json:
            click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        else:
            _print_result(result)
        return
    other_result = _run(other_definition, population, year, f"{other_definition.code} 모의실험",
                        cluster)
    comparison = compare(result, other_result)
    if not population_file.is_file():
        _fail("--compare는 한 파일의 인구로 비교합니다 (소득 10분위를 가르려면 모든 가구를 "
              "함께 읽어야 합니다): 폴더가 아닌 CSV 또는 Parquet 파일을 주세요", 2)
    try:
        whole = read_population(population_file)
    except PopulationError as error:
        _fail(error.message)
    gains = gains_losses_of(definition, other_definition, whole, year, min_group)
    if as_json:
        click.echo(json.dumps(safe_payload(result, other_result, comparison, gains),
                              ensure_ascii=False))
        return
    print_compare(result, other_result, gains)


# --- decision records ---------------------------------------------------------------------------

@click.group("decision")
def decision_group() -> None:
    """Decision records of catalog applications: replay and proof."""


def _print_differences(differences: Sequence[dict[str, Any]]) -> None:
    titles = {"program": "사업", "expression": "식", "parameter": "매개변수", "standard": "기준",
              "step": "계산값", "outcome": "결과"}
    rows = [[titles.get(d["kind"], d["kind"]), d["label"], _plain_value(d["before"]),
             _plain_value(d["after"]), d["note"]] for d in differences]
    for line in _table(["구분", "항목", "기록", "다시 계산", "비고"], rows):
        click.echo("  " + line)


def _plain_value(value: Any) -> str:
    if isinstance(value, bool):
        return "예" if value else "아니오"
    if isinstance(value, int):
        return f"{value:,}"
    return "-" if value is None else str(value)


@decision_group.command("replay")
@click.argument("record_id", type=int)
@click.option("--application", "by_application", is_flag=True,
              help="RECORD_ID is an application id: replay its latest decision record.")
@click.option("--today", "today_text", default=None, metavar="YYYY-MM-DD",
              help="The day whose rules count as today's (default: $IEUM_TODAY or today).")
@click.option("--json", "as_json", is_flag=True, help="Print the proof as JSON.")
@click.option("--database-url", "database_url", metavar="URL",
              help="대상 데이터베이스 (기본: IEUM_DATABASE_URL 또는 instance/ieum.db)")
def decision_replay(record_id: int, by_application: bool, today_text: str | None,
                    as_json: bool, database_url: str | None) -> None:
    """Re-evaluate a decision from its record and prove it gives the same result (exit 0),
    then under today's rules and say what would differ and why. Exit 1 when the record was
    tampered with or the exact replay differs; 2 when the record does not exist."""
    import datetime as dt
    import os

    from sqlalchemy import select

    from ieum import config as settings
    from ieum.access.audit import Actor
    from ieum.services import ServiceError
    from ieum.services.catalog import decisions
    from ieum.store import Database
    from ieum.store.models_decisions import DecisionRecord

    try:
        pinned = today_text or os.environ.get("IEUM_TODAY")
        today = dt.date.fromisoformat(pinned) if pinned else dt.date.today()
    except ValueError:
        _fail(f"날짜는 YYYY-MM-DD로 쓰세요: {today_text}", 2)
    database = Database(settings.normalise_database_url(database_url) if database_url
                        else settings.database_url())
    try:
        with database.session() as session:
            if by_application:
                record = session.scalar(select(DecisionRecord).where(
                    DecisionRecord.application_id == record_id)
                    .order_by(DecisionRecord.id.desc()).limit(1))
            else:
                record = session.get(DecisionRecord, record_id)
            if record is None:
                _fail(f"결정 기록을 찾을 수 없습니다: {record_id}", 2)
            try:
                result = decisions.proof(session, record, today, Actor(login="cli"))
            except ServiceError as error:
                _fail(error.message)
    finally:
        database.dispose()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(f"결정 기록 {result['record']} (신청 {result['application']})")
        if result["integrity"]:
            for problem in result["integrity"]:
                click.echo(f"  무결성: {problem}")
        else:
            click.echo("  무결성: 기록의 해시가 감사 기록(해시 체인)과 일치합니다")
        exact = result["replay"]
        click.echo(f"  결정 당시 규칙으로 다시 계산: {exact['summary']}")
        if exact["differences"]:
            _print_differences(exact["differences"])
        now = result["today"]
        click.echo(f"  오늘의 규칙(v{now['version']}, {now['year']}년)으로 계산: "
                   f"{now['summary']}")
        if now["note"]:
            click.echo(f"  ({now['note']})")
        if now["differences"]:
            _print_differences(now["differences"])
    if result["integrity"] or not result["replay"]["identical"]:
        raise SystemExit(1)
