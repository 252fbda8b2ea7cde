"""A bid's place in the transparency log: the ``.tlog-proof`` of its receipt (issue 23).

The leaf is the audit event recorded in the transaction that made the version a bid
(``bid.submitted``, sealed until the deadline, 办法 21): it names the bid, its version, its receipt
number and its ciphertext's SHA-256 (``content_sha256``). Only the bidder reads it before the
deadline, in its own proof — the log itself publishes the leaf's hash, nothing else.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.models import SealedAuditEvent
from bidding.submission.models import Bid
from bidding.tendering.models import Lot
from bidding.transparency.proofs import proof_of_row
from crypto.tlog.proof_file import TlogProof

__all__ = ["SUBMITTED", "bid_log_proof"]

#: The audit action of a bid's recording.
SUBMITTED = "bid.submitted"


async def bid_log_proof(db: AsyncSession, bid: Bid) -> TlogProof | None:
    """The proof that the bid's recording is in the log's latest checkpoint; None until one covers it."""
    lot = await db.get_one(Lot, bid.lot_id)
    events = await db.execute(
        select(SealedAuditEvent.id, SealedAuditEvent.details).where(
            SealedAuditEvent.embargo_project_id == lot.project_id,
            SealedAuditEvent.action == SUBMITTED,
            SealedAuditEvent.object_id == str(bid.lot_id),
        )
    )
    event_id = next((row.id for row in events if row.details.get("bid") == str(bid.id)), None)
    return None if event_id is None else await proof_of_row(db, "sealed", event_id)
