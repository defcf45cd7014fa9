"""The catalog's texts in two uses: shown to a person (in the request's language) and kept in a
record (always the Korean source, so a decision trace hashes the same whatever the language).

Labels kept in constants are :class:`ieum.i18n.LazyText` (a ``str`` holding its Korean, shown
translated); code that writes a record takes :func:`korean` of them, never ``str()`` or an
f-string, which translate. :func:`shown` translates a Korean text read back from a record.
"""

from __future__ import annotations

from ieum.i18n import content_text


def korean(text: str) -> str:
    """The Korean source of ``text`` as a plain ``str`` (a lazy label is not translated)."""
    return str.__str__(text)


def shown(text: object) -> str:
    """A Korean text read from a record (a step's label, a stored reason), in the request's
    language when a catalogue has it; unchanged otherwise."""
    return content_text(korean(text) if isinstance(text, str) else text)
