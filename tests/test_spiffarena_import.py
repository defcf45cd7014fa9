"""SpiffArena process models come over as they are (issue 24, points 1, 2 and 5).

Each public model of ``tests/data/spiffarena`` (spiff-arena's own BPMN unit-test models, LGPL,
see its README) is imported with ``ieum import spiffarena`` into a fresh content root, loaded
by ieum's loader, and run by ieum's engine (the sandboxed script engine) through the test
cases SpiffArena ships with it: the user tasks get the inputs the test case gives, the
mocks answer SpiffArena's script helpers, and the end data must be the expected output.
Two models of sartography/sample-process-models (``tests/data/spiffarena-samples``, LGPL)
show real SpiffArena forms and UI schemas coming over.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from ieum.cli import main
from ieum.definitions import check_content
from ieum.definitions.spiffarena import ImportRefused, plan_import, write_plan
from ieum.workflow.environment import SafeScriptEngine
from ieum.workflow.functions import available, operator_problems
from ieum.workflow.runtime import dump, load, new_workflow

MODELS = Path(__file__).parent / "data" / "spiffarena" / "bpmn_unit_test_process_models"
PASSING = MODELS / "expected-to-pass"
TODAY = dt.date(2026, 3, 2)
#: Every model folder of expected-to-pass with its test files, and the folders it calls.
CASES = sorted(p.parent for p in PASSING.rglob("process_model.json"))
CALLS = {"call-activity": ["manual-task"]}


def unit_id(folder: Path) -> str:
    return "spiff_" + folder.name.replace("-", "_")


def import_into(root: Path, folder: Path) -> None:
    for other in CALLS.get(folder.name, []):
        import_into(root, PASSING / other)
    write_plan(plan_import(folder, unit_id(folder)), root, overwrite=True)


def test_the_corpus_holds_at_least_ten_models() -> None:
    assert len(CASES) >= 10
    assert (MODELS.parent / "LICENSE").is_file()


def _key_matches(task: Any, key: str) -> bool:
    bpmn_id = task.task_spec.bpmn_id or task.task_spec.name
    if ":" in key:
        process, _, name = key.partition(":")
        return name == bpmn_id and process in (task.workflow.spec.name, task.task_spec.name,
                                               _container(task))
    return key == bpmn_id


def _container(task: Any) -> str | None:
    parent = task.parent
    while parent is not None:
        if parent.task_spec.__class__.__name__.endswith("SubWorkflowTask") or \
                "SubProcess" in parent.task_spec.__class__.__name__:
            return parent.task_spec.bpmn_id
        parent = parent.parent
    return None


def run_case(workflow: BpmnWorkflow, case: dict[str, Any]) -> dict[str, Any]:
    """Run ``workflow`` to its end as SpiffArena's test runner does: manual tasks and the
    service tasks the case names take the case's data; everything else runs in ieum's
    engine. Returns the end data. The workflow is saved and loaded between steps, as the
    process runner does."""
    inputs = {key: list(spec.get("data", [])) for key, spec in case.get("tasks", {}).items()}
    engine = workflow.script_engine
    for _ in range(500):
        if workflow.is_completed():
            break
        ready = workflow.get_tasks(state=TaskState.READY)
        if not ready:
            workflow.refresh_waiting_tasks()
            ready = workflow.get_tasks(state=TaskState.READY)
        assert ready, "the process waits for nothing the test case gives"
        task = ready[0]
        key = next((k for k in inputs if _key_matches(task, k)), None)
        if task.task_spec.manual:
            task.data.update(inputs[key].pop(0) if key is not None and inputs[key] else {})
            task.run()
            workflow = load(dump(workflow), engine)  # saved and loaded, as the runner does
        elif key is not None and hasattr(task.task_spec, "operation_name"):
            # a service task the case mocks: its data is the case's, as in SpiffArena
            task.data.update(inputs[key].pop(0) if inputs[key] else {})
            task.complete()
        else:
            task.run()
    assert workflow.is_completed()
    return workflow.data


@pytest.mark.parametrize("folder", CASES, ids=lambda p: p.name)
def test_an_imported_model_runs_its_own_test_cases(tmp_path: Path, folder: Path) -> None:
    import_into(tmp_path, folder)
    registry, problems = check_content([tmp_path], plugins=False)
    assert registry is not None, "\n".join(map(str, problems))
    model = json.loads((folder / "process_model.json").read_text())
    functions = available(plugins=False)
    unknown = operator_problems(registry.processes.values(), functions)
    if folder.name == "service-task":  # a SpiffArena connector: ieum check refuses it
        assert ["'http/GetRequest', which is no registered service function" in str(p)
                for p in unknown] == [True]
    else:
        assert unknown == []
    ran = 0
    for test_file in sorted(folder.glob("test_*.json")):
        bpmn = folder / (test_file.stem.removeprefix("test_") + ".bpmn")
        process_ids = [p for p in registry.processes
                       if registry.processes[p].path.name == bpmn.name]
        process_id = (model["primary_process_id"] if model["primary_process_id"] in process_ids
                      else process_ids[0])
        for name, case in json.loads(test_file.read_text()).items():
            helpers = {helper: (lambda value=value: value)
                       for helper, value in case.get("mocks", {}).items()}
            engine = SafeScriptEngine(functions, TODAY, helpers)
            workflow = new_workflow(registry.processes[process_id], engine)
            assert run_case(workflow, case) == case["expected_output_json"], name
            ran += 1
    assert ran >= 1


def test_a_failing_script_fails_in_ieum_too(tmp_path: Path) -> None:
    folder = MODELS / "expected-to-fail" / "failing_script_task"
    write_plan(plan_import(folder, "spiff_failing"), tmp_path)
    registry, problems = check_content([tmp_path], plugins=False)
    assert registry is not None, problems
    process = next(iter(registry.processes.values()))
    workflow = new_workflow(process, SafeScriptEngine({}, TODAY))
    with pytest.raises(Exception, match="line 2"):
        workflow.do_engine_steps()


def test_the_command_imports_checks_and_reports(tmp_path: Path) -> None:
    folder = PASSING / "exclusive-gateway-based-on-user-task"
    result = CliRunner().invoke(main, ["import", "spiffarena", str(folder), "--unit",
                                       "branching", "--root", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "choose-your-branch-schema.json -> branching_choose_your_branch" in result.output
    form = json.loads((tmp_path / "forms/branching/branching_choose_your_branch.json")
                      .read_text())
    assert (form["type"], form["version"]) == ("object", 1)
    assert form["x-ui"] == {"branch": {"order": 1}}
    bpmn = (tmp_path / "workflows/bpmn/branching/exclusive_gateway_based_on_user_task.bpmn"
            ).read_text()
    assert 'value="branching_choose_your_branch.json"' in bpmn
    assert "formUiSchemaFilename" not in bpmn
    again = CliRunner().invoke(main, ["import", "spiffarena", str(folder), "--unit",
                                      "branching", "--root", str(tmp_path)])
    assert again.exit_code != 0 and "already there" in again.output


def _spiff_folder(tmp_path: Path, bpmn: str, forms: dict[str, Any]) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "main.bpmn").write_text(bpmn)
    for name, data in forms.items():
        (folder / name).write_text(json.dumps(data))
    (folder / "process_model.json").write_text(json.dumps(
        {"display_name": "Lanes", "primary_process_id": "lanes"}))
    return folder


LANES_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d"
  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="c"><bpmn:participant id="p" processRef="lanes" /></bpmn:collaboration>
  <bpmn:process id="lanes" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="l1" name="Case Workers"><bpmn:flowNodeRef>ask</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="l2" name="Team Lead"><bpmn:flowNodeRef>sign</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>tally</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" messageRef="m1"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="ask" name="Ask">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="ask-schema.json" />
        <spiffworkflow:property name="formUiSchemaFilename" value="ask-uischema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="sign" name="Sign">
      <bpmn:extensionElements><spiffworkflow:instructionsForEndUser>## {{ firstName }}
Total: **{{ total }}**</spiffworkflow:instructionsForEndUser></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:scriptTask id="tally" name="Tally">
      <bpmn:script>total = 0
for item in contactEmails:
    total += len(item)
summary = {"name": firstName, "count": total}
del contactEmails</bpmn:script>
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ask" />
    <bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="sign" />
    <bpmn:sequenceFlow id="f3" sourceRef="sign" targetRef="tally" />
    <bpmn:sequenceFlow id="f4" sourceRef="tally" targetRef="end" />
  </bpmn:process>
  <bpmn:message id="m1" name="go" />
</bpmn:definitions>
"""
ASK = {"title": "Ask", "properties": {
    "firstName": {"type": "string", "title": "First name"},
    "contactEmails": {"type": "array", "items": {"type": "string"}},
    "color": {"type": "string", "anyOf": ["options_from_task_data_var:colors"]}},
    "required": ["firstName"]}
ASK_UI = {"ui:order": ["color", "firstName"], "firstName": {"ui:help": "as in the ID card",
                                                            "ui:autofocus": True}}


def test_lanes_need_a_mapping_and_names_are_renamed_consistently(tmp_path: Path) -> None:
    folder = _spiff_folder(tmp_path, LANES_BPMN, {"ask-schema.json": ASK,
                                                  "ask-uischema.json": ASK_UI})
    with pytest.raises(ImportRefused, match="'Case Workers', 'Team Lead'"):
        plan_import(folder, "lanes")
    root = tmp_path / "root"
    plan = plan_import(folder, "lanes", {"Case Workers": "social_worker",
                                         "Team Lead": "team_lead"})
    write_plan(plan, root)
    assert plan.renamed_fields == {"firstName": "first_name", "contactEmails": "contact_emails"}
    assert any("'colors' becomes a free-text field" in w for w in plan.warnings)
    assert any("ui:autofocus" in w for w in plan.warnings)
    registry, problems = check_content([root], plugins=False)
    assert registry is not None, "\n".join(map(str, problems))
    assert any("messageRef" in str(w) for w in registry.warnings)
    form = registry.forms["lanes_ask"]
    assert set(form.schema["properties"]) == {"first_name", "contact_emails", "color"}
    assert form.schema["x-ui"]["first_name"] == {"order": 2, "help": "as in the ID card"}
    process = registry.processes["lanes"]
    assert process.lanes == ("social_worker", "team_lead")
    assert [(t.id, t.form, t.lane) for t in process.user_tasks] == [
        ("ask", "lanes_ask", "social_worker"), ("sign", None, "team_lead")]
    workflow = new_workflow(process, SafeScriptEngine({}, TODAY))
    data = run_case(workflow, {"tasks": {"ask": {"data": [
        {"first_name": "Kim", "contact_emails": ["a@x.kr", "bb@x.kr"], "color": "red"}]}}})
    assert data["summary"] == {"name": "Kim", "count": 13}
    assert "contact_emails" not in data


SAMPLES = Path(__file__).parent / "data" / "spiffarena-samples"


def test_a_sample_model_with_four_forms_runs_its_user_task_path(tmp_path: Path) -> None:
    plan = plan_import(SAMPLES / "process-model-with-form", "multiply")
    write_plan(plan, tmp_path)
    assert plan.forms == {f"form{n}.json": f"multiply_form{n}" for n in range(1, 5)}
    registry, problems = check_content([tmp_path], plugins=False)
    assert registry is not None, "\n".join(map(str, problems))
    form = registry.forms["multiply_form1"]
    assert (form.schema["version"], list(form.schema["required"])) == (1, ["form_num_1"])
    process = registry.processes["test_form"]
    assert [t.form for t in process.user_tasks] == [
        "multiply_form2", "multiply_form3", "multiply_form4", "multiply_form1"]
    workflow = new_workflow(process, SafeScriptEngine({}, TODAY))
    data = run_case(workflow, {"tasks": {f"form{n}": {"data": [{f"form_num_{n}": number}]}
                                         for n, number in zip(range(1, 5), (2, 3, 5, 7),
                                                              strict=True)}})
    assert data["product_four"] == 4 * 2 * 3 * 5 * 7
    assert "this_will_delete" not in data  # del(this_will_delete) ran in the sandbox


def test_a_sample_form_with_a_task_data_choice_list_becomes_free_text(tmp_path: Path) -> None:
    plan = plan_import(SAMPLES / "enum_single_entry", "dates")
    write_plan(plan, tmp_path)
    assert any("'category_enum_list' becomes a free-text field" in w for w in plan.warnings)
    registry, problems = check_content([tmp_path], plugins=False)
    assert registry is not None, "\n".join(map(str, problems))
    schema = registry.forms["dates_datetest"].schema
    assert schema["x-ui"]["end_date"]["help"].startswith("Please specify")
    assert [name for name, ui in sorted(schema["x-ui"].items(), key=lambda i: i[1]["order"])
            ][:3] == ["category", "start_date", "event_date"]
