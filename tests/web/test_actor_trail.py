"""Acceptance: after the replay and a web session that releases, completes a rights request
and reviews a service, every actor column of the ledger holds the one actor form (columns
found by name in the metadata: see tests/ledger/test_actor_columns.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from fairfollow.accounts.account import actor_of
from fairfollow.actor import is_actor
from fairfollow.rights import desk as rights_desk
from fairfollow.rights.request import IdentityCheck, IdentityMethod, RequestInput, RightKind
from fairfollow.scenarios.site_accounts import ANALYST, SiteAccount
from fairfollow.services.examples import PRIVACY_OFFICER
from fairfollow.settings import Settings
from fairfollow.web.app import create_app
from fairfollow.workspace import Workspace
from tests.ledger.test_actor_columns import actor_values
from tests.web.consoles import ledger_of, person, staff_site
from tests.web.site import csrf_of, sign_in
from tests.web.test_review import new_service, to_committee


def _client(settings: Settings, account: SiteAccount) -> TestClient:
    client = TestClient(create_app(settings), headers={"accept": "text/html"})
    return sign_in(client, account, datetime.now(UTC))


def test_every_actor_column_holds_one_form_after_a_replay_and_a_web_session(
    replayed_workspace: Path, tmp_path: Path
) -> None:
    settings, accounts = staff_site(replayed_workspace, tmp_path)
    engine = ledger_of(settings)
    # A release asked from the employer portal by its signed-in user.
    employer = _client(settings, accounts["employer"])
    token = csrf_of(employer, "/employer/forecast")
    asked = employer.post("/employer/forecast", data={"epsilon": "1.0", "csrf_token": token})
    assert asked.status_code == 200
    # A rights request filed at the desk and completed on the privacy officer's page.
    officer = person(engine, PRIVACY_OFFICER)
    member = person(engine, accounts["member"].login).member_id
    assert member is not None
    desk = rights_desk.Desk(Workspace.from_settings(settings), engine, settings)
    check = IdentityCheck(IdentityMethod.OPERATOR_VERIFIED, actor_of(officer), "passport seen")
    item = RequestInput(RightKind.DISCLOSURE, member, datetime.now(UTC), identity=check)
    filed = rights_desk.file_request(desk, item, actor=actor_of(officer)).request_id
    privacy = _client(settings, accounts["privacy_officer"])
    done = privacy.post(
        f"/privacy/requests/{filed}/complete",
        data={"csrf_token": csrf_of(privacy, "/privacy/requests"), "confirm": "yes"},
    )
    assert done.status_code == 200
    # A service reviewed in committee by a signed-in reviewer.
    to_committee(engine, new_service(ANALYST), person(engine, ANALYST))
    reviewer = _client(settings, accounts["reviewer"])
    approved = reviewer.post("/review/entry-trends/approve", data={"csrf_token": csrf_of(reviewer)})
    assert approved.status_code == 200

    values = actor_values(engine)
    written = {column: len(found) for column, found in values.items()}
    for column in ("gov_decisions.actor", "gov_workflow_events.actor", "rights_actions.actor"):
        assert written[column] > 0, column
    assert {c: [v for v in vs if not is_actor(v)] for c, vs in values.items()} == {
        c: [] for c in values
    }
    people = {v for vs in values.values() for v in vs if "(acc-" in v}
    assert f"{accounts['employer'].login} (" in " ".join(values["gov_decisions.actor"])
    assert any(v.startswith(f"{PRIVACY_OFFICER} (acc-") for v in values["rights_actions.actor"])
    assert people and not any("sys-unmapped" in v for vs in values.values() for v in vs)
    engine.dispose()
