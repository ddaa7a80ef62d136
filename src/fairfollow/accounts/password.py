"""The password policy: what a person may choose as a password (pure, but for reading the
shipped list of common passwords once).

A password has at least :data:`~fairfollow.accounts.account.MIN_PASSWORD_CHARS` characters,
is not one of the commonly chosen passwords shipped with the package
(``data/common_passwords.txt``, compared case-insensitively, also with digits and symbols
stripped from its ends, so ``Password1234!`` is as common as ``password``), is not one short
pattern repeated (``aaaaaaaaaaaa``, ``abcabcabcabc``) and is not a run of consecutive
characters (``123456789012`` wraps round, ``abcdefghijkl``). Length is what counts most
(NIST SP 800-63B §5.1.1.2): no rule asks for digits or capitals. Each refusal is a code.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from fairfollow.accounts.account import MIN_PASSWORD_CHARS
from fairfollow.errors import GovernanceError

COMMON_FILE = Path(__file__).parents[1] / "data" / "common_passwords.txt"
# The longest pattern whose repetition is refused (aaaa…, abab…, abcabc…, 12341234…).
MAX_REPEATED_PATTERN = 4
# Ends stripped before the common list is consulted again ("password123!" → "password").
_DECORATION = "0123456789!@#$%^&*?.,-_+=~ "
# Keyboard rows: a run along one is as guessable as one along the alphabet.
_RUNS = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm")


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list, folded as :func:`_folded` folds a candidate."""
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(_folded(line) for line in lines if line.strip() and not line.startswith("#"))


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def _repeated(folded: str) -> bool:
    for size in range(1, MAX_REPEATED_PATTERN + 1):
        pattern = folded[:size]
        if (pattern * (len(folded) // size + 1))[: len(folded)] == folded:
            return True
    return False


def _run(folded: str) -> bool:
    """Consecutive characters of one row, forwards or backwards, wrapping round."""
    for row in _RUNS:
        for line in (row, row[::-1]):
            cycle = line * (len(folded) // len(line) + 2)
            if folded in cycle:
                return True
    return False


def check_password(password: str) -> None:
    """Refuse a password the policy does not allow, by code; return when it does."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise GovernanceError("accounts.password_too_short", minimum=MIN_PASSWORD_CHARS)
    folded = _folded(password)
    common = common_passwords()
    if folded in common or folded.strip(_DECORATION) in common:
        raise GovernanceError("accounts.password_common")
    if _repeated(folded):
        raise GovernanceError("accounts.password_repeated", pattern=MAX_REPEATED_PATTERN)
    if _run(folded):
        raise GovernanceError("accounts.password_sequence")
