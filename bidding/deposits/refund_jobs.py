"""The refund watch (issue 18, ``docs/deposits.md`` "Refunds"): a cron job that records the
termination trigger of terminated tenders (条例 31), refunds money that arrived after a lot-wide
trigger, closes refunds whose bank debit was booked, and raises the red alert once for every
refund unpaid past its due date (条例 57; RULES a, acceptance check 5). Each part is idempotent:
a run after a crash, or two runs at once, does only what is left.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bidding.core.jobs.registry import CronSpec
from bidding.deposits.refunds import policy_of, refund_watch

if TYPE_CHECKING:  # the runtime imports the catalogue, hence this module
    from bidding.core.platform import Platform

__all__ = ["REFUND_WATCH", "watch_refunds"]


async def watch_refunds(ctx: dict[str, Any]) -> dict[str, int]:
    """One pass of the watch (:func:`bidding.deposits.refunds.refund_watch`)."""
    platform: Platform = ctx["platform"]
    return await refund_watch(platform.sessions, policy_of(platform.settings), now=platform.clock.now())


#: Every 5 minutes (at :02, :07, …), away from the top of the hour when deadlines cluster.
REFUND_WATCH = CronSpec("watch_deposit_refunds", watch_refunds, schedule={"minute": set(range(2, 60, 5))})
