"""Schema -> screen fields without a database: the field tree, the WTForms widgets each kind
draws, what ``read`` makes of submitted inputs, the form-field template and ``display``."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
import pytest
from werkzeug.datastructures import MultiDict

import ieum.web
from ieum import i18n
from ieum.definitions import load_registry
from ieum.definitions.frozen import freeze
from ieum.definitions.model import FormDef
from ieum.forms import validation, wtf
from ieum.forms.display import display, mask_rrn
from ieum.forms.engine import process
from ieum.forms.fields import field_tree
from ieum.web.template_helpers import blank_row, field_value
from tests.conftest import TEST_CONTENT
from tests.formlab import GOOD

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(scope="module")
def casebook() -> FormDef:
    return load_registry([TEST_CONTENT], plugins=False).forms["casebook"]


def make_form(properties: dict[str, Any], **extra: Any) -> FormDef:
    schema = {"type": "object", "properties": properties, **extra}
    return FormDef(f"t_{uuid.uuid4().hex[:8]}", "시험", 1, schema=freeze(schema),
                   path=Path("x.json"))


def one(schema: dict[str, Any], ui: dict[str, Any] | None = None, name: str = "v") -> FormDef:
    return make_form({name: schema}, **({"x-ui": {name: ui}} if ui else {}))


def html(form: FormDef, name: str = "v", data: dict[str, Any] | None = None) -> str:
    return str(wtf.bind(form, data=data)[wtf.attr(name)]())


def submit(form: FormDef, pairs: list[tuple[str, str]], **kw: Any):
    bound = wtf.bind(form, formdata=MultiDict(pairs))
    return wtf.read(form, bound, **kw)


def tag(markup: str, name: str) -> str:
    """The opening tag of the input/select/textarea named ``name``."""
    match = re.search(rf'<(?:input|select|textarea)\b[^>]*\bname="{re.escape(name)}"[^>]*>',
                      markup)
    assert match, f"no input named {name} in {markup}"
    return match.group(0)


def attrs(opening_tag: str) -> dict[str, str]:
    return {k: v for k, v in re.findall(r'([\w-]+)(?:="([^"]*)")?', opening_tag[1:])}


# --- the field tree ------------------------------------------------------------------------

def test_field_tree_orders_by_x_ui_order_then_declaration(casebook) -> None:
    form = make_form(
        {"c": {"type": "string"}, "a": {"type": "string"}, "z": {"type": "string"},
         "b": {"type": "string"}, "y": {"type": "string"}},
        **{"x-ui": {"a": {"order": 2}, "b": {"order": 1}, "y": {"order": 2}}})
    assert [f.name for f in field_tree(form).fields] == ["b", "a", "y", "c", "z"]

    tree = field_tree(casebook)
    assert [f.name for f in tree.fields][:5] == ["written_on", "visited_at", "title", "rrn",
                                                 "method"]
    assert [f.name for f in tree.fields][-2:] == ["evidence", "case_no"]
    plan = tree.top("plan")
    assert [c.name for c in plan.children] == ["item", "amount"]
    assert [c.path for c in tree.top("guardian").children] == ["guardian.name",
                                                               "guardian.phone"]
    assert tree.by_path()["guardian.phone"].title == "연락처"


def test_sections_keep_first_appearance_order_and_unsectioned_fields(casebook) -> None:
    sections = field_tree(casebook).sections
    assert [title for title, _ in sections] == ["기본", "평가", "자립정착금", "기타"]
    assert [f.name for f in dict(sections)["자립정착금"]] == ["grant", "plan", "plan_total"]
    form = make_form({"a": {"type": "string"}, "b": {"type": "string"},
                      "c": {"type": "string"}},
                     **{"x-ui": {"b": {"section": "둘"}, "a": {"section": "하나"}}})
    assert [(t, [f.name for f in items]) for t, items in field_tree(form).sections] == [
        ("하나", ["a"]), ("둘", ["b"]), (None, ["c"])]


def test_list_columns_are_the_flagged_fields_or_the_first_five_scalars(casebook) -> None:
    assert [f.name for f in field_tree(casebook).list_columns] == [
        "written_on", "title", "method", "score_total"]
    form = make_form({
        "guardian": {"type": "object", "properties": {"n": {"type": "string"}}},
        "rows": {"type": "array", "items": {"type": "object", "properties": {}}},
        "tags": {"type": "array", "items": {"enum": ["a"]}},
        "s1": {"type": "string"}, "s2": {"type": "integer"}, "s3": {"type": "boolean"},
        "s4": {"type": "string", "format": "date"}, "s5": {"type": "string", "enum": ["x"]},
        "s6": {"type": "string"},
    })
    assert [f.name for f in field_tree(form).list_columns] == ["s1", "s2", "s3", "s4", "s5"]


def test_kinds_follow_from_type_format_and_widget(casebook) -> None:
    kinds = {f.name: f.kind for f in field_tree(casebook).fields}
    assert kinds == {
        "written_on": "date", "visited_at": "datetime", "title": "text", "rrn": "rrn",
        "method": "radio", "method_other": "text", "living": "select", "needs": "checkboxes",
        "summary": "textarea", "score_a": "integer", "score_b": "integer",
        "score_total": "integer", "monthly_income": "number", "grant": "integer",
        "plan": "rows", "plan_total": "integer", "guardian": "group", "consent": "boolean",
        "evidence": "file", "case_no": "text"}
    tree = field_tree(casebook)
    assert tree.top("score_total").readonly and tree.top("score_total").computed
    assert tree.top("case_no").readonly and not tree.top("case_no").computed
    assert not tree.top("title").readonly


# --- widgets and reading, kind by kind -----------------------------------------------------

def test_text_draws_maxlength_and_placeholder_and_reads_trimmed() -> None:
    form = one({"type": "string", "title": "이름", "maxLength": 20},
               {"placeholder": "홍길동"})
    opening = attrs(tag(html(form, data={"v": "김철수"}), "v"))
    assert opening["type"] == "text" and opening["maxlength"] == "20"
    assert opening["placeholder"] == "홍길동" and opening["value"] == "김철수"
    assert submit(form, [("v", "  김영희 ")]) == ({"v": "김영희"}, {})
    assert submit(form, [("v", "   ")]) == ({}, {})
    assert submit(form, []) == ({}, {})


def test_textarea_by_widget_or_by_length() -> None:
    by_widget = one({"type": "string", "maxLength": 100}, {"widget": "textarea", "rows": 7})
    markup = html(by_widget, data={"v": "첫 줄\n둘째 줄"})
    opening = attrs(tag(markup, "v"))
    assert markup.startswith("<textarea") and opening["rows"] == "7"
    assert opening["maxlength"] == "100" and "첫 줄\n둘째 줄</textarea>" in markup
    assert submit(by_widget, [("v", "첫 줄\r\n둘째 줄\n")]) == ({"v": "첫 줄\r\n둘째 줄"}, {})
    long_text = one({"type": "string", "maxLength": 501})
    assert field_tree(long_text).top("v").kind == "textarea"
    assert attrs(tag(html(long_text), "v"))["rows"] == "4"
    assert field_tree(one({"type": "string", "maxLength": 500})).top("v").kind == "text"


def test_integer_draws_bounds_step_and_numeric_keyboard() -> None:
    form = one({"type": "integer", "minimum": 0, "maximum": 10})
    opening = attrs(tag(html(form, data={"v": 3}), "v"))
    assert opening["type"] == "number" and opening["inputmode"] == "numeric"
    assert (opening["min"], opening["max"], opening["step"]) == ("0", "10", "1")
    assert opening["value"] == "3"
    stepped = attrs(tag(html(one({"type": "integer", "multipleOf": 100})), "v"))
    assert stepped["step"] == "100" and "min" not in stepped and "max" not in stepped


def test_number_draws_decimal_keyboard_and_any_step() -> None:
    opening = attrs(tag(html(one({"type": "number", "minimum": 0.5, "maximum": 99.5})), "v"))
    assert opening["inputmode"] == "decimal" and opening["step"] == "any"
    assert (opening["min"], opening["max"]) == ("0.5", "99.5")
    assert attrs(tag(html(one({"type": "number", "multipleOf": 0.1})), "v"))["step"] == "0.1"


@pytest.mark.parametrize(("kind", "text", "value"), [
    ("integer", "1,000", 1000), ("integer", " 42 ", 42), ("integer", "-7", -7),
    ("integer", "1,234,567", 1234567),
    ("number", "1,000", 1000), ("number", "2.50", 2.5), ("number", "1,234.5", 1234.5),
    ("number", "3", 3), ("number", "-0.25", -0.25),
])
def test_numbers_read_with_thousands_separators(kind, text, value) -> None:
    data, errors = submit(one({"type": kind}), [("v", text)])
    assert errors == {} and data == {"v": value}
    assert type(data["v"]) is type(value)


@pytest.mark.parametrize(("kind", "text", "message"), [
    ("integer", "abc", "정수를 입력하세요"), ("integer", "1.5", "정수를 입력하세요"),
    ("integer", "nan", "정수를 입력하세요"), ("integer", "1e3", "정수를 입력하세요"),
    ("number", "abc", "숫자를 입력하세요"), ("number", "nan", "숫자를 입력하세요"),
    ("number", "NaN", "숫자를 입력하세요"), ("number", "inf", "숫자를 입력하세요"),
    ("number", "-Infinity", "숫자를 입력하세요"), ("number", "1e999", "숫자를 입력하세요"),
    ("number", "일백", "숫자를 입력하세요"),
])
def test_unreadable_numbers_get_a_korean_message_and_no_value(kind, text, message) -> None:
    form = make_form({"v": {"type": kind}, "w": {"type": "string"}})
    data, errors = submit(form, [("v", text), ("w", "그대로")])
    assert errors == {"v": [message]}
    assert data == {"w": "그대로"}  # the other inputs are still read


def test_blank_numbers_are_absent() -> None:
    assert submit(one({"type": "integer"}), [("v", "  ")]) == ({}, {})
    assert submit(one({"type": "number"}), [("v", "")]) == ({}, {})


def test_boolean_is_a_checkbox_and_unchecked_reads_false() -> None:
    form = one({"type": "boolean", "title": "동의"})
    opening = attrs(tag(html(form, data={"v": True}), "v"))
    assert opening["type"] == "checkbox" and "checked" in opening
    assert "checked" not in attrs(tag(html(form, data={"v": False}), "v"))
    assert submit(form, [("v", "y")]) == ({"v": True}, {})
    assert submit(form, []) == ({"v": False}, {})
    assert submit(form, [("v", "false")]) == ({"v": False}, {})


@pytest.mark.parametrize(("schema", "html_type", "text", "stored"), [
    ({"type": "string", "format": "date"}, "date", "2026-03-01", "2026-03-01"),
    ({"type": "string", "format": "local-date-time"}, "datetime-local", "2026-03-01T09:30",
     "2026-03-01T09:30"),
    ({"type": "string", "format": "local-date-time"}, "datetime-local", "2026-03-01T09:30:45",
     "2026-03-01T09:30"),
    ({"type": "string", "format": "local-time"}, "time", "09:30", "09:30"),
    ({"type": "string"}, "date", "2026-12-31", "2026-12-31"),  # by widget "date"
])
def test_date_time_inputs_have_their_html_type_and_read_iso(schema, html_type, text,
                                                            stored) -> None:
    form = one(schema, {"widget": "date"} if "format" not in schema else None)
    assert attrs(tag(html(form), "v"))["type"] == html_type
    assert submit(form, [("v", text)]) == ({"v": stored}, {})
    assert submit(form, [("v", "")]) == ({}, {})


def test_stored_dates_are_shown_in_their_inputs() -> None:
    form = make_form({"d": {"type": "string", "format": "date"},
                      "at": {"type": "string", "format": "local-date-time"},
                      "t": {"type": "string", "format": "local-time"}})
    bound = wtf.bind(form, data={"d": "2026-03-01", "at": "2026-03-01T09:30", "t": "18:05"})
    assert attrs(tag(str(bound["f__d"]()), "d"))["value"] == "2026-03-01"
    shown = attrs(tag(str(bound[wtf.attr("at")]()), "at"))["value"]
    assert dt.datetime.fromisoformat(shown) == dt.datetime(2026, 3, 1, 9, 30)
    assert attrs(tag(str(bound[wtf.attr("t")]()), "t"))["value"] == "18:05"
    broken = wtf.bind(form, data={"d": "어제"})  # a bad stored value is an empty input
    assert attrs(tag(str(broken["f__d"]()), "d"))["value"] == ""


def test_rfc3339_time_fields_store_seconds_and_the_facility_offset() -> None:
    """A ``time``/``date-time`` field is RFC 3339: the screen takes HH:MM (Korean time) and
    stores a full-time / date-time that the field's own format accepts; shown back as typed."""
    form = make_form({"at": {"type": "string", "format": "date-time"},
                      "t": {"type": "string", "format": "time"}})
    data, errors = submit(form, [("at", "2026-03-01T09:30"), ("t", "18:05")])
    assert errors == {}
    assert data == {"at": "2026-03-01T09:30:00+09:00", "t": "18:05:00+09:00"}
    assert validation.schema_errors(form, data) == {}
    bound = wtf.bind(form, data={"at": "2026-03-01T00:30:00Z", "t": "09:05:00Z"})
    shown = attrs(tag(str(bound[wtf.attr("at")]()), "at"))["value"]
    assert dt.datetime.fromisoformat(shown) == dt.datetime(2026, 3, 1, 9, 30)
    assert attrs(tag(str(bound[wtf.attr("t")]()), "t"))["value"] == "18:05"


def test_time_formats_follow_rfc3339_and_local_ones_keep_existing_data() -> None:
    form = make_form({"t": {"type": "string", "format": "time"},
                      "lt": {"type": "string", "format": "local-time"},
                      "at": {"type": "string", "format": "date-time"},
                      "lat": {"type": "string", "format": "local-date-time"}})
    assert validation.schema_errors(form, {"t": "08:30:06Z", "lt": "10:00",
                                           "at": "2026-03-01T09:30:00+09:00",
                                           "lat": "2026-03-01T09:30"}) == {}
    refused = validation.schema_errors(form, {"t": "10:00", "lt": "10:00+09:00",
                                              "at": "2026-03-01T09:30", "lat": "09:30"})
    assert set(refused) == {"t", "lt", "at", "lat"}


@pytest.mark.parametrize(("schema", "text", "message"), [
    ({"type": "string", "format": "date"}, "2026-13-01",
     "날짜 형식이 올바르지 않습니다 (예: 2026-03-01)"),
    ({"type": "string", "format": "date"}, "어제",
     "날짜 형식이 올바르지 않습니다 (예: 2026-03-01)"),
    ({"type": "string", "format": "local-date-time"}, "내일 아침",
     "날짜와 시각 형식이 올바르지 않습니다 (예: 2026-03-01T09:30)"),
    ({"type": "string", "format": "local-time"}, "25:00",
     "시각 형식이 올바르지 않습니다 (예: 09:30)"),
    ({"type": "string", "format": "local-time"}, "아홉시",
     "시각 형식이 올바르지 않습니다 (예: 09:30)"),
])
def test_unreadable_dates_and_times_get_korean_messages(schema, text, message) -> None:
    assert submit(one(schema), [("v", text)]) == ({}, {"v": [message]})


def test_select_starts_with_an_empty_choice_and_shows_one_of_labels() -> None:
    form = one({"type": "string", "title": "방법", "oneOf": [
        {"const": "visit", "title": "방문"}, {"const": "phone", "title": "전화"}]})
    markup = html(form, data={"v": "phone"})
    assert markup.startswith("<select") and "multiple" not in tag(markup, "v")
    options = re.findall(r'<option( selected)? value="([^"]*)">([^<]*)</option>', markup)
    assert options == [("", "", "선택하세요"), ("", "visit", "방문"),
                       (" selected", "phone", "전화")]
    assert submit(form, [("v", "visit")]) == ({"v": "visit"}, {})
    assert submit(form, [("v", "")]) == ({}, {})


def test_choices_read_back_as_the_options_own_values() -> None:
    form = one({"type": "integer", "enum": [10, 20, 30]})
    assert 'selected value="20"' in html(form, data={"v": 20})
    assert submit(form, [("v", "20")]) == ({"v": 20}, {})
    data, errors = submit(form, [("v", "99")])  # not an option: passed on for the engine
    assert errors == {} and data == {"v": "99"}
    outcome = process(form, data, today=TODAY)
    assert "선택할 수 있는 값이 아닙니다" in outcome.errors["v"]


def test_radio_draws_one_input_per_option_without_an_empty_choice() -> None:
    form = one({"type": "string", "enum": ["자가", "전세"]}, {"widget": "radio"})
    markup = html(form, data={"v": "전세"})
    radios = [attrs(t) for t in re.findall(r"<input[^>]*>", markup)]
    assert [(r["type"], r["name"], r["value"]) for r in radios] == [
        ("radio", "v", "자가"), ("radio", "v", "전세")]
    assert ["checked" in r for r in radios] == [False, True]
    assert "선택하세요" not in markup
    assert re.findall(r'<label for="v-\d">([^<]*)</label>', markup) == ["자가", "전세"]
    assert submit(form, [("v", "자가")]) == ({"v": "자가"}, {})
    assert submit(form, []) == ({}, {})


def test_checkboxes_draw_one_checkbox_per_option_and_read_a_list() -> None:
    form = one({"type": "array", "items": {"oneOf": [
        {"const": 1, "title": "주거"}, {"const": 2, "title": "취업"},
        {"const": 3, "title": "학업"}]}})
    assert field_tree(form).top("v").kind == "checkboxes"
    markup = html(form, data={"v": [1, 3]})
    boxes = [attrs(t) for t in re.findall(r"<input[^>]*>", markup)]
    assert [(b["type"], b["name"], b["value"]) for b in boxes] == [
        ("checkbox", "v", "1"), ("checkbox", "v", "2"), ("checkbox", "v", "3")]
    assert ["checked" in b for b in boxes] == [True, False, True]
    assert re.findall(r"<label[^>]*>([^<]*)</label>", markup) == ["주거", "취업", "학업"]
    assert submit(form, [("v", "3"), ("v", "1")]) == ({"v": [3, 1]}, {})
    assert submit(form, []) == ({}, {})


def test_multiselect_is_a_select_multiple_on_an_array_of_enums() -> None:
    form = one({"type": "array", "items": {"enum": ["주거", "취업", "건강"]}},
               {"widget": "select"})
    assert field_tree(form).top("v").kind == "multiselect"
    markup = html(form, data={"v": ["취업", "건강"]})
    assert markup.startswith("<select") and "multiple" in attrs(tag(markup, "v"))
    assert re.findall(r'<option( selected)? value="([^"]*)">', markup) == [
        ("", "주거"), (" selected", "취업"), (" selected", "건강")]
    assert "선택하세요" not in markup
    assert submit(form, [("v", "건강"), ("v", "주거")]) == ({"v": ["건강", "주거"]}, {})


def test_group_fields_are_named_with_a_dash_and_read_nested(casebook) -> None:
    markup = html(casebook, "guardian", data={"guardian": {"name": "김보호"}})
    assert attrs(tag(markup, "guardian-name"))["value"] == "김보호"
    assert attrs(tag(markup, "guardian-phone"))["value"] == ""
    form = make_form({"guardian": casebook.schema_dict()["properties"]["guardian"]})
    assert submit(form, [("guardian-phone", "010-1234-5678")]) == (
        {"guardian": {"phone": "010-1234-5678"}}, {})
    assert submit(form, [("guardian-name", ""), ("guardian-phone", " ")]) == ({}, {})


def test_group_read_errors_carry_the_dotted_path() -> None:
    form = make_form({"g": {"type": "object", "properties": {"n": {"type": "integer"}}}})
    assert submit(form, [("g-n", "열")]) == ({}, {"g.n": ["정수를 입력하세요"]})


def test_rows_are_read_in_index_order_with_gaps_closed(casebook) -> None:
    form = make_form({"plan": casebook.schema_dict()["properties"]["plan"]})
    data, errors = submit(form, [
        ("plan-10-item", "셋째"), ("plan-5-item", "둘째"), ("plan-5-amount", "1,500"),
        ("plan-0-item", "첫째"), ("plan-0-amount", "700")])
    assert errors == {}
    assert data == {"plan": [{"item": "첫째", "amount": 700}, {"item": "둘째", "amount": 1500},
                             {"item": "셋째"}]}
    bound = wtf.bind(form, formdata=MultiDict([("plan-0-item", "a"), ("plan-5-item", "b")]))
    assert [e.name for e in bound["f__plan"].entries] == ["plan-0", "plan-1"]
    markup = str(bound["f__plan"]())
    assert attrs(tag(markup, "plan-1-item"))["value"] == "b"  # re-drawn without the gap
    assert submit(form, []) == ({}, {})


def test_row_read_errors_use_the_row_position_the_engine_uses(casebook) -> None:
    form = make_form({"plan": casebook.schema_dict()["properties"]["plan"]})
    data, errors = submit(form, [("plan-2-item", "a"), ("plan-2-amount", "1"),
                                 ("plan-7-item", "b"), ("plan-7-amount", "x")])
    assert errors == {"plan.1.amount": ["정수를 입력하세요"]}
    assert data == {"plan": [{"item": "a", "amount": 1}, {"item": "b"}]}
    assert "plan.1.amount" in process(form, data, today=TODAY).errors


def test_rows_from_stored_data_fill_one_entry_per_row(casebook) -> None:
    bound = wtf.bind(casebook, data={"plan": GOOD["plan"]})
    markup = str(bound["f__plan"]())
    assert attrs(tag(markup, "plan-0-item"))["value"] == "보증금"
    assert attrs(tag(markup, "plan-1-amount"))["value"] == "300"
    assert "plan-2-item" not in markup


def test_hidden_fields_are_hidden_inputs_and_are_read() -> None:
    form = one({"type": "string"}, {"widget": "hidden"})
    opening = attrs(tag(html(form, data={"v": "abc"}), "v"))
    assert opening["type"] == "hidden" and opening["value"] == "abc"
    assert submit(form, [("v", " abc ")]) == ({"v": "abc"}, {})


def test_read_only_and_computed_fields_are_drawn_disabled_and_ignored(casebook) -> None:
    for name in ("case_no", "score_total", "plan_total"):
        opening = attrs(tag(html(casebook, name, data={name: 1}), name))
        assert "disabled" in opening and "readonly" in opening, name
    pairs = [("written_on", "2026-03-01"), ("title", "제목"), ("method", "visit"),
             ("case_no", "위조"), ("score_a", "1"), ("score_total", "99")]
    data, errors = submit(casebook, pairs)
    assert errors == {} and data["case_no"] == "위조"  # a forged input still arrives ...
    outcome = process(casebook, data, today=TODAY, previous={"case_no": "C-001"})
    assert outcome.ok, outcome.errors
    assert outcome.data["case_no"] == "C-001"  # ... and the engine keeps the stored value
    assert outcome.data["score_total"] == 1
    assert "case_no" not in process(casebook, data, today=TODAY).data


def test_fields_named_like_wtforms_attributes_work() -> None:
    names = ("data", "errors", "meta", "validate", "process", "populate_obj")
    form = make_form({name: {"type": "string", "title": name} for name in names}
                     | {"form": {"type": "integer"}})
    bound = wtf.bind(form, data={"data": "자료", "errors": "오류", "form": 3})
    assert attrs(tag(str(bound["f__data"]()), "data"))["value"] == "자료"
    assert attrs(tag(str(bound["f__errors"]()), "errors"))["value"] == "오류"
    assert attrs(tag(str(bound["f__form"]()), "form"))["value"] == "3"
    assert callable(bound.validate) and bound.validate()
    pairs = [(name, f"{name}값") for name in names] + [("form", "7")]
    data, errors = submit(form, pairs)
    assert errors == {}
    assert data == {**{name: f"{name}값" for name in names}, "form": 7}
    assert process(form, data, today=TODAY).ok


def test_read_gives_the_json_the_api_accepts(casebook) -> None:
    pairs = [
        ("written_on", "2026-03-01"), ("title", " 첫 상담 "), ("method", "visit"),
        ("needs", "주거"), ("needs", "취업"), ("score_a", "4"), ("score_b", "5"),
        ("grant", "1,000"), ("plan-0-item", "보증금"), ("plan-0-amount", "700"),
        ("plan-1-item", "생활비"), ("plan-1-amount", "300"), ("rrn", "0503014123456"),
        ("living", ""), ("visited_at", ""), ("summary", ""), ("guardian-name", ""),
    ]
    data, errors = submit(casebook, pairs)
    assert errors == {}
    assert data == {**GOOD, "consent": False}
    from_screen = process(casebook, data, today=TODAY)
    assert from_screen.ok, from_screen.errors
    from_api = process(casebook, {**GOOD, "consent": False}, today=TODAY)
    assert from_screen.data == from_api.data
    assert from_screen.data["plan_total"] == 1000


def test_stored_data_round_trips_through_the_screen(casebook) -> None:
    stored = process(casebook, {**GOOD, "visited_at": "2026-03-01T10:15", "living": "월세",
                                "guardian": {"name": "김보호", "phone": "010-1234-5678"},
                                "consent": True, "summary": "상담\n내용"}, today=TODAY)
    assert stored.ok, stored.errors
    bound = wtf.bind(casebook, data=stored.data)
    pairs: list[tuple[str, str]] = []
    for match in re.finditer(r"<(input|select|textarea)\b([^>]*)>", "".join(
            str(field()) for field in bound)):
        element, raw = match.groups()
        found = attrs(f"<x{raw}>")
        if "disabled" in found or "name" not in found:
            continue
        if element == "input" and found.get("type") in ("checkbox", "radio"):
            if "checked" in found:
                pairs.append((found["name"], found["value"]))
        elif element == "input" and found.get("type") != "file":
            pairs.append((found["name"], found.get("value", "")))
    page = "".join(str(field()) for field in bound)
    for name, value in re.findall(
            r'<select[^>]*name="([^"]+)"[^>]*>.*?<option selected value="([^"]*)"', page,
            re.S):
        pairs.append((name, value))
    pairs.append(("summary", bound["f__summary"].data))
    data, errors = submit(casebook, pairs)
    assert errors == {}
    again = process(casebook, data, today=TODAY)
    assert again.ok, again.errors
    assert again.data == stored.data


# --- the form-field template ---------------------------------------------------------------

@pytest.fixture(scope="module")
def macros():
    folder = Path(ieum.web.__file__).parent / "templates"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(folder), autoescape=True,
                             extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(i18n.gettext, lambda s, p, n: s if n == 1 else p,
                                  newstyle=True, pgettext=i18n.pgettext)
    env.globals["blank_row"] = blank_row
    env.filters["field_value"] = field_value
    env.filters["t"] = i18n.content_text  # titles from content (Korean outside a request)
    return env.get_template("records/_fields.html").module


def drawn(macros, form: FormDef, name: str, data: dict | None = None,
          errors: dict | None = None, attachments: dict | None = None) -> str:
    item = field_tree(form).top(name)
    bound = wtf.bind(form, data=data)[wtf.attr(name)]
    return str(macros.input(item, bound, errors or {}, name, attachments or {}))


def test_template_draws_a_boolean_as_a_switch(macros, casebook) -> None:
    markup = drawn(macros, casebook, "consent")
    opening = attrs(tag(markup, "consent"))
    assert opening["role"] == "switch" and opening["type"] == "checkbox"
    assert "form-switch" in markup and ">정보제공 동의</label>" in markup


def test_template_draws_read_only_as_plain_text_and_marks_required(macros, casebook) -> None:
    opening = attrs(tag(drawn(macros, casebook, "case_no", {"case_no": "C-1"}), "case_no"))
    assert "form-control-plaintext" in opening["class"] and opening["aria-readonly"] == "true"
    assert opening["value"] == "C-1" and "disabled" in opening
    assert "저장할 때 자동으로 계산됩니다." in drawn(macros, casebook, "score_total")
    # the red * is for the eye; a screen reader hears "(필수)", and the input is required
    required = drawn(macros, casebook, "title")
    assert '<span class="text-danger" aria-hidden="true">*</span>' in required
    assert '<span class="visually-hidden">(필수)</span>' in required
    assert "required" in attrs(tag(required, "title"))
    assert "(필수)" not in drawn(macros, casebook, "summary")


def test_template_shows_errors_on_their_field(macros, casebook) -> None:
    markup = drawn(macros, casebook, "score_a", errors={"score_a": ["정수를 입력하세요"]})
    assert "is-invalid" in attrs(tag(markup, "score_a"))["class"]
    assert '<div class="invalid-feedback d-block" id="score_a-error">정수를 입력하세요</div>' \
        in markup
    opening = attrs(tag(markup, "score_a"))
    assert opening["aria-invalid"] == "true" and opening["aria-describedby"] == "score_a-error"


def test_template_rows_have_a_blank_row_template(macros, casebook) -> None:
    markup = drawn(macros, casebook, "plan", {"plan": GOOD["plan"]})
    assert 'data-next="2"' in markup
    assert 'name="plan-__index__-item"' in markup
    assert 'data-path="plan.1.amount"' in markup


def test_template_file_field_shows_the_current_file_and_limits(macros, casebook) -> None:
    current = SimpleNamespace(id=7, filename="증빙.pdf", size=1536)
    markup = drawn(macros, casebook, "evidence", {"evidence": 7}, attachments={7: current})
    assert attrs(tag(markup, "evidence"))["accept"] == ".pdf,.png,.txt"
    assert "현재 파일: 증빙.pdf (1.5KB)" in markup
    assert 'name="evidence__remove"' in markup
    assert ".pdf, .png, .txt · 최대 2KB" in markup
    assert "현재 파일" not in drawn(macros, casebook, "evidence", {}, attachments={7: current})
    default = one({"type": "integer"}, {"widget": "file"})
    assert "· 최대 10MB" in drawn(macros, default, "v")


# --- display -------------------------------------------------------------------------------

def shown(form: FormDef, name: str, value: Any) -> str:
    return display(field_tree(form).by_path()[name], value)


@pytest.mark.parametrize(("name", "value", "text"), [
    ("title", "첫 상담", "첫 상담"),
    ("summary", "여러\n줄", "여러\n줄"),
    ("written_on", "2026-03-01", "2026-03-01"),
    ("visited_at", "2026-03-01T09:30", "2026-03-01 09:30"),
    ("visited_at", "2026-03-01T09:30:45", "2026-03-01 09:30"),
    ("visited_at", "언젠가", "언젠가"),
    ("method", "phone", "전화"),
    ("method", "fax", "fax"),
    ("living", "월세", "월세"),
    ("needs", ["주거", "건강"], "주거, 건강"),
    ("consent", True, "예"),
    ("consent", False, "아니오"),
    ("grant", 1234567, "1,234,567"),
    ("monthly_income", 2500000.0, "2,500,000"),
    ("monthly_income", 1234.5, "1,234.5"),
    ("plan", GOOD["plan"], "2건"),
    ("guardian", {"name": "김보호", "phone": "010-1234-5678"}, "김보호, 010-1234-5678"),
    ("guardian", {"phone": "010-1234-5678"}, "010-1234-5678"),
    ("guardian.phone", "010-1234-5678", "010-1234-5678"),
    ("rrn", "900101-1234567", "900101-1******"),
    ("rrn", "9001012234567", "900101-2******"),
    ("title", None, ""),
    ("needs", [], ""),
    ("grant", "", ""),
])
def test_display_of_each_kind(casebook, name, value, text) -> None:
    assert shown(casebook, name, value) == text


def test_display_of_time_multiselect_hidden_and_select_labels() -> None:
    form = make_form({
        "t": {"type": "string", "format": "local-time"},
        "ms": {"type": "array", "items": {"oneOf": [{"const": 1, "title": "하나"},
                                                    {"const": 2, "title": "둘"}]}},
        "h": {"type": "string"},
        "pick": {"type": "integer", "enum": [10, 20]},
    }, **{"x-ui": {"ms": {"widget": "select"}, "h": {"widget": "hidden"}}})
    assert shown(form, "t", "09:30") == "09:30"
    assert shown(form, "ms", [2, 1]) == "둘, 하나"
    assert shown(form, "h", "x") == "x"
    assert shown(form, "pick", 20) == "20"
    assert shown(form, "pick", 0) == "0"  # zero is a value, not "empty"


def test_rrn_mask_keeps_birth_date_and_gender_digit_only() -> None:
    assert mask_rrn("900101-1234567") == "900101-1******"
    assert mask_rrn("900101 1234567") == "900101-1******"
    assert mask_rrn("12345") == "*****"  # not a number we can read: hide all of it
    assert "234567" not in mask_rrn("900101-1234567")
