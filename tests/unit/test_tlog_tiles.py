"""crypto.tlog.tiles: C2SP tlog-tiles paths, tile widths, node hashes from tiles, entry bundles, and
proofs read through :class:`TileReader` from tiles built only from the compact range's output."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from crypto.tlog.merkle import (
    CompactRange,
    NodeID,
    consistency_plan,
    inclusion_plan,
    leaf_hash,
    root_of,
    root_plan,
    verify_consistency,
    verify_inclusion,
)
from crypto.tlog.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    TileID,
    TileReader,
    decode_entries,
    encode_entries,
    entries_path,
    node_from_tile,
    parse_tile_path,
    tile_of_node,
    tile_path,
    tile_width,
    tiles_for_size,
)
from tests.fixtures.merkle_reference import Reference

# --- paths ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tile", "path"),
    [
        (TileID(0, 1234067), "tile/0/x001/x234/067"),  # the spec's example
        (TileID(0, 1234067, 8), "tile/0/x001/x234/067.p/8"),
        (TileID(0, 0), "tile/0/000"),
        (TileID(1, 5, 17), "tile/1/005.p/17"),
        (TileID(2, 999, 255), "tile/2/999.p/255"),
        (TileID(3, 1000), "tile/3/x001/000"),
        (TileID(63, 1000000), "tile/63/x001/x000/000"),
        (TileID(0, 2**64 - 1, 1), "tile/0/x018/x446/x744/x073/x709/x551/615.p/1"),
    ],
)
def test_tile_paths(tile: TileID, path: str) -> None:
    assert tile_path(tile) == path
    assert parse_tile_path(path) == tile


@pytest.mark.parametrize(
    ("index", "width", "path"),
    [
        (0, 256, "tile/entries/000"),
        (1234067, 256, "tile/entries/x001/x234/067"),
        (1234067, 3, "tile/entries/x001/x234/067.p/3"),
        (42, 1, "tile/entries/042.p/1"),
    ],
)
def test_entries_paths(index: int, width: int, path: str) -> None:
    assert entries_path(index, width) == path
    assert parse_tile_path(path) == ("entries", index, width)


def test_path_round_trip() -> None:
    for level in (0, 1, 7, 63):
        for index in (0, 1, 9, 10, 99, 100, 999, 1000, 1001, 999999, 1000000, 123456789, 2**64 - 1):
            for width in (1, 2, 100, 255, 256):
                tile = TileID(level, index, width)
                assert parse_tile_path(tile_path(tile)) == tile
                assert parse_tile_path(entries_path(index, width)) == ("entries", index, width)


@pytest.mark.parametrize(
    "path",
    [
        "tile/00/000",  # level with a leading zero
        "tile/01/000",
        "tile/64/000",  # level above 63
        "tile/-1/000",
        "tile/0/5",  # index not three digits
        "tile/0/0005",
        "tile/0/x000/005",  # a leading zero group
        "tile/0/x001/x000/x234/067x",
        "tile/0/001/234",  # the group before the last without its x
        "tile/0/x001/x234",  # the last group with an x
        "tile/0/x1/005",
        "tile/0/005.p/0",  # width 0
        "tile/0/005.p/256",  # a full tile has no .p
        "tile/0/005.p/08",  # width with a leading zero
        "tile/0/005.p/",
        "tile/0/005.p",
        "tile/0/005/",
        "/tile/0/005",
        "tile/0/005 ",
        "tile/0/٠٠٥",  # Arabic-Indic digits are digits to str.isdigit, not to the spec
        "tile/0/x018/x446/x744/x073/x709/x551/616",  # 2**64
        "tile/entries/x000/001",
        "tile/entries/001.p/256",
        "tile/entries/1",
        "tile/entries",
        "tile/0",
        "checkpoint",
        "",
    ],
)
def test_non_canonical_paths_refused(path: str) -> None:
    with pytest.raises(ValueError):
        parse_tile_path(path)


def test_tile_ids_refuse_out_of_range() -> None:
    for level, index, width in ((64, 0, 1), (-1, 0, 1), (0, -1, 1), (0, 2**64, 1), (0, 0, 0), (0, 0, 257)):
        with pytest.raises(ValueError):
            TileID(level, index, width)
    with pytest.raises(ValueError):
        entries_path(0, 0)


# --- which tiles a tree publishes ----------------------------------------------------------------


def test_tiles_for_size_matches_the_spec_examples() -> None:
    tiles = tiles_for_size(70_000)  # "273 full level 0 tiles, one partial level 0 tile of width 112, ..."
    assert tiles[:273] == [TileID(0, n) for n in range(273)]
    assert tiles[273:] == [TileID(0, 273, 112), TileID(1, 0), TileID(1, 1, 17), TileID(2, 0, 1)]
    assert tiles_for_size(256) == [TileID(0, 0), TileID(1, 0, 1)]  # "a full level 0 tile and ... width 1"
    assert tiles_for_size(0) == []
    assert tiles_for_size(1) == [TileID(0, 0, 1)]
    assert tiles_for_size(255) == [TileID(0, 0, 255)]
    assert tiles_for_size(65536) == [*(TileID(0, n) for n in range(256)), TileID(1, 0), TileID(2, 0, 1)]
    assert tiles_for_size(16_777_216)[-3:] == [TileID(1, 255), TileID(2, 0), TileID(3, 0, 1)]
    with pytest.raises(ValueError):
        tiles_for_size(-1)


def test_tiles_for_size_agrees_with_tile_width() -> None:
    for size in (*range(0, 600), 65535, 65536, 65537, 70_000):
        tiles = tiles_for_size(size)
        for tile in tiles:
            assert tile_width(size, tile.level, tile.index) == tile.width
            # the partial at level l has floor(s / 256**l) mod 256 hashes (tlog-tiles, Partial Tiles)
            if not tile.full:
                assert tile.width == (size // 256**tile.level) % 256
        published = {(t.level, t.index) for t in tiles}
        for level in range(4):
            for index in range(3):
                assert ((level, index) in published) == (tile_width(size, level, index) > 0)


# --- node hashes from tiles ----------------------------------------------------------------------


def test_tile_of_node_examples() -> None:
    span = tile_of_node(NodeID(0, 300))
    assert (span.level, span.index, span.first, span.count) == (0, 1, 44, 1)
    span = tile_of_node(NodeID(3, 37))  # leaves 296..303: tile 0/1, hashes 40..47
    assert (span.tile, span.first, span.count) == ((0, 1), 40, 8)
    span = tile_of_node(NodeID(7, 3))  # the last level inside a level-0 tile: half of tile 0/1
    assert (span.tile, span.first, span.count) == ((0, 1), 128, 128)
    span = tile_of_node(NodeID(8, 5))  # a level-8 node is a hash of a level-1 tile
    assert (span.tile, span.first, span.count) == ((1, 0), 5, 1)
    span = tile_of_node(NodeID(11, 70))
    assert (span.tile, span.first, span.count) == ((1, 2), 48, 8)
    span = tile_of_node(NodeID(16, 2))
    assert (span.tile, span.first, span.count) == ((2, 0), 2, 1)


class Tiles:
    """A store of tile bottom rows grown from the compact range's emitted nodes (levels 0, 8, 16, …)."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.rows: dict[tuple[int, int], bytearray] = {}
        self.calls: list[list[TileID]] = []
        compact = CompactRange()
        for h in leaves:
            for node, node_hash in compact.append(h):
                if node.level % TILE_HEIGHT == 0:
                    span = tile_of_node(node)
                    row = self.rows.setdefault(span.tile, bytearray())
                    assert len(row) == span.first * 32  # nodes arrive in order, each once
                    row += node_hash

    def read_tiles(self, tiles: Sequence[TileID]) -> list[bytes]:
        self.calls.append(list(tiles))
        return [bytes(self.rows[(t.level, t.index)][: t.width * 32]) for t in tiles]

    def reader(self, size: int) -> TileReader:
        return TileReader(size, self.read_tiles)


SIZE = 70_000
LEAVES = [leaf_hash(f"leaf {i}".encode()) for i in range(SIZE)]


@pytest.fixture(scope="module")
def tiles() -> Tiles:
    return Tiles(LEAVES)


@pytest.fixture(scope="module")
def ref() -> Reference:
    return Reference(LEAVES)


def test_stored_rows_are_the_published_tiles(tiles: Tiles, ref: Reference) -> None:
    assert {(t.level, t.index): t.width for t in tiles_for_size(SIZE)} == {
        k: len(v) // 32 for k, v in tiles.rows.items()
    }
    for (level, index), row in tiles.rows.items():  # MTH(D[(256n + i)·256^l : (256n + i + 1)·256^l])
        for i in {0, 1, len(row) // 32 - 1} & set(range(len(row) // 32)):
            begin = (index * TILE_WIDTH + i) * 256**level
            assert row[i * 32 : i * 32 + 32] == ref.mth(begin, begin + 256**level)


def test_node_from_tile_for_every_complete_node_of_a_small_tree(tiles: Tiles, ref: Reference) -> None:
    size = 1100
    for level in range(11):
        for index in range(size >> level):
            node = NodeID(level, index)
            span = tile_of_node(node)
            row = bytes(tiles.rows[span.tile][: tile_width(size, *span.tile) * 32])
            assert node_from_tile(node, row) == ref.node(node), node


def test_node_from_tile_refuses_a_short_row(tiles: Tiles) -> None:
    row = bytes(tiles.rows[(0, 0)])
    with pytest.raises(ValueError):
        node_from_tile(NodeID(3, 31), row[: 255 * 32])  # needs hashes 248..255
    with pytest.raises(ValueError):
        node_from_tile(NodeID(0, 0), row[:31])


# --- proofs through TileReader -------------------------------------------------------------------


def test_reader_proofs_for_every_pair_to_64_equal_the_reference(tiles: Tiles, ref: Reference) -> None:
    for n in range(1, 65):
        reader = tiles.reader(n)
        root = ref.mth(0, n)
        plan = root_plan(n)
        assert plan.assemble(reader.read(plan.ids)) == [root]
        for m in range(n):
            plan = inclusion_plan(m, n)
            proof = plan.assemble(reader.read(plan.ids))
            assert proof == ref.path(m, 0, n), (m, n)
            verify_inclusion(LEAVES[m], m, n, proof, root)
        for m in range(1, n + 1):
            plan = consistency_plan(m, n)
            proof = plan.assemble(reader.read(plan.ids))
            assert proof == ref.proof(m, n), (m, n)
            verify_consistency(m, n, proof, ref.mth(0, m), root)


@pytest.mark.parametrize("n", [255, 256, 257, 511, 512, 4097, 65535, 65536, 65537, 70_000])
def test_reader_proofs_across_tile_boundaries(tiles: Tiles, ref: Reference, n: int) -> None:
    reader = tiles.reader(n)
    published = set(tiles_for_size(n))
    root = ref.mth(0, n)
    plan = root_plan(n)
    assert plan.assemble(reader.read(plan.ids)) == [root] == [root_of(LEAVES[:n])]
    for m in sorted({0, 1, 255, 256, n // 2, n - 257, n - 256, n - 2, n - 1} & set(range(n))):
        tiles.calls.clear()
        plan = inclusion_plan(m, n)
        proof = plan.assemble(reader.read(plan.ids))
        assert proof == ref.path(m, 0, n), (m, n)
        verify_inclusion(LEAVES[m], m, n, proof, root)
        assert len(tiles.calls) == 1  # one fetch for all the tiles a proof needs
        assert set(tiles.calls[0]) <= published  # each with the width the tree of size n has there
    for m in sorted({1, 2, 255, 256, 257, n // 3, n - 1} & set(range(1, n))):
        plan = consistency_plan(m, n)
        proof = plan.assemble(reader.read(plan.ids))
        assert proof == ref.proof(m, n), (m, n)
        verify_consistency(m, n, proof, ref.mth(0, m), root)


def test_reader_refuses_nodes_outside_the_tree_and_bad_tiles(tiles: Tiles) -> None:
    reader = tiles.reader(300)
    tiles.calls.clear()
    assert reader.read([]) == []
    assert tiles.calls == []
    with pytest.raises(ValueError):
        reader.read([NodeID(0, 300)])  # not yet in the tree
    with pytest.raises(ValueError):
        reader.read([NodeID(3, 37)])  # leaves 296..303: incomplete at size 300
    short = TileReader(300, lambda ts: [b"\x00" * 32 for _ in ts])
    with pytest.raises(ValueError):
        short.read([NodeID(2, 70)])
    missing = TileReader(300, lambda ts: [])
    with pytest.raises(ValueError):
        missing.read([NodeID(0, 1)])
    with pytest.raises(ValueError):
        TileReader(-1, tiles.read_tiles)


def test_reader_accepts_a_grown_tile(tiles: Tiles, ref: Reference) -> None:
    """A tile fetched later has more hashes; its first width·32 bytes are the ones asked for."""
    reader = TileReader(300, lambda ts: [bytes(tiles.rows[(t.level, t.index)]) for t in ts])
    plan = inclusion_plan(7, 300)
    assert plan.assemble(reader.read(plan.ids)) == ref.path(7, 0, 300)


# --- entry bundles -------------------------------------------------------------------------------


def test_entry_bundle_round_trip() -> None:
    entries = [b"", b"a", b"\x00\x01" * 100, bytes(range(256)) * 3, b"x" * 0xFFFF]
    data = encode_entries(entries)
    assert data[:2] == b"\x00\x00"
    assert data[2:5] == b"\x00\x01a"
    assert len(data) == sum(2 + len(e) for e in entries)
    assert decode_entries(data) == entries
    assert decode_entries(b"") == []
    assert encode_entries([]) == b""


def test_entry_too_long_refused() -> None:
    with pytest.raises(ValueError):
        encode_entries([b"ok", b"x" * 0x10000])


def test_truncated_bundle_refused() -> None:
    entries = [b"first", b"", b"third entry", b"\xff" * 300]
    data = encode_entries(entries)
    boundaries = {0}
    for e in entries:
        boundaries.add(max(boundaries) + 2 + len(e))
    for cut in range(len(data)):
        if cut in boundaries:  # a cut between entries is a shorter bundle
            assert decode_entries(data[:cut]) == entries[: sorted(boundaries).index(cut)]
        else:
            with pytest.raises(ValueError):
                decode_entries(data[:cut])
