"""A row's lock to the end of the transaction, on PostgreSQL and on SQLite alike.

What serialises on one row — a lot's bids and deadline (办法 27, 29), an expert draw's rounds, an
evaluation's state — takes :func:`lock_row` first and works on the row it returns, read afresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.base import ExecutableOption

from bidding.core.db.base import Base

__all__ = ["lock_row"]

_Row = TypeVar("_Row", bound=Base)


async def lock_row(
    session: AsyncSession,
    model: type[_Row],
    row_id: Any,
    column: InstrumentedAttribute[Any],
    *,
    key_share: bool = False,
    options: Sequence[ExecutableOption] = (),
) -> _Row | None:
    """Take the lock of ``model``'s row ``row_id`` until the end of the transaction; return the row
    read afresh (with ``options``, e.g. eager loads), or None if there is no such row.

    PostgreSQL locks the row (``FOR UPDATE``; ``key_share``: ``FOR NO KEY UPDATE``, so that rows that
    merely refer to it do not wait). SQLite has no row locks: a no-op write of ``column`` takes the
    database's write lock, which waits for the other writers (busy timeout) and is held to the
    commit. Either way the read comes after the lock: the row, if this session read it before, is
    expired first (what was read before the lock may be stale).
    """
    key = inspect(model).primary_key[0]
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(
            update(model).where(key == row_id).values({column: column}).execution_options(synchronize_session=False)
        )
    else:
        await session.execute(select(key).where(key == row_id).with_for_update(key_share=key_share))
    known = session.identity_map.get(identity_key(model, row_id))
    if known is not None:  # read it afresh: what was read before the lock may be stale
        session.expire(known)
    found: _Row | None = await session.scalar(select(model).where(key == row_id).options(*options))
    return found
