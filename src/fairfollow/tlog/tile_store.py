"""Tiles read from the ledger's log tables, and the whole tile tree written out as files.

A hash tile of level ``L`` is a range of the stored subtree hashes at height ``8 L``
(``log_leaves.leaf_hash`` for level 0, ``log_nodes`` above), an entry bundle a range of leaf
contents: one indexed range query each. Only the latest *signed* size is served, so a reader
never sees a tile that no published checkpoint vouches for.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairfollow.errors import TransparencyLogError
from fairfollow.tlog import store as log_store
from fairfollow.tlog import tiles
from fairfollow.tlog.tiles import TILE_WIDTH, Tile


def signed_size(conn: Connection) -> int:
    """The size of the latest checkpoint (0 when none was signed)."""
    latest = log_store.latest_checkpoint(conn)
    return 0 if latest is None else latest.size


def read_tile(conn: Connection, tile: Tile, size: int) -> bytes:
    """The bytes of ``tile`` in the tree of ``size`` leaves; ``tlog.tile_unavailable``
    when that tree does not hold all of it."""
    if not tiles.available(tile, size):
        raise TransparencyLogError("tlog.tile_unavailable", path=tile.path())
    start = tile.index * TILE_WIDTH
    end = start + tile.width
    if tile.level is None:
        leaves = log_store.read_leaves(conn, start, end)
        if len(leaves) != tile.width:  # a deleted row: never serve a short bundle
            raise TransparencyLogError("tlog.leaf_missing", index=start + len(leaves))
        return tiles.bundle([leaf.content for leaf in leaves])
    if tile.level == 0:
        leaves_c = log_store.log_leaves.c
        query = (
            sa.select(leaves_c.leaf_hash)
            .where(leaves_c.leaf_index >= start, leaves_c.leaf_index < end)
            .order_by(leaves_c.leaf_index)
        )
    else:
        nodes = log_store.log_nodes.c
        query = (
            sa.select(nodes.hash)
            .where(nodes.level == tile.height, nodes.node_index >= start, nodes.node_index < end)
            .order_by(nodes.node_index)
        )
    hashes = [bytes(value) for (value,) in conn.execute(query)]
    if len(hashes) != tile.width:
        raise TransparencyLogError("tlog.subtree_hashes_missing", missing=tile.width - len(hashes))
    return b"".join(hashes)


def write_file(path: Path, data: bytes | str) -> None:
    """Write a file atomically (a reader never sees half a tile)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    os.replace(temporary, path)


def export_tiles(conn: Connection, directory: Path) -> tuple[int, int]:
    """Write the log as C2SP tlog-tiles under ``directory``: the latest checkpoint, every
    full tile and, for every signed size, its partial tiles. Returns (size, files written)."""
    checkpoints = log_store.list_checkpoints(conn)
    if not checkpoints:
        raise TransparencyLogError("tlog.log_unsigned")
    latest = checkpoints[-1]
    wanted: dict[str, Tile] = {}
    sizes: Iterable[int] = sorted({c.size for c in checkpoints})
    for size in sizes:
        for tile in tiles.partial_tiles(size):
            wanted[tile.path()] = tile
    for tile in tiles.tiles_for_size(latest.size):
        wanted[tile.path()] = tile
    for path, tile in sorted(wanted.items()):
        write_file(directory / path, read_tile(conn, tile, latest.size))
    write_file(directory / "checkpoint", latest.note)
    return latest.size, len(wanted) + 1
