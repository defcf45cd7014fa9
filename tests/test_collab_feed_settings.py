"""Feed settings in a unit manifest (``feeds: [{name: {...}}]``), checked by the feed; the
integrated history's forms are declared this way (``service_history``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ieum.definitions import check_content, load_registry
from ieum.web.panels import Panel, collect
from ieum_library.collaboration.shared_history import Declared, declared
from tests.content_tree import unit, valid_tree, write


def _notes(root: Path, feeds: list) -> None:
    write(root, "unit_functions/notes/unit.yaml", unit(
        "notes", forms=["note", "decision"], processes=["review"],
        screens=[{"kind": "list", "form": "note"}],
        actions=["view", "create", "update", "approve"], feeds=feeds))


def _problems(root: Path) -> list[tuple[str, str]]:
    registry, problems = check_content([root], plugins=False)
    assert registry is None
    return [(p.pointer, p.message) for p in problems]


def test_a_unit_declares_the_forms_it_puts_into_the_history(tmp_path: Path) -> None:
    root = valid_tree(tmp_path)
    _notes(root, ["occupancy", {"service_history": {"forms": {
        "note": {"kind": "상담", "summary": "body"}}}}])
    registry = load_registry([root], plugins=False)
    notes = registry.unit_functions["notes"]
    assert notes.feeds == ("occupancy", "service_history")
    assert set(notes.feed_settings) == {"service_history"}
    assert declared(registry) == {
        ("notes", "note"): Declared("notes", "note", "상담", "body", None)}


def test_the_shipped_history_forms_are_declared_in_their_manifests() -> None:
    from ieum.definitions import default_content_root

    found = declared(load_registry([default_content_root()]))
    assert {key: (d.kind, d.summary, d.participants) for key, d in found.items()} == {
        ("admission_discharge", "admission"): ("입소", "admission_type", None),
        ("admission_discharge", "discharge"): ("퇴소", "discharge_reason", None),
        ("service_history", "service_record"): ("서비스 제공", "category", None),
        ("programmes", "programme_session"): ("프로그램 참여", "programme_name",
                                              "participants"),
        # the type-specific functions of the facility types (facility-types)
        ("ltc_service_record", "ltc_service_record"): ("장기요양 급여제공", "service_type",
                                                       None),
        ("abuse_case", "abuse_report"): ("학대 신고 접수", "urgency", None),
        ("abuse_case", "abuse_investigation"): ("현장조사", "safety_measure", None),
        ("abuse_case", "abuse_decision"): ("사례판정", "decision", None),
        ("shelter_admission", "shelter_referral"): ("쉼터 입소의뢰", "referring_agency", None),
        ("shelter_admission", "shelter_admission_decision"): ("쉼터 입소 결정", "decision",
                                                              None),
        ("braille_loans", "braille_loan"): ("점자도서 대출", "material_title", None),
        ("sign_interpretation", "interpretation_request"): ("수어통역 의뢰", "field", None),
        ("sign_interpretation", "interpretation_result"): ("수어통역", "summary", None),
        ("senior_job", "senior_job_activity"): ("노인일자리 활동", "program_type", None),
        ("welfare_equipment", "equipment_supply"): ("복지용구", "item", None),
        ("rehab_therapy", "therapy_session"): ("재활치료", "therapy_type", None),
        ("street_outreach", "outreach_log"): ("거리상담", "area", None),
    }


def test_wrong_history_settings_are_problems(tmp_path: Path) -> None:
    root = valid_tree(tmp_path)
    _notes(root, [{"service_history": {"forms": {
        "note": {"kind": "", "summary": "missing", "colour": "red"},
        "person": {"kind": "인적사항"}}, "extra": 1}}])
    assert _problems(root) == [  # in the order problems are listed
        ("/feeds/0/service_history", "form 'person' is not one of this unit's forms"),
        ("/feeds/0/service_history",
         "forms/note: kind (what the entry says it was) is required"),
        ("/feeds/0/service_history",
         "forms/note: summary field 'missing' is not in form 'note'"),
        ("/feeds/0/service_history",
         "forms/note: unknown key 'colour'; expected: kind, participants, summary"),
        ("/feeds/0/service_history", "unknown setting 'extra'; expected: forms"),
    ]


def test_a_feed_without_a_check_takes_no_settings(tmp_path: Path) -> None:
    root = valid_tree(tmp_path)
    _notes(root, [{"occupancy": {"capacity": 3}}, {"subject_registry": {"x": 1}}])
    assert _problems(root) == [
        ("/feeds/0/occupancy", "feed 'occupancy' takes no settings; list it by name only"),
        ("/feeds/1/subject_registry",
         "feed 'subject_registry' takes no settings; list it by name only"),
    ]


def test_a_feed_is_listed_once(tmp_path: Path) -> None:
    root = valid_tree(tmp_path)
    _notes(root, ["service_history", {"service_history": {"forms": {"note": {"kind": "상담"}}}}])
    assert _problems(root) == [("/feeds/1", "feed 'service_history' is listed twice")]


def test_a_panel_contributor_must_give_a_panel(monkeypatch: pytest.MonkeyPatch) -> None:
    from ieum.definitions import extensions

    class Loaded:
        objects = {"a": lambda view: Panel("a.html", {"v": view}), "b": lambda view: None}

    monkeypatch.setattr(extensions, "load", lambda group: Loaded)
    assert collect("group", 7) == [Panel("a.html", {"v": 7})]
    Loaded.objects = {"bad": lambda view: "<p>html</p>"}
    with pytest.raises(TypeError, match="group 'bad' gave str, not a Panel"):
        collect("group", 7)
