"""A small served workspace for the web tests: a ledger with log leaves and checkpoints."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
from fastapi.testclient import TestClient

from fairfollow.accounts import authority
from fairfollow.ledger.engine import create_ledger, open_ledger
from fairfollow.ledger.transaction import transaction
from fairfollow.scenarios.site_accounts import SiteAccount, open_site_accounts
from fairfollow.settings import Settings
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint_file import LogPublisher, publish_checkpoint
from fairfollow.tlog.keys import NoteSigner
from fairfollow.tlog.record import LogRecord
from fairfollow.workspace import Workspace

T0 = datetime(2019, 7, 15, 1, 0, tzinfo=UTC)


def served_workspace(root: Path, ledger_url: str | None = None, rounds: int = 3) -> Settings:
    """A workspace whose log has ``rounds`` checkpoints over 5, 10, 15 … leaves."""
    settings = Settings(home=root, ledger_url=ledger_url)
    workspace = Workspace.from_settings(settings).ensure()
    publisher = LogPublisher.of_workspace(workspace)
    engine = create_ledger(workspace.ledger_url)
    for round_ in range(rounds):
        append_and_sign(engine, publisher, round_, T0 + timedelta(hours=round_))
    engine.dispose()
    return settings


def append_and_sign(
    engine: object, signer: NoteSigner | LogPublisher, round_: int, at: datetime
) -> None:
    """Five release leaves and a checkpoint over them; published outside the database when
    given the workspace's publisher (a bare signer: the copy is left behind, as a test of
    the audit wants)."""
    from fairfollow.ledger.transaction import Engine

    assert isinstance(engine, Engine)
    with transaction(engine, "seed log") as conn:
        records = [
            LogRecord("release", f"rel-{round_}-{i}", {"pool": 100 + i, "epsilon": 1.0})
            for i in range(5)
        ]
        log_store.append_many(conn, records)
        if isinstance(signer, LogPublisher):
            publish_checkpoint(conn, signer, at)
        else:
            log_store.issue_checkpoint(conn, signer, at)


PASSWORD = "correct horse battery"  # every test account's password (12+ characters)
MEMBER_ID = 1
EMPLOYER = "E0001"


def with_accounts(settings: Settings, at: datetime = T0) -> dict[str, SiteAccount]:
    """The site's accounts (one per kind of user), each with :data:`PASSWORD` set; by kind
    (``member``, ``employer``, ``analyst``, ``privacy_officer``, ``reviewer``, ``auditor``)."""
    engine = open_ledger(Workspace.from_settings(settings).ledger_url)
    opened = open_site_accounts(engine, at, member_id=MEMBER_ID, employer=EMPLOYER)
    for account in opened:
        authority.set_password(engine, authority.principal_for(engine, account.login), PASSWORD, at)
    engine.dispose()
    return {account.kind: account for account in opened}


def totp_now(account: SiteAccount, at: datetime) -> str:
    return pyotp.TOTP(account.totp_secret).at(at) if account.totp_secret else ""


def sign_in(client: TestClient, account: SiteAccount, at: datetime = T0) -> TestClient:
    """Sign ``client`` in through the login form (anti-forgery token included)."""
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, form.text
    answer = client.post(
        "/login",
        data={"login": account.login, "password": PASSWORD, "csrf_token": token.group(1),
              "totp": totp_now(account, at)},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303, answer.text
    return client


def csrf_of(client: TestClient, page: str = "/account") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
    assert found
    return found.group(1)


class Clock:
    """The application's clock in a test: fixed, moved on by hand."""

    def __init__(self, at: datetime = T0) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at += delta
