"""Compliance checks for the 시·군·구 officials: rules in the expression language
(``compliance_rules.yaml``) over the saved resolutions and payroll registers of the
facilities of their regions. Each flag carries its evidence (the figures and the records
behind them). Reading the facilities' records is audited.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.access.officials import PublicRoles
from ieum.definitions import Registry
from ieum.expressions import EvalError, check_expression, compile_expression
from ieum.i18n import lazy_gettext as _l
from ieum.store.models import Facility, Record
from ieum_library.community_care import HERE

PAYROLL_FORM, RESOLUTION_FORM = "payroll_register", "resolution"
SUBSIDY_INCOME = "income.subsidy."
SOURCES = {
    "payroll": ("pay_month", "employees", "total_pay", "max_pay", "max_name",
                "guideline_monthly", "excess"),
    "subsidy_year": ("year", "subsidy_received", "subsidy_spent", "remainder", "overspent",
                     "year_closed"),
    "resolution": ("resolved_on", "record_id", "excluded_amount", "excluded_items", "total"),
}
LEVELS = {"error": _l("위반"), "warning": _l("확인 필요")}


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    level: str
    source: str
    when: str
    evidence: str


@dataclass(frozen=True)
class Rules:
    rules: tuple[Rule, ...]
    guideline: Mapping[str, int]
    excluded_accounts: frozenset[str]


@lru_cache(maxsize=1)
def load() -> Rules:
    data = yaml.safe_load((HERE / "compliance_rules.yaml").read_text(encoding="utf-8"))
    rules = []
    for item in data["rules"]:
        rule = Rule(item["id"], item["title"], item.get("level", "error"), item["source"],
                    item["when"], item.get("evidence", ""))
        if rule.source not in SOURCES:
            raise ValueError(f"compliance_rules.yaml {rule.id}: unknown source {rule.source}")
        problems = check_expression(rule.when, names=SOURCES[rule.source])
        if problems:
            raise ValueError(f"compliance_rules.yaml {rule.id}: {'; '.join(problems)}")
        rules.append(rule)
    return Rules(tuple(rules), dict(data.get("guideline_monthly") or {}),
                 frozenset(data.get("donation_excluded_accounts") or ()))


@dataclass(frozen=True)
class Flag:
    rule: Rule
    facility: Facility
    evidence: str
    figures: Mapping[str, Any]
    record_ids: tuple[int, ...] = field(default=())

    @property
    def level_title(self) -> str:
        return LEVELS.get(self.rule.level, self.rule.level)


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _saved(session: Session, facility_ids: Iterable[int], form_id: str) -> list[Record]:
    ids = list(facility_ids)
    if not ids:
        return []
    return list(session.scalars(select(Record).where(
        Record.facility_id.in_(ids), Record.form_id == form_id, Record.status != "draft",
        Record.deleted_at.is_(None)).order_by(Record.facility_id, Record.id)))


def _payroll_cases(rules: Rules, registry: Registry, facility: Facility,
                   rows: list[Record]) -> list[tuple[dict[str, Any], tuple[int, ...]]]:
    profile = registry.profiles.get(facility.profile_code)
    group = getattr(profile, "target_group", None) or "default"
    limit = _int(rules.guideline.get(group, rules.guideline.get("default")))
    out = []
    for row in rows:
        people = [p for p in (row.data.get("employees") or []) if isinstance(p, dict)]
        if not people:
            continue
        best = max(people, key=lambda p: _int(p.get("base")) + _int(p.get("allowance")))
        top = _int(best.get("base")) + _int(best.get("allowance"))
        total = _int(row.data.get("total_pay")) or sum(
            _int(p.get("base")) + _int(p.get("allowance")) for p in people)
        out.append(({"pay_month": str(row.data.get("pay_month") or ""),
                     "employees": len(people), "total_pay": total, "max_pay": top,
                     "max_name": str(best.get("name") or ""), "guideline_monthly": limit,
                     "excess": top - limit}, (row.id,)))
    return out


def _subsidy_cases(rows: list[Record], today: dt.date
                   ) -> list[tuple[dict[str, Any], tuple[int, ...]]]:
    years: dict[int, dict[str, Any]] = defaultdict(lambda: {"in": 0, "out": 0, "ids": []})
    for row in rows:
        day = str(row.data.get("resolved_on") or "")[:4]
        if not day.isdigit():
            continue
        year = years[int(day)]
        items = [i for i in (row.data.get("items") or []) if isinstance(i, dict)]
        if row.data.get("kind") == "income":
            amount = sum(_int(i.get("amount")) for i in items
                         if str(i.get("account") or "").startswith(SUBSIDY_INCOME))
            year["in"] += amount
        elif row.data.get("kind") == "expense" and row.data.get("funding") == "subsidy":
            amount = sum(_int(i.get("amount")) for i in items) or _int(row.data.get("total"))
            year["out"] += amount
        else:
            continue
        if amount:
            year["ids"].append(row.id)
    out = []
    for year, sums in sorted(years.items()):
        if not sums["ids"]:
            continue
        out.append(({"year": year, "subsidy_received": sums["in"],
                     "subsidy_spent": sums["out"], "remainder": sums["in"] - sums["out"],
                     "overspent": sums["out"] - sums["in"], "year_closed": year < today.year},
                    tuple(sums["ids"])))
    return out


def _donation_cases(rules: Rules, registry: Registry, rows: list[Record]
                    ) -> list[tuple[dict[str, Any], tuple[int, ...]]]:
    titles = _account_titles(registry)
    out = []
    for row in rows:
        if row.data.get("kind") != "expense" or row.data.get("funding") != "donation":
            continue
        items = [i for i in (row.data.get("items") or []) if isinstance(i, dict)]
        bad = [i for i in items if i.get("account") in rules.excluded_accounts]
        out.append(({"resolved_on": str(row.data.get("resolved_on") or ""),
                     "record_id": row.id,
                     "excluded_amount": sum(_int(i.get("amount")) for i in bad),
                     "excluded_items": ", ".join(
                         titles.get(i.get("account"), str(i.get("account"))) for i in bad),
                     "total": _int(row.data.get("total"))}, (row.id,)))
    return out


def _account_titles(registry: Registry) -> dict[str, str]:
    form = registry.forms.get(RESOLUTION_FORM)
    try:
        account = form.schema["properties"]["items"]["items"]["properties"]["account"]
    except (AttributeError, KeyError, TypeError):
        return {}
    out: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            if "const" in node and "title" in node:
                out[str(node["const"])] = str(node["title"]).split(" > ")[-1]
            for value in node.values():
                walk(value)
        elif isinstance(node, list | tuple):
            for value in node:
                walk(value)
    walk(account)
    return out


def _format(template: str, figures: Mapping[str, Any]) -> str:
    try:
        return template.format(**figures)
    except (KeyError, ValueError, IndexError):
        return template


def check(session: Session, registry: Registry, facilities: list[Facility],
          today: dt.date) -> list[Flag]:
    """Every rule over every facility given; the flags, errors first."""
    rules = load()
    ids = [f.id for f in facilities]
    payrolls, resolutions = defaultdict(list), defaultdict(list)
    for row in _saved(session, ids, PAYROLL_FORM):
        payrolls[row.facility_id].append(row)
    for row in _saved(session, ids, RESOLUTION_FORM):
        resolutions[row.facility_id].append(row)
    flags: list[Flag] = []
    for facility in facilities:
        cases = {
            "payroll": _payroll_cases(rules, registry, facility, payrolls[facility.id]),
            "subsidy_year": _subsidy_cases(resolutions[facility.id], today),
            "resolution": _donation_cases(rules, registry, resolutions[facility.id]),
        }
        for rule in rules.rules:
            expression = compile_expression(rule.when, names=SOURCES[rule.source])
            for figures, record_ids in cases[rule.source]:
                value = expression.evaluate(figures, today=today)
                if isinstance(value, EvalError) or not value:
                    continue
                flags.append(Flag(rule, facility, _format(rule.evidence, figures), figures,
                                  record_ids))
    flags.sort(key=lambda f: (f.rule.level != "error", f.facility.region_code,
                              f.facility.name, f.rule.id))
    return flags


def region_check(session: Session, registry: Registry, roles: PublicRoles, actor: Actor,
                 today: dt.date, *, region: str = "") -> list[Flag]:
    statement = select(Facility)
    if not roles.national:
        statement = statement.where(Facility.region_code.in_(sorted(roles.regions)))
    if region:
        statement = statement.where(Facility.region_code == region)
    facilities = list(session.scalars(statement.order_by(Facility.region_code, Facility.name)))
    flags = check(session, registry, facilities, today)
    record_event(session, "compliance.check", actor, target_type="region",
                 detail={"regions": sorted(roles.regions) if not roles.national else "all",
                         "facilities": len(facilities), "flags": len(flags)})
    session.commit()
    return flags
