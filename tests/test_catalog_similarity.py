"""Similar programs (유사사례 확인) and 복지멤버십 (every program a household qualifies for)."""

from __future__ import annotations

import pytest

from ieum.catalog.definition import parse_program, shipped_programs, to_mapping
from ieum.catalog.eligibility import likely_programs
from ieum.catalog.evaluate import EvaluationError, evaluate_household
from ieum.catalog.similarity import similar_programs, similarity

PROGRAMS = shipped_programs()


def variant(base: str, **changes) -> object:
    mapping = to_mapping(PROGRAMS[base])
    mapping.update(changes)
    return parse_program(mapping)


def test_a_near_copy_scores_highest_with_reasons() -> None:
    draft = variant("livelihood-2026", code="new-livelihood", name="새 생계지원")
    found = similar_programs(draft, PROGRAMS.values())
    assert [item.code for item in found][:1] == ["livelihood-2026"]
    best = found[0]
    assert best.score == 1.0
    assert best.reasons == (
        "지원 대상이 겹칩니다: 저소득층",
        "선정기준에 같은 변수를 씁니다: 소득인정액, 기준 중위소득, 선정기준액",
        "급여 형태가 같습니다: 현금급여",
        "소득재산 조사 유형이 같습니다: 1유형 (기초생활보장)",
        "선정기준 비율이 비슷합니다: 기준 중위소득의 32% / 32%",
    )
    scores = [item.score for item in found]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= score <= 1 for score in scores)


def test_ordering_follows_the_overlaps() -> None:
    draft = variant("livelihood-2026", code="elderly-voucher", target_group=["노인"],
                    benefit_type="voucher", survey_type=4)
    found = similar_programs(draft, PROGRAMS.values(), minimum=0)
    assert found[0].code == "local-energy-voucher-2026"  # 노인, voucher, type 4
    assert "급여 형태가 같습니다: 바우처" in found[0].reasons
    assert "지원 대상이 겹칩니다: 노인" in found[0].reasons
    medical = next(item for item in found if item.code == "medical-2026")
    assert not any("지원 대상" in reason for reason in medical.reasons)
    assert medical.score < found[0].score


def test_threshold_and_same_code() -> None:
    draft = variant("livelihood-2026", code="unrelated", target_group=["청년"],
                    benefit_type="service", survey_type=3, criteria="size >= 2")
    assert similar_programs(draft, PROGRAMS.values()) == []
    assert similar_programs(draft, PROGRAMS.values(), minimum=0)
    newer = variant("livelihood-2026", version=2)
    assert "livelihood-2026" not in [s.code for s in similar_programs(newer, PROGRAMS.values())]
    same = similar_programs(newer, PROGRAMS.values(), include_same_code=True)
    assert same[0].code == "livelihood-2026" and same[0].version == 1
    assert similarity(newer, PROGRAMS["livelihood-2026"]).score == 1.0


POOR = {"size": 1, "region": "11110", "earned_income": 500_000}


def test_livelihood_determination_line_by_line() -> None:
    determination = evaluate_household(PROGRAMS["livelihood-2026"], POOR, 2026)
    assert determination.eligible
    assert determination.income_recognition == 350_000
    assert determination.threshold == 820_556
    assert determination.benefit == 470_556
    assert determination.share_of_threshold == pytest.approx(350_000 / 820_556)
    assert determination.auto_decidable  # 42.7% <= 65%
    labels = dict(determination.lines)
    assert labels["소득평가액 = (근로 + 사업) × 0.7 + 기타"] == 350_000
    assert labels["선정기준액"] == 820_556
    assert labels["급여액"] == 470_556
    assert determination.reasons[0] == (
        "소득인정액 350,000원이 선정기준액 820,556원 이하입니다 (선정기준액의 42.7%)")


def test_near_the_threshold_needs_an_investigator_and_above_is_not_eligible() -> None:
    near = {**POOR, "earned_income": 1_000_000}  # 700,000 of 820,556: 85%
    determination = evaluate_household(PROGRAMS["livelihood-2026"], near, 2026)
    assert determination.eligible and not determination.auto_decidable
    assert "담당자 조사가 필요합니다" in determination.reasons[-1]
    above = {**POOR, "earned_income": 1_200_000}  # 840,000
    determination = evaluate_household(PROGRAMS["livelihood-2026"], above, 2026)
    assert not determination.eligible and determination.benefit == 0
    assert "을 넘습니다" in determination.reasons[0]
    assert not determination.auto_decidable


def test_2025_parameters_and_bad_households() -> None:
    determination = evaluate_household(PROGRAMS["education-2026"], {"size": 1, "region": "other"},
                                       2025)
    assert determination.threshold == 1_196_007
    assert determination.benefit == 679_000
    with pytest.raises(EvaluationError, match="지역은"):
        evaluate_household(PROGRAMS["livelihood-2026"], {"size": 1, "region": "화성"})
    with pytest.raises(EvaluationError, match="2025년 매개변수가 없습니다"):
        evaluate_household(PROGRAMS["local-energy-voucher-2026"], POOR, 2025)


def test_likely_programs_lists_every_program_with_reasons() -> None:
    found = likely_programs(POOR, PROGRAMS)
    assert {definition.code for definition, _ in found} == set(PROGRAMS)
    shares = [determination.share_of_threshold for _, determination in found]
    assert shares == sorted(shares)
    for _, determination in found:
        assert determination.eligible and determination.reasons
    # 1,800,000 x 0.7 = 1,260,000: above 생계 (820,556), 의료 (1,025,695) and 주거
    # (1,230,834); within 교육 (1,282,119, 98%) and the voucher (1,538,543, 82%).
    middle = {**POOR, "earned_income": 1_800_000}
    codes = [definition.code for definition, _ in likely_programs(middle, PROGRAMS, 2026)]
    assert codes == ["local-energy-voucher-2026", "education-2026"]
    # 2025 (one-person 교육 1,196,007): nothing; the voucher has no 2025 parameters.
    assert likely_programs(middle, PROGRAMS, 2025) == []
    assert likely_programs({"size": 1, "region": "nowhere"}, PROGRAMS) == []
