"""C2SP ``tlog-tiles``: the Merkle tree published as immutable tiles of hashes, and entry bundles.

A tile at level ``L`` holds the hashes of the tree's nodes at tree level ``8·L``; tile ``(L, N)``
covers the level-``8·L`` nodes ``[256·N, 256·N + 256)`` (``MTH(D[(256N + i)·256^L : (256N + i + 1)·256^L])``
for ``i`` in ``0..255``). Full tiles are 256 hashes (8,192 bytes); the rightmost tile of each level
is *partial*, ``floor(size / 256^L) mod 256`` hashes, served at ``.p/<W>``. Every other node a proof
needs (tree level ``8·L + k``, ``0 < k < 8``) is the perfect tree over ``2^k`` consecutive hashes of
one tile. Paths, widths and the entry bundle encoding follow c2sp.org/tlog-tiles; the path layout
matches transparency-dev/tessera ``api/layout/paths.go``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from crypto.tlog.merkle import HASH_SIZE, NodeID, node_hash

__all__ = [
    "ENTRY_MAX",
    "MAX_TILE_LEVEL",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "NodeSpan",
    "TileID",
    "TileReader",
    "decode_entries",
    "encode_entries",
    "entries_path",
    "node_from_tile",
    "parse_tile_path",
    "tile_of_node",
    "tile_path",
    "tile_width",
    "tiles_for_size",
]

TILE_HEIGHT: Final = 8
TILE_WIDTH: Final = 256
#: ``<L>`` is "a decimal ASCII integer between 0 and 63" (tlog-tiles, Merkle Tree).
MAX_TILE_LEVEL: Final = 63
#: An entry in a bundle has a big-endian uint16 length (tlog-tiles, Log entries).
ENTRY_MAX: Final = 0xFFFF

_N: Final = r"((?:x[0-9]{3}/)*[0-9]{3})"
_W: Final = r"(?:\.p/([1-9][0-9]{0,2}))?"
_TILE_PATH: Final = re.compile(rf"tile/(0|[1-9][0-9]?)/{_N}{_W}")
_ENTRIES_PATH: Final = re.compile(rf"tile/entries/{_N}{_W}")
_MAX_INDEX: Final = 1 << 64  # tree sizes are uint64 (tlog-checkpoint)


@dataclass(frozen=True, order=True, slots=True)
class TileID:
    """A tile: its level ``L``, index ``N`` within the level, and width ``W`` (256 = full)."""

    level: int
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if not 0 <= self.level <= MAX_TILE_LEVEL:
            raise ValueError(f"a tile level is 0 to {MAX_TILE_LEVEL}, got {self.level}")
        if not 0 <= self.index < _MAX_INDEX:
            raise ValueError(f"a tile index is a non-negative uint64, got {self.index}")
        if not 1 <= self.width <= TILE_WIDTH:
            raise ValueError(f"a tile width is 1 to {TILE_WIDTH}, got {self.width}")

    @property
    def full(self) -> bool:
        """Whether the tile has all 256 hashes (only then is it hashed into the level above)."""
        return self.width == TILE_WIDTH


def _format_n(index: int) -> str:
    """``<N>``: zero-padded 3-digit path elements, all but the last prefixed ``x`` (1234067 → ``x001/x234/067``)."""
    n = f"{index % 1000:03d}"
    index //= 1000
    while index:
        n = f"x{index % 1000:03d}/{n}"
        index //= 1000
    return n


def _suffix(width: int) -> str:
    return "" if width == TILE_WIDTH else f".p/{width}"


def tile_path(tile: TileID) -> str:
    """``tile/<L>/<N>[.p/<W>]`` (tlog-tiles, Merkle Tree), relative to the log's prefix."""
    return f"tile/{tile.level}/{_format_n(tile.index)}{_suffix(tile.width)}"


def entries_path(index: int, width: int = TILE_WIDTH) -> str:
    """``tile/entries/<N>[.p/<W>]`` (tlog-tiles, Log entries), relative to the log's prefix."""
    TileID(0, index, width)  # the same ranges as a level-0 tile
    return f"tile/entries/{_format_n(index)}{_suffix(width)}"


def _parse_n(text: str) -> int:
    index = 0
    for group in text.split("/"):
        index = index * 1000 + int(group.removeprefix("x"))
    return index


def parse_tile_path(path: str) -> TileID | tuple[Literal["entries"], int, int]:
    """A tile path back to its :class:`TileID`, or ``("entries", N, W)`` for an entry bundle.

    Only the canonical form is accepted (the one :func:`tile_path` / :func:`entries_path` write):
    no leading zeros in ``<L>`` or ``<W>``, no leading ``x000`` group in ``<N>``, ``<L>`` up to 63,
    ``<W>`` 1 to 255 (a full tile has no ``.p``). Anything else raises :class:`ValueError`.
    """
    if match := _ENTRIES_PATH.fullmatch(path):
        index, width = _parse_n(match[1]), int(match[2] or TILE_WIDTH)
        if entries_path(index, width) != path:  # also refuses ".p/256", x000 groups, leading zeros
            raise ValueError(f"not a canonical entry bundle path: {path!r}")
        return ("entries", index, width)
    if match := _TILE_PATH.fullmatch(path):
        tile = TileID(int(match[1]), _parse_n(match[2]), int(match[3] or TILE_WIDTH))  # ValueError if out of range
        if tile_path(tile) != path:
            raise ValueError(f"not a canonical tile path: {path!r}")
        return tile
    raise ValueError(f"not a tile path: {path!r}")


def tile_width(size: int, level: int, index: int) -> int:
    """How many hashes tile ``(level, index)`` has in the tree of ``size`` leaves (0: not published)."""
    if size < 0:
        raise ValueError(f"a tree size is non-negative, got {size}")
    hashes = size >> (TILE_HEIGHT * level)  # complete nodes at tree level 8·level
    return max(0, min(TILE_WIDTH, hashes - index * TILE_WIDTH))


def tiles_for_size(size: int) -> list[TileID]:
    """Every tile the tree of ``size`` leaves publishes: per level, the full tiles then the partial one.

    "The partial tile at level l for a tree of size s has floor(s / 256**l) mod 256 entries. Empty
    tiles MUST NOT be served." (tlog-tiles, Partial Tiles.) Size 70,000: 273 full level-0 tiles and
    one of width 112, one full level-1 tile and one of width 17, one level-2 tile of width 1.
    """
    if size < 0:
        raise ValueError(f"a tree size is non-negative, got {size}")
    tiles: list[TileID] = []
    level = 0
    while hashes := size >> (TILE_HEIGHT * level):
        full, partial = divmod(hashes, TILE_WIDTH)
        tiles.extend(TileID(level, n) for n in range(full))
        if partial:
            tiles.append(TileID(level, full, partial))
        level += 1
    return tiles


@dataclass(frozen=True, slots=True)
class NodeSpan:
    """Where a node's hash is computed from: hashes ``[first, first + count)`` of tile ``(level, index)``."""

    level: int
    index: int
    first: int
    count: int

    @property
    def tile(self) -> tuple[int, int]:
        """The tile's ``(level, index)``."""
        return self.level, self.index


def tile_of_node(node: NodeID) -> NodeSpan:
    """The tile hashes node ``(8·L + k, i)`` is the perfect tree over: ``2^k`` of tile ``(L, (i·2^k) // 256)``."""
    level, k = divmod(node.level, TILE_HEIGHT)
    start = node.index << k
    return NodeSpan(level, start // TILE_WIDTH, start % TILE_WIDTH, 1 << k)


def node_from_tile(node: NodeID, tile_hashes: bytes) -> bytes:
    """A node's hash from its tile's bottom row (``width·32`` bytes): the levels within the tile.

    Raises :class:`ValueError` if the row is not whole hashes or does not reach the node's hashes.
    """
    span = tile_of_node(node)
    if len(tile_hashes) % HASH_SIZE:
        raise ValueError(f"a tile is whole {HASH_SIZE}-byte hashes, got {len(tile_hashes)} bytes")
    end = (span.first + span.count) * HASH_SIZE
    if len(tile_hashes) < end:
        raise ValueError(
            f"{node} needs {span.first + span.count} hashes of its tile, which has {len(tile_hashes) // HASH_SIZE}"
        )
    row = [tile_hashes[i : i + HASH_SIZE] for i in range(span.first * HASH_SIZE, end, HASH_SIZE)]
    while len(row) > 1:
        row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row), 2)]
    return bytes(row[0])


def encode_entries(entries: Sequence[bytes]) -> bytes:
    """An entry bundle: each entry as a big-endian uint16 length and its bytes (tlog-tiles, Log entries).

    Raises :class:`ValueError` if an entry is longer than 65,535 bytes.
    """
    out = bytearray()
    for i, entry in enumerate(entries):
        if len(entry) > ENTRY_MAX:
            raise ValueError(f"entry {i} is {len(entry)} bytes; a bundle holds at most {ENTRY_MAX}")
        out += len(entry).to_bytes(2, "big")
        out += entry
    return bytes(out)


def decode_entries(data: bytes) -> list[bytes]:
    """The entries of a bundle (tlog-tiles, Log entries). Raises :class:`ValueError` on truncated data."""
    entries: list[bytes] = []
    pos = 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise ValueError(f"entry bundle truncated in entry {len(entries)}'s length")
        length = int.from_bytes(data[pos : pos + 2], "big")
        pos += 2
        if pos + length > len(data):
            raise ValueError(f"entry bundle truncated in entry {len(entries)} ({length} bytes announced)")
        entries.append(bytes(data[pos : pos + length]))
        pos += length
    return entries


class TileReader:
    """Node hashes for roots and proofs, from tiles fetched by a caller-supplied function.

    ``read_tiles`` gets the tiles to fetch — each with the width the tree of ``size`` has there,
    which is the first ``width·32`` bytes of any later version of that tile — and returns their
    bytes in the same order. Feed :meth:`read` the ids of a :class:`~crypto.tlog.merkle.ProofPlan`.
    """

    __slots__ = ("_read_tiles", "_size")

    def __init__(self, size: int, read_tiles: Callable[[Sequence[TileID]], Sequence[bytes]]) -> None:
        if size < 0:
            raise ValueError(f"a tree size is non-negative, got {size}")
        self._size = size
        self._read_tiles = read_tiles

    @property
    def size(self) -> int:
        return self._size

    def read(self, ids: Sequence[NodeID]) -> list[bytes]:
        """The hashes of complete nodes of the tree of :attr:`size`, with one ``read_tiles`` call.

        Raises :class:`ValueError` for a node that is not complete in the tree, or a tile that comes
        back short or not whole hashes.
        """
        spans: list[NodeSpan] = []
        wanted: dict[tuple[int, int], TileID] = {}
        for node in ids:
            if node.coverage()[1] > self._size:
                raise ValueError(f"{node} is not a complete subtree of the tree of size {self._size}")
            span = tile_of_node(node)
            spans.append(span)
            if span.tile not in wanted:
                wanted[span.tile] = TileID(span.level, span.index, tile_width(self._size, *span.tile))
        if not wanted:
            return []
        tiles = list(wanted.values())
        fetched = self._read_tiles(tiles)
        if len(fetched) != len(tiles):
            raise ValueError(f"asked for {len(tiles)} tiles, got {len(fetched)}")
        rows: dict[tuple[int, int], bytes] = {}
        for tile, data in zip(tiles, fetched, strict=True):
            if len(data) % HASH_SIZE or len(data) < tile.width * HASH_SIZE:
                raise ValueError(f"{tile_path(tile)} is {len(data)} bytes, not {tile.width} hashes")
            rows[(tile.level, tile.index)] = data[: tile.width * HASH_SIZE]
        return [node_from_tile(node, rows[span.tile]) for node, span in zip(ids, spans, strict=True)]
