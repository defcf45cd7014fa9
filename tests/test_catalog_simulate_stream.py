"""Streaming simulation (files read in batches, populations partitioned by region) and the
same simulation on a Dask cluster (issue 17, points 3 and 4)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import distributed
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from ieum.catalog.cluster import simulate_on_dask
from ieum.catalog.dataset import open_population
from ieum.catalog.definition import shipped_programs
from ieum.catalog.population import (
    PopulationError,
    generate,
    generate_blocks,
    write_generated,
    write_population,
)
from ieum.catalog.simulate import population_from_table, simulate, simulate_part
from ieum.cli import main

PROGRAMS = shipped_programs()
LIVELIHOOD = PROGRAMS["livelihood-2026"]


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small 'national' population: 2,500 households in blocks of 1,000, by region."""
    out = tmp_path_factory.mktemp("national") / "pop"
    write_generated(2500, 17, out, block=1000)
    return out


def in_memory(households: int, seed: int, block: int) -> pa.Table:
    return pa.concat_tables(list(generate_blocks(households, seed, block)))


def test_generate_writes_parquet_partitioned_by_region(national: Path) -> None:
    folders = sorted(path.name for path in national.iterdir())
    assert folders == ["region=gyeonggi", "region=metro", "region=other", "region=seoul"]
    files = sorted(national.glob("region=*/part-*.parquet"))
    assert len(files) == 12  # 3 blocks x 4 regions
    schema = pq.read_schema(files[0])
    assert "region" not in schema.names  # the folder name holds it
    assert schema.field("size").type == pa.int8()
    assert sum(pq.ParquetFile(f).metadata.num_rows for f in files) == 2500
    dataset = open_population(national)
    assert dataset.rows == 2500 and len(dataset.parts) == 12
    assert {part.partition["region"] for part in dataset.parts} == {
        "seoul", "gyeonggi", "metro", "other"}


@pytest.mark.parametrize("code", ["livelihood-2026", "housing-2026"])
def test_streamed_folder_equals_the_population_in_memory(national: Path, code: str) -> None:
    definition = PROGRAMS[code]
    streamed = simulate(definition, national, chunk_size=128)
    whole = simulate(definition, in_memory(2500, 17, 1000))
    assert streamed.households == 2500
    assert streamed.to_json() == whole.to_json()
    assert streamed.eligible_households > 0


def test_batches_never_exceed_the_batch_size(national: Path) -> None:
    dataset = open_population(national)
    sizes: list[int] = []
    for part in dataset.parts:
        simulate_part(LIVELIHOOD, part, 2026, chunk_size=100,
                      on_batch=lambda rows, share: sizes.append(rows))
    assert max(sizes) <= 100 and sum(sizes) == 2500


def test_household_ids_stay_arrow_arrays(national: Path) -> None:
    part = open_population(national).parts[0]
    batch, _ = next(part.batches(64))
    block = population_from_table(batch, source=part.name)
    assert isinstance(block.household_id, pa.ChunkedArray | pa.Array)
    assert block.household(0)["household_id"] == batch["household_id"][0].as_py()
    assert block.household(0)["region"] == part.partition["region"]


def test_progress_rises_to_100_with_a_message(national: Path) -> None:
    seen: list[tuple[int, str]] = []
    simulate(LIVELIHOOD, national, chunk_size=200,
             progress=lambda percent, message: seen.append((percent, message)))
    percents = [percent for percent, _ in seen]
    assert percents == sorted(percents) and percents[-1] == 100 and len(percents) >= 12
    assert seen[-1][1] == "가구 2,500개 / 2,500개 계산"


def test_one_file_streams_to_the_same_result_as_before(tmp_path: Path) -> None:
    table = generate(3000, 5)
    for suffix in (".parquet", ".csv"):
        path = write_population(table, tmp_path / f"pop{suffix}")
        streamed = simulate(LIVELIHOOD, path, chunk_size=500)
        assert streamed.to_json() == simulate(LIVELIHOOD, table).to_json(), suffix


def bad_csv(path: Path, bad_line: int, value: str, column: int) -> Path:
    table = generate(1200, 3)
    write_population(table, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[bad_line - 1].split(",")
    cells[column] = value
    lines[bad_line - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("value", "column", "message"), [
    ("abc", 3, "근로소득(earned_income) 값이 숫자가 아닙니다: 'abc'"),
    ('"mars"', 2, "지역(region)은 seoul, gyeonggi, metro, other 중 하나여야 합니다: 'mars'"),
    ("-5", 11, "부채(debts)는 0 이상이어야 합니다: -5"),
])
def test_a_bad_row_in_a_later_batch_is_named_by_its_line(tmp_path: Path, value: str,
                                                         column: int, message: str) -> None:
    path = bad_csv(tmp_path / "pop.csv", 1001, value, column)  # line 1001: household 1000
    with pytest.raises(PopulationError) as caught:
        simulate(LIVELIHOOD, path, chunk_size=256)
    assert caught.value.message == f"pop.csv: 1001행 (가구 번호 1000): {message}"
    assert not [t for t in threading.enumerate() if t.name == "ieum-read-ahead"]


def test_folders_that_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(PopulationError, match="인구 파일이 없습니다"):
        open_population(tmp_path / "none")
    (tmp_path / "empty").mkdir()
    with pytest.raises(PopulationError, match="폴더에 인구 파일"):
        open_population(tmp_path / "empty")
    with pytest.raises(PopulationError, match="폴더가 비어 있지 않습니다"):
        write_generated(10, 1, tmp_path)  # holds "empty": never overwritten


def test_cli_generates_a_folder_and_simulates_it(tmp_path: Path) -> None:
    out = tmp_path / "national"
    runner = CliRunner()
    made = runner.invoke(main, ["population", "generate", "--households", "1500", "--seed", "4",
                                "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert (out / "region=seoul" / "part-00000.parquet").is_file()
    ran = runner.invoke(main, ["simulate", "livelihood-2026", "--population", str(out),
                               "--json"])
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.stdout) == simulate(LIVELIHOOD, generate(1500, 4)).to_json()
    wrong = runner.invoke(main, ["simulate", "livelihood-2026", "--population", str(out),
                                 "--scheduler", "tcp://127.0.0.1:1"])
    assert wrong.exit_code == 2 and "--engine dask" in wrong.stderr


# --- on a Dask cluster ----------------------------------------------------------------


@pytest.fixture(scope="module")
def scheduler():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


def test_dask_gives_identical_figures(national: Path, scheduler: str) -> None:
    dataset = open_population(national)
    seen: list[int] = []
    for definition in (LIVELIHOOD, PROGRAMS["housing-2026"]):
        local = simulate(definition, dataset)
        remote = simulate_on_dask(definition, dataset, scheduler=scheduler,
                                  progress=lambda percent, message: seen.append(percent))
        assert remote == local  # every figure, budgets to the last bit
    assert seen[-1] == 100


def test_cli_engine_dask_on_a_scheduler(national: Path, scheduler: str) -> None:
    runner = CliRunner()
    local = runner.invoke(main, ["simulate", "livelihood-2026", "--population", str(national),
                                 "--json"])
    remote = runner.invoke(main, ["simulate", "livelihood-2026", "--population", str(national),
                                  "--json", "--engine", "dask", "--scheduler", scheduler])
    assert remote.exit_code == 0, remote.output
    assert json.loads(remote.stdout) == json.loads(local.stdout)


def test_dask_names_the_bad_row_like_the_local_run(tmp_path: Path, scheduler: str) -> None:
    folder = tmp_path / "csvs"
    folder.mkdir()
    write_population(generate(300, 1), folder / "a.csv")
    bad_csv(folder / "b.csv", 40, "xyz", 4)
    dataset = open_population(folder)
    with pytest.raises(PopulationError) as local:
        simulate(LIVELIHOOD, dataset)
    with pytest.raises(PopulationError) as remote:
        simulate_on_dask(LIVELIHOOD, dataset, scheduler=scheduler)
    assert remote.value.message == local.value.message == (
        "b.csv: 40행 (가구 번호 39): 사업소득(business_income) 값이 숫자가 아닙니다: 'xyz'")


def test_dask_without_a_scheduler_starts_a_local_cluster(national: Path) -> None:
    dataset = open_population(national)
    result = simulate_on_dask(LIVELIHOOD, dataset, workers=1, processes=False)
    assert result == simulate(LIVELIHOOD, dataset)
