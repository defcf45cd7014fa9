"""The studio's guided form <-> a program definition mapping.

The guided form has one input per field of the definition; target groups are written
separated by commas, the dated parameters as rows (year, name, value), the annex (별지) as JSON
Schema text. Turning the inputs into a mapping only reshapes them: what is wrong with the
program itself is said by ``parse_program``, like for a YAML upload. Inputs that cannot even
be read (a value that is not a number, annex text that is not JSON) come back as problems with
the same paths.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ieum.catalog.definition import DEFAULT_AUTO_DECIDE_SHARE, DEFAULT_THRESHOLD, default_procedure

TEXT_FIELDS = ("code", "name", "owner", "legal_basis", "benefit_type", "delivery_cycle",
               "description", "criteria", "benefit", "threshold", "process_id")
MAX_TEXT = 20_000
EMPTY_ANNEX = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "별지",
               "version": 1, "type": "object", "properties": {}}
#: A new program's annex: one optional field the designer replaces with the program's own.
STARTER_ANNEX = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "신청 별지",
                 "version": 1, "type": "object",
                 "properties": {"application_reason": {"type": "string", "title": "신청 사유",
                                                        "maxLength": 2000}},
                 "x-ui": {"application_reason": {"widget": "textarea"}}}


@dataclass(frozen=True)
class ParameterRow:
    year: str
    name: str
    value: str


@dataclass(frozen=True)
class StudioForm:
    """The values the guided form shows (all text)."""

    values: Mapping[str, str]
    parameters: tuple[ParameterRow, ...]

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)


def blank_form() -> StudioForm:
    return StudioForm(
        {"survey_type": "1", "benefit_type": "cash", "delivery_cycle": "monthly",
         "threshold": DEFAULT_THRESHOLD, "process_id": default_procedure(),
         "auto_decide_share": str(DEFAULT_AUTO_DECIDE_SHARE), "criteria":
         "income_recognition <= threshold",
         "annex_form": json.dumps(STARTER_ANNEX, ensure_ascii=False, indent=2)},
        (ParameterRow("2026", "threshold_share", "0.32"),))


def _number_text(value: Any) -> str:
    return str(value)


def form_of(mapping: Mapping[str, Any]) -> StudioForm:
    """The guided form filled from a stored definition."""
    values = {name: str(mapping.get(name) or "") for name in TEXT_FIELDS}
    values["survey_type"] = str(mapping.get("survey_type") or "")
    values["target_group"] = ", ".join(str(t) for t in mapping.get("target_group") or [])
    values["auto_decide_share"] = str(mapping.get("auto_decide_share",
                                                  DEFAULT_AUTO_DECIDE_SHARE))
    values["annex_form"] = json.dumps(mapping.get("annex_form") or EMPTY_ANNEX,
                                      ensure_ascii=False, indent=2)
    rows = []
    for year, items in sorted((mapping.get("parameters") or {}).items(), key=lambda i: str(i[0])):
        for name, value in (items or {}).items():
            rows.append(ParameterRow(str(year), str(name), _number_text(value)))
    return StudioForm(values, tuple(rows))


def _number(text: str) -> int | float | None:
    cleaned = text.strip().replace(",", "")
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        return None
    if math.isnan(value) or math.isinf(value):
        return None
    return int(value) if value.is_integer() and "." not in cleaned else value


def mapping_of(get: Callable[[str], str], get_list: Callable[[str], list[str]]
               ) -> tuple[dict[str, Any], list[tuple[str, str]], StudioForm]:
    """The definition mapping the submitted form describes, the problems of inputs that
    could not be read, and the form as submitted (to show again)."""
    problems: list[tuple[str, str]] = []
    values = {name: (get(name) or "")[:MAX_TEXT] for name in
              (*TEXT_FIELDS, "survey_type", "target_group", "auto_decide_share", "annex_form")}
    mapping: dict[str, Any] = {name: values[name].strip() for name in TEXT_FIELDS
                               if values[name].strip()}
    if not mapping.get("threshold"):
        mapping["threshold"] = DEFAULT_THRESHOLD
    if not mapping.get("process_id") and default_procedure():
        mapping["process_id"] = default_procedure()
    mapping["target_group"] = [part.strip() for part in values["target_group"].split(",")
                               if part.strip()]
    survey = values["survey_type"].strip()
    if survey:
        mapping["survey_type"] = int(survey) if survey.isdigit() else survey
    share = _number(values["auto_decide_share"])
    if values["auto_decide_share"].strip() and share is None:
        problems.append(("auto_decide_share", "자동 결정 비율은 0과 1 사이의 숫자로 쓰세요 "
                                              "(예: 0.65)"))
    elif share is not None:
        mapping["auto_decide_share"] = share
    annex_text = values["annex_form"].strip()
    if annex_text:
        try:
            annex = json.loads(annex_text)
        except ValueError as error:
            problems.append(("annex_form", f"별지 서식이 올바른 JSON이 아닙니다 "
                                           f"({error.lineno}행 {error.colno}열)"))
            annex = dict(EMPTY_ANNEX)
        mapping["annex_form"] = annex
    else:
        mapping["annex_form"] = dict(EMPTY_ANNEX)
    years, names, amounts = (get_list("param_year"), get_list("param_name"),
                             get_list("param_value"))
    rows = []
    parameters: dict[str, dict[str, Any]] = {}
    for year, name, amount in zip(years, names, amounts, strict=False):
        year, name, amount = year.strip()[:8], name.strip()[:64], amount.strip()[:32]
        if not (year or name or amount):
            continue
        rows.append(ParameterRow(year, name, amount))
        value = _number(amount)
        if not year or not name:
            problems.append(("parameters", "매개변수 행마다 연도와 이름을 쓰세요"))
            continue
        if value is None:
            problems.append((f"parameters.{year}.{name}", "매개변수 값은 숫자여야 합니다"))
            continue
        parameters.setdefault(year, {})[name] = value
    mapping["parameters"] = parameters
    return mapping, problems, StudioForm(values, tuple(rows))
