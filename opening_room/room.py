"""The opening session of one lot, run: commands from the host, the bidders and the supervisor, and the
clock, turned into numbered events (docs/opening-room-protocol.md).

Everything is in the database: the session row (state, last event number) is locked for every
change, events are numbered without gaps in the same transaction, and a command id answered once is
answered the same way again. Any app process can therefore serve any client, and a restart loses
nothing. After each commit the new event number is announced on Redis (see :mod:`opening_room.hub`),
and what the change left for after it (:mod:`opening_room.effects`) starts.

The room runs what :data:`opening_room.commands.COMMANDS` names, the way a worker runs its registered
jobs: it owns the transaction, the lock, the idempotency and the audit; each command owns its rules.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bidding.audit.trail import content_hash, record
from bidding.core.errors import InvalidInput
from bidding.core.fields import text_problem
from bidding.core.jobs.queue import JobQueue
from bidding.core.platform import Platform
from bidding.submission.opened_keys import OpenedKeys
from bidding.tendering.models import Lot, Project
from opening_room import reads
from opening_room import record as opening_record
from opening_room.commands import COMMANDS, Call, Change, Resources
from opening_room.commands.decryption import close_window
from opening_room.commands.hosting import extract
from opening_room.commands.record_signing import ready
from opening_room.effects import NOTHING, AfterCommit, RecordToSign
from opening_room.events import EventView, Progress, emit, emitted
from opening_room.hub import channel_prefix, publish
from opening_room.participants import Participant
from opening_room.states import Role, State
from opening_room.tables import OpeningCommand, OpeningSession

__all__ = ["TICK_SECONDS", "OpeningRoom", "Publish", "room_of"]

log = logging.getLogger("opening_room")

TICK_SECONDS: Final = 1.0

#: Announces a lot's newest event number to every process (:func:`opening_room.hub.publish`).
Publish = Callable[[uuid.UUID, int], Awaitable[None]]
#: Told a lot's events right after their commit, in this process (:meth:`opening_room.hub.Hub.committed`).
Committed = Callable[[uuid.UUID, Progress], None]


class OpeningRoom:
    """The commands and the clock of every lot's opening, on one platform.

    ``publish`` is None where nobody watches live (the demo's past openings); without ``jobs`` a
    decrypted bid's body is left to be opened later."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        resources: Resources,
        *,
        publish: Publish | None = None,
        jobs: JobQueue | None = None,
    ) -> None:
        self._sessions = sessions
        self._resources = resources
        self._publish = publish
        self._jobs = jobs
        self._committed: Committed | None = None
        # The session row lock serialises processes on PostgreSQL; SQLite has no row locks, so
        # commands of one process also queue on a per-lot lock before their transaction.
        self._lot_locks: dict[uuid.UUID, asyncio.Lock] = {}
        self._background: set[asyncio.Task[None]] = set()  # kept, so that no task is collected unfinished

    def tell_committed(self, committed: Committed) -> None:
        """Hand each change's committed events to ``committed`` (this process's hub) before they are
        announced on Redis: its viewers get them without a read back from the database."""
        self._committed = committed

    def _lot_lock(self, lot_id: uuid.UUID) -> asyncio.Lock:
        return self._lot_locks.setdefault(lot_id, asyncio.Lock())

    def now(self) -> datetime:
        return self._resources.clock.now()

    # ------------------------------------------------------------------ reading (opening_room.reads)

    async def lot(self, lot_id: uuid.UUID) -> tuple[Lot, Project]:
        return await reads.find_lot(self._sessions, lot_id)

    async def events_since(
        self, lot_id: uuid.UUID, seq: int, who: Participant | None, limit: int = 1000
    ) -> list[EventView]:
        """Events after ``seq`` that ``who`` may see (every event when ``who`` is None: the hub filters per client)."""
        return await reads.events_since(self._sessions, lot_id, seq, who, limit)

    async def snapshot(self, lot_id: uuid.UUID) -> dict[str, Any]:
        """The opening's state now (after what the clock alone decides)."""
        lot, project = await self.tick(lot_id)
        return await reads.snapshot(self._sessions, lot, project, self.now())

    async def own_sign_in(self, lot_id: uuid.UUID, who: Participant) -> datetime | None:
        return await reads.own_sign_in(self._sessions, lot_id, who)

    async def record(self, lot_id: uuid.UUID) -> tuple[dict[str, Any], str | None]:
        return await reads.record(self._sessions, lot_id)

    async def record_log_proof(self, lot_id: uuid.UUID) -> str:
        return await reads.record_log_proof(self._sessions, lot_id)

    def open_object(self, key: str) -> AsyncIterator[bytes]:
        return self._resources.store.open(key)

    # ------------------------------------------------------------------ changing

    async def command(
        self, who: Participant, lot_id: uuid.UUID, command_id: str, name: str, args: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Run a command once; the same id from the same actor gets the stored answer again."""
        if text_problem(command_id, max_length=64, rule="line"):
            raise InvalidInput(
                "a command needs an id of 1 to 64 characters without control characters",
                "命令须带 1 至 64 个字符的编号，且不含控制字符",
            )
        lot, project = await self.tick(lot_id)
        stored = await reads.answered(self._sessions, lot_id, who, command_id)
        if stored is not None:
            return stored
        command = COMMANDS.get(name)
        if command is None:
            raise InvalidInput(f"unknown command {name!r}", f"未知命令 {name!r}")
        command.allow(who)
        async with self._lot_lock(lot_id), self._sessions() as db:
            session, seen = await self._locked(db, lot_id)
            # The same id resent meanwhile (a reconnect during the first copy) waited for the lock:
            # it gets the first copy's answer, read under the lock, and runs nothing again.
            stored = await reads.answered_in(db, lot_id, who, command_id)
            if stored is not None:
                await db.rollback()
                return stored
            state = session.state
            command.possible(state)
            answer = await command.run(Call(db, session, self._resources, lot, project, who, args))
            db.add(
                OpeningCommand(
                    lot_id=lot_id,
                    actor=who.actor.id,
                    command_id=command_id,
                    name=name,
                    result=answer.data,
                    at=self.now(),
                )
            )
            record(
                db,
                who.actor,
                f"opening.{name}",
                object_type="lot",
                object_id=str(lot_id),
                content_sha256=content_hash({"args": _redacted(args)}),
                details={"command": command_id, "state": session.state},
                # A bidder acting before the deadline is a bidder taking part: sealed until then (办法 21).
                embargo_project_id=project.id if who.role is Role.BIDDER and state is State.WAITING else None,
            )
            after = answer.after | _new_events(session, seen)
            await db.commit()
            await self.after(after)
        return answer.data

    async def tick(self, lot_id: uuid.UUID) -> tuple[Lot, Project]:
        """Apply what the clock alone decides: extraction at the deadline, the end of the decryption window.
        Returns the lot and its project, which callers need next."""
        lot, project = await self.lot(lot_id)
        now = self.now()
        async with self._lot_lock(lot_id), self._sessions() as db:
            session, seen = await self._locked(db, lot_id)
            change = Change(db, session, self._resources)
            assert lot.bid_deadline is not None
            if session.state is State.WAITING and now >= lot.bid_deadline:
                await extract(change, lot, project)
            elif (
                session.state is State.DECRYPTING
                and session.decrypt_ends_at is not None
                and now >= session.decrypt_ends_at
            ):
                await close_window(change, lot)
            after = _new_events(session, seen)
            await db.commit()
            await self.after(after)
        return lot, project

    @contextlib.asynccontextmanager
    async def ticking(
        self, lots: Callable[[], Iterable[uuid.UUID]], seen: Callable[[Lot, Project], None] | None = None
    ) -> AsyncIterator[None]:
        """Tick every second the lots ``lots()`` names (those with clients here), so that extraction
        and the end of the window happen on time even when nobody sends anything; ``seen`` is told
        each lot as the tick read it (the hub keeps what a ``welcome`` shows of it current)."""

        async def loop() -> None:
            while True:
                await asyncio.sleep(TICK_SECONDS)
                for lot_id in list(lots()):
                    try:
                        lot, project = await self.tick(lot_id)
                        if seen is not None:
                            seen(lot, project)
                    except asyncio.CancelledError:
                        raise
                    except Exception:
                        log.warning("opening tick failed", exc_info=True, extra={"lot": str(lot_id)})

        task = asyncio.create_task(loop())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def after(self, after: AfterCommit) -> None:
        """What a committed change left: announce its events now; enqueue its jobs and sign its record
        on tasks of their own (the caller may still hold the lot's lock, which signing takes again)."""
        if after.publish is not None and after.progress is not None and self._committed is not None:
            self._committed(after.publish[0], after.progress)
        if after.publish is not None and self._publish is not None:
            await self._publish(*after.publish)
        if self._jobs is not None:
            for job in after.jobs:
                self._spawn(self._jobs.enqueue(job.spec, *job.args, job_id=job.job_id))
        for issued in after.records:
            self._spawn(self._issue_record(issued))

    def _spawn(self, step: Awaitable[object]) -> None:
        task = asyncio.create_task(_guarded(step))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _issue_record(self, issued: RecordToSign) -> None:
        """Render and sign the record's PDF outside the lock, then say ``record.ready`` under it."""
        r = self._resources
        key = await opening_record.issue(r.store, r.documents, r.clock, issued.lot_id, issued.record, issued.digest)
        async with self._lot_lock(issued.lot_id), self._sessions() as db:
            session, seen = await self._locked(db, issued.lot_id)
            ready(Change(db, session, r), issued, key)
            after = _new_events(session, seen)
            await db.commit()
            await self.after(after)

    async def _locked(self, db: AsyncSession, lot_id: uuid.UUID) -> tuple[OpeningSession, int]:
        """The lot's session row, locked (created with ``session.opened`` the first time), and the number
        of its last event committed before."""
        session = await db.scalar(select(OpeningSession).where(OpeningSession.lot_id == lot_id).with_for_update())
        if session is not None:
            return session, session.last_seq
        session = OpeningSession(lot_id=lot_id, state=State.WAITING, last_seq=0, updated_at=self.now())
        try:
            # Added inside the savepoint: begin_nested() flushes what is pending before it starts,
            # and a duplicate row flushed there would break the whole transaction.
            async with db.begin_nested():
                db.add(session)
                await db.flush()
        except IntegrityError:  # another process created it first
            existing = await db.scalar(select(OpeningSession).where(OpeningSession.lot_id == lot_id).with_for_update())
            assert existing is not None
            return existing, existing.last_seq
        lot, project = await self.lot(lot_id)
        emit(
            db,
            session,
            "session.opened",
            {
                "lot": lot.code,
                "lot_name": lot.name,
                "project": project.name,
                "deadline": lot.bid_deadline.isoformat() if lot.bid_deadline else None,
            },
            now=self.now(),
            # Dated at publication, not when someone first opened the room: that moment could be a
            # bidder's first visit, and the public reads this event (办法 21).
            at=project.published_at,
        )
        return session, 0


def _new_events(session: OpeningSession, seen: int) -> AfterCommit:
    """Announce the session's newest number, and hand this process's hub the events, if this change
    numbered any."""
    if session.last_seq <= seen:
        return NOTHING
    return AfterCommit(publish=(session.lot_id, session.last_seq), progress=emitted(session))


async def _guarded(step: Awaitable[object]) -> None:
    try:
        await step
    except Exception:
        log.exception("opening room: after-commit step failed")


def _redacted(args: Mapping[str, Any]) -> dict[str, Any]:
    """Command arguments for the audit trail: a data key is recorded by its hash only."""
    out = dict(args)
    if "data_key" in out:
        out["data_key"] = hashlib.sha256(str(out["data_key"]).encode()).hexdigest()
    return out


def resources_of(platform: Platform) -> Resources:
    return Resources(
        store=platform.store,
        clock=platform.clock,
        documents=platform.documents,
        opened_keys=OpenedKeys.for_platform(platform),
    )


_ROOMS: Final[weakref.WeakKeyDictionary[Platform, OpeningRoom]] = weakref.WeakKeyDictionary()


def room_of(platform: Platform) -> OpeningRoom:
    """The platform's opening room, live: its events announced on Redis, decrypted bodies opened by the
    worker. One per platform, since its per-lot locks must queue every command of this process."""
    room = _ROOMS.get(platform)
    if room is None:
        redis, prefix = platform.redis, channel_prefix(platform.settings)

        async def announce(lot_id: uuid.UUID, seq: int) -> None:
            await publish(redis, prefix, lot_id, seq)

        room = OpeningRoom(platform.sessions, resources_of(platform), publish=announce, jobs=platform.jobs)
        _ROOMS[platform] = room
    return room
