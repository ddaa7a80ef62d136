"""The first administrator, made once over an empty history, and break-glass recovery.

**First administrator.** :func:`first_administrator` makes the workspace's bootstrap
administrator only over a workspace without history: no account in the ledger, and no
checkpoint published outside the database (the copy ``log-checkpoints.txt`` keeps) of a log
larger than the ledger holds. A ledger that was deleted and made again is empty, but its
outside copy is not: an administrator made over it would own a history it never saw.

**Break-glass.** Resetting a forgotten password is an administrator's job
(:func:`fairfollow.accounts.authority.reset_account`); the administrators themselves, and
any other account holding a staff role, have a second way back that does not depend on the
locked-out person alone: the break-glass secret, printed once when the first administrator
is made (kept apart from any one person, e.g. sealed in an envelope held by two). Only its
argon2id hash is stored (:mod:`fairfollow.accounts.break_glass_store`). Using it
(:func:`use_break_glass`) gives the named privileged account a new one-time setup secret
and removes its password and second factor, ends every token and session of the account,
spends the secret and seals a new one (printed once to whoever used it). Every use, every
refused attempt and every new seal is an audit event; every use and every seal is also a
leaf of the transparency log (``account.recovered``, ``break-glass.sealed``), so a
recovery cannot happen unseen. A second administrator's reset of a privileged account is
an ``account.recovered`` leaf too.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fairfollow.accounts import break_glass_store as glass_store
from fairfollow.accounts import session_store
from fairfollow.accounts import store as account_store
from fairfollow.accounts.account import (
    Account,
    AuditKind,
    Principal,
    hash_password,
    hash_secret,
    new_secret,
    normalise_login,
    verify_hash,
)
from fairfollow.accounts.actions import Action, require
from fairfollow.accounts.authority import NewAccount, add_leaf, bootstrap_in, fresh, record_audit
from fairfollow.errors import AuthenticationError, GovernanceError
from fairfollow.ledger.transaction import Connection, Engine, transaction
from fairfollow.tlog import store as log_store
from fairfollow.tlog.record import LeafKind

GLASS_PREFIX = "ffg_"


@dataclass(frozen=True)
class History:
    """What a workspace already holds: its accounts, its log's size, and the largest log
    size the checkpoints published outside the ledger record."""

    accounts: int
    leaves: int
    published: int

    @property
    def empty(self) -> bool:
        """No account, and no published checkpoint of a log this ledger does not hold."""
        return not self.accounts and self.published <= self.leaves


@dataclass(frozen=True)
class FirstAdministrator:
    """The bootstrap administrator and the break-glass secret, each shown once."""

    admin: NewAccount
    break_glass: str


@dataclass(frozen=True)
class Recovered:
    """A privileged account recovered: its new one-time secret and the new break-glass
    secret now in force (the one used is spent), each shown once."""

    account: Account
    secret: str
    break_glass: str


def new_glass_secret() -> str:
    return GLASS_PREFIX + secrets.token_urlsafe(32)


def history(conn: Connection, published: Sequence[str]) -> History:
    """The workspace's history: ``published`` are the notes of its outside checkpoint copy."""
    return History(
        len(account_store.list_accounts(conn)), log_store.tree_size(conn), _largest(published)
    )


def _largest(notes: Sequence[str]) -> int:
    """The largest tree size the notes state (their second line). Read without checking
    the signature: a note nobody signed can only stop a bootstrap, never allow one."""
    sizes = [0]
    for note in notes:
        lines = note.split("\n")
        if len(lines) > 1 and lines[1].isdigit():
            sizes.append(int(lines[1]))
    return max(sizes)


def first_administrator(
    engine: Engine, now: datetime, *, published: Sequence[str]
) -> FirstAdministrator:
    """Make the bootstrap administrator and seal the first break-glass secret; refused once
    the workspace has any history (see module)."""
    with transaction(engine, "account bootstrap") as conn:
        found = history(conn, published)
        if not found.empty:
            raise GovernanceError(
                "workspace_guard.bootstrap_over_history",
                accounts=found.accounts,
                leaves=found.leaves,
                published=found.published,
            )
        admin = bootstrap_in(conn, now)
        glass = _seal(conn, admin.account, now)
        return FirstAdministrator(admin, glass)


def _seal(conn: Connection, by: Account | None, now: datetime) -> str:
    glass = new_glass_secret()
    event = glass_store.seal(conn, hash_password(glass), None if by is None else by.account_id, now)
    who = "break-glass" if by is None else by.login
    record_audit(conn, AuditKind.BREAK_GLASS_SEALED, by, who, now, event=event)
    body = {"event": event, "by": "break-glass" if by is None else by.account_id}
    add_leaf(conn, LeafKind.BREAK_GLASS_SEALED, f"glass-{event}", body)
    return glass


def seal_break_glass(engine: Engine, actor: Principal, now: datetime) -> str:
    """An administrator puts a new break-glass secret in force (the old one stops working);
    returns it, to be shown once."""
    with transaction(engine, "break glass seal") as conn:
        admin = require(fresh(conn, actor), Action.ACCOUNT_CREATE)
        account = account_store.find_account(conn, account_id=admin.account_id)
        return _seal(conn, account, now)


def use_break_glass(
    engine: Engine, login: str, glass: str, now: datetime, *, source: str | None = None
) -> Recovered:
    """Recover the privileged account ``login`` with the break-glass secret (see module). A
    wrong secret is refused and the attempt committed to the audit trail first."""
    folded = normalise_login(login)
    with transaction(engine, "break glass") as conn:
        sealed = glass_store.in_force(conn)
        right = verify_hash(None if sealed is None else sealed.secret_hash, glass)
        if not right:
            account = account_store.find_account(conn, login=folded)
            detail = {} if source is None else {"source": source}
            record_audit(conn, AuditKind.BREAK_GLASS_REFUSED, account, folded, now, **detail)
    if not right or sealed is None:
        raise AuthenticationError("workspace_guard.break_glass_refused")
    with transaction(engine, "break glass") as conn:
        again = glass_store.in_force(conn)
        if again is None or again.event_id != sealed.event_id:  # spent by a racing use
            raise AuthenticationError("workspace_guard.break_glass_refused")
        account = account_store.find_account(conn, login=folded)
        if account is None:
            raise GovernanceError("accounts.account_unknown", login=login)
        roles = account_store.roles_of(conn, account.account_id)
        if not roles:
            raise GovernanceError("workspace_guard.break_glass_not_privileged", login=folded)
        secret = new_secret()
        account_store.update_credentials(
            conn,
            account.account_id,
            setup_secret_hash=hash_secret(secret),
            password_hash=None,
            totp_secret=None,  # a lost authenticator is the other way to be locked out
        )
        account_store.forget_totp_step(conn, account.account_id)
        ended = account_store.revoke_tokens(conn, now, account_id=account.account_id)
        ended += session_store.close_sessions(conn, now, account_id=account.account_id)
        used: dict[str, object] = {"ended": ended}
        if source is not None:
            used["source"] = source
        record_audit(conn, AuditKind.BREAK_GLASS_USED, account, folded, now, **used)
        body = {"account": account.account_id, "roles": sorted(r.value for r in roles),
                "method": "break_glass", "glass": sealed.event_id}  # fmt: skip
        add_leaf(conn, LeafKind.ACCOUNT_RECOVERED, f"glass-{sealed.event_id}-used", body)
        glass_next = _seal(conn, None, now)
        return Recovered(account, secret, glass_next)
