"""Fan-out of opening events across app processes.

The database holds the events; Redis pub/sub only says "lot L now has events up to N". Each process
runs one :class:`Hub`: it keeps each lot it has clients for in memory (:mod:`opening_room.live`),
listens on Redis, reads the new events of a lot **once** from the database (none when it holds them
already: the changes committed in this process hand their events over at once, :meth:`Hub.committed`),
and puts each into the bounded queue of every local client allowed to see it. A client whose queue
is full (a slow viewer) is disconnected — it reconnects and resumes from its last sequence number —
so it never slows the others. The lots it has clients for (:meth:`Hub.lots`) are the ones whose
clock the room ticks in this process (:meth:`opening_room.room.OpeningRoom.ticking`).

The hub knows the room only by the database it reads, the Redis channel the room publishes on
(:func:`publish`) and the callables the app wires between them (the room's tick, its committed
changes): neither holds the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bidding.core.settings import Settings
from opening_room.clients import Client
from opening_room.events import EventView, Progress
from opening_room.live import LiveLot, LotInfo, Tick

if TYPE_CHECKING:
    from bidding.tendering.models import Lot, Project

__all__ = [
    "COUNTS_SECONDS",
    "IDLE_SECONDS",
    "PING_SECONDS",
    "Counters",
    "Hub",
    "channel_prefix",
    "publish",
]

log = logging.getLogger("opening_room.hub")

#: How often a quiet client gets a ``ping`` (keeps proxies from closing it, carries the server's time).
PING_SECONDS: Final = 15.0
#: How often the hub logs its connections' counts (when they changed), instead of a line per connection.
COUNTS_SECONDS: Final = 60.0
#: How long a lot nobody watches here stays in memory (a viewer reconnecting finds it loaded).
IDLE_SECONDS: Final = 300.0


def channel_prefix(settings: Settings) -> str:
    """The deployment's Redis channels of the opening room: ``<prefix>:opening:<lot>``."""
    return settings.redis_key("opening")


def _channel(prefix: str, lot_id: uuid.UUID) -> str:
    return f"{prefix}:{lot_id}"


async def publish(redis: Redis, prefix: str, lot_id: uuid.UUID, seq: int) -> None:
    """Tell every process's hub (this one's included) that ``lot_id`` has events up to ``seq``."""
    await redis.publish(_channel(prefix, lot_id), str(seq))


@dataclass
class Counters:
    """Connections of this process since it started, logged as counts rather than a line each."""

    joined: int = 0
    left: int = 0
    dropped: int = 0


class Hub:
    """This process's clients of every lot, fed from the database when Redis says a lot has news.

    Each lot with clients is a :class:`~opening_room.live.LiveLot` held in memory: joining reads no
    database once it is loaded, and each batch of news is read once for all of the lot's clients.
    A lot nobody has watched for :data:`IDLE_SECONDS` is let go."""

    def __init__(self, redis: Redis, channel_prefix: str, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._redis = redis
        self._prefix = channel_prefix
        self._sessions = sessions
        self._lots: dict[uuid.UUID, LiveLot] = {}
        self._background: set[asyncio.Task[None]] = set()
        self.counters = Counters()

    def _spawn(self, step: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(step)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def lots(self) -> list[uuid.UUID]:
        """The lots with clients here (the room ticks them); lots idle too long are let go."""
        now = time.monotonic()
        for lot_id, live in list(self._lots.items()):
            idle = live.idle_since is not None and now - live.idle_since > IDLE_SECONDS
            if idle and not live.lock.locked():
                del self._lots[lot_id]
        return [lot_id for lot_id, live in self._lots.items() if live.clients]

    async def live(self, lot_id: uuid.UUID, tick: Tick, now: datetime) -> LiveLot:
        """The lot as this process knows it, loaded the first time (the room's ``tick`` creates its
        session) and ticked first when the clock has decided something (e.g. the deadline passed).
        Join it (:meth:`join`) without awaiting anything in between."""
        while True:
            live = self._lots.get(lot_id)
            if live is None:
                live = self._lots[lot_id] = LiveLot(lot_id)
            try:
                await self._settle(live, tick, now)
            except BaseException:
                if not live.loaded and not live.clients and self._lots.get(lot_id) is live:
                    del self._lots[lot_id]  # no opening there (or it failed): hold nothing
                raise
            if self._lots.get(lot_id) is live:  # not let go as idle while this join waited
                return live

    async def _settle(self, live: LiveLot, tick: Tick, now: datetime) -> None:
        # A lot nobody watches here is not kept current (its deadline may have moved): read it again.
        if live.clients and not live.due(now):
            return

        async def settle() -> None:
            lot, project = await tick(live.lot_id)
            async with live.lock:
                first = not live.loaded
                news = await live.catch_up(self._sessions)
                live.info = LotInfo.of(lot, project)  # loaded only now, with its events
                if not first:
                    self._offer(live, news)

        await live.settle(settle)

    def saw(self, lot: Lot, project: Project) -> None:
        """The lot as the room's tick just read it (its deadline may have moved)."""
        live = self._lots.get(lot.id)
        if live is not None and live.loaded:
            live.info = LotInfo.of(lot, project)

    def join(self, live: LiveLot, client: Client, since: int) -> list[EventView]:
        """Add ``client`` to a loaded lot and return its backlog: the events after ``since`` it may see.
        Synchronous, so every later event reaches its queue and every earlier one is in the backlog."""
        live.clients.add(client)
        live.idle_since = None
        self.counters.joined += 1
        return live.backlog(since, client.who)

    def leave(self, lot_id: uuid.UUID, client: Client) -> None:
        live = self._lots.get(lot_id)
        if live is None or client not in live.clients:
            return
        live.clients.discard(client)
        self.counters.left += 1
        self.counters.dropped += client.dropped
        if not live.clients:
            live.idle_since = time.monotonic()

    async def deliver(self, lot_id: uuid.UUID, seq: int | None = None) -> None:
        """Read the lot's new events once and offer them to its local clients (unless it already holds
        event ``seq``: committed here, it had them at once)."""
        live = self._lots.get(lot_id)
        if live is not None and (seq is None or seq > live.seen):
            await self._catch_up(live)

    def committed(self, lot_id: uuid.UUID, progress: Progress) -> None:
        """A change of this process committed ``progress``: its viewers get the events now, with no read
        back; a gap before them (another process's change not read yet) is read from the database."""
        live = self._lots.get(lot_id)
        if live is None or not live.loaded or live.lock.locked():
            return  # not watched here, or being read: Redis's announcement brings it
        added, complete = live.add(progress)
        self._offer(live, added)
        if not complete:
            self._spawn(self.deliver(lot_id))

    async def _catch_up(self, live: LiveLot) -> None:
        async with live.lock:
            if live.loaded:  # else its first fill (:meth:`live`) reads everything
                self._offer(live, await live.catch_up(self._sessions))

    @staticmethod
    def _offer(live: LiveLot, events: list[EventView]) -> None:
        if events:
            for client in live.clients:
                client.offer(events)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Hub]:
        """Listen on Redis, ping quiet clients, and log the connections' counts every
        :data:`COUNTS_SECONDS` when they changed, while the context lasts."""
        tasks = [asyncio.create_task(c) for c in (self._listen(), self._log_counts(), self._ping())]
        try:
            yield self
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _ping(self) -> None:
        """Every :data:`PING_SECONDS`, a ``ping`` for each quiet client: one timer for all of them,
        not one per client and per message."""
        while True:
            await asyncio.sleep(PING_SECONDS)
            for live in list(self._lots.values()):
                for client in list(live.clients):
                    client.ping()

    async def _log_counts(self) -> None:
        last = Counters()
        while True:
            await asyncio.sleep(COUNTS_SECONDS)
            now = Counters(self.counters.joined, self.counters.left, self.counters.dropped)
            if now != last:
                clients = {str(lot_id): len(live.clients) for lot_id, live in self._lots.items() if live.clients}
                log.info(
                    "opening room: %d clients on %d lots (+%d joined, -%d left, %d dropped as slow)",
                    sum(clients.values()),
                    len(clients),
                    now.joined - last.joined,
                    now.left - last.left,
                    now.dropped - last.dropped,
                    extra={"clients": clients, "joined": now.joined, "left": now.left, "dropped": now.dropped},
                )
                last = now

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
                            await self.deliver(uuid.UUID(channel.rsplit(":", 1)[1]), int(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis went away: retry, clients resume from the database anyway
                log.warning("opening hub lost Redis; retrying", exc_info=True)
                await asyncio.sleep(1)
