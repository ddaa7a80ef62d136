"""The pure account rules: logins, credentials, separation of duties, the action table."""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp
import pytest

from fairfollow.accounts.account import (
    Account,
    Principal,
    Role,
    hash_password,
    hash_secret,
    new_secret,
    new_token,
    normalise_login,
    same_person,
    token_digest,
    verify_hash,
    verify_secret,
    verify_totp,
)
from fairfollow.accounts.duties import check_grant, check_quorum
from fairfollow.errors import GovernanceError, RoleError

NOW = datetime(2026, 4, 1, tzinfo=UTC)
ADMIN = Principal("acc-admin", "admin", frozenset({Role.ADMINISTRATOR}))


def _account(login: str, member_id: int | None = None) -> Account:
    return Account(f"acc-{login}", login, login, NOW, member_id=member_id)


def test_logins_are_case_folded_and_normalised() -> None:
    assert normalise_login("Hanako") == normalise_login("hanako") == "hanako"
    assert normalise_login("ＨＡＮＡＫＯ") == "hanako"  # full-width folds by NFKC
    assert same_person("Hanako", " hanako ")
    for bad in ("", "   ", "two words", "x" * 65, "tab\there"):
        with pytest.raises(GovernanceError):
            normalise_login(bad)


def test_passwords_are_argon2id_and_secrets_and_tokens_only_digests() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert verify_hash(stored, "correct horse battery")
    assert not verify_hash(stored, "Correct horse battery")
    assert not verify_hash(None, "anything") and not verify_hash("not a hash", "x")
    with pytest.raises(GovernanceError, match=r"accounts\.password_too_short"):
        hash_password("short")
    secret, token = new_secret(), new_token()
    assert secret not in hash_secret(secret) and verify_secret(hash_secret(secret), secret)
    assert not verify_secret(hash_secret(secret), new_secret())
    assert len(token_digest(token)) == 64 and token not in token_digest(token)


def test_totp_codes_follow_the_passed_clock() -> None:
    secret = pyotp.random_base32()
    code = pyotp.TOTP(secret).at(NOW)
    assert verify_totp(secret, code, NOW)
    assert not verify_totp(secret, code, NOW.replace(hour=5))


def test_only_an_administrator_grants_and_never_to_themselves() -> None:
    po = Principal("acc-po", "po", frozenset({Role.PRIVACY_OFFICER}))
    with pytest.raises(RoleError, match="administrator"):
        check_grant(po, _account("r1"), frozenset(), Role.REVIEWER, grant=True)
    me = Account("acc-admin", "admin", "admin", NOW)
    with pytest.raises(RoleError, match=r"accounts\.own_roles"):
        check_grant(ADMIN, me, frozenset({Role.ADMINISTRATOR}), Role.PRIVACY_OFFICER, grant=True)
    check_grant(ADMIN, _account("r1"), frozenset(), Role.REVIEWER, grant=True)


def test_privacy_officer_and_reviewer_are_different_people() -> None:
    with pytest.raises(RoleError, match=r"accounts\.exclusive_roles"):
        check_grant(
            ADMIN, _account("hanako"), frozenset({Role.PRIVACY_OFFICER}), Role.REVIEWER, grant=True
        )
    with pytest.raises(RoleError, match=r"accounts\.exclusive_roles"):
        check_grant(
            ADMIN, _account("hanako"), frozenset({Role.REVIEWER}), Role.PRIVACY_OFFICER, grant=True
        )
    with pytest.raises(RoleError, match=r"accounts\.member_account_no_role"):
        check_grant(ADMIN, _account("m7", member_id=7), frozenset(), Role.ANALYST, grant=True)


def test_quorum_needs_the_administrator_and_two() -> None:
    check_quorum(ADMIN, 2)
    with pytest.raises(GovernanceError, match=r"accounts\.quorum_too_small"):
        check_quorum(ADMIN, 1)
    with pytest.raises(RoleError):
        check_quorum(Principal("acc-r", "r", frozenset({Role.REVIEWER})), 3)
