"""The language of a request (Flask-Babel): Korean unless the person chose English.

The choice is a cookie set by the 언어/Language switcher (``POST /language``), so it holds on the
login page too and for every account on that browser. The catalogues are those of
:mod:`ieum.i18n`; templates get ``_``/``gettext`` (Flask-Babel's, over those catalogues), the
filter ``t`` for titles read from content, and ``current_language()`` / ``languages``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, redirect, request, url_for
from flask_babel import Babel, Domain, get_locale
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

from ieum import i18n
from ieum.korean import particle
from ieum.web.auth import _safe_next
from ieum.web.js_texts import texts_for_scripts

COOKIE = "ieum_lang"
bp = Blueprint("i18n", __name__)


class _Domain(Domain):
    """One domain whose translations are ieum's merged catalogues of the request's language."""

    def get_translations(self):  # noqa: ANN201 - Flask-Babel's signature
        locale = get_locale()
        lang = locale.language if locale else i18n.DEFAULT
        return i18n.translations(lang, current_app.extensions["ieum.locale_dirs"])


class _Babel(Babel):
    _domain = _Domain()

    @property
    def domain_instance(self) -> Domain:
        return self._domain


def chosen_language() -> str:
    lang = request.cookies.get(COOKIE, "")
    return lang if lang in i18n.LANGUAGES else i18n.DEFAULT


def _particle(word: object, which: str) -> str:
    return particle(str(word), which) if i18n.current_language() == "ko" else ""


@bp.post("/language")
def choose():
    """Remember the chosen language in a cookie and go back to the page it was chosen on."""
    lang = request.form.get("lang", "")
    target = _safe_next(request.form.get("next")) or url_for("workspace.home")
    response = redirect(target)
    if lang in i18n.LANGUAGES:
        response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
                            httponly=True)
    return response


@pass_eval_context
def template_gettext(eval_ctx: EvalContext, message: str, /, **values: Any) -> str:
    """The templates' ``_`` and ``gettext``: what Jinja's newstyle gettext gives (the text in
    the request's language, marked safe where the template escapes, then ``%``-formatted
    with the escaped values, so ``%%`` is one ``%``), in one call instead of three (Jinja's
    ``_`` resolves ``gettext`` and calls it, which calls the translation function), and
    without formatting a text that has no ``%`` and no values (a page has dozens)."""
    text = i18n.template_gettext(message)
    if eval_ctx.autoescape:
        text = Markup(text)
    if not values and "%" not in text:
        return text
    return text % values


def init_app(app: Flask, content_roots: list[str]) -> None:
    # packages' catalogues load like their screens do (ieum.translations), whether or not
    # their content is loaded (IEUM_PLUGINS is about content)
    app.extensions["ieum.locale_dirs"] = i18n.locale_dirs(content_roots)
    _Babel(app, default_locale=i18n.DEFAULT, default_timezone="Asia/Seoul",
           locale_selector=chosen_language)
    # the templates' _/gettext: the request's translations, looked up once per request
    # (Flask-Babel's own callables walk locale, domain and cache at every lookup)
    app.jinja_env.install_gettext_callables(
        gettext=i18n.template_gettext, ngettext=i18n.template_ngettext, newstyle=True,
        pgettext=i18n.template_pgettext, npgettext=i18n.template_npgettext)
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext)
    app.register_blueprint(bp)
    app.add_template_filter(i18n.content_text, "t")
    app.add_template_global(i18n.current_language, "current_language")
    app.add_template_global(i18n.LANGUAGES, "languages")
    app.add_template_global(texts_for_scripts, "texts_for_scripts")
    app.jinja_env.filters["josa"] = i18n.josa
    app.jinja_env.filters["particle"] = _particle
