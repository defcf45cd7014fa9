"""Loading a clean content tree into a Registry, and what the Registry tells."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

import ieum
from ieum.definitions import (
    DefinitionErrors,
    Grant,
    Problem,
    Registry,
    check_content,
    default_content_root,
    load_registry,
    sources,
)
from ieum.definitions.problems import display_path
from tests.content_tree import form, profile, unit, valid_tree, write


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return valid_tree(tmp_path / "content")


@pytest.fixture
def registry(tree: Path) -> Registry:
    return load_registry([tree], plugins=False)


def test_loads_every_kind_in_file_order(registry: Registry, tree: Path) -> None:
    assert list(registry.forms) == ["decision", "note", "person"]
    assert list(registry.processes) == ["review"]
    assert list(registry.unit_functions) == ["notes", "people"]
    assert list(registry.profiles) == ["center", "home"]
    assert [(s.root, s.plugin) for s in registry.sources] == [(tree, None)]
    assert registry.plugins == ()


def test_form_definition(registry: Registry, tree: Path) -> None:
    person = registry.forms["person"]
    assert (person.id, person.title, person.version) == ("person", "인적사항", 1)
    assert person.path == tree / "forms" / "person.json"
    assert person.plugin is None
    assert list(person.properties) == ["name", "birth"]
    assert registry.form_by_filename("note.json") is registry.forms["note"]
    with pytest.raises(KeyError):
        registry.form_by_filename("note")
    with pytest.raises(KeyError):
        registry.form_by_filename("ghost.json")


def test_unit_function_definition(registry: Registry, tree: Path) -> None:
    people = registry.unit_functions["people"]
    assert people.title == "people 기능"
    assert people.layer == 2
    assert people.forms == ("person",)
    assert [(s.kind, s.form) for s in people.screens] == [("list", "person"), ("new", "person")]
    assert people.actions == ("view", "create", "update", "delete", "reveal_rrn")
    assert people.parameters["min_age"].type == "integer"
    assert people.defaults == {"min_age": 0, "label": "대상자"}
    assert people.path == tree / "unit_functions" / "people" / "unit.yaml"
    assert people.plugin is None
    assert registry.unit_functions["notes"].processes == ("review",)


def test_process_definition(registry: Registry, tree: Path) -> None:
    review = registry.processes["review"]
    path = tree / "workflows" / "bpmn" / "review.bpmn"
    assert review.name == "review 절차"
    assert review.path == path
    assert review.spec_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert review.lanes == ("worker", "leader")
    assert [(t.id, t.form, t.form_filename, t.lane) for t in review.user_tasks] == [
        ("write", "note", "note.json", "worker"),
        ("check", "decision", "decision.json", "leader"),
    ]
    assert review.forms == ("note", "decision")


def test_process_spec_runs_in_spiffworkflow(registry: Registry) -> None:
    review = registry.processes["review"]
    workflow = BpmnWorkflow(review.spec, dict(review.subprocess_specs))
    workflow.do_engine_steps()
    done = []
    while not workflow.is_completed():
        (task,) = workflow.get_tasks(state=TaskState.READY, manual=True)
        done.append(task.task_spec.bpmn_id)
        task.run()
        workflow.do_engine_steps()
    assert done == ["write", "check"]


def test_profile_menu_and_parameters(registry: Registry) -> None:
    home = registry.profiles["home"]
    assert (home.code, home.title, home.target_group) == ("home", "home 시설", "child")
    assert home.unit_ids == ("people", "notes")
    assert [group.title for group in home.menu] == ["대상자", "상담"]
    assert home.menu[1].items[0].title == "상담"
    assert dict(home.menu[0].items[0].parameters) == {"min_age": 15}
    assert dict(home.parameters_for("people")) == {"min_age": 15, "label": "대상자"}
    assert dict(home.parameters_for("notes")) == {}
    with pytest.raises(KeyError):
        home.parameters_for("ghost")


def test_grant_wildcards_are_resolved_per_unit(registry: Registry) -> None:
    roles = registry.profiles["home"].roles
    assert list(roles) == ["admin", "leader", "worker"]
    assert roles["leader"].title == "팀장"
    assert dict(roles["admin"].grants) == {
        "people": Grant(frozenset({"view", "create", "update", "delete", "reveal_rrn"}),
                        "facility"),
        "notes": Grant(frozenset({"view", "create", "update", "approve"}), "facility"),
    }
    # "*" with named actions keeps the ones each unit declares; a named unit replaces "*".
    assert dict(roles["leader"].grants) == {
        "people": Grant(frozenset({"view", "update"}), "assigned"),
        "notes": Grant(frozenset({"view", "approve"}), "facility"),
    }
    assert dict(roles["worker"].grants) == {"notes": Grant(frozenset({"view", "create"}), "own")}


def test_exclusive_roles(registry: Registry) -> None:
    home = registry.profiles["home"]
    assert home.exclusive_roles == (frozenset({"leader", "worker"}),)
    assert home.exclusive_conflicts(["leader", "worker", "admin"]) == (
        frozenset({"leader", "worker"}),)
    assert home.exclusive_conflicts(["leader", "admin"]) == ()


def test_roots_are_layered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    base = valid_tree(tmp_path / "base")
    extra = tmp_path / "extra"
    write(extra, "forms/visit.json", form("방문"))
    write(extra, "unit_functions/visits/unit.yaml", unit("visits", forms=["visit", "person"]))
    write(extra, "facility_profiles/shelter.yaml", profile("shelter", ["people", "visits"]))
    registry = load_registry([base, extra], plugins=False)
    assert registry.unit_functions["visits"].forms == ("visit", "person")
    assert registry.profiles["shelter"].unit_ids == ("people", "visits")
    assert [s.root for s in registry.sources] == [base, extra]


def test_the_same_root_twice_is_loaded_once(tree: Path) -> None:
    registry = load_registry([tree, str(tree)], plugins=False)
    assert len(registry.sources) == 1


def test_check_content_and_load_registry_report_problems(tree: Path) -> None:
    write(tree, "unit_functions/notes/unit.yaml", unit(
        "notes", forms=["note", "decision", "ghost"], processes=["review"],
        actions=["view", "create", "update", "approve"]))
    registry, problems = check_content([tree], plugins=False)
    assert registry is None
    assert problems == [Problem("content/unit_functions/notes/unit.yaml", "/forms/2",
                                "form 'ghost' not found: expected forms/ghost.json in a "
                                "content root")]
    with pytest.raises(DefinitionErrors) as caught:
        load_registry([tree], plugins=False)
    assert caught.value.problems == problems
    assert str(caught.value) == str(problems[0])


def test_problem_text_and_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    inside = Problem(tmp_path / "forms" / "a.json", "/title", "bad")
    assert str(inside) == "forms/a.json:/title: bad"
    elsewhere = tmp_path.parent / "other.json"
    assert Problem(elsewhere, "", "bad").path == str(elsewhere)
    assert display_path("forms/a.json") == "forms/a.json"
    ordered = sorted([Problem("a", "/menu/10", "x"), Problem("a", "/menu/2", "x"),
                      Problem("a", "", "x")])
    assert [p.pointer for p in ordered] == ["", "/menu/2", "/menu/10"]


def test_default_content_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("IEUM_CONTENT_ROOT", str(tmp_path))
    assert default_content_root() == tmp_path
    monkeypatch.delenv("IEUM_CONTENT_ROOT")
    repository = Path(ieum.__file__).resolve().parents[2]
    assert default_content_root() == repository
    # Installed outside a repository (no unit_functions/ beside it): the current directory.
    monkeypatch.setattr(sources, "REPOSITORY_ROOT", tmp_path / "site" / "lib")
    monkeypatch.chdir(tmp_path)
    assert default_content_root() == tmp_path
