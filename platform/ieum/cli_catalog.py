"""The catalog commands of ``ieum``: ``population generate`` and ``simulate``.

Errors are printed in Korean on stderr with exit status 1 (bad program, population or data)
or 2 (a program or file that cannot be found, a bad option); never a traceback.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from ieum.catalog.definition import ProgramDefinition, ProgramError, load_program_file
from ieum.catalog.income import TIER_LABELS, IncomeError

if TYPE_CHECKING:  # pyarrow is imported only by the commands that need it
    from ieum.catalog.simulate import Comparison, Population, SimulationResult

#: Populations from this many households get a progress bar on stderr.
PROGRESS_FROM = 1 << 18


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
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output file: .csv or .parquet.")
def population_generate(households: int, seed: int, out: Path) -> None:
    """Write a synthetic population with the columns `ieum simulate` reads:

    household_id, size, region (seoul/gyeonggi/metro/other), earned_income, business_income,
    other_income (won a month), housing_assets, general_assets, financial_assets, car_value,
    debts (won), car_exempt (0/1).
    """
    from ieum.catalog.population import PopulationError, generate, write_population

    if out.suffix.lower() not in (".csv", ".parquet", ".pq"):
        _fail(f"파일 형식을 알 수 없습니다: {out.name} (.csv 또는 .parquet으로 끝나야 합니다)", 2)
    try:
        table = generate(households, seed)
        write_population(table, out)
    except PopulationError as error:
        _fail(error.message)
    click.echo(f"가구 {households:,}개를 만들었습니다: {out}")


def resolve_program(reference: str) -> ProgramDefinition:
    """A shipped program by code, or the program of a YAML file; exits with a Korean
    message when neither works."""
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


def _run(definition: ProgramDefinition, population: Population, year: int | None,
         label: str) -> SimulationResult:
    from ieum.catalog.population import PopulationError
    from ieum.catalog.simulate import simulate

    try:
        if population.n < PROGRESS_FROM:
            return simulate(definition, population, year)
        with click.progressbar(length=population.n, label=label, file=sys.stderr,
                               show_percent=True, show_pos=True) as bar:
            return simulate(definition, population, year, progress=bar.update)
    except ProgramError as error:
        _problems(error, definition.code)
    except (IncomeError, PopulationError) as error:
        _fail(error.message)


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


def _print_comparison(comparison: Comparison) -> None:
    a, b = comparison.a, comparison.b
    click.echo(click.style(f"비교: {a.program} v{a.version} → {b.program} v{b.version} "
                           f"({b.year}년 기준, 가구 {b.households:,})", bold=True))
    click.echo(f"선정 가구 {a.eligible_households:,} → {b.eligible_households:,} "
               f"({_signed(comparison.eligible_households)})")
    click.echo(f"월 예산 {_won(a.monthly_budget)} → {_won(b.monthly_budget)} "
               f"({_signed(comparison.monthly_budget, '원')})")
    for kind, title, differences, before, after in (
            ("region", "지역별 차이", comparison.by_region, a.by_region, b.by_region),
            ("size", "가구원 수별 차이", comparison.by_size, a.by_size, b.by_size)):
        click.echo()
        click.echo(title)
        rows = []
        for key, difference in differences.items():
            old = before.get(key, {}).get("eligible_households", 0)
            new = after.get(key, {}).get("eligible_households", 0)
            rows.append([_group_label(kind, key), f"{int(old):,} → {int(new):,}",
                         _signed(difference["eligible_households"]),
                         _signed(difference["monthly_budget"], "원")])
        for line in _table(["구분", "선정 가구", "차이", "월 예산 차이"], rows):
            click.echo(f"  {line}")


@click.command("simulate")
@click.argument("program")
@click.option("--population", "population_file", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Population file (.csv, or .parquet) with one row per household.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--year", type=int, default=None,
              help="Year of the standards and parameters (default: the program's latest).")
@click.option("--compare", "other", default=None, metavar="OTHER",
              help="Another program code or YAML file to compare with (what-if).")
def simulate_command(program: str, population_file: Path, as_json: bool, year: int | None,
                     other: str | None) -> None:
    """Simulate PROGRAM (a shipped program code such as livelihood-2026, or a YAML file)
    over a population: eligible households and monthly budget, in total, by region and by
    household size.

    \b
    What-if: copy the program, change a parameter, compare:
      cp programs/livelihood-2026.yaml what-if.yaml
      (edit what-if.yaml: version: 2, threshold_share: 0.35)
      ieum simulate livelihood-2026 --population pop.parquet --compare what-if.yaml

    --json prints {"program", "version", "households", "eligible_households",
    "monthly_budget", "by_region", "by_size", ...}; with --compare it prints
    {"a": ..., "b": ..., "difference": ...}.
    """
    from ieum.catalog.population import PopulationError
    from ieum.catalog.simulate import compare, read_population

    definition = resolve_program(program)
    other_definition = resolve_program(other) if other is not None else None
    try:
        population = read_population(population_file)
    except PopulationError as error:
        _fail(error.message, 2 if not population_file.is_file() else 1)
    result = _run(definition, population, year, f"{definition.code} 모의실험")
    if other_definition is None:
        if as_json:
            click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        else:
            _print_result(result)
        return
    other_result = _run(other_definition, population, year, f"{other_definition.code} 모의실험")
    comparison = compare(result, other_result)
    if as_json:
        payload: dict[str, Any] = {"a": result.to_json(), "b": other_result.to_json(),
                                   "difference": comparison.to_json()}
        click.echo(json.dumps(payload, ensure_ascii=False))
        return
    _print_result(result)
    click.echo()
    _print_result(other_result)
    click.echo()
    _print_comparison(comparison)


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
