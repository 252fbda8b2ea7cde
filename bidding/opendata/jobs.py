"""The open-data minute job (``docs/opendata.md``): each project's new changes published as OCDS
releases (:func:`bidding.opendata.publish.sync`), at one reading of the clock."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from bidding.core.jobs.registry import CronSpec
from bidding.opendata.publish import sync

if TYPE_CHECKING:  # the runtime imports the catalogue, hence this module
    from bidding.core.platform import Platform

__all__ = ["OPENDATA_SYNC", "sync_opendata"]


async def sync_opendata(ctx: dict[str, Any]) -> int:
    platform: Platform = ctx["platform"]
    return await sync(platform, platform.clock.now())


#: Every minute at :47 (away from the draw watch at :11, clarifications at :23, awards at :29,
#: statements at :37).
OPENDATA_SYNC: Final = CronSpec("sync_opendata", sync_opendata, schedule={"second": {47}})
