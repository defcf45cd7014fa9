"""Program definitions: one welfare program of the open-market catalog, parsed and checked.

A program is a mapping (a YAML file in ``programs/``, a studio form, an upload) validated by
one function, :func:`parse_program`, so every way in gives the same Korean errors: the
meta-schema ``definitions/schemas/program.schema.json``, then the expressions (criteria,
benefit, threshold) against the standard household variables and the program's own
parameters, then the annex form (별지) as a platform form.

The engine names no procedure: a program names its BPMN process (``process_id``), and one that
names none runs the first of the ``procedures`` the catalog's settings file lists
(``programs/catalog.json``, meta-schema ``definitions/schemas/catalog.schema.json``).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from ieum.catalog.income import YEARS
from ieum.catalog.variables import (
    VARIABLE_INFO,
    VARIABLES,
    Variable,
    sample_columns,
)
from ieum.definitions.files import UniqueKeyLoader
from ieum.definitions.metaschemas import content_problems, json_schema_problems, schema_problems
from ieum.definitions.problems import Problem
from ieum.expressions import FUNCTIONS, ExpressionError, check_expression, compile_expression
from ieum.expressions.korean import Rule, korean
from ieum.expressions.vector import kind_of
from ieum.forms.messages import message_for
from ieum.i18n import current_language, josa
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l

__all__ = [
    "BENEFIT_TYPES", "DEFAULT_AUTO_DECIDE_SHARE", "DEFAULT_THRESHOLD", "DELIVERY_CYCLES",
    "EXPRESSION_KINDS", "SURVEY_TYPE_LABELS", "VARIABLES", "VARIABLE_INFO", "ProgramDefinition",
    "ProgramError", "Variable", "catalog_procedures", "check_expression_text",
    "check_program_files", "common_application", "default_procedure", "expression_names",
    "catalog_appeal", "load_program_file", "missing_citations", "parse_program",
    "parse_program_text", "programs_root", "shipped_programs", "to_mapping",
]

DEFAULT_THRESHOLD = "round_half_up(median_income * threshold_share)"
DEFAULT_AUTO_DECIDE_SHARE = 0.65
# The titles below are lazy texts: Korean as data, shown in the request's language.
BENEFIT_TYPES: Mapping[str, str] = {
    "cash": _l("현금급여"), "in_kind": _l("현물급여"), "voucher": _l("바우처"),
    "service": _l("서비스"),
}
DELIVERY_CYCLES: Mapping[str, str] = {"monthly": _l("매월"), "yearly": _l("매년"),
                                      "once": _l("1회")}
SURVEY_TYPE_LABELS: Mapping[int, str] = {
    1: _l("1유형 (기초생활보장)"), 2: _l("2유형 (차상위·한부모)"), 3: _l("3유형 (기초연금)"),
    4: _l("4유형 (바우처·지자체 사업)"),
}
#: The expressions of a program: what each must give, in Korean.
EXPRESSION_KINDS: Mapping[str, str] = {
    "criteria": _l("선정기준 (참/거짓)"), "benefit": _l("급여액 (원, 1회 지급분)"),
    "threshold": _l("선정기준액 (원/월)"),
}
COMMON_APPLICATION_FILE = "common_application.json"
#: The catalog's settings in the programs folder (not a program: programs are ``*.yaml``).
CATALOG_FILE = "catalog.json"
_REPOSITORY_PROGRAMS = Path(__file__).resolve().parents[3] / "programs"
_FIELD_ORDER = (
    "code", "name", "version", "owner", "target_group", "legal_basis", "survey_type",
    "benefit_type", "delivery_cycle", "description", "criteria", "benefit", "threshold",
    "parameters", "annex_form", "process_id", "auto_decide_share", "citations", "appeal",
)
#: What a program cites (``citations``): the three expressions and the income recognition.
CITED_STEPS: Mapping[str, str] = {
    "criteria": _l("선정기준"), "threshold": _l("선정기준액"), "benefit": _l("급여액"),
    "income_recognition": _l("소득인정액"),
}


class ProgramError(ValueError):
    """A program definition that cannot be used. ``problems`` lists every problem as
    ``(path, korean_message)``; the path is a dotted location such as ``criteria`` or
    ``parameters.2026.threshold_share`` (empty for the whole definition)."""

    def __init__(self, problems: Iterable[tuple[str, str]]) -> None:
        self.problems: list[tuple[str, str]] = list(problems)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return "\n".join(f"{path}: {text}" if path else text for path, text in self.problems)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class ProgramDefinition:
    """One version of a welfare program. Build it with :func:`parse_program`.

    ``parameters`` are dated: ``{2026: {"threshold_share": 0.32}}``; every year names the same
    parameters, which expressions read as plain names. ``annex_form`` is the JSON Schema (a
    platform form) of the program's 별지; the common 신청서 section is :func:`common_application`.
    Mappings are plain dicts for easy serialisation: treat them as read-only.
    """

    code: str
    name: str
    version: int
    owner: str
    target_group: tuple[str, ...]
    legal_basis: str
    survey_type: int
    benefit_type: str
    delivery_cycle: str
    criteria: str
    benefit: str
    parameters: dict[int, dict[str, float]]
    annex_form: dict[str, Any]
    threshold: str = DEFAULT_THRESHOLD
    process_id: str = ""
    auto_decide_share: float = DEFAULT_AUTO_DECIDE_SHARE
    description: str = ""
    extensions: dict[str, Any] = field(default_factory=dict)
    #: The legal basis of each step: ``criteria``, ``benefit``, ``threshold``,
    #: ``income_recognition`` (text), ``parameters`` (name -> text) and ``years``
    #: (year -> the notice that set that year's parameters).
    citations: dict[str, Any] = field(default_factory=dict)
    #: 이의신청 guidance of the program's decision notices (``within_days``, ``to``, ``how``,
    #: ``basis``, ``further``); empty: the catalog's default (``programs/catalog.json``).
    appeal: dict[str, Any] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.code, self.version))

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted(self.parameters))

    @property
    def latest_year(self) -> int:
        return self.years[-1]

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(sorted(self.parameters[self.latest_year]))

    def parameters_for(self, year: int | None = None) -> dict[str, float]:
        """The parameters of ``year`` (default: the latest year); :class:`ProgramError` when
        the program has none for that year."""
        year = self.latest_year if year is None else year
        if year not in self.parameters:
            known = ", ".join(str(y) for y in self.years)
            raise ProgramError([("parameters", _("%(year)s년 매개변수가 없습니다 (정한 연도: "
                                                "%(known)s)", year=year, known=known))])
        return self.parameters[year]

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code} v{self.version})"

    def expression(self, kind: str) -> str:
        return {"criteria": self.criteria, "benefit": self.benefit,
                "threshold": self.threshold}[kind]

    def citation(self, step: str) -> str:
        """The legal basis the program gives for ``step`` (``criteria``, ``benefit``,
        ``threshold``, ``income_recognition``), else ``legal_basis`` for the expressions and
        ``""`` otherwise."""
        text = self.citations.get(step)
        if isinstance(text, str) and text:
            return text
        return self.legal_basis if step in EXPRESSION_KINDS else ""

    def parameter_citation(self, name: str, year: int) -> str:
        """The basis of parameter ``name`` in ``year``: its own citation and the notice that
        set the year's values, as far as the program gives them."""
        own = (self.citations.get("parameters") or {}).get(name, "")
        notice = (self.citations.get("years") or {}).get(str(year), "")
        return " · ".join(part for part in (own, notice) if part)

    def variables_used(self) -> frozenset[str]:
        """The standard variables the criteria, benefit and threshold read (no parameters)."""
        names: set[str] = set()
        for kind in EXPRESSION_KINDS:
            names |= compile_expression(self.expression(kind)).names
        return frozenset(names & set(VARIABLE_INFO))


# the meta-schema


@cache
def _validator() -> Draft202012Validator:
    text = (resources.files("ieum.definitions") / "schemas" / "program.schema.json").read_text(
        encoding="utf-8")
    return Draft202012Validator(json.loads(text))


def _dotted(parts: Iterable[Any]) -> str:
    return ".".join(str(part) for part in parts)


def _schema_problems(instance: Any) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for error in sorted(_validator().iter_errors(instance), key=lambda e: list(map(str, e.path))):
        problems.extend(_schema_problem(error))
    return problems


def _schema_problem(error: ValidationError) -> list[tuple[str, str]]:
    path = list(error.absolute_path)
    if error.validator == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        return [(_dotted([*path, name]), _("필수 입력 항목입니다"))
                for name in error.validator_value if name not in present]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        patterns = [re.compile(p) for p in error.schema.get("patternProperties", {})]
        extra = [key for key in error.instance if key not in allowed
                 and not any(p.search(str(key)) for p in patterns)]
        return [(_dotted([*path, key]), _("정의할 수 없는 항목입니다")) for key in extra]
    if "propertyNames" in error.schema_path:
        where = _dotted(path)
        if where == "parameters":
            return [(where, _("연도는 네 자리 숫자여야 합니다: %(value)s",
                               value=repr(error.instance)))]
        return [(where, _("매개변수 이름은 영문 소문자로 시작하고 영문 소문자·숫자·_만 쓸 수 "
                          "있습니다: %(value)s", value=repr(error.instance)))]
    name = path[0] if path else ""
    if error.validator == "pattern" and name == "code":
        return [("code", _("사업 코드는 영문 소문자·숫자와 '-'로 씁니다 (예: livelihood-2026)"))]
    if error.validator in ("pattern", "minLength") and name in EXPRESSION_KINDS:
        return [(name, _("식이 비어 있습니다"))]
    if error.validator == "minProperties" and name == "parameters":
        return [("parameters", _("연도별 매개변수를 하나 이상 정해야 합니다"))]
    if error.validator == "minItems" and name == "target_group":
        return [("target_group", _("지원 대상을 하나 이상 정해야 합니다"))]
    return [(_dotted(path), message_for(error))]


# expressions


_FUNCTION_RULES: tuple[Rule, ...] = (
    (re.compile(r"^function '([^']+)' is not allowed.*$"),
     lambda m: _("쓸 수 없는 함수입니다: %(name)s (쓸 수 있는 함수: %(allowed)s)",
                 name=m.group(1),
                 allowed=", ".join(name for name, f in FUNCTIONS.items() if f.vector))),
)
_VECTOR = re.compile(r"^(.*) is not available in vector evaluation$")
_VECTOR_WHAT = (
    (re.compile(r"^function '(\w+)'( of one list)?$"), _l("%(0)s() 함수")),
    (re.compile(r"^a subscript.*"), _l("항목 꺼내기 x[...]")),
    (re.compile(r"^an? (list|tuple|set|dict).*"), _l("목록·묶음 값")),
)


def _vector_problem(message: str) -> str:
    match = _VECTOR.match(message)
    what = match.group(1) if match else message
    for pattern, text in _VECTOR_WHAT:
        found = pattern.match(what)
        if found:
            what = _(text.message, **{"0": found.group(1)}) if found.groups() \
                else str(text)
            break
    return _("시뮬레이션(일괄 계산)에서 쓸 수 없는 식입니다: %(what)s", what=what)


def korean_problem(message: str) -> str:
    """The Korean form of a problem the expression checker reports (in English); in English,
    the checker's own words."""
    if current_language() != "ko":
        return message
    return korean(message, _FUNCTION_RULES)


def expression_names(kind: str, parameters: Iterable[str] = ()) -> frozenset[str]:
    """The names an expression of ``kind`` may read: the standard variables (``threshold``
    not in the threshold itself) and the program's parameters."""
    names = set(VARIABLE_INFO) | set(parameters)
    if kind == "threshold":
        names.discard("threshold")
    return frozenset(names)


def check_expression_text(text: str, kind: str, parameters: Iterable[str] = ()) -> list[str]:
    """Every problem of the expression ``text`` used as ``kind`` (``criteria``, ``benefit`` or
    ``threshold``), in Korean, empty when it is fine: syntax, unknown variables (``parameters``
    are the program's parameter names), what simulation cannot compute, and the kind of
    result (criteria must give true/false, the others an amount). For live checking."""
    if kind not in EXPRESSION_KINDS:
        raise ValueError(f"unknown expression kind {kind!r}")
    parameters = tuple(parameters)
    if not isinstance(text, str) or not text.strip():
        return [_("식이 비어 있습니다")]
    problems = [korean_problem(message) for message in check_expression(text)]
    if problems:
        return problems
    expression = compile_expression(text)
    allowed = expression_names(kind, parameters)
    unknown = sorted(expression.names - allowed)
    if unknown:
        messages = []
        for name in unknown:
            if name in FUNCTIONS:
                messages.append(_("함수는 호출해야 합니다: %(name)s(...)", name=name))
            elif name == "threshold" and kind == "threshold":
                messages.append(_("선정기준액 식에서 threshold 자신을 쓸 수 없습니다"))
            else:
                messages.append(_("알 수 없는 변수입니다: %(name)s", name=name))
        return messages
    columns = sample_columns(dict.fromkeys(parameters, 0.5))
    try:
        result = expression.evaluate_vector(columns, length=1)
    except ExpressionError as error:
        return [_vector_problem(error.message)]
    produced = kind_of(result.values)
    if kind == "criteria" and produced != "bool":
        return [_("선정기준 식의 결과는 참/거짓이어야 합니다 "
                  "(예: income_recognition <= threshold)")]
    if kind != "criteria" and produced not in ("int", "float"):
        return [_("%(kind)s 식의 결과는 숫자(원)여야 합니다", kind=EXPRESSION_KINDS[kind])]
    return []


# parsing


def _normalised(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy with year keys of ``parameters`` as text (YAML gives numbers)."""
    data = copy.deepcopy(dict(mapping))
    parameters = data.get("parameters")
    if isinstance(parameters, Mapping):
        data["parameters"] = {str(year): (dict(values) if isinstance(values, Mapping) else values)
                              for year, values in parameters.items()}
    citations = data.get("citations")
    if isinstance(citations, Mapping) and isinstance(citations.get("years"), Mapping):
        data["citations"] = {**citations,
                             "years": {str(y): v for y, v in citations["years"].items()}}
    return data


def _citation_problems(citations: Mapping[str, Any], names: Iterable[str],
                       years: Iterable[str]) -> list[tuple[str, str]]:
    """Citations of parameters or years the program does not have."""
    problems: list[tuple[str, str]] = []
    names, years = set(names), set(years)
    for name in sorted(citations.get("parameters") or {}):
        if name not in names:
            problems.append((f"citations.parameters.{name}",
                             _("정하지 않은 매개변수의 근거입니다: %(name)s", name=name)))
    for year in sorted(citations.get("years") or {}):
        if year not in years:
            problems.append((f"citations.years.{year}",
                             _("매개변수를 정하지 않은 연도의 근거입니다: %(year)s", year=year)))
    return problems


def missing_citations(definition: ProgramDefinition) -> list[tuple[str, str]]:
    """What the program leaves uncited (``ieum check`` requires citations of the program
    files): the three expressions, the income recognition, every parameter and year."""
    problems: list[tuple[str, str]] = []
    for step, label in CITED_STEPS.items():
        if not definition.citations.get(step):
            problems.append((f"citations.{step}",
                             _("%(label)s의 법적 근거(citations.%(step)s)를 적어야 합니다 "
                               "(예: 근거: 국민기초생활 보장법 제8조)", label=label, step=step)))
    cited = definition.citations.get("parameters") or {}
    for name in definition.parameter_names:
        if not cited.get(name):
            problems.append((f"citations.parameters.{name}",
                             _("매개변수 %(name)s의 근거(citations.parameters.%(name)s)를 "
                               "적어야 합니다", name=name)))
    notices = definition.citations.get("years") or {}
    for year in definition.years:
        if not notices.get(str(year)):
            problems.append((f"citations.years.{year}",
                             _("%(year)s년 매개변수를 정한 근거(고시 등)를 적어야 합니다",
                               year=year)))
    return problems


def _parameter_problems(parameters: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    years = sorted(parameters)
    known = ", ".join(str(y) for y in YEARS)
    for year in years:
        if int(year) not in YEARS:
            problems.append((f"parameters.{year}", _("%(year)s년 기준(기준 중위소득 등)이 아직 "
                                                     "없습니다 (있는 연도: %(known)s)",
                                                     year=year, known=known)))
    names = [set(parameters[year]) for year in years]
    everything = set().union(*names) if names else set()
    for year, own in zip(years, names, strict=True):
        for missing in sorted(everything - own):
            problems.append((f"parameters.{year}.{missing}",
                             _("연도마다 같은 매개변수를 정해야 합니다: %(year)s년에 "
                               "%(name)s 없습니다", year=year, name=josa(missing, "이"))))
    for name in sorted(everything):
        where = f"parameters.{years[-1]}.{name}" if years else "parameters"
        if name in VARIABLE_INFO:
            problems.append((where, _("표준 가구 변수와 같은 이름은 쓸 수 없습니다: %(name)s",
                                      name=name)))
        elif name in FUNCTIONS:
            problems.append((where, _("함수와 같은 이름은 쓸 수 없습니다: %(name)s", name=name)))
    return problems


def _annex_problems(form: dict[str, Any]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    place = Path("annex_form")
    for problem in [*content_problems("form", form, place), *json_schema_problems(form, place)]:
        where = "annex_form" + problem.pointer.replace("/", ".")
        problems.append((where, _("별지 서식이 올바르지 않습니다: %(problem)s",
                                  problem=problem.message)))
    common = common_application()
    if common is not None and isinstance(form.get("properties"), dict):
        shared = sorted(set(form["properties"]) & set(common.get("properties", {})))
        for name in shared:
            problems.append((f"annex_form.properties.{name}",
                             _("공통 신청서에 이미 있는 항목입니다: %(name)s (한 번만 입력합니다)",
                               name=name)))
    return problems


def parse_program(mapping: Mapping[str, Any]) -> ProgramDefinition:
    """The program ``mapping`` describes; :class:`ProgramError` listing every problem (in
    Korean, with its path) otherwise. Both the studio form and a YAML upload come here."""
    if not isinstance(mapping, Mapping):
        raise ProgramError([("", _("사업 정의는 항목 묶음(YAML 매핑)이어야 합니다"))])
    data = _normalised(mapping)
    problems = _schema_problems(data)
    parameters = data.get("parameters")
    parameters_fine = not any(path.startswith("parameters") for path, _ in problems)
    names: tuple[str, ...] = ()
    if isinstance(parameters, dict):
        if parameters_fine:
            problems += _parameter_problems(parameters)
        names = tuple(sorted({name for values in parameters.values() if isinstance(values, dict)
                              for name in values if isinstance(name, str)}))
    if isinstance(parameters, dict):
        data.setdefault("threshold", DEFAULT_THRESHOLD)
        for kind in EXPRESSION_KINDS:
            text = data.get(kind)
            if isinstance(text, str) and text.strip() and not any(p == kind for p, _ in problems):
                problems += [(kind, message) for message in
                             check_expression_text(text, kind, names)]
    citations = data.get("citations")
    if isinstance(citations, dict) and isinstance(parameters, dict) \
            and not any(p.startswith(("citations", "parameters")) for p, _ in problems):
        problems += _citation_problems(citations, names, parameters)
    annex = data.get("annex_form")
    if isinstance(annex, dict) and not any(p.startswith("annex_form") for p, _ in problems):
        problems += _annex_problems(annex)
    process_id = data.get("process_id") or default_procedure()
    if not process_id:
        problems.append(("process_id", _("업무 절차(BPMN)를 정하세요: 카탈로그 설정"
                                         "(%(file)s)에 기본 절차가 없습니다", file=CATALOG_FILE)))
    if problems:
        raise ProgramError(problems)
    return ProgramDefinition(
        code=data["code"],
        name=data["name"].strip(),
        version=data["version"],
        owner=data["owner"].strip(),
        target_group=tuple(item.strip() for item in data["target_group"]),
        legal_basis=data["legal_basis"].strip(),
        survey_type=data["survey_type"],
        benefit_type=data["benefit_type"],
        delivery_cycle=data["delivery_cycle"],
        criteria=data["criteria"].strip(),
        benefit=data["benefit"].strip(),
        threshold=data["threshold"].strip(),
        parameters={int(year): {name: values[name] for name in sorted(values)}
                    for year, values in sorted(data["parameters"].items())},
        annex_form=data["annex_form"],
        process_id=process_id,
        auto_decide_share=float(data.get("auto_decide_share", DEFAULT_AUTO_DECIDE_SHARE)),
        description=data.get("description", "").strip(),
        extensions={key: value for key, value in data.items() if key.startswith("x-")},
        citations=copy.deepcopy(data.get("citations") or {}),
        appeal=copy.deepcopy(data.get("appeal") or {}),
    )


def to_mapping(definition: ProgramDefinition) -> dict[str, Any]:
    """``definition`` as plain data (for YAML, JSON or a database column); parsing the result
    gives an equal definition."""
    data: dict[str, Any] = {
        "code": definition.code, "name": definition.name, "version": definition.version,
        "owner": definition.owner, "target_group": list(definition.target_group),
        "legal_basis": definition.legal_basis, "survey_type": definition.survey_type,
        "benefit_type": definition.benefit_type, "delivery_cycle": definition.delivery_cycle,
        "description": definition.description, "criteria": definition.criteria,
        "benefit": definition.benefit, "threshold": definition.threshold,
        "parameters": {year: dict(values) for year, values in definition.parameters.items()},
        "annex_form": copy.deepcopy(definition.annex_form),
        "process_id": definition.process_id,
        "auto_decide_share": definition.auto_decide_share,
    }
    if definition.citations:
        data["citations"] = copy.deepcopy(definition.citations)
    if definition.appeal:
        data["appeal"] = copy.deepcopy(definition.appeal)
    data.update(copy.deepcopy(definition.extensions))
    return {key: data[key] for key in [*_FIELD_ORDER, *sorted(set(data) - set(_FIELD_ORDER))]
            if key in data}


def to_yaml(definition: ProgramDefinition) -> str:
    """``definition`` as YAML text, in the order of the fields."""
    return yaml.safe_dump(to_mapping(definition), allow_unicode=True, sort_keys=False,
                          width=100)


def parse_program_text(text: str) -> ProgramDefinition:
    """The program of a YAML (or JSON) text, as :func:`parse_program` checks it; a text that
    does not parse is one problem with the line."""
    try:
        data = yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = error.problem or error.context or _("문법 오류")
        if mark:
            text = _("YAML 문법이 맞지 않습니다 (%(line)s행 %(column)s열): %(what)s",
                     line=mark.line + 1, column=mark.column + 1, what=what)
        else:
            text = _("YAML 문법이 맞지 않습니다: %(what)s", what=what)
        raise ProgramError([("", text)]) from None
    except yaml.YAMLError as error:
        raise ProgramError([("", _("YAML 문법이 맞지 않습니다: %(what)s", what=error))]) from None
    return parse_program(data)


def load_program_file(path: Path | str) -> ProgramDefinition:
    """The program of a YAML file; :class:`ProgramError` when it cannot be read or used."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProgramError([("", _("파일이 없습니다: %(path)s", path=path))]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ProgramError([("", _("파일을 읽을 수 없습니다: %(path)s (%(error)s)",
                                     path=path, error=error))]) from None
    return parse_program_text(text)


# shipped programs


def programs_root(root: Path | str | None = None) -> Path:
    """The folder of program files: ``root``, else ``programs/`` of the content root, else the
    repository's."""
    if root is not None:
        return Path(root)
    from ieum.definitions import default_content_root

    candidate = default_content_root() / "programs"
    return candidate if candidate.is_dir() else _REPOSITORY_PROGRAMS


def shipped_programs(root: Path | str | None = None) -> dict[str, ProgramDefinition]:
    """Every program of ``programs/*.yaml`` by code, sorted by code; :class:`ProgramError`
    (paths prefixed with the file name) when any is invalid."""
    return _shipped(programs_root(root).resolve())


@cache
def _shipped(folder: Path) -> dict[str, ProgramDefinition]:
    programs: dict[str, ProgramDefinition] = {}
    problems: list[tuple[str, str]] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            definition = load_program_file(path)
        except ProgramError as error:
            problems += [(f"{path.name}:{where}", text) for where, text in error.problems]
            continue
        if definition.code in programs:
            problems.append((f"{path.name}:code", f"사업 코드가 중복됩니다: {definition.code}"))
        programs[definition.code] = definition
    if problems:
        raise ProgramError(problems)
    return dict(sorted(programs.items()))


def check_program_files(root: Path | str | None = None) -> list[Problem]:
    """Every problem of the program files under ``root`` (``ieum check``), as content
    problems: ``file:json-pointer: message``."""
    folder = programs_root(root)
    problems: list[Problem] = []
    if not folder.is_dir():
        return problems
    settings = folder / CATALOG_FILE
    if settings.is_file():
        found = _read_json(settings)
        if not isinstance(found, dict):
            problems.append(Problem(settings, "", "카탈로그 설정 파일을 읽을 수 없습니다"))
        else:
            problems += schema_problems(_catalog_validator(), found, settings)
    common = folder / COMMON_APPLICATION_FILE
    if common.is_file():
        form = _read_json(common)
        if not isinstance(form, dict):
            problems.append(Problem(common, "", "공통 신청서 파일을 읽을 수 없습니다"))
        else:
            problems += content_problems("form", form, common)
            problems += json_schema_problems(form, common)
    codes: dict[str, Path] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            definition = load_program_file(path)
        except ProgramError as error:
            problems += [Problem(path, "/" + where.replace(".", "/") if where else "", text)
                         for where, text in error.problems]
            continue
        problems += [Problem(path, "/" + where.replace(".", "/"), text)
                     for where, text in missing_citations(definition)]
        if definition.code in codes:
            problems.append(Problem(path, "/code", f"사업 코드가 중복됩니다: {definition.code} "
                                                   f"({codes[definition.code].name})"))
        codes[definition.code] = path
    return problems


@cache
def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def catalog_procedures(root: Path | str | None = None) -> tuple[str, ...]:
    """The BPMN processes a program may run as its procedure, from the catalog's settings
    (``programs/catalog.json``); empty when there is no (valid) settings file. The studio
    offers these; the first is :func:`default_procedure`."""
    path = programs_root(root).resolve() / CATALOG_FILE
    settings = _read_json(path) if path.is_file() else None
    if not isinstance(settings, dict) or not _catalog_validator().is_valid(settings):
        return ()
    return tuple(settings["procedures"])


def catalog_appeal(root: Path | str | None = None) -> dict[str, Any]:
    """The default 이의신청 guidance of decision notices (``appeal`` of the catalog's
    settings), or ``{}`` when the content gives none."""
    path = programs_root(root).resolve() / CATALOG_FILE
    settings = _read_json(path) if path.is_file() else None
    if not isinstance(settings, dict) or not _catalog_validator().is_valid(settings):
        return {}
    return copy.deepcopy(settings.get("appeal") or {})


def default_procedure(root: Path | str | None = None) -> str:
    """The procedure of a program that names none (``process_id``): the first of
    :func:`catalog_procedures`, or ``""`` when the content lists none."""
    procedures = catalog_procedures(root)
    return procedures[0] if procedures else ""


@cache
def _catalog_validator() -> Draft202012Validator:
    text = (resources.files("ieum.definitions") / "schemas" / "catalog.schema.json").read_text(
        encoding="utf-8")
    return Draft202012Validator(json.loads(text))


def common_application(root: Path | str | None = None) -> dict[str, Any] | None:
    """The common 사회보장급여 신청서 section (a platform form, JSON Schema), shared by every
    program applied for together; ``None`` when the file is missing."""
    path = programs_root(root).resolve() / COMMON_APPLICATION_FILE
    form = _read_json(path) if path.is_file() else None
    return copy.deepcopy(form) if isinstance(form, dict) else None


def variable_list() -> list[Variable]:
    """The standard variables in display order (inputs first), their texts shown in the
    request's language."""
    return [variable.shown() for variable in VARIABLE_INFO.values()]

