"""The field tree of a form: what each JSON Schema property is as a screen field.

Everything that turns a schema into something a person sees (WTForms classes, list columns,
Excel headers, the detail and print views) starts from this one reading of the schema, so
the screens cannot disagree about what a property is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ieum.definitions.model import FormDef
from ieum.forms.clock import DATE_TIME_FORMATS, TIME_FORMATS
from ieum.i18n import content_text
from ieum.i18n import gettext as _

#: Kinds of field; the widget a screen draws follows from the kind.
#: ``subjects``: an array of the facility's subject ids (several people in one record).
SCALAR_KINDS = frozenset({
    "text", "textarea", "integer", "number", "boolean", "date", "datetime", "time",
    "select", "radio", "rrn", "phone", "hidden", "file",
})
CHOICE_KINDS = frozenset({"select", "radio", "checkboxes", "multiselect"})
DEFAULT_MAX_UPLOAD = 10 * 1024 * 1024
DEFAULT_ACCEPT = (".pdf", ".hwp", ".hwpx", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".jpeg",
                  ".png", ".gif", ".txt", ".zip")


@dataclass(frozen=True)
class Field:
    """One property of a form (or of a nested object or a row) as a screen field."""

    name: str
    path: str
    title: str
    kind: str
    schema: Mapping[str, Any] = field(repr=False)
    required: bool = False
    options: tuple[tuple[Any, str], ...] = ()
    ui: Mapping[str, Any] = field(default_factory=dict, repr=False)
    readonly: bool = False
    computed: bool = False
    children: tuple[Field, ...] = ()
    sensitive: str | None = None
    # Required only under a condition (JSON Schema ``if``/``then``), kept as its parts (see
    # ``_required_when``) so that ``required_when`` reads in the request's language.
    required_if: tuple[Condition | None, ...] = ()

    @property
    def required_when(self) -> str:
        """What the screen says when the field is required only under a condition, e.g.
        "종류: 현금일 때 필수"; empty when it is always or never required."""
        return " / ".join(_condition_sentence(clause) for clause in self.required_if)

    @property
    def section(self) -> str | None:
        return self.ui.get("section")

    @property
    def help(self) -> str | None:
        return self.ui.get("help") or self.schema.get("description")

    @property
    def placeholder(self) -> str | None:
        return self.ui.get("placeholder")

    @property
    def in_list(self) -> bool:
        return bool(self.ui.get("list"))

    @property
    def is_filter(self) -> bool:
        return bool(self.ui.get("filter"))

    @property
    def is_stat(self) -> bool:
        return bool(self.ui.get("stat"))

    @property
    def minimum(self) -> float | None:
        """The inclusive lower bound (an exclusive one is left to the server's check)."""
        return self.schema.get("minimum")

    @property
    def maximum(self) -> float | None:
        return self.schema.get("maximum")

    @property
    def max_length(self) -> int | None:
        return self.schema.get("maxLength")

    @property
    def accept(self) -> tuple[str, ...]:
        accept = self.ui.get("accept")
        if not accept:
            return DEFAULT_ACCEPT
        return tuple(part.strip().lower() for part in accept.split(",") if part.strip())

    @property
    def max_size(self) -> int:
        return int(self.ui.get("max_size", DEFAULT_MAX_UPLOAD))

    def label_of(self, value: Any) -> str:
        """The Korean label of a choice value (the value itself when it has none)."""
        for option, label in self.options:
            if option == value:
                return label
        return "" if value is None else str(value)


@dataclass(frozen=True)
class FieldTree:
    """A form's fields in screen order, with the indexes screens need."""

    form_id: str
    version: int
    fields: tuple[Field, ...]

    def by_path(self) -> dict[str, Field]:
        index: dict[str, Field] = {}

        def walk(items: tuple[Field, ...]) -> None:
            for item in items:
                index[item.path] = item
                walk(item.children)

        walk(self.fields)
        return index

    @property
    def sections(self) -> list[tuple[str | None, list[Field]]]:
        """Top-level fields grouped by ``x-ui.section``, sections in first-appearance order."""
        groups: dict[str | None, list[Field]] = {}
        for item in self.fields:
            groups.setdefault(item.section, []).append(item)
        return list(groups.items())

    @property
    def list_columns(self) -> list[Field]:
        """List columns; a ``private`` field is never one (lists show many people's rows)."""
        shown = [f for f in self.fields if f.sensitive != "private" or f.kind == "boolean"]
        columns = [f for f in shown if f.in_list]
        return columns or [f for f in shown if f.kind in SCALAR_KINDS - {"file", "hidden"}][:5]

    @property
    def stat_fields(self) -> list[Field]:
        """Choice fields counted on the statistics screen (``x-ui.stat``; else every one)."""
        choices = [f for f in self.fields if f.kind in ("select", "radio", "boolean")]
        return [f for f in choices if f.is_stat] or choices

    @property
    def filters(self) -> list[Field]:
        return [f for f in self.fields if f.is_filter]

    def top(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


def primary_type(schema: Mapping[str, Any]) -> str | None:
    """The JSON type of a schema, ignoring ``null`` in a type list."""
    kind = schema.get("type")
    if isinstance(kind, (list, tuple)):
        kinds = [k for k in kind if k != "null"]
        return kinds[0] if kinds else None
    return kind


def choice_options(schema: Mapping[str, Any]) -> tuple[tuple[Any, str], ...]:
    """Options from ``enum`` (label = value) or ``oneOf``/``anyOf`` of ``const`` + ``title``."""
    if "enum" in schema:
        return tuple((value, str(value)) for value in schema["enum"] if value is not None)
    for keyword in ("oneOf", "anyOf"):
        branches = schema.get(keyword)
        if branches and all(isinstance(b, Mapping) and "const" in b for b in branches):
            return tuple((b["const"], b.get("title", str(b["const"]))) for b in branches)
    return ()


def _kind(schema: Mapping[str, Any], ui: Mapping[str, Any], sensitive: str | None) -> str:
    widget = ui.get("widget")
    json_type = primary_type(schema)
    if widget == "file":
        return "file"
    if widget == "hidden":
        return "hidden"
    if widget == "subjects":
        return "subjects"
    if json_type == "object":
        return "group"
    if json_type == "array":
        items = schema.get("items", {})
        if choice_options(items):
            return "multiselect" if widget == "select" else "checkboxes"
        return "rows"
    if choice_options(schema):
        return "radio" if widget == "radio" else "select"
    if json_type == "boolean":
        return "boolean"
    if json_type in ("integer", "number"):
        return json_type
    return text_kind(schema, widget, sensitive)


def text_kind(schema: Mapping[str, Any], widget: Any, sensitive: Any) -> str:
    """The kind of a text field: by its widget, else its format, else its length."""
    fmt = schema.get("format")
    if widget == "date" or fmt == "date":
        return "date"
    if widget == "datetime" or fmt in DATE_TIME_FORMATS:
        return "datetime"
    if widget == "time" or fmt in TIME_FORMATS:
        return "time"
    if widget == "rrn" or sensitive == "rrn":
        return "rrn"
    if widget == "phone":
        return "phone"
    if widget == "textarea" or (schema.get("maxLength") or 0) > 500:
        return "textarea"
    return "text"


def _conditional_clauses(schema: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    clauses = [schema] if "if" in schema else []
    clauses += [c for c in schema.get("allOf") or () if isinstance(c, Mapping) and "if" in c]
    return clauses


#: One tested field of a condition: (its title, how it is tested, the choice titles or values
#: named). How: ``selected``/``unselected`` (a boolean), ``is`` (one of the values), ``not``.
ConditionPart = tuple[str, str, tuple[str, ...]]
#: The tested fields of one ``if`` (None: a condition too intricate to describe).
Condition = tuple[ConditionPart, ...]


def _condition_part(prop: Mapping[str, Any], name: str, test: Any) -> ConditionPart | None:
    """The parts of ``구분: 현금``, ``사유: 무단이탈 또는 기타``, ``사유: 사망 외`` or
    ``사용 지정 선택`` for the tests a condition usually makes; None for anything else."""
    if not isinstance(test, Mapping):
        return None
    labels = dict(choice_options(prop))
    title = str(prop.get("title", name))
    if "const" in test:
        value = test["const"]
        if value is True:
            return (title, "selected", ())
        if value is False:
            return (title, "unselected", ())
        return (title, "is", (str(labels.get(value, value)),))
    if isinstance(test.get("enum"), (list, tuple)):
        return (title, "is", tuple(str(labels.get(v, v)) for v in test["enum"]))
    negated = test.get("not")
    if isinstance(negated, Mapping) and "const" in negated:
        return (title, "not", (str(labels.get(negated["const"], negated["const"])),))
    return None


def _part_text(part: ConditionPart) -> str:
    """One tested field in the request's language (titles are content texts)."""
    title, how, values = part
    shown = content_text(title)
    if how == "selected":
        return _("%(title)s 선택", title=shown)
    if how == "unselected":
        return _("%(title)s 미선택", title=shown)
    named = _(" 또는 ").join(content_text(value) for value in values)
    if how == "not":
        return _("%(title)s: %(value)s 외", title=shown, value=named)
    return _("%(title)s: %(values)s", title=shown, values=named)


def _condition_sentence(clause: Condition | None) -> str:
    if not clause:
        return _("조건에 따라 필수")
    conditions = ", ".join(_part_text(part) for part in clause)
    last = clause[-1]
    # Korean: "… 선택 시 필수" after a part that ends in 선택, "…일 때 필수" otherwise
    if last[1] in ("selected", "unselected") or (last[1] == "is" and last[2]
                                                   and last[2][-1].endswith("선택")):
        return _("%(conditions)s 시 필수", conditions=conditions)
    return _("%(conditions)s일 때 필수", conditions=conditions)


def _required_when(schema: Mapping[str, Any]) -> dict[str, tuple[Condition | None, ...]]:
    """Field name -> the conditions under which an ``if``/``then`` clause requires it.

    Only the simple, common shape is described: ``if`` tests constants of sibling fields
    (``{"properties": {"kind": {"const": "cash"}}}``); anything else reads "조건에 따라 필수".
    """
    properties = schema.get("properties") or {}
    found: dict[str, list[Condition | None]] = {}
    for clause in _conditional_clauses(schema):
        condition = clause.get("if") or {}
        then = clause.get("then") or {}
        parts: list[ConditionPart] = []
        for name, test in (condition.get("properties") or {}).items():
            part = _condition_part(properties.get(name) or {}, name, test)
            if part is None:
                parts = []
                break
            parts.append(part)
        for name in then.get("required") or ():
            found.setdefault(name, []).append(tuple(parts) or None)
    return {name: tuple(clauses) for name, clauses in found.items()}


def _fields(schema: Mapping[str, Any], prefix: str, computed: frozenset[str],
            sensitive: Mapping[str, str]) -> tuple[Field, ...]:
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    required_when = _required_when(schema)
    ui_map = schema.get("x-ui") or {}
    built = []
    for position, (name, prop) in enumerate(properties.items()):
        if not isinstance(prop, Mapping):
            continue
        ui = ui_map.get(name) or {}
        path = f"{prefix}{name}"
        kind = _kind(prop, ui, sensitive.get(name) if not prefix else None)
        children: tuple[Field, ...] = ()
        if kind == "group":
            children = _fields(prop, f"{path}.", frozenset(), {})
        elif kind == "rows":
            children = _fields(prop.get("items") or {}, "", frozenset(), {})
        options = choice_options(prop.get("items", {}) if kind in ("checkboxes", "multiselect")
                                 else prop)
        built.append((ui.get("order", 10_000), position, Field(
            name=name, path=path, title=prop.get("title", name), kind=kind, schema=prop,
            required=name in required, options=options, ui=ui,
            readonly=bool(prop.get("readOnly")) or name in computed,
            computed=name in computed, children=children,
            sensitive=sensitive.get(name) if not prefix else None,
            required_if=() if name in required else required_when.get(name, ()),
        )))
    built.sort(key=lambda entry: (entry[0], entry[1]))
    return tuple(entry[2] for entry in built)


@lru_cache(maxsize=512)
def _tree(form: FormDef) -> FieldTree:
    schema = form.schema
    return FieldTree(form.id, form.version, _fields(
        schema, "", frozenset(form.computed), form.sensitive))


def field_tree(form: FormDef) -> FieldTree:
    """The field tree of a form, built once per loaded form (forms are immutable)."""
    return _tree(form)


def file_ids(items: tuple[Field, ...], data: Mapping[str, Any]) -> list[int]:
    """The attachment ids a record's data holds, in file fields at any depth."""
    found: list[int] = []
    for item in items:
        value = data.get(item.name)
        if item.kind == "file" and isinstance(value, int) and not isinstance(value, bool):
            found.append(value)
        elif item.kind == "group" and isinstance(value, Mapping):
            found += file_ids(item.children, value)
        elif item.kind == "rows" and isinstance(value, list):
            for row in value:
                if isinstance(row, Mapping):
                    found += file_ids(item.children, row)
    return found


def subject_refs(items: tuple[Field, ...], data: Mapping[str, Any],
                 prefix: str = "") -> dict[str, list[Any]]:
    """The subject ids each ``subjects`` field holds, at any depth (inside groups and the rows
    of repeatable groups), by field path (``visits.0.attendees``)."""
    found: dict[str, list[Any]] = {}
    for item in items:
        value = data.get(item.name)
        path = f"{prefix}{item.name}"
        if item.kind == "subjects" and isinstance(value, list) and value:
            found[path] = value
        elif item.kind == "group" and isinstance(value, Mapping):
            found.update(subject_refs(item.children, value, f"{path}."))
        elif item.kind == "rows" and isinstance(value, list):
            for index, row in enumerate(value):
                if isinstance(row, Mapping):
                    found.update(subject_refs(item.children, row, f"{path}.{index}."))
    return found
