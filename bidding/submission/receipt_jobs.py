"""The PDF receipt (确认回执 for people), made by a worker after the bid is recorded.

The signed JSON receipt is what makes a version a bid (办法 27) and is signed in the transaction that
records it; the PDF says the same for people and takes a fifth of a second of CPU (render, PAdES
signature), which the upload's answer need not wait for — in the last minute before a deadline,
hundreds of answers would queue behind it. So the upload enqueues :data:`RECEIPT_PDF` right after
the commit and answers with the JSON receipt; a worker (the in-process one on the embedded default)
renders the PDF from the recorded bid and its signed receipt, and sets ``receipt_pdf_key`` — one at
a time per process, and in the app process only once it reads no chunk (or after 30 s): bidders
still sending in the last minute come before receipts nobody waits for. Until
then a bidder who asks for ``receipt.pdf`` has it made in the request by the same function
(:func:`ensure_receipt_pdf`, without waiting for a lull): a person waiting is served at once.

Idempotent: a bid whose ``receipt_pdf_key`` is set is skipped, a PDF already stored under the bid's
key is taken as it is, and the key is set only where it is still unset. Bids recorded while the
queue could not be reached are found by :func:`missing_receipt_pdfs` (the hourly staging sweep
enqueues them again).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bidding.core.jobs.registry import JobSpec
from bidding.identity.models import Organization
from bidding.submission.models import Bid
from bidding.submission.receipts import store_receipt_pdf
from bidding.submission.streaming import RECEIVING
from bidding.tendering.models import Lot, Project
from crypto import jws

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = ["RECEIPT_PDF", "enqueue_receipt_pdf", "ensure_receipt_pdf", "make_receipt_pdf", "missing_receipt_pdfs"]

log = logging.getLogger("bidding.submission")

#: One PDF rendered at a time per process. A worker runs several jobs at once, and on the embedded
#: default it is the app process: a burst of receipts after a deadline rush must not take every
#: thread of the default executor (where the store writes and the uploads' verification run) nor
#: more than one core's worth of the GIL while uploads are still coming in.
_RENDERING: Final = asyncio.Semaphore(1)
#: How long a PDF waits at most for this process to stop reading chunks (a deadline rush on the
#: embedded default, whose worker is the app process; a separate worker process never waits).
LULL_WAIT: Final = 30.0


async def make_receipt_pdf(ctx: dict[str, Any], bid_id: str) -> dict[str, Any]:
    """The job: render, sign and store the bid's PDF receipt once uploads here pause; record its key."""
    return await ensure_receipt_pdf(ctx["platform"], uuid.UUID(bid_id), lull=True)


async def ensure_receipt_pdf(platform: Platform, bid_id: uuid.UUID, *, lull: bool) -> dict[str, Any]:
    """Render, sign and store the bid's PDF receipt from its signed JSON receipt and record its key,
    unless it is recorded already; ``status`` says which (``exists``, ``stored`` or ``unknown_bid``).

    ``lull``: wait (at most :data:`LULL_WAIT`) for this process to stop reading chunks first — the
    job does, a bidder asking for the PDF does not."""
    async with platform.sessions() as db:
        bid = await db.get(Bid, bid_id)
        if bid is None:
            return {"bid": str(bid_id), "status": "unknown_bid"}
        if bid.receipt_pdf_key is not None:
            return {"bid": str(bid_id), "status": "exists", "key": bid.receipt_pdf_key}
        lot = await db.get(Lot, bid.lot_id)
        assert lot is not None
        project = await db.get(Project, lot.project_id)
        org = await db.get(Organization, bid.organization_id)
        assert project is not None
        assert org is not None
    payload = jws.verify(bid.receipt_jws).json()
    if lull:
        await RECEIVING.lull(at_most=LULL_WAIT)  # bidders still sending here come first
    async with _RENDERING:
        key = await store_receipt_pdf(
            bid, lot, project, org, payload, clock=platform.clock, signer=platform.documents, store=platform.store
        )
    async with platform.sessions() as db, db.begin():
        await db.execute(
            update(Bid)
            .where(Bid.id == bid.id, Bid.receipt_pdf_key.is_(None))
            .values(receipt_pdf_key=key)
            .execution_options(synchronize_session=False)
        )
    return {"bid": str(bid_id), "status": "stored", "key": key}


#: One bid's PDF receipt (the default queue: rendering is bulk work, and nothing legal waits for it).
RECEIPT_PDF: Final = JobSpec("make_receipt_pdf", make_receipt_pdf, timeout_s=120, max_tries=5)


async def enqueue_receipt_pdf(platform: Platform, bid_id: uuid.UUID, *, attempt: str = "") -> bool:
    """Queue the bid's PDF receipt (after the bid's commit); False if the queue could not be reached
    — the bid and its signed receipt stand, and the sweep enqueues it later (with its own
    ``attempt``: arq keeps a finished job's id for a day)."""
    try:
        await platform.jobs.enqueue(RECEIPT_PDF, str(bid_id), job_id=f"receipt-pdf:{bid_id}{attempt}")
    except Exception:  # Redis down: the bid stands; missing_receipt_pdfs finds it
        log.exception("the PDF receipt could not be queued", extra={"bid": str(bid_id)})
        return False
    return True


async def missing_receipt_pdfs(sessions: async_sessionmaker[AsyncSession], *, before: datetime) -> list[uuid.UUID]:
    """Bids submitted before ``before`` whose PDF receipt is still missing."""
    async with sessions() as db:
        rows = await db.scalars(
            select(Bid.id).where(Bid.receipt_pdf_key.is_(None), Bid.submitted_at < before).limit(1000)
        )
        return list(rows.all())
