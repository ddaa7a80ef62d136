"""An employer's past releases read back from the decisions and the log leaves (never the
decision's internal detail), and receipts only for the employer's own releases."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fairfollow.errors import InputError
from fairfollow.ledger.engine import open_ledger
from fairfollow.ledger.transaction import reading, transaction
from fairfollow.messages.refusal import worded
from fairfollow.records import decision_store
from fairfollow.release.door import RELEASE_FORECAST
from fairfollow.release.history import past_releases, release_receipt
from fairfollow.settings import Settings
from fairfollow.tlog.keys import load_or_create_log_signer
from fairfollow.tlog.receipt import verify_receipt
from fairfollow.workspace import Workspace
from tests.conftest import copy_workspace


def test_the_replays_releases_read_back_with_their_figures_and_receipts(
    replayed_workspace: Path, tmp_path: Path
) -> None:
    workspace = Workspace.from_settings(
        Settings(home=copy_workspace(replayed_workspace, tmp_path / "ws"))
    )
    engine = open_ledger(workspace.ledger_url)
    signer = load_or_create_log_signer(workspace.keys_dir)
    with reading(engine, "decisions") as conn:
        decisions = decision_store.load_decisions(conn, request=RELEASE_FORECAST)
    released = next(d for d in decisions if d.outcome == "allow")
    refused = next(d for d in decisions if d.outcome != "allow")
    with reading(engine, "history") as conn:
        mine = past_releases(conn, str(released.employer))
        theirs = past_releases(conn, str(refused.employer))
    assert [r.decision_id for r in mine] == [
        d.decision_id for d in reversed(decisions) if d.employer == released.employer
    ]
    shown = mine[0]
    exact = json.loads(released.detail)
    assert shown.released and shown.figures is not None
    assert shown.figures.as_json() == exact["released"]  # the leaf states the released figures
    assert shown.words == {} and shown.log_index is not None  # the adapters word it
    words = worded(shown.record(str(released.employer))).words
    assert "Plan with" in words["en"] and "前提に計画" in words["ja"]
    assert not theirs[0].released and theirs[0].figures is None
    assert theirs[0].reason == refused.reason and theirs[0].refusal is not None
    assert theirs[0].refusal.code == "release.refused.pool_too_small"
    now = datetime.now(UTC)
    with transaction(engine, "receipt") as conn:
        receipt = release_receipt(conn, str(released.employer), released.decision_id, signer, now)
        with pytest.raises(InputError, match=r"release\.not_your_release"):
            release_receipt(conn, str(refused.employer), released.decision_id, signer, now)
    check = verify_receipt(receipt.encode(), signer.verifier)
    assert check.valid and check.record is not None
    assert check.record.ref == f"dec-{released.decision_id}"
    engine.dispose()
