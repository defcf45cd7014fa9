"""Report kinds as data (``reports:`` in a unit manifest): loaded into the registry, and every
mistake in one reported by ``ieum check`` as ``file:pointer: message``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ieum.definitions import Problem, check_content
from ieum.definitions.report_kinds import DueRule
from tests.content_tree import form, unit, valid_tree, write

DESK = "c/unit_functions/desk/unit.yaml"


def kind(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "people_count", "title": "인원 보고", "period": "month",
        "due": {"from": "end", "months": 1, "day": 10}, "recipient": "region",
        "reads": ["people"],
        "measures": {"born": {"count": {"form": "person", "where": "birth <= period_end"}}},
        "figures": [
            {"key": "registered", "title": "등록 인원", "unit": "명",
             "count": {"form": "person", "where": "period_start <= birth <= period_end"}},
            {"by": "sex", "show": "all", "figures": [
                {"key": "by_sex", "title": "성별", "unit": "명", "count": {"form": "person"}}]},
            {"key": "older", "title": "기간 말 인원", "value": "born - registered"},
        ],
        "tables": [{"key": "people", "title": "명단", "form": "person", "sort": ["birth"],
                    "columns": [{"key": "name", "title": "성명", "field": "name"},
                                {"key": "sex", "title": "성별", "field": "sex", "label": True},
                                {"key": "who", "title": "대상자",
                                 "value": "coalesce(subject_name, '-')"}]}],
        "checks": [{"level": "warning", "when": "registered > born",
                    "message": "등록 {registered:,}명이 {period_end}까지의 {born}명보다 많습니다."},
                   {"level": "error", "records": [{"form": "person", "where": "is_empty(birth)"}],
                    "list": "name", "message": "생년월일이 없습니다: {list} ({count}명)"}],
        "drafts": {"title": "인적사항", "forms": {"person": "birth"}},
    }
    data.update(overrides)
    return data


def desk(root: Path, *kinds: dict[str, Any], **overrides: Any) -> None:
    reports = {"review": "review", "kinds": list(kinds) or [kind()], **overrides}
    write(root, "unit_functions/desk/unit.yaml",
          unit("desk", processes=["review"], actions=["view", "create", "update"],
               reports=reports))


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    tree = valid_tree(tmp_path / "c")
    write(tree, "forms/person.json", form(
        "인적사항", name={"type": "string", "title": "성명"},
        birth={"type": "string", "format": "date"},
        sex={"type": "string", "title": "성별", "oneOf": [{"const": "f", "title": "여"},
                                                         {"const": "m", "title": "남"}]}))
    desk(tree)
    return tree


def problems_of(root: Path) -> list[Problem]:
    registry, problems = check_content([root], plugins=False)
    assert (registry is None) == bool(problems)
    return problems


def test_a_kind_in_a_manifest_is_in_the_registry(root: Path) -> None:
    registry, problems = check_content([root], plugins=False)
    assert problems == []
    people = registry.report_kinds["people_count"]
    assert (people.unit, people.period, people.reads) == ("desk", "month", ("people",))
    assert registry.unit_functions["desk"].reports.review == "review"
    assert people.due_rule.due(dt.date(2026, 10, 1), dt.date(2026, 10, 31)) \
        == dt.date(2026, 11, 10)
    assert [group.by for group in people.figures] == [None, "sex", None]


def _kind_with(path: tuple[str | int, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target: Any = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return change


BASE = "/reports/kinds/0"
CASES: dict[str, tuple[tuple[str | int, ...], Any, str, str]] = {
    "a where that does not parse": (
        ("figures", 0, "count", "where"), "birth <=", "/figures/0/count/where", "expression"),
    "a where naming no field": (
        ("figures", 0, "count", "where"), "weight > 3", "/figures/0/count/where",
        "unknown name 'weight'"),
    "a form of a unit the kind does not read": (
        ("figures", 0, "count", "form"), "note", "/figures/0/count/form",
        "not a form of the units this kind reads"),
    "a sum of a missing field": (
        ("figures", 0), {"key": "registered", "title": "합", "sum": {"form": "person",
                                                                    "field": "weight"}},
        "/figures/0/sum/field", "field 'weight' is not in form 'person'"),
    "a breakdown by a field without choices": (
        ("figures", 1, "by"), "name", "/figures/1/show", "has no choices"),
    "a value naming a later figure": (
        ("figures", 2, "value"), "born - nobody", "/figures/2/value", "unknown name 'nobody'"),
    "a check naming an unknown placeholder": (
        ("checks", 0, "message"), "{ghost}명", "/checks/0/message", "{ghost} names nothing"),
    "a generator nobody installed": (
        ("generator",), "ghost", "/generator", "provided by no installed package"),
    "a table sorted by a missing field": (
        ("tables", 0, "sort"), ["height"], "/tables/0/sort/0", "field 'height'"),
    "a label of a field without choices": (
        ("tables", 0, "columns", 0, "label"), True, "/tables/0/columns/0/label",
        "no choices"),
    "a draft date that is no field": (
        ("drafts", "forms", "person"), "day", "/drafts/forms/person", "field 'day'"),
    "a reads naming no unit": (
        ("reads",), ["people", "ghost"], "/reads/1", "unit function 'ghost' not found"),
    "a meta-schema error": (
        ("period",), "week", "/period", "'week' is not one of"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_one_problem_in_a_kind(root: Path, case: str) -> None:
    path, value, where, fragment = CASES[case]
    data = kind()
    _kind_with(path, value)(data)
    desk(root, data)
    problems = problems_of(root)
    assert len(problems) == 1, "\n".join(map(str, problems))
    (problem,) = problems
    assert (problem.path, problem.pointer) == (DESK, BASE + where), str(problem)
    assert fragment in problem.message, str(problem)
    assert str(problem) == f"{DESK}:{BASE}{where}: {problem.message}"


def test_processes_must_be_the_units_own(root: Path) -> None:
    desk(root, kind(), reminder="ghost")
    (problem,) = problems_of(root)
    assert (problem.path, problem.pointer) == (DESK, "/reports/reminder")
    assert "not one of this unit's processes" in problem.message


def test_kind_ids_are_unique(root: Path) -> None:
    desk(root, kind(), kind())
    (problem,) = problems_of(root)
    assert (problem.path, problem.pointer) == (DESK, "/reports/kinds/1/id")
    assert "duplicate report kind 'people_count'" in problem.message


def test_due_rules_in_days_and_months() -> None:
    start, end = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
    assert DueRule("end", days=15).due(start, end) == dt.date(2026, 4, 15)
    assert DueRule("start", days=-1).due(start, end) == dt.date(2025, 12, 31)
    assert DueRule("start", -1, 0).due(start, end) == dt.date(2025, 12, 31)
    assert DueRule("end", 1, 31).due(start, end) == dt.date(2026, 4, 30)
    assert DueRule("end", days=15).describe() == "기간 끝 15일 뒤까지"
    assert DueRule("end", 1, 10).describe() == "다음 달 10일까지"


def test_a_broken_form_is_reported_once_not_by_the_kind(root: Path) -> None:
    write(root, "forms/person.json", "{ not json")
    problems = problems_of(root)
    assert problems and all(p.path == "c/forms/person.json" for p in problems), \
        "\n".join(map(str, problems))


def test_a_broken_unit_it_reads_is_reported_once_not_by_the_kind(root: Path) -> None:
    write(root, "unit_functions/people/unit.yaml", unit("people", forms=["person"], layer=9))
    problems = problems_of(root)
    assert problems and all(p.path == "c/unit_functions/people/unit.yaml" for p in problems), \
        "\n".join(map(str, problems))
