"""Decision traces, replay and counterfactuals of the catalog engine (issue 16), without a
database: every shipped program replayed on generated applicants, a changed parameter found
by the replay under today's rules, and counterfactuals checked against brute force with the
independent vectorised evaluator."""

from __future__ import annotations

import dataclasses
import json
import shutil
import zlib
from pathlib import Path

import numpy as np
import pytest
import yaml

from ieum.catalog.counterfactual import ADJUSTABLE, counterfactuals, income_recognition_gap
from ieum.catalog.definition import (
    ProgramError,
    check_program_files,
    parse_program,
    programs_root,
    shipped_programs,
    to_mapping,
)
from ieum.catalog.evaluate import evaluate_household, household_environment
from ieum.catalog.population import generate_columns
from ieum.catalog.simulate import Population, evaluate_population
from ieum.catalog.trace import build_trace, canonical, replay, trace_digest, trace_tree
from ieum.expressions import compile_expression

YEAR = 2026
PROGRAMS = shipped_programs()


@pytest.fixture(scope="module")
def applicants() -> Population:
    """Generated households, poorer than the population on average so that every program
    has eligible and refused ones."""
    columns = generate_columns(150, seed=16)
    for name in ("earned_income", "business_income", "other_income", "general_assets",
                 "financial_assets", "housing_assets", "car_value"):
        columns[name] = (columns[name] * 0.35).round(-3)
    return Population(columns)


def _households(population: Population) -> list[dict]:
    rows = []
    for index in range(population.n):
        row = population.household(index)
        row.pop("household_id")
        rows.append(row)
    return rows


# --- replay ---------------------------------------------------------------------------------

@pytest.mark.parametrize("code", sorted(PROGRAMS))
def test_every_shipped_program_replays_identically_on_generated_applicants(code, applicants):
    definition = PROGRAMS[code]
    vector = evaluate_population(definition, applicants, YEAR)
    outcomes = set()
    for index, household in enumerate(_households(applicants)):
        trace = build_trace(definition, household, YEAR)
        # the trace agrees with the independent vectorised evaluator
        assert trace["outcome"]["eligible"] == bool(vector["eligible"][index])
        assert trace["outcome"]["benefit"] == pytest.approx(float(vector["benefit"][index]))
        assert trace["outcome"]["income_recognition"] == vector["income_recognition"][index]
        # stored (canonical JSON, compressed) and read back, it replays to the same values
        stored = json.loads(zlib.decompress(zlib.compress(canonical(trace))).decode("utf-8"))
        assert trace_digest(stored) == trace_digest(trace)
        again = replay(stored, definition)
        assert again.identical, (index, [d.to_json() for d in again.differences])
        assert again.replayed == stored
        outcomes.add(trace["outcome"]["eligible"])
    assert outcomes == {True, False}  # both kinds of decision were replayed


def test_a_changed_parameter_is_reported_by_the_replay_under_todays_rules():
    v1 = PROGRAMS["livelihood-2026"]
    mapping = to_mapping(v1)
    mapping["version"] = 2
    mapping["parameters"][YEAR]["threshold_share"] = 0.30
    v2 = parse_program(mapping)
    household = {"size": 1, "region": "seoul", "earned_income": 1_150_000}  # 805,000 won
    trace = build_trace(v1, household, YEAR)
    assert trace["outcome"]["eligible"] is True  # 805,000 <= 820,556
    assert replay(trace, v1).identical
    today = replay(trace, v2)
    assert not today.identical and not today.same_outcome
    causes = {(d.kind, d.name): d for d in today.causes}
    parameter = causes[("parameter", "threshold_share")]
    assert (parameter.before, parameter.after) == (0.32, 0.3)
    assert parameter.note == "2026년·v1 → 2026년·v2"
    assert ("program", "version") in causes
    effects = {(d.kind, d.name): (d.before, d.after) for d in today.effects}
    assert effects[("step", "threshold")] == (820_556, 769_271)
    assert effects[("outcome", "eligible")] == (True, False)
    assert today.summary().startswith("결정이 달라집니다: 적합")
    # nothing else changed: the income computation is the same
    assert ("step", "income_recognition") not in effects


def test_replay_in_another_year_names_the_dated_standard_that_changed():
    definition = PROGRAMS["education-2026"]
    trace = build_trace(definition, {"size": 4, "region": "metro"}, 2025)
    other = replay(trace, definition, 2026)
    kinds = {(d.kind, d.name): d for d in other.differences}
    median = kinds[("standard", "median_income")]
    assert (median.before, median.after) == (6_097_773, 6_494_738)
    assert "보건복지부 고시 제2025-204호" in median.note
    assert kinds[("parameter", "allowance_per_household")].after == 699_000


def test_a_tampered_trace_does_not_replay_identically():
    definition = PROGRAMS["livelihood-2026"]
    trace = build_trace(definition, {"size": 2, "region": "other", "earned_income": 600_000},
                        YEAR)
    forged = json.loads(canonical(trace))
    forged["steps"]["threshold"]["value"] += 1
    result = replay(forged, definition)
    assert not result.identical
    assert [d.name for d in result.differences] == ["threshold"]
    assert trace_digest(forged) != trace_digest(trace)


# --- the tree and the citations ---------------------------------------------------------------

def test_trace_tree_carries_values_formulas_and_citations():
    definition = PROGRAMS["livelihood-2026"]
    trace = build_trace(definition, {"size": 1, "region": "seoul", "earned_income": 900_000},
                        YEAR)
    tree = trace_tree(trace)
    assert (tree["label"], tree["value"]) == ("결정", "적합")
    criteria, benefit = tree["children"]
    assert criteria["citation"].startswith("국민기초생활 보장법 제8조제2항")
    assert benefit["value"] == 820_556 - 630_000
    assert benefit["citation"].startswith("국민기초생활 보장법 제8조제3항")

    def find(node, name):
        if node["name"] == name:
            return node
        for child in node["children"]:
            found = find(child, name)
            if found:
                return found
        return None

    share = find(criteria, "threshold_share")
    assert share["kind"] == "parameter" and share["value"] == 0.32
    assert share["formula"] == "2026년 매개변수 (사업 v1)"
    assert "보건복지부 고시 제2025-204호" in share["citation"]
    evaluation = find(criteria, "income_evaluation")
    assert evaluation["value"] == 630_000
    assert "900,000" in evaluation["formula"] and "× 0.7" in evaluation["formula"]
    assert "시행령 제5조의2" in evaluation["citation"]
    median = find(criteria, "median_income")
    assert median["value"] == 2_564_238 and "고시 제2025-204호" in median["citation"]
    # the expression tree of the benefit: each sub-expression with its value
    expression = trace["steps"]["benefit"]["tree"]
    assert expression["formula"] == "max(threshold - income_recognition, 0)"
    assert expression["children"][0] == {
        "formula": "threshold - income_recognition", "value": 190_556,
        "children": [{"name": "threshold"}, {"name": "income_recognition"}]}


def test_a_conditional_benefit_shows_only_the_branch_taken():
    definition = PROGRAMS["housing-2026"]
    trace = build_trace(definition, {"size": 2, "region": "gyeonggi"}, YEAR)
    names = set(trace["steps"]["benefit"]["uses"])  # the names the evaluation read
    assert "rent_gyeonggi" in names and not names & {"rent_seoul", "rent_metro", "rent_other"}
    assert set(trace["parameters"]) >= {"rent_gyeonggi", "self_burden_rate"}
    assert "rent_other" not in trace["parameters"]  # not used for this household
    assert trace["parameters"]["rent_gyeonggi"]["citation"].startswith("국토교통부")


def test_ieum_check_requires_citations_of_program_files(tmp_path: Path):
    folder = tmp_path / "programs"
    shutil.copytree(programs_root(), folder)
    assert check_program_files(folder) == []
    path = folder / "livelihood-2026.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["citations"]["parameters"]["threshold_share"]
    del data["citations"]["benefit"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    problems = {(p.pointer, p.message.split(" (")[0]) for p in check_program_files(folder)}
    assert ("/citations/benefit", "급여액의 법적 근거(citations.benefit)를 적어야 합니다") \
        in problems
    assert any(pointer == "/citations/parameters/threshold_share" for pointer, _ in problems)


def test_a_citation_of_an_unknown_parameter_is_refused():
    mapping = to_mapping(PROGRAMS["livelihood-2026"])
    mapping["citations"]["parameters"]["threshold_shar"] = "오타"
    with pytest.raises(ProgramError) as caught:
        parse_program(mapping)
    assert caught.value.problems == [("citations.parameters.threshold_shar",
                                      "정하지 않은 매개변수의 근거입니다: threshold_shar")]


# --- counterfactuals ------------------------------------------------------------------------

def _varied(household: dict, variable: str, values: np.ndarray) -> Population:
    n = len(values)
    columns = {name: np.full(n, household[name]) for name in
               ("size", "earned_income", "business_income", "other_income", "housing_assets",
                "general_assets", "financial_assets", "car_value", "car_exempt", "debts")}
    columns["region"] = np.full(n, household["region"])
    columns[variable] = values
    return Population(columns)


def _smaller_changes(change: int, limit: int = 20_000) -> np.ndarray:
    """Every smaller change in whole won when there are few, else the last ``limit`` before
    it and an even spread over the rest."""
    size = abs(change)
    if size <= limit:
        steps = np.arange(0, size)
    else:
        steps = np.unique(np.concatenate([np.linspace(0, size - limit, limit).round(),
                                          np.arange(size - limit, size)]))
    return np.sign(change) * steps


@pytest.mark.parametrize("code", sorted(PROGRAMS))
def test_counterfactuals_agree_with_brute_force(code, applicants):
    definition = PROGRAMS[code]
    checked = {True: 0, False: 0}
    for household in _households(applicants):
        start = evaluate_household(definition, household, YEAR).eligible
        if checked[start] >= 8:
            continue  # enough of this kind (keeps the test a few seconds)
        for change in counterfactuals(definition, household, YEAR)[:3]:
            if change.variable == "income_recognition":
                continue
            changed = {**household, change.variable: change.changed}
            after = evaluate_household(definition, changed, YEAR)
            assert after.eligible is not start, change  # the reported change flips it
            if change.variable not in ADJUSTABLE:
                continue
            assert change.method == "exact"
            smaller = household[change.variable] + _smaller_changes(change.change)
            outcome = evaluate_population(definition, _varied(household, change.variable,
                                                              smaller), YEAR)
            # no smaller change of that input flips it (the vectorised evaluator agrees)
            assert (outcome["eligible"] == start).all(), change
            checked[start] += 1
    # refusals (what would make them eligible) and eligible cases (how close) both checked
    assert checked[True] >= 4 and checked[False] >= 4, checked


def test_the_gap_of_income_recognition_is_exact():
    definition = PROGRAMS["livelihood-2026"]
    household = {"size": 1, "region": "seoul", "earned_income": 1_190_000}  # 833,000 won
    gap = income_recognition_gap(definition, household, YEAR)
    assert gap.change == -(833_000 - 820_556)
    assert gap.sentence == "소득인정액이 월 12,444원 낮으면 선정됩니다"
    env, _ = household_environment(definition, household, YEAR)
    env["threshold"] = 820_556
    criteria = compile_expression(definition.criteria)
    assert criteria.evaluate({**env, "income_recognition": gap.changed}) is True
    assert criteria.evaluate({**env, "income_recognition": gap.changed + 1}) is False
    changes = {c.variable: c for c in counterfactuals(definition, household, YEAR)}
    # 0.7 × earned must fall by 12,444 won: 17,777 won less (0.7 × 17,776 = 12,443.2)
    assert changes["earned_income"].change == -17_777
    assert changes["earned_income"].sentence == "근로소득이 월 17,777원 적으면 선정됩니다"


def test_an_input_an_expression_reads_directly_is_searched_not_bisected():
    mapping = to_mapping(PROGRAMS["livelihood-2026"])
    mapping["criteria"] = "income_recognition <= threshold and (debts < 5000000 or debts > 9000000)"
    definition = parse_program(mapping)
    household = {"size": 1, "region": "seoul", "earned_income": 600_000, "debts": 6_000_000}
    found = {c.variable: c for c in counterfactuals(definition, household, YEAR)}
    assert found["debts"].method == "search"
    assert evaluate_household(definition, {**household, "debts": found["debts"].changed},
                              YEAR).eligible
    assert dataclasses.asdict(found["debts"])["variable"] == "debts"
