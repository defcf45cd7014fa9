"""WTForms' attribute writer, without ``Markup.format``.

Every input, select, option and label of a form screen is written by
``wtforms.widgets.core.html_params``, which formats each attribute with
``Markup('{k}="{v}"').format(k=k, v=v)``: markupsafe's formatter goes through
``string.Formatter`` (parse the template, look each field up, escape it), about ten
microseconds an attribute. An edit screen writes some seventy attributes, a sixth of its
Python. :func:`html_params` gives the same text (same order, same escaping, same boolean
attributes) with an f-string; :func:`install` puts it where WTForms' widgets look for it.
``tests/test_pagepy_widgets.py`` compares the two.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape
from wtforms import widgets
from wtforms.widgets import core

#: WTForms' own, kept for comparison
original_html_params = core.html_params
#: attribute names as written (cleaned and escaped): the few names of the widgets' code
_names: dict[str, str] = {}


def _name(key: str) -> str:
    found = _names.get(key)
    if found is None:
        found = _names[key] = str(escape(core.clean_key(key)))
    return found


def html_params(**kwargs: Any) -> Markup:
    """``wtforms.widgets.core.html_params``: ``key="value"`` pairs sorted by key, ``True``
    as a bare attribute, ``False`` left out, ``class_``/``for_`` and ``data_``/``aria_``
    names as WTForms cleans them, values escaped (a safe value's own ``"`` as ``&quot;``)."""
    params = []
    for key, value in sorted(kwargs.items()):
        if value is True:
            params.append(_name(key))
        elif value is not False:
            text = str(escape(value))
            if '"' in text:  # only a value already marked safe can hold one
                text = text.replace('"', "&quot;")
            params.append(f'{_name(key)}="{text}"')
    return Markup(" ".join(params))


def install() -> None:
    """Make WTForms' widgets and labels write attributes with :func:`html_params` (the
    widgets read the module's name at each call; ``Input`` and ``Button`` hold it as a static
    method)."""
    core.html_params = html_params
    widgets.html_params = html_params
    for cls in (core.Input, core.Button):
        cls.html_params = staticmethod(html_params)
