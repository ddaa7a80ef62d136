"""A private copy of the replayed workspace with the site's accounts, for the console tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fairfollow.accounts import authority
from fairfollow.accounts.account import Principal, Role
from fairfollow.ledger.engine import open_ledger
from fairfollow.ledger.transaction import Engine
from fairfollow.scenarios.site_accounts import SiteAccount, demo_subjects, open_site_accounts
from fairfollow.settings import Settings
from fairfollow.workspace import Workspace
from tests.conftest import copy_workspace
from tests.web.site import PASSWORD

PRODUCT_OWNER = "po-site"


def staff_site(replayed: Path, root: Path) -> tuple[Settings, dict[str, SiteAccount]]:
    """A copy of ``replayed`` under ``root`` with the site's accounts by kind (password
    :data:`~tests.web.site.PASSWORD`; ``reviewer`` and ``reviewer2``), the member and the
    employer being the season's own."""
    ws = copy_workspace(replayed, root / "ws")
    settings = Settings(home=ws)
    engine = open_ledger(Workspace.from_settings(settings).ledger_url)
    now = datetime.now(UTC)
    member, employer = demo_subjects(engine)
    opened = open_site_accounts(engine, now, member_id=member, employer=employer)
    for account in opened:
        login = authority.principal_for(engine, account.login)
        authority.set_password(engine, login, PASSWORD, now)
    admin = authority.principal_for(engine, "admin")  # a product owner, for /product
    authority.create_account(engine, admin, PRODUCT_OWNER, display_name="PO", now=now)
    authority.change_role(engine, admin, PRODUCT_OWNER, Role.PRODUCT_OWNER, grant=True, now=now)
    authority.set_password(engine, authority.principal_for(engine, PRODUCT_OWNER), PASSWORD, now)
    engine.dispose()
    by_kind: dict[str, SiteAccount] = {
        "product_owner": SiteAccount(PRODUCT_OWNER, "product_owner", "")
    }
    for account in opened:  # the second reviewer is "reviewer2"
        by_kind[account.kind if account.kind not in by_kind else f"{account.kind}2"] = account
    return settings, by_kind


def ledger_of(settings: Settings) -> Engine:
    return open_ledger(Workspace.from_settings(settings).ledger_url)


def person(engine: Engine, login: str) -> Principal:
    return authority.principal_for(engine, login)
