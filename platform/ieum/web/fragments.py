"""Rendered pieces of the page frame, kept per worker and reused while nothing they show changed.

The facility's side menu (``workspace/_layout.html``) is the same HTML for every page of the
same person-shaped view: it shows the facility, the profile's menu for a set of roles, the
published programs and which item is active, in one language. Rendering it costs about as
much as the rest of a list page's frame (some forty links, each a ``url_for`` and a
translated title), so a template wraps it in ``{% call cached_fragment(key) %}`` and the
HTML is rendered once per key.

The key is everything the fragment reads (built by the ``*_key`` functions beside the
template that uses it), plus what every fragment depends on:

- the request's language and its catalogues as this request reads them (the objects
  ``ieum.i18n`` looks texts up in: an edited ``.po`` file makes new ones);
- the script root ``url_for`` prefixes its links with;
- the content registry: when another one is loaded (a publication), every fragment goes.

Objects named in a key by identity (a menu, the catalogues) are held by the key, so an
identity cannot be reused by another object while its entry exists. The cache is bounded:
past :data:`LIMIT` entries the oldest goes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app, has_request_context, request
from jinja2 import Undefined
from markupsafe import Markup

from ieum import i18n

#: entries per app and worker (a side menu is 5–10 kB: at most ~10 MB)
LIMIT = 1024

_lock = threading.Lock()
_EXTENSION = "ieum.fragments"


class _Cache:
    """One app's fragments, made with one registry."""

    __slots__ = ("entries", "registry")

    def __init__(self, registry: object) -> None:
        self.registry = registry
        self.entries: dict[Hashable, Markup] = {}


def _entries() -> dict[Hashable, Markup]:
    """The app's entries made with its current registry (a new, empty set when the registry
    was replaced)."""
    app = current_app._get_current_object()  # noqa: SLF001 - the app's own extensions
    registry = app.extensions["ieum.registry"]
    cache = app.extensions.get(_EXTENSION)
    if cache is None or cache.registry is not registry:
        with _lock:
            cache = app.extensions.get(_EXTENSION)
            if cache is None or cache.registry is not registry:
                cache = app.extensions[_EXTENSION] = _Cache(registry)
    return cache.entries


def clear(app: Any) -> None:
    """Forget every fragment of ``app``."""
    app.extensions.pop(_EXTENSION, None)


def cached_fragment(key: Hashable | None, caller: Callable[[], str]) -> Markup:
    """The HTML of ``caller`` (a ``{% call %}`` block) for ``key``, rendered at its first use.
    A ``None`` key renders every time (a page the fragment cannot describe), as does a
    render outside a request."""
    if key is None or not has_request_context():
        return Markup(caller())
    language = i18n._request_language()  # noqa: SLF001 - the catalogues this page reads
    if language is not None:
        # Korean has no catalogue (an empty table, made afresh per request): not in the key
        content = _Pinned(language.content) if language.content else None
        key = (key, language.code, _Pinned(language.translations), content,
               request.script_root)
    else:
        key = (key, request.script_root)
    entries = _entries()
    found = entries.get(key)
    if found is not None:
        return found
    html = Markup(caller())
    if len(entries) >= LIMIT:
        try:
            del entries[next(iter(entries))]
        except (StopIteration, KeyError, RuntimeError):
            pass  # another thread made room first
    entries[key] = html
    return html


def _plain(value: Any) -> Any:
    return None if isinstance(value, Undefined) else value


def sidebar_key(ws: Any, profile: Any, unit: Any, published: list[Any]) -> Hashable | None:
    """What the facility's side menu shows (``workspace/_layout.html``): the facility, the
    profile's title, the menu of the person's roles (by identity: one object per registry,
    profile and role set, ``ieum.services.workspace``; held by the key), the 기관 관리 group,
    the published programs, and what marks an item active (the endpoint, the unit shown, the
    program asked for, an audit page)."""
    ws, profile, unit = _plain(ws), _plain(profile), _plain(unit)
    facility = getattr(ws, "facility", None)
    if facility is None or not has_request_context():
        return None
    endpoint = request.endpoint or ""
    program = request.args.get("p") if endpoint == "catalog.apply" else None
    audit = request.path.startswith(f"/f/{facility.code}/admin/audit")
    return ("sidebar", facility.id, facility.code, facility.name,
            str(profile.title) if profile is not None else None,
            _Pinned(ws.menu), ws.permissions.administers, tuple(published),
            endpoint, getattr(_plain(unit), "id", None), program, audit)


class _Pinned:
    """An object in a key by identity, held by the key (so its identity stays its own)."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __hash__(self) -> int:
        return id(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Pinned) and other.value is self.value


def register(app: Any) -> None:
    app.add_template_global(cached_fragment, "cached_fragment")
    app.add_template_global(sidebar_key, "sidebar_key")
