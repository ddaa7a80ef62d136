"""Who may act: bootstrap, accounts, log-in and tokens, role grants, the quorum, and reads
of a member's data. Each command is one ledger transaction.

Every grant, revocation and quorum change is an audit event in the ledger *and* a leaf of
the transparency log (``role.granted``, ``role.revoked``, ``quorum.set``), written in the
same transaction, so an operator cannot hand out a role the log does not show. Log-ins,
failed log-ins and issued tokens are audit events; a failed log-in is committed even though
the log-in is refused, with the address it came from (``source``; none from the command
line), which the sign-in throttle (:mod:`fairfollow.accounts.session`) counts by. Nothing
locks an account: an outsider's failures must not shut its owner out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from fairfollow.accounts import session_store
from fairfollow.accounts import store as account_store
from fairfollow.accounts.account import (
    Account,
    AuditKind,
    IssuedToken,
    Principal,
    Role,
    actor_of,
    hash_password,
    hash_secret,
    new_account_id,
    new_secret,
    new_token,
    new_totp_secret,
    normalise_login,
    token_digest,
    totp_uri,
    verify_hash,
    verify_secret,
    verify_totp,
)
from fairfollow.accounts.actions import Action, permits, require
from fairfollow.accounts.duties import check_grant
from fairfollow.accounts.password import check_password
from fairfollow.accounts.store import AuditEvent
from fairfollow.errors import AuthenticationError, GovernanceError, RoleError
from fairfollow.ledger.transaction import Connection, Engine, reading, transaction
from fairfollow.tlog import store as log_store
from fairfollow.tlog.record import LeafKind, LogRecord

BOOTSTRAP_LOGIN = "admin"
DEFAULT_TOKEN_TTL = timedelta(hours=12)
MAX_TOKEN_TTL = timedelta(days=30)


@dataclass(frozen=True)
class NewAccount:
    """An account just made, and its one-time setup secret (shown once, stored hashed)."""

    account: Account
    secret: str


def record_audit(
    conn: Connection,
    kind: AuditKind,
    account: Account | None,
    login: str,
    at: datetime,
    **detail: object,
) -> int:
    return account_store.add_audit(
        conn, AuditEvent(kind, None if account is None else account.account_id, login, detail, at)
    )


def add_leaf(conn: Connection, kind: LeafKind, ref: str, body: Mapping[str, object]) -> None:
    log_store.append(conn, LogRecord(kind, ref, dict(body)))  # type: ignore[arg-type]


def _account(conn: Connection, login: str) -> Account:
    found = account_store.find_account(conn, login=normalise_login(login))
    if found is None:
        raise GovernanceError("accounts.account_unknown", login=login)
    return found


def fresh(conn: Connection, actor: Principal) -> Principal:
    """The actor's roles as the ledger holds them now (not as when the token was read)."""
    found = account_store.find_account(conn, account_id=actor.account_id)
    if found is None or found.disabled:
        raise AuthenticationError("accounts.account_gone", login=actor.login)
    return account_store.principal_of(conn, found)


def bootstrap(engine: Engine, now: datetime, *, login: str = BOOTSTRAP_LOGIN) -> NewAccount:
    """Create the one bootstrap administrator; refused once any administrator exists."""
    with transaction(engine, "account bootstrap") as conn:
        return bootstrap_in(conn, now, login=login)


def bootstrap_in(conn: Connection, now: datetime, *, login: str = BOOTSTRAP_LOGIN) -> NewAccount:
    """:func:`bootstrap` inside the caller's transaction."""
    if account_store.holders_of(conn, Role.ADMINISTRATOR):
        raise GovernanceError("accounts.administrator_exists")
    secret = new_secret()
    account = Account(
        new_account_id(),
        normalise_login(login),
        "bootstrap administrator",
        now,
        setup_secret_hash=hash_secret(secret),
    )
    account_store.add_account(conn, account)
    record_audit(conn, AuditKind.CREATED, account, account.login, now, bootstrap=True)
    _grant(conn, account, account, Role.ADMINISTRATOR, granted=True, now=now)
    return NewAccount(account, secret)


def needs_bootstrap(engine: Engine) -> bool:
    with reading(engine, "account bootstrap") as conn:
        return not account_store.holders_of(conn, Role.ADMINISTRATOR)


def create_account(
    engine: Engine,
    actor: Principal,
    login: str,
    *,
    display_name: str,
    now: datetime,
    member_id: int | None = None,
    employer: str | None = None,
) -> NewAccount:
    """An administrator creates an account; it gets a one-time setup secret. A member's
    account names its member; an employer user's names its one employer."""
    with transaction(engine, "account create") as conn:
        admin = require(fresh(conn, actor), Action.ACCOUNT_CREATE)
        folded = normalise_login(login)
        if member_id is not None and employer is not None:
            raise GovernanceError("accounts.member_and_employer")
        if employer is not None and not employer.strip():
            raise GovernanceError("accounts.employer_missing")
        if account_store.find_account(conn, login=folded) is not None:
            raise GovernanceError("accounts.login_taken", login=folded)
        secret = new_secret()
        account = Account(
            new_account_id(),
            folded,
            display_name.strip() or folded,
            now,
            created_by=actor_of(admin),
            member_id=member_id,
            setup_secret_hash=hash_secret(secret),
            employer=None if employer is None else employer.strip(),
        )
        account_store.add_account(conn, account)
        record_audit(conn, AuditKind.CREATED, account, folded, now, by=str(actor_of(admin)))
        return NewAccount(account, secret)


def reset_account(engine: Engine, actor: Principal, login: str, now: datetime) -> NewAccount:
    """An administrator issues a new setup secret (the password goes; every token ends)."""
    with transaction(engine, "account reset") as conn:
        admin = require(fresh(conn, actor), Action.ACCOUNT_CREATE)
        account = _account(conn, login)
        secret = new_secret()
        account_store.update_credentials(
            conn, account.account_id, setup_secret_hash=hash_secret(secret), password_hash=None
        )
        account_store.revoke_tokens(conn, now, account_id=account.account_id)
        record_audit(
            conn, AuditKind.PASSWORD_SET, account, account.login, now, reset_by=str(actor_of(admin))
        )
        roles = account_store.roles_of(conn, account.account_id)
        if roles:  # a privileged account recovered by another administrator: on the log
            body = {"account": account.account_id, "roles": sorted(r.value for r in roles),
                    "method": "administrator_reset", "by": str(actor_of(admin))}  # fmt: skip
            add_leaf(conn, LeafKind.ACCOUNT_RECOVERED, f"reset-{account.account_id}", body)
        return NewAccount(replace(account, setup_secret_hash="(new)"), secret)


def login(
    engine: Engine,
    login_name: str,
    credential: str,
    now: datetime,
    *,
    totp: str = "",
    ttl: timedelta = DEFAULT_TOKEN_TTL,
    source: str | None = None,
) -> IssuedToken:
    """Exchange a password (or the one-time setup secret, consumed) and, when enrolled, a
    TOTP code for a token. Every attempt is in the audit trail, with its ``source``."""
    if not timedelta(0) < ttl <= MAX_TOKEN_TTL:
        raise GovernanceError("accounts.token_lifetime_invalid", days=MAX_TOKEN_TTL.days)
    account = verify_login(engine, login_name, credential, now, totp=totp, source=source)
    with transaction(engine, "account login") as conn:
        token = new_token()
        expires = now + ttl
        account_store.add_token(
            conn, token_digest(token), account.account_id, issued_at=now, expires_at=expires
        )
        record_audit(conn, AuditKind.LOGIN, account, account.login, now, **_from(source))
        record_audit(
            conn, AuditKind.TOKEN_ISSUED, account, account.login, now,
            expires_at=expires.isoformat(),
        )  # fmt: skip
        return IssuedToken(token, account.account_id, account.login, expires)


def _from(source: str | None) -> dict[str, object]:
    """The audit detail naming where an attempt came from (nothing for the command line)."""
    return {} if source is None else {"source": source}


def verify_login(
    engine: Engine,
    login_name: str,
    credential: str,
    now: datetime,
    *,
    totp: str = "",
    source: str | None = None,
) -> Account:
    """The account whose credential (and TOTP code, when enrolled) this is; a refusal is
    committed to the audit trail, with its ``source``, before it is raised. A one-time
    setup secret is consumed."""
    folded = normalise_login(login_name)
    with transaction(engine, "account login") as conn:
        account = account_store.find_account(conn, login=folded)
        reason = _refusal(conn, account, credential, totp, now)
        if reason or account is None:
            record_audit(
                conn, AuditKind.LOGIN_FAILED, account, folded, now, reason=reason,
                **_from(source),
            )  # fmt: skip
    if reason or account is None:
        raise AuthenticationError(reason or "accounts.sign_in_refused")
    if verify_secret(account.setup_secret_hash, credential):
        with transaction(engine, "account login") as conn:
            account_store.update_credentials(conn, account.account_id, setup_secret_hash=None)
    return account


def _refusal(
    conn: Connection, account: Account | None, credential: str, totp: str, now: datetime
) -> str:
    """The code refusing this sign-in, or "" to let it in. An unknown login and a wrong
    credential get the same code, and nothing else is said before the credential is right,
    so a refusal never tells whether a login exists. The password hash runs whether or not
    the account exists (against a dummy hash when it has none), so neither does its time."""
    stored = None if account is None else account.password_hash
    password_ok = verify_hash(stored, credential)
    if account is None or not (password_ok or verify_secret(account.setup_secret_hash, credential)):
        return "accounts.sign_in_refused"
    if account.disabled:
        return "accounts.sign_in_disabled"
    if account.totp_secret is not None:
        step = verify_totp(account.totp_secret, totp, now, last_step=account.totp_last_step)
        if step is None or not account_store.spend_totp_step(conn, account.account_id, step):
            return "accounts.totp_required"
    return ""


def authenticate(engine: Engine, token: str | None, now: datetime) -> Principal:
    """The account a token stands for, with its roles now; refused when missing, unknown,
    expired or revoked."""
    if not token or not token.strip():
        raise AuthenticationError("accounts.token_missing")
    with reading(engine, "authenticate") as conn:
        stored = account_store.find_token(conn, token_digest(token))
        if stored is None:
            raise AuthenticationError("accounts.token_unknown")
        if stored.revoked_at is not None:
            raise AuthenticationError("accounts.token_revoked")
        if now >= stored.expires_at:
            raise AuthenticationError("accounts.token_expired")
        account = account_store.find_account(conn, account_id=stored.account_id)
        if account is None or account.disabled:
            raise AuthenticationError("accounts.token_account_disabled")
        return account_store.principal_of(conn, account)


def logout(engine: Engine, token: str, now: datetime) -> Principal:
    """Revoke the token presented (it stops working at once)."""
    principal = authenticate(engine, token, now)
    with transaction(engine, "account logout") as conn:
        account_store.revoke_tokens(conn, now, digest=token_digest(token))
        account = account_store.find_account(conn, account_id=principal.account_id)
        record_audit(conn, AuditKind.TOKEN_REVOKED, account, principal.login, now)
    return principal


def set_password(
    engine: Engine,
    actor: Principal,
    password: str,
    now: datetime,
    *,
    current: str = "",
    keep: str | None = None,
) -> int:
    """Set the actor's own password and end every other way into the account: each open
    browser session and unrevoked API token stops working at once, but ``keep`` (the cookie
    or token the change was made with), so whoever held the old password is shut out.
    Returns how many sessions and tokens were ended (also in the audit event).

    Once the account has a password, the change needs it (``current``): a stolen token or
    an unattended session must not be enough to take the account over for good. Only an
    account still on its one-time setup secret (just made or reset) sets one without."""
    check_password(password)  # the policy first: a refused choice touches nothing
    kept = None if keep is None else token_digest(keep)
    with transaction(engine, "account password") as conn:
        me = fresh(conn, actor)
        mine = account_store.find_account(conn, account_id=me.account_id)
        assert mine is not None  # fresh found it
        wrong = mine.password_hash is not None and not verify_hash(mine.password_hash, current)
        if wrong:  # committed, so a token holder's guesses are in the audit trail
            record_audit(
                conn, AuditKind.LOGIN_FAILED, mine, me.login, now,
                reason="accounts.current_password_wrong",
            )  # fmt: skip
    if wrong:
        raise AuthenticationError("accounts.current_password_wrong", login=me.login)
    with transaction(engine, "account password") as conn:
        me = fresh(conn, actor)
        account_store.update_credentials(
            conn, me.account_id, password_hash=hash_password(password), setup_secret_hash=None
        )
        ended = account_store.revoke_tokens(conn, now, account_id=me.account_id, sparing=kept)
        ended += session_store.close_sessions(conn, now, account_id=me.account_id, sparing=kept)
        account = account_store.find_account(conn, account_id=me.account_id)
        record_audit(conn, AuditKind.PASSWORD_SET, account, me.login, now, ended=ended)
        return ended


def has_password(engine: Engine, actor: Principal) -> bool:
    """Whether the actor's account has a password (so changing it needs the current one)."""
    with reading(engine, "account password") as conn:
        found = account_store.find_account(conn, account_id=actor.account_id)
        return found is not None and found.password_hash is not None


def enroll_totp(engine: Engine, actor: Principal, now: datetime) -> str:
    """Give a staff account a TOTP secret; returns its ``otpauth://`` URI (shown once)."""
    with transaction(engine, "account totp") as conn:
        me = fresh(conn, actor)
        if not me.roles:
            raise RoleError("accounts.totp_staff_only")
        secret = new_totp_secret()
        account_store.update_credentials(conn, me.account_id, totp_secret=secret)
        account_store.forget_totp_step(conn, me.account_id)
        account = account_store.find_account(conn, account_id=me.account_id)
        record_audit(conn, AuditKind.TOTP_ENROLLED, account, me.login, now)
        return totp_uri(secret, me.login)


def _grant(
    conn: Connection, by: Account, to: Account, role: Role, *, granted: bool, now: datetime
) -> None:
    event_id = account_store.set_role(
        conn, to.account_id, role, granted=granted, by=actor_of(by), at=now
    )
    kind = AuditKind.ROLE_GRANTED if granted else AuditKind.ROLE_REVOKED
    record_audit(conn, kind, to, to.login, now, role=role.value, by=str(actor_of(by)))
    body = {"account": to.account_id, "role": role.value, "by": str(actor_of(by))}
    leaf = LeafKind.ROLE_GRANTED if granted else LeafKind.ROLE_REVOKED
    add_leaf(conn, leaf, f"role-{event_id}", body)


def change_role(
    engine: Engine, actor: Principal, login_name: str, role: Role, *, grant: bool, now: datetime
) -> Account:
    """An administrator grants (or revokes) a role, within the separation of duties."""
    with transaction(engine, "grant role" if grant else "revoke role") as conn:
        admin = fresh(conn, actor)
        grantee = _account(conn, login_name)
        check_grant(
            admin, grantee, account_store.roles_of(conn, grantee.account_id), role, grant=grant
        )
        granter = account_store.find_account(conn, account_id=admin.account_id)
        assert granter is not None  # _fresh found it
        _grant(conn, granter, grantee, role, granted=grant, now=now)
        return grantee


def authorize_member_read(
    engine: Engine, actor: Principal, member_id: int, *, request: str, now: datetime
) -> None:
    """A member reads their own data; an operator reads anyone's only on a logged request
    (the request's reference is kept in the audit trail)."""
    with transaction(engine, "member data") as conn:
        me = fresh(conn, actor)
        if me.member_id == member_id:
            return
        if not permits(me, Action.MEMBER_READ_ANY):
            raise RoleError("accounts.member_read_own_only", login=me.login, member=member_id)
        if not request.strip():
            raise RoleError("accounts.member_read_needs_request")
        account = account_store.find_account(conn, account_id=me.account_id)
        record_audit(
            conn, AuditKind.MEMBER_DATA_READ, account, me.login, now,
            member_id=member_id, request=request.strip(),
        )  # fmt: skip


def accounts_and_roles(engine: Engine) -> list[tuple[Account, frozenset[Role]]]:
    with reading(engine, "account list") as conn:
        return [
            (a, account_store.roles_of(conn, a.account_id))
            for a in account_store.list_accounts(conn)
        ]


def audit_trail(
    engine: Engine, actor: Principal, login_name: str | None = None
) -> list[AuditEvent]:
    """The account audit trail, for an administrator or the privacy officer."""
    require(actor, Action.ACCOUNT_AUDIT)
    with reading(engine, "account audit") as conn:
        folded = None if login_name is None else normalise_login(login_name)
        return account_store.audit_trail(conn, folded)


def own_trail(engine: Engine, actor: Principal, *, limit: int = 20) -> list[AuditEvent]:
    """An account's own latest audit events (its sign-ins, failures, tokens, roles)."""
    with reading(engine, "own audit trail") as conn:
        return account_store.audit_trail(conn, actor.login)[-limit:][::-1]


def principal_for(engine: Engine, login_name: str) -> Principal:
    """The principal of an account, for code that runs as the platform itself in a workspace
    it has just created (the replay, benchmarks); commands authenticate with a token."""
    with reading(engine, "principal") as conn:
        return account_store.principal_of(conn, _account(conn, login_name))
