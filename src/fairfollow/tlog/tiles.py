"""C2SP ``tlog-tiles``: the log as immutable files any static server or standard client reads.

Under the log's URL prefix (its origin)::

    checkpoint                       the latest signed checkpoint (a signed note)
    tile/<L>/<N>[.p/<W>]             hashes: tile N of level L, 256 of them (W < 256: partial)
    tile/entries/<N>[.p/<W>]         the leaves of level-0 tile N, each behind a uint16 length

Level ``L`` holds the hashes of the perfect subtrees of height ``8 L`` (level 0: the leaf
hashes), the layout of Go's ``golang.org/x/mod/sumdb/tlog`` with tile height 8. ``N`` is
written in groups of three digits, all but the last prefixed ``x`` (1234067 →
``x001/x234/067``). A full tile never changes; a partial tile of width ``W`` does not either,
so both are cached for good. Pure: paths in and out, bytes in and out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from fairfollow.errors import TransparencyLogError

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # 256 hashes or entries
MAX_LEVEL = 63
MAX_ENTRY_BYTES = 0xFFFF  # an entry bundle gives each leaf a 16-bit length
ENTRIES = "entries"
IMMUTABLE = "public, max-age=31536000, immutable"
_GROUP = re.compile(r"x[0-9]{3}")
_LAST = re.compile(r"[0-9]{3}")
_WIDTH = re.compile(r"[1-9][0-9]{0,2}")


@dataclass(frozen=True)
class Tile:
    """Tile ``index`` of ``level`` (None: an entry bundle) holding ``width`` items."""

    level: int | None
    index: int
    width: int = TILE_WIDTH

    @property
    def full(self) -> bool:
        return self.width == TILE_WIDTH

    @property
    def height(self) -> int:
        """The height of the subtrees whose hashes the tile holds (entries: the leaves)."""
        return TILE_HEIGHT * (self.level or 0)

    def path(self) -> str:
        """The tile's path under the log prefix, e.g. ``tile/1/x001/234.p/7``."""
        kind = ENTRIES if self.level is None else str(self.level)
        tail = "" if self.full else f".p/{self.width}"
        return f"tile/{kind}/{encode_index(self.index)}{tail}"


def encode_index(index: int) -> str:
    """``1234067`` → ``x001/x234/067``; ``5`` → ``005``."""
    if index < 0:
        raise TransparencyLogError("tlog.tile_path_invalid", path=str(index))
    digits = str(index)
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def parse_tile(level: str, rest: str) -> Tile:
    """The tile at ``tile/<level>/<rest>``; TransparencyLogError unless the path is canonical."""
    path = f"tile/{level}/{rest}"
    parts = rest.split("/")
    width = TILE_WIDTH
    if len(parts) >= 2 and parts[-2].endswith(".p"):
        if not _WIDTH.fullmatch(parts[-1]) or int(parts[-1]) >= TILE_WIDTH:
            raise TransparencyLogError("tlog.tile_path_invalid", path=path)
        width = int(parts[-1])
        parts = [*parts[:-2], parts[-2][:-2]]
    if not parts or not _LAST.fullmatch(parts[-1]):
        raise TransparencyLogError("tlog.tile_path_invalid", path=path)
    if not all(_GROUP.fullmatch(p) for p in parts[:-1]):
        raise TransparencyLogError("tlog.tile_path_invalid", path=path)
    index = int("".join(p.removeprefix("x") for p in parts))
    if level == ENTRIES:
        tile = Tile(None, index, width)
    elif level.isdigit() and str(int(level)) == level and int(level) <= MAX_LEVEL:
        tile = Tile(int(level), index, width)
    else:
        raise TransparencyLogError("tlog.tile_path_invalid", path=path)
    if tile.path() != path:  # leading zero groups: one tile, one path
        raise TransparencyLogError("tlog.tile_path_invalid", path=path)
    return tile


def available(tile: Tile, size: int) -> bool:
    """Whether a tree of ``size`` leaves has every item of ``tile`` (so it may be served)."""
    count = size >> tile.height  # complete subtrees at the tile's height
    return (tile.index * TILE_WIDTH + tile.width) <= count


def tiles_for_size(size: int) -> Iterator[Tile]:
    """Every tile (hashes and entries) a reader needs for the tree of ``size`` leaves: the
    full ones and, at each level, the partial tile at the right edge."""
    level = 0
    while size >> (TILE_HEIGHT * level):
        count = size >> (TILE_HEIGHT * level)
        full, rest = divmod(count, TILE_WIDTH)
        kinds: tuple[int | None, ...] = (0, None) if level == 0 else (level,)
        for kind in kinds:
            yield from (Tile(kind, n) for n in range(full))
            if rest:
                yield Tile(kind, full, rest)
        level += 1


def partial_tiles(size: int) -> Iterator[Tile]:
    """The partial tiles of the tree of ``size`` leaves (one per level at most)."""
    return (tile for tile in tiles_for_size(size) if not tile.full)


def bundle(entries: Sequence[bytes]) -> bytes:
    """An entry bundle: each entry behind its big-endian 16-bit length."""
    parts = []
    for entry in entries:
        if len(entry) > MAX_ENTRY_BYTES:
            raise TransparencyLogError("tlog.leaf_too_large", size=len(entry))
        parts.append(len(entry).to_bytes(2, "big") + entry)
    return b"".join(parts)


def unbundle(data: bytes) -> list[bytes]:
    """The entries of a bundle; TransparencyLogError when a length runs past the end."""
    entries, pos = [], 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise TransparencyLogError("tlog.entry_bundle_malformed")
        length = int.from_bytes(data[pos : pos + 2], "big")
        if pos + 2 + length > len(data):
            raise TransparencyLogError("tlog.entry_bundle_malformed")
        entries.append(data[pos + 2 : pos + 2 + length])
        pos += 2 + length
    return entries
