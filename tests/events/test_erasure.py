from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from fairfollow.errors import InputError, StoreError
from fairfollow.events import erasure
from fairfollow.events.catalog import read_state
from fairfollow.events.erasure import rewrite_members
from fairfollow.events.store import ingest, open_store
from fairfollow.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path, simulated_season: Callable[..., Path]) -> Workspace:
    ws = Workspace(tmp_path / "ws").ensure()
    ingest(ws, simulated_season(students=400, seed=3))
    return ws


def _count(ws: Workspace, sql: str) -> int:
    con = open_store(ws)
    try:
        ((n,),) = con.execute(sql).fetchall()
        return int(n)
    finally:
        con.close()


def test_erasure_rewrites_only_the_files_holding_the_members(workspace: Workspace) -> None:
    before = read_state(workspace)
    members = [401, 402]
    events = _count(workspace, "SELECT count(*) FROM events WHERE member_id IN (401, 402)")
    assert events > 0
    result = rewrite_members(workspace, members)
    assert result.rows_removed["members"] == 2 and result.rows_removed["events"] == events
    assert result.bytes_rewritten > 0 and result.suppressed_added >= 2
    after = read_state(workspace)
    assert after.files["industries"] == before.files["industries"]  # untouched
    assert after.files["members"] != before.files["members"]
    for path, _ in before.files["members"]:
        assert not (workspace.parquet_dir / path).exists()  # old files deleted
    assert _count(workspace, "SELECT count(*) FROM events WHERE member_id IN (401, 402)") == 0


def test_a_failed_swap_leaves_the_store_as_it_was(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = read_state(workspace)
    copy = workspace.root.parent / "before.duckdb"
    shutil.copy(workspace.duckdb_path, copy)

    def fail(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(erasure.os, "replace", fail)
    with pytest.raises(StoreError, match=r"events\.erasure_failed"):
        rewrite_members(workspace, [401])
    assert read_state(workspace) == before
    assert _count(workspace, "SELECT count(*) FROM members WHERE member_id = 401") == 1
    written = {
        p.relative_to(workspace.parquet_dir).as_posix()
        for p in workspace.parquet_dir.rglob("*.parquet")
    }
    assert written == {p for files in before.files.values() for p, _ in files}
    assert not list(workspace.analytics_dir.glob(".store-*"))


def test_only_profile_fields_can_be_corrected(workspace: Workspace) -> None:
    with pytest.raises(InputError, match=r"events\.field_not_correctable"):
        rewrite_members(workspace, [], {401: {"member_id": "9"}})
    result = rewrite_members(workspace, [], {401: {"university": "新大学"}})
    assert result.rows_corrected == 1 and result.members_erased == 0
    assert _count(workspace, "SELECT count(*) FROM members WHERE university = '新大学'") == 1
