"""Fan-out of opening events across app processes.

The database holds the events; Redis pub/sub only says "lot L now has events up to N". Each process
runs one :class:`Hub`: it listens on Redis, reads the new events of a lot **once** from the
database, and puts each into the bounded queue of every local client allowed to see it. A client
whose queue is full (a slow viewer) is disconnected — it reconnects and resumes from its last
sequence number — so it never slows the others. The lots it has clients for (:meth:`Hub.lots`) are
the ones whose clock the room ticks in this process (:meth:`opening_room.room.OpeningRoom.ticking`).

The hub knows the room only by the database it reads and the Redis channel the room publishes on
(:func:`publish`): neither holds the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Final

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bidding.core.settings import Settings
from opening_room import reads
from opening_room.events import EventView
from opening_room.participants import Participant

__all__ = ["QUEUE_SIZE", "Client", "Hub", "channel_prefix", "publish"]

log = logging.getLogger("opening_room.hub")

QUEUE_SIZE: Final = 256


def channel_prefix(settings: Settings) -> str:
    """The deployment's Redis channels of the opening room: ``<prefix>:opening:<lot>``."""
    return settings.redis_key("opening")


def _channel(prefix: str, lot_id: uuid.UUID) -> str:
    return f"{prefix}:{lot_id}"


async def publish(redis: Redis, prefix: str, lot_id: uuid.UUID, seq: int) -> None:
    """Tell every process's hub (this one's included) that ``lot_id`` has events up to ``seq``."""
    await redis.publish(_channel(prefix, lot_id), str(seq))


@dataclass(eq=False)
class Client:
    """One connected client: who it is and the events waiting to be sent to it."""

    who: Participant
    queue: asyncio.Queue[dict[str, Any] | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    last_seq: int = 0
    dropped: bool = False

    def offer(self, event: EventView) -> None:
        if self.dropped or event.seq <= self.last_seq or not self.who.sees(event.audience):
            return
        try:
            self.queue.put_nowait(event.message())
        except asyncio.QueueFull:
            # A slow viewer is let go rather than allowed to hold the others back; it resumes on reconnect.
            self.dropped = True
            with contextlib.suppress(asyncio.QueueFull):
                self.queue.get_nowait()
                self.queue.put_nowait(None)


class Hub:
    """This process's clients of every lot, fed from the database when Redis says a lot has news."""

    def __init__(self, redis: Redis, channel_prefix: str, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._redis = redis
        self._prefix = channel_prefix
        self._sessions = sessions
        self._clients: dict[uuid.UUID, set[Client]] = defaultdict(set)
        self._seen: dict[uuid.UUID, int] = {}
        self._locks: dict[uuid.UUID, asyncio.Lock] = defaultdict(asyncio.Lock)

    def lots(self) -> list[uuid.UUID]:
        """The lots with clients here."""
        return list(self._clients)

    def join(self, lot_id: uuid.UUID, client: Client) -> None:
        self._clients[lot_id].add(client)

    def leave(self, lot_id: uuid.UUID, client: Client) -> None:
        clients = self._clients.get(lot_id)
        if clients is not None:
            clients.discard(client)
            if not clients:
                self._clients.pop(lot_id, None)
                self._seen.pop(lot_id, None)

    async def deliver(self, lot_id: uuid.UUID) -> None:
        """Read the lot's new events once and offer them to its local clients."""
        clients = self._clients.get(lot_id)
        if not clients:
            return
        async with self._locks[lot_id]:
            since = self._seen.get(lot_id, min(c.last_seq for c in clients))
            # Read every event of the lot (all audiences) once; each client gets what it may see.
            events = await reads.events_since(self._sessions, lot_id, since, None)
            for event in events:
                for client in list(self._clients.get(lot_id, ())):
                    client.offer(event)
                self._seen[lot_id] = event.seq

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Hub]:
        """Listen on Redis while the context lasts."""
        task = asyncio.create_task(self._listen())
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _listen(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.psubscribe(f"{self._prefix}:*")
                    async for message in pubsub.listen():
                        if message.get("type") != "pmessage":
                            continue
                        channel = message["channel"]
                        channel = channel.decode() if isinstance(channel, bytes) else str(channel)
                        with contextlib.suppress(ValueError):
                            await self.deliver(uuid.UUID(channel.rsplit(":", 1)[1]))
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis went away: retry, clients resume from the database anyway
                log.warning("opening hub lost Redis; retrying", exc_info=True)
                await asyncio.sleep(1)
