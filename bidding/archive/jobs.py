"""The archive's watch (``docs/archive.md``): every minute, each project whose lots are all over and
which has no archive yet gets one (:func:`bidding.archive.service.archive_due`, idempotent: one archive
per project). Its own job rather than a step of the award's watch: the archive reads the awards, so
the awards do not call it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from bidding.archive.service import archive_due
from bidding.core.jobs.registry import CronSpec

if TYPE_CHECKING:  # the runtime imports the catalogue, hence this module
    from bidding.core.platform import Platform

__all__ = ["ARCHIVE_WATCH", "watch_archives"]


async def watch_archives(ctx: dict[str, Any]) -> dict[str, int]:
    platform: Platform = ctx["platform"]
    return {"archived": await archive_due(platform, platform.clock.now())}


#: Every minute at :53 (after the award watch at :29 has closed what it can; open data at :47).
ARCHIVE_WATCH: Final = CronSpec("watch_archives", watch_archives, schedule={"second": {53}})
