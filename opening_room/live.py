"""What one process holds in memory of a lot it has clients for: the lot, the session's state and
every event so far, so that a viewer joins without a database round trip (issue 22).

A :class:`LiveLot` is filled once from the database (:meth:`LiveLot.catch_up`), then kept current by
the hub, which appends each batch of new events as Redis announces them and offers them to the
lot's clients in the same step (:mod:`opening_room.hub`). Joining is synchronous once the lot is
loaded: the client is added and its backlog taken without an ``await`` in between, so an event is
either in the backlog or in the client's queue, never in neither (nor, usually, in both).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from opening_room import reads
from opening_room.clients import Client
from opening_room.events import EventView, Progress
from opening_room.participants import Participant
from opening_room.states import State

if TYPE_CHECKING:
    from bidding.tendering.models import Lot, Project

__all__ = ["RETICK_SECONDS", "LiveLot", "LotInfo", "Tick"]

#: A join that finds the clock ahead of the database ticks the room at most this often.
RETICK_SECONDS: Final = 1.0

#: The room's tick of one lot (:meth:`opening_room.room.OpeningRoom.tick`): applies what the clock
#: decides, creates the session the first time, and returns the lot and its project.
Tick = Callable[[uuid.UUID], Awaitable[tuple["Lot", "Project"]]]


@dataclass(frozen=True)
class LotInfo:
    """What a ``welcome`` says of the lot."""

    public: dict[str, Any]
    deadline: datetime | None

    @classmethod
    def of(cls, lot: Lot, project: Project) -> LotInfo:
        public = {
            "id": str(lot.id),
            "code": lot.code,
            "name": lot.name,
            "project": project.name,
            "project_code": project.code,
        }
        return cls(public, lot.bid_deadline)


@dataclass(eq=False)
class LiveLot:
    """One lot's room as this process knows it: its clients, its events so far and its state."""

    lot_id: uuid.UUID
    clients: set[Client] = field(default_factory=set)
    events: list[EventView] = field(default_factory=list)
    info: LotInfo | None = None
    state: str = State.WAITING.value
    decrypt_ends_at: datetime | None = None
    #: Serialises reads of the database for this lot (the first fill and each batch of news).
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: Since when it has had no client (monotonic seconds); None while it has clients.
    idle_since: float | None = field(default_factory=time.monotonic)
    _settling: asyncio.Task[None] | None = None
    _settled_at: float = 0.0

    @property
    def loaded(self) -> bool:
        return self.info is not None

    @property
    def seen(self) -> int:
        return self.events[-1].seq if self.events else 0

    def due(self, now: datetime) -> bool:
        """Whether the clock has decided something the database does not show yet (the deadline's
        extraction, the end of the decryption window): the room must tick before a snapshot."""
        info = self.info
        if info is None:
            return True
        if self.state == State.WAITING and info.deadline is not None:
            return now >= info.deadline
        return self.state == State.DECRYPTING and self.decrypt_ends_at is not None and now >= self.decrypt_ends_at

    async def catch_up(self, sessions: async_sessionmaker[AsyncSession]) -> list[EventView]:
        """Read the session's state and its events after :attr:`seen` (call under :attr:`lock`)."""
        progress = await reads.progress(sessions, self.lot_id, self.seen)
        return [] if progress is None else self.add(progress)[0]

    def add(self, progress: Progress) -> tuple[list[EventView], bool]:
        """Take the state and the events that follow the last one held (those already held are
        skipped): the events appended, and False if a gap stopped it (read the database then)."""
        added: list[EventView] = []
        for event in progress.events:
            if event.seq <= self.seen:
                continue
            if event.seq != self.seen + 1:
                return added, False
            self.events.append(event)
            added.append(event)
        if progress.last_seq == self.seen:  # the state is as of the last event held
            self.state, self.decrypt_ends_at = progress.state, progress.decrypt_ends_at
        return added, True

    def settle(self, step: Callable[[], Awaitable[None]]) -> Awaitable[None]:
        """Run ``step`` (tick the room, then catch up) once however many joins ask at the same moment,
        and not again within :data:`RETICK_SECONDS` (the room's own ticker runs every second anyway)."""
        if self._settling is None or (self._settling.done() and time.monotonic() - self._settled_at >= RETICK_SECONDS):
            self._settling = asyncio.create_task(self._settle(step))
        return asyncio.shield(self._settling)

    async def _settle(self, step: Callable[[], Awaitable[None]]) -> None:
        try:
            await step()
        finally:
            self._settled_at = time.monotonic()

    def backlog(self, since: int, who: Participant) -> list[EventView]:
        """The events after ``since`` that ``who`` may see."""
        start = _first_after(self.events, since)
        return [e for e in self.events[start:] if who.sees(e.audience)]

    def snapshot(self, now: datetime) -> dict[str, Any]:
        """The ``welcome``'s state of the opening, as of the last event held (same fields as
        :func:`opening_room.reads.snapshot`)."""
        assert self.info is not None
        return {
            "lot": dict(self.info.public),
            "deadline": self.info.deadline.isoformat() if self.info.deadline else None,
            "state": self.state,
            "last_seq": self.seen,
            "decrypt_ends_at": self.decrypt_ends_at.isoformat() if self.decrypt_ends_at else None,
            "server_time": now.isoformat(),
        }


def _first_after(events: list[EventView], seq: int) -> int:
    """The index of the first event numbered after ``seq`` (numbers are consecutive from the first held)."""
    if not events:
        return 0
    return min(max(seq - events[0].seq + 1, 0), len(events))
