"""Password hashing and the password policy of the privacy guide."""

from __future__ import annotations

import pytest

from ieum.access.passwords import hash_password, policy_problems, verify_password


@pytest.mark.parametrize(
    ("password", "acceptable"),
    [
        ("abcd1234", True),        # 8 characters, two kinds
        ("abc!defg", True),        # letters and a symbol
        ("abc1234", False),        # two kinds but only 7 characters
        ("abcdefgh", False),       # 8 characters of one kind
        ("abcdefghij", True),      # 10 characters of one kind
        ("1234567890", True),
        ("", False),
        ("a1" * 65, False),        # over 128 characters
    ],
)
def test_policy(password: str, acceptable: bool) -> None:
    assert (policy_problems(password) == []) is acceptable


def test_hash_is_argon2_and_verifies() -> None:
    hashed = hash_password("비밀번호-2026")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "비밀번호-2026")
    assert not verify_password(hashed, "비밀번호-2027")
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")
