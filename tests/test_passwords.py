"""Password hashing and the password policy of the privacy guide."""

from __future__ import annotations

import pytest

from ieum.access.passwords import hash_password, policy_problems, verify_password


@pytest.mark.parametrize(
    ("password", "acceptable"),
    [
        ("abcd1234", False),       # on the list of common passwords
        ("abc!defg", True),        # 8 characters: long enough, no rules about kinds
        ("abc1234", False),        # only 7 characters
        ("zqxwvbnm", True),        # 8 letters of one kind are fine (no composition rules)
        ("abcdefghij", False),     # a sequence
        ("aaaaaaaaaa", False),     # one character repeated
        ("1234567890", False),     # common and a sequence
        ("password2026!", False),  # a common password with digits and a symbol appended
        ("qwer1234", False),       # a Korean favourite
        ("사과나무 아래에서", True),  # Korean and spaces are characters like any other
        ("", False),
        ("        ", False),       # spaces only
        ("a1" * 65, False),        # over 128 characters
    ],
)
def test_policy_follows_nist_800_63b(password: str, acceptable: bool) -> None:
    assert (policy_problems(password) == []) is acceptable


def test_a_password_with_the_login_or_name_is_refused() -> None:
    assert policy_problems("minjun-2026!", login="minjun")
    assert policy_problems("우리김민준최고", name="김민준")
    assert not policy_problems("river-stone-2026", login="minjun", name="김민준")


def test_hash_is_argon2_and_verifies() -> None:
    hashed = hash_password("비밀번호-2026")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "비밀번호-2026")
    assert not verify_password(hashed, "비밀번호-2027")
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")
