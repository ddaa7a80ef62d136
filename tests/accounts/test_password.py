"""The password policy: length, the shipped list of common passwords, repeated patterns
and runs along the keyboard are refused by code; long unrelated words pass."""

from __future__ import annotations

import pytest

from fairfollow.accounts.password import COMMON_FILE, check_password, common_passwords
from fairfollow.errors import GovernanceError


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short pass", "accounts.password_too_short"),
        ("aaaaaaaaaaaa", "accounts.password_repeated"),
        ("ＡＡＡＡＡＡＡＡＡＡＡＡ", "accounts.password_repeated"),  # full-width: folded
        ("abababababab", "accounts.password_repeated"),
        ("12341234123412", "accounts.password_repeated"),
        ("123456789012", "accounts.password_sequence"),
        ("abcdefghijklm", "accounts.password_sequence"),
        ("qwertyuiopqw", "accounts.password_sequence"),
        ("9876543210987", "accounts.password_sequence"),
        ("password1234", "accounts.password_common"),
        ("Password1234!", "accounts.password_common"),
        ("CorrectHorseBatteryStaple", "accounts.password_common"),
        ("welcome2026!!", "accounts.password_common"),
    ],
)
def test_a_guessable_password_is_refused_by_code(password: str, code: str) -> None:
    with pytest.raises(GovernanceError) as refused:
        check_password(password)
    assert refused.value.code == code


@pytest.mark.parametrize(
    "password", ["correct horse battery", "さくらの木の下で会いましょう", "tofu river lantern 7"]
)
def test_long_unrelated_words_pass(password: str) -> None:
    check_password(password)


def test_the_list_ships_in_the_package_and_is_folded() -> None:
    assert COMMON_FILE.is_file() and len(common_passwords()) > 100
    assert all(p == p.casefold() for p in common_passwords())
