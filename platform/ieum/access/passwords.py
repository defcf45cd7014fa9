"""Password hashing (argon2id through argon2-cffi) and the password policy of domain/privacy.md."""

from __future__ import annotations

import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

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


def policy_problems(password: str) -> list[str]:
    """Korean messages for each rule the password breaks; empty when it is acceptable.

    Rule (privacy guide): at least 8 characters of two or more kinds (letters, digits,
    symbols), or at least 10 characters of one kind.
    """
    if len(password) > 128:
        return ["비밀번호는 128자 이하여야 합니다."]
    # Each character is a letter, a digit or (anything else) a symbol.
    kinds = len({
        "letter" if c.isalpha() else "digit" if c.isdigit() else "symbol" for c in password
    })
    if password.strip() and (len(password) >= 10 or (len(password) >= 8 and kinds >= 2)):
        return []
    return [
        "비밀번호는 영문·숫자·특수문자 중 2종류 이상을 조합해 8자 이상, "
        "또는 1종류로 10자 이상이어야 합니다."
    ]
