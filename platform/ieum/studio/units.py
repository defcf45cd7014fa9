"""The unit function editor's model: a unit manifest (``unit_functions/<id>/unit.yaml``, as a
JSON object) ⇄ an editing model, and the editor's checks in Korean with JSON pointers.

The editor edits what a new unit function needs: its title and description, forms, processes,
menu screens, actions, parameters (type, default, bounds, choices) and feeds. The advanced
parts of a manifest (``subject_registry``, ``case_list``, ``locks``, ``reports``, ``page``)
are kept in ``extra`` and written back unchanged, so every manifest round-trips.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema.exceptions import ValidationError, best_match

from ieum.definitions import extensions
from ieum.definitions.metaschemas import validator
from ieum.definitions.model import Registry
from ieum.definitions.problems import pointer
from ieum.definitions.units import feed_entries
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.studio.problems import StudioProblem

#: The keys the editor edits, in the order it writes them; others are kept in ``extra``.
KEYS = ("id", "title", "layer", "description", "target_groups", "forms", "processes",
        "screens", "actions", "record_subject", "parameters", "feeds")
PARAMETER_KEYS = ("type", "default", "title", "description", "minimum", "maximum", "enum")
TYPES = {
    "integer": _l("정수"), "number": _l("숫자"), "string": _l("글자"), "boolean": _l("예/아니오"),
}
SCREEN_KINDS = {"list": _l("목록"), "new": _l("새로 쓰기"), "detail": _l("상세")}
#: The actions a new unit function starts with, and their Korean names (``ieum.access``
#: has the full list; these are the common ones).
DEFAULT_ACTIONS = ("view", "create", "update", "delete", "export")

_TYPE_CHECKS = {
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
}


def korean_value_problem(kind: str, title: str, value: Any, *, enum: Any = None,
                         minimum: Any = None, maximum: Any = None) -> str | None:
    """Why ``value`` does not fit a parameter of type ``kind`` titled ``title`` (Korean), or
    ``None`` when it does (the rules of ``ieum.definitions.units.value_problem``)."""
    test = _TYPE_CHECKS.get(kind)
    if test is None:
        return None
    if not test(value):
        return _("'%(title)s'에는 %(type)s 값을 넣어야 합니다(%(value)s은(는) 맞지 않습니다).",
                 title=title, type=TYPES[kind], value=repr(value))
    if enum is not None and value not in enum:
        return _("'%(title)s'은(는) %(choices)s 중 하나여야 합니다.", title=title,
                 choices=", ".join(repr(choice) for choice in enum))
    if minimum is not None and _TYPE_CHECKS["number"](minimum) and value < minimum:
        return _("'%(title)s'은(는) %(minimum)s 이상이어야 합니다.", title=title, minimum=minimum)
    if maximum is not None and _TYPE_CHECKS["number"](maximum) and value > maximum:
        return _("'%(title)s'은(는) %(maximum)s 이하여야 합니다.", title=title, maximum=maximum)
    return None


#: Korean names of the keys of manifests and profiles, for the meta-schema's messages.
KEY_TITLES = {
    "code": _l("코드"), "title": _l("이름"), "description": _l("설명"),
    "target_group": _l("대상 집단"), "statute": _l("근거 법령"),
    "official_kind_code": _l("시설 종류 코드"), "menu": _l("메뉴"), "group": _l("메뉴 묶음 이름"),
    "items": _l("메뉴의 단위기능"), "unit": _l("단위기능"), "roles": _l("역할"),
    "grants": _l("권한"), "actions": _l("동작"), "scope": _l("범위"),
    "exclusive_roles": _l("겸직 금지 역할"), "extends": _l("기본 프로필"), "id": "id",
    "layer": _l("계층"), "forms": _l("서식"), "processes": _l("절차"), "screens": _l("화면"),
    "kind": _l("종류"), "form": _l("서식"), "parameters": _l("매개변수"), "type": _l("형식"),
    "default": _l("기본값"), "feeds": _l("연계"), "enum": _l("선택지"), "minimum": _l("최소"),
    "maximum": _l("최대"), "record_subject": _l("기록의 대상자"), "target_groups": _l("대상 집단"),
}
_JSON_TYPES = {
    "string": _l("글자"), "integer": _l("정수"), "number": _l("숫자"), "boolean": _l("예/아니오"),
    "object": _l("항목 묶음(객체)"), "array": _l("목록"), "null": _l("빈 값"),
}


def _korean(error: ValidationError) -> tuple[str, str]:
    """A meta-schema error as (pointer, Korean message)."""
    if error.context:
        error = best_match(error.context)
    where = pointer(*error.absolute_path)
    last = error.absolute_path[-1] if error.absolute_path else None
    name = KEY_TITLES.get(last, str(last)) if isinstance(last, str) else _("이 값")
    rule, value = error.validator, error.validator_value
    if rule == "required" and isinstance(error.instance, dict):
        named = re.match(r"^'([^']+)' is a required property$", error.message)
        missing = [key for key in value if key not in error.instance]
        key = named.group(1) if named else (missing[0] if missing else "")
        return f"{where}/{key}", _("%(name)s을(를) 적어 주세요.",
                                   name=KEY_TITLES.get(key, key))
    if rule == "minLength":
        return where, _("%(name)s은(는) 비어 있으면 안 됩니다.", name=name)
    if rule == "minItems":
        return where, _("%(name)s이(가) 하나 이상 있어야 합니다.", name=name)
    if rule == "pattern" and value == "^[a-z][a-z0-9_]*$":
        return where, _("%(name)s '%(value)s'은(는) 영문 소문자로 시작하고 영문 소문자·숫자·"
                        "밑줄(_)만 쓸 수 있습니다.", name=name, value=error.instance)
    if rule == "pattern" and value == "^[0-9]{6}$":
        return where, _("%(name)s은(는) 숫자 여섯 자리입니다.", name=name)
    if rule == "type":
        kinds = value if isinstance(value, list) else [value]
        wanted = _(" 또는 ").join(str(_JSON_TYPES.get(k, k)) for k in kinds)
        return where, _("%(name)s은(는) %(type)s이어야 합니다.", name=name, type=wanted)
    if rule == "enum":
        choices = ", ".join(repr(choice) for choice in value)
        return where, _("%(name)s은(는) %(choices)s 중 하나여야 합니다.", name=name,
                        choices=choices)
    if rule == "uniqueItems":
        return where, _("%(name)s에 같은 값이 두 번 있습니다.", name=name)
    if rule == "minimum":
        return where, _("%(name)s은(는) %(value)s 이상이어야 합니다.", name=name, value=value)
    if rule == "maximum":
        return where, _("%(name)s은(는) %(value)s 이하이어야 합니다.", name=name, value=value)
    if rule == "additionalProperties" and isinstance(error.instance, dict):
        allowed = error.schema.get("properties", {})
        unknown = ", ".join(repr(key) for key in error.instance if key not in allowed)
        return where, _("알 수 없는 항목입니다: %(keys)s", keys=unknown)
    return where, _("형식이 맞지 않습니다: %(problem)s", problem=error.message)


def schema_problems(kind: str, body: Any) -> list[StudioProblem]:
    """The meta-schema's problems (``ieum check``'s first step), in Korean."""
    return [StudioProblem(*_korean(error)) for error in validator(kind).iter_errors(body)]


def merged(schema: list[StudioProblem], own: list[StudioProblem]) -> list[StudioProblem]:
    """The builder's own problems, and the meta-schema's where the builder says nothing about
    the same element (its message is the more helpful one), without repeats."""
    said = {problem.pointer for problem in own}
    return list(dict.fromkeys([*(p for p in schema if p.pointer not in said), *own]))


@dataclass
class ParameterModel:
    name: str
    type: str | None
    default: Any = None
    title: str | None = None
    description: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    enum: list[Any] | None = None
    #: Which of the optional keys the manifest writes (``default: null`` is a value).
    has_default: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ScreenModel:
    kind: str
    form: str
    title: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class FeedModel:
    name: str
    settings: dict[str, Any] | None = None


@dataclass
class UnitModel:
    id: str | None = None
    title: str | None = None
    layer: int | None = None
    description: str | None = None
    target_groups: list[str] | None = None
    forms: list[str] | None = None
    processes: list[str] | None = None
    screens: list[ScreenModel] | None = None
    actions: list[str] | None = None
    record_subject: str | None = None
    parameters: list[ParameterModel] | None = None
    feeds: list[FeedModel] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _rest(data: Mapping[str, Any], known: Collection[str]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in known}


def _list(value: Any) -> list[Any] | None:
    return list(value) if isinstance(value, list) else None


def to_model(body: Mapping[str, Any]) -> UnitModel:
    """The editing model of a manifest body (a JSON object with the keys of ``unit.yaml``)."""
    keep: dict[str, Any] = {}
    screens = None
    if isinstance(body.get("screens"), list) and all(isinstance(s, dict)
                                                     for s in body["screens"]):
        screens = [ScreenModel(kind=s.get("kind"), form=s.get("form"), title=s.get("title"),
                               extra=_rest(s, ("kind", "form", "title")))
                   for s in body["screens"]]
    elif "screens" in body:
        keep["screens"] = body["screens"]
    parameters = None
    if isinstance(body.get("parameters"), dict) and all(isinstance(p, dict) for p in
                                                        body["parameters"].values()):
        parameters = [ParameterModel(
            name=name, type=spec.get("type"), default=spec.get("default"),
            title=spec.get("title"), description=spec.get("description"),
            minimum=spec.get("minimum"), maximum=spec.get("maximum"),
            enum=_list(spec.get("enum")), has_default="default" in spec,
            extra=_rest(spec, PARAMETER_KEYS)) for name, spec in body["parameters"].items()]
    elif "parameters" in body:
        keep["parameters"] = body["parameters"]
    feeds = None
    if isinstance(body.get("feeds"), list):
        entries = feed_entries(body["feeds"])
        if len(entries) == len(body["feeds"]):
            feeds = [FeedModel(name, settings) for _index, name, settings in entries]
        else:
            keep["feeds"] = body["feeds"]
    for key in ("target_groups", "forms", "processes", "actions"):
        if key in body and not isinstance(body[key], list):
            keep[key] = body[key]
    return UnitModel(
        id=body.get("id"), title=body.get("title"), layer=body.get("layer"),
        description=body.get("description"), target_groups=_list(body.get("target_groups")),
        forms=_list(body.get("forms")), processes=_list(body.get("processes")),
        screens=screens, actions=_list(body.get("actions")),
        record_subject=body.get("record_subject"), parameters=parameters, feeds=feeds,
        extra=_rest(body, KEYS) | keep)


def _present(pairs: Any) -> dict[str, Any]:
    return {key: value for key, value in pairs if value is not None}


def to_body(model: UnitModel) -> dict[str, Any]:
    """The manifest body of ``model`` (keys in the editor's order, absent ones left out)."""
    values: dict[str, Any] = {
        "id": model.id, "title": model.title, "layer": model.layer,
        "description": model.description, "target_groups": model.target_groups,
        "forms": model.forms, "processes": model.processes,
        "screens": None if model.screens is None else [
            {"kind": s.kind, "form": s.form, **_present([("title", s.title)]), **s.extra}
            for s in model.screens],
        "actions": model.actions, "record_subject": model.record_subject,
        "parameters": None if model.parameters is None else {
            p.name: {"type": p.type, **({"default": p.default} if p.has_default else {}),
                     **_present([("title", p.title), ("description", p.description),
                                 ("minimum", p.minimum), ("maximum", p.maximum),
                                 ("enum", p.enum)]), **p.extra}
            for p in model.parameters},
        "feeds": None if model.feeds is None else [
            feed.name if feed.settings is None else {feed.name: feed.settings}
            for feed in model.feeds],
    }
    return {**_present((key, values[key]) for key in KEYS), **model.extra}


def empty_body(unit_id: str) -> dict[str, Any]:
    """A new unit function: an id, no forms yet, the common actions."""
    return {"id": unit_id, "title": "", "layer": 2, "description": "", "forms": [],
            "processes": [], "screens": [], "actions": list(DEFAULT_ACTIONS),
            "record_subject": "optional"}


def check(body: Any, registry: Registry, *, forms: Collection[str] | None = None,
          processes: Collection[str] | None = None) -> list[StudioProblem]:
    """The editor's problems with a manifest body, each with a JSON pointer into it.

    ``forms`` and ``processes`` are ids that exist beside the registry's (drafts not yet
    published): a unit may name them. ``None`` (the default) means the caller cannot tell
    which drafts exist (the studio's check of a package, which checks the references itself
    over the package's drafts): then a form or process missing from the registry is not
    reported here."""
    if not isinstance(body, dict):
        return [StudioProblem("", _("단위기능 정의는 JSON 객체여야 합니다."))]
    schema = schema_problems("unit", body)
    problems: list[StudioProblem] = []
    model = to_model(body)
    if not isinstance(model.title, str) or not model.title.strip():
        problems.append(StudioProblem("/title", _("단위기능의 이름을 한글로 적어 주세요.")))
    own_forms = [f for f in model.forms or () if isinstance(f, str)]
    for index, form_id in enumerate(model.forms or () if forms is not None else ()):
        if isinstance(form_id, str) and form_id not in {*registry.forms, *forms}:
            problems.append(StudioProblem(pointer("forms", index), _(
                "서식 '%(name)s'이(가) 없습니다. 등록된 서식이나 작성 중인 서식에서 고르세요.",
                name=form_id)))
    for index, process_id in enumerate(model.processes or () if processes is not None else ()):
        if isinstance(process_id, str) and process_id not in {*registry.processes,
                                                               *processes}:
            problems.append(StudioProblem(pointer("processes", index), _(
                "절차 '%(name)s'이(가) 없습니다. 등록된 절차나 작성 중인 절차에서 고르세요.",
                name=process_id)))
    for index, screen in enumerate(model.screens or ()):
        if isinstance(screen.form, str) and screen.form not in own_forms:
            problems.append(StudioProblem(pointer("screens", index, "form"), _(
                "화면의 서식 '%(name)s'이(가) 이 단위기능의 서식이 아닙니다. "
                "서식 목록에 먼저 넣으세요.", name=screen.form)))
    if model.actions is not None and not model.actions:
        problems.append(StudioProblem("/actions", _("동작(권한 항목)을 하나 이상 두세요.")))
    for parameter in model.parameters or ():
        here = pointer("parameters", parameter.name)
        if parameter.type not in TYPES:
            continue  # the schema problem says so
        if not isinstance(parameter.title, str) or not parameter.title.strip():
            problems.append(StudioProblem(here + "/title", _(
                "매개변수 '%(name)s'의 이름을 적어 주세요.", name=parameter.name)))
        title = parameter.title or parameter.name
        if parameter.has_default:
            message = korean_value_problem(parameter.type, title, parameter.default,
                                           enum=parameter.enum, minimum=parameter.minimum,
                                           maximum=parameter.maximum)
            if message:
                problems.append(StudioProblem(here + "/default",
                                              _("기본값: %(problem)s", problem=message)))
        for position, choice in enumerate(parameter.enum or ()):
            message = korean_value_problem(parameter.type, title, choice)
            if message:
                problems.append(StudioProblem(f"{here}/enum/{position}",
                                              _("선택지: %(problem)s", problem=message)))
    feed_names = extensions.feed_names()
    listed: list[str] = []
    for index, feed in enumerate(model.feeds or ()):
        if feed.name not in feed_names:
            problems.append(StudioProblem(pointer("feeds", index), _(
                "연계 '%(name)s'을(를) 제공하는 패키지가 설치되어 있지 않습니다. 있는 연계: "
                "%(feeds)s", name=feed.name, feeds=", ".join(sorted(feed_names)) or _("없음"))))
        elif feed.name in listed:
            problems.append(StudioProblem(pointer("feeds", index), _(
                "연계 '%(name)s'을(를) 두 번 넣었습니다.", name=feed.name)))
        listed.append(feed.name)
    return merged(schema, problems)
