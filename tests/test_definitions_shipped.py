"""The content shipped in this repository checks clean and its process runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from ieum.definitions import Registry, check_content, reuse_matrix

REPOSITORY = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def shipped() -> Registry:
    registry, problems = check_content([REPOSITORY], plugins=False)
    assert problems == []
    assert registry is not None
    return registry


def test_shipped_content_is_clean_and_complete(shipped: Registry) -> None:
    assert {"subject_management", "counselling", "daily_care_log", "case_assignment",
            "self_reliance", "admission_discharge", "resolution"} <= set(shipped.unit_functions)
    assert {"child_home", "group_home", "foster_care_center",
            "elderly_care_home"} <= set(shipped.profiles)
    assert len(shipped.profiles) >= 20
    assert shipped.forms["subject_basic"].sensitive["rrn"] == "rrn"
    for profile in shipped.profiles.values():
        assert {"facility_admin", "team_leader", "worker"} <= set(profile.roles)
        assert any(item.parameters for group in profile.menu for item in group.items)
    for code in ("child_home", "group_home"):
        roles = shipped.profiles[code].roles
        assert roles["sr_team_leader"].title == "일반사례관리팀장"
        assert roles["sr_worker"].title == "일반사례관리자"
        assert frozenset({"sr_team_leader", "sr_worker"}) in shipped.profiles[code].exclusive_roles
    foster = shipped.profiles["foster_care_center"]
    assert foster.roles["team_leader"].title == "특화사례관리팀장"
    assert foster.roles["worker"].title == "특화사례관리자"
    assert foster.parameters_for("self_reliance")["auto_register"] is True
    assert shipped.profiles["child_home"].roles["worker"].title == "생활복지사"
    assert shipped.profiles["elderly_care_home"].roles["worker"].title == "요양보호사"
    assert "self_reliance" not in shipped.profiles["elderly_care_home"].unit_ids
    assert reuse_matrix(shipped).reuse_ratio > 0.5


def _run(registry: Registry, decisions: list[str]) -> list[tuple[str, str, str]]:
    process = registry.processes["counselling_review"]
    workflow = BpmnWorkflow(process.spec, dict(process.subprocess_specs))
    workflow.do_engine_steps()
    seen = []
    while not workflow.is_completed():
        (task,) = workflow.get_tasks(state=TaskState.READY, manual=True)
        form = task.task_spec.extensions["properties"]["formJsonSchemaFilename"]
        seen.append((task.task_spec.bpmn_id, task.task_spec.lane, form))
        if task.task_spec.bpmn_id == "review_note":
            task.set_data(decision=decisions.pop(0))
        task.run()
        workflow.do_engine_steps()
    return seen


def test_counselling_review_returns_to_the_worker_until_approved(shipped: Registry) -> None:
    process = shipped.processes["counselling_review"]
    assert process.lanes == ("worker", "team_leader")
    assert [(t.id, t.form, t.lane) for t in process.user_tasks] == [
        ("write_note", "counselling_note", "worker"),
        ("review_note", "counselling_review_decision", "team_leader"),
    ]
    write = ("write_note", "worker", "counselling_note.json")
    review = ("review_note", "team_leader", "counselling_review_decision.json")
    assert _run(shipped, ["approved"]) == [write, review]
    assert _run(shipped, ["returned", "approved"]) == [write, review, write, review]
