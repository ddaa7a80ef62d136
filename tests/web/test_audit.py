"""The auditor's view over a replayed season: the audit of the whole log passes, then finds a
leaf tampered with directly in the database; the records export as CSV for a regulator."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from fairfollow.ledger.transaction import reading
from fairfollow.records import provision_store
from fairfollow.records import report as records
from fairfollow.scenarios.site_accounts import SiteAccount
from fairfollow.settings import Settings
from fairfollow.tlog import store as log_store
from fairfollow.web.app import create_app
from tests.web.consoles import ledger_of, staff_site
from tests.web.site import sign_in

Site = tuple[Settings, dict[str, SiteAccount]]


@pytest.fixture
def site(replayed_workspace: Path, tmp_path: Path) -> Site:
    return staff_site(replayed_workspace, tmp_path)


def auditor(settings: Settings, accounts: dict[str, SiteAccount]) -> TestClient:
    client = TestClient(create_app(settings), headers={"accept": "text/html"})
    return sign_in(client, accounts["auditor"], datetime.now(UTC))


def tamper(settings: Settings, index: int) -> None:
    """An operator edits one leaf's content in the database, leaving its hash alone."""
    engine = ledger_of(settings)
    with engine.begin() as conn:
        leaves = log_store.log_leaves
        content = conn.execute(
            sa.select(leaves.c.content).where(leaves.c.leaf_index == index)
        ).scalar_one()
        conn.execute(
            leaves.update()
            .where(leaves.c.leaf_index == index)
            .values(content=content.replace('"epsilon":1', '"epsilon":0.1'))
        )
    assert '"epsilon":1' in content, "tamper with a release leaf"
    engine.dispose()


def release_leaf(settings: Settings) -> int:
    """The index of the first release leaf (it records the ε spent)."""
    engine = ledger_of(settings)
    with reading(engine, "test") as conn:
        index = next(
            leaf.index for leaf in log_store.iter_leaves(conn) if b'"epsilon":1' in leaf.content
        )
    engine.dispose()
    return index


def test_the_audit_passes_then_names_a_leaf_tampered_with_in_the_database(site: Site) -> None:
    settings, accounts = site
    client = auditor(settings, accounts)
    page = client.get("/audit", params={"lang": "en"}).text
    assert 'data-ok="yes"' in page and 'id="audit-verdict">passed' in page
    assert 'id="latest-note"' in page and "NO<" not in page
    index = release_leaf(settings)
    tamper(settings, index)
    page = client.get("/audit", params={"lang": "en"}).text
    assert 'data-ok="no"' in page and 'id="audit-verdict">FAILED' in page
    assert re.search(rf'<td class="leaf-index">{index}</td>', page)
    api = client.get("/api/v1/audit").json()
    assert api["ok"] is False and index in [f["index"] for f in api["findings"]]


def test_decision_and_provision_records_export_as_csv(site: Site) -> None:
    settings, accounts = site
    client = auditor(settings, accounts)
    engine = ledger_of(settings)
    with reading(engine, "test") as conn:
        decisions = records.all_decisions(conn)
        provisions = provision_store.provisions_to(conn)
    engine.dispose()
    answer = client.get("/audit/decisions.csv")
    assert answer.content.startswith(b"\xef\xbb\xbf")  # Excel reads the Japanese text
    got = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    zoned = tuple(h.replace(" (Asia/Tokyo)", "") for h in got[0])
    assert zoned == records.DECISION_HEADER and len(got) - 1 == len(decisions)
    assert "at (Asia/Tokyo)" in got[0]
    assert all(row[got[0].index("at (Asia/Tokyo)")].endswith("+09:00") for row in got[1:])
    assert {row[2] for row in got[1:]} >= {"allow", "deny"}
    got = list(
        csv.reader(io.StringIO(client.get("/audit/provisions.csv").content.decode("utf-8-sig")))
    )
    zoned = tuple(h.replace(" (Asia/Tokyo)", "") for h in got[0])
    assert zoned == records.PROVISION_HEADER and len(got) - 1 == len(provisions) > 0
    assert all(int(row[6]) > 0 for row in got[1:])  # persons counted, never listed


def test_the_auditor_reads_and_cannot_act(site: Site) -> None:
    settings, accounts = site
    client = auditor(settings, accounts)
    assert client.get("/privacy").status_code == 200  # the policy list is open to oversight
    assert client.get("/privacy/requests").status_code == 403
    assert client.post("/review/yield-forecast/veto", data={"reason": "x"}).status_code == 403


def test_the_auditor_browses_the_leaves_and_sees_budgets_recounted_and_witnesses(
    site: Site,
) -> None:
    settings, accounts = site
    client = auditor(settings, accounts)
    page = client.get("/audit", params={"lang": "en"}).text
    assert 'id="recount-verdict" class="ok" data-ok="yes"' in page
    assert 'id="witness-status"' in page and 'id="leaf-browser"' in page
    leaves = client.get("/audit/leaves", params={"lang": "ja"})
    assert leaves.status_code == 200
    rows = re.findall(r'<tr data-index="(\d+)">', leaves.text)
    engine = ledger_of(settings)
    with reading(engine, "test") as conn:
        size = log_store.tree_size(conn)
    engine.dispose()
    assert [int(i) for i in rows] == list(range(min(size, 50)))
    assert "予測の提供" in leaves.text and "/log/proof/inclusion?index=0&amp;size=" in leaves.text
    later = client.get("/audit/leaves", params={"start": "50", "lang": "en"}).text
    # The next page starts at leaf 50; past the end, the page shows the last leaf.
    assert re.findall(r'<tr data-index="(\d+)">', later)[0] == str(min(50, size - 1))


def test_a_lowered_employer_odometer_shows_on_the_auditor_page(site: Site) -> None:
    settings, accounts = site
    engine = ledger_of(settings)
    with engine.begin() as conn:  # an operator lowers what an employer has spent
        conn.exec_driver_sql(
            "UPDATE gov_budget_entries SET epsilon = epsilon / 2 WHERE kind = 'spend'"
        )
    engine.dispose()
    page = auditor(settings, accounts).get("/audit", params={"lang": "en"}).text
    assert 'data-ok="no"' in page and 'id="recount-employers"' in page
