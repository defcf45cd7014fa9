"""The script language of script tasks and pre/post scripts (issue 24 point 2), and what
``ieum check`` says at load (points 1 and 5): refused constructs named with file and line,
unknown service operators, lenient BPMN with warnings, instructions-only user tasks."""

from __future__ import annotations

from pathlib import Path

import pytest

from ieum.cli import main
from ieum.expressions import EvalError, check_script, check_value, evaluate_value, run_script
from ieum.expressions.instructions import render_instructions
from tests.content_tree import bpmn, valid_tree, write

BPMN_FILE = "c/workflows/bpmn/review.bpmn"
END_FLOW = '<bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="end" />'

SPIFF_STYLE = """
total = 0
names = []
seen = {}
for row in rows:
    if row.get("skip"):
        continue
    elif row["n"] == 500:
        break
    total += row["n"]
    names.append(f"{row['name']} 님 {row['n']:,}원")
    seen[row["name"]] = True
summary = {"total": total, "names": names, "by": get_current_user()["username"]}
del scratch
first, second = [1, 2]
label = "많음" if total > 10 else "적음"
"""


def test_a_spiffarena_style_script_runs_in_the_sandbox() -> None:
    assert check_script(SPIFF_STYLE) == []
    rows = [{"name": "가", "n": 1000}, {"name": "나", "n": 5, "skip": True},
            {"name": "다", "n": 3}, {"name": "라", "n": 500}, {"name": "마", "n": 1}]
    changed = run_script(SPIFF_STYLE, {"rows": rows, "scratch": 1},
                         helpers={"get_current_user": lambda: {"username": "kim"}})
    assert not isinstance(changed, EvalError), changed
    assert changed["summary"] == {"total": 1003, "names": ["가 님 1,000원", "다 님 3원"],
                                  "by": "kim"}
    assert changed["seen"] == {"가": True, "다": True}
    assert (changed["first"], changed["second"], changed["label"]) == (1, 2, "많음")
    assert "scratch" not in changed
    assert rows[0] == {"name": "가", "n": 1000}  # the data given is not changed in place


@pytest.mark.parametrize(("source", "message"), [
    ("import os", "line 1: import is not allowed"),
    ("x = 1\nwhile True:\n    x += 1", "line 2: while loop is not allowed"),
    ("def f():\n    return 1", "line 1: function definition is not allowed"),
    ("x = (1).__class__", "line 1: attribute access (.__class__) is not allowed"),
    ("x = y.upper\n", "line 1: attribute access (.upper) is not allowed"),
    ("x = 1\ny = time.sleep(1)", "line 2: method .sleep() is not allowed"),
    ("x = open('f')", "line 1: function 'open' is not allowed"),
    ("x = [i for i in y]", "line 1: list comprehension is not allowed"),
    ("try:\n    x = 1\nexcept Exception:\n    x = 2", "line 1: try/except is not allowed"),
    ("x = 1\n_secret = 2", "line 2: '_secret' cannot be assigned"),
    ("x += 1\nbreak", "line 2: break outside a loop"),
    ("x = f'{y!a}'", "only !s and !r conversions"),
    ("x = get_group_members()", "get_group_members() takes 1 argument(s)"),
    ("x.y = 1", "line 1: attribute access (.y) is not allowed"),
    ("x = 1\nx ** 2", "line 2: a script line must be 'name = expression'"),
])
def test_each_refused_construct_is_named_with_its_line(source: str, message: str) -> None:
    problems = check_script(source)
    assert any(message in problem for problem in problems), problems


def test_loops_and_values_are_bounded() -> None:
    assert "반복이 너무 많습니다" in str(run_script("for i in x:\n    y = i",
                                               {"x": list(range(20_000))}))
    assert "너무 큽니다" in str(run_script("x = [1]\nfor i in range(60):\n    x = [x, x]", {}))
    assert "너무 큽니다" in str(run_script('s = "ab"\nfor i in range(60):\n    s += s', {}))
    assert "너무 큽니다" in str(run_script("x = []\nx.append(x)", {}))
    assert "range()가 너무 깁니다" in str(run_script("x = range(10 ** 9)", {}))


def test_helpers_fail_cleanly_where_no_process_answers_them() -> None:
    failed = run_script("me = get_current_user()", {})
    assert isinstance(failed, EvalError) and "get_current_user()" in str(failed)


def test_a_value_expression_takes_f_strings_but_stays_sandboxed() -> None:
    assert evaluate_value('f"https://x.kr/{n}"', {"n": 3}) == "https://x.kr/3"
    assert check_value("x.__class__") == ["attribute access (.__class__) is not allowed"]


def test_instructions_are_markdown_over_the_data_without_markup_or_attributes() -> None:
    html = render_instructions("# {{ name }}\n\n<b>bold</b> {{ x.__class__ }} [a](javascript:x)",
                               {"name": "<i>김</i>", "x": 1})
    assert "<h1>&lt;i&gt;김&lt;/i&gt;</h1>" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "class" not in html
    assert 'href="javascript' not in html


def script_task(script: str) -> str:
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


def service_task(operator: str, parameter: str = '"x"') -> str:
    return bpmn().replace(END_FLOW, f"""
    <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="call" />
    <bpmn:serviceTask id="call" name="부르기">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="{operator}" resultVariable="r">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="date" type="str" value='{parameter}' />
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f4" sourceRef="call" targetRef="end" />""").replace(
        "<bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>",
        "<bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>")


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return valid_tree(tmp_path / "c")


def check(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        main(["check", str(root), "--no-plugins"])
    except SystemExit as exited:
        code = int(exited.code or 0)
    else:
        code = 0
    output = capsys.readouterr()
    return code, output.out + output.err


def test_ieum_check_names_the_file_and_line_of_a_refused_construct(
        root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(root, "workflows/bpmn/review.bpmn",
          script_task("total = 0\nfor n in [1, 2]:\n    total += n\nimport os"))
    code, output = check(root, capsys)
    assert code == 1
    assert (f"{BPMN_FILE}:/review/tally: script of script task 'tally': line 4: import is not "
            "allowed (line 42)") in output


def test_ieum_check_refuses_an_unknown_service_operator(
        root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(root, "workflows/bpmn/review.bpmn", service_task("http/GetRequest"))
    code, output = check(root, capsys)
    assert code == 1
    assert f"{BPMN_FILE}:/review/call: service task 'call' calls operator 'http/GetRequest', " \
           "which is no registered service function" in output
    write(root, "workflows/bpmn/review.bpmn",
          service_task("add_days", parameter='f"2026-03-{day}"'))
    assert check(root, capsys)[0] == 0
    write(root, "workflows/bpmn/review.bpmn",
          service_task("add_days", parameter="day.__class__"))
    code, output = check(root, capsys)
    assert code == 1 and "parameter 'date' of 'call': attribute access (.__class__)" in output


def test_spiffarena_output_loads_with_warnings_but_a_typo_element_is_refused(
        root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = bpmn().replace('<bpmn:startEvent id="start">',
                          '<bpmn:startEvent id="start" messageRef="m1">')
    text = text.replace("</bpmn:definitions>",
                        '<bpmn:message id="m1" name="go" /></bpmn:definitions>')
    write(root, "workflows/bpmn/review.bpmn", text)
    code, output = check(root, capsys)
    assert code == 0, output
    assert "warning: " in output and "messageRef on a start event is ignored" in output
    write(root, "workflows/bpmn/review.bpmn",
          bpmn().replace('<bpmn:endEvent id="end">', '<bpmn:bogus id="zz" /><bpmn:endEvent '
                         'id="end">'))
    code, output = check(root, capsys)
    assert code == 1 and "Element 'bpmn:bogus': This element is not expected" in output


def test_a_user_task_without_a_form_is_an_instructions_only_step(
        root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(root, "workflows/bpmn/review.bpmn", bpmn(write_form=None))
    code, output = check(root, capsys)
    assert code == 0, output
    assert "warning: " in output and "user task 'write' names no form and gives no " \
           "instructionsForEndUser" in output
    text = bpmn(write_form=None).replace(
        '<bpmn:userTask id="write"', '<bpmn:userTask id="write"').replace(
        "</bpmn:userTask>", "<bpmn:extensionElements><spiffworkflow:instructionsForEndUser>"
        "{% if x %}</spiffworkflow:instructionsForEndUser></bpmn:extensionElements>"
        "</bpmn:userTask>", 1)
    write(root, "workflows/bpmn/review.bpmn", text)
    code, output = check(root, capsys)
    assert code == 1 and "instructionsForEndUser of 'write': template syntax error" in output


def test_an_instructions_template_cannot_build_huge_values() -> None:
    assert render_instructions("{{ 'a' * 100000000 }}", {}).startswith("<p>{{")
    assert "x" * 1001 not in render_instructions(
        "{% for i in range(100000000) %}x{% endfor %}", {})
    assert render_instructions("{% for i in items %}{{ i }}{% endfor %} {{ 2 ** 10 }}",
                               {"items": [1, 2]}) == "<p>12 1024</p>\n"
