"""Tiles read from the ledger: the stored hashes in order, and never a short tile."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from fairfollow.errors import TransparencyLogError
from fairfollow.ledger.engine import open_ledger
from fairfollow.ledger.transaction import transaction
from fairfollow.tlog import merkle, tile_store, tiles
from fairfollow.tlog import store as log_store
from fairfollow.tlog.keys import generate_signer
from fairfollow.tlog.record import LogRecord
from fairfollow.tlog.tiles import Tile

SIGNER = generate_signer("log.example.jp/tiles")


def test_tiles_hold_the_stored_hashes_and_refuse_what_is_missing(ledger_url: str) -> None:
    engine = open_ledger(ledger_url)
    with transaction(engine) as conn:
        log_store.append_many(conn, [LogRecord("release", f"r-{i}") for i in range(300)])
        assert tile_store.signed_size(conn) == 0
        log_store.issue_checkpoint(conn, SIGNER, datetime(2020, 4, 1, tzinfo=UTC))
    with engine.connect() as conn:
        size = tile_store.signed_size(conn)
        leaves = log_store.read_leaves(conn, 0, 300)
        level0 = tile_store.read_tile(conn, Tile(0, 0), size)
        assert level0 == b"".join(leaf.leaf_hash for leaf in leaves[:256])
        level1 = tile_store.read_tile(conn, Tile(1, 0, 1), size)
        assert level1 == merkle.root([leaf.leaf_hash for leaf in leaves[:256]])
        bundle = tile_store.read_tile(conn, Tile(None, 1, 44), size)
        assert tiles.unbundle(bundle) == [leaf.content for leaf in leaves[256:]]
        with pytest.raises(TransparencyLogError) as unsigned:
            tile_store.read_tile(conn, Tile(0, 1, 45), size)
        assert unsigned.value.code == "tlog.tile_unavailable"
    with transaction(engine) as conn:  # damage: a leaf row deleted
        conn.execute(
            sa.delete(log_store.log_leaves).where(log_store.log_leaves.c.leaf_index == 260)
        )
    with engine.connect() as conn:
        for tile in (Tile(None, 1, 44), Tile(0, 1, 44)):
            with pytest.raises(TransparencyLogError) as short:
                tile_store.read_tile(conn, tile, size)
            assert short.value.code in {"tlog.leaf_missing", "tlog.subtree_hashes_missing"}
    engine.dispose()
