"""The lot's lock: what changes a lot's bids or its deadline takes it first (办法 27, 29).

Uploads, activations and withdrawals (submission), deadline moves and termination (tendering) and
the extraction at the deadline (the opening room) all serialise on it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.util import identity_key

from bidding.core.errors import Conflict
from bidding.tendering.models import Lot, Project

__all__ = ["OpeningStarted", "before_extraction", "lock_lot"]


class OpeningStarted(Conflict):
    code = "opening_started"
    message_zh = "开标已开始（投标文件已提取），不能再变更截止时间或终止招标"
    message_en = "The opening has begun (the bids were extracted): deadlines can no longer move, nor the tender end"


async def lock_lot(session: AsyncSession, lot_id: uuid.UUID) -> Lot | None:
    """Take the lot's lock until the end of the transaction; return the lot read afresh, with its project.

    Whatever changes which bids a lot has — an upload's arrival, the activation of a version, a
    withdrawal — and their extraction at the deadline (办法 27, 29) take it first, so none of them
    interleave, in one app process or several. PostgreSQL locks the lot's row (``FOR NO KEY UPDATE``:
    rows that merely refer to the lot do not wait for it). SQLite has no row locks: a write to the
    row takes the database's write lock, which waits for the other writers (busy timeout) and is
    held to the commit; every read after it sees the latest data.
    """
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(
            update(Lot)
            .where(Lot.id == lot_id)
            .values(bids_extracted_at=Lot.bids_extracted_at)
            .execution_options(synchronize_session=False)
        )
    else:
        await session.execute(select(Lot.id).where(Lot.id == lot_id).with_for_update(key_share=True))
    known = session.identity_map.get(identity_key(Lot, lot_id))
    if known is not None:  # read it afresh: what was read before the lock may be stale
        session.expire(known)
    lot: Lot | None = await session.scalar(
        select(Lot).where(Lot.id == lot_id).options(selectinload(Lot.project).selectinload(Project.lots))
    )
    return lot


async def before_extraction(session: AsyncSession, lot_ids: Iterable[uuid.UUID]) -> None:
    """Take the locks of ``lot_ids`` (in one order) for a change that must come before their
    extraction — a clarification moving a deadline, the termination of the tender — and refuse it
    (:class:`OpeningStarted`) if any lot's bids were already taken (办法 29). Call it before reading
    or changing the lots: they are read afresh."""
    for lot_id in sorted(lot_ids):
        lot = await lock_lot(session, lot_id)
        if lot is not None and lot.bids_extracted_at is not None:
            raise OpeningStarted(
                f"the bids of lot {lot.code} were extracted at {lot.bids_extracted_at.isoformat()}",
                f"标段 {lot.code} 的投标文件已于 {lot.bids_extracted_at.isoformat()} 提取",
            )
