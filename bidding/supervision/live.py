"""Supervision's live channel: what is pushed to the supervisors' open pages (issue 24 "Alerts":
"pushed to the supervisor's page live").

The database holds the alerts and orders; Redis pub/sub only says "alert N" or "order X changed",
after the commit that made it (:func:`announce`). Each WebSocket of ``/ws/supervision``
(:mod:`bidding.supervision.controllers.live`) listens (:func:`subscription`) and reads the view it names.
A message lost while nobody listened is not lost: a page reconnecting asks for the alerts after the
last one it saw.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Final, Literal

from redis.asyncio.client import PubSub

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = ["KINDS", "announce", "channel", "subscription"]

log = logging.getLogger(__name__)

KINDS: Final = ("alert", "order")


def channel(platform: Platform) -> str:
    """The deployment's Redis channel of supervision: ``<prefix>:supervision``."""
    return platform.settings.redis_key("supervision")


async def announce(platform: Platform, kind: Literal["alert", "order"], ident: Any) -> None:
    """Tell every open supervision page that alert ``ident`` was raised or order ``ident`` changed.
    Call it after the commit. Never raises: a page that missed it catches up when it reconnects."""
    try:
        await platform.redis.publish(channel(platform), json.dumps({"type": kind, "id": str(ident)}))
    except Exception:  # Redis down: the alert stands in the database; pages reload it
        log.warning("supervision: %s %s not announced", kind, ident, exc_info=True)


@contextlib.asynccontextmanager
async def subscription(platform: Platform) -> AsyncIterator[AsyncIterator[dict[str, str]]]:
    """Subscribed on entry (nothing announced after it is missed): every announcement from then
    on, as ``{"type": "alert"|"order", "id": "..."}``."""
    async with platform.redis.pubsub() as pubsub:
        await pubsub.subscribe(channel(platform))
        yield _messages(pubsub)


async def _messages(pubsub: PubSub) -> AsyncIterator[dict[str, str]]:
    async for message in pubsub.listen():
        if message.get("type") != "message":
            continue
        try:
            data = json.loads(message["data"])
        except (TypeError, ValueError):
            continue
        if isinstance(data, dict) and data.get("type") in KINDS and isinstance(data.get("id"), str):
            yield {"type": data["type"], "id": data["id"]}
