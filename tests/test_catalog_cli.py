"""The catalog commands: ieum population generate, ieum simulate, and ieum check on programs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from ieum.cli import main

ISSUE_KEYS = {"program", "version", "households", "eligible_households", "monthly_budget",
              "by_region", "by_size"}


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("population") / "pop.parquet"
    result = CliRunner().invoke(main, ["population", "generate", "--households", "3000",
                                       "--seed", "7", "--out", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"가구 3,000개를 만들었습니다: {path}\n"
    return path


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_generate_is_deterministic_and_writes_csv(tmp_path: Path) -> None:
    for name in ("a.csv", "b.csv"):
        assert invoke("population", "generate", "--households", "50", "--seed", "3",
                      "--out", str(tmp_path / name)).exit_code == 0
    first = (tmp_path / "a.csv").read_text(encoding="utf-8")
    assert first == (tmp_path / "b.csv").read_text(encoding="utf-8")
    assert first.splitlines()[0].replace('"', "") == (
        "household_id,size,region,earned_income,business_income,other_income,housing_assets,"
        "general_assets,financial_assets,car_value,car_exempt,debts")
    assert len(first.splitlines()) == 51


def test_generate_refuses_an_unknown_suffix(tmp_path: Path) -> None:
    result = invoke("population", "generate", "--households", "5", "--out",
                    str(tmp_path / "pop.txt"))
    assert result.exit_code == 2
    assert "파일 형식을 알 수 없습니다: pop.txt" in result.stderr


def test_simulate_json(population: Path) -> None:
    result = invoke("simulate", "livelihood-2026", "--population", str(population), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert ISSUE_KEYS <= set(data)
    assert data["program"] == "livelihood-2026" and data["households"] == 3000
    assert 0 < data["eligible_households"] < 3000
    assert sum(g["eligible_households"] for g in data["by_region"].values()) == \
        data["eligible_households"]
    assert data["year"] == 2026


def test_simulate_prints_a_table(population: Path) -> None:
    result = invoke("simulate", "livelihood-2026", "--population", str(population))
    assert result.exit_code == 0, result.output
    assert "생계급여 (livelihood-2026 v1), 2026년 기준" in result.stdout
    assert "지역별" in result.stdout and "가구원 수별" in result.stdout
    assert "광역시·세종·창원" in result.stdout and "1인" in result.stdout


def test_simulate_compare_with_a_what_if_copy(population: Path, tmp_path: Path) -> None:
    data = yaml.safe_load((Path(__file__).parents[1] / "programs" / "livelihood-2026.yaml")
                          .read_text(encoding="utf-8"))
    data["version"] = 2
    data["parameters"][2026]["threshold_share"] = 0.35
    what_if = tmp_path / "what-if.yaml"
    what_if.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = invoke("simulate", "livelihood-2026", "--population", str(population),
                    "--compare", str(what_if), "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["a"]["version"] == 1 and payload["b"]["version"] == 2
    assert payload["difference"]["eligible_households"] == (
        payload["b"]["eligible_households"] - payload["a"]["eligible_households"]) > 0
    assert payload["difference"]["monthly_budget"] > 0
    text = invoke("simulate", "livelihood-2026", "--population", str(population),
                  "--compare", str(what_if))
    assert "비교: livelihood-2026 v1 → livelihood-2026 v2" in text.stdout
    assert "지역별 차이" in text.stdout


def test_simulate_year_without_parameters(population: Path) -> None:
    result = invoke("simulate", "local-energy-voucher-2026", "--population", str(population),
                    "--year", "2025")
    assert result.exit_code == 1
    assert "2025년 매개변수가 없습니다" in result.stderr
    assert "Traceback" not in result.output


def test_simulate_unknown_program_and_missing_file(population: Path, tmp_path: Path) -> None:
    result = invoke("simulate", "no-such-program", "--population", str(population))
    assert result.exit_code == 2
    assert "사업을 찾을 수 없습니다: no-such-program" in result.stderr
    result = invoke("simulate", "livelihood-2026", "--population", str(tmp_path / "no.csv"))
    assert result.exit_code == 2
    assert "인구 파일이 없습니다" in result.stderr
    result = invoke("simulate", str(tmp_path / "none.yaml"), "--population", str(population))
    assert result.exit_code == 2
    assert "사업 정의 파일이 없습니다" in result.stderr


def test_simulate_bad_population_file_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("household_id,size,region,earned_income,business_income,other_income,"
                    "housing_assets,general_assets,financial_assets,car_value,car_exempt,debts\n"
                    "1,2,seoul,0,0,0,0,0,0,0,0,0\n2,2,mars,0,0,0,0,0,0,0,0,0\n",
                    encoding="utf-8")
    result = invoke("simulate", "livelihood-2026", "--population", str(path), "--json")
    assert result.exit_code == 1
    assert result.stderr.strip() == ("오류: bad.csv: 3행 (가구 번호 2): 지역(region)은 seoul, "
                                     "gyeonggi, metro, other 중 하나여야 합니다: 'mars'")
    assert result.stdout == ""
    path.write_text("household_id,size\n1,2\n", encoding="utf-8")
    result = invoke("simulate", "livelihood-2026", "--population", str(path))
    assert result.exit_code == 1 and "필요한 열이 없습니다: region, earned_income" in result.stderr


def test_simulate_invalid_program_file_lists_its_problems(population: Path,
                                                          tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    data = yaml.safe_load((Path(__file__).parents[1] / "programs" / "livelihood-2026.yaml")
                          .read_text(encoding="utf-8"))
    data["criteria"] = "incme <= threshold"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = invoke("simulate", str(path), "--population", str(population))
    assert result.exit_code == 1
    assert "criteria: 알 수 없는 변수입니다: incme" in result.stderr
    assert "Traceback" not in result.output


def test_check_validates_program_files(tmp_path: Path) -> None:
    import shutil

    root = Path(__file__).parent / "content"
    copy = tmp_path / "content"
    shutil.copytree(root, copy)
    (copy / "programs").mkdir()
    source = Path(__file__).parents[1] / "programs"
    shutil.copy(source / "livelihood-2026.yaml", copy / "programs")
    shutil.copy(source / "common_application.json", copy / "programs")
    result = invoke("check", str(copy))
    assert result.exit_code == 0, result.output
    assert ", 1 program, " in result.stdout
    text = (copy / "programs" / "livelihood-2026.yaml").read_text(encoding="utf-8")
    (copy / "programs" / "livelihood-2026.yaml").write_text(
        text.replace("criteria: income_recognition <= threshold", "criteria: incme < 1"),
        encoding="utf-8")
    result = invoke("check", str(copy))
    assert result.exit_code == 1
    assert "livelihood-2026.yaml:/criteria: 알 수 없는 변수입니다: incme" in result.stdout
