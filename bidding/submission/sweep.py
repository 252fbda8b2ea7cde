"""The hourly sweep of the bid uploads' staging area (``bidding.submission.staging``), and of PDF
receipts whose job could not be queued (``bidding.submission.receipt_jobs``)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bidding.submission.receipt_jobs import enqueue_receipt_pdf, missing_receipt_pdfs
from bidding.submission.staging import sweep_staging

if TYPE_CHECKING:  # the runtime imports the catalogue, hence this module
    from bidding.core.platform import Platform


async def sweep_upload_staging(ctx: dict[str, Any]) -> dict[str, int]:
    """Refuse abandoned uploads and remove the staged objects nobody will read (idempotent: a run
    twice finds nothing more to do); queue again the PDF receipts still missing a while after their
    bid (their job could not be queued, or failed every try)."""
    platform: Platform = ctx["platform"]
    now = platform.clock.now()
    idle = timedelta(hours=platform.settings.upload_idle_hours)
    result = await sweep_staging(platform.sessions, platform.store, now=now, idle=idle)
    missing = await missing_receipt_pdfs(platform.sessions, before=now - timedelta(minutes=10))
    for bid_id in missing:
        await enqueue_receipt_pdf(platform, bid_id, attempt=f":{now:%Y%m%dT%H%M}")
    return {"abandoned": len(result.abandoned), "removed": len(result.removed), "receipt_pdfs": len(missing)}
