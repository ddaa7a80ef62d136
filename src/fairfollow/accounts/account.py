"""Accounts, roles and the authority to grant them (pure).

An account is a person who acts on the platform: staff (administrator, privacy officer,
reviewer, analyst, operator) or a member reading their own data. It has a stable id
(``acc-…``, never reused) and a login that is unique after case folding and Unicode
normalisation (NFKC), so ``Hanako`` and ``hanako`` are one account, never two people.

Who may do what::

    administrator ──creates accounts, grants and revokes roles, sets the quorum (≥ 2)
    privacy officer ─signs services off, raises a budget cap, reads --internal figures
    reviewer ────────approves or vetoes in committee
    analyst ─────────reads --internal figures
    operator ────────reads a member's records on a logged request
    auditor ─────────reads the log, its audit and the decision records (read-only)
    product owner ───registers a data service, amends it and submits it for review

What each may do is the action table, :mod:`fairfollow.accounts.actions`.

Two kinds of account hold no staff role: a member's own account (``member_id``) and an
employer user's account, bound to one employer (``employer``), which sees only that
employer's aggregate figures.

Separation of duties, checked at grant time
(:func:`fairfollow.accounts.duties.check_grant`): nobody grants a role to themselves;
one account never holds both privacy officer and reviewer (they must be different people);
a member's account holds no staff role. The workflow adds, per service,
that neither is the service's owner (:mod:`fairfollow.services.approval`).

Credentials: an optional argon2id password hash, an optional one-time setup secret
(consumed on first use), an optional TOTP secret (RFC 6238). Setup secrets and tokens are
random (192 and 256 bits) and handed out once; the ledger keeps only their SHA-256.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from fairfollow.actor import Actor
from fairfollow.errors import GovernanceError, RoleError

TOKEN_PREFIX = "fft_"
SECRET_PREFIX = "ffs_"
MIN_PASSWORD_CHARS = 12
MIN_QUORUM = 2
MAX_LOGIN_CHARS = 64
TOTP_STEP_SECONDS = 30
# RFC 9106's second recommended option (64 MiB, 3 passes): argon2id.
_HASHER = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4)
# A hash of a random password nobody kept, with the same parameters: checked when there is
# no real hash, so an unknown login (or one without a password) costs the same hash work and
# the time of a refusal does not tell whether a login exists.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$1AVQCYKvYnAkdnOIWmNE7w"
    "$5vDDxB68OtSEYFbn7xnSQN2ORsKlFuel7eEPihyQpFg"
)


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    PRIVACY_OFFICER = "privacy_officer"
    REVIEWER = "reviewer"
    ANALYST = "analyst"
    OPERATOR = "operator"
    AUDITOR = "auditor"
    PRODUCT_OWNER = "product_owner"


class AuditKind(StrEnum):
    """Stable names of account events in the ledger."""

    CREATED = "account.created"
    LOGIN = "account.login"
    LOGIN_FAILED = "account.login_failed"
    TOKEN_ISSUED = "account.token_issued"
    TOKEN_REVOKED = "account.token_revoked"
    ROLE_GRANTED = "account.role_granted"
    ROLE_REVOKED = "account.role_revoked"
    QUORUM_SET = "committee.quorum_set"
    PASSWORD_SET = "account.password_set"
    TOTP_ENROLLED = "account.totp_enrolled"
    MEMBER_DATA_READ = "member_data.read"
    SESSION_OPENED = "session.opened"
    SESSION_CLOSED = "session.closed"
    BREAK_GLASS_SEALED = "break_glass.sealed"
    BREAK_GLASS_USED = "break_glass.used"
    BREAK_GLASS_REFUSED = "break_glass.refused"


# Every staff role (a member's account holds none); listed, so a role added later is not
# staff until it is written here.
STAFF = (
    Role.ADMINISTRATOR,
    Role.PRIVACY_OFFICER,
    Role.REVIEWER,
    Role.ANALYST,
    Role.OPERATOR,
    Role.PRODUCT_OWNER,
)

# Roles that may not sit on one account together (different people).
EXCLUSIVE = (frozenset({Role.PRIVACY_OFFICER, Role.REVIEWER}),)

# Roles whose holders sign in to the web with a second factor (TOTP, RFC 6238) or not at all.
NEEDS_SECOND_FACTOR = frozenset({Role.PRIVACY_OFFICER, Role.REVIEWER})


def normalise_login(login: str) -> str:
    """The login as stored and compared: NFKC, case-folded, trimmed."""
    folded = unicodedata.normalize("NFKC", login).casefold().strip()
    if not folded or len(folded) > MAX_LOGIN_CHARS or not folded.isprintable():
        raise GovernanceError("accounts.login_invalid", limit=MAX_LOGIN_CHARS)
    if any(c.isspace() for c in folded):
        raise GovernanceError("accounts.login_has_spaces")
    return folded


def same_person(a: str, b: str) -> bool:
    """Whether two names denote one account (compared as logins)."""
    return unicodedata.normalize("NFKC", a).casefold().strip() == (
        unicodedata.normalize("NFKC", b).casefold().strip()
    )


@dataclass(frozen=True)
class Account:
    account_id: str
    login: str
    display_name: str
    created_at: datetime
    created_by: Actor | None = None  # the administrator; None for the bootstrap one
    member_id: int | None = None
    password_hash: str | None = None
    setup_secret_hash: str | None = None
    totp_secret: str | None = None
    disabled: bool = False
    employer: str | None = None  # an employer user's employer; None for staff and members
    totp_last_step: int | None = None  # the last TOTP step accepted (each code works once)


@dataclass(frozen=True)
class Principal:
    """An authenticated account and the roles it holds now."""

    account_id: str
    login: str
    roles: frozenset[Role]
    member_id: int | None = None
    employer: str | None = None

    def has(self, role: Role) -> bool:
        return role in self.roles

    def require(self, *roles: Role) -> Principal:
        """This principal if it holds one of ``roles``; else a :class:`RoleError`."""
        if not any(r in self.roles for r in roles):
            raise RoleError("accounts.role_missing", login=self.login, roles=list(roles))
        return self


@dataclass(frozen=True)
class IssuedToken:
    """A token as handed out once: the clear value never reaches the ledger."""

    token: str
    account_id: str
    login: str
    expires_at: datetime


def new_account_id() -> str:
    return f"acc-{secrets.token_hex(8)}"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(24)


def token_digest(token: str) -> str:
    """SHA-256 of a token (tokens are 256-bit random, so no slow hash is needed)."""
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise GovernanceError("accounts.password_too_short", minimum=MIN_PASSWORD_CHARS)
    return _HASHER.hash(password)


def hash_secret(secret: str) -> str:
    """A one-time setup secret is 192-bit random: SHA-256 suffices (as for tokens)."""
    return "sha256:" + token_digest(secret)


def verify_secret(stored: str | None, given: str) -> bool:
    if stored is None or not stored.startswith("sha256:") or not given:
        return False
    return hmac.compare_digest(stored.removeprefix("sha256:"), token_digest(given))


def verify_hash(stored: str | None, given: str) -> bool:
    """Whether ``given`` matches an argon2id hash (False for no hash at all). Always runs
    one argon2 verification, against a dummy hash when there is none to check."""
    try:
        matched = _HASHER.verify(stored or _DUMMY_HASH, given)
    except (VerificationError, InvalidHashError):
        return False
    return bool(matched) and stored is not None and bool(given)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, login: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name="FairFollow")


def totp_step(now: datetime) -> int:
    """The RFC 6238 time step ``now`` falls in (30-second steps since the Unix epoch)."""
    return int(now.timestamp()) // TOTP_STEP_SECONDS


def verify_totp(
    secret: str, code: str, now: datetime, *, last_step: int | None = None
) -> int | None:
    """The step of an RFC 6238 code valid at ``now``, or None. Only the current step and
    the one before it are accepted (a code typed as it changed), never a later one, and
    never a step at or before ``last_step``, the last one accepted: each code works once."""
    given = code.strip()
    if not given:
        return None
    totp = pyotp.TOTP(secret)
    current = totp_step(now)
    for step in (current, current - 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * TOTP_STEP_SECONDS), given):
            return step
    return None


def actor_of(principal: Principal | Account) -> Actor:
    """The actor an account acts as (its id, its login now): the one place one is made."""
    return Actor(principal.account_id, principal.login)
