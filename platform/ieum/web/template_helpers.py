"""Filters and globals the generated screens use in templates."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote_plus

from flask import Flask, g, request
from wtforms import Form

from ieum.access.grants import PUBLIC_ROLES, role_title
from ieum.config import KST
from ieum.definitions import FacilityProfile
from ieum.forms.clientside import visibility_conditions
from ieum.forms.display import display
from ieum.forms.fields import Field, FieldTree
from ieum.forms.wtf import give_subject_choices
from ieum.i18n import content_text, current_language, pgettext
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.korean import josa, particle
from ieum.services.records import STATUS_TITLES

MONTH_TEXTS = (_l("1월"), _l("2월"), _l("3월"), _l("4월"), _l("5월"), _l("6월"), _l("7월"),
               _l("8월"), _l("9월"), _l("10월"), _l("11월"), _l("12월"))


def month_name(month: int) -> str:
    """``7월``, or July."""
    return str(MONTH_TEXTS[month - 1])


def month_short(month: int) -> str:
    """A month on a narrow chart column: ``7월``, or Jul."""
    name = month_name(month)
    return name if current_language() == "ko" else name[:3]


def month_title(year: int, month: int) -> str:
    """``2026년 7월``, or July 2026."""
    return _("%(year)s년 %(month)s", year=year, month=month_name(month))


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
        return _("대상자")
    parts = path.split(".")
    index = tree.by_path()
    top = index.get(parts[0])
    if top is None:
        return path
    words, current = [content_text(top.title)], top
    for part in parts[1:]:
        if part.isdigit():
            words.append(_("%(n)s행", n=int(part) + 1))
            continue
        child = next((c for c in current.children if c.name == part), None)
        if child is None:
            words.append(part)
            break
        words.append(content_text(child.title))
        current = child
    title = " ".join(words)
    if top.section and len(tree.sections) > 1:
        return f"{content_text(top.section)} · {title}"
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
    the route again for every link; the request's own arguments are encoded once per request
    (a list page has some sixteen such links)."""
    encoded = g.get("ieum_encoded_args")
    if encoded is None:
        encoded = g.ieum_encoded_args = {key: _pair(key, value)
                                         for key, value in request.args.items()}
    parts = [encoded[key] if key not in changes else _pair(key, changes[key])
             for key in encoded if changes.get(key, "") is not None]
    parts += [_pair(key, value) for key, value in changes.items()
              if key not in encoded and value is not None]
    return "?" + "&".join(parts)


#: encoded ``key=value`` pairs (a list's few argument names and values, sort columns, pages)
_pairs: dict[tuple[str, str], str] = {}
_PAIRS_LIMIT = 4096


def _pair(key: str, value: Any) -> str:
    text = str(value)
    found = _pairs.get((key, text))
    if found is None:
        found = f"{quote_plus(key, _QUERY_SAFE)}={quote_plus(text, _QUERY_SAFE)}"
        if len(_pairs) >= _PAIRS_LIMIT:
            _pairs.clear()
        _pairs[(key, text)] = found
    return found


def shown_role_title(role: str | None, profile: FacilityProfile | None = None) -> str:
    """:func:`ieum.access.grants.role_title` in the request's language: the profile's or the
    platform's title through the catalogues, a role the profile no longer declares named so."""
    if not role:
        return ""
    declared = profile is not None and role in profile.roles
    if not declared and role not in PUBLIC_ROLES:
        return _("없어진 역할(%(role)s)", role=role)
    return content_text(role_title(role, profile))


#: the msgctxt of a word naming a state (저장 "Saved", 취소 "Cancelled"), not an action
STATE = "상태"


def state_title(text: object) -> str:
    """A status or state word (저장, 취소, 완료, 대기 중 ...) in the request's language, as a
    state: the catalogues give these under msgctxt "상태", as the same words on buttons are
    actions (저장 "Save", 취소 "Cancel")."""
    source = str(text)
    found = pgettext(STATE, source)
    return content_text(source) if found == source else found


def status_title(status: str) -> str:
    """A record's status (임시저장, 저장, 확정) in the request's language."""
    return state_title(STATUS_TITLES.get(status, status))


def register(app: Flask) -> None:
    app.add_template_filter(status_title, "status_title")
    app.add_template_filter(state_title, "state")
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
    app.add_template_global(shown_role_title, "role_title")
    app.add_template_global(month_name, "month_name")
    app.add_template_global(month_title, "month_title")
