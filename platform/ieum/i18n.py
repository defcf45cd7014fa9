"""The languages of the interface: Korean, the language every text is written in, and English.

Every text a person reads is written in Korean where it is used, and translated by looking the
Korean text up in gettext catalogues (``.po`` files, msgid = the Korean text):

- the kernel's texts (templates, messages of the web handlers and services) in
  ``platform/ieum/locale/<lang>/*.po``;
- a package's own texts in the folders its ``ieum.translations`` entry points name
  (``locale_dir() -> Path``, holding ``<lang>/*.po``);
- the texts of content (form, field and choice titles, unit and menu titles, profile and role
  names) in ``locale/<lang>/*.po`` of each content root, so a vendor's content folder carries
  its own translations.

All catalogues of a language are merged into one lookup table (first one wins on a duplicate
msgid: the kernel's, then packages', then content roots'). Korean needs no catalogue.

In code: ``_("...")`` (or ``gettext``) where the text is used, ``lazy_gettext`` for a text
kept in a module constant, ``content_text(title)`` for a title read from content. Outside a
request (the CLI, a job) and in Korean these return the Korean text. The web layer
(``ieum.web.i18n``) chooses the language of a request and gives the templates ``_`` and the
filter ``t`` (content text).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from babel import support
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from ieum import korean

#: code -> the language's name in itself (the switcher shows these)
LANGUAGES = {"ko": "한국어", "en": "English"}
DEFAULT = "ko"
TRANSLATIONS_GROUP = "ieum.translations"
KERNEL_LOCALE = Path(__file__).parent / "locale"

#: seconds between looks at the catalogues' time stamps
RECHECK_SECONDS = 2.0
_tables: dict[tuple[str, tuple[Path, ...]], tuple[tuple, dict[str, str], float]] = {}
_translations: dict[tuple[str, tuple[Path, ...]], tuple[dict[str, str], Any]] = {}
_KOREAN = support.NullTranslations()


def plugin_locale_dirs() -> list[Path]:
    """The folders named by the ``ieum.translations`` entry points, in name order."""
    found = sorted(entry_points(group=TRANSLATIONS_GROUP), key=lambda ep: ep.name)
    return [Path(ep.load()()) for ep in found]


def locale_dirs(content_roots: Iterable[Path | str] = (), *, plugins: bool = True) -> list[Path]:
    """Where the catalogues are, in lookup order."""
    dirs = [KERNEL_LOCALE]
    if plugins:
        dirs += plugin_locale_dirs()
    dirs += [Path(root) / "locale" for root in content_roots]
    return dirs


def catalogue_files(lang: str, dirs: Sequence[Path]) -> list[Path]:
    return [path for folder in dirs for path in sorted((Path(folder) / lang).glob("*.po"))]


def read_catalogue(path: Path, lang: str) -> Catalog:
    with open(path, "rb") as handle:
        return read_po(handle, locale=lang)


def table(lang: str, dirs: Sequence[Path]) -> dict[str, str]:
    """msgid (``context\x04msgid`` for a ``msgctxt`` entry) -> translation for ``lang`` from
    the catalogues in ``dirs``, the first catalogue winning on a duplicate. Built once; the
    files' time stamps are looked at again at most every :data:`RECHECK_SECONDS`, so an
    edited ``.po`` shows within seconds and a page's hundreds of lookups cost no file access."""
    if lang == DEFAULT:
        return {}
    cache_key = (lang, tuple(dirs))
    now = time.monotonic()
    cached = _tables.get(cache_key)
    if cached and now - cached[2] < RECHECK_SECONDS:
        return cached[1]
    files = catalogue_files(lang, dirs)
    stamps = tuple((str(path), os.stat(path).st_mtime_ns) for path in files)
    if cached and cached[0] == stamps:
        _tables[cache_key] = (stamps, cached[1], now)
        return cached[1]
    merged: dict[str, str] = {}
    for path in files:
        for message in read_catalogue(path, lang):
            if message.id and isinstance(message.id, str) and message.string \
                    and not message.fuzzy:
                # a ``msgctxt`` entry is looked up by pgettext only (gettext's "ctx\x04id")
                key = f"{message.context}\x04{message.id}" if message.context else message.id
                merged.setdefault(key, message.string)
    _tables[cache_key] = (stamps, merged, now)
    return merged


def translations(lang: str, dirs: Sequence[Path]) -> support.NullTranslations:
    """A gettext translations object for ``lang`` over :func:`table` (Flask-Babel's domain
    hands it to templates and ``gettext``), made again only when the table is."""
    if lang == DEFAULT:
        return _KOREAN  # the source language: every lookup gives its text back
    merged = table(lang, dirs)
    cache_key = (lang, tuple(dirs))
    cached = _translations.get(cache_key)
    if cached and cached[0] is merged:
        return cached[1]
    found = support.Translations()
    found._catalog = merged  # the merged catalogues; gettext reads this dict
    _translations[cache_key] = (merged, found)
    return found


# -- lookups -------------------------------------------------------------------------------

class _RequestLanguage:
    """A request's language, looked up once: its code, its gettext translations and its table
    of content texts. A page makes hundreds of lookups; each is then a dict lookup instead of
    Flask-Babel's walk through the locale, the domain and the catalogues' cache."""

    __slots__ = ("code", "content", "translations")

    def __init__(self, code: str, translations: Any, content: dict[str, str]) -> None:
        self.code = code
        self.translations = translations
        self.content = content


#: where a request keeps its :class:`_RequestLanguage` (``flask.g``, like Flask-Babel's locale)
_REQUEST_KEY = "_ieum_language"


def _request_language() -> _RequestLanguage | None:
    """This request's language (None outside a request), built at its first lookup."""
    from flask import g, has_request_context
    if not has_request_context():
        return None
    found = g.get(_REQUEST_KEY)
    if found is not None:
        return found
    from flask import current_app
    from flask_babel import get_locale
    locale = get_locale()
    code = locale.language if locale else DEFAULT
    dirs = current_app.extensions.get("ieum.locale_dirs")
    if code == DEFAULT or not dirs:
        found = _RequestLanguage(code, _KOREAN if code == DEFAULT else
                                 translations(code, dirs or ()), {})
    else:
        # the content's own catalogues first (the last root, an overlay, before the others),
        # so a title keeps the sense its content gives it when code uses the same word
        # otherwise
        found = _RequestLanguage(code, translations(code, dirs),
                                 table(code, tuple(reversed(dirs))))
    setattr(g, _REQUEST_KEY, found)
    return found


def current_language() -> str:
    """The request's language code; Korean outside a request."""
    language = _request_language()
    return language.code if language is not None else DEFAULT


def gettext(message: str, **values: Any) -> str:
    """``message`` in the request's language, with ``%(name)s`` placeholders filled."""
    language = _request_language()
    if language is not None:
        message = language.translations.ugettext(message)
    return message % values if values else message


_ = gettext


def pgettext(context: str, message: str, **values: Any) -> str:
    """``message`` in the request's language, told apart by ``context`` from the same Korean
    word in another sense (a record status 저장 "Saved" beside the button 저장 "Save")."""
    language = _request_language()
    if language is not None:
        message = language.translations.upgettext(context, message)
    return message % values if values else message


def template_gettext(message: str) -> str:
    """The templates' ``_``/``gettext`` (Jinja's newstyle i18n fills the placeholders)."""
    language = _request_language()
    return language.translations.ugettext(message) if language is not None else message


def template_ngettext(singular: str, plural: str, n: int) -> str:
    language = _request_language()
    if language is not None:
        return language.translations.ungettext(singular, plural, n)
    return singular if n == 1 else plural


def template_pgettext(context: str, message: str) -> str:
    language = _request_language()
    if language is not None:
        return language.translations.upgettext(context, message)
    return message


def template_npgettext(context: str, singular: str, plural: str, n: int) -> str:
    language = _request_language()
    if language is not None:
        return language.translations.unpgettext(context, singular, plural, n)
    return singular if n == 1 else plural


def content_text(text: object) -> str:
    """A title or label read from content, in the request's language. No placeholders: a
    content text may contain ``%``."""
    if text is None:
        return ""
    source = str(text)
    if not source:
        return source
    language = _request_language()
    if language is None:
        return source
    return language.content.get(source, source)


class LazyText(str):
    """A text kept in a constant and translated each time it is shown.

    It *is* its Korean source as a ``str`` (so it can be stored, compared, hashed, joined or
    written to JSON and Excel as the Korean it stands for, never failing), and shows itself in
    the request's language wherever it is turned into text for a person: ``str()``, an f-string
    or ``format``, ``%``, ``+``, and Jinja/markupsafe escaping (``__html__``)."""

    message: str
    values: dict[str, Any]

    def __new__(cls, message: str, **values: Any) -> LazyText:
        text = super().__new__(cls, message)
        text.message = message
        text.values = values
        return text

    def __str__(self) -> str:
        return gettext(self.message, **self.values)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __html__(self) -> str:
        from markupsafe import escape
        return str(escape(str(self)))

    def __repr__(self) -> str:
        return f"LazyText({self.message!r})"

    def __add__(self, other: object) -> str:
        return str(self) + str(other)

    def __radd__(self, other: object) -> str:
        return str(other) + str(self)

    def __mod__(self, values: Any) -> str:
        return str(self) % values


def lazy_gettext(message: str, **values: Any) -> LazyText:
    return LazyText(message, **values)


class LazyContextText(LazyText):
    """A lazy text with a ``msgctxt`` (:func:`pgettext`)."""

    context: str

    def __new__(cls, context: str, message: str, **values: Any) -> LazyContextText:
        text = super().__new__(cls, message, **values)
        text.context = context
        return text

    def __str__(self) -> str:
        return pgettext(self.context, self.message, **self.values)

    def __repr__(self) -> str:
        return f"LazyContextText({self.context!r}, {self.message!r})"


def lazy_pgettext(context: str, message: str, **values: Any) -> LazyContextText:
    return LazyContextText(context, message, **values)


class LazyContentText(LazyText):
    """A content title kept in something built once and shared by every request (a form
    version's WTForms class): Korean inside, :func:`content_text` each time it is read."""

    def __str__(self) -> str:
        return content_text(self.message)

    def __repr__(self) -> str:
        return f"LazyContentText({self.message!r})"


def lazy_content_text(text: object) -> LazyContentText:
    return LazyContentText("" if text is None else str(text))


def josa(word: object, which: str) -> str:
    """``word`` with its Korean particle in Korean (``ieum.korean.josa``); the word alone in a
    language without particles. For the values put into a translated sentence:
    ``_("%(title)s 입력하세요.", title=josa(title, "을"))``."""
    return korean.josa(word, which) if current_language() == DEFAULT else str(word)
