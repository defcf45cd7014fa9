"""Korean particles (조사) after a word that changes: ‘아동자립정보’를, ‘입퇴소 관리’는.

A particle depends on whether the word ends in a consonant (받침): 을/를, 은/는, 이/가, 과/와,
이나/나, 이라/라; and (으)로 also on whether that consonant is ㄹ. Every message that puts a
title, a name or a number before a particle goes through :func:`josa` (in templates the filter
``josa``), never ``을(를)`` or a guess.

The last sound is read from the last Hangul syllable, digit or Latin letter of the word,
skipping closing quotes, brackets and spaces (‘보호종료’ → 료; v3 → 삼; PDF → 에프). A word
ending in something unreadable gets both forms, ``을(를)``, as before.
"""

from __future__ import annotations

#: particle after a consonant -> after a vowel
PAIRS = {"을": "를", "은": "는", "이": "가", "과": "와", "이나": "나", "이라": "라",
         "이라고": "라고", "아": "야", "으로": "로"}
_BY_ANY = {**{k: k for k in PAIRS}, **{v: k for k, v in PAIRS.items()},
           "(으)로": "으로", "을(를)": "을", "를(을)": "을", "은(는)": "은", "는(은)": "은",
           "이(가)": "이", "가(이)": "이", "과(와)": "과", "와(과)": "과", "로": "으로"}
_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_RIEUL = 8  # the index of ㄹ among final consonants
#: how a digit is read (일, 이, 삼 ...): final consonant index (0: none)
_DIGITS = {"0": 21, "1": _RIEUL, "2": 0, "3": 16, "4": 0, "5": 0, "6": 1, "7": _RIEUL,
           "8": _RIEUL, "9": 0}
#: how a Latin letter's name ends in Korean (엘, 엠, 엔, 알 end in a consonant)
_LETTERS = {"l": _RIEUL, "m": 16, "n": 4, "r": _RIEUL}
_SKIPPED = set(" \t\n'\"’”」』)]}>›»")


def final_consonant(word: str) -> int | None:
    """The final consonant (받침) index of the word's last sound: 0 none, 8 ㄹ, else another;
    None when the word ends in nothing readable."""
    for char in reversed(str(word)):
        if char in _SKIPPED:
            continue
        code = ord(char)
        if _HANGUL_FIRST <= code <= _HANGUL_LAST:
            return (code - _HANGUL_FIRST) % 28
        if char in _DIGITS:
            return _DIGITS[char]
        if char.isascii() and char.isalpha():
            return _LETTERS.get(char.lower(), 0)
        return None
    return None


def particle(word: str, which: str) -> str:
    """The form of particle ``which`` (either form: ``"을"``, ``"를"``, ``"을/를"``,
    ``"(으)로"``) that follows ``word``."""
    key = _BY_ANY.get(which) or _BY_ANY.get(which.split("/")[0])
    if key is None:
        raise ValueError(f"unknown particle: {which!r}")
    after_vowel = PAIRS[key]
    last = final_consonant(word)
    if last is None:
        return "(으)로" if key == "으로" else f"{key}({after_vowel})"
    if key == "으로":
        return "로" if last in (0, _RIEUL) else "으로"
    return key if last else after_vowel


def josa(word: object, which: str) -> str:
    """``word`` followed by the right form of the particle: josa("아동자립정보", "을") ->
    "아동자립정보를"; josa("‘입퇴소 관리’", "은") -> "‘입퇴소 관리’는"."""
    text = str(word)
    return text + particle(text, which)
