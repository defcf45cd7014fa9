"""Fields that JSON Schema ``if``/``then`` makes required carry the condition on the screen."""

from __future__ import annotations

from ieum.definitions import default_content_root, load_registry
from ieum.forms.fields import field_tree


def _field(form_id: str, name: str):
    registry = load_registry([default_content_root()])
    tree = field_tree(registry.forms[form_id])
    return next(f for f in tree.fields if f.name == name)


def test_a_field_required_by_a_choice_names_the_choice() -> None:
    amount = _field("donation", "amount")
    assert not amount.required
    assert amount.required_when.endswith("일 때 필수")
    assert "현금" in amount.required_when


def test_a_field_required_by_a_checkbox_says_when_it_is_ticked() -> None:
    use = _field("donation", "designated_use")
    assert use.required_when.endswith("선택 시 필수")


def test_always_required_and_optional_fields_have_no_condition() -> None:
    assert _field("donation", "kind").required_when == ""
    assert _field("donation", "note").required_when == ""


def test_choices_from_a_list_and_exclusions_are_described() -> None:
    detail = _field("discharge", "reason_detail")
    assert " 또는 " in detail.required_when and detail.required_when.endswith("일 때 필수")
    residence = _field("discharge", "residence_type")
    assert residence.required_when.endswith(" 외일 때 필수")
