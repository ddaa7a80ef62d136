"""A replayed workspace with the site's accounts and a signed-in member whose applicant list
went into a release: the member portal's tests (TestClient and browser) share it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from fairfollow.accounts import authority
from fairfollow.consent import store as consent_store
from fairfollow.consent.coverage_store import valid_members
from fairfollow.ledger.engine import open_ledger
from fairfollow.ledger.transaction import reading
from fairfollow.records import provision_store
from fairfollow.scenarios.site_accounts import SiteAccount, demo_subjects, open_site_accounts
from fairfollow.settings import Settings
from fairfollow.web.app import create_app
from fairfollow.workspace import Workspace
from tests.web.site import PASSWORD, csrf_of, sign_in

FORECAST = "employer_forecast"


class Site:
    """A private copy of the replayed workspace with the site's accounts, and a signed-in
    member whose applicant list went into a release."""

    def __init__(self, root: Path) -> None:
        self.settings = Settings(home=root)
        self.workspace = Workspace.from_settings(self.settings)
        self.engine = open_ledger(self.workspace.ledger_url)
        self.now = datetime.now(UTC)
        with reading(self.engine, "test subjects") as conn:
            provided = provision_store.provisions_to(conn)
            self.member = provision_store.subjects_of(conn, provided[0].provision_id)[0]
            events = consent_store.load_events(conn)
        self.other = next(e.member_id for e in events if e.member_id != self.member)
        _, employer = demo_subjects(self.engine)
        opened = open_site_accounts(self.engine, self.now, member_id=self.member, employer=employer)
        self.accounts: dict[str, SiteAccount] = {a.kind: a for a in opened}
        for account in opened:
            person = authority.principal_for(self.engine, account.login)
            authority.set_password(self.engine, person, PASSWORD, self.now)
        self.client = sign_in(TestClient(create_app(self.settings)), self.accounts["member"])

    def csrf(self) -> str:
        return csrf_of(self.client, "/me/consents")

    def valid_for_forecast(self) -> bool:
        with reading(self.engine, "test verdict") as conn:
            return self.member in valid_members(conn, FORECAST, datetime.now(UTC))
