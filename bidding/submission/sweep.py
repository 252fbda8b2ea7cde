"""The hourly sweep of the bid uploads' staging area (``bidding.submission.staging``)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bidding.submission.staging import sweep_staging

if TYPE_CHECKING:  # the runtime imports the catalogue, hence this module
    from bidding.core.platform import Platform


async def sweep_upload_staging(ctx: dict[str, Any]) -> dict[str, int]:
    """Refuse abandoned uploads and remove the staged objects nobody will read (idempotent: a run
    twice finds nothing more to do)."""
    platform: Platform = ctx["platform"]
    idle = timedelta(hours=platform.settings.upload_idle_hours)
    result = await sweep_staging(platform.sessions, platform.store, now=platform.clock.now(), idle=idle)
    return {"abandoned": len(result.abandoned), "removed": len(result.removed)}
