"""One connected client of the opening room: who it is, and what waits to be sent to it.

The hub puts each event a client may see into its bounded queue (:meth:`Client.offer`); the socket's
sender takes them out (:mod:`opening_room.ws`). A client whose queue is full (a slow viewer) is let
go — it reconnects and resumes from its last sequence number — so it never slows the others.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from opening_room.events import EventView
from opening_room.participants import Participant

__all__ = ["PING", "QUEUE_SIZE", "Client"]

QUEUE_SIZE: Final = 256


class _Ping:
    """Queued for a quiet client: its sender says ``ping`` (with the server's time)."""


#: The one ping marker (a client's queue holds batches of events, this, or None: let go as too slow).
PING: Final = _Ping()


@dataclass(eq=False)
class Client:
    """One connected client: who it is and what waits to be sent to it."""

    who: Participant
    #: Batches of events read or committed together (one slot each, so that a burst of news — a
    #: thousand decryptions read at once by another process — does not count as a slow client),
    #: ping markers, or None: let go.
    queue: asyncio.Queue[tuple[EventView, ...] | _Ping | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_SIZE)
    )
    last_seq: int = 0
    dropped: bool = False
    #: Set while a command of this client runs: its events wait until its result is sent.
    held: asyncio.Future[None] | None = None

    def offer(self, events: Sequence[EventView]) -> None:
        """Queue, as one batch, the events it has not had and may see."""
        if self.dropped:
            return
        batch = tuple(e for e in events if e.seq > self.last_seq and self.who.sees(e.audience))
        if batch:
            self._put(batch)

    def ping(self) -> None:
        """Ask for a ``ping`` if nothing else is waiting to be sent (a busy client needs none)."""
        if not self.dropped and self.queue.empty():
            self._put(PING)

    def _put(self, item: tuple[EventView, ...] | _Ping) -> None:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            # A slow viewer is let go rather than allowed to hold the others back; it resumes on reconnect.
            self.dropped = True
            with contextlib.suppress(asyncio.QueueFull):
                self.queue.get_nowait()
                self.queue.put_nowait(None)
