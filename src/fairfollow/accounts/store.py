"""Ledger tables of accounts (migrations ``acct_0001``, ``acct_0002``, ``acct_0003``).

- ``acct_accounts``: one row per account; the login is unique (stored case-folded); the
  credentials are hashes (argon2id) or the TOTP secret, never a clear password or token;
  ``totp_last_step`` is the last TOTP time step accepted, so a code is never accepted twice;
- ``acct_role_events``: grants and revocations, append-only, each naming who granted it;
- ``acct_tokens``: SHA-256 of each issued token, its expiry and revocation;
- ``acct_audit_events``: logins, failed logins, tokens, role and quorum changes, reads of a
  member's data, append-only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairfollow.accounts.account import Account, AuditKind, Principal, Role
from fairfollow.actor import Actor
from fairfollow.ledger.columns import ActorColumn, UtcDateTime
from fairfollow.ledger.engine import metadata

accounts = sa.Table(
    "acct_accounts",
    metadata,
    sa.Column("account_id", sa.String(32), primary_key=True),
    sa.Column("login", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("member_id", sa.Integer, nullable=True),
    sa.Column("password_hash", sa.Text, nullable=True),
    sa.Column("setup_secret_hash", sa.Text, nullable=True),
    sa.Column("totp_secret", sa.String(64), nullable=True),
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("created_by", ActorColumn(sqlite_length=32), nullable=True),
    sa.Column("employer", sa.String(64), nullable=True),
    sa.Column("totp_last_step", sa.BigInteger, nullable=True),
)
account_roles = sa.Table(
    "acct_role_events",
    metadata,
    sa.Column("role_event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.ForeignKey("acct_accounts.account_id"), nullable=False),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("granted", sa.Boolean, nullable=False),
    sa.Column("by_account", ActorColumn(sqlite_length=32), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
)
tokens = sa.Table(
    "acct_tokens",
    metadata,
    sa.Column("token_sha256", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.ForeignKey("acct_accounts.account_id"), nullable=False),
    sa.Column("issued_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
)
audit_events = sa.Table(
    "acct_audit_events",
    metadata,
    sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(48), nullable=False),
    sa.Column("account_id", sa.String(32), nullable=True),
    sa.Column("login", sa.String(64), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Index("ix_acct_audit_login", "login", "audit_id"),
)


@dataclass(frozen=True)
class AuditEvent:
    kind: AuditKind
    account_id: str | None
    login: str
    detail: Mapping[str, object]
    at: datetime
    audit_id: int = 0


@dataclass(frozen=True)
class StoredToken:
    account_id: str
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


def _account(r: sa.Row[tuple[object, ...]]) -> Account:
    m = r._mapping
    return Account(
        account_id=str(m["account_id"]),
        login=str(m["login"]),
        display_name=str(m["display_name"]),
        created_at=m["created_at"],
        created_by=m["created_by"],
        member_id=None if m["member_id"] is None else int(m["member_id"]),
        password_hash=m["password_hash"],
        setup_secret_hash=m["setup_secret_hash"],
        totp_secret=m["totp_secret"],
        disabled=bool(m["disabled"]),
        employer=m["employer"],
        totp_last_step=None if m["totp_last_step"] is None else int(m["totp_last_step"]),
    )


def add_account(conn: Connection, account: Account) -> None:
    conn.execute(
        accounts.insert().values(
            account_id=account.account_id,
            login=account.login,
            display_name=account.display_name,
            member_id=account.member_id,
            password_hash=account.password_hash,
            setup_secret_hash=account.setup_secret_hash,
            totp_secret=account.totp_secret,
            disabled=account.disabled,
            created_at=account.created_at,
            created_by=account.created_by,
            employer=account.employer,
        )
    )


def find_account(
    conn: Connection, *, login: str | None = None, account_id: str | None = None
) -> Account | None:
    query = sa.select(accounts)
    if login is not None:
        query = query.where(accounts.c.login == login)
    if account_id is not None:
        query = query.where(accounts.c.account_id == account_id)
    row = conn.execute(query).first()
    return None if row is None else _account(row)


def list_accounts(conn: Connection) -> list[Account]:
    return [_account(r) for r in conn.execute(sa.select(accounts).order_by(accounts.c.login))]


def update_credentials(conn: Connection, account_id: str, **values: str | None) -> None:
    """Set ``password_hash``, ``setup_secret_hash`` or ``totp_secret`` (None clears)."""
    allowed = {"password_hash", "setup_secret_hash", "totp_secret"}
    if not values or set(values) - allowed:
        raise ValueError(f"credentials are {sorted(allowed)}")
    conn.execute(accounts.update().where(accounts.c.account_id == account_id).values(**values))


def spend_totp_step(conn: Connection, account_id: str, step: int) -> bool:
    """Record ``step`` as the account's last accepted TOTP step, only if it is later than
    the one stored (one statement, so two sign-ins racing with one code cannot both win)."""
    done = conn.execute(
        accounts.update()
        .where(
            accounts.c.account_id == account_id,
            sa.or_(accounts.c.totp_last_step.is_(None), accounts.c.totp_last_step < step),
        )
        .values(totp_last_step=step)
    )
    return bool(done.rowcount)


def forget_totp_step(conn: Connection, account_id: str) -> None:
    """A new TOTP secret starts with no step spent."""
    conn.execute(
        accounts.update().where(accounts.c.account_id == account_id).values(totp_last_step=None)
    )


def set_role(
    conn: Connection, account_id: str, role: Role, *, granted: bool, by: Actor, at: datetime
) -> int:
    key = conn.execute(
        account_roles.insert().values(
            account_id=account_id, role=role.value, granted=granted, by_account=by, at=at
        )
    ).inserted_primary_key
    return int(key[0]) if key else 0


def roles_of(conn: Connection, account_id: str) -> frozenset[Role]:
    """The roles an account holds now (the latest grant or revocation of each wins)."""
    held: dict[Role, bool] = {}
    rows = conn.execute(
        sa.select(account_roles.c.role, account_roles.c.granted)
        .where(account_roles.c.account_id == account_id)
        .order_by(account_roles.c.role_event_id)
    )
    for role, granted in rows:
        held[Role(role)] = bool(granted)
    return frozenset(r for r, on in held.items() if on)


def principal_of(conn: Connection, account: Account) -> Principal:
    """The account as the authority sees it now: its identity, bindings and current roles."""
    roles = roles_of(conn, account.account_id)
    return Principal(account.account_id, account.login, roles, account.member_id, account.employer)


def holders_of(conn: Connection, role: Role) -> list[str]:
    """Account ids holding ``role`` now."""
    ids = conn.execute(sa.select(account_roles.c.account_id).distinct()).scalars()
    return sorted(a for a in ids if role in roles_of(conn, a))


def add_token(
    conn: Connection, digest: str, account_id: str, *, issued_at: datetime, expires_at: datetime
) -> None:
    conn.execute(
        tokens.insert().values(
            token_sha256=digest,
            account_id=account_id,
            issued_at=issued_at,
            expires_at=expires_at,
            revoked_at=None,
        )
    )


def find_token(conn: Connection, digest: str) -> StoredToken | None:
    row = conn.execute(sa.select(tokens).where(tokens.c.token_sha256 == digest)).first()
    if row is None:
        return None
    return StoredToken(row.account_id, row.issued_at, row.expires_at, row.revoked_at)


def revoke_tokens(
    conn: Connection,
    at: datetime,
    *,
    digest: str | None = None,
    account_id: str | None = None,
    sparing: str | None = None,
) -> int:
    """Revoke one token (by digest) or every live token of an account but ``sparing``."""
    query = tokens.update().where(tokens.c.revoked_at.is_(None)).values(revoked_at=at)
    if digest is not None:
        query = query.where(tokens.c.token_sha256 == digest)
    if account_id is not None:
        query = query.where(tokens.c.account_id == account_id)
    if sparing is not None:
        query = query.where(tokens.c.token_sha256 != sparing)
    return int(conn.execute(query).rowcount or 0)


def add_audit(conn: Connection, event: AuditEvent) -> int:
    key = conn.execute(
        audit_events.insert().values(
            kind=event.kind.value,
            account_id=event.account_id,
            login=event.login,
            detail=json.dumps(dict(event.detail), ensure_ascii=False, sort_keys=True),
            at=event.at,
        )
    ).inserted_primary_key
    return int(key[0]) if key else 0


def audit_trail(conn: Connection, login: str | None = None) -> list[AuditEvent]:
    query = sa.select(audit_events).order_by(audit_events.c.audit_id)
    if login is not None:
        query = query.where(audit_events.c.login == login)
    return [
        AuditEvent(
            AuditKind(r.kind), r.account_id, r.login, json.loads(r.detail), r.at, int(r.audit_id)
        )
        for r in conn.execute(query)
    ]


# How far back the throttle looks: past this many attempts the wait is at its cap anyway.
ATTEMPTS_LOOKED_AT = 64


def failures_in_a_row(
    conn: Connection, login: str, source: str | None
) -> tuple[int, datetime | None]:
    """Failed sign-ins of ``login`` from ``source`` (a web client's address; None for the
    command line) since its last success from there or the last credential reset: how
    many, and when the latest was. Other sources' failures do not count, so nobody's
    failures slow down anybody else."""
    rows = conn.execute(
        sa.select(audit_events.c.kind, audit_events.c.detail, audit_events.c.at)
        .where(
            audit_events.c.login == login,
            audit_events.c.kind.in_(
                [AuditKind.LOGIN.value, AuditKind.LOGIN_FAILED.value, AuditKind.PASSWORD_SET.value]
            ),
        )
        .order_by(audit_events.c.audit_id.desc())
        .limit(ATTEMPTS_LOOKED_AT)
    )
    count, latest = 0, None
    for kind, detail, at in rows:
        if kind == AuditKind.PASSWORD_SET.value:
            break
        if json.loads(detail).get("source") != source:
            continue
        if kind == AuditKind.LOGIN.value:
            break
        count += 1
        latest = latest or at
    return count, latest
