"""The first administrator over an empty history only, and break-glass recovery of a
privileged account (issue 27: the lock-out needed an administrator, and an administrator
locked out had no way back that did not depend on that one person)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fairfollow.accounts import authority, recovery
from fairfollow.accounts import store as account_store
from fairfollow.accounts.account import AuditKind, Role
from fairfollow.accounts.break_glass_store import break_glass
from fairfollow.errors import AuthenticationError, GovernanceError
from fairfollow.ledger.engine import open_ledger
from fairfollow.tlog import store as log_store
from fairfollow.tlog.record import LeafKind, decode_leaf

NOW = datetime(2026, 4, 1, tzinfo=UTC)
NOTE = "fairfollow.test/log\n{size}\nqINS1GRFhWHwdkUeqLEoP4yEMkTBBrxhmAo6aaONdoc=\n\n— sig\n"


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = open_ledger(ledger_url)
    yield engine
    engine.dispose()


def _leaves(engine: Engine, kind: str) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [
            dict(decode_leaf(leaf.content).record.body)
            for leaf in log_store.iter_leaves(conn)
            if leaf.kind == kind
        ]


def _audit_kinds(engine: Engine, login: str) -> list[AuditKind]:
    with engine.connect() as conn:
        return [e.kind for e in account_store.audit_trail(conn, login)]


def test_no_first_administrator_over_a_workspace_with_history(engine: Engine) -> None:
    # A ledger made again is empty, but the checkpoints published outside it remember a log.
    with pytest.raises(GovernanceError, match=r"bootstrap_over_history"):
        recovery.first_administrator(engine, NOW, published=[NOTE.format(size=7)])
    made = recovery.first_administrator(engine, NOW, published=[NOTE.format(size=0)])
    assert made.admin.secret.startswith("ffs_") and made.break_glass.startswith("ffg_")
    with pytest.raises(GovernanceError, match=r"bootstrap_over_history"):  # accounts now
        recovery.first_administrator(engine, NOW, published=[])


def test_the_break_glass_secret_is_stored_as_an_argon2_hash_only(engine: Engine) -> None:
    made = recovery.first_administrator(engine, NOW, published=[])
    with engine.connect() as conn:
        rows = list(conn.execute(sa.select(break_glass)))
    (sealed,) = rows
    assert sealed.secret_hash.startswith("$argon2id$")
    assert made.break_glass not in repr(rows)
    assert _leaves(engine, LeafKind.BREAK_GLASS_SEALED)  # sealing is on the log too


def test_break_glass_recovers_a_locked_out_administrator_once_on_the_log(engine: Engine) -> None:
    made = recovery.first_administrator(engine, NOW, published=[])
    token = authority.login(engine, "admin", made.admin.secret, NOW).token
    admin = authority.authenticate(engine, token, NOW)
    authority.set_password(engine, admin, "a password now forgotten", NOW)
    authority.enroll_totp(engine, admin, NOW)  # and the phone is lost too
    with pytest.raises(AuthenticationError, match=r"break_glass_refused"):
        recovery.use_break_glass(engine, "admin", "ffg_a-guess", NOW, source="203.0.113.9")
    done = recovery.use_break_glass(engine, "admin", made.break_glass, NOW)
    assert done.account.login == "admin" and done.break_glass != made.break_glass
    # The old token ends; the new one-time secret signs in without the lost second factor.
    with pytest.raises(AuthenticationError):
        authority.authenticate(engine, token, NOW)
    again = authority.login(engine, "admin", done.secret, NOW).token
    assert authority.authenticate(engine, again, NOW).roles == {Role.ADMINISTRATOR}
    # The secret is spent: a second use fails, the new one works.
    with pytest.raises(AuthenticationError, match=r"break_glass_refused"):
        recovery.use_break_glass(engine, "admin", made.break_glass, NOW)
    assert recovery.use_break_glass(engine, "admin", done.break_glass, NOW).secret
    (used, _) = _leaves(engine, LeafKind.ACCOUNT_RECOVERED)
    assert used["method"] == "break_glass" and used["account"] == done.account.account_id
    kinds = _audit_kinds(engine, "admin")
    assert kinds.count(AuditKind.BREAK_GLASS_USED) == 2
    assert kinds.count(AuditKind.BREAK_GLASS_REFUSED) == 2  # the guess, the spent secret


def test_break_glass_is_for_privileged_accounts_only(engine: Engine) -> None:
    made = recovery.first_administrator(engine, NOW, published=[])
    token = authority.login(engine, "admin", made.admin.secret, NOW).token
    admin = authority.authenticate(engine, token, NOW)
    authority.create_account(engine, admin, "member-7", display_name="m", now=NOW, member_id=7)
    with pytest.raises(GovernanceError, match=r"break_glass_not_privileged"):
        recovery.use_break_glass(engine, "member-7", made.break_glass, NOW)
    # Refused before anything changed: the secret is still in force.
    assert recovery.use_break_glass(engine, "admin", made.break_glass, NOW).secret


def test_a_second_administrators_reset_of_a_privileged_account_is_a_leaf(engine: Engine) -> None:
    made = recovery.first_administrator(engine, NOW, published=[])
    admin = authority.authenticate(
        engine, authority.login(engine, "admin", made.admin.secret, NOW).token, NOW
    )
    authority.create_account(engine, admin, "second", display_name="s", now=NOW)
    authority.change_role(engine, admin, "second", Role.ADMINISTRATOR, grant=True, now=NOW)
    authority.create_account(engine, admin, "member-8", display_name="m", now=NOW, member_id=8)
    authority.reset_account(engine, admin, "second", NOW)
    authority.reset_account(engine, admin, "member-8", NOW)  # not privileged: no leaf
    (reset,) = _leaves(engine, LeafKind.ACCOUNT_RECOVERED)
    assert reset["method"] == "administrator_reset" and reset["roles"] == ["administrator"]


def test_a_new_seal_ends_the_old_secret(engine: Engine) -> None:
    made = recovery.first_administrator(engine, NOW, published=[])
    admin = authority.authenticate(
        engine, authority.login(engine, "admin", made.admin.secret, NOW).token, NOW
    )
    fresh = recovery.seal_break_glass(engine, admin, NOW)
    with pytest.raises(AuthenticationError):
        recovery.use_break_glass(engine, "admin", made.break_glass, NOW)
    assert recovery.use_break_glass(engine, "admin", fresh, NOW).secret
    assert len(_leaves(engine, LeafKind.BREAK_GLASS_SEALED)) == 3  # bootstrap, seal, use
