"""Ingest into the analytics store: typing, quarantine, idempotency, atomicity, refusals."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fairfollow.errors import IngestError, ProhibitedItemError, SchemaError, StoreError
from fairfollow.events.disclosure import MemberCounts, member_counts, member_rows
from fairfollow.events.schema import RAW_TABLES
from fairfollow.events.store import (
    IngestProgress,
    ingest,
    open_store,
    reading_store,
    store_summary,
)
from fairfollow.season.browsing import EVENT_SCHEMA, PARTNER_SCHEMA
from fairfollow.workspace import Workspace

NOW = datetime(2019, 7, 16, 9, 0, tzinfo=UTC)
SEASONS = [
    {
        "season": 2019,
        "events_from": "2018-03-01T00:00:00+09:00",
        "events_to": "2019-01-01T00:00:00+09:00",
        "forecast_date": "2018-07-15T00:00:00+09:00",
    },
    {
        "season": 2020,
        "events_from": "2018-06-01T00:00:00+09:00",
        "events_to": "2019-07-15T00:00:00+09:00",
        "forecast_date": "2019-07-15T00:00:00+09:00",
    },
]


def _csv(path: Path, header: list[str], rows: Sequence[Sequence[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _events(season: int, part: int, rows: int, dirt: dict[int, str]) -> pa.Table:
    """Clean events, with the rows in ``dirt`` broken in the way their reason names."""
    start = _ts("2018-06-02T12:00:00+09:00" if season == 2020 else "2018-03-02T12:00:00+09:00")
    cols: dict[str, list[object]] = {name: [] for name in EVENT_SCHEMA.names}
    for i in range(rows):
        kind = ["page_view", "login", "entry"][i % 3]
        values: dict[str, object] = {
            "event_id": season * 100_000 + part * 1000 + i,
            "member_id": 1 + i % 6,
            "ts": start.replace(hour=i % 12),
            "event_type": kind,
            "company_id": 10 + i % 3 if kind != "login" else None,
            "industry_id": 1 if kind == "page_view" else None,
            "device": "sp",
            "dwell_s": 30 + i if kind == "page_view" else None,
        }
        reason = dirt.get(i)
        if reason == "missing_member_id":
            values["member_id"] = None
        elif reason == "unknown_member":
            values["member_id"] = 999
        elif reason == "ts_out_of_range":
            values["ts"] = _ts("2019-07-15T00:00:00+09:00")  # the exclusive end itself
        elif reason == "unknown_event_type":
            values["event_type"] = "pageview"
        elif reason == "unknown_company":
            values["company_id"] = 77
        for name in cols:
            cols[name].append(values[name])
    return pa.table(cols, schema=EVENT_SCHEMA)


# (file under raw/, row, reason) of every dirty row the fixture writes.
EXPECTED_DIRT = [
    ("events/season=2019/part-00000.parquet", 4, "ts_out_of_range"),
    ("events/season=2020/part-00000.parquet", 1, "missing_member_id"),
    ("events/season=2020/part-00000.parquet", 5, "unknown_member"),
    ("events/season=2020/part-00001.parquet", 0, "unknown_event_type"),
    ("events/season=2020/part-00001.parquet", 7, "unknown_company"),
    ("events/season=2020/part-00001.parquet", 8, "ts_out_of_range"),
    ("members.csv", 6, "bad_value:birth_date"),
    ("partner_events/season=2020/part-00000.parquet", 2, "missing_cookie_id"),
    ("partner_events/season=2020/part-00000.parquet", 3, "missing_cookie_id"),
]


def write_season(root: Path) -> Path:
    """A tiny season directory in the docs/season-format.md layout."""
    raw = root / "raw"
    (root / "manifest.json").parent.mkdir(parents=True, exist_ok=True)
    (root / "manifest.json").write_text(json.dumps({"seasons": SEASONS}), encoding="utf-8")
    _csv(
        raw / "industries.csv",
        ["industry_id", "name_ja", "name_en"],
        [[1, "メーカー", "Manufacturing"], [2, "金融", "Finance"]],
    )
    _csv(
        raw / "companies.csv",
        ["company_id", "name", "industry_id", "is_client", "client_active"],
        [[10, "A社", 1, 1, 1], [11, "B社", 2, 0, 0], [12, "C社", 1, 1, 0]],
    )
    members = [
        [
            m,
            2019 if m <= 2 else 2020,
            f"山田{m}",
            f"ヤマダ{m}",
            f"m{m}@example.jp",
            "1997-04-0" + str(m),
            "東京大学",
            "2018-06-01T10:00:00+09:00",
            "web_reg",
        ]
        for m in range(1, 7)
    ]
    members.append(
        [
            7,
            2020,
            "佐藤",
            "サトウ",
            "s@example.jp",
            "1997-13-45",
            "京都大学",
            "2018-06-01T10:00:00+09:00",
            "app_reg",
        ]
    )
    _csv(
        raw / "members.csv",
        [
            "member_id",
            "season",
            "name_kanji",
            "name_kana",
            "email",
            "birth_date",
            "university",
            "registered_at",
            "registration_screen",
        ],
        members,
    )
    _csv(
        raw / "member_attributes.csv",
        ["member_id", "gender", "university_tier", "region"],
        [[m, "FMX"[m % 3], 1 + m % 4, "kanto"] for m in range(1, 7)],
    )
    _csv(
        raw / "partner_sources.csv",
        ["partner_id", "name", "stated_purposes"],
        [["p1", "Partner One", "ad_delivery"]],
    )
    _csv(
        raw / "cookie_links.csv",
        ["cookie_id", "member_id", "linked_at"],
        [["c1", 3, "2018-07-01T00:00:00+09:00"], ["c2", 4, ""]],
    )
    # Consent files belong to the consent ledger: header-checked here, never loaded.
    _csv(
        raw / "consent_events.csv",
        [
            "consent_event_id",
            "member_id",
            "purpose_key",
            "action",
            "screen_id",
            "version_recorded",
            "occurred_at",
            "method",
        ],
        [[1, 3, "x", "grant", "s", "v1", "not a time", "click"]],
    )
    for season, part, rows, dirt in (
        (2019, 0, 6, {4: "ts_out_of_range"}),
        (2020, 0, 9, {1: "missing_member_id", 5: "unknown_member"}),
        (2020, 1, 10, {0: "unknown_event_type", 7: "unknown_company", 8: "ts_out_of_range"}),
    ):
        path = raw / f"events/season={season}/part-{part:05d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(_events(season, part, rows, dirt), path)
    partner = pa.table(
        {
            "partner_id": ["p1"] * 5,
            "cookie_id": ["c1", "c2", None, "", "c9"],
            "ts": [_ts("2018-07-01T00:00:00+09:00")] * 5,
            "industry_id": [1, 2, 1, 1, 2],
            "page_category": ["industry"] * 5,
        },
        schema=PARTNER_SCHEMA,
    )
    path = raw / "partner_events/season=2020/part-00000.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(partner, path)
    return root


@pytest.fixture
def season(tmp_path: Path) -> Path:
    return write_season(tmp_path / "season")


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "ws")


def snapshot(workspace: Workspace) -> dict[str, object]:
    """Everything a reader of the store can see (tables as row count and content hash)."""
    if not workspace.duckdb_path.exists():
        return {}
    con = open_store(workspace)
    try:
        return seen(con)
    finally:
        con.close()


def seen(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    tables = [spec.name for spec in RAW_TABLES]
    return {
        **{t: con.execute(f"SELECT count(*), sum(hash(t)) FROM {t} t").fetchall() for t in tables},
        "manifest": con.execute("SELECT * FROM ingest_manifest ORDER BY ALL").fetchall(),
        "files": con.execute("SELECT * FROM store_files ORDER BY ALL").fetchall(),
        "quarantine": con.execute("SELECT * FROM quarantine ORDER BY ALL").fetchall(),
        "first_event": con.execute("SELECT min(ts) FROM events").fetchall(),
    }


def read_shared(workspace: Workspace) -> dict[str, object]:
    with reading_store(workspace) as con:
        return seen(con)


def quarantined(workspace: Workspace) -> list[tuple[str, int, str]]:
    con = open_store(workspace)
    try:
        return [
            (str(f), int(r), str(c))
            for f, r, c in con.execute(
                "SELECT source_file, source_row, reason FROM quarantine ORDER BY ALL"
            ).fetchall()
        ]
    finally:
        con.close()


def test_ingest_types_tables_and_quarantines_dirt(season: Path, workspace: Workspace) -> None:
    seen: list[IngestProgress] = []
    summary = ingest(workspace, season, on_progress=seen.append, now=NOW)
    assert quarantined(workspace) == sorted(EXPECTED_DIRT)
    assert summary.tables["events"].accepted == 25 - 6
    assert summary.tables["events"].quarantined == 6
    assert summary.tables["members"].accepted == 6
    assert summary.tables["partner_events"].quarantined == 2
    assert summary.quarantined_by_reason["ts_out_of_range"] == 2
    assert summary.rows_quarantined == len(EXPECTED_DIRT)
    assert len(summary.files_ingested) == 10 and summary.files_skipped == ()
    assert [p.done for p in seen] == list(range(1, 11)) and seen[-1].total == 10
    assert not any("consent" in f for f in summary.files_ingested)
    con = open_store(workspace)
    try:
        types = dict(
            con.execute(
                "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM events)"
            ).fetchall()
        )
        assert types["ts"] == "TIMESTAMP WITH TIME ZONE" and types["season"] == "SMALLINT"
        assert types["company_id"] == "INTEGER"
        flags = con.execute(
            "SELECT company_id, is_client, client_active FROM companies ORDER BY 1"
        ).fetchall()
        assert flags[0] == (10, True, True) and flags[1] == (11, False, False)
        birth = con.execute("SELECT birth_date FROM members WHERE member_id = 3").fetchone()
        assert birth is not None and str(birth[0]) == "1997-04-03"
        raw = con.execute(
            "SELECT raw_values FROM quarantine WHERE reason = 'unknown_event_type'"
        ).fetchone()
        assert raw is not None and json.loads(raw[0])["event_type"] == "pageview"
        linked = con.execute("SELECT linked_at FROM cookie_links WHERE cookie_id = 'c2'").fetchone()
        assert linked == (None,)  # a blank optional cell is missing, not a bad value
    finally:
        con.close()


def test_reingest_of_same_files_adds_nothing(season: Path, workspace: Workspace) -> None:
    ingest(workspace, season, now=NOW)
    before = snapshot(workspace)
    again = ingest(workspace, season, now=NOW)
    assert again.files_ingested == () and len(again.files_skipped) == 10
    assert again.rows_accepted == 0
    assert snapshot(workspace) == before


def test_changed_file_supersedes_its_old_rows(season: Path, workspace: Workspace) -> None:
    ingest(workspace, season, now=NOW)
    part = season / "raw/events/season=2020/part-00001.parquet"
    pq.write_table(_events(2020, 1, 4, {}), part)
    later = ingest(workspace, season, now=NOW.replace(hour=10))
    assert later.files_ingested == ("events/season=2020/part-00001.parquet",)
    assert later.files_superseded == later.files_ingested
    assert [d for d in quarantined(workspace) if "part-00001" in d[0]] == []
    summary = store_summary(workspace)
    assert summary.rows_by_table["events"] == (6 - 1) + (9 - 2) + 4
    parquet = sorted((workspace.parquet_dir / "events").rglob("*.parquet"))
    assert len(parquet) == 3  # the superseded file is gone from disk


def test_parquet_value_outside_declared_type_is_quarantined(
    season: Path, workspace: Workspace
) -> None:
    wide = _events(2020, 2, 3, {}).set_column(
        4, "company_id", pa.array([10, 2**40, None], pa.int64())
    )
    pq.write_table(wide, season / "raw/events/season=2020/part-00002.parquet")
    ingest(workspace, season, now=NOW)
    found = [d for d in quarantined(workspace) if "part-00002" in d[0]]
    assert found == [("events/season=2020/part-00002.parquet", 1, "bad_value:company_id")]
    con = open_store(workspace)
    try:
        raw = con.execute("SELECT raw_values FROM quarantine WHERE reason LIKE 'bad_value%'")
        assert json.loads(raw.fetchall()[0][0])["company_id"] == 2**40
    finally:
        con.close()


def test_files_of_other_modules_survive_ingest(season: Path, workspace: Workspace) -> None:
    foreign = workspace.parquet_dir / "features" / "2019.parquet"
    foreign.parent.mkdir(parents=True)
    pq.write_table(pa.table({"x": [1]}), foreign)
    ingest(workspace, season, now=NOW)
    assert foreign.exists()


def test_incremental_events_check_members_already_committed(
    season: Path, workspace: Workspace
) -> None:
    events = season / "raw/events"
    events.rename(season / "held_back")
    ingest(workspace, season, now=NOW)
    (season / "held_back").rename(events)
    later = ingest(workspace, season, now=NOW.replace(hour=10))
    assert len(later.files_ingested) == 3
    assert quarantined(workspace) == sorted(EXPECTED_DIRT)


@pytest.mark.parametrize("column", ["religion", "本籍"])
def test_prohibited_column_refuses_whole_ingest(
    season: Path, workspace: Workspace, column: str
) -> None:
    ingest(workspace, season, now=NOW)
    before = snapshot(workspace)
    members = season / "raw/members.csv"
    lines = members.read_text(encoding="utf-8").splitlines()
    members.write_text(
        "\n".join([lines[0] + f",{column}"] + [x + ",x" for x in lines[1:]]), encoding="utf-8"
    )
    pq.write_table(_events(2020, 2, 3, {}), season / "raw/events/season=2020/part-00002.parquet")
    with pytest.raises(ProhibitedItemError) as caught:
        ingest(workspace, season, now=NOW.replace(hour=10))
    assert caught.value.file == "raw/members.csv" and caught.value.column == column
    assert "Notice 141 of 1999" in caught.value.citation
    assert snapshot(workspace) == before


def test_prohibited_column_in_a_parquet_part_is_refused(season: Path, workspace: Workspace) -> None:
    table = _events(2020, 2, 3, {}).append_column("disability", pa.array(["none"] * 3))
    pq.write_table(table, season / "raw/events/season=2020/part-00002.parquet")
    with pytest.raises(ProhibitedItemError, match=r"intake\.prohibited_item .*'disability'"):
        ingest(workspace, season, now=NOW)
    assert not workspace.duckdb_path.exists()
    assert list(workspace.parquet_dir.rglob("*.parquet")) == []


def test_missing_column_is_a_schema_error(season: Path, workspace: Workspace) -> None:
    _csv(season / "raw/companies.csv", ["company_id", "name", "is_client"], [[10, "A", 1]])
    with pytest.raises(
        SchemaError, match=r"events\.column_missing .*'industry_id'.*raw/companies.csv"
    ):
        ingest(workspace, season, now=NOW)
    assert not workspace.duckdb_path.exists()


def test_season_without_window_is_a_schema_error(season: Path, workspace: Workspace) -> None:
    (season / "manifest.json").write_text(json.dumps({"seasons": SEASONS[1:]}))
    with pytest.raises(SchemaError, match=r"events\.no_events_window .*season=2019"):
        ingest(workspace, season, now=NOW)


def test_store_summary_and_missing_store(season: Path, workspace: Workspace) -> None:
    with pytest.raises(StoreError):
        store_summary(workspace)
    ingest(workspace, season, now=NOW)
    summary = store_summary(workspace)
    assert summary.students_by_season == {2019: 2, 2020: 4}
    assert summary.entries == summary.events_by_type["entry"]
    assert sum(summary.events_by_type.values()) == 19
    assert summary.partner_events == 3
    assert summary.quarantined_by_reason["missing_cookie_id"] == 2
    assert summary.files == 10 and summary.batches == 1
    assert json.dumps(summary.as_dict())


_KILLABLE = """
import sys, time
from datetime import datetime, UTC
from pathlib import Path
from fairfollow.events.store import ingest
from fairfollow.workspace import Workspace

def pause(progress):
    if progress.done == int(sys.argv[4]) and not progress.skipped:
        Path(sys.argv[3]).write_text("paused")  # Parquet written, nothing committed
        time.sleep(600)

ingest(Workspace(Path(sys.argv[1])), Path(sys.argv[2]), on_progress=pause,
       now=datetime(2019, 7, 17, tzinfo=UTC))
"""


def kill_during_ingest(workspace: Workspace, season: Path, marker: Path, pause_at: int) -> None:
    """Run an ingest in a child process and SIGKILL it once ``pause_at`` files are written."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _KILLABLE,
            str(workspace.root),
            str(season),
            str(marker),
            str(pause_at),
        ],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")},
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.poll() is None, "ingest ended before the pause"
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()


def orphans(workspace: Workspace, before: dict[str, object]) -> list[Path]:
    files = before.get("files", [])
    assert isinstance(files, list)
    committed = {row[1] for row in files}
    return [
        p
        for p in workspace.parquet_dir.rglob("*.parquet")
        if p.relative_to(workspace.parquet_dir).as_posix() not in committed
    ]


def test_killed_ingest_leaves_store_unchanged(
    season: Path, workspace: Workspace, tmp_path: Path
) -> None:
    events = season / "raw/events"
    events.rename(season / "held_back")
    ingest(workspace, season, now=NOW)
    before = snapshot(workspace)
    (season / "held_back").rename(events)
    kill_during_ingest(workspace, season, tmp_path / "paused", pause_at=8)
    left = orphans(workspace, before)
    assert left, "the killed run should have written uncommitted files"
    assert snapshot(workspace) == before
    after = ingest(workspace, season, now=NOW.replace(hour=11))
    assert len(after.files_ingested) == 3
    assert quarantined(workspace) == sorted(EXPECTED_DIRT)
    assert not any(p.exists() for p in left)


def test_killed_first_ingest_leaves_no_store(
    season: Path, workspace: Workspace, tmp_path: Path
) -> None:
    kill_during_ingest(workspace, season, tmp_path / "paused", pause_at=3)
    assert not workspace.duckdb_path.exists()
    ingest(workspace, season, now=NOW)
    assert quarantined(workspace) == sorted(EXPECTED_DIRT)
    assert orphans(workspace, snapshot(workspace)) == []


def test_concurrent_ingest_is_refused(season: Path, workspace: Workspace) -> None:
    import fcntl

    workspace.ensure()
    with (workspace.analytics_dir / ".ingest.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(IngestError, match=r"events\.ingest_running"):
            ingest(workspace, season, now=NOW)


_WRITE = """
import sys, duckdb
duckdb.connect(sys.argv[1]).close()
"""


def can_write(workspace: Workspace) -> bool:
    """Whether another process can open the store for writing (as an ingest does)."""
    child = subprocess.run(
        [sys.executable, "-c", _WRITE, str(workspace.duckdb_path)], capture_output=True
    )
    return child.returncode == 0


def test_reading_store_reads_the_store_as_committed_at_each_block(
    season: Path, workspace: Workspace
) -> None:
    with pytest.raises(StoreError):
        read_shared(workspace)
    events = season / "raw/events"
    events.rename(season / "held_back")
    ingest(workspace, season, now=NOW)
    assert read_shared(workspace) == snapshot(workspace)
    # The process's DuckDB keeps nothing of the store between blocks: a later ingest is
    # seen by the next block, and another process may write once a block has ended.
    with reading_store(workspace) as con:
        assert not can_write(workspace)  # held like open_store's connection, for the block
        with pytest.raises(duckdb.Error):
            con.execute("DELETE FROM quarantine")
    assert can_write(workspace)
    (season / "held_back").rename(events)
    ingest(workspace, season, now=NOW.replace(hour=11))
    assert read_shared(workspace) == snapshot(workspace)
    with reading_store(workspace) as con:
        row = con.execute("SELECT count(*) FROM events").fetchone()
        assert row is not None and row[0] > 0
        zone = con.execute("SELECT current_setting('TimeZone')").fetchone()
        assert zone == ("UTC",)
    # Many threads at once, as the web server's, each see the whole store.
    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(lambda _: read_shared(workspace), range(16)))
    assert all(f == snapshot(workspace) for f in found)
    assert can_write(workspace)


def test_member_counts_are_the_sizes_of_the_member_rows(season: Path, workspace: Workspace) -> None:
    with pytest.raises(StoreError):
        member_counts(workspace, 1)
    ingest(workspace, season, now=NOW)
    con = open_store(workspace)
    try:
        members = [int(m) for (m,) in con.execute("SELECT member_id FROM members").fetchall()]
    finally:
        con.close()
    for member in [*members, max(members) + 1000]:  # and one the store does not know
        rows = member_rows(workspace, member, raw_events=True)
        assert member_counts(workspace, member) == MemberCounts(
            len(rows.profile),
            len(rows.attributes),
            len(rows.cookies),
            len(rows.events),
            rows.first_event,
            rows.last_event,
            rows.partner_events,
        )
        assert sum(rows.events_by_type.values()) == len(rows.events)
    busy = [member_counts(workspace, m) for m in members]
    assert any(c.events and c.cookies and c.partner_events and c.attribute_fields for c in busy)
    assert member_counts(workspace, max(members) + 1000) == MemberCounts(0, 0, 0, 0, None, None, 0)


def test_views_reject_writes(season: Path, workspace: Workspace) -> None:
    ingest(workspace, season, now=NOW)
    con = open_store(workspace)
    try:
        with pytest.raises(duckdb.Error):
            con.execute("DELETE FROM quarantine")
    finally:
        con.close()


# --- against the simulator (docs/season-format.md; truth/ is read by tests only) ---


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from fairfollow.season.config import SimulationConfig
    from fairfollow.season.simulator import simulate

    out = tmp_path_factory.mktemp("sim") / "season"
    simulate(SimulationConfig(students=300, seed=5, out=out, log_dirt_rate=0.002))
    return out


def truth_log_dirt(season: Path) -> list[tuple[str, int, str]]:
    """The dirt of the files this store loads (consent files go to the consent ledger)."""
    table = pq.read_table(season / "truth/log_dirt.parquet").to_pylist()
    return sorted(
        (r["file"], int(r["row"]), r["reason"])
        for r in table
        if not r["file"].startswith("consent_events")
    )


@pytest.mark.slow
def test_simulated_season_quarantine_equals_truth(simulated: Path, tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    summary = ingest(workspace, simulated, now=NOW)
    expected = truth_log_dirt(simulated)
    assert {reason for _, _, reason in expected} == {
        "missing_member_id",
        "unknown_member",
        "ts_out_of_range",
        "unknown_event_type",
        "unknown_company",
        "missing_cookie_id",
    }
    assert quarantined(workspace) == expected
    assert summary.rows_quarantined == len(expected)

    manifest = json.loads((simulated / "manifest.json").read_text(encoding="utf-8"))
    stored = store_summary(workspace)
    assert stored.students_by_season == {2019: 300, 2020: 300}
    raw_events = sum(
        pq.read_metadata(p).num_rows for p in (simulated / "raw/events").rglob("*.parquet")
    )
    dirty_events = sum(1 for f, _, _ in expected if f.startswith("events/"))
    assert sum(stored.events_by_type.values()) == raw_events - dirty_events
    assert stored.entries == stored.events_by_type["entry"] > 0
    assert stored.quarantined_by_reason == dict(summary.quarantined_by_reason)
    assert manifest["students"] == 300

    before = snapshot(workspace)
    again = ingest(workspace, simulated, now=NOW.replace(hour=12))
    assert again.files_ingested == () and again.rows_accepted == 0
    assert snapshot(workspace) == before


@pytest.mark.slow
def test_simulated_season_killed_mid_events(simulated: Path, tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    kill_during_ingest(workspace, simulated, tmp_path / "paused", pause_at=7)
    assert not workspace.duckdb_path.exists()
    assert list(workspace.parquet_dir.rglob("*.parquet")), "files were written before the kill"
    ingest(workspace, simulated, now=NOW)
    assert quarantined(workspace) == truth_log_dirt(simulated)
