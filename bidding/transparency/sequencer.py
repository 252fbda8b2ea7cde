"""The sequencer: every audit event and opening-room event gets the next leaf index, exactly once.

One transaction per batch holds the tree's state row (:func:`~bidding.transparency.tree.locked_state`),
so with several app processes and workers only one batch appends at a time; the leaf's primary key
(its index) and its unique (source, row id) make a second assignment impossible even so.

Rows are found by what is not yet in the log, not by a cursor: a transaction that took its row id
early and committed late is still picked up. Each run looks at the ids above the highest one logged
less :data:`WINDOW`; :func:`sequence` with ``window=None`` (the hourly sweep, ``bidding log
sequence --all``) looks at every row, and ``bidding log audit`` reports any row left out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bidding.transparency.leaves import SOURCES, hash_row
from bidding.transparency.models import LogLeaf
from bidding.transparency.tree import append, locked_state

__all__ = ["BATCH", "WINDOW", "sequence", "sequence_all"]

#: Leaves appended per transaction at most.
BATCH: Final = 5_000
#: How far below the highest logged id of a source a run looks for rows committed late.
WINDOW: Final = 10_000

#: The column holding each source's time (the order of leaves within a batch).
_TIME: Final = {"audit": "occurred_at", "sealed": "occurred_at", "room": "at"}
_RANK: Final = {source: rank for rank, source in enumerate(SOURCES)}


async def _unlogged(db: AsyncSession, source: str, window: int | None, limit: int) -> list[dict[str, Any]]:
    table = SOURCES[source]
    query = select(table).where(~exists().where(LogLeaf.source == source, LogLeaf.source_id == table.c.id))
    if window is not None:
        highest = await db.scalar(select(func.max(LogLeaf.source_id)).where(LogLeaf.source == source))
        if highest is not None:
            query = query.where(table.c.id > highest - window)
    rows = await db.execute(query.order_by(table.c.id).limit(limit))
    return [{"source": source, "row": dict(row)} for row in rows.mappings()]


async def sequence(
    sessions: async_sessionmaker[AsyncSession], now: datetime, *, window: int | None = WINDOW, batch: int = BATCH
) -> int:
    """Append one batch of rows not yet in the log; returns how many leaves were appended (0 when
    another sequencer took the same rows or made the state row first: they are its leaves)."""
    try:
        return await _sequence(sessions, now, window, batch)
    except IntegrityError:
        return 0


async def _sequence(sessions: async_sessionmaker[AsyncSession], now: datetime, window: int | None, batch: int) -> int:
    async with sessions() as db, db.begin():
        compact = await locked_state(db, now)
        found: list[dict[str, Any]] = []
        for source in SOURCES:
            found.extend(await _unlogged(db, source, window, batch))
        if not found:
            return 0
        found.sort(key=lambda f: (f["row"][_TIME[f["source"]]], _RANK[f["source"]], f["row"]["id"]))
        chosen = found[:batch]
        hashes = [hash_row(f["source"], f["row"]) for f in chosen]
        first = await append(db, compact, hashes, now)
        await db.execute(
            insert(LogLeaf),
            [
                {
                    "index": first + i,
                    "source": f["source"],
                    "source_id": f["row"]["id"],
                    "leaf_hash": h,
                    "sequenced_at": now,
                }
                for i, (f, h) in enumerate(zip(chosen, hashes, strict=True))
            ],
        )
        return len(chosen)


async def sequence_all(
    sessions: async_sessionmaker[AsyncSession], now: datetime, *, window: int | None = WINDOW
) -> int:
    """Append batches until nothing is left; returns how many leaves were appended."""
    total = 0
    while appended := await sequence(sessions, now, window=window):
        total += appended
    return total
