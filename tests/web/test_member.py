"""The job seeker's portal over a replayed season: every page and API route, own data only,
anti-forgery tokens on the forms, and a withdrawal the release door's consent check sees."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fairfollow.consent import receipt_book
from fairfollow.consent import store as consent_store
from fairfollow.consent.receipt_key import load_or_create_receipt_signer
from fairfollow.errors import InputError
from fairfollow.ledger.transaction import reading
from fairfollow.messages.sentence import of_error
from fairfollow.records import provision_store
from fairfollow.rights.detail import CORRECTABLE_FIELDS
from fairfollow.rights.receipt import verify_member_receipt
from fairfollow.tlog.keys import load_or_create_log_signer
from fairfollow.web.app import create_app
from tests.conftest import copy_workspace
from tests.web.member_site import FORECAST, Site
from tests.web.site import sign_in

HTML = {"accept": "text/html"}


@pytest.fixture
def site(replayed_workspace: Path, tmp_path: Path) -> Iterator[Site]:
    made = Site(copy_workspace(replayed_workspace, tmp_path / "ws"))
    yield made
    made.engine.dispose()


@pytest.mark.slow
def test_every_page_reads_the_members_own_data_in_both_languages(site: Site) -> None:
    client = site.client
    for language, heading in (("ja", "あなたのデータ"), ("en", "Your data")):
        home = client.get("/me", params={"lang": language}, headers=HTML)
        assert home.status_code == 200 and f"<h1>{heading}</h1>" in home.text
    events = re.search(r'data-category="events"><td>[^<]*</td><td class="count">(\d+)', home.text)
    assert events and int(events.group(1)) > 0
    held = client.get("/api/v1/me/holdings").json()
    assert held["member_id"] == site.member
    counts = {c["category"]: c["count"] for c in held["categories"]}
    assert counts["provisions"] >= 1 and counts["events"] == int(events.group(1))

    consents = client.get("/me/consents", params={"lang": "en"}, headers=HTML)
    assert consents.status_code == 200
    assert f'id="purpose-{FORECAST}" data-valid="yes"' in consents.text
    assert f'id="withdraw-{FORECAST}"' in consents.text
    standing = {s["purpose"]: s for s in client.get("/api/v1/me/consents").json()}
    assert standing[FORECAST]["valid"] and standing[FORECAST]["version_shown"]

    signer = load_or_create_receipt_signer(site.workspace.keys_dir)
    bundle = client.get("/me/receipts")
    assert bundle.status_code == 200 and "attachment" in bundle.headers["content-disposition"]
    tokens = bundle.text.split()
    with reading(site.engine, "test receipts") as conn:
        checks = [receipt_book.verify(conn, t, signer.verifier) for t in tokens]
        mine = consent_store.load_events(conn, member_id=site.member)
    assert len(checks) == len(mine)
    assert all(c.ok and c.member_id == str(site.member) for c in checks)
    one = client.get(f"/me/receipts/{mine[0].event_id}", params={"format": "json"})
    assert json.loads(one.text)["header"]["consentReceiptID"] == checks[0].receipt_id

    releases = client.get("/me/releases", params={"lang": "ja"}, headers=HTML)
    decisions = re.findall(r'data-decision="(\d+)"', releases.text)
    assert decisions and "あなたのデータが使われました" in releases.text
    api = client.get("/api/v1/me/releases").json()
    assert [str(r["decision_id"]) for r in api] == decisions
    verifier = load_or_create_log_signer(site.workspace.keys_dir).verifier
    proof = client.get(f"/me/releases/{decisions[0]}/proof")
    check = verify_member_receipt(proof.text, verifier)
    assert check.valid and check.included, check.reason
    page = client.get(f"/me/releases/{decisions[0]}/verify", params={"lang": "en"}, headers=HTML)
    assert 'id="server-check" class="ok"' in page.text
    assert "Your data was used in this forecast." in page.text
    assert "/static/provision.js" in page.text and 'id="proof-download"' in page.text
    # Plain words for a student: no command to run, no leaves, commitments or tokens.
    shown = re.sub(r"<script.*?</script>|<[^>]+>", " ", page.text, flags=re.S).lower()
    for jargon in ("fairfollow log", "leaf", "commitment", "token", "contributor"):
        assert jargon not in shown, jargon
    answer = client.get(f"/api/v1/me/releases/{decisions[0]}/proof").json()
    assert answer["valid_on_server"] and answer["included"]

    data = client.get("/me/data")
    assert data.headers["content-type"].startswith("application/json")
    document = json.loads(data.text)
    assert document["member_id"] == site.member and document["consent_history"]
    assert client.get("/api/v1/me/data").json()["member_id"] == site.member


@pytest.mark.slow
def test_a_member_sees_nothing_of_another_member_by_any_parameter(site: Site) -> None:
    client = site.client
    with reading(site.engine, "test others") as conn:
        theirs = consent_store.load_events(conn, member_id=site.other)[0]
        everything = {p.decision_id for p in provision_store.provisions_to(conn)}
    mine = {r["decision_id"] for r in client.get("/api/v1/me/releases").json()}
    foreign = client.get(f"/me/receipts/{theirs.event_id}")
    assert (
        foreign.status_code == 400 and foreign.json()["code"] == "rights.consent_decision_not_yours"
    )
    for decision in sorted(everything - mine)[:3]:
        answer = client.get(f"/me/releases/{decision}/proof")
        assert answer.status_code == 400 and "member_secret" not in answer.text
    # An id in the query or the body changes nothing: the pages are about the caller.
    for path in ("/api/v1/me/holdings", "/api/v1/me/data"):
        answer = client.get(path, params={"member_id": site.other, "member": site.other})
        assert answer.json()["member_id"] == site.member
    bundle = client.get("/me/receipts", params={"member_id": site.other}).text.split()
    signer = load_or_create_receipt_signer(site.workspace.keys_dir)
    with reading(site.engine, "test receipts") as conn:
        found = {receipt_book.verify(conn, t, signer.verifier).member_id for t in bundle}
    assert found == {str(site.member)}
    # Another kind of account does not reach the portal at all.
    employer = sign_in(TestClient(create_app(site.settings)), site.accounts["employer"])
    assert employer.get("/api/v1/me/holdings").status_code == 403
    assert employer.get("/me", headers=HTML).status_code == 403


@pytest.mark.slow
def test_the_forms_refuse_a_post_without_the_anti_forgery_token(site: Site) -> None:
    client = site.client
    form = {"purpose": FORECAST, "choice": "withdraw"}
    refused = client.post("/me/consents", data=form, headers=HTML, follow_redirects=False)
    assert refused.status_code == 403
    forged = client.post("/me/consents", data={**form, "csrf_token": "forged"}, headers=HTML)
    assert forged.status_code == 403
    assert client.post("/api/v1/me/consents", json=form).status_code == 403
    assert client.post("/me/requests", data={"kind": "erasure"}, headers=HTML).status_code == 403
    assert site.valid_for_forecast()  # nothing was recorded
    assert client.get("/api/v1/me/requests").json() == []


@pytest.mark.slow
def test_withdrawing_the_forecast_consent_ends_it_for_the_next_release(site: Site) -> None:
    client = site.client
    assert site.valid_for_forecast()

    def decisions() -> tuple[int, int]:
        """The consent decisions counted on the page and in the API, read on the reader."""
        page = client.get("/me", headers=HTML).text
        shown = re.search(r'data-category="consent_decisions"><td>[^<]*</td><td[^>]*>(\d+)', page)
        held = client.get("/api/v1/me/holdings").json()["categories"]
        assert shown is not None
        return int(shown.group(1)), {c["category"]: c["count"] for c in held}["consent_decisions"]

    before, _ = decisions()
    form = {"purpose": FORECAST, "choice": "withdraw", "csrf_token": site.csrf()}
    done = client.post("/me/consents?lang=en", data=form, headers=HTML, follow_redirects=False)
    assert done.status_code == 303
    page = client.get(done.headers["location"], headers=HTML)
    assert 'id="consent-changed"' in page.text and "Your withdrawal is recorded" in page.text
    assert f'id="purpose-{FORECAST}" data-valid="no"' in page.text
    assert not site.valid_for_forecast()  # what the release door asks at every release
    with reading(site.engine, "test withdrawal") as conn:
        last = consent_store.load_events(conn, member_id=site.member)[-1]
    assert (last.action.value, last.screen_id, last.method) == (
        "withdraw",
        "settings_page",
        "member_portal",
    )
    standing = {s["purpose"]: s for s in client.get("/api/v1/me/consents").json()}
    assert standing[FORECAST]["reason"] == "withdrawn" and standing[FORECAST]["can_grant"]
    assert decisions() == (before + 1, before + 1)  # the portal's counts follow at once
    # Granted again through the API, on the settings page's current policy text.
    again = client.post(
        "/api/v1/me/consents",
        json={"purpose": FORECAST, "choice": "grant"},
        headers={"x-csrf-token": site.csrf()},
    )
    assert again.status_code == 200 and again.json()["standing"]["valid"]
    assert site.valid_for_forecast()
    unknown = client.post(
        "/api/v1/me/consents",
        json={"purpose": "no_such_purpose", "choice": "grant"},
        headers={"x-csrf-token": site.csrf()},
    )
    assert unknown.status_code == 400 and unknown.json()["error"] == "InputError"


@pytest.mark.slow
def test_a_member_files_requests_and_sees_their_status_and_due_dates(site: Site) -> None:
    client = site.client
    token = site.csrf()
    typed = {"correct.email": "typed@example.jp", "correct.name_kana": "やまだ はなこ"}
    bad = client.post(
        "/me/requests?lang=ja",
        data={"kind": "correction", "correct.religion": "none", **typed, "csrf_token": token},
        headers=HTML,
    )
    refusal = InputError(
        "rights.correction_field_not_allowed", field="religion", fields=list(CORRECTABLE_FIELDS)
    )
    assert bad.status_code == 400 and html.escape(of_error(refusal, "ja")) in bad.text
    assert 'value="typed@example.jp"' in bad.text and 'value="やまだ はなこ"' in bad.text
    assert 'value="correction" checked' in bad.text  # the kind chosen is kept too
    filed = client.post(
        "/me/requests?lang=en",
        data={"kind": "correction", "correct.email": "new@example.jp", "csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )
    assert filed.status_code == 303 and "filed=" in filed.headers["location"]
    preview = client.post(
        "/me/requests?lang=en", data={"kind": "erasure", "csrf_token": token}, headers=HTML
    )
    assert preview.status_code == 200 and 'id="erasure-preview"' in preview.text
    assert 'id="confirm-erasure"' in preview.text
    assert len(client.get("/api/v1/me/requests").json()) == 1  # nothing filed before the yes
    erasure = client.post(
        "/api/v1/me/requests",
        json={"kind": "erasure", "basis": "gdpr"},
        headers={"x-csrf-token": token},
    )
    assert erasure.status_code == 200 and erasure.json()["status"] == "verified"
    listed = client.get("/api/v1/me/requests").json()
    assert [r["kind"] for r in listed] == ["erasure", "correction"]
    assert all(r["days_left"] > 13 and not r["overdue"] for r in listed)
    page = client.get("/me/requests", params={"lang": "ja"}, headers=HTML)
    assert page.text.count('data-status="verified"') == 2 and "消去" in page.text
    withdrawal = client.post(
        "/api/v1/me/requests", json={"kind": "withdrawal"}, headers={"x-csrf-token": token}
    )
    assert withdrawal.status_code == 400  # withdrawn from the consent page instead


def test_a_consent_receipt_reads_as_a_page_in_the_members_language(site: Site) -> None:
    consents = site.client.get("/me/consents", params={"lang": "ja"}, headers=HTML).text
    link = re.search(r'href="(/me/receipts/\d+/page)\?lang=ja" class="receipt-page"', consents)
    assert link, "the consents page links each decision's readable receipt"
    page = site.client.get(link.group(1), params={"lang": "ja"}, headers=HTML)
    assert page.status_code == 200 and "<h1>あなたの同意の受領証</h1>" in page.text
    assert "会員登録画面" in page.text or "会員ページ" in page.text  # the screen by name
    assert 'id="receipt-jws"' in page.text  # the signed file stays a download
    assert not re.search(r">\d{4}-\d\d-\d\dT", page.text)  # no ISO time shown
    other = site.client.get("/me/receipts/999999999/page", headers=HTML)
    assert other.status_code == 400  # another member's (or none): refused, nothing shown
