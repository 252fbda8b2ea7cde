"""A watch made of steps: each step run at one reading of the clock, a step's failure logged
without holding up the others (the award watch, supervision's watch)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = ["Step", "run_steps"]

#: A step: (platform, now) → how many things it did.
Step = Callable[["Platform", datetime], Awaitable[int]]


async def run_steps(platform: Platform, steps: Sequence[tuple[str, Step]], log: logging.Logger) -> dict[str, int]:
    """One pass of every step in order at one reading of the clock; the count of each (-1: the step
    failed, logged; the others still run and the next pass tries it again)."""
    now = platform.clock.now()
    done: dict[str, int] = {}
    for name, step in steps:
        try:
            done[name] = await step(platform, now)
        except Exception:  # one step's failure must not hold up the others
            log.exception("%s: step %s failed", log.name, name)
            done[name] = -1
    return done
