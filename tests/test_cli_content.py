"""``ieum check``, ``ieum list`` and ``ieum reuse``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ieum.cli_content import check_command, list_command, reuse_command
from ieum.definitions import ContentSource, Problem
from ieum.definitions import loader as loader_module
from tests.content_tree import form, profile, unit, valid_tree, write

IEUM = Path(sys.executable).parent / "ieum"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return valid_tree(tmp_path / "c")


def broken_tree(root: Path, form_text: str) -> Path:
    """The acceptance case: a broken form, a unit naming a missing form and a profile naming
    a missing unit function."""
    write(root, "forms/intake.json", form_text)
    write(root, "unit_functions/intake/unit.yaml", unit("intake", forms=["intake", "consent"]))
    write(root, "facility_profiles/shelter.yaml", profile("shelter", ["intake", "aftercare"]))
    return root


BROKEN_FORMS = {
    "invalid JSON": '{"title": "접수", "version": 1,,}',
    "invalid schema": json.dumps(form("접수", name={"type": "text"})),
}


@pytest.mark.parametrize("kind", list(BROKEN_FORMS))
def test_check_prints_every_problem_with_its_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    monkeypatch.chdir(tmp_path)
    broken_tree(tmp_path / "c", BROKEN_FORMS[kind])
    result = CliRunner().invoke(check_command, ["c"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 4, result.stdout
    assert lines[0].startswith("c/facility_profiles/shelter.yaml:/menu/0/items/1/unit: ")
    assert "'aftercare'" in lines[0]
    assert lines[1].startswith("c/forms/intake.json:")
    assert lines[2].startswith("c/unit_functions/intake/unit.yaml:/forms/1: ")
    assert "'consent'" in lines[2]
    assert lines[3] == "3 problems found"
    assert "\x1b[" not in result.output


def test_check_subprocess_reports_the_broken_tree(tmp_path: Path) -> None:
    broken_tree(tmp_path / "c", BROKEN_FORMS["invalid JSON"])
    result = subprocess.run([str(IEUM), "check", "c"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "NO_COLOR": ""})
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:3]] == [
        "c/facility_profiles/shelter.yaml", "c/forms/intake.json",
        "c/unit_functions/intake/unit.yaml"]
    assert "invalid JSON at line 1" in lines[1]
    assert lines[-1] == "3 problems found"
    assert "\x1b[" not in result.stdout


def test_check_clean_tree_prints_a_summary(tree: Path) -> None:
    result = CliRunner().invoke(check_command, [str(tree)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ("OK: 3 forms, 1 process, 2 unit functions, 2 profiles, "
                             "0 plug-ins\n")


def test_plugins_are_off_with_paths_and_on_without(
        tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake_plugins() -> tuple[list[ContentSource], list[Problem]]:
        calls.append(True)
        return [], [Problem("<plug-in broken>", "", "entry point failed")]

    monkeypatch.setattr(loader_module, "plugin_sources", fake_plugins)
    runner = CliRunner()
    assert runner.invoke(check_command, [str(tree)]).exit_code == 0
    assert calls == []
    result = runner.invoke(check_command, [str(tree), "--plugins"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == "<plug-in broken>:: entry point failed"
    monkeypatch.setenv("IEUM_CONTENT_ROOT", str(tree))
    assert runner.invoke(check_command, []).exit_code == 1
    assert runner.invoke(check_command, ["--no-plugins"]).exit_code == 0
    assert len(calls) == 2


def test_list_shows_unit_functions_and_profiles(tree: Path) -> None:
    result = CliRunner().invoke(list_command, [str(tree)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Unit functions (2)"
    assert lines[1].split() == ["id", "layer", "title", "source"]
    assert lines[2].split() == ["notes", "2", "notes", "기능", "c/unit_functions/notes/unit.yaml"]
    assert "Facility profiles (2)" in lines
    home = next(line for line in lines if line.strip().startswith("home "))
    assert home.split() == ["home", "home", "시설", "2", "c/facility_profiles/home.yaml"]
    assert "\x1b[" not in result.output


def test_list_and_reuse_refuse_broken_content(tree: Path) -> None:
    write(tree, "facility_profiles/center.yaml", profile("center", ["ghost"]))
    for command in (list_command, reuse_command):
        result = CliRunner().invoke(command, [str(tree)])
        assert result.exit_code == 1
        assert result.stdout == ""
        assert "c/facility_profiles/center.yaml:/menu/0/items/0/unit:" in result.stderr


def test_reuse_table_and_json(tree: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(reuse_command, [str(tree)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["1", "center", "center", "시설", "-"]  # no base: no field
    people = next(line for line in lines if line.strip().startswith("people "))
    # one character per facility type: layer 2, used by both
    assert people.split() == ["people", "people", "기능", "2", "2", "xx"]
    notes = next(line for line in lines if line.strip().startswith("notes "))
    assert notes.split()[-1] == ".x"
    assert lines[-1] == ("2 facility types, 2 unit functions used in 3 slots: "
                         "reuse ratio 33.3%")
    result = runner.invoke(reuse_command, [str(tree), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"profiles": 2, "unit_functions": 2, "slots": 3,
                                         "reuse_ratio": 0.3333, "single_use": {"notes": "home"}}
    assert list(json.loads(result.stdout)) == ["profiles", "unit_functions", "slots",
                                               "reuse_ratio", "single_use"]


def test_ieum_entry_point_runs_the_content_commands(tree: Path) -> None:
    result = subprocess.run([str(IEUM), "reuse", "--json", str(tree)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["slots"] == 3


def test_list_unit_shows_everything_that_belongs_to_it(tree: Path) -> None:
    write(tree, "forms/_parts/common.json", {"$defs": {"text": {"type": "string"}}})
    write(tree, "forms/notes/note.json", form("상담일지", body={"$ref": "../_parts/common.json"
                                                                  "#/$defs/text"}))
    (tree / "forms" / "note.json").unlink()
    write(tree, "unit_functions/notes/reports/monthly.yaml", {"title": "월보"})
    result = CliRunner().invoke(list_command, ["notes", str(tree)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    lines = [line.split() for line in out.splitlines()]
    assert lines[0] == ["notes:", "notes", "기능", "(layer", "2)"]
    assert ["manifest", "c/unit_functions/notes/unit.yaml"] in lines
    assert ["files", "c/unit_functions/notes/reports/monthly.yaml"] in lines
    assert ["note", "1", "상담일지", "c/forms/notes/note.json", "c/forms/_parts/common.json"] in (
        lines)
    assert ["decision", "1", "검토", "c/forms/decision.json"] in lines
    assert ["review", "review", "절차", "worker,", "leader", "note,", "decision",
            "c/workflows/bpmn/review.bpmn"] in lines
    assert ["list", "note", "-"] in lines
    assert "Feeds (0)" in out
    assert ["home", "home", "시설", "상담", "-"] in lines
    assert "center" not in out  # the profile without the unit
    # the same, with the UNIT after the PATH and from the shipped content
    assert CliRunner().invoke(list_command, [str(tree), "notes"]).stdout == out
    result = CliRunner().invoke(list_command, ["people", str(tree)])
    assert ["min_age", "integer", "0", "최소", "연령"] in [
        line.split() for line in result.stdout.splitlines()]
    assert ["home", "home", "시설", "-", "min_age=15"] in [
        line.split() for line in result.stdout.splitlines()]


def test_list_unit_of_the_shipped_content() -> None:
    from ieum.config import REPOSITORY_ROOT

    result = CliRunner().invoke(list_command, ["self_reliance", str(REPOSITORY_ROOT)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Forms (11)" in out and "forms/self_reliance/sr_assessment.json" in out
    assert "Facility profiles using it (6)" in out and "foster_care_center" in out
    assert "self_reliance_support_agency" in out  # 자립지원전담기관
    assert "service_history" in out  # its feed
    result = CliRunner().invoke(list_command, ["resolution", str(REPOSITORY_ROOT)])
    assert "forms/_parts/accounts.json" in result.stdout
    assert "workflows/bpmn/resolution_approval.bpmn" in result.stdout
    assert "subsidy_settlement" in result.stdout  # a report kind reading its records


def test_list_unit_refuses_an_unknown_unit_and_two_units(tree: Path) -> None:
    result = CliRunner().invoke(list_command, ["ghost", str(tree)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("unknown unit function 'ghost'; the unit functions are: "
                                    "notes, people")
    result = CliRunner().invoke(list_command, ["notes", "people", str(tree)])
    assert result.exit_code == 2
    assert "give one UNIT at most" in result.output
