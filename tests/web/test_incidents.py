"""The incident page: the due list (late first, in red), each incident's situations and
citations, the Japanese draft as text, the JSON due list; for those who may read it only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from fairfollow.accounts import authority
from fairfollow.incidents.incident import IncidentInput
from fairfollow.law.incidents import IncidentFacts
from fairfollow.ledger.engine import open_ledger
from fairfollow.usecases import incidents as cases
from fairfollow.web.app import create_app
from fairfollow.workspace import Workspace
from tests.web.site import served_workspace, sign_in, with_accounts


def test_the_page_lists_what_is_due_and_the_draft_is_japanese(tmp_path: Path) -> None:
    settings = served_workspace(tmp_path / "ws")
    accounts = with_accounts(settings)
    engine = open_ledger(Workspace.from_settings(settings).ledger_url)
    try:
        officer = authority.principal_for(engine, accounts["privacy_officer"].login)
        facts = IncidentFacts(
            discovered_at=datetime.now(UTC) - timedelta(days=5),
            persons=1_001,
            categories=("name",),
        )
        cases.record_incident(officer, IncidentInput(facts, "bucket readable"), engine)
    finally:
        engine.dispose()
    client = TestClient(create_app(settings), headers={"accept": "text/html"})
    refused = client.get("/privacy/incidents", follow_redirects=False)
    assert refused.status_code == 303 and "/login" in refused.headers["location"]
    sign_in(client, accounts["privacy_officer"], datetime.now(UTC))
    page = client.get("/privacy/incidents", params={"lang": "en"})
    assert page.status_code == 200, page.text
    assert 'class="bad" data-incident="1" data-duty="ppc_preliminary"' in page.text
    assert "more than 1,000 persons" in page.text and "PPC Rules Art. 7(iv)" in page.text
    draft = client.get("/privacy/incidents/1/draft", params={"duty": "ppc_final"})
    assert "本人の数: 1,001" in draft.text and "個人情報保護法施行規則第7条第4号" in draft.text
    due = client.get("/api/v1/incidents", headers={"accept": "application/json"}).json()
    assert [d["duty"] for d in due["due"]] == ["ppc_preliminary", "persons", "ppc_final"]


def test_the_record_of_processing_page_csv_and_json(tmp_path: Path) -> None:
    settings = served_workspace(tmp_path / "ws")
    accounts = with_accounts(settings)
    client = sign_in(
        TestClient(create_app(settings), headers={"accept": "text/html"}),
        accounts["privacy_officer"],
        datetime.now(UTC),
    )
    page = client.get("/privacy/processing", params={"lang": "ja"})
    assert page.status_code == 200 and "処理活動の記録" in page.text
    assert 'data-section="safety" data-key="noise"' in page.text
    english = client.get("/privacy/processing.csv", params={"lang": "en"})
    assert english.text.startswith("section,key,field,value")
    assert "differential-privacy noise" in english.text
    data = client.get("/api/v1/processing", headers={"accept": "application/json"}).json()
    assert data["citation"] == "GDPR Art. 30(1); APPI Art. 32(1)"
    member = sign_in(
        TestClient(create_app(settings), headers={"accept": "application/json"}),
        accounts["member"],
        datetime.now(UTC),
    )
    assert member.get("/api/v1/processing").status_code == 403
