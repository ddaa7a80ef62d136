"""An employer's past releases read back from the decisions and the log leaves (never the
decision's internal detail), and receipts only for the employer's own releases."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fairfollow.errors import InputError, TransparencyLogError
from fairfollow.ledger.engine import open_ledger
from fairfollow.ledger.transaction import reading, transaction
from fairfollow.messages.refusal import worded
from fairfollow.records import decision_store
from fairfollow.release.door import RELEASE_FORECAST
from fairfollow.release.history import opening_of, past_releases, release_receipt
from fairfollow.settings import Settings
from fairfollow.tlog import store as log_store
from fairfollow.tlog.keys import load_or_create_log_signer
from fairfollow.tlog.receipt import verify_receipt
from fairfollow.tlog.record import LeafKind, decode_leaf
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
    assert shown.figures.as_json() == exact["released"]  # the opening the leaf commits to
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


def test_public_release_leaves_commit_to_the_employers_figures_without_showing_them(
    replayed_workspace: Path, tmp_path: Path
) -> None:
    """Issue 27: the public log gave every employer's pool size (how many offers it made),
    forecast and interval to anyone. A leaf now carries what a member or an auditor needs
    (kind, instant, employer code, service, decision, ε, member commitment) and a salted
    commitment to the figures; the opening goes to the employer and oversight only."""
    workspace = Workspace.from_settings(
        Settings(home=copy_workspace(replayed_workspace, tmp_path / "ws"))
    )
    engine = open_ledger(workspace.ledger_url)
    with reading(engine, "leaves") as conn:
        leaves = [leaf for leaf in log_store.iter_leaves(conn) if leaf.kind == LeafKind.RELEASE]
        decisions = {
            d.decision_id: d for d in decision_store.load_decisions(conn, request=RELEASE_FORECAST)
        }
        assert leaves
        for leaf in leaves:
            assert b"pool_offers" not in leaf.content and b"forecast_interval" not in leaf.content
            body = decode_leaf(leaf.content).record.body
            assert {"decision_id", "at", "employer", "service", "epsilon", "members",
                    "figures_commitment"} <= set(body) and "figures" not in body  # fmt: skip
            decision = decisions[int(str(body["decision_id"]))]
            opened = opening_of(conn, decision.decision_id, str(decision.employer))
            assert opened.opening.opens(body["figures_commitment"])
            assert dict(opened.opening.figures) == json.loads(decision.detail)["released"]
            assert opening_of(conn, decision.decision_id, None) == opened  # oversight
        other = next(d.employer for d in decisions.values() if d.employer != decision.employer)
        with pytest.raises(InputError, match=r"workspace_guard\.opening_unknown"):
            opening_of(conn, decision.decision_id, str(other))
    engine.dispose()


def test_figures_the_leaf_does_not_commit_to_are_never_shown(
    replayed_workspace: Path, tmp_path: Path
) -> None:
    workspace = Workspace.from_settings(
        Settings(home=copy_workspace(replayed_workspace, tmp_path / "ws"))
    )
    engine = open_ledger(workspace.ledger_url)
    with reading(engine, "decisions") as conn:
        released = next(
            d
            for d in decision_store.load_decisions(conn, request=RELEASE_FORECAST)
            if d.outcome == "allow"
        )
    detail = json.loads(released.detail)
    detail["released"]["pool_offers"] += 10  # an insider inflates the stored figures
    table = decision_store.decisions
    with transaction(engine, "tamper") as conn:
        conn.execute(
            table.update()
            .where(table.c.decision_id == released.decision_id)
            .values(detail=json.dumps(detail))
        )
    broken = pytest.raises(TransparencyLogError, match=r"workspace_guard\.opening_broken")
    with reading(engine, "history") as conn, broken:
        past_releases(conn, str(released.employer))
    engine.dispose()
