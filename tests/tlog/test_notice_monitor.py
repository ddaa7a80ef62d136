"""Policy activations and screen deployments as leaves: the 2019 defect seen from the log."""

from __future__ import annotations

import hashlib

from sqlalchemy.engine import Engine

from fairfollow.consent import activation_store, policy_store
from fairfollow.consent.leaf import POLICY_ACTIVATED, SCREEN_DEPLOYED
from fairfollow.consent.policy import PolicyStatus, StatusEvent
from fairfollow.ledger.engine import open_ledger
from fairfollow.ledger.transaction import transaction
from fairfollow.tlog import store as log_store
from fairfollow.tlog.notice_monitor import stale_screens
from fairfollow.tlog.record import LeafKind, decode_leaf
from fairfollow.usecases.log import consent_leaf_hook
from tests.actors import as_actor
from tests.consent.test_activation_store import V3
from tests.consent_season import at, load_ledger


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
