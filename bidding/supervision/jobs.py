"""Supervision's watch (issue 24; ``docs/supervision.md`` §The watch): every 10 seconds, at one
reading of the clock, the clocks started and stopped by the audit trail's new events
(:func:`bidding.supervision.tracking.track`), their alerts raised (:func:`bidding.supervision.alerts.
evaluate`: a red one opens a supervision order), and the orders whose reply is overdue escalated
(:func:`bidding.supervision.orders.escalate_due`). Every step is idempotent, so a pass run twice, or
in two processes, does each thing once; a red is raised within one pass of the limit + 1 s.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final

from bidding.core.jobs.registry import CronSpec
from bidding.core.watch import Step, run_steps
from bidding.supervision.alerts import evaluate
from bidding.supervision.orders import escalate_due
from bidding.supervision.tracking import track

if TYPE_CHECKING:  # the runtime imports the catalogue, hence this module
    from bidding.core.platform import Platform

__all__ = ["STEPS", "SUPERVISION_WATCH", "watch", "watch_supervision"]

log = logging.getLogger(__name__)

#: The steps in order: the clocks first, so an event and the alert it makes due land in one pass.
STEPS: Final[tuple[tuple[str, Step], ...]] = (
    ("clocks", track),
    ("alerts", evaluate),
    ("escalated", escalate_due),
)


async def watch(platform: Platform) -> dict[str, int]:
    """One pass of every step at one reading of the clock (:func:`~bidding.core.watch.run_steps`)."""
    return await run_steps(platform, STEPS, log)


async def watch_supervision(ctx: dict[str, Any]) -> dict[str, int]:
    platform: Platform = ctx["platform"]
    return await watch(platform)


#: Every 10 s at :03, :13 … (away from the log watch's multiples of 5 and the minute watches).
SUPERVISION_WATCH: Final = CronSpec(
    "watch_supervision", watch_supervision, schedule={"second": {3, 13, 23, 33, 43, 53}}
)
