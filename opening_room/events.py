"""The numbered events of a session (docs/opening-room-protocol.md, Events): how one is stored, who may
read it, and how it goes on the wire.

Every event has a number per lot, from 1 without gaps, given in the transaction that stores it under
the session's lock (:func:`emit`). Its ``audience`` says who may see it: ``public`` (everyone),
``host`` (the host and the supervisors) or ``org:<uuid>`` (one bidder, the host and the supervisors).
"""

from __future__ import annotations

import json
import uuid
import weakref
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from opening_room.states import State
from opening_room.tables import OpeningEvent, OpeningSession

__all__ = ["HOST", "PUBLIC", "EventView", "Progress", "bidder_audience", "emit", "emitted", "view"]

PUBLIC: Final = "public"
HOST: Final = "host"


def bidder_audience(organization_id: uuid.UUID | None) -> str:
    """The audience of one bidder's private events (its opened form)."""
    return f"org:{organization_id}"


@dataclass(frozen=True)
class EventView:
    """One stored event as readers get it."""

    seq: int
    name: str
    at: datetime
    data: dict[str, Any]
    audience: str

    def message(self) -> dict[str, Any]:
        """The ``event`` message of the protocol (the audience stays on the server)."""
        return {"type": "event", "seq": self.seq, "name": self.name, "at": self.at.isoformat(), "data": self.data}

    @cached_property
    def frame(self) -> str:
        """:meth:`message` as the text of a WebSocket frame, serialised once for every client that gets it
        (an event's message is the same for everyone allowed to see it)."""
        return json.dumps(self.message(), ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Progress:
    """Where a session stands and its events after some number, as of one moment: every event up
    to ``last_seq`` and none after, so the state and the events agree (both are written in one
    transaction)."""

    state: str
    last_seq: int
    decrypt_ends_at: datetime | None
    events: tuple[EventView, ...]

    def __or__(self, later: Progress) -> Progress:
        """Both changes' events, and the state after the later one."""
        first, last = sorted((self, later), key=lambda p: p.last_seq)
        merged = {e.seq: e for e in (*first.events, *last.events)}
        return Progress(last.state, last.last_seq, last.decrypt_ends_at, tuple(merged[s] for s in sorted(merged)))


def view(event: OpeningEvent) -> EventView:
    return EventView(event.seq, event.name, event.at, event.data, event.audience)


#: The events each locked session row numbered in its transaction, for :func:`emitted`.
_EMITTED: Final[weakref.WeakKeyDictionary[OpeningSession, list[EventView]]] = weakref.WeakKeyDictionary()


def emitted(session: OpeningSession) -> Progress:
    """The state of ``session`` (this transaction's locked row) and the events :func:`emit` numbered
    on it, in order, taken once: after the commit this process's hub hands them to its viewers
    without reading them back."""
    return Progress(str(session.state), session.last_seq, session.decrypt_ends_at, tuple(_EMITTED.pop(session, ())))


def emit(
    db: AsyncSession,
    session: OpeningSession,
    name: str,
    data: dict[str, Any],
    *,
    now: datetime,
    audience: str = PUBLIC,
    at: datetime | None = None,
) -> None:
    """Number and store one event of the locked ``session``, dated ``at`` (default ``now``).

    Its number is seen by everyone who sees the next public event, so before the deadline only public
    events are numbered (办法 21: a private event would show as a gap, counting the bidders); a
    bidder's private facts then live outside the sequence (``opening_sign_ins``)."""
    if audience != PUBLIC and session.state is State.WAITING:
        raise RuntimeError(f"{name}: a private event before the deadline would be counted by everyone")
    session.last_seq += 1
    session.updated_at = now
    event = OpeningEvent(
        lot_id=session.lot_id, seq=session.last_seq, name=name, audience=audience, data=data, at=at or now
    )
    db.add(event)
    _EMITTED.setdefault(session, []).append(view(event))
