"""The demo's site accounts on a replayed season: one per kind of web user, bound to a real
member and employer of the season, fresh secrets on every call, second factors enrolled."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from fairfollow.accounts import authority
from fairfollow.accounts.account import Role
from fairfollow.errors import AuthenticationError
from fairfollow.ledger.engine import create_ledger, open_ledger
from fairfollow.scenarios.site_accounts import demo_subjects, open_site_accounts
from fairfollow.workspace import Workspace
from tests.conftest import copy_workspace

NOW = datetime(2026, 4, 1, tzinfo=UTC)


@pytest.mark.slow
def test_site_accounts_stand_for_the_seasons_people(
    replayed_workspace: Path, tmp_path: Path
) -> None:
    ws = copy_workspace(replayed_workspace, tmp_path / "ws")
    engine = open_ledger(Workspace(ws).ledger_url)
    member, employer = demo_subjects(engine)
    first = {
        a.kind: a for a in open_site_accounts(engine, NOW, member_id=member, employer=employer)
    }
    assert set(first) == {"member", "employer", "analyst", "privacy_officer", "reviewer", "auditor"}
    assert first["privacy_officer"].totp_secret and first["reviewer"].totp_secret
    assert first["member"].totp_secret is None
    token = authority.login(engine, first["member"].login, first["member"].secret, NOW).token
    assert authority.authenticate(engine, token, NOW).member_id == member
    token = authority.login(engine, first["employer"].login, first["employer"].secret, NOW).token
    me = authority.authenticate(engine, token, NOW)
    assert me.employer == employer and me.roles == frozenset()
    again = {
        a.kind: a for a in open_site_accounts(engine, NOW, member_id=member, employer=employer)
    }
    with pytest.raises(AuthenticationError):  # the earlier printout no longer works
        authority.login(engine, first["analyst"].login, first["analyst"].secret, NOW)
    assert authority.principal_for(engine, again["auditor"].login).roles == {Role.AUDITOR}
    engine.dispose()


def test_an_empty_workspace_has_no_subjects(tmp_path: Path) -> None:
    engine = create_ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    with pytest.raises(Exception, match=r"scenarios\.no_member_list"):
        demo_subjects(engine)
    engine.dispose()
