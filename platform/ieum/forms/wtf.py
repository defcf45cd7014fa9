"""JSON Schema -> WTForms: one form class per form version, built once.

WTForms draws and reads the HTML inputs; it does not judge them. Validation is the form
engine's (``ieum.forms.engine``), so the HTML screen and the JSON API give the same errors.
What WTForms cannot even read (``"abc"`` in a number box) comes back as a Korean message
(in the request's language).

The class is cached per form version and shared by every request, so its labels and choice
titles stay the Korean content text and are translated each time they are drawn
(:func:`ieum.i18n.lazy_content_text`).

Field attributes are named ``f__<name>`` while the HTML names stay ``<name>``: a form may
then have a field called ``data`` or ``errors`` without clashing with WTForms' own attributes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from wtforms import Form
from wtforms import fields as wt
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from ieum.definitions.model import FormDef
from ieum.forms import clock
from ieum.forms.fields import Field, field_tree
from ieum.forms.validation import Errors
from ieum.i18n import gettext as _
from ieum.i18n import lazy_content_text
from ieum.i18n import lazy_gettext as _l

ATTR = "f__"
EMPTY_CHOICE = SelectChoice("", _l("선택하세요"))


def attr(name: str) -> str:
    return ATTR + name


class _Text(wt.StringField):
    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = valuelist[0] if valuelist else None


class _Integer(wt.IntegerField):
    def process_formdata(self, valuelist: list[str]) -> None:
        text = (valuelist[0] if valuelist else "").strip().replace(",", "")
        self.data = None
        if text:
            try:
                self.data = int(text)
            except ValueError:
                raise ValueError(_("정수를 입력하세요")) from None


class _Number(wt.FloatField):
    def process_formdata(self, valuelist: list[str]) -> None:
        text = (valuelist[0] if valuelist else "").strip().replace(",", "")
        self.data = None
        if text:
            try:
                value = float(text)
            except ValueError:
                raise ValueError(_("숫자를 입력하세요")) from None
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError(_("숫자를 입력하세요"))
            self.data = int(value) if value.is_integer() and "." not in text else value


def _parsed(kind: str, message: object, parse: Callable[[str], Any]) -> type[wt.Field]:
    base = {"date": wt.DateField, "datetime": wt.DateTimeLocalField, "time": wt.TimeField}[kind]

    class Parsed(base):  # type: ignore[misc, valid-type]
        def process_formdata(self, valuelist: list[str]) -> None:
            text = (valuelist[0] if valuelist else "").strip()
            self.data = None
            if text:
                try:
                    self.data = parse(text)
                except ValueError:
                    raise ValueError(str(message)) from None

    Parsed.__name__ = f"Korean{base.__name__}"
    return Parsed


_Date = _parsed("date", _l("날짜 형식이 올바르지 않습니다 (예: 2026-03-01)"), dt.date.fromisoformat)
_DateTime = _parsed("datetime", _l("날짜와 시각 형식이 올바르지 않습니다 (예: 2026-03-01T09:30)"),
                    dt.datetime.fromisoformat)
_Time = _parsed("time", _l("시각 형식이 올바르지 않습니다 (예: 09:30)"), dt.time.fromisoformat)


class _Choice(wt.SelectField):
    def pre_validate(self, form: Form) -> None:  # the engine judges choices
        return None


class _Radio(wt.RadioField):
    def pre_validate(self, form: Form) -> None:
        return None


class _Multiple(wt.SelectMultipleField):
    def pre_validate(self, form: Form) -> None:
        return None


def _render_kw(item: Field) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    if item.placeholder:
        kw["placeholder"] = lazy_content_text(item.placeholder)
    if item.max_length and item.kind in ("text", "textarea", "phone", "rrn"):
        kw["maxlength"] = item.max_length
    if item.kind in ("integer", "number"):
        if item.minimum is not None:
            kw["min"] = item.minimum
        if item.maximum is not None:
            kw["max"] = item.maximum
        kw["step"] = item.schema.get("multipleOf", 1 if item.kind == "integer" else "any")
        kw["inputmode"] = "numeric" if item.kind == "integer" else "decimal"
    if item.kind == "phone":
        kw["inputmode"] = "tel"
        kw["autocomplete"] = "tel"
    if item.kind == "rrn":
        kw["inputmode"] = "numeric"
        kw["autocomplete"] = "off"
    if item.kind == "textarea":
        kw["rows"] = item.ui.get("rows", 4)
    if item.kind == "file":
        kw["accept"] = ",".join(item.accept)
    if item.readonly:
        kw["readonly"] = True
        kw["disabled"] = True
    return kw


def _choices(item: Field) -> list[SelectChoice]:
    return [SelectChoice(str(value), lazy_content_text(label)) for value, label in item.options]


def _unbound(item: Field) -> wt.Field:
    kw = {"name": item.name, "render_kw": _render_kw(item),
          "description": lazy_content_text(item.help) if item.help else ""}
    label = lazy_content_text(item.title)
    kind = item.kind
    if kind == "group":
        return wt.FormField(_class_for(item.children, item.path), label=label, name=item.name,
                            separator="-")
    if kind == "rows":
        return wt.FieldList(wt.FormField(_class_for(item.children, item.path)), label=label,
                            name=item.name, min_entries=0)
    simple: dict[str, type[wt.Field]] = {
        "text": _Text, "rrn": _Text, "phone": _Text, "textarea": wt.TextAreaField,
        "hidden": wt.HiddenField, "integer": _Integer, "number": _Number,
        "boolean": wt.BooleanField, "date": _Date, "datetime": _DateTime, "time": _Time,
        "file": wt.FileField,
    }
    if kind in simple:
        return simple[kind](label, **kw)
    if kind == "select":
        return _Choice(label, choices=[EMPTY_CHOICE, *_choices(item)], **kw)
    if kind == "radio":
        return _Radio(label, choices=_choices(item), **kw)
    if kind == "checkboxes":
        return _Multiple(label, choices=_choices(item), widget=ListWidget(prefix_label=False),
                         option_widget=CheckboxInput(), **kw)
    if kind == "multiselect":
        return _Multiple(label, choices=_choices(item), **kw)
    if kind == "subjects":  # choices are the facility's subjects, set by ``bind``
        return _Multiple(label, choices=[], coerce=str, **kw)
    return _Text(label, **kw)


def _class_for(items: tuple[Field, ...], path: str) -> type[Form]:
    namespace = {attr(item.name): _unbound(item) for item in items}
    return type(f"Generated_{path or 'form'}".replace(".", "_"), (Form,), namespace)


@lru_cache(maxsize=512)
def form_class(form: FormDef) -> type[Form]:
    """The WTForms class of one loaded form version."""
    return _class_for(field_tree(form).fields, "")


# --- JSON <-> WTForms ----------------------------------------------------------------------

def _to_form_value(item: Field, value: Any) -> Any:
    if value is None:
        return None
    try:
        if item.kind == "date" and isinstance(value, str):
            return dt.date.fromisoformat(value)
        if item.kind == "datetime" and isinstance(value, str):
            return clock.read_datetime(value)
        if item.kind == "time" and isinstance(value, str):
            return clock.read_time(value)
    except ValueError:
        return None
    if item.kind in ("select", "radio"):
        return str(value)
    if item.kind in ("checkboxes", "multiselect", "subjects") and isinstance(value, list):
        return [str(v) for v in value]
    if item.kind == "group" and isinstance(value, Mapping):
        return form_data(item.children, value)
    if item.kind == "rows" and isinstance(value, list):
        return [form_data(item.children, row) for row in value if isinstance(row, Mapping)]
    if item.kind == "file":  # the stored attachment id: the screen shows it as 현재 파일
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    return value


def form_data(items: tuple[Field, ...], data: Mapping[str, Any]) -> dict[str, Any]:
    """Stored JSON data in the shape WTForms expects for ``Form(data=...)``."""
    return {attr(item.name): _to_form_value(item, data.get(item.name)) for item in items}


def bind(form: FormDef, formdata: Any = None, data: Mapping[str, Any] | None = None,
         subjects: list[tuple[int, str]] | None = None) -> Form:
    """A WTForms form for ``form``, filled from a request (``formdata``) or stored data;
    ``subjects`` are the (id, label) choices of ``subjects`` fields."""
    bound = _bind(form, formdata, data)
    choices = [SelectChoice(str(i), label) for i, label in (subjects or [])]
    give_subject_choices(bound, field_tree(form).fields, choices)
    return bound


def give_subject_choices(container: Form, items: tuple[Field, ...],
                         choices: list[SelectChoice]) -> None:
    """Set the choices of every ``subjects`` field of ``container``, at any depth: inside
    groups, in every row of repeatable rows, and (kept on the rows field as
    ``subject_choices``) for a blank row the browser adds."""
    for item in items:
        field = container[attr(item.name)]
        if item.kind == "subjects":
            field.choices = choices
        elif item.kind == "group":
            give_subject_choices(field.form, item.children, choices)
        elif item.kind == "rows":
            field.subject_choices = (item.children, choices)
            for entry in field.entries:
                give_subject_choices(entry.form, item.children, choices)


def _bind(form: FormDef, formdata: Any, data: Mapping[str, Any] | None) -> Form:
    cls = form_class(form)
    if formdata is not None:
        return cls(formdata=formdata)
    tree = field_tree(form)
    if data is None or not any(f.name in data for f in tree.fields if "default" in f.schema):
        # a new record starts from the schema's defaults, under any prefilled values
        data = {**{f.name: f.schema["default"] for f in tree.fields if "default" in f.schema},
                **(data or {})}
    masked = {f.name: data.get(f.name) for f in tree.fields
              if f.kind == "rrn" and isinstance(data.get(f.name), str) and "*" in data[f.name]}
    bound = cls(data=form_data(tree.fields, {k: v for k, v in data.items() if k not in masked}))
    for name, shown in masked.items():  # a stored number: typed again only to change it
        field = bound[attr(name)]
        field.render_kw = {**(field.render_kw or {}),
                           "placeholder": _("%(shown)s (바꿀 때만 입력)", shown=shown)}
    return bound


Upload = Callable[[Field, Any], int]


def _choice_value(item: Field, raw: str) -> Any:
    for value, _label in item.options:
        if str(value) == raw:
            return value
    return raw  # not an option: the engine says so


def read(form: FormDef, wtform: Form, *, upload: Upload | None = None,
         previous: Mapping[str, Any] | None = None,
         formdata: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], Errors]:
    """The submitted values as JSON data, and the inputs that could not even be read.

    ``upload`` keeps a newly chosen file and returns its attachment id; a file field without a
    new file keeps ``previous``'s id unless the person ticked "삭제" (``<name>__remove``).
    """
    errors: Errors = {}
    data = _read(field_tree(form).fields, wtform, "", errors, upload, previous or {},
                 formdata or {})
    return data, errors


def _read(items: tuple[Field, ...], wtform: Form, prefix: str, errors: Errors,
          upload: Upload | None, previous: Mapping[str, Any],
          formdata: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        bound = wtform[attr(item.name)]
        path = f"{prefix}{item.name}"
        if bound.process_errors:
            errors.setdefault(path, []).extend(str(e) for e in bound.process_errors)
            continue
        value = _read_value(item, bound, path, errors, upload, previous.get(item.name),
                            formdata)
        if value is not None:
            out[item.name] = value
    return out


def _read_value(item: Field, bound: wt.Field, path: str, errors: Errors,
                upload: Upload | None, previous: Any, formdata: Mapping[str, Any]) -> Any:
    kind, raw = item.kind, bound.data
    if kind in ("text", "textarea", "rrn", "phone", "hidden"):
        text = (raw or "").strip()
        return text or None
    if kind in ("integer", "number"):
        return raw
    if kind == "boolean":
        return bool(raw)
    if kind == "date":
        return raw.isoformat() if raw else None
    if kind == "datetime":
        return clock.store_datetime(item.schema, raw.replace(second=0, microsecond=0)) \
            if raw else None
    if kind == "time":
        return clock.store_time(item.schema, raw.replace(second=0, microsecond=0)) \
            if raw else None
    if kind in ("select", "radio"):
        return _choice_value(item, raw) if raw not in (None, "", "None") else None
    if kind in ("checkboxes", "multiselect"):
        values = [_choice_value(item, r) for r in (raw or []) if r]
        return values or None
    if kind == "subjects":
        try:
            ids = sorted({int(r) for r in (raw or []) if r})
        except ValueError:
            errors.setdefault(path, []).append(_("대상자를 다시 선택하세요"))
            return None
        return ids or None
    if kind == "group":
        nested = _read(item.children, bound.form, f"{path}.", errors, upload,
                       previous if isinstance(previous, Mapping) else {}, formdata)
        return nested or None
    if kind == "rows":
        old_rows = previous if isinstance(previous, list) else []
        rows = []
        for position, entry in enumerate(bound.entries):
            old = old_rows[position] if position < len(old_rows) else {}
            rows.append(_read(item.children, entry.form, f"{path}.{position}.", errors, upload,
                              old if isinstance(old, Mapping) else {}, formdata))
        return rows or None
    if kind == "file":
        if raw is not None and getattr(raw, "filename", "") and upload is not None:
            try:
                return upload(item, raw)
            except ValueError as problem:
                errors.setdefault(path, []).append(str(problem))
                return previous
        if formdata.get(f"{bound.name}__remove"):
            return None
        return previous if isinstance(previous, int) else None
    return raw
