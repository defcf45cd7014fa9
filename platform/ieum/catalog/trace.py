"""Decision traces: one evaluation of a program for one household, explained and replayable.

A trace is plain JSON data (:func:`build_trace`):

- ``program``: code, name, version, legal basis and the SHA-256 of the whole definition;
- ``year``, ``survey_type`` and the ``inputs`` (the household's variables as evaluated);
- ``parameters``: each program parameter used, with its value, the year of that value (the
  dated version), the program version and its legal basis;
- ``standards``: the income engine's dated standards used (기준 중위소득 of the household size
  and year, the survey type's deduction and conversion rates) and their source;
- ``steps``: every derived value by name, with its Korean label, value, the formula that
  produced it (with the numbers of this household), the names it uses and its legal basis;
  the three program expressions (``threshold``, ``criteria``, ``benefit``) also carry their
  expression ``tree``: each sub-expression with its value;
- ``outcome``: eligible, benefit, 소득인정액, 선정기준액, share of the threshold.

Steps form a graph (``uses``); :func:`trace_tree` unfolds it into the tree an investigator
reads, from the outcome down to the inputs. :func:`replay` evaluates the trace's inputs again
under a definition and lists every difference, with why (:func:`compare_traces`).
"""

from __future__ import annotations

import ast
import copy
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ieum.catalog.definition import ProgramDefinition, to_mapping
from ieum.catalog.evaluate import Determination, EvaluationError, evaluate_household
from ieum.catalog.income import (
    INPUT_FIELDS,
    TIER_LABELS,
    household_size,
    parameters_for,
    region_tier,
    round_half_up,
    survey_type_for,
)
from ieum.catalog.texts import korean, shown
from ieum.catalog.variables import VARIABLE_INFO
from ieum.expressions import EvalError, compile_expression
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l

__all__ = [
    "TRACE_FORMAT", "Difference", "Replay", "build_trace", "canonical", "compare_traces",
    "definition_digest", "replay", "trace_digest", "trace_tree",
]

TRACE_FORMAT = 1
#: The legal basis of the income engine by survey type, when the program cites none.
INCOME_BASIS = {
    1: "국민기초생활 보장법 제6조의3 (소득인정액 = 소득평가액 + 재산의 소득환산액)",
    2: "사회보장급여 소득·재산 조사 표준화 방안 2유형 (차상위·한부모)",
    3: "사회보장급여 소득·재산 조사 표준화 방안 3유형 (기초연금)",
    4: "사회보장급여 소득·재산 조사 표준화 방안 4유형 (바우처·지자체 사업)",
}
#: Survey type 1 (국민기초생활 보장법): the article of each part of the income recognition.
_TYPE1_PARTS = {
    "evaluation": "국민기초생활 보장법 제6조의3제1항 (소득평가액), 같은 법 시행령 제5조의2 "
                  "(근로·사업소득 30% 공제)",
    "assets": "국민기초생활 보장법 제6조의3제2항 (재산의 소득환산액), 보건복지부 고시 "
              "(기본재산액·주거용재산 한도·소득환산율)",
}
_OUTCOME_KEYS = ("eligible", "benefit", "income_recognition", "threshold")
_EXTRA_LABELS = {
    "housing_counted": "주거용재산 (상한 적용)", "housing_excess": "주거용재산 상한 초과분",
    "general_total": "일반재산 (상한 초과분 포함)", "deduction": "공제액 (기본재산액 + 부채)",
    "housing_left": "주거용재산 공제 후 잔액", "general_left": "일반재산 공제 후 잔액",
    "financial_left": "금융재산 공제 후 잔액", "car_counted": "자동차 환산 대상 가액",
    "criteria": "선정기준 충족 여부", "benefit": "급여액",
}


def label_of(name: str) -> str:
    """The label of a variable, an intermediate value or a parameter name: a lazy text (its
    Korean as data, shown translated); a trace keeps ``korean(label_of(name))``."""
    if name in _EXTRA_LABELS:
        return _l(_EXTRA_LABELS[name])
    info = VARIABLE_INFO.get(name)
    return _l(info.label) if info is not None else name


def _ko(name: str) -> str:
    """The Korean label of ``name``, as a trace keeps it."""
    return korean(label_of(name))


# --- canonical form and digests -----------------------------------------------------------

def _plain(value: Any) -> Any:
    """Numbers as JSON keeps them: whole floats as ints (so a replay compares equal)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 2 ** 53:
            return int(value)
        return value
    if hasattr(value, "item"):  # NumPy scalars
        return _plain(value.item())
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def canonical(data: Any) -> bytes:
    """The canonical UTF-8 JSON of ``data`` (sorted keys, no spaces): what is hashed."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def trace_digest(trace: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(trace)).hexdigest()


def definition_digest(definition: ProgramDefinition) -> str:
    return hashlib.sha256(canonical(_plain(to_mapping(definition)))).hexdigest()


# --- building -----------------------------------------------------------------------------

def _won(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _percent(rate: float) -> str:
    return f"{rate * 100:g}%"


def _expression_tree(node: ast.expr, env: Mapping[str, Any]) -> dict[str, Any] | None:
    """Each sub-expression with its value; names are leaves (their values are in the trace);
    only the branch a conditional took is followed."""
    if isinstance(node, ast.Name):
        return {"name": node.id}
    if isinstance(node, ast.Constant):
        return None
    text = ast.unparse(node)
    value = compile_expression(text).evaluate(env)
    if isinstance(value, EvalError):
        return {"formula": text, "error": value.message}
    children: list[ast.expr]
    if isinstance(node, ast.IfExp):
        test = compile_expression(ast.unparse(node.test)).evaluate(env)
        children = [node.test, node.body if test else node.orelse]
    elif isinstance(node, ast.BoolOp):
        children = []
        for operand in node.values:
            children.append(operand)
            result = compile_expression(ast.unparse(operand)).evaluate(env)
            if bool(result) is isinstance(node.op, ast.Or):
                break
    elif isinstance(node, ast.BinOp):
        children = [node.left, node.right]
    elif isinstance(node, ast.UnaryOp):
        children = [node.operand]
    elif isinstance(node, ast.Compare):
        children = [node.left, *node.comparators]
    elif isinstance(node, ast.Call):
        children = list(node.args)
    else:
        children = []
    built = [tree for tree in (_expression_tree(child, env) for child in children) if tree]
    result: dict[str, Any] = {"formula": text, "value": _plain(value)}
    if built:
        result["children"] = built
    return result


def _step(steps: dict[str, Any], name: str, value: Any, formula: str, uses: list[str],
          citation: str, label: str | None = None) -> None:
    steps[name] = {"label": korean(label) if label else _ko(name), "value": _plain(value),
                   "formula": formula, "uses": uses, "citation": citation}


def _income_steps(definition: ProgramDefinition, inputs: Mapping[str, Any], year: int,
                  determination: Determination) -> tuple[dict[str, Any], dict[str, Any]]:
    """The income engine's steps (with every intermediate value) and its dated standards.
    The values are re-derived for the explanation and checked against the engine's."""
    rules = survey_type_for(year, definition.survey_type)
    tier, size = inputs["region"], inputs["size"]
    breakdown = determination.breakdown
    basis = definition.citation("income_recognition") or INCOME_BASIS[definition.survey_type]
    if definition.survey_type == 1:
        income_basis, asset_basis = _TYPE1_PARTS["evaluation"], _TYPE1_PARTS["assets"]
    else:
        income_basis = asset_basis = f"{INCOME_BASIS[definition.survey_type]}: {rules.note}"
    year_source = parameters_for(year).source
    rates = (f"주거용 {_percent(rules.housing_rate)}, 일반 {_percent(rules.general_rate)}, "
             f"금융 {_percent(rules.financial_rate)}, 자동차 {_percent(rules.car_rate)}")
    standards = {
        "median_income": {"size": size, "year": year, "value": breakdown.median_income,
                          "source": year_source},
        "survey_type": {"number": rules.number, "label": rules.label,
                        "income_share": rules.income_share,
                        "base_assets": rules.base_for(tier), "housing_cap": rules.cap_for(tier),
                        "rates": [rules.housing_rate, rules.general_rate,
                                  rules.financial_rate, rules.car_rate],
                        "source": rules.note},
    }
    steps: dict[str, Any] = {}
    share = rules.income_share
    evaluation = breakdown.income_evaluation
    _step(steps, "income_evaluation", evaluation,
          f"round_half_up((근로소득 {_won(inputs['earned_income'])} + 사업소득 "
          f"{_won(inputs['business_income'])}) × {share:g} + 기타소득 "
          f"{_won(inputs['other_income'])})",
          ["earned_income", "business_income", "other_income"],
          income_basis)
    _step(steps, "median_income", breakdown.median_income,
          f"기준 중위소득 ({size}인 가구, {year}년)", ["size", "year"],
          " · ".join(dict.fromkeys(p for p in (
              year_source, (definition.citations.get("years") or {}).get(str(year), "")) if p)))
    conversions: dict[str, int] = {}
    if rules.converts_assets:
        cap = rules.cap_for(tier)
        housing = inputs["housing_assets"]
        counted = min(housing, cap) if cap is not None else housing
        excess = housing - counted
        general_total = inputs["general_assets"] + excess
        base = rules.base_for(tier)
        tier_label = korean(TIER_LABELS[tier])
        _step(steps, "base_assets", base, f"기본재산액 ({tier_label}, {rules.label})",
              ["region"], asset_basis)
        _step(steps, "housing_counted", counted,
              f"min(주거용재산 {_won(housing)}, 상한 {_won(cap)})" if cap is not None
              else f"주거용재산 {_won(housing)} (상한 없음)", ["housing_assets", "region"],
              asset_basis)
        _step(steps, "general_total", general_total,
              f"일반재산 {_won(inputs['general_assets'])} + 주거용재산 상한 초과분 "
              f"{_won(excess)}", ["general_assets", "housing_assets"], asset_basis)
        deduction = base + inputs["debts"]
        _step(steps, "deduction", deduction,
              f"기본재산액 {_won(base)} + 부채 {_won(inputs['debts'])}",
              ["base_assets", "debts"], f"{asset_basis} — 주거용, 일반, 금융재산 순으로 공제")
        remaining = deduction
        for name, amount, source in (("housing", counted, "housing_counted"),
                                     ("general", general_total, "general_total"),
                                     ("financial", inputs["financial_assets"],
                                      "financial_assets")):
            left = max(amount - remaining, 0)
            _step(steps, f"{name}_left", left,
                  f"max({_ko(source)} {_won(amount)} - 남은 공제액 {_won(remaining)}, 0)",
                  [source, "deduction"], asset_basis)
            remaining = max(remaining - amount, 0)
            rate = rules.rate(name)
            conversions[name] = round_half_up(left * rate)
            _step(steps, f"{name}_conversion", conversions[name],
                  f"round_half_up({_ko(name + '_left')} {_won(left)} × {_percent(rate)})",
                  [f"{name}_left"], f"{asset_basis} — 월 환산율 {rates}")
        car = 0 if inputs["car_exempt"] else inputs["car_value"]
        conversions["car"] = round_half_up(car * rules.car_rate)
        formula = (f"자동차 {_won(inputs['car_value'])}: 장애인·생업용 환산 제외"
                   if inputs["car_exempt"] and inputs["car_value"]
                   else f"round_half_up(자동차 {_won(car)} × {_percent(rules.car_rate)})")
        _step(steps, "car_conversion", conversions["car"], formula,
              ["car_value", "car_exempt"], f"{asset_basis} — 월 환산율 {rates}")
        _step(steps, "asset_conversion", sum(conversions.values()),
              " + ".join(f"{_ko(n + '_conversion')} {_won(conversions[n])}"
                         for n in ("housing", "general", "financial", "car")),
              ["housing_conversion", "general_conversion", "financial_conversion",
               "car_conversion"], asset_basis)
    else:
        _step(steps, "asset_conversion", 0, f"{rules.label}: 재산의 소득환산 없음", [],
              asset_basis)
    _step(steps, "income_recognition", evaluation + steps["asset_conversion"]["value"],
          f"소득평가액 {_won(evaluation)} + 재산의 소득환산액 "
          f"{_won(steps['asset_conversion']['value'])}", ["income_evaluation", "asset_conversion"],
          basis)
    derived = breakdown.variables()
    if any(steps[name]["value"] != derived[name] for name in derived if name in steps):
        # the explanation re-derives the engine's amounts; they must agree
        raise EvaluationError(_("소득 계산 설명이 계산 엔진과 다릅니다. 관리자에게 알리세요."))
    return steps, standards


def normalised_inputs(household: Mapping[str, Any]) -> dict[str, Any]:
    """The household's input variables as the evaluation reads them: whole amounts as ints,
    the region as its tier, ``car_exempt`` as 0/1, missing amounts as 0."""
    try:
        size = household_size(household)
        tier = region_tier(household.get("region"))
    except ValueError as error:
        raise EvaluationError(getattr(error, "message", str(error))) from None
    inputs: dict[str, Any] = {"size": size, "region": tier}
    for name in INPUT_FIELDS:
        value = household.get(name) or 0
        inputs[name] = (1 if value else 0) if name == "car_exempt" else _plain(value)
    return inputs


def _names(node: Mapping[str, Any] | None) -> list[str]:
    if not node:
        return []
    if "name" in node:
        return [node["name"]]
    found: list[str] = []
    for child in node.get("children", []):
        for name in _names(child):
            if name not in found:
                found.append(name)
    return found


def build_trace(definition: ProgramDefinition, household: Mapping[str, Any],
                year: int | None = None) -> dict[str, Any]:
    """The trace of evaluating ``definition`` for ``household`` in ``year`` (default: the
    program's latest year). Raises :class:`EvaluationError` like the evaluation."""
    year = definition.latest_year if year is None else int(year)
    inputs = normalised_inputs(household)
    determination = evaluate_household(definition, inputs, year)
    steps, standards = _income_steps(definition, inputs, year, determination)
    parameters = definition.parameters_for(year)
    env: dict[str, Any] = {**inputs, "year": year, **determination.breakdown.variables(),
                           **parameters}
    for kind in ("threshold", "criteria", "benefit"):
        if kind == "benefit" and not determination.eligible:
            value: Any = 0
            tree = None
        else:
            source = definition.expression(kind)
            tree = _expression_tree(ast.parse(source, mode="eval").body, env)
            value = compile_expression(source).evaluate(env)
        if kind == "threshold":
            env["threshold"] = value
        label = {"threshold": "선정기준액", "criteria": "선정기준 충족 여부",
                 "benefit": "급여액"}[kind]
        uses = _names(tree) if tree else []
        _step(steps, kind, value, definition.expression(kind), uses,
              definition.citation(kind), label)
        if tree is not None:
            steps[kind]["tree"] = tree
        else:
            steps[kind]["formula"] = f"{definition.expression(kind)} (선정되지 않아 계산하지 않음)"
    used = {name for step in steps.values() for name in step["uses"]}
    trace = {
        "format": TRACE_FORMAT,
        "program": {"code": definition.code, "name": definition.name,
                    "version": definition.version, "legal_basis": definition.legal_basis,
                    "survey_type": definition.survey_type,
                    "auto_decide_share": definition.auto_decide_share,
                    "definition_sha256": definition_digest(definition)},
        "year": year,
        "inputs": inputs,
        "parameters": {name: {"value": _plain(value), "year": year,
                              "program_version": definition.version,
                              "citation": definition.parameter_citation(name, year)}
                       for name, value in sorted(parameters.items()) if name in used},
        "standards": standards,
        "steps": steps,
        "outcome": {"eligible": determination.eligible,
                    "benefit": _plain(determination.benefit),
                    "income_recognition": determination.income_recognition,
                    "threshold": _plain(determination.threshold),
                    "share_of_threshold": determination.share_of_threshold,
                    "auto_decidable": determination.auto_decidable},
    }
    return _plain(trace)


# --- the tree an investigator reads ----------------------------------------------------------

def _leaf_value(trace: Mapping[str, Any], name: str) -> Any:
    if name in trace["steps"]:
        return trace["steps"][name]["value"]
    if name in trace["parameters"]:
        return trace["parameters"][name]["value"]
    if name == "year":
        return trace["year"]
    return trace["inputs"].get(name)


def trace_tree(trace: Mapping[str, Any], root: str = "criteria") -> dict[str, Any]:
    """The node of ``root`` (a step) unfolded: ``label``, ``name``, ``value``, ``formula``,
    ``citation``, ``kind`` (``step``, ``parameter``, ``input``) and ``children``. A step met
    again further down is shown once more without its children (``repeated``).

    For display: labels are in the request's language; a step's formula and the citations
    are shown as the trace keeps them (formulas hold this household's figures, citations are
    legal text)."""
    seen: set[str] = set()

    def node(name: str) -> dict[str, Any]:
        if name in trace["steps"]:
            step = trace["steps"][name]
            result = {"name": name, "label": shown(step["label"]), "value": step["value"],
                      "formula": step["formula"], "citation": step["citation"],
                      "kind": "step", "children": []}
            if name in seen:
                result["repeated"] = True
                return result
            seen.add(name)
            if "tree" in step:
                result["expression"] = step["tree"]
            result["children"] = [node(used) for used in step["uses"]]
            return result
        if name in trace["parameters"]:
            parameter = trace["parameters"][name]
            return {"name": name, "label": _("매개변수"), "value": parameter["value"],
                    "formula": _("%(year)s년 매개변수 (사업 v%(version)s)",
                                 year=parameter["year"], version=parameter["program_version"]),
                    "citation": parameter["citation"], "kind": "parameter", "children": []}
        return {"name": name, "label": label_of(name), "value": _leaf_value(trace, name),
                "formula": _("신청서 입력값") if name != "year" else _("결정 기준 연도"),
                "citation": "", "kind": "input", "children": []}

    top = node(root)
    if root == "criteria":
        benefit = node("benefit")
        return {"name": "outcome", "label": _("결정"), "kind": "outcome",
                "value": _("적합") if trace["outcome"]["eligible"] else _("부적합"),
                "formula": _("선정기준을 충족하면 적합, 급여액 지급"),
                "citation": trace["program"]["legal_basis"], "children": [top, benefit]}
    return top


# --- replay and comparison ---------------------------------------------------------------

@dataclass(frozen=True)
class Difference:
    """One way two traces differ: ``kind`` is ``outcome``, ``program``, ``expression``,
    ``parameter``, ``standard`` or ``step``; ``label`` is Korean."""

    kind: str
    name: str
    label: str
    before: Any
    after: Any
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "label": self.label,
                "before": self.before, "after": self.after, "note": self.note}


@dataclass(frozen=True)
class Replay:
    """The recorded trace evaluated again: ``identical`` when nothing differs. ``causes``
    are the differences of rules (program, expressions, parameters, standards), ``effects``
    those of values (steps, outcome)."""

    recorded: Mapping[str, Any]
    replayed: Mapping[str, Any]
    differences: tuple[Difference, ...] = field(default_factory=tuple)
    error: str = ""

    @property
    def identical(self) -> bool:
        return not self.differences and not self.error

    @property
    def same_outcome(self) -> bool:
        if self.error:
            return False
        return all(self.recorded["outcome"][k] == self.replayed["outcome"][k]
                   for k in ("eligible", "benefit"))

    @property
    def causes(self) -> list[Difference]:
        return [d for d in self.differences if d.kind not in ("step", "outcome")]

    @property
    def effects(self) -> list[Difference]:
        return [d for d in self.differences if d.kind in ("step", "outcome")]

    def summary(self) -> str:
        """The replay in one sentence, in the request's language."""
        if self.error:
            return _("다시 계산할 수 없습니다: %(error)s", error=self.error)
        if self.identical:
            return _("기록과 같은 결과입니다 (모든 값과 근거가 일치)")
        if self.same_outcome:
            return _("결정은 같고 %(n)s곳이 다릅니다", n=len(self.differences))
        before = _("적합") if self.recorded["outcome"]["eligible"] else _("부적합")
        after = _("적합") if self.replayed["outcome"]["eligible"] else _("부적합")
        return _("결정이 달라집니다: %(before)s %(before_benefit)s → %(after)s %(after_benefit)s",
                 before=before, before_benefit=_won_text(self.recorded["outcome"]["benefit"]),
                 after=after, after_benefit=_won_text(self.replayed["outcome"]["benefit"]))

    def to_json(self) -> dict[str, Any]:
        return {"identical": self.identical, "same_outcome": self.same_outcome,
                "summary": self.summary(), "error": self.error,
                "recorded_outcome": dict(self.recorded["outcome"]),
                "replayed_outcome": dict(self.replayed.get("outcome") or {}),
                "replayed_year": self.replayed.get("year"),
                "replayed_version": (self.replayed.get("program") or {}).get("version"),
                "differences": [d.to_json() for d in self.differences]}


def _won_text(value: Any) -> str:
    return _("%(amount)s원", amount=f"{value:,}") \
        if isinstance(value, int | float) and not isinstance(value, bool) else str(value)


def compare_traces(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Difference]:
    """Every difference of rules and values between two traces of the same inputs (labels and
    notes in the request's language: a comparison is shown, never stored)."""
    found: list[Difference] = []
    program_a, program_b = before["program"], after["program"]
    if program_a["version"] != program_b["version"]:
        found.append(Difference("program", "version", _("사업 버전"), program_a["version"],
                                program_b["version"]))
    elif program_a["definition_sha256"] != program_b["definition_sha256"]:
        found.append(Difference("program", "definition",
                                _("사업 정의 (같은 버전인데 내용이 다름)"),
                                program_a["definition_sha256"][:12],
                                program_b["definition_sha256"][:12]))
    if before["year"] != after["year"]:
        found.append(Difference("program", "year", _("기준 연도"), before["year"],
                                after["year"]))
    for kind in ("threshold", "criteria", "benefit"):
        a = before["steps"][kind]["formula"].split(" (선정되지 않아")[0]
        b = after["steps"][kind]["formula"].split(" (선정되지 않아")[0]
        if a != b:
            found.append(Difference("expression", kind,
                                    _("%(label)s 식", label=shown(before["steps"][kind]["label"])),
                                    a, b))
    names = sorted(set(before["parameters"]) | set(after["parameters"]))
    for name in names:
        a = before["parameters"].get(name)
        b = after["parameters"].get(name)
        if (a or {}).get("value") != (b or {}).get("value"):
            note = ""
            if a and b:
                note = _("%(year_a)s년·v%(version_a)s → %(year_b)s년·v%(version_b)s",
                         year_a=a["year"], version_a=a["program_version"],
                         year_b=b["year"], version_b=b["program_version"])
            found.append(Difference("parameter", name, _("매개변수 %(name)s", name=name),
                                    (a or {}).get("value"), (b or {}).get("value"), note))
    for key, label in (("median_income", _("기준 중위소득")),
                       ("survey_type", _("조사 유형 기준"))):
        a, b = before["standards"].get(key), after["standards"].get(key)
        if a != b:
            value_a = a.get("value", a) if isinstance(a, Mapping) else a
            value_b = b.get("value", b) if isinstance(b, Mapping) else b
            note = ""
            if key == "median_income" and isinstance(a, Mapping) and isinstance(b, Mapping):
                note = _("%(year_a)s년 (%(source_a)s) → %(year_b)s년 (%(source_b)s)",
                         year_a=a["year"], source_a=a["source"], year_b=b["year"],
                         source_b=b["source"])
            found.append(Difference("standard", key, label, value_a, value_b, note))
    for name in before["steps"]:
        if name in after["steps"] and before["steps"][name]["value"] != \
                after["steps"][name]["value"]:
            found.append(Difference("step", name, shown(before["steps"][name]["label"]),
                                    before["steps"][name]["value"],
                                    after["steps"][name]["value"]))
        elif name in after["steps"] and before["steps"][name]["citation"] != \
                after["steps"][name]["citation"]:
            found.append(Difference("program", f"citation.{name}",
                                    _("%(label)s의 근거",
                                      label=shown(before["steps"][name]["label"])),
                                    before["steps"][name]["citation"],
                                    after["steps"][name]["citation"]))
    for key in _OUTCOME_KEYS:
        if before["outcome"][key] != after["outcome"][key]:
            label = {"eligible": _("결정"), "benefit": _("급여액"),
                     "income_recognition": _("소득인정액"), "threshold": _("선정기준액")}[key]
            found.append(Difference("outcome", key, label, before["outcome"][key],
                                    after["outcome"][key]))
    if before["inputs"] != after["inputs"]:
        found.append(Difference("program", "inputs", _("입력값"), before["inputs"],
                                after["inputs"]))
    return found


def replay(trace: Mapping[str, Any], definition: ProgramDefinition,
           year: int | None = None) -> Replay:
    """Evaluate the trace's inputs again under ``definition`` in ``year`` (default: the
    trace's year) and compare. With the definition the trace was made with, a replay is
    identical; with today's rules it says what differs and why."""
    year = trace["year"] if year is None else int(year)
    recorded = copy.deepcopy(dict(trace))
    recorded.pop("decision", None)
    try:
        again = build_trace(definition, trace["inputs"], year)
    except (EvaluationError, ValueError) as error:
        return Replay(recorded, {}, (), getattr(error, "message", str(error)))
    return Replay(recorded, again, tuple(compare_traces(recorded, again)))


def evaluation_part(trace: Mapping[str, Any]) -> dict[str, Any]:
    """The trace without the decision (what a replay reproduces)."""
    return {key: value for key, value in trace.items() if key != "decision"}
