"""맞춤형 노인돌봄: the elderly-care programs as one service. Eligibility is written in the
expression language (``elderly_pathway.yaml``, checked when the file loads); the long-term-care
grade (장기요양등급) is data that routes the person to home care or a care home, with the
facilities of the route that have a place."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from ieum.expressions import EvalError, check_expression, compile_expression
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum_library.community_care import HERE

GRADES = {
    "none": _l("등급 없음(등급외)"),
    "1": _l("1등급"),
    "2": _l("2등급"),
    "3": _l("3등급"),
    "4": _l("4등급"),
    "5": _l("5등급"),
    "cognitive": _l("인지지원등급"),
}
INCOME = {
    "basic_livelihood": _l("기초생활수급"),
    "near_poverty": _l("차상위"),
    "basic_pension": _l("기초연금 수급"),
    "general": _l("일반"),
}
NAMES = ("age", "ltc_grade", "living_alone", "income_status")


@dataclass(frozen=True)
class Program:
    id: str
    title: str
    description: str
    eligible: str


@dataclass(frozen=True)
class Pathway:
    service: str
    programs: tuple[Program, ...]
    routes: Mapping[str, Mapping[str, Any]]


@lru_cache(maxsize=1)
def load() -> Pathway:
    data = yaml.safe_load((HERE / "elderly_pathway.yaml").read_text(encoding="utf-8"))
    programs = tuple(Program(p["id"], p["title"], p.get("description", ""), p["eligible"])
                     for p in data["programs"])
    for program in programs:
        problems = check_expression(program.eligible, names=NAMES)
        if problems:
            raise ValueError(f"elderly_pathway.yaml {program.id}: {'; '.join(problems)}")
    return Pathway(data.get("service", ""), programs, data.get("routes", {}))


def person_details(form: Mapping[str, Any]) -> dict[str, Any]:
    """The details the care case keeps from the opening form (refusing unknown values)."""
    from ieum.services import ServiceError

    grade = form.get("ltc_grade") or "none"
    if grade not in GRADES:
        raise ServiceError(_("장기요양등급을 고르세요."), field="ltc_grade")
    income = form.get("income_status") or "general"
    if income not in INCOME:
        raise ServiceError(_("소득 구분을 고르세요."), field="income_status")
    return {"ltc_grade": grade, "income_status": income,
            "living_alone": str(form.get("living_alone") or "") in ("1", "on", "true", "yes"),
            "phone": str(form.get("phone") or "").strip()[:30],
            "address": str(form.get("address") or "").strip()[:200]}


def shown_details(details: Mapping[str, Any]) -> dict[str, str]:
    return {"ltc_grade": GRADES.get(details.get("ltc_grade") or "none", ""),
            "income_status": INCOME.get(details.get("income_status") or "", ""),
            "living_alone": "독거" if details.get("living_alone") else "동거",
            "phone": details.get("phone") or "", "address": details.get("address") or ""}


def age_on(birth: dt.date | None, day: dt.date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass(frozen=True)
class Assessment:
    eligible: tuple[Program, ...]
    route: Mapping[str, Any] | None
    problems: tuple[str, ...]


def assess(birth: dt.date | None, details: Mapping[str, Any], day: dt.date) -> Assessment:
    pathway = load()
    env = {"age": age_on(birth, day) or 0, "ltc_grade": details.get("ltc_grade") or "none",
           "living_alone": bool(details.get("living_alone")),
           "income_status": details.get("income_status") or "general"}
    eligible, problems = [], []
    for program in pathway.programs:
        value = compile_expression(program.eligible, names=NAMES).evaluate(env, today=day)
        if isinstance(value, EvalError):
            problems.append(f"{program.title}: {value}")
        elif value:
            eligible.append(program)
    return Assessment(tuple(eligible), pathway.routes.get(env["ltc_grade"]), tuple(problems))
