"""Security headers and rate limits, set in one place (``install``, called by create_app).

Headers on every answer: a strict Content-Security-Policy (scripts and styles only from this
site's files: no inline ``<script>``, event handlers or ``style=`` attributes in templates),
no framing, no MIME sniffing, a same-origin referrer, no powerful browser features. Every
answer except static files carries ``Cache-Control: no-store``: pages and API answers hold
personal data, and a shared or back-button cache must not keep them.

Production settings (environment or config): ``IEUM_SECURE_COOKIES=1`` marks the session
cookie ``Secure`` (HTTPS only) and ``IEUM_HSTS_SECONDS`` (e.g. 31536000) sends
``Strict-Transport-Security``; both are off by default so the plain-HTTP development server
works.

Rate limits (Flask-Limiter, storage in memory unless ``IEUM_RATELIMIT_STORAGE_URI`` names a
shared one such as ``redis://``): POSTs to the sign-in screen and the API token endpoint,
``IEUM_LOGIN_RATE_LIMIT`` per client address and endpoint (default 20 per minute). The account
lockout (ieum.access.login) still guards each account; this slows spraying many accounts.
"""

from __future__ import annotations

import os

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from ieum.access import privacy
from ieum.web import log_privacy

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
#: Endpoints whose POSTs are rate limited (sign-in screen, API bearer token).
LIMITED = ("auth.login", "api.create_token")
DEFAULT_LOGIN_LIMIT = "20 per minute"


def defaults() -> dict[str, object]:
    """Config defaults, from the environment where one is set."""
    hsts = os.environ.get("IEUM_HSTS_SECONDS", "0")
    secure = os.environ.get("IEUM_SECURE_COOKIES", "").lower() in ("1", "true", "yes")
    return {
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "IEUM_HSTS_SECONDS": int(hsts) if hsts.isdigit() else 0,
        "IEUM_LOGIN_RATE_LIMIT": os.environ.get("IEUM_LOGIN_RATE_LIMIT", DEFAULT_LOGIN_LIMIT),
        "RATELIMIT_STORAGE_URI": os.environ.get("IEUM_RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
    }


#: Flask-Limiter settings that would put limits on other endpoints than :data:`LIMITED`
_WIDER_LIMITS = ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_META")


def _check_only_limited(app: Flask, limiter: Limiter) -> None:
    """Flask-Limiter looks for limits before every request; only :data:`LIMITED` have any
    (unless the configuration adds default, application or meta limits), so its look is
    kept for those: for every other request it found nothing, at about a twentieth of a
    small page's Python."""
    if any(app.config.get(name) for name in _WIDER_LIMITS):
        return
    hooks = app.before_request_funcs.get(None, [])
    check = limiter._check_request_limit  # noqa: SLF001 - the hook Flask-Limiter installed
    if check not in hooks:
        return

    def check_limited() -> None:
        if request.endpoint in LIMITED:
            check()

    hooks[hooks.index(check)] = check_limited


def install(app: Flask) -> None:
    """Headers on every answer and the limits on the sign-in endpoints (after the blueprints
    are registered)."""
    log_privacy.install()  # access logs without query strings (searched names)
    if privacy.key_beside_database(app.config["IEUM_DATABASE_URL"]):
        app.logger.warning(privacy.KEY_BESIDE_DATABASE)
    limiter = Limiter(key_func=get_remote_address, app=app, default_limits=[])
    app.extensions["ieum.limiter"] = limiter
    for endpoint in LIMITED:
        view = app.view_functions[endpoint]
        app.view_functions[endpoint] = limiter.limit(
            lambda: app.config["IEUM_LOGIN_RATE_LIMIT"], methods=["POST"])(view)
    _check_only_limited(app, limiter)

    @app.after_request
    def security_headers(response):  # noqa: ANN001, ANN202
        # each header unless the view set it (``setdefault``, with one look at the names
        # instead of a case-insensitive scan of every header per header)
        present = {name.lower() for name in response.headers.keys()}
        for name, value in HEADERS.items():
            if name.lower() not in present:
                response.headers.add(name, value)
        seconds = int(app.config.get("IEUM_HSTS_SECONDS") or 0)
        if seconds > 0:
            response.headers["Strict-Transport-Security"] = (
                f"max-age={seconds}; includeSubDomains")
        endpoint = request.endpoint or ""
        if not (endpoint == "static" or endpoint.endswith(".static")):
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response
