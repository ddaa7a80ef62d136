"""A store hashed in the former framing (``column:value`` under ``suppression.key``) still
matches after its hashes move to :func:`fairfollow.keys.keyed_hash` under the pseudonym key."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from fairfollow.errors import StoreError
from fairfollow.events.catalog import _CATALOG_DDL, QUARANTINE_FIELD_DDL
from fairfollow.events.hash_migration import legacy_hash, migrate_store_hashes
from fairfollow.events.pseudonym import keyed_cell, store_key
from fairfollow.events.suppression import (
    SUPPRESSED_DDL,
    read_suppression,
    restricted_members,
)
from fairfollow.keyfile import load_or_create_secret
from fairfollow.keys import KeyFile, keyed_hash
from fairfollow.workspace import Workspace


def _old_workspace(tmp_path: Path, extra_hash: str | None = None) -> tuple[Workspace, Path]:
    """A workspace as the former version left it: old key, old-framed rows, built by hand."""
    workspace = Workspace(tmp_path / "ws")
    workspace.keys_dir.mkdir(parents=True)
    workspace.analytics_dir.mkdir(parents=True)
    old = load_or_create_secret(KeyFile.LEGACY_STORE.at(workspace.keys_dir))
    season = tmp_path / "season"
    (season / "raw").mkdir(parents=True)
    (season / "raw" / "cookie_links.csv").write_text("cookie_id,member_id\nck-gone,7\nck-x,8\n")
    (season / "raw" / "members.csv").write_text("member_id,email\n7,seven@example.jp\n8,e@x.jp\n")
    con = duckdb.connect(str(workspace.duckdb_path))
    for ddl in (*_CATALOG_DDL, QUARANTINE_FIELD_DDL, SUPPRESSED_DDL):
        con.execute(ddl)
    rows = [
        (legacy_hash(old, "member_id", 7), "member"),
        (legacy_hash(old, "cookie_id", "ck-gone"), "cookie"),
        (legacy_hash(old, "restricted_member_id", 8), "restricted"),
    ]
    if extra_hash is not None:
        rows.append((extra_hash, "member"))
    con.executemany(
        "INSERT INTO suppressed VALUES (?, ?, TIMESTAMPTZ '2026-01-01 00:00:00+00', 'b1')", rows
    )
    raw = {
        "member_id": "hmac:" + legacy_hash(old, "member_id", "7"),
        "email": "hmac:" + legacy_hash(old, "email", "seven@example.jp"),
        "reason_text": "kept in clear",
    }
    con.execute(
        "INSERT INTO quarantine VALUES ('members', 'members.csv', 3, 'bad_value:email', ?, 'b1',"
        " 'email')",
        [json.dumps(raw)],
    )
    con.close()
    return workspace, season


def test_an_old_framed_store_still_matches_after_the_migration(tmp_path: Path) -> None:
    workspace, season = _old_workspace(tmp_path)

    done = migrate_store_hashes(workspace, [season])

    assert (done.suppressed, done.quarantine_cells) == (3, 2)
    assert not KeyFile.LEGACY_STORE.at(workspace.keys_dir).exists()
    key = store_key(workspace)
    assert key == load_or_create_secret(KeyFile.PSEUDONYM.at(workspace.keys_dir))
    suppression = read_suppression(workspace)
    assert suppression.hits("member_id", ["7", "8", " 7 "]) == ["7", " 7 "]
    assert suppression.hits("cookie_id", ["ck-gone", "ck-x"]) == ["ck-gone"]
    assert restricted_members(workspace, [7, 8]) == {8}
    assert keyed_hash(key, "member_id", "7") in suppression.hashes
    con = duckdb.connect(str(workspace.duckdb_path), read_only=True)
    ((raw,),) = con.execute("SELECT raw_values FROM quarantine").fetchall()
    con.close()
    cells = json.loads(raw)
    # An erasure finds the quarantined row by the new hash of the id, as it would a new row.
    assert cells["member_id"] == keyed_cell(key, "member_id", 7)
    assert cells["email"] == keyed_cell(key, "email", "seven@example.jp")
    assert cells["reason_text"] == "kept in clear"
    # Once done, nothing is left to migrate.
    assert migrate_store_hashes(workspace, [season]).suppressed == 0


def test_the_migration_runs_when_the_key_is_first_asked_for(tmp_path: Path) -> None:
    workspace, season = _old_workspace(tmp_path)
    # No season recorded: the candidates are what the store itself still holds.
    con = duckdb.connect(str(workspace.duckdb_path))
    for table in ("cookie_links", "members"):
        source = season / "raw" / f"{table}.csv"
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv('{source}', all_varchar=1)")
    con.close()

    assert read_suppression(workspace).hits("member_id", ["7", "8"]) == ["7"]
    assert not KeyFile.LEGACY_STORE.at(workspace.keys_dir).exists()


def test_a_hash_no_identifier_explains_leaves_the_store_unchanged(tmp_path: Path) -> None:
    workspace, season = _old_workspace(tmp_path, extra_hash="0" * 64)
    before = duckdb.connect(str(workspace.duckdb_path), read_only=True)
    hashes = sorted(r[0] for r in before.execute("SELECT value_hash FROM suppressed").fetchall())
    before.close()

    with pytest.raises(StoreError) as refused:
        migrate_store_hashes(workspace, [season])
    assert refused.value.code == "events.hash_migration_unmatched"
    assert refused.value.params["count"] == 1

    assert KeyFile.LEGACY_STORE.at(workspace.keys_dir).exists()
    after = duckdb.connect(str(workspace.duckdb_path), read_only=True)
    assert (
        sorted(r[0] for r in after.execute("SELECT value_hash FROM suppressed").fetchall())
        == hashes
    )
    after.close()


def test_the_one_keyed_hash_is_domain_separated() -> None:
    key = b"k" * 32
    assert keyed_hash(key, "member_id", 7) != keyed_hash(key, "cookie_id", 7)
    with pytest.raises(ValueError):
        keyed_hash(key, "a\x1fb", "c")
    with pytest.raises(ValueError):
        keyed_hash(key, "", "c")
