"""복지멤버십: every program a household likely qualifies for, with the reason."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ieum.catalog.definition import ProgramDefinition
from ieum.catalog.evaluate import Determination, EvaluationError, evaluate_household


def likely_programs(household: Mapping[str, Any],
                    programs: Iterable[ProgramDefinition] | Mapping[str, ProgramDefinition],
                    year: int | None = None) -> list[tuple[ProgramDefinition, Determination]]:
    """The programs of ``programs`` (pass the published ones) ``household`` qualifies for in
    ``year`` (default: each program's latest year; a program without parameters for ``year``
    is skipped), with the determination whose ``reasons`` say why; the largest
    ``share_of_threshold`` margin first (most clearly eligible), then by code. A program the
    household's data cannot be evaluated for is skipped."""
    if isinstance(programs, Mapping):
        programs = programs.values()
    found: list[tuple[ProgramDefinition, Determination]] = []
    for definition in programs:
        if year is not None and year not in definition.parameters:
            continue
        try:
            determination = evaluate_household(definition, household, year)
        except EvaluationError:
            continue
        if determination.eligible:
            found.append((definition, determination))

    def order(item: tuple[ProgramDefinition, Determination]) -> tuple[float, str]:
        share = item[1].share_of_threshold
        return (share if share is not None else 1.0, item[0].code)

    return sorted(found, key=order)
