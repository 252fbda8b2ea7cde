"""The draw service's job (issue 19; ``docs/expert-draws.md``): every minute, draw the requests whose
draw time has come (``evaluation_at − BIDDING_EXPERT_DRAW_LEAD_HOURS``, once every lot is extracted and
its opening record exists) and time out the invitations unanswered after
``BIDDING_EXPERT_ANSWER_MINUTES``, calling the next backup; and mask the addresses of settled
invitations that their answer's transaction left in clear. Each part is idempotent under the draw's
lock and conditional moves: a pass run twice, or beside an answer, does each thing once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from bidding.core.jobs.registry import CronSpec
from bidding.experts.draws import draw_due
from bidding.experts.invitations import forget_settled, time_out_due

if TYPE_CHECKING:  # the runtime imports the catalogue, hence this module
    from bidding.core.platform import Platform

__all__ = ["EXPERT_DRAW_WATCH", "watch_expert_draws"]


async def watch_expert_draws(ctx: dict[str, Any]) -> dict[str, int]:
    """One pass: due draws, then due time-outs (one reading of the clock for both), then the addresses
    of settled invitations left in clear."""
    platform: Platform = ctx["platform"]
    now = platform.clock.now()
    drawn = await draw_due(platform, now=now)
    timed_out = await time_out_due(platform, now=now)
    return {**drawn, **timed_out, **await forget_settled(platform)}


#: Every minute at :11 (away from the message sweep at :41 and the statement watch at :37).
EXPERT_DRAW_WATCH: Final = CronSpec("watch_expert_draws", watch_expert_draws, schedule={"second": {11}})
