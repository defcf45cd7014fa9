"""The form builder's model of an ieum form, and the checks the builder shows as you type.

A form is a JSON Schema object (``forms/<id>.json``) with the platform's ``x-`` keywords
(``x-ui``, ``x-rules``, ``x-computed``, ``x-visible``, ``x-sensitive``, ``x-constants``). The
builder does not edit that schema directly: it edits a *model* that says the same thing in the
builder's words, one entry per field in screen order::

    {"title", "description", "version",
     "fields": [{"name", "kind", "title", "help", "required", "ui": {...}, "visible",
                 "computed", "sensitive", "choices": [{"value", "label"}], "children": [...],
                 ...}],
     "rules": [{"rule", "message", "fields"}],
     "extra": {...}}

:func:`to_model` reads a schema into the model and :func:`to_schema` writes it back. What the
builder has no control for is kept as it was, word for word (``extra`` on the form and on each
field, ``ref`` for a field taken from a shared part with ``$ref``): so every shipped form opens
in the builder and saves back meaning the same, and a reference stays a reference.
:func:`check` lists the problems of a schema in Korean, each with a JSON pointer into it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ieum.definitions.forms import CONTEXT_NAMES, ID_PATTERN, load_form
from ieum.definitions.model import FormDef, Registry
from ieum.definitions.parts import Documents, collect, is_part
from ieum.definitions.problems import pointer
from ieum.expressions import FUNCTIONS, check_expression
from ieum.expressions.korean import Rule, korean
from ieum.forms.engine import process
from ieum.forms.fields import text_kind
from ieum.i18n import current_language
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.studio.problems import StudioProblem

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"

#: The kinds of field the builder offers, with their names (the palette; lazy texts).
KINDS: dict[str, str] = {
    "text": _l("짧은 글"),
    "textarea": _l("긴 글"),
    "integer": _l("숫자(정수)"),
    "number": _l("숫자(소수)"),
    "date": _l("날짜"),
    "datetime": _l("날짜와 시각"),
    "time": _l("시각"),
    "select": _l("선택(목록)"),
    "radio": _l("선택(단추)"),
    "checkboxes": _l("여러 개 선택"),
    "multiselect": _l("여러 개 선택(목록)"),
    "boolean": _l("예/아니오"),
    "file": _l("첨부파일"),
    "rrn": _l("주민등록번호"),
    "phone": _l("전화번호"),
    "rows": _l("반복 행(표)"),
    "group": _l("묶음"),
    "subjects": _l("대상자 여러 명"),
    "hidden": _l("숨김 값"),
    "ref": _l("공유 부품($ref)"),
    "custom": _l("직접 쓴 스키마"),
}
#: Kinds whose value is one of a list of choices.
CHOICE_KINDS = frozenset({"select", "radio", "checkboxes", "multiselect"})
#: Kinds that hold other fields.
NESTED_KINDS = frozenset({"rows", "group"})
SENSITIVE_CLASSES: dict[str, str] = {"rrn": _l("주민등록번호"),
                                     "private": _l("개인정보(목록에 안 보임)"),
                                     "health": _l("건강정보")}
WIDGETS = frozenset({"text", "textarea", "number", "date", "datetime", "time", "select", "radio",
                     "checkbox", "checkboxes", "file", "rows", "phone", "rrn", "hidden",
                     "subjects"})

#: What each kind writes into the schema before the field's own keywords.
_BASE: dict[str, dict[str, Any]] = {
    "text": {"type": "string"},
    "textarea": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "local-date-time"},  # wall-clock, see forms.clock
    "time": {"type": "string", "format": "local-time"},
    "select": {"type": "string"},
    "radio": {"type": "string"},
    "checkboxes": {"type": "array", "uniqueItems": True},
    "multiselect": {"type": "array", "uniqueItems": True},
    "boolean": {"type": "boolean"},
    "file": {"type": "integer"},
    "rrn": {"type": "string"},
    "phone": {"type": "string"},
    "rows": {"type": "array"},
    "group": {"type": "object"},
    "subjects": {"type": "array", "items": {"type": "integer"}},
    "hidden": {"type": "string"},
    "ref": {},
    "custom": {},
}
#: The widget a new field of each kind gets (``None``: the kind needs none).
DEFAULT_WIDGET: dict[str, str | None] = {
    "text": None, "textarea": "textarea", "integer": None, "number": None, "date": "date",
    "datetime": "datetime", "time": "time", "select": "select", "radio": "radio",
    "checkboxes": "checkboxes", "multiselect": "select", "boolean": None, "file": "file",
    "rrn": "rrn", "phone": "phone", "rows": "rows", "group": None, "subjects": "subjects",
    "hidden": "hidden", "ref": None, "custom": None,
}
#: Schema keywords the model holds under their own names (bounds, patterns, defaults).
_SCALAR_KEYS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
                "minLength", "maxLength", "pattern", "minItems", "maxItems", "default",
                "readOnly")
_FORM_KEYS = ("title", "description", "version", "type", "properties", "required", "x-ui",
              "x-rules", "x-computed", "x-visible", "x-sensitive")
_ANNOTATIONS = frozenset({"title", "description", "$comment"})


# --- schema -> model -----------------------------------------------------------------------

def _choices_of(schema: Mapping[str, Any]) -> tuple[str, list[dict[str, Any]]] | None:
    """``("enum"|"oneOf"|"anyOf", choices)`` when the schema is a plain list of choices."""
    if isinstance(schema.get("enum"), list):
        return "enum", [{"value": value, "label": str(value)} for value in schema["enum"]]
    for keyword in ("oneOf", "anyOf"):
        branches = schema.get(keyword)
        if isinstance(branches, list) and branches and all(
                isinstance(b, dict) and "const" in b for b in branches):
            choices = []
            for branch in branches:
                choice: dict[str, Any] = {"value": branch["const"]}
                if "title" in branch:
                    choice["label"] = branch["title"]
                rest = {k: v for k, v in branch.items() if k not in ("const", "title")}
                if rest:
                    choice["extra"] = rest
                choices.append(choice)
            return keyword, choices
    return None


def _joined_choices(schema: Mapping[str, Any]) -> bool:
    """A ``oneOf`` that joins choice lists from shared parts (``$ref`` branches)."""
    branches = schema.get("oneOf") or schema.get("anyOf")
    return isinstance(branches, list) and bool(branches) and all(
        isinstance(b, dict) and ("const" in b or "$ref" in b) for b in branches) and any(
        isinstance(b, dict) and "$ref" in b for b in branches)


def _json_type(schema: Mapping[str, Any]) -> Any:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        return kinds[0] if kinds else None
    return kind


def kind_of(schema: Mapping[str, Any], ui: Mapping[str, Any], sensitive: str | None = None) -> str:
    """The builder kind of a property (the same reading as :mod:`ieum.forms.fields`, plus
    ``ref`` for a field taken from a shared part and ``custom`` for what the builder cannot
    draw a control for)."""
    if not isinstance(schema, Mapping):
        return "custom"
    widget = ui.get("widget")
    if "$ref" in schema:
        return "ref"
    if widget == "file":
        return "file"
    if widget == "hidden":
        return "hidden"
    if widget == "subjects":
        return "subjects"
    json_type = _json_type(schema)
    if json_type == "object":
        return "group" if isinstance(schema.get("properties"), dict) else "custom"
    if json_type == "array":
        items = schema.get("items")
        if not isinstance(items, dict):
            return "custom"
        if _choices_of(items) or _joined_choices(items):
            return "multiselect" if widget == "select" else "checkboxes"
        if _json_type(items) == "object" and isinstance(items.get("properties"), dict):
            return "rows"
        return "custom"
    if _choices_of(schema) or _joined_choices(schema):
        return "radio" if widget == "radio" else "select"
    if json_type == "boolean":
        return "boolean"
    if json_type in ("integer", "number"):
        return json_type
    if json_type not in ("string", None):
        return "custom"
    return text_kind(schema, widget, sensitive)


def _field_model(name: str, schema: Any, ui: Mapping[str, Any], *, required: bool,
                 sensitive: str | None = None) -> dict[str, Any]:
    kind = kind_of(schema, ui, sensitive)
    field: dict[str, Any] = {"name": name, "kind": kind, "required": required,
                             "ui": copy.deepcopy(dict(ui))}
    if kind == "custom":
        field["schema"] = copy.deepcopy(schema)
        if isinstance(schema, Mapping) and isinstance(schema.get("title"), str):
            field["title"] = schema["title"]
        return field
    rest = dict(schema)
    if kind == "ref":
        field["ref"] = rest.pop("$ref")
    for key in ("title", "description", *_SCALAR_KEYS):
        if key in rest:
            field[key] = rest.pop(key)
    holder = rest
    if kind in ("checkboxes", "multiselect"):
        holder = dict(rest.pop("items"))
    if kind in CHOICE_KINDS:
        found = _choices_of(holder)
        if found:
            style, choices = found
            holder.pop(style)
            field["choice_style"] = style
            field["choices"] = choices
    if kind == "rows":
        items = dict(rest.pop("items"))
        field["children"] = _children(items)
        field["items_extra"] = items
    if kind == "group":
        nested = {key: rest.pop(key) for key in ("properties", "required", "x-ui")
                  if key in rest}
        field["children"] = _children(nested)
        field["nested_extra"] = nested
    if kind in ("checkboxes", "multiselect"):
        field["items_extra"] = holder
    base = _BASE[kind]
    extra = {key: value for key, value in rest.items()
             if not (key in base and base[key] == value)}
    missing = [key for key in base if key not in rest]
    if missing:
        extra["$omit"] = missing
    if extra:
        field["extra"] = extra
    return field


def _children(holder: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields of a nested object (a group, or a row of a rows field), in screen order;
    ``properties``, ``required`` and ``x-ui`` are taken out of ``holder``."""
    properties = holder.pop("properties", {}) or {}
    required = set(holder.pop("required", []) or [])
    ui_map = holder.pop("x-ui", None)
    fields = [_field_model(name, prop, (ui_map or {}).get(name) or {}, required=name in required)
              for name, prop in properties.items()]
    if ui_map is None:
        holder["$no_ui"] = True
    return _screen_order(fields)


def _screen_order(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    positioned = list(enumerate(fields))
    positioned.sort(key=lambda item: (_order(item[1]), item[0]))
    return [field for _position, field in positioned]


def _order(field: Mapping[str, Any]) -> float:
    order = (field.get("ui") or {}).get("order")
    return order if isinstance(order, (int, float)) and not isinstance(order, bool) else 10_000


def to_model(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The builder's model of a form schema (a deep copy: the schema is not changed)."""
    schema = copy.deepcopy(dict(schema))
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    required = schema.get("required") if isinstance(schema.get("required"), list) else []
    ui_map = schema.get("x-ui") if isinstance(schema.get("x-ui"), dict) else {}
    sensitive = schema.get("x-sensitive") if isinstance(schema.get("x-sensitive"), dict) else {}
    visible = schema.get("x-visible") if isinstance(schema.get("x-visible"), dict) else {}
    computed = schema.get("x-computed") if isinstance(schema.get("x-computed"), dict) else {}
    fields = []
    for name, prop in properties.items():
        field = _field_model(name, prop, ui_map.get(name) or {}, required=name in required,
                             sensitive=sensitive.get(name))
        for key, source in (("sensitive", sensitive), ("visible", visible),
                            ("computed", computed)):
            if name in source:
                field[key] = source[name]
        fields.append(field)
    model: dict[str, Any] = {
        "title": schema.get("title", ""),
        "version": schema.get("version", 1),
        "fields": _screen_order(fields),
        "rules": copy.deepcopy(schema.get("x-rules") or []),
    }
    if "description" in schema:
        model["description"] = schema["description"]
    extra = {key: value for key, value in schema.items() if key not in _FORM_KEYS}
    layout = {
        "required_order": [name for name in required if isinstance(name, str)],
        "computed_order": list(computed),
        "keywords": [key for key in ("x-ui", "x-rules", "x-computed", "x-visible",
                                     "x-sensitive", "required") if key in schema],
    }
    if schema.get("type", "object") != "object":
        extra["type"] = schema["type"]
    model["extra"] = extra
    model["layout"] = layout
    # references the model cannot hold: ui/visible/... entries naming no field
    stray = {}
    for keyword, source in (("x-ui", ui_map), ("x-sensitive", sensitive),
                            ("x-visible", visible), ("x-computed", computed)):
        names = [name for name in source if name not in properties]
        if names:
            stray[keyword] = {name: source[name] for name in names}
    if stray:
        model["stray"] = stray
    return model


# --- model -> schema -----------------------------------------------------------------------

def new_field(kind: str, name: str, title: str) -> dict[str, Any]:
    """A new field of ``kind`` as the builder's palette adds it."""
    if kind not in KINDS or kind in ("ref", "custom"):
        raise ValueError(f"unknown field kind {kind!r}")
    field: dict[str, Any] = {"name": name, "kind": kind, "title": title, "required": False,
                             "ui": {}}
    widget = DEFAULT_WIDGET[kind]
    if widget:
        field["ui"]["widget"] = widget
    if kind in CHOICE_KINDS:
        field["choice_style"] = "oneOf"
        field["choices"] = []
    if kind in ("checkboxes", "multiselect"):
        field["items_extra"] = {"type": "string"}
    if kind in NESTED_KINDS:
        field["children"] = []
    if kind == "rrn":
        field["sensitive"] = "rrn"
    if kind == "text":
        field["maxLength"] = 200
    if kind == "textarea":
        field["maxLength"] = 4000
    return field


def _choice_schema(field: Mapping[str, Any]) -> dict[str, Any]:
    choices = field.get("choices") or []
    style = field.get("choice_style") or "oneOf"
    if style == "enum":
        return {"enum": [choice.get("value") for choice in choices]}
    branches = []
    for choice in choices:
        branch: dict[str, Any] = {"const": choice.get("value")}
        if "label" in choice:
            branch["title"] = choice["label"]
        branch.update(choice.get("extra") or {})
        branches.append(branch)
    return {style: branches}


def _nested_schema(children: Iterable[Mapping[str, Any]], holder: Mapping[str, Any],
                   *, object_type: bool) -> dict[str, Any]:
    holder = dict(holder)
    no_ui = holder.pop("$no_ui", False)
    properties, required, ui_map = _properties(children)
    out: dict[str, Any] = {"type": "object"} if object_type else {}
    out["properties"] = properties
    if required:
        out["required"] = required
    if ui_map or not no_ui:
        out["x-ui"] = ui_map
    out.update(copy.deepcopy(holder))
    return out


def _ordered_ui(fields: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each field's ``x-ui`` with an ``order`` number, so the screen order survives storage
    that does not keep the order of keys (PostgreSQL's JSONB sorts them). Numbers are kept
    while every field has one and they follow the model's order; otherwise the fields are
    numbered 1, 2, 3 ... in the model's order (the author moved or added a field)."""
    uis = [copy.deepcopy(dict(field.get("ui") or {})) for field in fields]
    orders = [ui.get("order") for ui in uis]
    numbered = all(isinstance(order, (int, float)) and not isinstance(order, bool)
                   for order in orders)
    if not numbered or orders != sorted(orders):
        for index, ui in enumerate(uis, start=1):
            ui["order"] = index
    return uis


def _properties(fields: Iterable[Mapping[str, Any]]
                ) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
    fields = list(fields)
    properties: dict[str, Any] = {}
    required: list[str] = []
    ui_map: dict[str, Any] = {}
    for field, ui in zip(fields, _ordered_ui(fields), strict=True):
        name = field["name"]
        properties[name] = field_schema(field)
        if field.get("required"):
            required.append(name)
        if ui:
            ui_map[name] = ui
    return properties, required, ui_map


def field_schema(field: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON Schema of one field of the model."""
    kind = field.get("kind") or "text"
    if kind == "custom":
        return copy.deepcopy(field.get("schema") or {})
    extra = copy.deepcopy(dict(field.get("extra") or {}))
    omit = set(extra.pop("$omit", []) or [])
    out: dict[str, Any] = {}
    if kind == "ref":
        out["$ref"] = field.get("ref", "")
    for key, value in _BASE.get(kind, {}).items():
        if key not in omit and key != "items":
            out[key] = copy.deepcopy(value)
    for key in ("title", "description"):
        if key in field:
            out[key] = field[key]
    for key in _SCALAR_KEYS:
        if key in field and field[key] is not None and field[key] != "":
            out[key] = field[key]
    if kind in ("select", "radio") and "choices" in field:
        out.update(_choice_schema(field))
    if kind in ("checkboxes", "multiselect"):
        items = copy.deepcopy(dict(field["items_extra"] if "items_extra" in field
                                   else {"type": "string"}))
        if "choices" in field:
            items.update(_choice_schema(field))
        out["items"] = items
    if kind == "subjects" and "items" not in omit:
        out["items"] = {"type": "integer"}
    if kind == "rows":
        out["items"] = _nested_schema(field.get("children") or [],
                                      field.get("items_extra") or {}, object_type=True)
    if kind == "group":
        out.update(_nested_schema(field.get("children") or [], field.get("nested_extra") or {},
                                  object_type=False))
    out.update(extra)
    return out


def new_model(title: str) -> dict[str, Any]:
    """The model of a new, empty form."""
    return {"title": title, "version": 1, "fields": [], "rules": [],
            "extra": {"$schema": SCHEMA_URI}}


def to_schema(model: Mapping[str, Any]) -> dict[str, Any]:
    """The form schema the model describes (``to_schema(to_model(s))`` means what ``s`` does)."""
    extra = copy.deepcopy(dict(model.get("extra") or {}))
    layout = model.get("layout") or {}
    keywords = set(layout.get("keywords") or ())
    fields = list(model.get("fields") or [])
    schema: dict[str, Any] = {}
    if "$schema" in extra:
        schema["$schema"] = extra.pop("$schema")
    elif not model.get("layout"):
        schema["$schema"] = SCHEMA_URI
    for key in ("$id", "$comment"):
        if key in extra:
            schema[key] = extra.pop(key)
    schema["title"] = model.get("title", "")
    if "description" in model:
        schema["description"] = model["description"]
    schema["version"] = model.get("version", 1)
    schema["type"] = extra.pop("type", "object")
    properties, required, ui_map = _properties(fields)
    schema["properties"] = properties
    if required or "required" in keywords:
        previous = [name for name in layout.get("required_order") or [] if name in required]
        schema["required"] = previous + [name for name in required if name not in previous]
    if ui_map or "x-ui" in keywords:
        schema["x-ui"] = ui_map
    stray = model.get("stray") or {}
    for name, ui in (stray.get("x-ui") or {}).items():
        schema.setdefault("x-ui", {})[name] = ui
    rules = list(model.get("rules") or [])
    if rules or "x-rules" in keywords:
        schema["x-rules"] = copy.deepcopy(rules)
    computed = {f["name"]: f["computed"] for f in fields if f.get("computed")}
    order = [name for name in layout.get("computed_order") or [] if name in computed]
    computed = {name: computed[name] for name in [*order, *computed] if name in computed}
    for keyword, values in (("x-computed", computed),
                            ("x-visible", {f["name"]: f["visible"] for f in fields
                                           if f.get("visible")}),
                            ("x-sensitive", {f["name"]: f["sensitive"] for f in fields
                                             if f.get("sensitive")})):
        values = {**values, **(stray.get(keyword) or {})}
        if values or keyword in keywords:
            schema[keyword] = values
    schema.update(extra)
    return schema


# --- semantic comparison -------------------------------------------------------------------

def normalised(schema: Any) -> Any:
    """``schema`` with what does not change its meaning taken out: the order of keys (but
    not of fields on the screen, which follows ``x-ui.order`` then the order of
    ``properties``), the numbers of ``x-ui.order`` themselves, and the order of ``required``
    names. Two schemas mean the same when their normalised forms are equal."""
    if isinstance(schema, list):
        return [normalised(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("const", "enum", "default", "examples"):
            out[key] = value
        elif key == "required" and isinstance(value, list):
            out[key] = sorted(value, key=str)
        elif key == "x-ui" and isinstance(value, dict):
            stripped = {name: {k: v for k, v in ui.items() if k != "order"}
                        if isinstance(ui, dict) else ui for name, ui in value.items()}
            stripped = {name: ui for name, ui in stripped.items() if ui != {}}
            if stripped:
                out[key] = stripped
        else:
            out[key] = normalised(value)
    properties = schema.get("properties")
    if isinstance(properties, dict):
        ui_map = schema.get("x-ui") if isinstance(schema.get("x-ui"), dict) else {}
        positions = {name: index for index, name in enumerate(properties)}
        out["$screen_order"] = sorted(properties, key=lambda name: (
            _order({"ui": ui_map.get(name) or {}}), positions[name]))
    return out


# --- checks --------------------------------------------------------------------------------

_EXPRESSION_RULES: tuple[Rule, ...] = (
    (re.compile(r"^unknown name '([^']+)'$"),
     lambda m: _("이 양식에 없는 이름입니다: %(name)s (항목 이름이나 params, "
                 "record_counts, subject를 쓰세요)", name=m.group(1))),
    (re.compile(r"^function '([^']+)' is not allowed.*$"),
     lambda m: _("쓸 수 없는 함수입니다: %(name)s (쓸 수 있는 함수: %(allowed)s)",
                 name=m.group(1), allowed=", ".join(FUNCTIONS))),
)


def korean_expression_problem(message: str) -> str:
    """The Korean form of a problem the expression checker reports (in English); in English,
    the checker's own words (or this builder's wording of an unknown name or function)."""
    if current_language() != "ko":
        for pattern, render in _EXPRESSION_RULES:
            if pattern.match(message):
                return render(pattern.match(message))
        return message
    return korean(message, _EXPRESSION_RULES)


def expression_names(schema: Mapping[str, Any]) -> list[str]:
    """The names a form's expressions may read: its fields, its constants and the context."""
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    constants = schema.get("x-constants") if isinstance(schema.get("x-constants"), dict) else {}
    return [*properties, *constants, *CONTEXT_NAMES]


def check_expression_text(source: Any, names: Iterable[str]) -> list[str]:
    """The problems of one expression of a form, in Korean (empty when it is fine)."""
    if not isinstance(source, str) or not source.strip():
        return [_("식이 비어 있습니다")]
    return [korean_expression_problem(message)
            for message in check_expression(source, names=list(names))]


def _bounds(at: str, prop: Mapping[str, Any]) -> list[StudioProblem]:
    problems = []
    for low, high, what in (("minimum", "maximum", _("최솟값이 최댓값보다 큽니다")),
                            ("minLength", "maxLength", _("최소 글자 수가 최대 글자 수보다 큽니다")),
                            ("minItems", "maxItems", _("최소 개수가 최대 개수보다 큽니다"))):
        a, b = prop.get(low), prop.get(high)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a > b:
            problems.append(StudioProblem(at, what))
    pattern = prop.get("pattern")
    if pattern is not None:
        try:
            re.compile(pattern) if isinstance(pattern, str) else None
        except re.error as error:
            problems.append(StudioProblem(pointer_join(at, "pattern"),
                                          _("입력 형식(정규식)이 올바르지 않습니다: %(error)s",
                                            error=error)))
        if not isinstance(pattern, str):
            problems.append(StudioProblem(pointer_join(at, "pattern"),
                                          _("입력 형식(정규식)은 글자로 씁니다")))
    return problems


def pointer_join(base: str, *parts: str | int) -> str:
    return base + pointer(*parts)


def _choice_problems(at: str, prop: Mapping[str, Any]) -> list[StudioProblem]:
    holder = prop.get("items") if isinstance(prop.get("items"), dict) else prop
    found = _choices_of(holder)
    if not found:
        return []
    style, choices = found
    base = at + ("/items" if holder is not prop else "")
    problems = []
    if not choices:
        problems.append(StudioProblem(pointer_join(base, style), _("선택지를 하나 이상 두세요")))
    seen: set[str] = set()
    for index, choice in enumerate(choices):
        key = repr(choice.get("value"))
        if choice.get("value") in (None, ""):
            problems.append(StudioProblem(pointer_join(base, style, index),
                                          _("선택지의 값(코드)을 쓰세요")))
        elif key in seen:
            problems.append(StudioProblem(pointer_join(base, style, index),
                                          _("선택지 값이 겹칩니다: %(value)s",
                                            value=choice.get("value"))))
        seen.add(key)
        if style != "enum" and not str(choice.get("label", "")).strip():
            problems.append(StudioProblem(pointer_join(base, style, index),
                                          _("선택지에 화면에 보일 이름을 쓰세요")))
    return problems


def _field_problems(at: str, name: Any, prop: Any, ui: Any) -> list[StudioProblem]:
    problems = []
    if not isinstance(name, str) or not ID_PATTERN.match(name):
        problems.append(StudioProblem(at, _("항목 이름 '%(name)s'은(는) 영문 소문자로 시작하고 "
                                            "영문 소문자·숫자·_만 쓸 수 있습니다", name=name)))
    if name in CONTEXT_NAMES:
        problems.append(StudioProblem(at, _("'%(name)s'은(는) 식에서 쓰는 예약된 이름입니다. "
                                            "다른 이름을 쓰세요", name=name)))
    if not isinstance(prop, dict):
        return [*problems, StudioProblem(at, _("항목의 스키마는 JSON 객체여야 합니다"))]
    if "$ref" not in prop and not str(prop.get("title", "")).strip():
        problems.append(StudioProblem(pointer_join(at, "title"),
                                      _("항목 '%(name)s'의 제목(한국어)을 쓰세요", name=name)))
    problems += _bounds(at, prop)
    problems += _choice_problems(at, prop)
    if isinstance(ui, dict):
        widget = ui.get("widget")
        if widget is not None and widget not in WIDGETS:
            problems.append(StudioProblem(at, _("알 수 없는 입력 방식입니다: %(widget)s",
                                                    widget=widget)))
    nested = None
    if _json_type(prop) == "object":
        nested = prop
    elif _json_type(prop) == "array" and isinstance(prop.get("items"), dict) and \
            isinstance(prop["items"].get("properties"), dict):
        nested, at = prop["items"], at + "/items"
    if nested is not None:
        children = nested.get("properties")
        if isinstance(children, dict):
            if not children:
                problems.append(StudioProblem(pointer_join(at, "properties"),
                                              _("묶음·반복 행에 항목을 하나 이상 두세요")))
            ui_map = nested.get("x-ui") if isinstance(nested.get("x-ui"), dict) else {}
            for child, child_prop in children.items():
                problems += _field_problems(pointer_join(at, "properties", child), child,
                                            child_prop, ui_map.get(child))
            for child in nested.get("required") or []:
                if child not in children:
                    problems.append(StudioProblem(pointer_join(at, "required"),
                                                  _("필수로 지정한 '%(name)s' 항목이 없습니다",
                                                    name=child)))
    return problems


def check(body: Any, registry: Registry | None = None, key: str | None = None,
          ) -> list[StudioProblem]:
    """Every problem of the form ``body`` in Korean, each with a JSON pointer into it.

    The builder's own checks: names, titles, choices, bounds, patterns, expressions and the
    fields they name, sensitive classes. With ``key`` (the form id), when those pass, the form
    is also loaded as ``ieum check`` loads ``forms/<key>.json`` (``$ref`` parts resolved
    against ``registry``'s content) and what that finds is added; the content studio calls
    without ``key`` because it runs the whole of ``ieum check`` on the draft itself.
    """
    if not isinstance(body, dict):
        return [StudioProblem("", _("양식은 JSON 객체여야 합니다"))]
    problems: list[StudioProblem] = []
    if not isinstance(body.get("title"), str) or not body["title"].strip():
        problems.append(StudioProblem("/title", _("양식 제목을 쓰세요")))
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(StudioProblem("/version", _("양식 버전은 1 이상의 정수입니다")))
    properties = body.get("properties")
    if not isinstance(properties, dict) or not properties:
        problems.append(StudioProblem("/properties", _("항목을 하나 이상 두세요")))
        properties = properties if isinstance(properties, dict) else {}
    ui_map = body.get("x-ui") if isinstance(body.get("x-ui"), dict) else {}
    for name, prop in properties.items():
        problems += _field_problems(pointer("properties", name), name, prop, ui_map.get(name))
    for name in body.get("required") or []:
        if name not in properties:
            problems.append(StudioProblem("/required", _("필수로 지정한 '%(name)s' 항목이 없습니다",
                                                         name=name)))
    for keyword, what in (("x-ui", _("화면 설정")), ("x-sensitive", _("민감정보 분류")),
                          ("x-visible", _("표시 조건")), ("x-computed", _("계산식"))):
        entries = body.get(keyword)
        if isinstance(entries, dict):
            problems += [StudioProblem(pointer(keyword, name),
                                       _("%(what)s이(가) 없는 항목 '%(name)s'을(를) 가리킵니다",
                                         what=what, name=name))
                         for name in entries if name not in properties]
    for name, kind in (body.get("x-sensitive") or {}).items():
        if kind not in SENSITIVE_CLASSES:
            problems.append(StudioProblem(pointer("x-sensitive", name),
                                          _("민감정보 분류는 %(classes)s 중 하나입니다",
                                            classes=", ".join(SENSITIVE_CLASSES))))
    names = expression_names(body)
    for keyword, what in (("x-visible", _("표시 조건")), ("x-computed", _("계산식"))):
        for name, source in (body.get(keyword) or {}).items():
            for message in check_expression_text(source, names):
                problems.append(StudioProblem(pointer(keyword, name), f"{what}: {message}"))
    computed = body.get("x-computed") or {}
    for name in computed:
        if name in (body.get("required") or []) and name in properties:
            problems.append(StudioProblem(pointer("x-computed", name),
                                          _("계산 항목 '%(name)s'은(는) 필수로 지정하지 않습니다 "
                                            "(저장할 때 계산됩니다)", name=name)))
    rules = body.get("x-rules")
    if rules is not None and not isinstance(rules, list):
        problems.append(StudioProblem("/x-rules", _("검증 규칙은 목록이어야 합니다")))
        rules = []
    for index, rule in enumerate(rules or []):
        at = pointer("x-rules", index)
        if not isinstance(rule, dict):
            problems.append(StudioProblem(at, _("검증 규칙은 rule과 message를 가진 객체입니다")))
            continue
        for message in check_expression_text(rule.get("rule"), names):
            problems.append(StudioProblem(at + "/rule",
                                          _("검증 규칙: %(problem)s", problem=message)))
        if not isinstance(rule.get("message"), str) or not rule["message"].strip():
            problems.append(StudioProblem(at + "/message",
                                          _("규칙이 맞지 않을 때 보일 안내 문구를 쓰세요")))
        for position, name in enumerate(rule.get("fields") or []):
            if name not in properties:
                problems.append(StudioProblem(pointer("x-rules", index, "fields", position),
                                              _("검증 규칙이 없는 항목 '%(name)s'을(를) 가리킵니다",
                                                name=name)))
    if problems or key is None:
        return problems
    _form, found = form_def(body, registry, key)
    return found


def model_problems(model: Mapping[str, Any]) -> list[StudioProblem]:
    """What the schema cannot show because the model loses it: two fields of one list (the
    form, a table's row, a group) with the same name (the second would replace the first)."""
    problems: list[StudioProblem] = []

    def walk(fields: Any, at: str) -> None:
        seen: set[str] = set()
        for field in fields if isinstance(fields, list) else []:
            name = field.get("name") if isinstance(field, dict) else None
            if not isinstance(name, str):
                continue
            if name in seen:
                problems.append(StudioProblem(pointer_join(at, name),
                                              _("항목 이름 '%(name)s'이(가) 두 번 쓰였습니다",
                                                name=name)))
            seen.add(name)
            nested = "/items/properties" if field.get("kind") == "rows" else "/properties"
            walk(field.get("children"), pointer_join(at, name) + nested)

    walk(model.get("fields"), "/properties")
    return problems


# --- loading a draft as the platform loads a form ------------------------------------------

_DOCUMENTS: dict[int, tuple[Registry, Documents, dict[str, tuple[Path, str | None]]]] = {}


def _documents(registry: Registry | None
               ) -> tuple[Documents, dict[str, tuple[Path, str | None]], Path | None]:
    """Every form and shared part of ``registry``'s content (what ``$ref`` can reach), the
    file of each form, and the first content root's ``forms/`` folder."""
    if registry is None:
        return Documents(), {}, None
    cached = _DOCUMENTS.get(id(registry))
    if cached is None or cached[0] is not registry:
        forms: list[Path] = []
        parts: list[Path] = []
        files: dict[str, tuple[Path, str | None]] = {}
        for source in registry.sources:
            folder = source.root / "forms"
            if not folder.is_dir():
                continue
            for path in sorted(folder.rglob("*.json")):
                if is_part(path, folder):
                    parts.append(path)
                else:
                    forms.append(path)
                    files.setdefault(path.stem, (path, source.plugin))
        documents, _problems = collect(forms, parts)
        _DOCUMENTS.clear()
        _DOCUMENTS[id(registry)] = cached = (registry, documents, files)
    root = next((s.root / "forms" for s in registry.sources if s.plugin is None), None)
    return cached[1], cached[2], root


def form_def(body: Mapping[str, Any], registry: Registry | None, key: str,
             ) -> tuple[FormDef | None, list[StudioProblem]]:
    """The form ``body`` loaded as the platform loads ``forms/<key>.json`` (``$ref`` parts
    resolved and inlined, constants written in), or the problems that stop it, in Korean."""
    documents, files, root = _documents(registry)
    if key in files:
        path, plugin = files[key]
    else:
        path, plugin = (root or Path("forms")) / f"{key}.json", None
    overlay = Documents(registry=documents.registry, data=dict(documents.data),
                        broken=set(documents.broken), paths=dict(documents.paths))
    overlay.add(path, copy.deepcopy(dict(body)))
    form, problems = load_form(path, plugin, overlay)
    return form, [StudioProblem(p.pointer, _korean_load_problem(p.message)) for p in problems]


def _korean_load_problem(message: str) -> str:
    if message.startswith("file name"):
        return _("양식 키는 영문 소문자로 시작하고 영문 소문자·숫자·_만 씁니다")
    if "$ref" in message or "reference" in message:
        return _("공유 부품 참조($ref)를 풀 수 없습니다: %(problem)s", problem=message)
    return _("양식 검사에서 찾은 문제입니다: %(problem)s", problem=message)


# --- the preview's validation --------------------------------------------------------------

def validate_sample(form: FormDef, data: Mapping[str, Any], today: Any,
                    parameters: Mapping[str, Any] | None = None) -> tuple[dict[str, Any],
                                                                          dict[str, list[str]]]:
    """What saving ``data`` in ``form`` would store and the errors that would stop it: the
    form engine's one path (visibility, computed fields, JSON Schema, resident numbers,
    cross-field rules), as on every facility screen."""
    outcome = process(form, data, today=today, parameters=parameters or {})
    return outcome.data, outcome.errors
