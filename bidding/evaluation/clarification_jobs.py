"""The clarifications' job (issue 20; ``docs/evaluation.md`` §Clarifications, corrections and abnormally
low prices): every minute, close the clarifications still open past their deadline (``expired``) and
reject the bids whose arithmetic correction was not confirmed in time (规定 19; 87号令 59). Idempotent
under each evaluation's lock: a pass run twice, or beside an answer, does each thing once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from bidding.core.jobs.registry import CronSpec
from bidding.evaluation.clarifications import expire_clarifications

if TYPE_CHECKING:  # the runtime imports the catalogue, hence this module
    from bidding.core.platform import Platform

__all__ = ["CLARIFICATION_WATCH", "watch_clarifications"]


async def watch_clarifications(ctx: dict[str, Any]) -> dict[str, int]:
    """One pass: the clarifications past due, at one reading of the clock."""
    platform: Platform = ctx["platform"]
    return await expire_clarifications(platform, now=platform.clock.now())


#: Every minute at :23 (away from the draw watch at :11, the statement watch at :37, the sweep at :41).
CLARIFICATION_WATCH: Final = CronSpec("watch_clarifications", watch_clarifications, schedule={"second": {23}})
