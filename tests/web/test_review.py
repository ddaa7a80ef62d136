"""The review room over a replayed season: the waiting services with everything a reviewer
reads, approve and veto as the signed-in reviewer, the owner kept out, a veto visible to the
owner, a material change back in the queue with its diff, and the decisions in the log."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fairfollow.accounts import authority
from fairfollow.accounts.account import Principal
from fairfollow.actor import parse_actor
from fairfollow.ledger.transaction import Engine, reading
from fairfollow.scenarios.site_accounts import ANALYST, SiteAccount
from fairfollow.services import workflow as wf
from fairfollow.services.examples import PRIVACY_OFFICER, REVIEWERS, yield_forecast
from fairfollow.services.registry import ServiceSpec, validate_spec
from fairfollow.settings import Settings
from fairfollow.tlog import store as log_store
from fairfollow.tlog.record import decode_leaf
from fairfollow.web.app import create_app
from tests.web.consoles import ledger_of, person, staff_site
from tests.web.site import csrf_of, sign_in

HTML = {"accept": "text/html"}


def new_service(owner: str, service_id: str = "entry-trends") -> ServiceSpec:
    """A small aggregate service, owned by ``owner`` (an account's login)."""
    data = yield_forecast(["E0001"], owner=owner).model_dump(mode="json")
    data |= {"service_id": service_id, "name": "Entry trends by industry"}
    return validate_spec(data)


def to_committee(engine: Engine, spec: ServiceSpec, owner: Principal) -> None:
    now = datetime.now(UTC)
    wf.register_service(engine, spec, actor=owner, now=now)
    wf.submit_service(engine, spec.service_id, actor=owner, now=now)
    wf.sign_off_service(engine, spec.service_id, actor=person(engine, PRIVACY_OFFICER), now=now)


@pytest.fixture
def site(replayed_workspace: Path, tmp_path: Path) -> tuple[Settings, dict[str, SiteAccount]]:
    return staff_site(replayed_workspace, tmp_path)


def _client(settings: Settings, account: SiteAccount) -> TestClient:
    return sign_in(TestClient(create_app(settings), headers=HTML), account, datetime.now(UTC))


def test_the_queue_shows_waiting_services_with_what_a_reviewer_reads(
    site: tuple[Settings, dict[str, SiteAccount]],
) -> None:
    settings, accounts = site
    engine = ledger_of(settings)
    to_committee(engine, new_service(ANALYST), person(engine, ANALYST))
    client = _client(settings, accounts["reviewer"])
    queue = client.get("/review", params={"lang": "en"})
    assert queue.status_code == 200
    rows = re.findall(r'<tr class="([^"]*)" data-service="([^"]+)"', queue.text)
    assert rows[0] == ("waiting", "entry-trends")  # waiting first
    assert ("bad", "dmp-follow-2019") in rows  # the 2019 service, denied by the rules
    case = client.get("/review/entry-trends", params={"lang": "en"}).text
    assert "waiting for the committee" in case
    assert "employer_forecast" in case and "client_employer" in case  # purpose, recipients
    assert "aggregate" in case and "DPIA answers" in case
    assert 'id="rules-outcome">allowed<' in case and "APPI Art. 27(1)" in case
    denied = client.get("/review/dmp-follow-2019", params={"lang": "en"}).text
    assert 'id="rules-outcome">denied<' in denied and 'class="bad">individual' in denied
    engine.dispose()


def test_a_veto_rejects_for_everyone_and_the_owner_reads_the_reason(
    site: tuple[Settings, dict[str, SiteAccount]],
) -> None:
    settings, accounts = site
    engine = ledger_of(settings)
    to_committee(engine, new_service(ANALYST), person(engine, ANALYST))
    reviewer = _client(settings, accounts["reviewer"])
    token = csrf_of(reviewer, "/review/entry-trends")
    assert reviewer.post("/review/entry-trends/veto", data={"reason": "x"}).status_code == 403
    reason = "Students cannot foresee that entries are counted per employer."
    unsaid = reviewer.post("/review/entry-trends/veto", data={"reason": " ", "csrf_token": token})
    assert unsaid.status_code == 400 and 'href="#veto-reason"' in unsaid.text
    check = reviewer.post("/review/entry-trends/veto", data={"reason": reason, "csrf_token": token})
    assert check.status_code == 200 and 'id="confirm-form"' in check.text
    assert wf.show_service(engine, "entry-trends").state.vetoes == ()  # nothing happened yet
    vetoed = reviewer.post(
        "/review/entry-trends/veto",
        data={"reason": reason, "csrf_token": token, "confirmed": "yes"},
        follow_redirects=False,
    )
    assert vetoed.status_code == 303 and vetoed.headers["location"].endswith("notice=vetoed")
    owner = _client(settings, accounts["analyst"])
    page = owner.get("/review/entry-trends", params={"lang": "en"}).text
    assert 'id="service-state" class="bad">rejected' in page
    assert reason in page and REVIEWERS[0] in page
    assert "committee-actions" not in page  # the owner has no review forms
    listed = owner.get("/analyst", params={"lang": "en"}).text
    assert "vetoed" in listed
    with reading(engine, "test") as conn:
        kinds = [decode_leaf(leaf.content).record for leaf in log_store.iter_leaves(conn)]
    assert [(r.kind, r.body["reason"]) for r in kinds if r.ref == "entry-trends-v1"] == [
        ("service.vetoed", reason)
    ]
    engine.dispose()


def test_a_reviewer_cannot_approve_their_own_service(
    site: tuple[Settings, dict[str, SiteAccount]],
) -> None:
    settings, accounts = site
    engine = ledger_of(settings)
    own = accounts["reviewer"].login
    to_committee(engine, new_service(own, "own-service"), person(engine, own))
    client = _client(settings, accounts["reviewer"])
    token = csrf_of(client, "/review/own-service")
    refused = client.post("/review/own-service/approve", data={"csrf_token": token})
    assert refused.status_code == 403
    assert "自分のデータサービス own-service を承認できません" in refused.text
    assert wf.show_service(engine, "own-service").state.approvals == frozenset()
    engine.dispose()


def test_approvals_by_two_reviewers_approve_and_are_logged(
    site: tuple[Settings, dict[str, SiteAccount]],
) -> None:
    settings, accounts = site
    engine = ledger_of(settings)
    to_committee(engine, new_service(ANALYST), person(engine, ANALYST))
    first = _client(settings, accounts["reviewer"])
    done = first.post("/review/entry-trends/approve", data={"csrf_token": csrf_of(first)})
    assert done.status_code == 200  # back on the service's page
    assert 'id="notice"' in done.text and 'id="approve"' not in done.text  # done: no button
    assert 'id="decided"' in done.text
    state = wf.show_service(engine, "entry-trends").state
    assert {a.login for a in state.approvals} == {
        REVIEWERS[0]
    } and state.state.value == "committee_review"
    second = _client(settings, accounts["reviewer2"])
    second.post("/review/entry-trends/approve", data={"csrf_token": csrf_of(second)})
    state = wf.show_service(engine, "entry-trends").state
    assert state.state.value == "approved" and state.current
    page = second.get("/review/entry-trends", params={"lang": "en"}).text
    assert 'id="service-state" class="">approved' in page
    with reading(engine, "test") as conn:
        records = [decode_leaf(leaf.content).record for leaf in log_store.iter_leaves(conn)]
    logged = [
        (r.kind, parse_actor(str(r.body["actor"])).login)
        for r in records
        if r.ref == "entry-trends-v1"
    ]
    assert logged == [
        ("service.reviewer_approved", REVIEWERS[0]),
        ("service.reviewer_approved", REVIEWERS[1]),
        ("service.approved", REVIEWERS[1]),
    ]
    engine.dispose()


def test_a_material_change_returns_the_service_with_a_diff(
    site: tuple[Settings, dict[str, SiteAccount]],
) -> None:
    settings, accounts = site
    engine = ledger_of(settings)
    approved = wf.show_service(engine, "yield-forecast").spec
    changed = validate_spec(
        approved.model_dump(mode="json")
        | {"data_categories_in": [*approved.data_categories_in, "partner_browsing"]}
    )
    registration = wf.register_service(
        engine, changed, actor=person(engine, approved.owner), now=datetime.now(UTC)
    )
    assert registration.material == ("data_categories_in",)
    client = _client(settings, accounts["reviewer"])
    queue = client.get("/review", params={"lang": "en"}).text
    assert re.search(r'data-service="yield-forecast">.*?material change', queue, re.S)
    case = client.get("/review/yield-forecast", params={"lang": "en"}).text
    diff = re.search(r'<section id="diff">(.*?)</section>', case, re.S)
    assert diff and "data_categories_in" in diff.group(1) and "partner_browsing" in diff.group(1)
    assert "What changed since version 1" in case
    engine.dispose()


def test_the_api_vetoes_with_a_bearer_token_and_reports_the_reason(
    site: tuple[Settings, dict[str, SiteAccount]],
) -> None:
    from tests.web.site import PASSWORD, totp_now

    settings, accounts = site
    engine = ledger_of(settings)
    to_committee(engine, new_service(ANALYST), person(engine, ANALYST))
    now = datetime.now(UTC)
    reviewer = accounts["reviewer"]
    token = authority.login(engine, reviewer.login, PASSWORD, now, totp=totp_now(reviewer, now))
    client = TestClient(create_app(settings))
    bearer = {"authorization": f"Bearer {token.token}"}
    empty = client.post("/api/v1/services/entry-trends/veto", json={"reason": ""}, headers=bearer)
    assert empty.status_code == 422 and set(empty.json()) == {"error", "code", "message"}
    answer = client.post(
        "/api/v1/services/entry-trends/veto", json={"reason": "no"}, headers=bearer
    ).json()
    assert answer["state"] == "rejected" and answer["vetoes"][0]["reason"] == "no"
    again = client.post("/api/v1/services/entry-trends/approve", headers=bearer)
    assert again.status_code == 409 and again.json()["error"] == "GovernanceError"
    engine.dispose()


def test_the_privacy_officer_signs_off_and_rejects_with_separate_controls(
    site: tuple[Settings, dict[str, SiteAccount]],
) -> None:
    """Before issue 23 one button signed off or rejected depending on a text box."""
    settings, accounts = site
    engine = ledger_of(settings)
    owner = person(engine, ANALYST)
    now = datetime.now(UTC)
    for service_id in ("entry-trends", "offer-trends"):
        spec = new_service(ANALYST, service_id)
        wf.register_service(engine, spec, actor=owner, now=now)
        wf.submit_service(engine, service_id, actor=owner, now=now)
    officer = _client(settings, accounts["privacy_officer"])
    page = officer.get("/review/entry-trends", params={"lang": "en"}).text
    assert 'id="sign-off-form"' in page and 'id="reject-form"' in page
    token = csrf_of(officer, "/review/entry-trends")
    signed = officer.post(
        "/review/entry-trends/sign-off", data={"csrf_token": token}, follow_redirects=False
    )
    assert signed.status_code == 303 and signed.headers["location"].endswith("signed_off")
    assert wf.show_service(engine, "entry-trends").state.state.value == "committee_review"
    reason = "The purpose text does not say that entries are counted per employer."
    check = officer.post(
        "/review/offer-trends/reject", data={"reason": reason, "csrf_token": token}
    )
    assert check.status_code == 200 and 'id="confirm-reason"' in check.text
    assert wf.show_service(engine, "offer-trends").state.state.value == "privacy_review"
    done = officer.post(
        "/review/offer-trends/reject",
        data={"reason": reason, "csrf_token": token, "confirmed": "yes"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("notice=rejected")
    assert wf.show_service(engine, "offer-trends").state.state.value != "privacy_review"
    engine.dispose()
