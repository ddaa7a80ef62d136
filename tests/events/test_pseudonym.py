"""The analytics store's quarantine keeps no identifier in clear, and loses no row."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from fairfollow.events.erasure import rewrite_members
from fairfollow.events.pseudonym import keyed_cell, store_key
from fairfollow.events.store import ingest, open_store
from fairfollow.workspace import Workspace
from tests.events.test_store import NOW, _events, write_season

UNKNOWN_MEMBER = 987654321
# Clear identifiers of rows the ingest rejects (member 7's bad birth date; a cookie link whose
# member id does not parse; an event of an unknown member).
CLEAR = ["s@example.jp", "佐藤", "サトウ", "1997-13-45", "ck-quarantine-4711", str(UNKNOWN_MEMBER)]


def _dirty_season(root: Path) -> Path:
    season = write_season(root)
    with (season / "raw/cookie_links.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow(["ck-quarantine-4711", "not-a-number", ""])
    events = _events(2020, 2, 3, {})
    ids = pa.array([1, UNKNOWN_MEMBER, 2], events.schema.field("member_id").type)
    events = events.set_column(events.schema.get_field_index("member_id"), "member_id", ids)
    pq.write_table(events, season / "raw/events/season=2020/part-00002.parquet")
    return season


def _rows(workspace: Workspace) -> list[tuple[object, ...]]:
    con = open_store(workspace)
    try:
        return con.execute("SELECT * FROM quarantine ORDER BY source_file, source_row").fetchall()
    finally:
        con.close()


def _store_bytes(workspace: Workspace) -> bytes:
    return b"".join(p.read_bytes() for p in workspace.analytics_dir.glob("store.duckdb*"))


@pytest.fixture
def loaded(tmp_path: Path) -> tuple[Workspace, Path]:
    season = _dirty_season(tmp_path / "season")
    workspace = Workspace(tmp_path / "ws")
    summary = ingest(workspace, season, now=NOW)
    rows = _rows(workspace)
    assert len(rows) == summary.rows_quarantined == 9 + 2  # every rejected row is kept
    return workspace, season


def test_no_clear_identifier_in_any_column_or_byte_of_the_store(
    loaded: tuple[Workspace, Path],
) -> None:
    workspace, _ = loaded
    rows = _rows(workspace)
    cells = "\n".join(str(cell) for row in rows for cell in row)
    data = _store_bytes(workspace)
    for value in CLEAR:
        assert value not in cells, value
        assert value.encode() not in data, value
    # What is not an identifier stays, so an operator can see what was wrong (and the byte
    # search above can find a clear value when there is one).
    assert b"pageview" in data and "京都大学" in cells
    by_place = {(r[1], r[2]): r for r in rows}
    member = by_place[("members.csv", 6)]
    assert (member[3], member[6]) == ("bad_value:birth_date", "birth_date")
    link = by_place[("cookie_links.csv", 2)]
    assert (link[3], link[6]) == ("missing_field:member_id", "member_id")  # does not cast
    event = by_place[("events/season=2020/part-00002.parquet", 1)]
    assert (event[3], event[6]) == ("unknown_member", "member_id")
    # The operator, holding the store's key, recognises the rows when they come again.
    key = store_key(workspace)
    assert json.loads(str(member[4]))["email"] == keyed_cell(key, "email", "s@example.jp")
    assert json.loads(str(link[4]))["cookie_id"] == keyed_cell(
        key, "cookie_id", "ck-quarantine-4711"
    )
    assert json.loads(str(event[4]))["member_id"] == keyed_cell(key, "member_id", UNKNOWN_MEMBER)


def test_counts_match_the_manifest_and_the_summary(loaded: tuple[Workspace, Path]) -> None:
    workspace, _ = loaded
    con = open_store(workspace)
    try:
        by_table = dict(
            con.execute("SELECT table_name, count(*) FROM quarantine GROUP BY ALL").fetchall()
        )
        manifest = dict(
            con.execute(
                "SELECT table_name, sum(rows_quarantined) FROM ingest_manifest GROUP BY ALL"
            ).fetchall()
        )
    finally:
        con.close()
    assert by_table == {t: n for t, n in manifest.items() if n}
    assert by_table == {"events": 7, "members": 1, "cookie_links": 1, "partner_events": 2}


def test_an_older_store_with_clear_identifiers_is_redacted_by_the_next_ingest(
    loaded: tuple[Workspace, Path],
) -> None:
    workspace, season = loaded
    con = duckdb.connect(str(workspace.duckdb_path))
    try:  # as an older version kept it: identifiers in clear, no field
        con.execute(
            "INSERT INTO quarantine VALUES ('members', 'members.csv', 99, "
            "'bad_value:birth_date', ?, 'old', NULL)",
            [json.dumps({"member_id": "42", "email": "old@example.jp", "university": "東北大学"})],
        )
    finally:
        con.close()
    assert b"old@example.jp" in _store_bytes(workspace)
    with (season / "raw/partner_sources.csv").open("a", encoding="utf-8") as handle:
        handle.write("p2,Partner Two,ad_delivery\n")  # a changed file: the next ingest commits
    ingest(workspace, season, now=NOW)
    old = [r for r in _rows(workspace) if r[2] == 99]
    assert len(old) == 1 and old[0][6] == "birth_date"
    values = json.loads(str(old[0][4]))
    assert values["email"] == keyed_cell(store_key(workspace), "email", "old@example.jp")
    assert values["university"] == "東北大学"
    assert "old@example.jp" not in "\n".join(str(c) for r in _rows(workspace) for c in r)


def test_erasure_removes_the_members_quarantined_rows_by_their_hash(
    loaded: tuple[Workspace, Path],
) -> None:
    workspace, _ = loaded
    before = len(_rows(workspace))
    rewrite = rewrite_members(workspace, [UNKNOWN_MEMBER, 7], now=NOW)
    assert rewrite.quarantine_removed == 2
    rows = _rows(workspace)
    assert len(rows) == before - 2
    assert not [r for r in rows if r[1] == "members.csv"]
    key = store_key(workspace)
    held = pc.unique(pa.array([json.loads(str(r[4])).get("member_id") for r in rows])).to_pylist()
    assert keyed_cell(key, "member_id", UNKNOWN_MEMBER) not in held
