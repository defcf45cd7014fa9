"""The library's administration (급여대장 확정, 기부금 영수증, 결재선) plugs into the kernel only
through entry points: a screen with its 기관 관리 link, record actions, the data a process
starts with, and the approval steps of the step bar; 결재 대기 is what the BPMN marks."""

from __future__ import annotations

from pathlib import Path

import pytest

from ieum.definitions import check_content, extensions
from ieum.services.workflows import approval_forms
from ieum.web.record_actions import RecordAction
from ieum_library.administration import approval_lines, screens

REPOSITORY = Path(__file__).resolve().parents[1]


def test_the_library_registers_its_administration_through_entry_points() -> None:
    assert extensions.objects(extensions.SCREENS)["administration"] is screens.bp
    assert extensions.objects(extensions.RECORD_ACTIONS)["administration"] \
        is screens.record_actions
    assert extensions.objects(extensions.PROCESS_DATA)["approval_line"] \
        is approval_lines.process_data
    # named like the called process whose steps it shows
    assert extensions.objects(extensions.PROGRESS_STEPS)["approval"] \
        is approval_lines.approval_steps
    assert {extensions.RECORD_ACTIONS, extensions.PROCESS_DATA,
            extensions.PROGRESS_STEPS} <= set(extensions.GROUPS)
    assert extensions.problems() == []


def test_the_approval_tasks_are_the_ones_the_bpmn_marks() -> None:
    registry, problems = check_content([REPOSITORY], plugins=False)
    assert problems == [] and registry is not None
    marked = [(process.id, task.id) for process in registry.processes.values()
              for task in process.user_tasks if task.approval_step]
    assert marked == [("approval", "decide")]
    assert approval_forms(registry) == {"approval_decision"}
    assert approval_forms(None) == frozenset()  # without the content no task is known as one


def test_the_admin_menu_lists_the_library_screen(make_app, migrated_url) -> None:
    app = make_app(migrated_url)
    assert ("결재선 관리", "library.approval_lines") in app.jinja_env.globals["admin_menu"]
    with app.test_request_context():
        from flask import url_for

        assert url_for("library.approval_lines", facility_code="home") \
            == "/f/home/admin/approval-lines"


def test_a_record_action_is_a_link_or_a_posted_button() -> None:
    assert RecordAction("열기", "/x").method == "get"
    with pytest.raises(ValueError):
        RecordAction("지우기", "/x", method="delete")
