"""DMN decision tables in business-rule tasks: cells in the platform expression language,
checked at load with file, decision and row; the shipped table routing sign-language
interpreting requests runs end to end through the workflow services (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from ieum.definitions.dmn import cell_expression
from ieum.definitions.loader import check_content
from tests.conftest import TEST_CONTENT
from tests.test_workflow_engine import (
    REPOSITORY,
    TODAY,
    acting,
    only_ready,
    seed,
    task_data,
)

DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"


@pytest.mark.parametrize(("cell", "expression"), [
    ("-", None), ("", None), (None, None),
    ('"medical"', '? == ("medical")'),
    ("True", "? == (True)"),
    (">= 65", "? >= 65"),
    ('in ["a", "b"]', '? in ["a", "b"]'),
    ('not in ["a"]', '? not in ["a"]'),
    ("? > 3 and ? < 10", "? > 3 and ? < 10"),
    ('"why?"', '? == ("why?")'),  # a ? inside quotes is text
    ("income", "? == (income)"),  # a name starting with "in" is not the operator
])
def test_input_cells_are_rewritten_into_one_form(cell, expression) -> None:
    assert cell_expression(cell) == expression


def table(rules: str, *, hit_policy: str = "FIRST", decision: str = "grade") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="{DMN_NS}" id="d_{decision}" name="d" namespace="http://x">
  <decision id="{decision}" name="등급">
    <decisionTable id="t_{decision}" hitPolicy="{hit_policy}">
      <input id="i_age" label="나이"><inputExpression id="e_age"><text>age</text>
      </inputExpression></input>
      <output id="o_grade" label="등급" name="grade" />
      {rules}
    </decisionTable>
  </decision>
</definitions>"""


def rule(number: int, cell: str, output: str) -> str:
    return (f'<rule id="r{number}"><inputEntry id="r{number}i"><text>{cell}</text></inputEntry>'
            f'<outputEntry id="r{number}o"><text>{output}</text></outputEntry></rule>')


def problems_of(tmp_path: Path, dmn: str, name: str = "grade.dmn",
                folder: str = "workflows/dmn") -> list[str]:
    root = tmp_path / "content"
    if not root.exists():
        shutil.copytree(TEST_CONTENT, root)
    (root / folder).mkdir(parents=True, exist_ok=True)
    (root / folder / name).write_text(dmn, encoding="utf-8")
    registry, problems = check_content([root], plugins=False)
    return [str(p) for p in problems]


def test_a_good_table_loads(tmp_path) -> None:
    rules = rule(1, "&gt;= 65", '"노인"') + rule(2, "-", '"일반"')
    assert problems_of(tmp_path, table(rules)) == []


@pytest.mark.parametrize("folder", ["workflows/bpmn", "unit_functions/flows"])
def test_tables_are_read_next_to_the_bpmn_and_in_a_units_folder(tmp_path, folder) -> None:
    found = problems_of(tmp_path, table(rule(1, "age.x", "1")), folder=folder)
    assert len(found) == 1 and f"{folder}/grade.dmn" in found[0]


def test_bad_cells_are_reported_with_file_decision_and_row(tmp_path) -> None:
    found = problems_of(tmp_path, table(
        rule(1, "&gt;= 65", '"노인"') + rule(2, "age.years &gt; 3", '"x"')
        + rule(3, "-", "__import__('os')")))
    assert len(found) == 2, found
    assert all("grade.dmn" in p and "/grade" in p for p in found)
    assert any("rule 2" in p and "attribute access" in p for p in found)
    assert any("rule 3" in p and "output 'grade'" in p for p in found)


def test_unsupported_tables_and_duplicates_are_refused(tmp_path) -> None:
    found = problems_of(tmp_path, table(rule(1, "-", "1"), hit_policy="PRIORITY"))
    assert any("hit policy 'PRIORITY' is not supported" in p for p in found)
    again = tmp_path / "again"
    assert problems_of(again, table(rule(1, "-", "1"))) == []
    (again / "content" / "workflows" / "dmn" / "copy.dmn").write_text(
        table(rule(1, "-", "2")), encoding="utf-8")
    _registry, problems = check_content([again / "content"], plugins=False)
    assert any("duplicate decision id 'grade'" in str(p) for p in problems)


def test_a_business_rule_task_calling_a_missing_table_is_reported(tmp_path) -> None:
    root = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, root)
    bpmn = (REPOSITORY / "workflows" / "bpmn" / "sign_interpretation.bpmn").read_text(
        encoding="utf-8")
    (root / "workflows" / "bpmn" / "sign_interpretation.bpmn").write_text(bpmn, "utf-8")
    _registry, problems = check_content([root], plugins=False)
    assert any("interpretation_priority" in str(p) for p in problems)


# ---------------------------------------------------------------- the shipped table end to end

@pytest.fixture
def sign_app(make_app, migrated_url):
    app = make_app(migrated_url, roots=[REPOSITORY], IEUM_TODAY=TODAY.isoformat())
    seed(app, {"sign": "sign_language_center"},
         [("interp1", "sign", "worker"), ("leader1", "sign", "team_leader")])
    return app


def request(field: str, urgent: bool | None) -> dict[str, object]:
    values = {"requested_on": TODAY.isoformat(), "service_at": f"{TODAY.isoformat()}T14:00",
              "place": "구청 민원실", "field": field, "method": "accompany", "urgent": urgent,
              "requester": "김농인"}
    return {key: value for key, value in values.items() if value is not None}


@pytest.mark.parametrize(("field", "urgent", "days", "priority"), [
    ("daily_life", True, 0, "긴급"),
    ("medical", False, 1, "우선"),
    ("legal", False, 1, "우선"),
    ("education", False, 3, "보통"),
    ("public_office", None, 3, "보통"),  # urgent left out: not urgent
])
def test_the_interpreting_priority_table_sets_the_assignment_deadline(sign_app, field, urgent,
                                                                      days, priority) -> None:
    app = sign_app
    with acting(app, "interp1", facility="sign") as w:
        instance = w.start("sign_interpretation", unit="sign_interpretation")
    with acting(app, "interp1", facility="sign") as w:
        w.complete(only_ready(app, instance.id)["id"], request(field, urgent))
    assign = only_ready(app, instance.id)
    assert (assign["name"], assign["role"]) == ("assign", "team_leader")
    assert assign["due_date"] == TODAY + dt.timedelta(days=days)
    data = task_data(app, instance.id)
    assert (data["assign_within_days"], data["priority"]) == (days, priority)
