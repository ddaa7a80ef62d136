"""A replayed workspace served for the employer portal's tests: two employers with pools and
one with none, each with an employer user's account, and a list with bad rows to upload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fairfollow.accounts import authority
from fairfollow.intake.pool_store import intakes_of, load_pool
from fairfollow.ledger.engine import open_ledger
from fairfollow.ledger.transaction import reading
from fairfollow.release.figures import MIN_POOL
from fairfollow.scenarios.site_accounts import SiteAccount, demo_subjects, open_site_accounts
from fairfollow.settings import Settings
from fairfollow.workspace import Workspace
from tests.conftest import copy_workspace
from tests.web.site import PASSWORD

NO_LIST = "E9999"  # an employer user whose company never sent a list
ATTESTATION = {
    "provider_name": "株式会社テスト",
    "provider_address": "東京都千代田区丸の内1-1",
    "representative": "人事部長 試験太郎",
    "obtained_how": "collected from applicants through our entry form",
    "consent_statement": "applicants agreed to aggregate forecasts of our offer acceptances",
}


@dataclass(frozen=True)
class EmployerSite:
    settings: Settings
    workspace: Workspace
    employer: str  # A: the demo's employer
    other: str  # B: a second employer with a pool
    accounts: dict[str, SiteAccount]  # "a", "b", "none", "member"


def _employers(settings: Settings) -> tuple[str, str]:
    engine = open_ledger(Workspace.from_settings(settings).ledger_url)
    try:
        _, first = demo_subjects(engine)
        with reading(engine, "employers") as conn:
            for intake in intakes_of(conn):
                pool = load_pool(conn, intake.employer, intake.season)
                if intake.employer != first and pool is not None and len(pool.offers) >= MIN_POOL:
                    return first, intake.employer
    finally:
        engine.dispose()
    raise AssertionError("the replay has no second employer with a pool")


def employer_site(replayed: Path, target: Path) -> EmployerSite:
    """A private copy of the replay with the employer users' accounts (password set)."""
    settings = Settings(home=copy_workspace(replayed, target))
    workspace = Workspace.from_settings(settings)
    employer, other = _employers(settings)
    now = datetime.now(UTC)
    engine = open_ledger(workspace.ledger_url)
    accounts: dict[str, SiteAccount] = {}
    member, _ = demo_subjects(engine)
    for key, named in (("b", other), ("none", NO_LIST), ("a", employer)):
        opened = open_site_accounts(engine, now, member_id=member, employer=named)
        for account in opened:
            if account.kind == "employer":
                accounts[key] = account
            if account.kind == "member":
                accounts["member"] = account
    for account in accounts.values():
        authority.set_password(
            engine, authority.principal_for(engine, account.login), PASSWORD, now
        )
    engine.dispose()
    return EmployerSite(settings, workspace, employer, other, accounts)


def list_with_bad_rows(workspace: Workspace, employer: str) -> tuple[bytes, str, int]:
    """The employer's own season list with two bad rows appended (a date that is not one,
    a missing applicant id), in the file's own encoding; and how many rows it had."""
    origin = workspace.origin()
    assert origin is not None
    path = origin.employers_dir / f"season={origin.current_season}" / f"{employer}.csv"
    raw = path.read_bytes()
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        encoding, text = "cp932", raw.decode("cp932")
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = [line for line in text.split(newline) if line]
    header = lines[0].split(",")
    last = lines[-1].split(",")
    bad_date = list(last)
    bad_date[header.index("applicant_id")] = "Z999001"
    bad_date[header.index("entry_date")] = "2019-13-45"
    no_id = list(last)
    no_id[header.index("applicant_id")] = ""
    body = newline.join([*lines, ",".join(bad_date), ",".join(no_id)]) + newline
    return body.encode(encoding), path.name, len(lines) - 1
