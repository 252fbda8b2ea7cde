"""Fan-out of opening events across app processes.

The database holds the events; Redis pub/sub only says "lot L now has events up to N". Each process
runs one :class:`Hub`: it listens on Redis, reads the new events of a lot **once** from the
database, and puts each into the bounded queue of every local client allowed to see it. A client
whose queue is full (a slow viewer) is disconnected — it reconnects and resumes from its last
sequence number — so it never slows the others. The hub also ticks the clock of every lot it has
clients for, so extraction at the deadline and the end of the decryption window happen on time.
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

from opening_room.service import EventView, OpeningRoom, Participant

log = logging.getLogger("opening_room.hub")

QUEUE_SIZE: Final = 256
TICK_SECONDS: Final = 1.0


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
    def __init__(self, redis: Redis, channel_prefix: str) -> None:
        self._redis = redis
        self._prefix = channel_prefix
        self._clients: dict[uuid.UUID, set[Client]] = defaultdict(set)
        self._seen: dict[uuid.UUID, int] = {}
        self._locks: dict[uuid.UUID, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.room: OpeningRoom | None = None

    def channel(self, lot_id: uuid.UUID) -> str:
        return f"{self._prefix}:{lot_id}"

    async def notify(self, lot_id: uuid.UUID, seq: int) -> None:
        """Tell every process (this one included) that ``lot_id`` has events up to ``seq``."""
        await self._redis.publish(self.channel(lot_id), str(seq))

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
        if not clients or self.room is None:
            return
        async with self._locks[lot_id]:
            since = self._seen.get(lot_id, min(c.last_seq for c in clients))
            # Read every event of the lot (all audiences) once; each client gets what it may see.
            events = await self.room.events_since(lot_id, since, None)
            for event in events:
                for client in list(self._clients.get(lot_id, ())):
                    client.offer(event)
                self._seen[lot_id] = event.seq

    @contextlib.asynccontextmanager
    async def running(self, room: OpeningRoom) -> AsyncIterator[Hub]:
        self.room = room
        tasks = [asyncio.create_task(self._listen()), asyncio.create_task(self._tick())]
        try:
            yield self
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
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

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            if self.room is None:
                continue
            for lot_id in list(self._clients):
                try:
                    await self.room.tick(lot_id)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.warning("opening tick failed", exc_info=True, extra={"lot": str(lot_id)})
