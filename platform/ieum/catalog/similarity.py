"""Similar programs (유사사례 확인): which programs overlap the one being designed.

A score from 0 to 1 adds up four overlaps, each with a Korean reason: target groups
(Jaccard, weight 0.35), the variables the selection criteria and threshold read (Jaccard,
0.30), the benefit type (0.20) and the survey type (0.15). Programs at or above ``minimum``
are listed, best first, so a designer sees likely duplicates before publishing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ieum.catalog.definition import (
    BENEFIT_TYPES,
    SURVEY_TYPE_LABELS,
    VARIABLES,
    ProgramDefinition,
)
from ieum.expressions import compile_expression
from ieum.i18n import content_text
from ieum.i18n import gettext as _

WEIGHTS = {"target_group": 0.35, "criteria": 0.30, "benefit_type": 0.20, "survey_type": 0.15}
DEFAULT_MINIMUM = 0.4


@dataclass(frozen=True)
class Similarity:
    """How much another program overlaps: ``score`` 0..1 and the reasons in Korean."""

    code: str
    name: str
    version: int
    score: float
    reasons: tuple[str, ...]


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def criteria_variables(definition: ProgramDefinition) -> set[str]:
    """The standard variables the criteria and the threshold read (parameters left out)."""
    names = compile_expression(definition.criteria).names
    if "threshold" in names:
        names = names | compile_expression(definition.threshold).names
    return set(names) & set(VARIABLES)


def similarity(definition: ProgramDefinition, other: ProgramDefinition) -> Similarity:
    """How much ``other`` overlaps ``definition``."""
    reasons: list[str] = []
    groups_a, groups_b = set(definition.target_group), set(other.target_group)
    shared_groups = sorted(groups_a & groups_b)
    score = WEIGHTS["target_group"] * _jaccard(groups_a, groups_b)
    if shared_groups:
        reasons.append(_("지원 대상이 겹칩니다: %(groups)s",
                         groups=", ".join(content_text(g) for g in shared_groups)))
    variables_a, variables_b = criteria_variables(definition), criteria_variables(other)
    shared_variables = sorted(variables_a & variables_b)
    score += WEIGHTS["criteria"] * _jaccard(variables_a, variables_b)
    if shared_variables:
        labels = ", ".join(str(VARIABLES[name]) for name in shared_variables)
        reasons.append(_("선정기준에 같은 변수를 씁니다: %(labels)s", labels=labels))
    if definition.benefit_type == other.benefit_type:
        score += WEIGHTS["benefit_type"]
        reasons.append(_("급여 형태가 같습니다: %(type)s", type=BENEFIT_TYPES[other.benefit_type]))
    if definition.survey_type == other.survey_type:
        score += WEIGHTS["survey_type"]
        reasons.append(_("소득재산 조사 유형이 같습니다: %(type)s",
                         type=SURVEY_TYPE_LABELS[other.survey_type]))
    share_a = definition.parameters_for().get("threshold_share")
    share_b = other.parameters_for().get("threshold_share")
    if share_a is not None and share_b is not None and abs(share_a - share_b) <= 0.05:
        reasons.append(_("선정기준 비율이 비슷합니다: 기준 중위소득의 %(a)s%% / %(b)s%%",
                         a=f"{share_a * 100:g}", b=f"{share_b * 100:g}"))
    return Similarity(other.code, other.name, other.version, round(min(score, 1.0), 4),
                      tuple(reasons))


def similar_programs(definition: ProgramDefinition, others: Iterable[ProgramDefinition], *,
                     minimum: float = DEFAULT_MINIMUM,
                     include_same_code: bool = False) -> list[Similarity]:
    """The programs of ``others`` scoring at least ``minimum`` against ``definition``, best
    first (ties by code). Other versions of the same program are left out unless
    ``include_same_code``."""
    found = []
    for other in others:
        if other.code == definition.code and not include_same_code:
            continue
        result = similarity(definition, other)
        if result.score >= minimum:
            found.append(result)
    return sorted(found, key=lambda item: (-item.score, item.code, -item.version))
