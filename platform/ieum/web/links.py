"""``url_for`` for templates, remembered per worker.

A page builds some thirty links, most of them the same on every page (the frame's static
files and menus, the same list's sort links). Building one walks the URL map's rule for the
endpoint (converters, quoting, the query string): about as much Python as the rest of a small
page's frame. What a link is depends only on the app's URL map (fixed once the app is made),
the request's adapter (script root, host, scheme) and the arguments, so the answer for the
same arguments is kept.

Kept only when the arguments are plain (strings and integers; no ``_external``, ``_anchor``
and the like, no blueprint-relative endpoint) and the app has no URL defaults functions (they
could add arguments per request); anything else goes to Flask's ``url_for`` every time.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.globals import _cv_request

#: links remembered per app (a few hundred bytes each)
LIMIT = 8192

_PLAIN = (str, int)


def register(app: Flask) -> None:
    """Give the templates the remembering ``url_for``."""
    build = app.url_for
    links: dict[tuple, str] = {}

    def url_for(endpoint: str, /, **values: Any) -> str:
        context = _cv_request.get(None)
        if context is None or endpoint[:1] == "." or app.url_default_functions:
            return build(endpoint, **values)
        for name, value in values.items():
            if type(value) not in _PLAIN or name[:1] == "_":
                return build(endpoint, **values)
        adapter = context.url_adapter
        key = (adapter.script_name, adapter.server_name, adapter.subdomain,
               adapter.url_scheme, endpoint, *values.items())
        found = links.get(key)
        if found is None:
            found = build(endpoint, **values)
            if len(links) >= LIMIT:
                links.clear()
            links[key] = found
        return found

    app.jinja_env.globals["url_for"] = url_for
