"""Signed checkpoints (C2SP ``tlog-checkpoint`` in a ``signed-note``), each proved consistent with
the last one before it is signed.

C2SP tlog-checkpoint: "a log MUST NOT sign inconsistent checkpoints". Before signing size n, the
last checkpoint is read back *through its signature* (its stored root column is not trusted), the
root of n is computed twice — from the sequencer's right edge and from the stored tiles — and a
consistency proof from the last size to n, built from the tiles, is verified against both roots
(RFC 9162 §2.1.4.2). Any disagreement (a tile, the state or a checkpoint edited behind the
platform's back) refuses the checkpoint with :class:`InconsistentLog`, and nothing is signed again
until an operator has looked (``bidding log audit``).
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bidding.transparency.models import LogCheckpoint
from bidding.transparency.tree import LogTooSmall, Tree, read_state
from crypto.tlog.checkpoint import Checkpoint
from crypto.tlog.merkle import ConsistencyError, verify_consistency
from crypto.tlog.note import Ed25519Signer, NoteError, open_note, sign_note

__all__ = ["InconsistentLog", "last_checkpoint", "read_checkpoint", "sign_next"]


class InconsistentLog(RuntimeError):
    """The stored tree does not extend the last signed checkpoint: nothing is signed."""


async def last_checkpoint(db: AsyncSession) -> LogCheckpoint | None:
    return await db.scalar(select(LogCheckpoint).order_by(LogCheckpoint.size.desc()).limit(1))


def read_checkpoint(row: LogCheckpoint, signer: Ed25519Signer) -> Checkpoint:
    """The checkpoint a stored row's note says, checked against the log's own key and origin."""
    try:
        note, _ = open_note(row.note, [signer.verifier])
        checkpoint = Checkpoint.parse(note.text)
    except (NoteError, ValueError) as exc:
        raise InconsistentLog(f"the stored checkpoint of size {row.size} does not verify: {exc}") from exc
    if checkpoint.origin != signer.name or checkpoint.size != row.size:
        raise InconsistentLog(
            f"the stored checkpoint of size {row.size} names {checkpoint.origin} at {checkpoint.size}"
        )
    return checkpoint


async def sign_next(
    sessions: async_sessionmaker[AsyncSession], signer: Ed25519Signer, now: datetime, *, every: timedelta
) -> LogCheckpoint | None:
    """Sign a checkpoint of the current tree if it has grown and the last one is ``every`` old;
    None if there is nothing to sign. Raises :class:`InconsistentLog` instead of signing."""
    async with sessions() as db:
        compact = await read_state(db)
        last = await last_checkpoint(db)
        # Within the interval after the last one: wait. A last one signed "in the future" (the clock
        # went back: a test clock, a process with another clock) does not block signing.
        if last is not None and (compact.size <= last.size or now - every < last.signed_at <= now):
            return None
        if last is None and compact.size == 0:
            return None
        root = compact.root()
        tree = Tree(db, compact.size)
        try:
            if not hmac.compare_digest(await tree.root(), root):
                raise InconsistentLog(f"the stored tiles do not give the sequencer's root at size {compact.size}")
            if last is not None:
                previous = read_checkpoint(last, signer)
                proof = await tree.consistency(previous.size)
                verify_consistency(previous.size, compact.size, proof, previous.root, root)
        except (ConsistencyError, LogTooSmall) as exc:
            raise InconsistentLog(
                f"the tree of {compact.size} does not extend the last signed checkpoint: {exc}"
            ) from exc
    checkpoint = Checkpoint(origin=signer.name, size=compact.size, root=root)
    row = LogCheckpoint(size=checkpoint.size, root=root, note=sign_note(checkpoint.body(), [signer]), signed_at=now)
    try:
        async with sessions() as db, db.begin():
            db.add(row)
    except IntegrityError:  # another worker signed this size meanwhile: that one stands
        return None
    return row
