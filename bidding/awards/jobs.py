"""The award's watch (issue 21; ``docs/awards.md`` §Clocks): every minute, at one reading of the clock,
the steps the platform takes by itself — an award opened for each final report, the publicity
published within 3 days of it and closed after 3 full days (条例 54), a late objection answer turned
red, the purchaser's choice deemed after 5 working days (87号令), an award closed once its contract,
report and refunds are done (the archive of a closed project is the archive's own watch,
:mod:`bidding.archive.jobs`). Each step is idempotent under the award's
lock, so a pass run twice, or beside a person's action, does each thing once.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from bidding.awards import closing, publicity
from bidding.awards.choice import deem_due
from bidding.awards.creation import open_awards
from bidding.awards.endings import fail_empty
from bidding.awards.objections import mark_overdue
from bidding.core.jobs.registry import CronSpec
from bidding.core.watch import Step, run_steps

if TYPE_CHECKING:  # the runtime imports the catalogue, hence this module
    from bidding.core.platform import Platform

__all__ = ["AWARD_WATCH", "STEPS", "watch", "watch_awards"]

log = logging.getLogger(__name__)


async def _opened(platform: Platform, now: datetime) -> int:
    return len(await open_awards(platform.sessions, platform.settings, now=now))


#: The steps in the order of a project's life (each: platform, now → how many things it did).
STEPS: Final[tuple[tuple[str, Step], ...]] = (
    ("opened", _opened),
    # An award with no candidate (every bid rejected) fails before anything is published (法 42).
    ("failed_empty", fail_empty),
    ("published", publicity.publish_due),
    ("objections_overdue", mark_overdue),
    ("publicity_closed", publicity.close_due),
    ("deemed", deem_due),  # sends the notices too
    ("closed", closing.close_due),
)


async def watch(platform: Platform) -> dict[str, int]:
    """One pass of every step at one reading of the clock (:func:`~bidding.core.watch.run_steps`)."""
    return await run_steps(platform, STEPS, log)


async def watch_awards(ctx: dict[str, Any]) -> dict[str, int]:
    platform: Platform = ctx["platform"]
    return await watch(platform)


#: Every minute at :29 (away from the draw watch at :11, clarifications at :23, statements at :37).
AWARD_WATCH: Final = CronSpec("watch_awards", watch_awards, schedule={"second": {29}})
