"""The privacy officer's console over a replayed season: the rollout matrix and the gate
(refusal, forced activation kept for good), consent coverage with its chart and CSV, the
requests queue (overdue first; completing runs the rights engine), the release decisions."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from fairfollow.consent import policy_store
from fairfollow.consent.coverage import coverage
from fairfollow.consent.policy import PolicyStatus, PolicyVersion, StatusEvent
from fairfollow.ledger.transaction import reading, transaction
from fairfollow.messages import decisions
from fairfollow.records import report as records
from fairfollow.rights import desk as rights_desk
from fairfollow.rights.request import (
    IdentityCheck,
    IdentityMethod,
    RequestInput,
    RightKind,
    Status,
)
from fairfollow.scenarios.site_accounts import SiteAccount
from fairfollow.services.examples import PRIVACY_OFFICER
from fairfollow.settings import Settings
from fairfollow.web.app import create_app
from fairfollow.workspace import Workspace
from tests.actors import as_actor
from tests.web.consoles import ledger_of, staff_site
from tests.web.site import csrf_of, sign_in

HTML = {"accept": "text/html"}
Site = tuple[Settings, dict[str, SiteAccount]]


@pytest.fixture
def site(replayed_workspace: Path, tmp_path: Path) -> Site:
    return staff_site(replayed_workspace, tmp_path)


def officer(
    settings: Settings, accounts: dict[str, SiteAccount], later: timedelta = timedelta(0)
) -> TestClient:
    """The privacy officer signed in; ``later`` moves the application's clock on, for a
    second sign-in (a TOTP code works once, so the next one is 30 s on)."""
    client = TestClient(create_app(settings, clock=lambda: datetime.now(UTC) + later), headers=HTML)
    return sign_in(client, accounts["privacy_officer"], datetime.now(UTC) + later)


def draft_v3_on_one_screen(settings: Settings) -> str:
    """An approved v3 that only one screen displays: the gate must refuse it."""
    engine = ledger_of(settings)
    now = datetime.now(UTC)
    with transaction(engine, "test policy") as conn:
        v2 = policy_store.load_versions(conn)["v2"]
        v3 = PolicyVersion("v3", now - timedelta(hours=1), v2.purposes, "第3版", "version 3")
        policy_store.add_version(conn, v3, at=now, actor=as_actor(PRIVACY_OFFICER))
        policy_store.set_status(conn, StatusEvent("v3", PolicyStatus.APPROVED, now, as_actor("po")))
        screen = sorted(policy_store.load_screens(conn))[0]
        policy_store.deploy(conn, screen, "v3", now - timedelta(minutes=5))
    engine.dispose()
    return screen


def test_the_matrix_shows_versions_by_screens_and_the_lagging_ones(site: Site) -> None:
    settings, accounts = site
    screen = draft_v3_on_one_screen(settings)
    client = officer(settings, accounts)
    page = client.get("/privacy", params={"lang": "en"}).text
    assert re.findall(r"<th><code>(v\d)</code>", page) == ["v1", "v2", "v3"]
    row = re.search(rf'<tr class="([^"]*)" data-screen="{screen}">(.*?)</tr>', page, re.S)
    assert row and "displayed now" in row.group(2)
    lagging = re.findall(r'<tr class="lagging" data-screen="([^"]+)"', page)
    matrix = client.get("/api/v1/policy/matrix").json()
    assert matrix["active"] == ["v2"] and matrix["versions"] == ["v1", "v2", "v3"]
    shown = {s["screen_id"]: s["displayed"] for s in matrix["screens"]}
    assert shown[screen] == "v3" and set(shown.values()) >= {"v2", "v3"}
    # The 2019 defect of the replay: the entry form still shows v1 after v2 went live.
    assert lagging == ["entry_form"] and shown["entry_form"] == "v1"
    assert [s["screen_id"] for s in matrix["screens"] if s["lagging"]] == lagging


def test_the_gate_refuses_then_a_forced_activation_stays_on_the_page(site: Site) -> None:
    settings, accounts = site
    screen = draft_v3_on_one_screen(settings)
    client = officer(settings, accounts)
    token = csrf_of(client, "/privacy")
    refused = client.post(
        "/privacy/policy/activate",
        params={"lang": "en"},
        data={"version": "v3", "csrf_token": token},
    )
    assert refused.status_code == 409
    assert 'id="activation-result">refused' in refused.text and (
        "版 v3 に追いついていない画面" in refused.text or "lag behind version v3" in refused.text
    )
    no_reason = client.post(
        "/privacy/policy/activate",
        params={"lang": "en"},
        data={"version": "v3", "force": "1", "csrf_token": token},
    )
    assert no_reason.status_code == 409 and "needs a named person and a reason" in no_reason.text
    reason = "Registration screen fix ships tomorrow; legal signed the interim notice."
    asked = {"version": "v3", "force": "1", "reason": reason, "csrf_token": token}
    check = client.post("/privacy/policy/activate", params={"lang": "en"}, data=asked)
    assert check.status_code == 200 and 'id="confirm-form"' in check.text  # nothing yet
    assert reason in check.text and 'id="active-version">v3<' not in client.get("/privacy").text
    forced = client.post(
        "/privacy/policy/activate", params={"lang": "en"}, data={**asked, "confirmed": "yes"}
    )
    assert forced.status_code == 200 and 'id="activation-result">forced' in forced.text
    later = client.get("/privacy", params={"lang": "en"}).text
    forced_rows = re.search(r'<section id="forced-activations">(.*?)</section>', later, re.S)
    assert (
        forced_rows and reason in forced_rows.group(1) and PRIVACY_OFFICER in forced_rows.group(1)
    )
    lagging = re.findall(r'<tr class="lagging" data-screen="([^"]+)"', later)
    assert lagging and screen not in lagging  # every other screen now lags behind v3
    assert 'id="active-version">v3<' in later


def test_coverage_counts_chart_and_the_csv_of_lacking_members(site: Site) -> None:
    settings, accounts = site
    client = officer(settings, accounts)
    page = client.get("/privacy/coverage", params={"purpose": "employer_forecast", "lang": "en"})
    assert page.status_code == 200 and "<svg" in page.text
    counts = {
        reason: int(n)
        for reason, n in re.findall(
            r'data-reason="([a-z_]+)">.*?<td class="count">(\d+)</td>', page.text, re.S
        )
    }
    engine = ledger_of(settings)
    with reading(engine, "test") as conn:
        report = coverage(conn, "employer_forecast", datetime.now(UTC))
    engine.dispose()
    assert counts == {r.value: n for r, n in report.counts.items()}
    assert counts["valid"] > 0 and sum(counts.values()) - counts["valid"] > 0
    link = re.search(r'id="coverage-csv" href="([^"]+)"', page.text)
    assert link
    download = client.get(link.group(1).replace("&amp;", "&"))
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0] == ["member_id", "reason"] and len(rows) - 1 == len(report.lacking)
    past = client.get(
        "/privacy/coverage", params={"purpose": "employer_forecast", "at": "2018-01-01T00:00"}
    )
    assert 'id="coverage-total">' in past.text and past.status_code == 200
    assert client.get("/privacy/coverage", params={"purpose": "nope"}).status_code == 400


def _file(settings: Settings, kind: RightKind, member: int, received: datetime) -> int:
    desk = rights_desk.Desk(Workspace.from_settings(settings), ledger_of(settings), settings)
    check = IdentityCheck(IdentityMethod.OPERATOR_VERIFIED, as_actor("desk"), "passport seen")
    item = RequestInput(kind, member, received, identity=check)
    return rights_desk.file_request(desk, item, actor=as_actor("desk")).request_id


def test_requests_overdue_first_and_completing_an_erasure_runs_the_engine(site: Site) -> None:
    settings, accounts = site
    member = accounts["member"]
    engine = ledger_of(settings)
    from fairfollow.accounts import authority

    member_id = authority.principal_for(engine, member.login).member_id
    assert member_id is not None
    now = datetime.now(UTC)
    fresh = _file(settings, RightKind.ERASURE, member_id, now)
    old = _file(settings, RightKind.DISCLOSURE, member_id + 1, now - timedelta(days=60))
    client = officer(settings, accounts)
    page = client.get("/privacy/requests", params={"lang": "en"}).text
    order = [int(r) for r in re.findall(r'data-request="(\d+)"', page)]
    assert order[:2] == [old, fresh]
    assert re.search(rf'<tr class="bad" data-request="{old}"', page) and "overdue" in page
    token = csrf_of(client, "/privacy/requests")
    shown = client.get(f"/privacy/requests/{fresh}", params={"lang": "en"}).text
    assert 'id="request-preview"' in shown and 'id="confirm-complete"' in shown
    unconfirmed = client.post(
        f"/privacy/requests/{fresh}/complete", params={"lang": "en"}, data={"csrf_token": token}
    )
    assert unconfirmed.status_code == 409 and 'id="requests-error"' in unconfirmed.text
    done = client.post(
        f"/privacy/requests/{fresh}/complete",
        params={"lang": "en"},
        data={"csrf_token": token, "confirm": "yes"},
    )  # the steps run after the response; the request's page lists them
    assert done.status_code == 200 and 'id="request-done"' in done.text
    assert 'id="certificate-leaf"' in done.text
    certificate = client.get(f"/privacy/requests/{fresh}/certificate.json").json()
    assert certificate["pending"] == [] and certificate["log_leaf"] is not None
    closed = client.get("/privacy/requests", params={"state": "closed", "kind": "erasure"}).text
    assert re.findall(r'data-request="(\d+)"', closed) == [str(fresh)]
    desk = rights_desk.Desk(Workspace.from_settings(settings), engine, settings)
    finished = rights_desk.show_request(desk, fresh)
    assert finished.status is Status.DONE  # recorded in the one actor format: login and id
    assert str(finished.actions[-1].actor).startswith(f"{PRIVACY_OFFICER} (acc-")
    assert finished.status is Status.DONE and finished.actions[-1].actor.login == PRIVACY_OFFICER
    again = client.post(
        f"/privacy/requests/{fresh}/complete",
        data={"csrf_token": csrf_of(client, "/privacy"), "confirm": "yes"},
    )
    assert again.status_code == 409
    engine.dispose()


def test_release_decisions_filter_by_employer_and_season(site: Site) -> None:
    settings, accounts = site
    engine = ledger_of(settings)
    with reading(engine, "test") as conn:
        every = records.release_decisions(conn)
    engine.dispose()
    refused = next(d for d in every if not d.released)
    client = officer(settings, accounts)
    page = client.get(
        "/privacy/decisions",
        params={"employer": refused.employer, "season": str(refused.season), "lang": "en"},
    ).text
    shown = re.findall(r'data-employer="([^"]*)" data-season="([^"]*)"', page)
    expected = [d for d in every if d.employer == refused.employer and d.season == refused.season]
    assert shown and set(shown) == {(refused.employer, str(refused.season))}
    assert len(shown) == len(expected)
    assert f"<td>{decisions.reason(refused.reason, 'en')}</td>" in page
    released = next(d for d in every if d.released)
    asked = {"employer": released.employer, "lang": "en"}
    rules = client.get("/privacy/decisions", params=asked).text
    cited = {decisions.citation(r.rule_id, "en").partition(";")[0] for r in released.rules}
    assert cited and all(str(escape(citation)) in rules for citation in cited)
    japanese = client.get("/privacy/decisions", params={**asked, "lang": "ja"}).text
    assert "個人情報保護法第" in japanese and "APPI Art." not in japanese
    api = client.get("/api/v1/decisions", params={"employer": refused.employer}).json()
    assert {d["employer"] for d in api} == {refused.employer}
    assert all(d.epsilon and d.epsilon > 0 for d in every if d.released)


def test_pages_show_times_in_the_display_zone(site: Site) -> None:
    settings, accounts = site
    tokyo = officer(settings, accounts).get("/privacy/decisions", params={"lang": "en"}).text
    utc_settings = settings.model_copy(update={"display_zone": "UTC"})
    utc = (
        officer(utc_settings, accounts, timedelta(seconds=30))
        .get("/privacy/decisions", params={"lang": "en"})
        .text
    )
    assert 'id="display-zone">Asia/Tokyo, UTC+09:00<' in tokyo
    assert 'id="display-zone">UTC, UTC+00:00<' in utc
    # People read "15 Jul 2019, 10:00 JST"; the exact instant stays in <time datetime>.
    when = re.compile(r'<time datetime="([^"]+)">(\d+ \w{3} \d{4}, \d\d:\d\d) (\w+)</time>')
    assert when.findall(tokyo) and all(
        t.endswith("+09:00") and zone == "JST" for t, _, zone in when.findall(tokyo)
    )
    assert when.findall(utc) and all(
        t.endswith("+00:00") and zone == "UTC" for t, _, zone in when.findall(utc)
    )


def test_coverage_opens_on_the_purpose_the_release_door_checks(site: Site) -> None:
    settings, accounts = site
    page = officer(settings, accounts).get("/privacy/coverage", params={"lang": "en"}).text
    assert 'id="coverage-purpose-key">employer_forecast<' in page


def test_the_auditor_sees_the_counts_but_no_member_ids(site: Site) -> None:
    # Issue 21: the page was the privacy officer's only; the counts are for all staff and
    # the auditor (consent.coverage), the ids stay with consent.member_ids.
    settings, accounts = site
    client = TestClient(create_app(settings), headers=HTML)
    sign_in(client, accounts["auditor"], datetime.now(UTC))
    page = client.get("/privacy/coverage", params={"lang": "en"})
    assert page.status_code == 200 and 'id="coverage-total">' in page.text
    assert 'id="coverage-csv"' not in page.text
    assert client.get("/privacy/coverage.csv").status_code == 403


def test_a_request_id_past_64_bits_is_a_422_not_a_server_error(site: Site) -> None:
    settings, accounts = site
    client = officer(settings, accounts)
    token = csrf_of(client, "/privacy/requests")
    answer = client.post(
        f"/api/v1/rights/requests/{2**63}/complete", headers={"x-csrf-token": token}
    )
    assert answer.status_code == 422 and set(answer.json()) == {"error", "code", "message"}
