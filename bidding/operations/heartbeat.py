"""Worker heartbeat: each worker process announces itself in Redis so `/ready` and `doctor` see it."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis

if TYPE_CHECKING:  # the runtime imports the catalogue, hence this module
    from bidding.core.platform import Platform

HEARTBEAT_TTL_S = 60


def heartbeat_key(platform: Platform, worker_id: str) -> str:
    return f"{platform.settings.queue_prefix}:workers:{worker_id}"


async def worker_heartbeat(ctx: dict[str, Any]) -> None:
    platform: Platform = ctx["platform"]
    await platform.redis.set(heartbeat_key(platform, ctx["worker_id"]), str(time.time()), ex=HEARTBEAT_TTL_S)


async def live_workers(redis: Redis, queue_prefix: str) -> list[str]:
    """Workers whose heartbeat is younger than its TTL."""
    prefix = f"{queue_prefix}:workers:"
    return sorted([key.decode().removeprefix(prefix) async for key in redis.scan_iter(match=f"{prefix}*")])
