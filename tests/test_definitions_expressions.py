"""Expressions in content are checked when it loads: form rules, computed and visibility
conditions, BPMN sequence-flow conditions and script tasks."""

from __future__ import annotations

from pathlib import Path

import pytest

from ieum.cli import main
from ieum.definitions import Problem, check_content, load_registry
from tests.content_tree import bpmn, form, valid_tree, write

BPMN_FILE = "c/workflows/bpmn/review.bpmn"
NOTE_FORM = "c/forms/note.json"
PERSON_FORM = "c/forms/person.json"
END_FLOW = '<bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="end" />'


def gateway(condition: str) -> str:
    """The review process with a gateway after ``check``: ``f4`` (condition) ends it,
    the default flow ``f5`` goes back to ``write``."""
    return bpmn().replace(END_FLOW, f"""
    <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="f5">
      <bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:outgoing>f5</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="end">
      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f5" sourceRef="gw" targetRef="write" />""").replace(
        "<bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>",
        "<bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>")


def script_task(script: str) -> str:
    """The review process with a script task ``tally`` between ``check`` and the end."""
    return bpmn().replace(END_FLOW, f"""
    <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="tally" />
    <bpmn:scriptTask id="tally" name="집계">
      <bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f4" sourceRef="tally" targetRef="end" />""").replace(
        "<bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>",
        "<bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>")


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return valid_tree(tmp_path / "c")


def problems_of(root: Path) -> list[Problem]:
    registry, problems = check_content([root], plugins=False)
    assert (registry is None) == bool(problems)
    return problems


def test_a_valid_tree_with_expressions_loads(root: Path) -> None:
    write(root, "forms/person.json", {
        **form("인적사항", name={"type": "string", "title": "성명"},
               birth={"type": "string", "format": "date"},
               grade={"type": "integer", "title": "학년"},
               age_now={"type": "integer", "title": "나이"}),
        "x-rules": [{"rule": "birth is None or birth <= today()",
                     "message": "생년월일은 오늘 이후일 수 없습니다.", "fields": ["birth"]}],
        "x-computed": {"age_now": "age(birth) if birth else None"},
        "x-visible": {"grade": "birth and age(birth) >= 7"},
    })
    write(root, "workflows/bpmn/review.bpmn", gateway('decision == "approved"'))
    registry = load_registry([root], plugins=False)
    assert list(registry.forms["person"].schema["x-computed"]) == ["age_now"]
    assert "review" in registry.processes


def test_a_form_rule_calling_import_is_refused(root: Path) -> None:
    write(root, "forms/note.json", {**form("상담일지", body={"type": "string"}), "x-rules": [
        {"rule": "len(body) > 0", "message": "내용을 쓰세요"},
        {"rule": "__import__('os')", "message": "나쁨"},
    ]})
    (problem,) = problems_of(root)
    assert (problem.path, problem.pointer) == (NOTE_FORM, "/x-rules/1/rule")
    assert problem.message == "name '__import__' is not allowed: dunder names are refused"
    assert str(problem) == (f"{NOTE_FORM}:/x-rules/1/rule: name '__import__' is not allowed: "
                            "dunder names are refused")


def test_a_computed_field_naming_an_unknown_field(root: Path) -> None:
    write(root, "forms/person.json", {
        **form("인적사항", name={"type": "string"}, birth={"type": "string"},
               age_now={"type": "integer"}),
        "x-computed": {"age_now": "age(birthday)"},
    })
    (problem,) = problems_of(root)
    assert (problem.path, problem.pointer) == (PERSON_FORM, "/x-computed/age_now")
    assert problem.message == "unknown name 'birthday'"


def test_every_expression_problem_of_a_form_is_reported(root: Path) -> None:
    write(root, "forms/note.json", {
        **form("상담일지", body={"type": "string"}, kind={"type": "string"}),
        "x-rules": [{"rule": "body.strip() != ''", "message": "내용"}],
        "x-visible": {"body": "kind ==", "kind": "open('x')"},
    })
    assert [(p.pointer, p.message) for p in problems_of(root)] == [
        ("/x-rules/0/rule", "attribute access (.strip) is not allowed"),
        ("/x-visible/body", "syntax error at column 8 (the end): invalid syntax"),
        ("/x-visible/kind", "function 'open' is not allowed; allowed: len, sum, min, max, "
                            "round, round_half_up, abs, any, all, int, float, str, bool, "
                            "today, date, age, "
                            "months_between, days_between, year, month, pluck, any_in, count, "
                            "coalesce, is_empty, mean, likert_score"),
    ]


def test_a_gateway_condition_calling_import_is_refused(root: Path) -> None:
    text = gateway("__import__('os').system('x')")
    write(root, "workflows/bpmn/review.bpmn", text)
    line = text.splitlines().index('    <bpmn:sequenceFlow id="f4" sourceRef="gw" '
                                   'targetRef="end">') + 1
    assert [(p.path, p.pointer, p.message) for p in problems_of(root)] == [
        (BPMN_FILE, "/review/f4", "condition of sequence flow 'f4': attribute access (.system) "
                                  f"is not allowed (line {line})"),
        (BPMN_FILE, "/review/f4", "condition of sequence flow 'f4': name '__import__' is not "
                                  f"allowed: dunder names are refused (line {line})"),
    ]


def test_a_script_task_is_lines_of_checked_assignments(root: Path) -> None:
    write(root, "workflows/bpmn/review.bpmn", script_task("import os"))
    (problem,) = problems_of(root)
    assert (problem.path, problem.pointer) == (BPMN_FILE, "/review/tally")
    assert problem.message.startswith(
        "script of script task 'tally': line 1: import is not allowed")
    write(root, "workflows/bpmn/review.bpmn", script_task("n = __import__('os')"))
    (problem,) = problems_of(root)
    assert "line 1:" in problem.message and "__import__" in problem.message
    write(root, "workflows/bpmn/review.bpmn",
          script_task("approvals = count([decision == 'approved'])\nok = approvals &gt; 0"))
    assert problems_of(root) == []


def test_ieum_check_prints_the_expression_problems(
        root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(root, "workflows/bpmn/review.bpmn", gateway("exec('x')"))
    with pytest.raises(SystemExit) as exited:
        main(["check", str(root), "--no-plugins"])
    assert exited.value.code != 0
    output = capsys.readouterr()
    assert f"{BPMN_FILE}:/review/f4: condition of sequence flow 'f4': function 'exec' is not " \
           "allowed" in output.out + output.err


def test_the_shipped_gateway_condition_passes() -> None:
    shipped = Path(__file__).resolve().parents[1] / "workflows" / "bpmn"
    text = (shipped / "counselling_review.bpmn").read_text(encoding="utf-8")
    assert 'decision == "approved"' in text
    registry = load_registry([shipped.parents[1]], plugins=False)
    assert "counselling_review" in registry.processes
