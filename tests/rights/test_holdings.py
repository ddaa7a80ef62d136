"""The portal's first page (:func:`fairfollow.rights.portal.holdings`) counts what the
disclosure export (:func:`fairfollow.rights.disclosure.member_data`) holds, by its cheaper
path: the same figures on a real store and ledger, and at once after a release, a request,
a withdrawal and an erasure (nothing of the store is kept between calls)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fairfollow.accounts.account import Principal
from fairfollow.events.store import open_store
from fairfollow.rights.desk import Desk
from fairfollow.rights.disclosure import member_data
from fairfollow.rights.effects import complete_request
from fairfollow.rights.portal import holdings
from fairfollow.rights.request import RightKind
from fairfollow.workspace import Workspace
from tests.actors import as_actor
from tests.rights.world import LATER, World, make_world

Facts = tuple[dict[str, int], datetime | None, datetime | None]


@pytest.fixture
def world(
    tmp_path: Path, ledger_url: str, simulated_season: Callable[..., Path]
) -> Iterator[World]:
    made = make_world(tmp_path, ledger_url, simulated_season(students=400, seed=3))
    yield made
    made.engine.dispose()


def _me(member: int) -> Principal:
    return Principal("account-1", f"member-{member}", frozenset(), member_id=member)


def _from_export(desk: Desk, member: int) -> Facts:
    """The counts as the page showed them before: the lengths of the export's parts."""
    data: dict[str, object] = member_data(desk, member, raw_events=False)
    summary = data.get("events_summary", {})
    assert isinstance(summary, dict)
    by_type = summary.get("by_type", {})
    uses = data["model_uses"]
    assert isinstance(uses, dict)

    def size(key: str) -> int:
        value = data.get(key, [])
        assert isinstance(value, dict | list)
        return len(value)

    counts = {
        "profile": size("profile"),
        "attributes": size("attributes_for_fairness_audit_only"),
        "cookies": size("cookies_linked"),
        "events": sum(by_type.values()),
        "partner_events": int(summary.get("partner_site_events", 0)),
        "consent_decisions": size("consent_history"),
        "intake_matches": size("intake_matches"),
        "provisions": size("provisions"),
        "feature_rows": int(uses["feature_rows"]),
        "requests": size("requests"),
    }
    return counts, summary.get("first"), summary.get("last")


def _shown(desk: Desk, member: int) -> Facts:
    held = holdings(desk, _me(member))
    assert held.member_id == member
    return {c.key: c.count for c in held.categories}, held.first_event, held.last_event


def _features(world: World, rows: list[int | None]) -> None:
    path = world.workspace.analytics_dir / "features/season=2020/features.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"member_id": pa.array(rows, pa.int64())}), path)


def _browsing(world: World) -> list[int]:
    """Consenting members with a linked cookie that partner sites saw, first."""
    con = open_store(world.workspace)
    try:
        seen = {
            int(m)
            for (m,) in con.execute(
                "SELECT DISTINCT member_id FROM cookie_links WHERE cookie_id IN "
                "(SELECT cookie_id FROM partner_events)"
            ).fetchall()
        }
    finally:
        con.close()
    return sorted(world.consenting, key=lambda m: m not in seen)


def test_holdings_count_what_the_export_holds_and_follow_every_change(world: World) -> None:
    member, other = _browsing(world)[:2]
    _features(world, [member, other, member, None])
    world.release()
    world.request(RightKind.DISCLOSURE, member)
    counts, first, last = shown = _shown(world.desk, member)
    assert shown == _from_export(world.desk, member)
    assert all(counts[k] > 0 for k in counts), counts  # every category is exercised
    assert counts["feature_rows"] == 2 and counts["requests"] == 1
    assert first is not None and last is not None and first <= last
    assert _shown(world.desk, other) == _from_export(world.desk, other)
    assert _shown(world.desk, other)[0]["requests"] == 0

    withdrawal = world.request(RightKind.WITHDRAWAL, member)
    complete_request(world.desk, withdrawal, actor=as_actor("ops"), at=LATER)
    after = _shown(world.desk, member)
    assert after == _from_export(world.desk, member)
    assert after[0]["consent_decisions"] == counts["consent_decisions"] + 1
    assert after[0]["requests"] == 2

    erasure = world.request(RightKind.ERASURE, member)
    complete_request(world.desk, erasure, actor=as_actor("ops"), at=LATER)
    gone = _shown(world.desk, member)
    assert gone == _from_export(world.desk, member)
    held, first, last = gone
    for kind in ("profile", "attributes", "cookies", "events", "partner_events", "feature_rows"):
        assert held[kind] == 0, kind
    assert first is None and last is None
    # The other member's figures are untouched by the rename of the store under them.
    still = _shown(world.desk, other)
    assert still == _from_export(world.desk, other) and still[0]["events"] > 0


def test_holdings_without_an_analytics_store_count_only_the_ledger(
    world: World, tmp_path: Path
) -> None:
    member = world.consenting[0]
    world.release()
    bare = replace(world.desk, workspace=Workspace(tmp_path / "bare").ensure())
    shown = _shown(bare, member)
    assert shown == _from_export(bare, member)
    counts, first, _ = shown
    assert counts["profile"] == counts["events"] == 0 and first is None
    assert counts["consent_decisions"] > 0 and counts["provisions"] == 1
