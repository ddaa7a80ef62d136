"""The member portal honours Global Privacy Control: ``Sec-GPC: 1`` is shown as an objection
to the purposes sharing beyond the site, and a grant made with it on is a recorded conflict."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fairfollow.consent import gpc_store
from fairfollow.ledger.transaction import reading
from tests.conftest import copy_workspace
from tests.web.member_site import FORECAST, Site

HTML = {"accept": "text/html"}
GPC = {**HTML, "sec-gpc": "1"}


@pytest.fixture
def site(replayed_workspace: Path, tmp_path: Path) -> Iterator[Site]:
    made = Site(copy_workspace(replayed_workspace, tmp_path / "ws"))
    yield made
    made.engine.dispose()


@pytest.mark.slow
def test_the_signal_is_shown_and_a_grant_against_it_is_a_conflict(site: Site) -> None:
    client = site.client
    page = client.get("/me/consents", params={"lang": "en"}, headers=HTML).text
    assert 'id="gpc-on"' not in page
    page = client.get("/me/consents", params={"lang": "en"}, headers=GPC).text
    assert 'id="gpc-on"' in page and f'id="gpc-{FORECAST}"' in page
    assert 'id="gpc-platform_service"' not in page  # stays on the site
    form = {"purpose": FORECAST, "choice": "withdraw", "csrf_token": site.csrf()}
    assert client.post("/me/consents", data=form, headers=GPC, follow_redirects=False).is_redirect
    form = {"purpose": FORECAST, "choice": "grant", "csrf_token": site.csrf()}
    assert client.post("/me/consents", data=form, headers=GPC, follow_redirects=False).is_redirect
    with reading(site.engine, "test gpc") as conn:
        standing = gpc_store.standing(conn, site.member)
    assert standing.on and [c.purpose_key for c in standing.conflicts] == [FORECAST]
    assert site.valid_for_forecast()  # the explicit grant counts
    page = client.get("/me/consents", params={"lang": "ja"}, headers=GPC).text
    assert f'id="gpc-conflict-{FORECAST}"' in page
