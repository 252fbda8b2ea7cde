"""The log's periodic work (``docs/transparency-log.md``): every 5 s new rows become leaves and, when
the tree has grown and the last checkpoint is ``BIDDING_LOG_CHECKPOINT_INTERVAL_S`` old, a
checkpoint is signed; hourly, a sweep over every row picks up any that committed too late for the
5-second window (:mod:`bidding.transparency.sequencer`). Each new checkpoint goes to the configured
witnesses (``BIDDING_LOG_WITNESSES``, :mod:`bidding.transparency.witnessing`) for their cosignatures."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Final

from bidding.core.jobs.registry import CronSpec
from bidding.transparency.checkpoints import InconsistentLog, sign_next
from bidding.transparency.keys import LogKeyMissing, log_signer
from bidding.transparency.sequencer import sequence_all
from bidding.transparency.witnessing import witness_checkpoint

if TYPE_CHECKING:  # the runtime imports the catalogue, hence this module
    from bidding.core.platform import Platform

__all__ = ["LOG_SWEEP", "LOG_WATCH", "sweep_log", "watch_log"]

log = logging.getLogger(__name__)


@cache
def _say_no_key(problem: str) -> None:
    """Warn once per process and problem, not every 5 s."""
    log.warning("%s; the log appends leaves but signs no checkpoint", problem)


async def watch_log(ctx: dict[str, Any]) -> dict[str, Any]:
    """Sequence what is new, then sign a checkpoint if one is due."""
    platform: Platform = ctx["platform"]
    now = platform.clock.now()
    appended = await sequence_all(platform.sessions, now)
    every = timedelta(seconds=platform.settings.log_checkpoint_interval_s)
    try:
        signer = log_signer(platform.settings)
    except LogKeyMissing as exc:
        # Leaves are still appended; only the checkpoints wait for `bidding ca init` / `bidding log
        # init-key`.
        _say_no_key(str(exc))
        return {"appended": appended, "signed": None, "no_key": True}
    try:
        signed = await sign_next(platform.sessions, signer, now, every=every)
    except InconsistentLog:
        # Never signed over: the operator runs `bidding log audit` (the error names what differs).
        log.critical("the transparency log refuses to sign a checkpoint", exc_info=True)
        return {"appended": appended, "signed": None, "refused": True}
    if signed is None:
        return {"appended": appended, "signed": None}
    cosigned = 0
    if platform.settings.log_witnesses:  # a witness down or refusing leaves the checkpoint as it is
        cosigned = await witness_checkpoint(platform.sessions, platform.settings, signer, signed.size, now)
    return {"appended": appended, "signed": signed.size, "cosignatures": cosigned}


async def sweep_log(ctx: dict[str, Any]) -> int:
    """Sequence every row still outside the log, whatever its id."""
    platform: Platform = ctx["platform"]
    return await sequence_all(platform.sessions, platform.clock.now(), window=None)


#: Every 5 s (the checkpoint interval is checked inside, so it can be any number of seconds).
LOG_WATCH: Final = CronSpec("watch_log", watch_log, schedule={"second": set(range(0, 60, 5))})
#: Hourly at :41.
LOG_SWEEP: Final = CronSpec("sweep_log", sweep_log, schedule={"minute": {41}, "second": {17}})
