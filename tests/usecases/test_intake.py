"""Taking an employer's list: the employer user's own upload (its employer and the season
from the principal and the workspace) and staff's intake for an employer, one action each,
the actor recorded in one format, the platform's view only to staff who ask for it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from fairfollow.accounts.account import Principal, Role, actor_of
from fairfollow.errors import AuthenticationError, InputError, RoleError
from fairfollow.intake.pool_store import intakes_of
from fairfollow.ledger.engine import create_ledger, open_ledger
from fairfollow.ledger.transaction import reading
from fairfollow.records.provision import Attestation
from fairfollow.settings import Settings
from fairfollow.usecases.intake import IntakeDesk, ListAsk, OwnListAsk, take_list, take_own_list
from fairfollow.workspace import Workspace
from tests.conftest import copy_workspace

AT = datetime(2019, 7, 15, tzinfo=UTC)
FULL = Attestation("株式会社テスト", "東京都", "人事部長", "entry form", "aggregate forecasts")
LIST = b"applicant_id,offer_date\nA1,2019-06-01\nA2,2019-06-02\n"
ANALYST = Principal("acc-24d4b96f58da6d4a", "ana", frozenset({Role.ANALYST}))
REVIEWER = Principal("acc-d1e75aca758154ee", "rev", frozenset({Role.REVIEWER}))
HR = Principal("acc-1b52f3a2e1514873", "hr", frozenset(), employer="E0777")


def _empty_desk(tmp_path: Path) -> IntakeDesk:
    workspace = Workspace.from_settings(Settings(home=tmp_path / "ws")).ensure()
    return IntakeDesk(create_ledger(workspace.ledger_url), workspace, 10_000)


def test_who_may_take_a_list_is_the_action_table(tmp_path: Path) -> None:
    desk = _empty_desk(tmp_path)
    staff_ask = ListAsk("E0001", 2020, LIST, "E0001.csv", FULL)
    with pytest.raises(AuthenticationError):
        take_list(None, staff_ask, desk, AT)
    for refused in (REVIEWER, HR):
        with pytest.raises(RoleError) as caught:
            take_list(refused, staff_ask, desk, AT)
        assert caught.value.params["action"] == "intake.upload"
    with pytest.raises(RoleError) as caught:
        take_own_list(ANALYST, OwnListAsk(LIST, "x.csv", FULL), desk, AT)
    assert caught.value.params["action"] == "employer.upload"
    desk.engine.dispose()


def test_the_attestation_is_checked_before_anything_is_read(tmp_path: Path) -> None:
    desk = _empty_desk(tmp_path)  # no analytics store: reading it would fail otherwise
    unattested = Attestation("A", "", "C", "D", "E")
    with pytest.raises(InputError, match="provider_address"):
        take_own_list(HR, OwnListAsk(LIST, "x.csv", unattested), desk, AT)
    desk.engine.dispose()


def test_on_the_replay_the_list_is_the_employer_users_own(
    replayed_workspace: Path, tmp_path: Path
) -> None:
    workspace = Workspace.from_settings(
        Settings(home=copy_workspace(replayed_workspace, tmp_path / "ws"))
    )
    desk = IntakeDesk(open_ledger(workspace.ledger_url), workspace, 1_000_000)
    with reading(desk.engine, "clients") as conn:
        mine, theirs = sorted({i.employer for i in intakes_of(conn)})[:2]
    hr = Principal("acc-1b52f3a2e1514873", "hr", frozenset(), employer=mine)
    now = datetime.now(UTC)
    taken = take_own_list(hr, OwnListAsk(LIST, "mine.csv", FULL), desk, now)
    assert taken.report.employer == mine and taken.report.rows_read == 2
    assert "matched" not in taken.as_json()  # the employer's view only
    staff = take_list(
        ANALYST, ListAsk(theirs, 2020, LIST, "theirs.csv", FULL, internal=True), desk, now
    )
    assert staff.as_json() == staff.report.as_json() and staff.report.employer == theirs
    with reading(desk.engine, "intakes") as conn:
        actors = {i.file_name: i.actor for i in intakes_of(conn)}
    assert actors["mine.csv"] == actor_of(hr) and actors["theirs.csv"] == actor_of(ANALYST)
    desk.engine.dispose()
