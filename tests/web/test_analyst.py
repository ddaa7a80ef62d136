"""The analyst's console over a replayed season: ingest history and quarantine counts as the
store holds them, feature builds, model runs; read-only."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from fairfollow.events.store import store_summary
from fairfollow.web.app import create_app
from fairfollow.workspace import Workspace
from tests.web.consoles import staff_site
from tests.web.site import sign_in


def test_the_console_shows_what_the_store_and_the_models_hold(
    replayed_workspace: Path, tmp_path: Path
) -> None:
    settings, accounts = staff_site(replayed_workspace, tmp_path)
    summary = store_summary(Workspace.from_settings(settings))
    client = TestClient(create_app(settings), headers={"accept": "text/html"})
    sign_in(client, accounts["analyst"], datetime.now(UTC))
    page = client.get("/analyst", params={"lang": "en"}).text
    total = re.search(r'id="quarantined-total">(\d+)<', page)
    assert total and int(total.group(1)) == sum(summary.quarantined_by_reason.values()) > 0
    api = client.get("/api/v1/ingest").json()
    assert len(api["files"]) >= summary.files
    by_reason: dict[str, int] = {}
    for q in api["quarantine"]:
        by_reason[q["reason"]] = by_reason.get(q["reason"], 0) + q["rows"]
    assert by_reason == dict(summary.quarantined_by_reason)
    assert re.search(r"<td><code>features</code></td><td>2019</td><td>[1-9]\d*</td>", page)
    assert "current</strong>" in page and "acceptance-2019" in page
    assert client.get("/privacy").status_code == 200  # the policy list is open to staff
    assert client.get("/privacy/requests").status_code == 403
