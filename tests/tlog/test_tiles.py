"""Tile paths, tile sets and entry bundles follow C2SP tlog-tiles."""

from __future__ import annotations

import pytest

from fairfollow.errors import TransparencyLogError
from fairfollow.tlog.tiles import (
    Tile,
    available,
    bundle,
    encode_index,
    parse_tile,
    partial_tiles,
    tiles_for_size,
    unbundle,
)


def test_indices_are_written_in_groups_of_three_digits() -> None:
    assert encode_index(0) == "000"
    assert encode_index(5) == "005"
    assert encode_index(1234067) == "x001/x234/067"
    assert Tile(1, 1234067, 7).path() == "tile/1/x001/x234/067.p/7"
    assert Tile(None, 3).path() == "tile/entries/003"


@pytest.mark.parametrize(
    "path",
    ["tile/0/000", "tile/2/x001/x234/067.p/7", "tile/entries/x001/000", "tile/entries/004.p/255"],
)
def test_a_canonical_path_reads_back_to_itself(path: str) -> None:
    level, rest = path.removeprefix("tile/").split("/", 1)
    assert parse_tile(level, rest).path() == path


@pytest.mark.parametrize(
    ("level", "rest"),
    [
        ("0", "5"),  # not three digits
        ("0", "x000/005"),  # a leading zero group: two paths for one tile
        ("0", "005.p/256"),  # a partial tile is narrower than 256
        ("0", "005.p/0"),
        ("0", "005.p/07"),
        ("01", "005"),
        ("64", "000"),
        ("data", "000"),
        ("0", "../000"),
    ],
)
def test_a_malformed_path_is_refused(level: str, rest: str) -> None:
    with pytest.raises(TransparencyLogError) as refused:
        parse_tile(level, rest)
    assert refused.value.code == "tlog.tile_path_invalid"


def test_a_tree_needs_its_full_tiles_and_one_partial_tile_per_level() -> None:
    paths = {tile.path() for tile in tiles_for_size(70_000)}
    # level 0: 273 full tiles and 112 leaves; level 1: 273 hashes (one full tile and 17);
    # level 2: one hash (the 65,536 leaves of the first level-2 node).
    assert "tile/0/272" in paths and "tile/0/273.p/112" in paths
    assert "tile/entries/273.p/112" in paths
    assert {"tile/1/000", "tile/1/001.p/17", "tile/2/000.p/1"} <= paths
    assert len(paths) == 274 * 2 + 2 + 1
    # The top level is always partial: 256 leaves need the level-1 tile of one hash.
    assert {t.path() for t in partial_tiles(256)} == {"tile/1/000.p/1"}
    assert {t.path() for t in partial_tiles(512)} == {"tile/1/000.p/2"}
    assert {t.path() for t in partial_tiles(513)} == {
        "tile/0/002.p/1",
        "tile/entries/002.p/1",
        "tile/1/000.p/2",
    }


def test_a_tile_is_available_only_when_the_tree_holds_all_of_it() -> None:
    assert available(Tile(0, 0, 5), 5) and not available(Tile(0, 0, 6), 5)
    assert not available(Tile(0, 0), 255) and available(Tile(0, 0), 256)
    assert available(Tile(1, 0, 1), 256) and not available(Tile(1, 0, 2), 511)


def test_an_entry_bundle_round_trips_and_refuses_a_leaf_over_64_kib() -> None:
    entries = [b"", b"a", b"x" * 0xFFFF]
    assert unbundle(bundle(entries)) == entries
    with pytest.raises(TransparencyLogError) as refused:
        bundle([b"x" * 0x10000])
    assert refused.value.code == "tlog.leaf_too_large"
    with pytest.raises(TransparencyLogError):
        unbundle(b"\x00\x05abc")
