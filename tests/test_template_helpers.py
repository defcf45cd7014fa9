"""The field names an error list shows: rows counted from 1, and the tab of a field on a form
shown in tabs (the 60-question 자립준비 평가 repeats "1."–"10." on six tabs)."""

from __future__ import annotations

import pytest

from ieum.config import REPOSITORY_ROOT
from ieum.definitions import load_registry
from ieum.forms.fields import field_tree
from ieum.web.template_helpers import field_title


@pytest.fixture(scope="module")
def forms():
    return load_registry([REPOSITORY_ROOT], plugins=False).forms


def test_a_field_on_a_tab_is_named_with_its_tab(forms) -> None:
    tree = field_tree(forms["sr_assessment"])
    daily, money = field_title("daily_01", tree), field_title("money_01", tree)
    assert daily.startswith("일상생활기술 · 1.") and money.startswith("돈관리기술 · 1.")
    assert daily != money


def test_a_form_without_tabs_keeps_the_plain_title_and_rows_count_from_one(forms) -> None:
    plain = field_tree(forms["approval_decision"])
    assert len(plain.sections) == 1
    assert field_title("decision", plain) == plain.by_path()["decision"].title
    tabbed = field_tree(forms["resolution"])  # tabs: the row's tab comes first
    assert field_title("items.1.amount", tabbed).endswith("2행 금액")
    assert field_title("subject_id", tabbed) == "대상자"
