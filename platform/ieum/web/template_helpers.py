"""Filters and globals the generated screens use in templates."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from flask import Flask, request
from wtforms import Form

from ieum.access.grants import role_title
from ieum.config import KST
from ieum.forms.clientside import visibility_conditions
from ieum.forms.display import display
from ieum.forms.fields import Field, FieldTree
from ieum.forms.wtf import give_subject_choices
from ieum.korean import josa, particle
from ieum.services.records import STATUS_TITLES


def local_time(value: dt.datetime | None) -> str:
    """A stored timestamp in Korean time, to the minute."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(KST).strftime("%Y-%m-%d %H:%M")


def field_title(path: str, tree: FieldTree) -> str:
    """``family.1.relation`` -> ``가족사항 2행 관계``; on a form shown in tabs (sections), the
    tab comes first (``자조기술 · 3.``), so an error list says where each field is."""
    if path == "subject_id":
        return "대상자"
    parts = path.split(".")
    index = tree.by_path()
    top = index.get(parts[0])
    if top is None:
        return path
    words, current = [top.title], top
    for part in parts[1:]:
        if part.isdigit():
            words.append(f"{int(part) + 1}행")
            continue
        child = next((c for c in current.children if c.name == part), None)
        if child is None:
            words.append(part)
            break
        words.append(child.title)
        current = child
    title = " ".join(words)
    if top.section and len(tree.sections) > 1:
        return f"{top.section} · {title}"
    return title


def error_roots(errors: dict[str, list[str]]) -> list[str]:
    return sorted({path.split(".", 1)[0] for path in errors if path})


def blank_row(bound: Any) -> Form:
    """An empty row of a repeatable-rows field, named with ``__index__`` for the browser."""
    row_class = bound.unbound_field.args[0]
    row = row_class(prefix=f"{bound.name}-__index__-")
    children, choices = getattr(bound, "subject_choices", ((), []))
    give_subject_choices(row, children, choices)
    return row


def field_value(item: Field, value: Any) -> str:
    return display(item, value)


#: The characters werkzeug's ``url_for`` leaves unescaped in a query string.
_QUERY_SAFE = "!$'()*,/:;?@"


def with_args(**changes: Any) -> str:
    """``?`` and this request's query string with ``changes`` (a list's sort and page links):
    what ``url_for(endpoint, **dict(request.args, **changes))`` appends, without building
    the route again for every link."""
    items = [(k, v) for k, v in dict(request.args, **changes).items() if v is not None]
    return "?" + urlencode(items, safe=_QUERY_SAFE)


def register(app: Flask) -> None:
    app.add_template_filter(lambda status: STATUS_TITLES.get(status, status), "status_title")
    app.add_template_filter(field_value, "field_value")
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(josa, "josa")
    app.add_template_filter(lambda word, which: particle(str(word), which), "particle")
    app.add_template_filter(field_title, "field_title")
    app.add_template_global(error_roots, "error_roots")
    app.add_template_global(with_args, "with_args")
    app.add_template_global(visibility_conditions, "visibility")
    app.add_template_global(blank_row, "blank_row")
    app.add_template_global(STATUS_TITLES, "status_titles")
    app.add_template_global(role_title, "role_title")
