"""Proofs for the people who care (C2SP ``tlog-proof@v1``, ``.tlog-proof``): that one row — the
bid a receipt names, an opening's record — is in the log under a signed checkpoint.

The file's ``extra`` is the leaf's data itself (:func:`bidding.transparency.leaves.encode`): the
inclusion proof authenticates it, so the file alone, with the log's verifier key, shows what was
logged (the receipt number's bid, its ciphertext's SHA-256, the time) and that the log holds it —
``bidding log verify-proof`` or the stand-alone verifier in ``docs/transparency-log.md``.
A row gets its proof once a checkpoint covers its leaf (the log signs every
``BIDDING_LOG_CHECKPOINT_INTERVAL_S`` seconds while it grows); before that there is none.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.core.errors import NotFound
from bidding.transparency.checkpoints import last_checkpoint
from bidding.transparency.leaves import SOURCES, encode
from bidding.transparency.models import LogLeaf
from bidding.transparency.tree import Tree
from crypto.tlog.proof_file import TlogProof

__all__ = ["MEDIA_TYPE", "proof_of_row", "proof_text"]

#: How a ``.tlog-proof`` is served (the spec names no media type; the file is UTF-8 text). Litestar
#: adds ``; charset=utf-8`` to a ``text/`` type itself: naming it here too sent it twice.
MEDIA_TYPE: Final = "text/plain"


async def proof_of_row(db: AsyncSession, source: str, source_id: int) -> TlogProof | None:
    """The proof that row ``source_id`` of ``source`` is in the latest signed checkpoint, or None
    while it has no leaf or no checkpoint covers it yet."""
    leaf = await db.scalar(select(LogLeaf).where(LogLeaf.source == source, LogLeaf.source_id == source_id))
    if leaf is None:
        return None
    checkpoint = await last_checkpoint(db)
    if checkpoint is None or checkpoint.size <= leaf.index:
        return None
    table = SOURCES[source]
    row = (await db.execute(select(table).where(table.c.id == source_id))).mappings().one()
    return TlogProof(
        index=leaf.index,
        proof=tuple(await Tree(db, checkpoint.size).inclusion(leaf.index)),
        checkpoint=checkpoint.cosigned or checkpoint.note,
        extra=encode(source, dict(row)),
    )


def proof_text(proof: TlogProof | None, what_en: str, what_zh: str) -> str:
    """The proof file's text, or 404 saying that ``what`` is not under a signed checkpoint yet."""
    if proof is None:
        raise NotFound(
            f"{what_en} is not in a signed checkpoint of the log yet (one is signed every few seconds)",
            f"{what_zh}尚未被透明日志的已签检查点收录（每隔几秒签发一次），请稍后再试",
        )
    return proof.encode()
