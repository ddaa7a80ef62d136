"""Browser sessions: sign-in with the account's credentials, idle and absolute timeouts,
throttled failures, sign-out. One ledger transaction per step.

A session is a 256-bit random cookie; the ledger keeps its SHA-256 only. Signing in always
makes a new session (and closes the one the browser presented, if any), so a cookie planted
before sign-in never becomes an authenticated one (session fixation). The privacy officer and
reviewers sign in only with a TOTP code (:data:`NEEDS_SECOND_FACTOR`).

The throttle counts failures per (login, source): the web passes the client's address, the
command line none. After :data:`THROTTLE_AFTER` failed attempts in a row from one source,
each further attempt from there waits :func:`throttle_wait` after the last failure (doubling,
capped at 5 min). Nothing locks the account: an anonymous caller who guesses wrong slows down
only its own address, never the owner signing in from elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fairfollow.accounts import authority, session_store
from fairfollow.accounts import store as account_store
from fairfollow.accounts.account import (
    NEEDS_SECOND_FACTOR,
    Account,
    AuditKind,
    IssuedToken,
    Principal,
    new_token,
    normalise_login,
    token_digest,
)
from fairfollow.accounts.store import AuditEvent
from fairfollow.errors import AuthenticationError, ThrottledError
from fairfollow.keys import keyed_hash
from fairfollow.ledger.transaction import Connection, Engine, reading, transaction

SESSION_PREFIX = "ffw_"
CSRF_DOMAIN = "csrf"  # the keyed-hash domain of anti-forgery tokens (keyed by the cookie)
THROTTLE_AFTER = 3
# A session's last-use time is written at most this often (a page view is not a write).
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
class OpenedSession:
    """A session just opened: its cookie value, shown to the browser once."""

    cookie: str
    principal: Principal
    expires_at: datetime


def throttle_wait(failures: int) -> timedelta:
    """How long after the last failure the next attempt waits (doubling from 2 s)."""
    if failures < THROTTLE_AFTER:
        return timedelta(0)
    return timedelta(seconds=min(2 ** (failures - THROTTLE_AFTER + 1), 300))


def csrf_token(cookie: str) -> str:
    """The anti-forgery token of a session: derived from its cookie, which another site's
    page cannot read (HttpOnly), so it cannot compute the token either."""
    return keyed_hash(cookie.encode("utf-8"), CSRF_DOMAIN, "v1")


def _audit(
    conn: Connection, kind: AuditKind, account: Account, at: datetime, **detail: object
) -> None:
    account_store.add_audit(conn, AuditEvent(kind, account.account_id, account.login, detail, at))


def check_throttle(
    engine: Engine, login_name: str, now: datetime, source: str | None = None
) -> None:
    """Refuse an attempt made before the wait its source's failures in a row ask for."""
    folded = normalise_login(login_name)
    with reading(engine, "sign-in throttle") as conn:
        failures, last = account_store.failures_in_a_row(conn, folded, source)
    wait = throttle_wait(failures)
    if last is not None and wait and now < last + wait:
        seconds = max(1, int((last + wait - now).total_seconds() + 0.999))
        raise ThrottledError("accounts.sign_in_throttled", retry_after=seconds, login=folded)


def open_session(
    engine: Engine,
    login_name: str,
    credential: str,
    now: datetime,
    *,
    totp: str = "",
    policy: SessionPolicy = SessionPolicy(),
    replacing: str | None = None,
    source: str | None = None,
) -> OpenedSession:
    """Sign in: check the throttle (of ``source``, the client's address) and the
    credentials, then open a new session (closing the one presented as ``replacing``).
    Refusals are audit events and raise."""
    check_throttle(engine, login_name, now, source)
    account = authority.verify_login(engine, login_name, credential, now, totp=totp, source=source)
    with transaction(engine, "session open") as conn:
        principal = account_store.principal_of(conn, account)
        if principal.roles & NEEDS_SECOND_FACTOR and account.totp_secret is None:
            _audit(
                conn, AuditKind.LOGIN_FAILED, account, now, reason="no second factor",
                **({} if source is None else {"source": source}),
            )  # fmt: skip
            raise AuthenticationError("accounts.second_factor_needed", login=account.login)
        if replacing:
            session_store.close_sessions(conn, now, digest=token_digest(replacing))
        cookie = SESSION_PREFIX + new_token().removeprefix("fft_")
        expires = now + policy.absolute
        session_store.add_session(
            conn, token_digest(cookie), account.account_id, opened_at=now, expires_at=expires
        )
        _audit(
            conn, AuditKind.LOGIN, account, now, via="web",
            **({} if source is None else {"source": source}),
        )  # fmt: skip
        _audit(conn, AuditKind.SESSION_OPENED, account, now, expires_at=expires.isoformat())
        return OpenedSession(cookie, principal, expires)


def issue_token(
    engine: Engine,
    login_name: str,
    credential: str,
    now: datetime,
    *,
    totp: str = "",
    ttl: timedelta = authority.DEFAULT_TOKEN_TTL,
    source: str | None = None,
) -> IssuedToken:
    """A bearer token for the API or the command line (``source`` None), behind the same
    throttle as the sign-in page."""
    check_throttle(engine, login_name, now, source)
    return authority.login(engine, login_name, credential, now, totp=totp, ttl=ttl, source=source)


def resume_session(
    engine: Engine, cookie: str | None, now: datetime, policy: SessionPolicy = SessionPolicy()
) -> Principal:
    """The account a session cookie stands for, with its roles now; refused (and closed)
    when unknown, closed, idle too long or past its absolute end."""
    if not cookie or not cookie.startswith(SESSION_PREFIX):
        raise AuthenticationError("accounts.not_signed_in")
    digest = token_digest(cookie)
    with reading(engine, "session") as conn:
        stored = session_store.find_session(conn, digest)
        account = (
            None
            if stored is None
            else account_store.find_account(conn, account_id=stored.account_id)
        )
        principal = None if account is None else account_store.principal_of(conn, account)
    if stored is None or account is None or principal is None:
        raise AuthenticationError("accounts.session_unknown")
    if stored.closed_at is not None:
        raise AuthenticationError("accounts.session_closed")
    ended = now >= stored.expires_at or now - stored.last_seen_at > policy.idle
    if ended or account.disabled:
        with transaction(engine, "session end") as conn:
            session_store.close_sessions(conn, now, digest=digest)
        raise AuthenticationError("accounts.session_ended")
    if now - stored.last_seen_at >= TOUCH_EVERY:
        with transaction(engine, "session touch") as conn:
            session_store.touch_session(conn, digest, now)
    return principal


def close_session(engine: Engine, cookie: str, now: datetime) -> None:
    """Sign out: the cookie stops working at once (closing an unknown one does nothing)."""
    digest = token_digest(cookie)
    with transaction(engine, "session close") as conn:
        stored = session_store.find_session(conn, digest)
        if stored is None or stored.closed_at is not None:
            return
        session_store.close_sessions(conn, now, digest=digest)
        account = account_store.find_account(conn, account_id=stored.account_id)
        if account is not None:
            _audit(conn, AuditKind.SESSION_CLOSED, account, now)
