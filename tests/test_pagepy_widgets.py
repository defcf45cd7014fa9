"""The attribute writer the web app gives WTForms (``ieum.web.form_widgets``) writes exactly
what WTForms' own writes."""

from __future__ import annotations

import itertools

from markupsafe import Markup
from wtforms import Form, widgets
from wtforms.fields import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import core

from ieum.web import form_widgets

VALUES = ["plain", "", 'a"quote', "<b>&amp;</b>", Markup('<i class="x">ok</i>'), 0, 12,
          3.5, True, False, None, "한글 값", "it's"]
NAMES = ["name", "class_", "for_", "data_show_if", "aria_describedby", "required",
         "data_x_y_", "id", "value", "z"]


def test_same_text_as_wtforms_for_every_kind_of_value():
    for size in (0, 1, 2, 3):
        for names in itertools.combinations(NAMES, size):
            for values in itertools.product(VALUES, repeat=size) if size < 3 else \
                    zip(VALUES, reversed(VALUES), VALUES[3:] + VALUES[:3], strict=False):
                kwargs = dict(zip(names, values, strict=True))
                expected = form_widgets.original_html_params(**kwargs)
                found = form_widgets.html_params(**kwargs)
                assert found == expected, kwargs
                assert isinstance(found, Markup)


class _Sample(Form):
    text = StringField("이름 <b>", render_kw={"data_show_if": '{"a": 1}'})
    note = TextAreaField("메모")
    pick = SelectField("선택", choices=[SelectChoice("a", "가 & 나"), SelectChoice("b", '"다"')])
    radio = RadioField("라디오", choices=[SelectChoice("y", "예"), SelectChoice("n", "아니오")])
    flag = BooleanField("확인")


def _render(form: Form) -> list[str]:
    return [str(field(class_="form-control", required=True)) + str(field.label(for_="x"))
            for field in form]


def test_rendered_fields_are_unchanged_once_installed():
    saved = (core.html_params, widgets.html_params, core.Input.__dict__["html_params"],
             core.Button.__dict__["html_params"])
    form = _Sample(data={"text": 'x"<y>', "note": "a & b", "pick": "b", "radio": "n",
                         "flag": True})
    try:
        core.html_params = widgets.html_params = form_widgets.original_html_params
        core.Input.html_params = staticmethod(form_widgets.original_html_params)
        core.Button.html_params = staticmethod(form_widgets.original_html_params)
        before = _render(form)
        form_widgets.install()
        assert core.html_params is form_widgets.html_params
        assert _render(form) == before
    finally:
        core.html_params, widgets.html_params = saved[0], saved[1]
        core.Input.html_params, core.Button.html_params = saved[2], saved[3]
