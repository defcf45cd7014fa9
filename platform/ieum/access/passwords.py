"""Password hashing (argon2id through argon2-cffi) and the password policy of domain/privacy.md."""

from __future__ import annotations

import os
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ieum.i18n import lazy_gettext as _l

# The test suite sets IEUM_TEST_FAST_HASHING=1 to hash with argon2id's minimum cost (it
# creates hundreds of accounts); anything else gets argon2-cffi's recommended parameters.
_hasher = (PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
           if os.environ.get("IEUM_TEST_FAST_HASHING") == "1" else PasswordHasher())

# A hash to verify against when the login does not exist, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("ieum-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


MIN_LENGTH = 8
MAX_LENGTH = 128
#: Extra words of this platform and of Korean habits that the common-password list lacks.
_LOCAL_WORDS = ("ieum", "이음", "qwer1234", "1q2w3e4r", "1q2w3e4r5t", "gksrmf", "sarang",
                "saranghae", "korea", "seoul", "password", "비밀번호")
TOO_SHORT = _l("비밀번호는 %(n)s자 이상이어야 합니다.", n=MIN_LENGTH)
TOO_LONG = _l("비밀번호는 %(n)s자 이하여야 합니다.", n=MAX_LENGTH)
COMMON = _l("널리 쓰여 쉽게 추측되는 비밀번호입니다. 다른 비밀번호를 정하세요.")
REPETITIVE = _l("같은 글자를 되풀이하거나 연속된 글자(abcd, 1234)만으로 된 비밀번호는 "
                "쓸 수 없습니다.")
PERSONAL = _l("아이디나 이름이 들어간 비밀번호는 쓸 수 없습니다.")


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of leaked lists (zxcvbn's frequency list)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | frozenset(_LOCAL_WORDS)


def _repetitive(password: str) -> bool:
    """One character repeated, or a run of consecutive code points (either direction)."""
    if len(set(password)) <= 2:
        return True
    steps = {ord(b) - ord(a) for a, b in zip(password, password[1:], strict=False)}
    return len(steps) == 1 and steps <= {1, -1, 0}


def policy_problems(password: str, *, login: str | None = None,
                    name: str | None = None) -> list[str]:
    """Korean messages for each rule the password breaks; empty when it is acceptable.

    After NIST SP 800-63B (5.1.1.2): at least ``MIN_LENGTH`` characters (any characters,
    spaces and Korean included; no rules about kinds of characters), at most ``MAX_LENGTH``,
    not on the list of common passwords (also with digits or symbols stripped from its end),
    not one repeated character or a sequence, and not the account's login or name.
    """
    if len(password) > MAX_LENGTH:
        return [str(TOO_LONG)]
    if len(password.strip()) < MIN_LENGTH:
        return [str(TOO_SHORT)]
    lowered = password.lower()
    stem = lowered.rstrip("0123456789!@#$%^&*.-_ ")
    common = _common_passwords()
    if lowered in common or (len(stem) >= 4 and stem in common):
        return [str(COMMON)]
    if _repetitive(lowered):
        return [str(REPETITIVE)]
    for word in (login, name):
        word = (word or "").strip().lower()
        if len(word) >= 3 and word in lowered:
            return [str(PERSONAL)]
    return []
