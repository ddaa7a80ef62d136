"""Accounts to try the web application with, one per kind of user, on a workspace the
platform runs itself (the demo's replay, the web tests).

Each call hands out fresh one-time secrets (an existing account is reset, so an earlier
printout stops working) and, for the privacy officer and reviewers, who sign in with a second
factor, a freshly enrolled TOTP secret. The secrets are shown once and stored hashed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlparse

from fairfollow.accounts import authority
from fairfollow.accounts.account import NEEDS_SECOND_FACTOR, Principal, Role
from fairfollow.errors import InputError
from fairfollow.intake import pool_store
from fairfollow.ledger.transaction import Engine, reading
from fairfollow.services.examples import PRIVACY_OFFICER, REVIEWERS

ANALYST = "analyst"
AUDITOR = "auditor"


@dataclass(frozen=True)
class SiteAccount:
    """One account to sign in with: its login, what it is, its one-time secret and, for
    staff with a second factor, the TOTP secret an authenticator app takes."""

    login: str
    kind: str
    secret: str
    totp_secret: str | None = None


def _administrator(engine: Engine, now: datetime) -> Principal:
    if authority.needs_bootstrap(engine):
        authority.bootstrap(engine, now)
    holders = [
        a.login for a, roles in authority.accounts_and_roles(engine) if Role.ADMINISTRATOR in roles
    ]
    return authority.principal_for(engine, holders[0])


def _totp_secret(uri: str) -> str:
    return parse_qs(urlparse(uri).query)["secret"][0]


def open_site_accounts(
    engine: Engine, now: datetime, *, member_id: int, employer: str
) -> list[SiteAccount]:
    """A member's account for ``member_id``, an employer user for ``employer``, and one
    account per staff role; created, or reset when they exist."""
    admin = _administrator(engine, now)
    existing = {a.login: roles for a, roles in authority.accounts_and_roles(engine)}
    staff = [(ANALYST, Role.ANALYST), (PRIVACY_OFFICER, Role.PRIVACY_OFFICER)]
    staff += [(r, Role.REVIEWER) for r in REVIEWERS] + [(AUDITOR, Role.AUDITOR)]
    wanted: list[tuple[str, str, Role | None]] = [
        (f"member-{member_id}", "member", None),
        (f"hr-{employer.lower()}", "employer", None),
        *((login, role.value, role) for login, role in staff),
    ]
    opened: list[SiteAccount] = []
    for login, kind, role in wanted:
        if login in existing:
            new = authority.reset_account(engine, admin, login, now)
        else:
            new = authority.create_account(
                engine, admin, login, display_name=login, now=now,
                member_id=member_id if kind == "member" else None,
                employer=employer if kind == "employer" else None,
            )  # fmt: skip
        if role is not None and role not in existing.get(login, frozenset()):
            authority.change_role(engine, admin, login, role, grant=True, now=now)
        totp = None
        if role in NEEDS_SECOND_FACTOR:
            person = authority.principal_for(engine, login)
            totp = _totp_secret(authority.enroll_totp(engine, person, now))
        opened.append(SiteAccount(login, kind, new.secret, totp))
    return opened


def demo_subjects(engine: Engine) -> tuple[int, str]:
    """Whom the site accounts stand for on a replayed season: the first employer that sent
    an applicant list, and the first of its applicants who is a member of the site."""
    with reading(engine, "site accounts") as conn:
        for intake in pool_store.intakes_of(conn):
            pool = pool_store.load_pool(conn, intake.employer, intake.season)
            if pool is not None and pool.member_offers:
                member = pool.member_offers[0].member_id
                assert member is not None  # member_offers holds matched offers only
                return member, intake.employer
    raise InputError("scenarios.no_member_list")
