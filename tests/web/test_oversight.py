"""Model oversight in the privacy officer's console over a replayed season: the card, the
fairness table with the four-fifths rule flagged, the reliability diagram; an evaluation run
from the page; the auditor reads, never runs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from fairfollow.model.fairness import audit
from fairfollow.model.metrics import reliability_curve
from fairfollow.model.oversight import CARD_FILE, oversight, write_holdout_audit
from fairfollow.model.quality import ECE_GOAL, ece_met
from fairfollow.model.runs import model_runs
from fairfollow.scenarios.site_accounts import SiteAccount
from fairfollow.settings import Settings
from fairfollow.web.app import create_app
from fairfollow.workspace import Workspace
from tests.web.consoles import staff_site
from tests.web.site import csrf_of, sign_in

HTML = {"accept": "text/html"}
Site = tuple[Settings, dict[str, SiteAccount]]


@pytest.fixture
def site(replayed_workspace: Path, tmp_path: Path) -> Site:
    return staff_site(replayed_workspace, tmp_path)


def client_of(settings: Settings, account: SiteAccount) -> TestClient:
    return sign_in(TestClient(create_app(settings), headers=HTML), account, datetime.now(UTC))


def test_the_page_shows_the_card_the_fairness_table_and_the_diagram(site: Site) -> None:
    settings, accounts = site
    client = client_of(settings, accounts["privacy_officer"])
    page = client.get("/privacy/model", params={"lang": "en"}).text
    found = oversight(Workspace.from_settings(settings))
    assert found.model is not None and found.audit is not None
    assert f'id="model-id">{found.model.model_id}<' in page
    assert "held-out calibration set of season 2019" in page
    rows = re.findall(
        r'<tr class="(bad)?" data-attribute="([a-z_]+)" data-passes="(yes|no|unassessed)"', page
    )
    groups = sum(len(a.groups) for a in found.audit.fairness)
    assert len(rows) == groups and {r[1] for r in rows} == {"gender", "university_tier", "region"}
    for css, attribute, passes in rows:  # a failing attribute's rows are red, the others not
        assert (css == "bad") == (passes == "no") == (attribute in found.audit.failing)
        assert (passes == "unassessed") == (attribute in found.audit.unassessed)
    small = sum(len(a.small_groups) for a in found.audit.fairness)
    assert page.count('data-small="yes"') == small  # each small group is marked as such
    diagram = re.search(r'<figure id="reliability">(.*?)</figure>', page, re.S)
    assert diagram and diagram.group(1).count("<circle") == len(found.audit.reliability) > 0
    assert '<article class="card" id="model-card"><h3>Model card:' in page
    assert "<table>" in page.split('id="model-card"')[1]  # the card's Markdown tables render
    assert page.count("<h1") == 1
    ja = client.get("/privacy/model", params={"lang": "ja"}).text
    assert "モデルの監督" in ja and "公平性" in ja


def test_the_officer_evaluates_against_the_truth_from_the_page(site: Site) -> None:
    settings, accounts = site
    client = client_of(settings, accounts["privacy_officer"])
    token = csrf_of(client, "/privacy/model?lang=en")
    assert client.post("/privacy/model/evaluate", data={}).status_code == 403  # no CSRF token
    answer = client.post(
        "/privacy/model/evaluate?lang=en", data={"csrf_token": token}, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/privacy/model?lang=en"
    page = client.get("/privacy/model", params={"lang": "en"}).text
    assert "evaluation against the truth of season 2020" in page
    lift = re.search(r'id="lift-ratio">([0-9.]+)<', page)
    api = client.get("/api/v1/model/oversight").json()
    assert api["audit"]["source"] == "evaluation" and api["audit"]["season"] == 2020
    assert lift and float(lift.group(1)) == pytest.approx(api["audit"]["lift_ratio"], abs=5e-4)
    assert 0.5 < api["audit"]["model"]["auc"] <= api["audit"]["oracle"]["auc"]
    # the calibration goal is the core's (model.quality), marked on the officer's page
    ece = api["audit"]["model"]["ece"]
    cell = re.search(r'id="model-ece" class="(pass|fail)">', page)
    assert cell and cell.group(1) == ("pass" if ece_met(ece) else "fail")
    assert f"goal: at most {ECE_GOAL}" in page


def test_a_failing_four_fifths_is_flagged_and_card_html_escaped(site: Site) -> None:
    settings, accounts = site
    ws = Workspace.from_settings(settings)
    current = next(r for r in model_runs(ws.models_dir) if r.current)
    folder = ws.models_dir / current.model_id
    y = np.random.default_rng(3).integers(0, 2, 200)
    gender = np.array(["female", "male"] * 100)
    p = np.where(gender == "female", 0.3, 0.7)
    write_holdout_audit(folder, 2019, audit(y, p, {"gender": gender}), reliability_curve(y, p))
    (folder / CARD_FILE).write_text("# Card\n\n<script>alert(1)</script>\n", encoding="utf-8")
    client = client_of(settings, accounts["privacy_officer"])
    page = client.get("/privacy/model", params={"lang": "en"}).text
    assert re.search(r'id="four-fifths" class="bad">✗ fails for Gender<', page)
    assert page.count('data-attribute="gender" data-passes="no"') == 2
    assert "fails 4/5" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)" in page
    api = client.get("/api/v1/model/oversight").json()
    assert api["audit"]["failing_four_fifths"] == ["gender"]


def test_the_auditor_reads_but_does_not_run(site: Site) -> None:
    settings, accounts = site
    client = client_of(settings, accounts["auditor"])
    page = client.get("/privacy/model", params={"lang": "en"}).text
    assert 'id="fairness"' in page and 'id="evaluate-form"' not in page
    assert 'href="/privacy/coverage' not in page  # the officer's other pages are not offered
    token = csrf_of(client, "/account")
    answer = client.post("/privacy/model/evaluate", data={"csrf_token": token})
    assert answer.status_code == 403
    assert client.get("/api/v1/model/oversight").status_code == 200
    analyst = client_of(settings, accounts["analyst"])
    assert analyst.get("/privacy/model").status_code == 403
