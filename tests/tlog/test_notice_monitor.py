"""Policy activations and screen deployments as leaves: the 2019 defect seen from the log."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from fairfollow.consent import activation_store, policy_store, receipt_book
from fairfollow.consent import store as consent_store
from fairfollow.consent.leaf import POLICY_ACTIVATED, SCREEN_DEPLOYED
from fairfollow.consent.policy import PolicyStatus, StatusEvent
from fairfollow.consent.receipt_key import ReceiptSigner
from fairfollow.consent.validity import ConsentAction, ConsentEvent
from fairfollow.ledger.engine import open_ledger
from fairfollow.ledger.transaction import transaction
from fairfollow.tlog import store as log_store
from fairfollow.tlog.checkpoint_file import LogPublisher
from fairfollow.tlog.keys import generate_signer
from fairfollow.tlog.notice_monitor import stale_screens
from fairfollow.tlog.receipt import verify_receipt
from fairfollow.tlog.record import LeafKind, decode_leaf
from fairfollow.usecases.log import consent_leaf_hook, screen_state_receipt
from tests.actors import as_actor
from tests.consent.test_activation_store import V3
from tests.consent_season import FORECAST, at, load_ledger

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _ledger(ledger_url: str) -> Engine:
    engine = open_ledger(ledger_url)
    with transaction(engine) as conn:
        load_ledger(conn)
        policy_store.add_version(conn, V3, at=at(50), actor=as_actor("po"))
        approved = StatusEvent("v3", PolicyStatus.APPROVED, at(51), as_actor("po"))
        policy_store.set_status(conn, approved)
    return engine


def test_the_consent_leaf_kinds_are_the_logs() -> None:
    assert LeafKind(POLICY_ACTIVATED) is LeafKind.POLICY_ACTIVATED
    assert LeafKind(SCREEN_DEPLOYED) is LeafKind.SCREEN_DEPLOYED


def test_a_screen_lagging_behind_a_forced_activation_is_seen_from_the_leaves(
    ledger_url: str,
) -> None:
    engine = _ledger(ledger_url)
    with transaction(engine) as conn:
        shown = (("entry_form", "v1"), ("pc_registration", "v3"), ("settings_page", "v3"))
        for screen, version in shown:
            policy_store.deploy(conn, screen, version, at(52), consent_leaf_hook)
        activation_store.activate(
            conn, "v3", at=at(53), actor=as_actor("Sato"), force=True, reason="deadline",
            on_leaf=consent_leaf_hook,
        )  # fmt: skip
    with engine.connect() as conn:
        contents = [leaf.content for leaf in log_store.iter_leaves(conn)]
    records = [decode_leaf(c).record for c in contents]
    assert [r.kind for r in records] == ["screen.deployed"] * 3 + ["policy.activated"]
    activation = records[-1].body
    assert activation["version"] == "v3" and activation["outcome"] == "forced"
    assert activation["text_ja"] == "sha256:" + hashlib.sha256("第3版".encode()).hexdigest()
    assert activation["lagging"] == [["entry_form", "v1"]]
    stale = stale_screens(contents)
    assert [(s.leaf, s.version, s.screen, s.displayed, s.since_leaf) for s in stale] == [
        (3, "v3", "entry_form", "v1", 0)
    ]
    # Once the screen is fixed (and the next activation comes), the monitor is quiet.
    with transaction(engine) as conn:
        policy_store.deploy(conn, "entry_form", "v3", at(54), consent_leaf_hook)
    with engine.connect() as conn:
        contents = [leaf.content for leaf in log_store.iter_leaves(conn)]
    assert len(stale_screens(contents)) == 1
    engine.dispose()


def test_without_a_hook_nothing_is_logged(ledger_url: str) -> None:
    engine = _ledger(ledger_url)
    with transaction(engine) as conn:
        policy_store.deploy(conn, "entry_form", "v3", at(52))
    with engine.connect() as conn:
        assert log_store.tree_size(conn) == 0
    engine.dispose()


def test_a_consent_receipt_carries_the_proof_of_the_screen_state_it_was_given_on(
    ledger_url: str, tmp_path: Path
) -> None:
    engine = open_ledger(ledger_url)
    with transaction(engine) as conn:
        load_ledger(conn)  # the 2019 history, its deployments recorded without leaves
        fixed = policy_store.deploy(conn, "entry_form", "v2", at(20), consent_leaf_hook)
        event = ConsentEvent(
            8, 1, FORECAST, ConsentAction.GRANT, "entry_form", "v2", at(21), "checkbox"
        )
        consent_store.add_events(conn, [event])
    publisher = LogPublisher(generate_signer("log.example.jp/fairfollow/2019"), tmp_path / "cp")
    with engine.connect() as conn:
        receipts = receipt_book.member_receipts(conn, 1, ReceiptSigner.generate())
    issued = {r.event_id: r for r in receipts}
    assert issued[8].screen_deploy_id == fixed.deploy_id
    receipt = screen_state_receipt(None, engine, publisher, fixed.deploy_id, NOW, local=True)
    assert receipt is not None
    check = verify_receipt(receipt.encode(), publisher.verifier)
    assert check.valid and check.record is not None
    assert check.record.kind == "screen.deployed"
    assert (check.record.body["screen"], check.record.body["version"]) == ("entry_form", "v2")
    # Member 1's first grant was on pc_registration, deployed before the log recorded screens.
    assert issued[1].screen_deploy_id == 4
    assert screen_state_receipt(None, engine, publisher, 4, NOW, local=True) is None
    engine.dispose()
