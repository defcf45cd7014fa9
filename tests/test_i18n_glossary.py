"""One English for one Korean text (docs/GLOSSARY.md).

The code's catalogues (the kernel's ``platform/ieum/locale/en/*.po``, then each package's) are
merged into one lookup table where the first catalogue wins, so when two of them translate the
same (msgctxt, msgid) differently the later one is never shown: its screens silently show the
other catalogue's wording. A Korean word used in two senses needs a ``msgctxt`` in the code
(``pgettext``), not two translations. And the English is spelled the American way everywhere."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from ieum import i18n

REPOSITORY = Path(__file__).resolve().parent.parent
PLATFORM = REPOSITORY / "platform"

#: (msgctxt, msgid) -> why two code catalogues may translate it differently. Every entry is a
#: deliberate exception, with the reason; none is needed today. Prefer a msgctxt in the code.
ALLOWED_DIFFERENCES: dict[tuple[str | None, str], str] = {
    # (None, "예시"): "why the later catalogue's wording is wanted although never shown",
}

#: British spellings the catalogues must not use; a word only, so a code written inside a
#: text (``programme_name``, ``%(programme)s``) is not one
BRITISH = re.compile(r"(?<![\w%(`])programmes?(?![\w`])", re.IGNORECASE)


def code_catalogues() -> list[Path]:
    """The shipped code catalogues in lookup order (the kernel's, then the packages')."""
    dirs = [i18n.KERNEL_LOCALE, *(folder for folder in i18n.plugin_locale_dirs()
                                   if PLATFORM in Path(folder).resolve().parents)]
    return i18n.catalogue_files("en", dirs)


def all_catalogues() -> list[Path]:
    """Every English catalogue of the repository: code, shipped content, test content and the
    example vendor packages."""
    found = {*code_catalogues(), *REPOSITORY.glob("locale/en/*.po")}
    for base in ("platform", "tests"):
        found.update(path for path in (REPOSITORY / base).rglob("locale/en/*.po")
                     if ".venv" not in path.parts)
    return sorted(found)


def translations(path: Path):
    with open(path, "rb") as handle:
        for message in read_po(handle, locale="en", abort_invalid=True):
            if message.id and message.string and not message.fuzzy:
                msgid = message.id if isinstance(message.id, str) else message.id[0]
                strings = [message.string] if isinstance(message.string, str) \
                    else list(message.string)
                yield (message.context, msgid), strings


def test_the_code_catalogues_are_the_kernels_and_the_librarys() -> None:
    names = [f"{path.parent.parent.parent.name}/{path.name}" for path in code_catalogues()]
    assert names[:5] == ["ieum/base.po", "ieum/kernel.po", "ieum/services.po",
                         "ieum/studio.po", "ieum/web.po"]
    assert "ieum_library/library.po" in names


def test_two_code_catalogues_never_translate_the_same_text_differently() -> None:
    seen: dict[tuple[str | None, str], dict[str, list[str]]] = {}
    for path in code_catalogues():
        for key, strings in translations(path):
            seen.setdefault(key, {}).setdefault(strings[0], []).append(path.name)
    differing = {key: found for key, found in seen.items() if len(found) > 1}
    unexpected = {key: found for key, found in differing.items()
                  if key not in ALLOWED_DIFFERENCES}
    assert unexpected == {}, (
        f"{len(unexpected)} texts have two English wordings in the code catalogues (the first "
        "catalogue wins; give every catalogue the same wording, or tell the senses apart with "
        f"a msgctxt in the code): {list(unexpected.items())[:5]}")
    stale = sorted(set(ALLOWED_DIFFERENCES) - set(differing), key=str)
    assert stale == [], f"allowed differences that no longer differ: {stale}"


def test_no_catalogue_spells_program_the_british_way() -> None:
    found = [f"{path.relative_to(REPOSITORY)}: {key[1][:30]!r} -> {text[:80]!r}"
             for path in all_catalogues() for key, strings in translations(path)
             for text in strings if BRITISH.search(text)]
    assert found == [], f"write 'program', not 'programme' (docs/GLOSSARY.md): {found[:5]}"


def test_the_spelling_check_sees_words_not_codes() -> None:
    assert BRITISH.search("Welfare programmes") and BRITISH.search("Programme reviewer")
    assert not BRITISH.search("the programme_name field")
    assert not BRITISH.search("%(programme)s") and not BRITISH.search("`programme`")
    assert not BRITISH.search("Welfare program")
