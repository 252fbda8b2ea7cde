"""What a command gets and what it gives back.

A command is one function ``async def name(c: Call) -> Answer``: it runs inside the room's
transaction, with the session row locked (:class:`opening_room.room.OpeningRoom` opens it, checks the
sender's role and the session's state against :data:`opening_room.states.COMMANDS`, and commits), and
returns its answer to the client with the work left for after the commit (:class:`Answer`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.core.clock import Clock
from bidding.core.errors import Forbidden, InvalidInput, NotFound
from bidding.core.fields import INT32_MAX, text_problem
from bidding.core.pki.documents import DocumentSigner
from bidding.submission.opened_keys import OpenedKeys
from bidding.tendering.models import Lot, Project
from opening_room import events
from opening_room.effects import NOTHING, AfterCommit
from opening_room.errors import CommandRefused
from opening_room.participants import Participant
from opening_room.states import Role, State
from opening_room.tables import BidOpening, OpeningSession
from storage import ObjectStore

__all__ = ["Answer", "Call", "Change", "Command", "Handler", "Resources", "own_opening"]

MAX_TEXT: Final = 2000


@dataclass(frozen=True)
class Resources:
    """What the room's changes use besides the database."""

    store: ObjectStore
    clock: Clock
    documents: DocumentSigner
    opened_keys: OpenedKeys


@dataclass(frozen=True)
class Change:
    """One change of a session: its transaction and its row, locked."""

    db: AsyncSession
    session: OpeningSession
    resources: Resources

    def now(self) -> datetime:
        return self.resources.clock.now()

    def emit(
        self, name: str, data: dict[str, Any], *, audience: str = events.PUBLIC, at: datetime | None = None
    ) -> None:
        """Number and store an event (:func:`opening_room.events.emit`)."""
        events.emit(self.db, self.session, name, data, now=self.now(), audience=audience, at=at)


@dataclass(frozen=True)
class Call(Change):
    """A command: the change, with the lot, who sent it and its arguments."""

    lot: Lot
    project: Project
    who: Participant
    args: Mapping[str, Any]

    def text(self, key: str) -> str:
        """Argument ``key``: 1 to 2000 characters, no control characters but tab and line breaks."""
        value = self.args.get(key)
        if (
            not isinstance(value, str)
            or not value.strip()
            or text_problem(value, max_length=MAX_TEXT, rule="text")  # PostgreSQL's JSON refuses a NUL
        ):
            raise InvalidInput(
                f"`{key}` must be text of 1 to {MAX_TEXT} characters without control characters",
                f"`{key}` 须为 1 至 {MAX_TEXT} 个字符，且不含控制字符",
            )
        return value.strip()

    def number(self, key: str) -> int:
        """Argument ``key``: a whole number naming a row of an ``Integer`` column (a bid's order, an event)."""
        value = self.args.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= INT32_MAX:
            raise InvalidInput(f"`{key}` must be a whole number from 1 to {INT32_MAX}", f"`{key}` 须为正整数")
        return value


class Answer(NamedTuple):
    """What a command gives back: the ``data`` of its ``result`` (stored, so a repeated id gets it
    again) and what is left for after the commit."""

    data: dict[str, Any]
    after: AfterCommit = NOTHING


Handler = Callable[[Call], Awaitable[Answer]]


@dataclass(frozen=True)
class Command:
    """One entry of the room's table: the function, and who may send it in which states."""

    name: str
    run: Handler
    roles: frozenset[Role]
    states: frozenset[State]

    def allow(self, who: Participant) -> None:
        """Refuse a sender without one of :attr:`roles` (``forbidden``)."""
        if who.role not in self.roles:
            roles = ", ".join(sorted(r.value for r in self.roles))
            raise Forbidden(f"{self.name} is for the {roles}", f"{self.name} 仅限 {roles}")

    def possible(self, state: State) -> None:
        """Refuse it in a state not among :attr:`states` (``command_refused``)."""
        if state not in self.states:
            raise CommandRefused(
                f"{self.name} is not possible while the session is {state.value}",
                f"开标处于 {state.value} 状态，不能执行 {self.name}",
            )


async def own_opening(c: Call) -> BidOpening:
    """The sender's bid at this opening, locked (a bidder's commands on its bid queue)."""
    opening = await c.db.scalar(
        select(BidOpening)
        .where(BidOpening.lot_id == c.lot.id, BidOpening.organization_id == c.who.organization_id)
        .with_for_update()
    )
    if opening is None:
        raise NotFound("you have no bid in this opening", "您在本次开标中没有投标")
    return opening
