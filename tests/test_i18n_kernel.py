"""English messages of the kernel's catalog, studio and expression packages (issue 19 point
12): shown in English inside an English request, unchanged Korean otherwise, and the stored
records (decision traces, the reasons and lines of a determination, a comparison's rows) the
same bytes whatever the language."""

from __future__ import annotations

import json
import re

import pytest

from ieum.catalog.compare import COLUMN_TITLES, GainLoss, format_cell, gains_and_losses
from ieum.catalog.counterfactual import counterfactuals
from ieum.catalog.definition import (
    ProgramError,
    check_expression_text,
    parse_program,
    parse_program_text,
    shipped_programs,
    to_mapping,
    variable_list,
)
from ieum.catalog.evaluate import evaluate_household, shown_reason
from ieum.catalog.income import TIER_LABELS
from ieum.catalog.population import generate_columns
from ieum.catalog.similarity import similarity
from ieum.catalog.simulate import as_population
from ieum.catalog.trace import build_trace, canonical, replay, trace_tree

YEAR = 2026
HANGUL = re.compile(r"[가-힣]")
HOUSEHOLD = {"size": 2, "region": "seoul", "earned_income": 1_500_000,
             "housing_assets": 120_000_000, "financial_assets": 9_000_000, "debts": 5_000_000,
             "car_value": 8_000_000}


@pytest.fixture(scope="module")
def programs():
    return shipped_programs()


@pytest.fixture
def app(make_app, migrated_url):
    return make_app(migrated_url)


def english(app):
    return app.test_request_context(headers={"Cookie": "ieum_lang=en"})


def korean_request(app):
    return app.test_request_context()


# --- stored records do not depend on the language ---------------------------------------------

def test_a_decision_trace_is_the_same_bytes_in_english_and_korean(app, programs) -> None:
    outside = {code: canonical(build_trace(d, HOUSEHOLD, YEAR)) for code, d in programs.items()}
    with english(app):
        in_english = {code: canonical(build_trace(d, HOUSEHOLD, YEAR))
                      for code, d in programs.items()}
    with korean_request(app):
        in_korean = {code: canonical(build_trace(d, HOUSEHOLD, YEAR))
                     for code, d in programs.items()}
    assert in_english == outside == in_korean
    trace = json.loads(in_english["livelihood-2026"])
    assert trace["steps"]["income_recognition"]["label"] == "소득인정액"
    assert trace["steps"]["base_assets"]["formula"].startswith("기본재산액 (서울, ")


def test_the_reasons_and_lines_of_a_determination_stay_korean(app, programs) -> None:
    definition = programs["livelihood-2026"]
    outside = evaluate_household(definition, HOUSEHOLD, YEAR)
    with english(app):
        shown = evaluate_household(definition, HOUSEHOLD, YEAR)
    assert shown.reasons == outside.reasons and shown.lines == outside.lines
    assert all(HANGUL.search(reason) for reason in shown.reasons)
    assert any(label.startswith("기본재산액 (서울)") for label, _ in shown.lines)


def test_recorded_reasons_are_shown_in_english(app, programs) -> None:
    definition = programs["livelihood-2026"]
    eligible = evaluate_household(definition, {"size": 1, "region": "seoul"}, YEAR)
    refused = evaluate_household(definition, {"size": 1, "region": "seoul",
                                              "earned_income": 3_000_000}, YEAR)
    recorded = [*eligible.reasons, *refused.reasons]
    with english(app):
        shown = [shown_reason(reason) for reason in recorded]
    assert all(not HANGUL.search(text) for text in shown), shown
    assert "The program's eligibility criteria are not met" in shown
    assert any(text.startswith("Benefit amount: ") and text.endswith("won (paid monthly)")
               for text in shown)
    assert any(text.startswith("The recognised income of 0 won is at or below")
               for text in shown)
    with korean_request(app):
        assert [shown_reason(reason) for reason in recorded] == recorded
    assert shown_reason("신청 취하: 이사") == "신청 취하: 이사"


def test_a_stored_comparison_keeps_korean_rows_and_shows_them_in_english(app, programs) -> None:
    definition = programs["livelihood-2026"]
    changed = to_mapping(definition)
    changed["version"] += 1
    changed["parameters"][YEAR]["threshold_share"] = 0.35
    other = parse_program(changed)
    population = as_population(generate_columns(400, seed=3))
    with english(app):
        stored = json.dumps(gains_and_losses(definition, other, population, min_group=1)
                            .to_json(), ensure_ascii=False)
    assert '"label": "서울"' in stored and '"label": "1인"' in stored
    assert '"label": "3분위"' in stored and "Seoul" not in stored
    back = GainLoss.from_json(json.loads(stored))
    with english(app):
        labels = [str(row["label"]) for row in back.groups["region"] + back.groups["size"]]
        assert labels[:2] == ["Seoul", "Gyeonggi"] and "6 or more people" in labels
        assert str(COLUMN_TITLES["newly_eligible"]) == "Newly eligible"
        assert format_cell("budget_a", 1200) == "1,200 won"
        assert format_cell("households", None) == "Not shown"
    with korean_request(app):
        assert str(back.groups["region"][0]["label"]) == "서울"
        assert format_cell("budget_a", 1200) == "1,200원"
    assert json.dumps(back.to_json(), ensure_ascii=False).count('"서울"') >= 1


# --- what the screens show --------------------------------------------------------------------

def test_the_trace_tree_and_a_replay_are_shown_in_english(app, programs) -> None:
    v1 = programs["livelihood-2026"]
    mapping = to_mapping(v1)
    mapping["version"] = 2
    mapping["parameters"][YEAR]["threshold_share"] = 0.30
    v2 = parse_program(mapping)
    trace = build_trace(v1, {"size": 1, "region": "seoul", "earned_income": 1_150_000}, YEAR)
    with english(app):
        tree = trace_tree(trace)
        assert (tree["label"], tree["value"]) == ("Decision", "Eligible")
        labels = {child["label"] for child in tree["children"]}
        assert labels == {"Criteria met", "Benefit amount"}
        today = replay(trace, v2)
        assert today.summary().startswith("The decision changes: Eligible ")
        causes = {(d.kind, d.name): d for d in today.causes}
        assert causes[("parameter", "threshold_share")].note == "2026·v1 → 2026·v2"
        assert causes[("program", "version")].label == "Program version"
        effects = {(d.kind, d.name): d for d in today.effects}
        assert effects[("step", "threshold")].label == "Eligibility threshold"
        assert replay(trace, v1).summary() == \
            "Same result as recorded (every value and basis matches)"
    with korean_request(app):
        assert trace_tree(trace)["value"] == "적합"
        assert replay(trace, v2).summary().startswith("결정이 달라집니다: 적합")
    # the citations are legal text and stay Korean in every language
    with english(app):
        assert HANGUL.search(trace_tree(trace)["citation"])


def test_counterfactuals_and_similar_programs_speak_english(app, programs) -> None:
    definition = programs["livelihood-2026"]
    refused = {"size": 1, "region": "seoul", "earned_income": 1_300_000}
    with english(app):
        changes = counterfactuals(definition, refused, YEAR)
        assert changes and all(not HANGUL.search(c.sentence) for c in changes)
        earned = next(c for c in changes if c.variable == "earned_income")
        assert earned.sentence.startswith("If Earned income were ")
        assert earned.sentence.endswith(" won a month lower, the household would qualify")
        assert str(earned.label) == "Earned income"
        others = [d for code, d in programs.items() if code != definition.code]
        reasons = [r for other in others for r in similarity(definition, other).reasons]
        # target groups are content (translated by the content's catalogues, if any)
        assert any(r.startswith("Target groups overlap: ") for r in reasons)
        assert all(not HANGUL.search(r) for r in reasons if not r.startswith("Target groups"))
    with korean_request(app):
        sentence = counterfactuals(definition, refused, YEAR)[0].sentence
        assert sentence.endswith("선정됩니다")


def test_program_problems_are_shown_in_the_request_language(app, programs) -> None:
    mapping = to_mapping(programs["livelihood-2026"])
    mapping["criteria"] = "income_recognition <= nothing"
    mapping["code"] = "Bad Code"
    with english(app):
        with pytest.raises(ProgramError) as raised:
            parse_program(mapping)
        problems = dict(raised.value.problems)
        assert problems["code"].startswith("A program code uses lowercase letters")
        assert check_expression_text("income_recognition", "criteria") == [
            "The eligibility criteria expression must give true or false "
            "(e.g. income_recognition <= threshold)"]
        assert check_expression_text("size +", "criteria")[0].startswith("syntax error")
        with pytest.raises(ProgramError) as raised:
            parse_program_text("code: [")
        assert raised.value.problems[0][1].startswith("The YAML is not valid (line ")
        shown = {v.name: v for v in variable_list()}
        assert (str(shown["earned_income"].label), str(shown["earned_income"].unit)) == \
            ("Earned income", "KRW/month")
        assert str(TIER_LABELS["metro"]) == "Metropolitan cities, Sejong, Changwon"
    with korean_request(app):
        with pytest.raises(ProgramError) as raised:
            parse_program(mapping)
        assert dict(raised.value.problems)["code"].startswith("사업 코드는")
        assert check_expression_text("size +", "criteria")[0].startswith("식의 문법이")
    # outside a request (the CLI, ieum check) everything is Korean
    assert str(TIER_LABELS["metro"]) == "광역시·세종·창원"


# --- the content studio -----------------------------------------------------------------------

def test_the_form_builders_checks_speak_english(app) -> None:
    from ieum.studio import forms as builder

    body = {"title": "", "version": 0, "type": "object",
            "properties": {"Bad": {"type": "integer", "title": "나이", "minimum": 9,
                                   "maximum": 1}},
            "required": ["ghost"], "x-visible": {"Bad": "age >"}}
    with english(app):
        problems = builder.check(body)
        found = {p.pointer: p.message for p in problems}
        assert found["/title"] == "Enter the form title"
        assert found["/version"] == "The form version is a whole number of 1 or more"
        assert found["/required"] == "The required field 'ghost' does not exist"
        assert any(p.message.startswith("The field name 'Bad' must start with")
                   for p in problems if p.pointer == "/properties/Bad")
        assert "The minimum is greater than the maximum" in [p.message for p in problems]
        assert found["/x-visible/Bad"].startswith("Display condition: syntax error")
        assert all(not HANGUL.search(p.message) for p in problems)
        assert str(builder.KINDS["radio"]) == "Choice (buttons)"
    with korean_request(app):
        found = {p.pointer: p.message for p in builder.check(body)}
        assert found["/title"] == "양식 제목을 쓰세요"
        assert found["/x-visible/Bad"].startswith("표시 조건: 식의 문법이")


def test_process_checks_and_the_change_history_speak_english(app) -> None:
    from ieum.studio import processes
    from ieum.studio.diff import describe_changes, summarize

    old = {"title": "상담", "version": 1, "type": "object",
           "properties": {"note": {"type": "string", "title": "메모"}}}
    new = {**old, "version": 2, "required": ["note"],
           "properties": {"note": {"type": "string", "title": "메모", "maxLength": 50},
                          "age": {"type": "integer", "title": "나이"}}}
    profile_old = {"menu": [{"group": "서비스", "items": [{"unit": "visits"}, {"unit": "a"}]},
                            {"group": "행정", "items": [{"unit": "b"}]}]}
    profile_new = {"menu": [{"group": "서비스", "items": [{"unit": "a"}]},
                            {"group": "행정", "items": [{"unit": "b"}, {"unit": "visits"}]}]}
    gateway = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
               '<bpmn:process id="p" name="절차" isExecutable="true">'
               '<bpmn:exclusiveGateway id="g" name="승인 여부"/></bpmn:process>'
               '</bpmn:definitions>')
    without = gateway.replace('<bpmn:exclusiveGateway id="g" name="승인 여부"/>', "")
    with english(app):
        assert processes.check_timer('"P3X"', "timeDuration") == [
            "The duration 'P3X' is not an ISO 8601 duration "
            '(e.g. "P3D" is 3 days, "PT2H" is 2 hours)']
        with pytest.raises(processes.BpmnSyntaxError, match="^The BPMN document is empty"):
            processes.parse("")
        changes = describe_changes("form", old, new)
        assert "Form version changed from 1 to 2" in changes
        assert "Field 'Age' added" in changes  # field titles through the content's catalogues
        assert "Field 'Memo' made required" in changes
        assert "Field 'Memo': Maximum length set to '50'" in changes
        menu = describe_changes("profile", profile_old, profile_new)
        assert menu == ["Unit function 'visits' moved from menu '서비스' to '행정'"]
        assert describe_changes("process", gateway, without) == ["Gateway '승인 여부' deleted"]
        assert summarize([]) == "No changes"
    with korean_request(app):
        assert describe_changes("process", gateway, without) == ["분기 '승인 여부' 삭제"]
        assert describe_changes("profile", profile_old, profile_new) == [
            "단위기능 'visits'을(를) 메뉴 '서비스'에서 '행정'(으)로 이동"]


def test_a_profile_cycle_is_found_in_english_too(app, monkeypatch) -> None:
    from ieum.config import REPOSITORY_ROOT
    from ieum.definitions import load_registry
    from ieum.definitions.files import read_yaml
    from ieum.studio import profiles

    registry = load_registry([REPOSITORY_ROOT], plugins=True)
    body, _problems = read_yaml(REPOSITORY_ROOT / "facility_profiles" / "child_home.yaml")
    bodies = profiles.profile_bodies(registry)
    bodies["base"] = {**bodies["base"], "extends": "child_home"}
    with english(app):
        found = {p.pointer: p.message for p in profiles.check(body, registry, profiles=bodies)}
        assert found["/extends"] == ("The profiles inherit from each other (a cycle): "
                                     "child_home → child_base → base → child_home")
    # the package check (drafts unknown: the registry's profiles) reports a cycle, not a
    # missing base, whatever the language (it used to look for the Korean word 순환)
    monkeypatch.setattr(profiles, "profile_bodies", lambda _registry: bodies)
    with english(app):
        found = {p.pointer: p.message for p in profiles.check(body, registry)}
        assert "(a cycle)" in found["/extends"]
