"""Forms and processes may be grouped in sub-folders named after their unit function.

The id stays the file name, unique across folders; a user task still names its form by file
name only (``formJsonSchemaFilename``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ieum.config import REPOSITORY_ROOT
from ieum.definitions import check_content, load_registry
from tests.content_tree import form, valid_tree, write


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return valid_tree(tmp_path / "c")


def move(tree: Path, relative: str, folder: str) -> Path:
    source = tree / relative
    target = source.parent / folder / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(source, target)
    return target


def test_forms_and_processes_are_found_in_sub_folders(tree: Path) -> None:
    before = load_registry([tree], plugins=False)
    note = move(tree, "forms/note.json", "notes")
    decision = move(tree, "forms/decision.json", "notes/review")
    review = move(tree, "workflows/bpmn/review.bpmn", "notes")
    after = load_registry([tree], plugins=False)
    assert list(after.forms) == list(before.forms) == ["decision", "note", "person"]
    assert after.forms["note"].path == note
    assert after.forms["decision"].path == decision
    assert after.processes["review"].path == review
    assert after.processes["review"].spec_hash == before.processes["review"].spec_hash
    assert [task.form for task in after.processes["review"].user_tasks] == ["note", "decision"]
    assert after.unit_functions["notes"].forms == ("note", "decision")


def test_a_form_id_is_unique_across_folders(tree: Path) -> None:
    write(tree, "forms/notes/note.json", form("다른 상담일지"))
    registry, problems = check_content([tree], plugins=False)
    assert registry is None
    assert [str(problem) for problem in problems] == [
        "c/forms/notes/note.json:: duplicate form id 'note': also defined in c/forms/note.json"]


def test_a_process_id_is_unique_across_folders(tree: Path) -> None:
    shutil.copy(tree / "workflows/bpmn/review.bpmn", tree / "workflows/bpmn/copy.bpmn")
    move(tree, "workflows/bpmn/copy.bpmn", "notes")
    registry, problems = check_content([tree], plugins=False)
    assert registry is None
    assert [str(problem) for problem in problems] == [  # files in order of their names
        "c/workflows/bpmn/review.bpmn:/review: duplicate process id 'review': also defined in "
        "c/workflows/bpmn/notes/copy.bpmn"]


def test_hidden_folders_and_shared_parts_are_not_forms(tree: Path) -> None:
    write(tree, "forms/.drafts/half.json", "{ not json")
    write(tree, "forms/_parts/common.json", {"$defs": {"x": {"type": "string"}}})
    write(tree, "forms/notes/_local.json", {"$defs": {"y": {"type": "integer"}}})
    registry = load_registry([tree], plugins=False)
    assert list(registry.forms) == ["decision", "note", "person"]


def test_the_shipped_unit_folders() -> None:
    registry = load_registry([REPOSITORY_ROOT], plugins=False)
    forms_folder = REPOSITORY_ROOT / "forms"
    for form_id in registry.unit_functions["self_reliance"].forms:
        assert registry.forms[form_id].path == forms_folder / "self_reliance" / f"{form_id}.json"
    for form_id in ("referral_review", "referral_result"):
        assert registry.forms[form_id].path.parent == forms_folder / "collaboration"
        process = registry.processes[form_id]
        assert process.path == (REPOSITORY_ROOT / "workflows" / "bpmn" / "collaboration"
                                / f"{form_id}.bpmn")
        assert form_id in process.forms  # formJsonSchemaFilename: the file name only
    assert not list(forms_folder.glob("sr_*.json"))
