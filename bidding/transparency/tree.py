"""The stored tree: appending leaf hashes under the sequencer's lock, and reading node hashes back
from the stored tiles for roots and proofs at any size up to the current one.

Only the hashes of tree levels 0, 8, 16, … are stored, as C2SP ``tlog-tiles`` bottom rows
(:class:`~bidding.transparency.models.LogTile`); every other node a proof needs is computed from at
most 256 of them (:class:`crypto.tlog.tiles.TileReader`), and a proof's ephemeral right-edge nodes
are folded from complete ones (RFC 9162 §2.1.3.1, §2.1.4.1) — never a pass over all leaves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.transparency.models import LogState, LogTile
from crypto.tlog.merkle import (
    HASH_SIZE,
    CompactRange,
    ProofPlan,
    consistency_plan,
    inclusion_plan,
    root_plan,
)
from crypto.tlog.tiles import TILE_HEIGHT, TILE_WIDTH, node_from_tile, tile_of_node

__all__ = ["STATE_ID", "LogTooSmall", "Tree", "append", "locked_state", "read_state"]

#: The id of the sequencer's one state row.
STATE_ID: Final = 1


class LogTooSmall(ValueError):
    """A size beyond the tree's current size, or an index beyond a size."""


async def locked_state(db: AsyncSession, now: datetime) -> CompactRange:
    """The tree's right edge, with the state row locked until the transaction ends (an UPDATE first:
    a row lock on PostgreSQL, the database's write lock on SQLite), created on the first call."""
    touched = await db.execute(update(LogState).where(LogState.id == STATE_ID).values(updated_at=now))
    if touched.rowcount == 0:  # type: ignore[attr-defined]
        db.add(LogState(id=STATE_ID, size=0, compact=b"", updated_at=now))
        await db.flush()  # a concurrent first call fails here on the primary key: nothing appended twice
        return CompactRange()
    state = await db.get_one(LogState, STATE_ID, populate_existing=True)
    return _compact(state)


async def read_state(db: AsyncSession) -> CompactRange:
    """The tree's right edge as last committed (no lock)."""
    state = await db.get(LogState, STATE_ID)
    return CompactRange() if state is None else _compact(state)


def _compact(state: LogState) -> CompactRange:
    blob = state.compact
    return CompactRange(state.size, [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)])


async def append(db: AsyncSession, compact: CompactRange, leaf_hashes: Sequence[bytes], now: datetime) -> int:
    """Append leaf hashes to the tree whose right edge ``compact`` was read by :func:`locked_state` in
    this transaction: the tiles grow and the state moves on. Returns the first new leaf's index."""
    first = compact.size
    grown: dict[tuple[int, int], bytearray] = {}
    for leaf in leaf_hashes:
        for node, digest in compact.append(leaf):
            if node.level % TILE_HEIGHT == 0:
                grown.setdefault((node.level // TILE_HEIGHT, node.index // TILE_WIDTH), bytearray()).extend(digest)
    if grown:
        stored = {
            (tile.level, tile.index): tile
            for tile in await db.scalars(select(LogTile).where(tuple_(LogTile.level, LogTile.index).in_(list(grown))))
        }
        for (level, index), added in grown.items():
            tile = stored.get((level, index))
            if tile is None:
                db.add(LogTile(level=level, index=index, hashes=bytes(added)))
            else:
                tile.hashes = tile.hashes + bytes(added)
    await db.execute(
        update(LogState)
        .where(LogState.id == STATE_ID)
        .values(size=compact.size, compact=b"".join(compact.hashes), updated_at=now)
    )
    return first


@dataclass(frozen=True)
class Tree:
    """The stored tree read at ``size`` (at most the committed size): its root and proofs."""

    db: AsyncSession
    size: int

    async def _read(self, plan: ProofPlan) -> list[bytes]:
        spans = {node: tile_of_node(node) for node in plan.ids}
        keys = sorted({span.tile for span in spans.values()})
        rows = (
            {
                (tile.level, tile.index): tile.hashes
                for tile in await self.db.scalars(select(LogTile).where(tuple_(LogTile.level, LogTile.index).in_(keys)))
            }
            if keys
            else {}
        )
        try:
            return plan.assemble([node_from_tile(node, rows.get(spans[node].tile, b"")) for node in plan.ids])
        except ValueError as exc:  # a tile shorter than the tree it should hold
            raise LogTooSmall(f"the stored tiles do not hold the tree of {self.size}: {exc}") from exc

    async def root(self) -> bytes:
        return (await self._read(root_plan(self.size)))[0]

    async def inclusion(self, index: int) -> list[bytes]:
        if not 0 <= index < self.size:
            raise LogTooSmall(f"leaf {index} is not in a tree of {self.size}")
        return await self._read(inclusion_plan(index, self.size))

    async def consistency(self, size1: int) -> list[bytes]:
        if not 0 <= size1 <= self.size:
            raise LogTooSmall(f"a tree of {size1} is not a prefix of a tree of {self.size}")
        return await self._read(consistency_plan(size1, self.size))
