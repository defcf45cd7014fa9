"""The form engine: Korean messages per field, visibility, computed fields, rules, drafts."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from ieum.definitions import load_registry
from ieum.forms.engine import process
from ieum.forms.validation import rrn_shape_ok
from tests.conftest import TEST_CONTENT
from tests.formlab import GOOD

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(scope="module")
def form():
    return load_registry([TEST_CONTENT], plugins=False).forms["casebook"]


def run(form, data, **kw):
    return process(form, data, today=TODAY, **kw)


def test_good_data_passes_and_gets_computed_fields(form) -> None:
    outcome = run(form, GOOD)
    assert outcome.ok, outcome.errors
    assert outcome.data["score_total"] == 9
    assert outcome.data["plan_total"] == 1000
    assert outcome.data["rrn"] == "050301-4123456"


@pytest.mark.parametrize(("change", "path", "message"), [
    ({"title": None}, "title", "필수 입력 항목입니다"),
    ({"score_a": -1}, "score_a", "0 이상이어야 합니다"),
    ({"score_a": 11}, "score_a", "10 이하여야 합니다"),
    ({"score_a": 1.5}, "score_a", "정수를 입력하세요"),
    ({"title": "가" * 41}, "title", "40자 이하로 입력하세요"),
    ({"method": "fax"}, "method", "선택할 수 있는 값이 아닙니다"),
    ({"needs": ["우주"]}, "needs.0", "선택할 수 있는 값이 아닙니다"),
    ({"needs": ["주거", "주거"]}, "needs", "같은 값을 두 번 넣을 수 없습니다"),
    ({"written_on": "2026-02-30"}, "written_on", "날짜 형식이 올바르지 않습니다 (예: 2026-03-01)"),
    ({"visited_at": "어제"}, "visited_at",
     "날짜와 시각 형식이 올바르지 않습니다 (예: 2026-03-01T09:30)"),
    ({"guardian": {"phone": "12345"}}, "guardian.phone", "형식이 올바르지 않습니다"),
    ({"plan": [{"item": "보증금"}]}, "plan.0.amount", "필수 입력 항목입니다"),
    ({"consent": "yes"}, "consent", "예 또는 아니오로 입력하세요"),
    ({"rrn": "051301-4123456"}, "rrn",
     "주민등록번호 형식이 올바르지 않습니다 (예: 000000-0000000)"),
    ({"unknown": 1}, "unknown", "양식에 없는 항목입니다"),
])
def test_each_kind_of_error_has_a_korean_message_on_its_field(form, change, path,
                                                              message) -> None:
    data = copy.deepcopy(GOOD)
    data.update(change)
    outcome = run(form, data)
    assert message in outcome.errors.get(path, []), outcome.errors


def test_conditional_requirement_and_visibility(form) -> None:
    other = {**GOOD, "method": "other"}
    assert run(form, other).errors == {"method_other": ["필수 입력 항목입니다"]}
    assert run(form, {**other, "method_other": "문자"}).ok
    hidden = run(form, {**GOOD, "method": "phone", "method_other": "남김"})
    assert hidden.ok and "method_other" not in hidden.data
    assert "method_other" in hidden.hidden


def test_cross_field_rules_attach_to_named_fields(form) -> None:
    future = run(form, {**GOOD, "written_on": "2026-03-03"})
    assert future.errors == {"written_on": ["작성일은 오늘 이후일 수 없습니다."]}
    short = run(form, {**GOOD, "grant": 1200})
    assert short.errors == {"plan": ["사용계획 금액의 합계가 자립정착금과 같아야 합니다."]}


def test_computed_and_read_only_values_cannot_be_forged(form) -> None:
    forged = run(form, {**GOOD, "score_total": 99, "case_no": "X-1"},
                 previous={"case_no": "C-7"})
    assert forged.data["score_total"] == 9
    assert forged.data["case_no"] == "C-7"


def test_a_draft_skips_required_fields_and_rules_but_not_types(form) -> None:
    draft = run(form, {"title": "메모", "written_on": "2026-12-01"}, draft=True)
    assert draft.ok, draft.errors
    bad = run(form, {"score_a": "many"}, draft=True)
    assert bad.errors == {"score_a": ["정수를 입력하세요"]}


@pytest.mark.parametrize(("value", "ok"), [
    ("900101-1234567", True), ("9001011234567", True), ("000229-3123456", True),
    ("010229-3123456", False), ("901301-1234567", False), ("900101-12345", False),
    ("90010a-1234567", False), ("191231-9123456", True),
])
def test_resident_number_shape(value, ok) -> None:
    assert rrn_shape_ok(value) is ok
