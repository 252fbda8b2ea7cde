"""The opening session of one lot: commands from the host, the bidders and the supervisor, and the
clock, turned into numbered events (docs/opening-room-protocol.md).

Everything is in the database: the session row (state, last event number) is locked for every
change, events are numbered without gaps in the same transaction, and a command id answered once is
answered the same way again. Any app process can therefore serve any client, and a restart loses
nothing. After each commit the new event number is announced on Redis (see :mod:`opening_room.hub`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import io
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, NamedTuple

from cryptography import x509
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from bidding.audit import Actor, content_hash, record
from bidding.clock import Clock
from bidding.db.models import Bid, Certificate, Lot, Organization, Project
from bidding.documents.opening_record import (
    BidderRow,
    Objection,
    OpeningRecordData,
    confirmation_field,
    render_opening_record,
)
from bidding.domain.announcements import AnnouncementKind
from bidding.domain.forms import FormError, check_values
from bidding.domain.projects import ProjectStatus
from bidding.domain.transitions import move
from bidding.errors import Conflict, Forbidden, InvalidInput, NotFound
from bidding.fields import INT32_MAX, text_problem
from bidding.pki.documents import DocumentSigner
from bidding.services.announcements import announce
from bidding.services.opened_keys import OpenedKeys
from bidding.services.submission import extract_bids
from crypto.errors import CryptoError
from crypto.pdf.errors import PdfError
from crypto.sealed import KeyCommitmentMismatchError, open_form_bytes, read_header
from opening_room.states import (
    BID_OPENING_TRANSITIONS,
    COMMANDS,
    MIN_BIDS,
    TRANSITIONS,
    BidOpeningOutcome,
    BidOpeningStatus,
    Role,
    State,
)
from opening_room.tables import BidOpening, OpeningCommand, OpeningEvent, OpeningSession, OpeningSignIn
from storage import ObjectNotFound, ObjectStore

log = logging.getLogger("opening_room")

MAX_ATTEMPTS: Final = 5
PREFIX_BYTES: Final = 2 * 1024 * 1024  # header + opening form of any package fit in this
MAX_TEXT: Final = 2000

Notify = Callable[[uuid.UUID, int], Awaitable[None]]
#: Called after the commit that decrypted a bid's form, with the bid's id (never its key).
OnDecrypted = Callable[[uuid.UUID], Awaitable[None]]
RECORD_KEY: Final = "opening-records/{lot}/record-v{version}.pdf"
PENDING_KEY: Final = "opening-records/{lot}/pending-{org}.json"
RECORD_RETENTION: Final = timedelta(days=15 * 365)


class CommandRefused(Conflict):
    code = "command_refused"
    message_zh = "当前不能执行该操作"
    message_en = "This command is not possible now"


class RecordChanged(CommandRefused):
    """The record was signed by another bidder after this one prepared: prepare again."""

    code = "record_changed"
    message_zh = "开标记录已更新，请重新获取待签数据"
    message_en = "The record changed: prepare the signature again"


@dataclass(frozen=True)
class Participant:
    """Who is in the room: their role, who they are, and the certificate of their session."""

    role: Role
    actor: Actor
    organization_id: uuid.UUID | None = None
    fingerprint: str | None = None
    name: str = ""

    def sees(self, audience: str) -> bool:
        """Public events are for everyone, ``host`` events for the host and supervisors, and a bidder's
        private events (its sign-in before the deadline, its opened form) for that bidder alone: not
        even the host learns who is in the room before the deadline or a price before the 唱标."""
        if audience == "public":
            return True
        if audience == "host":
            return self.role in (Role.HOST, Role.SUPERVISOR)
        return self.organization_id is not None and audience == f"org:{self.organization_id}"


class Call(NamedTuple):
    """What a command handler gets: the transaction, the locked session, the lot, who, the arguments."""

    db: AsyncSession
    session: OpeningSession
    lot: Lot
    project: Project
    who: Participant
    args: dict[str, Any]


@dataclass(frozen=True)
class EventView:
    seq: int
    name: str
    at: datetime
    data: dict[str, Any]
    audience: str

    def message(self) -> dict[str, Any]:
        return {"type": "event", "seq": self.seq, "name": self.name, "at": self.at.isoformat(), "data": self.data}


def _view(e: OpeningEvent) -> EventView:
    return EventView(e.seq, e.name, e.at, e.data, e.audience)


def _text(args: dict[str, Any], key: str) -> str:
    value = args.get(key)
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


def _number(args: dict[str, Any], key: str) -> int:
    """A whole number naming a row of an ``Integer`` column (a bid's order, an event's number)."""
    value = args.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= INT32_MAX:
        raise InvalidInput(f"`{key}` must be a whole number from 1 to {INT32_MAX}", f"`{key}` 须为正整数")
    return value


class OpeningRoom:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        store: ObjectStore,
        clock: Clock,
        notify: Notify,
        documents: DocumentSigner,
        *,
        opened_keys: OpenedKeys,
        on_decrypted: OnDecrypted | None = None,
    ) -> None:
        self._sessions = sessions
        self._store = store
        self._clock = clock
        self._notify = notify
        self._documents = documents
        self._opened_keys = opened_keys
        self._on_decrypted = on_decrypted
        # The session row lock serialises processes on PostgreSQL; SQLite has no row locks, so
        # commands of one process also queue on a per-lot lock before their transaction.
        self._lot_locks: dict[uuid.UUID, asyncio.Lock] = {}
        self._background: set[asyncio.Task[None]] = set()

    def _lot_lock(self, lot_id: uuid.UUID) -> asyncio.Lock:
        return self._lot_locks.setdefault(lot_id, asyncio.Lock())

    def now(self) -> datetime:
        return self._clock.now()

    # ------------------------------------------------------------------ reading

    async def lot(self, lot_id: uuid.UUID) -> tuple[Lot, Project]:
        async with self._sessions() as db:
            lot = await db.scalar(
                select(Lot).where(Lot.id == lot_id).options(selectinload(Lot.project).selectinload(Project.agent))
            )
        if lot is None or lot.project.status is ProjectStatus.DRAFT or lot.bid_deadline is None:
            raise NotFound(f"no opening for lot {lot_id}", f"标段 {lot_id} 没有开标")
        return lot, lot.project

    async def events_since(
        self, lot_id: uuid.UUID, seq: int, who: Participant | None, limit: int = 1000
    ) -> list[EventView]:
        """Events after ``seq`` that ``who`` may see (every event when ``who`` is None: the hub filters per client)."""
        async with self._sessions() as db:
            rows = await db.scalars(
                select(OpeningEvent)
                .where(OpeningEvent.lot_id == lot_id, OpeningEvent.seq > seq)
                .order_by(OpeningEvent.seq)
                .limit(limit)
            )
            return [_view(e) for e in rows.all() if who is None or who.sees(e.audience)]

    async def snapshot(self, lot_id: uuid.UUID) -> dict[str, Any]:
        lot, project = await self.tick(lot_id)
        async with self._sessions() as db:
            session = await db.get(OpeningSession, lot_id)
        assert session is not None
        return {
            "lot": {
                "id": str(lot.id),
                "code": lot.code,
                "name": lot.name,
                "project": project.name,
                "project_code": project.code,
            },
            "deadline": lot.bid_deadline.isoformat() if lot.bid_deadline else None,
            "state": session.state,
            "last_seq": session.last_seq,
            "decrypt_ends_at": session.decrypt_ends_at.isoformat() if session.decrypt_ends_at else None,
            "server_time": self._clock.now().isoformat(),
        }

    # ------------------------------------------------------------------ writing

    async def _locked(self, db: AsyncSession, lot_id: uuid.UUID) -> OpeningSession:
        session = await db.scalar(select(OpeningSession).where(OpeningSession.lot_id == lot_id).with_for_update())
        if session is None:
            session = OpeningSession(lot_id=lot_id, state=State.WAITING, last_seq=0, updated_at=self._clock.now())
            try:
                # Added inside the savepoint: begin_nested() flushes what is pending before it starts,
                # and a duplicate row flushed there would break the whole transaction.
                async with db.begin_nested():
                    db.add(session)
                    await db.flush()
            except IntegrityError:  # another process created it first
                session = await db.scalar(
                    select(OpeningSession).where(OpeningSession.lot_id == lot_id).with_for_update()
                )
                assert session is not None
            else:
                lot, project = await self.lot(lot_id)
                self._emit(
                    db,
                    session,
                    "session.opened",
                    {
                        "lot": lot.code,
                        "lot_name": lot.name,
                        "project": project.name,
                        "deadline": lot.bid_deadline.isoformat() if lot.bid_deadline else None,
                    },
                    # Dated at publication, not when someone first opened the room: that moment could
                    # be a bidder's first visit, and the public reads this event (办法 21).
                    at=project.published_at,
                )
        return session

    def _emit(
        self,
        db: AsyncSession,
        session: OpeningSession,
        name: str,
        data: dict[str, Any],
        audience: str = "public",
        at: datetime | None = None,
    ) -> None:
        """Number and store one event. Its number is seen by everyone who sees the next public event,
        so before the deadline only public events are numbered (办法 21: a private event would show as
        a gap, counting the bidders); a bidder's private facts then live outside the sequence."""
        if audience != "public" and session.state is State.WAITING:
            raise RuntimeError(f"{name}: a private event before the deadline would be counted by everyone")
        db.info["emitted"] = True
        session.last_seq += 1
        now = self._clock.now()
        session.updated_at = now
        db.add(
            OpeningEvent(
                lot_id=session.lot_id, seq=session.last_seq, name=name, audience=audience, data=data, at=at or now
            )
        )

    async def _commit_and_notify(self, db: AsyncSession, session: OpeningSession) -> None:
        last, lot_id = session.last_seq, session.lot_id
        emitted = db.info.pop("emitted", False)
        after: list[Callable[[], Awaitable[None]]] = db.info.pop("after_commit", [])
        await db.commit()
        if emitted:
            await self._notify(lot_id, last)
        for step in after:
            # After-commit work runs on its own task: the caller still holds the lot's lock.
            task = asyncio.create_task(self._guarded(step))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _guarded(self, step: Callable[[], Awaitable[None]]) -> None:
        try:
            await step()
        except Exception:
            log.exception("opening room: after-commit step failed")

    async def tick(self, lot_id: uuid.UUID) -> tuple[Lot, Project]:
        """Apply what the clock alone decides: extraction at the deadline, the end of the decryption window.
        Returns the lot and its project, which callers need next."""
        lot, project = await self.lot(lot_id)
        now = self._clock.now()
        async with self._lot_lock(lot_id), self._sessions() as db:
            session = await self._locked(db, lot_id)
            state = session.state
            assert lot.bid_deadline is not None
            if state is State.WAITING and now >= lot.bid_deadline:
                await self._extract(db, session, lot, project)
            elif state is State.DECRYPTING and session.decrypt_ends_at is not None and now >= session.decrypt_ends_at:
                await self._close_decryption(db, session, lot)
            await self._commit_and_notify(db, session)
        return lot, project

    async def _extract(self, db: AsyncSession, session: OpeningSession, lot: Lot, project: Project) -> None:
        """At the deadline every active bid is taken for the opening (办法 29); nothing is decrypted."""
        if project.status is ProjectStatus.CANCELLED:
            move_session(session, State.FAILED)
            self._emit(db, session, "session.failed", {"reason": "terminated"})
            return
        # Only once every upload whose last byte came before the deadline is decided, and under the
        # lot's lock: each bid with a receipt is taken in the version its receipt names (办法 27, 29).
        rows = await extract_bids(db, lot.id, self._clock)
        if rows is None:
            return  # still verifying such an upload: the next tick (≤ 1 s) tries again
        # Sign-ins before the deadline were known to each bidder alone: now they count.
        signed_in = await self._early_sign_ins(db, lot.id)
        for order, (bid, _org) in enumerate(rows, start=1):
            existing = await db.get(BidOpening, bid.id)
            if existing is None:
                db.add(
                    BidOpening(
                        bid_id=bid.id,
                        lot_id=lot.id,
                        organization_id=bid.organization_id,
                        order_no=order,
                        status=BidOpeningStatus.PENDING,
                        attempts=0,
                        signed_in_at=signed_in.get(bid.organization_id),
                    )
                )
        self._emit(db, session, "bids.extracted", {"count": len(rows)})
        if len(rows) < MIN_BIDS:
            move_session(session, State.EXTRACTED)
            self._emit(db, session, "decision.required", {"count": len(rows), "minimum": MIN_BIDS})
        else:
            await self._publish_bidders(db, session, lot)

    async def _publish_bidders(self, db: AsyncSession, session: OpeningSession, lot: Lot) -> None:
        rows = (
            await db.execute(
                select(BidOpening, Organization)
                .join(Organization, BidOpening.organization_id == Organization.id)
                .where(BidOpening.lot_id == lot.id)
                .order_by(BidOpening.order_no)
            )
        ).all()
        move_session(session, State.BIDDERS_PUBLISHED)
        bidders = [
            {
                "order": o.order_no,
                "name": org.name,
                "credit_code": org.credit_code,
                "deposit": "exempt" if lot.deposit_fen == 0 else "not_checked",
                "signed_in": o.signed_in_at is not None,
            }
            for o, org in rows
        ]
        self._emit(db, session, "bidders.published", {"bidders": bidders})

    # ------------------------------------------------------------------ commands

    async def command(
        self, who: Participant, lot_id: uuid.UUID, command_id: str, name: str, args: dict[str, Any]
    ) -> dict[str, Any]:
        """Run a command once; the same id from the same actor gets the stored answer again."""
        if text_problem(command_id, max_length=64, rule="line"):
            raise InvalidInput(
                "a command needs an id of 1 to 64 characters without control characters",
                "命令须带 1 至 64 个字符的编号，且不含控制字符",
            )
        lot, project = await self.tick(lot_id)
        async with self._sessions() as db:
            answered = await db.scalar(
                select(OpeningCommand).where(
                    OpeningCommand.lot_id == lot_id,
                    OpeningCommand.actor == who.actor.id,
                    OpeningCommand.command_id == command_id,
                )
            )
            if answered is not None:
                return answered.result
        rule = COMMANDS.get(name)
        if rule is None:
            raise InvalidInput(f"unknown command {name!r}", f"未知命令 {name!r}")
        roles, states = rule
        if who.role not in roles:
            raise Forbidden(
                f"{name} is for the {', '.join(sorted(r.value for r in roles))}",
                f"{name} 仅限 {', '.join(sorted(r.value for r in roles))}",
            )
        async with self._lot_lock(lot_id), self._sessions() as db:
            session = await self._locked(db, lot_id)
            state = session.state
            if state not in states:
                raise CommandRefused(
                    f"{name} is not possible while the session is {state.value}",
                    f"开标处于 {state.value} 状态，不能执行 {name}",
                )
            handler = getattr(self, f"_cmd_{name}")
            result: dict[str, Any] = await handler(Call(db, session, lot, project, who, args))
            db.add(
                OpeningCommand(
                    lot_id=lot_id,
                    actor=who.actor.id,
                    command_id=command_id,
                    name=name,
                    result=result,
                    at=self._clock.now(),
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
            await self._commit_and_notify(db, session)
        return result

    async def _own_opening(self, db: AsyncSession, lot: Lot, who: Participant) -> BidOpening:
        opening = await db.scalar(
            select(BidOpening)
            .where(BidOpening.lot_id == lot.id, BidOpening.organization_id == who.organization_id)
            .with_for_update()
        )
        if opening is None:
            raise NotFound("you have no bid in this opening", "您在本次开标中没有投标")
        return opening

    async def _early_sign_ins(self, db: AsyncSession, lot_id: uuid.UUID) -> dict[uuid.UUID, datetime]:
        """Each organisation's sign-in before the deadline (and, for sessions of older versions, the
        private ``bidder.signed_in`` events they numbered)."""
        signed_in = {
            row.organization_id: row.signed_in_at
            for row in await db.scalars(select(OpeningSignIn).where(OpeningSignIn.lot_id == lot_id))
        }
        legacy = await db.scalars(
            select(OpeningEvent)
            .where(
                OpeningEvent.lot_id == lot_id,
                OpeningEvent.name == "bidder.signed_in",
                OpeningEvent.audience.startswith("org:"),
            )
            .order_by(OpeningEvent.seq)
        )
        for event in legacy.all():
            signed_in.setdefault(uuid.UUID(event.audience.removeprefix("org:")), event.at)
        return signed_in

    async def own_sign_in(self, lot_id: uuid.UUID, who: Participant) -> datetime | None:
        """When ``who``'s organisation signed in before the deadline (for its own welcome only)."""
        if who.organization_id is None:
            return None
        async with self._sessions() as db:
            return (await self._early_sign_ins(db, lot_id)).get(who.organization_id)

    async def _cmd_sign_in(self, c: Call) -> dict[str, Any]:
        db, session, lot, _, who, _ = c
        now = self._clock.now()
        opening = await db.scalar(
            select(BidOpening).where(BidOpening.lot_id == lot.id, BidOpening.organization_id == who.organization_id)
        )
        if session.state is State.WAITING:
            # Before the deadline, who is in the room would tell who bid (办法 21): no event, whose
            # number all would count; the bidder learns it from this answer and its welcome.
            assert who.organization_id is not None
            early = await db.get(OpeningSignIn, (lot.id, who.organization_id))
            if early is None:
                early = OpeningSignIn(lot_id=lot.id, organization_id=who.organization_id, signed_in_at=now)
                db.add(early)
            return {"signed_in": True, "at": early.signed_in_at.isoformat()}
        if opening is None:
            raise NotFound("you have no bid in this opening", "您在本次开标中没有投标")
        if opening.signed_in_at is None:
            opening.signed_in_at = now
            self._emit(db, session, "bidder.signed_in", {"order": opening.order_no, "name": who.name})
        return {"signed_in": True, "order": opening.order_no}

    async def _cmd_continue(self, c: Call) -> dict[str, Any]:
        db, session, lot, _, _, args = c
        reason = _text(args, "reason")
        self._emit(db, session, "host.continued", {"reason": reason})
        await self._publish_bidders(db, session, lot)
        return {"state": session.state}

    async def _cmd_stop(self, c: Call) -> dict[str, Any]:
        db, session, _, _, _, args = c
        reason = _text(args, "reason")
        move_session(session, State.FAILED)
        self._emit(db, session, "session.failed", {"reason": reason, "by": "host"})
        return {"state": session.state}

    async def _cmd_start_decryption(self, c: Call) -> dict[str, Any]:
        db, session, lot, _, _, _ = c
        ends = self._clock.now() + timedelta(minutes=lot.decrypt_window_minutes)
        move_session(session, State.DECRYPTING)
        session.decrypt_ends_at = ends
        self._emit(
            db, session, "decryption.started", {"ends_at": ends.isoformat(), "minutes": lot.decrypt_window_minutes}
        )
        return {"ends_at": ends.isoformat()}

    async def _cmd_pause(self, c: Call) -> dict[str, Any]:
        db, session, _, _, _, args = c
        reason = _text(args, "reason")
        assert session.decrypt_ends_at is not None
        remaining = max(0, int((session.decrypt_ends_at - self._clock.now()).total_seconds()))
        move_session(session, State.PAUSED)
        session.paused_remaining_s, session.decrypt_ends_at = remaining, None
        self._emit(db, session, "decryption.paused", {"reason": reason, "remaining_s": remaining})
        return {"remaining_s": remaining}

    async def _cmd_resume(self, c: Call) -> dict[str, Any]:
        db, session, _, _, _, _ = c
        ends = self._clock.now() + timedelta(seconds=session.paused_remaining_s or 0)
        move_session(session, State.DECRYPTING)
        session.decrypt_ends_at, session.paused_remaining_s = ends, None
        self._emit(db, session, "decryption.resumed", {"ends_at": ends.isoformat()})
        return {"ends_at": ends.isoformat()}

    async def _cmd_extend(self, c: Call) -> dict[str, Any]:
        db, session, _, _, _, args = c
        reason = _text(args, "reason")
        minutes = args.get("minutes")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 120:
            raise InvalidInput("`minutes` must be a whole number from 1 to 120", "`minutes` 须为 1 至 120 的整数")
        if session.decrypt_ends_at is not None:
            session.decrypt_ends_at += timedelta(minutes=minutes)
        else:
            session.paused_remaining_s = (session.paused_remaining_s or 0) + minutes * 60
        data = {
            "minutes": minutes,
            "reason": reason,
            "ends_at": session.decrypt_ends_at.isoformat() if session.decrypt_ends_at else None,
        }
        self._emit(db, session, "decryption.extended", data)
        return data

    async def _package_prefix(self, bid: Bid) -> bytes:
        parts: list[bytes] = []
        async for chunk in self._store.open(bid.object_key, length=min(bid.size, PREFIX_BYTES)):
            parts.append(chunk)
        return b"".join(parts)

    async def _cmd_get_envelope(self, c: Call) -> dict[str, Any]:
        """The bidder's CMS recipient blob: it unwraps the data key with its own private key."""
        db, _, lot, _, who, _ = c
        opening = await self._own_opening(db, lot, who)
        bid = await db.get(Bid, opening.bid_id)
        assert bid is not None
        header = read_header(io.BytesIO(await self._package_prefix(bid)))
        blobs = [r.cms for r in header.recipients if r.cert_sha256 == who.fingerprint]
        if not blobs:
            raise Forbidden("your certificate is not a recipient of this package", "您的证书不是该投标文件的接收者")
        return {"envelope": base64.b64encode(blobs[0]).decode(), "bid_sha256": bid.sha256}

    async def _cmd_decrypt(self, c: Call) -> dict[str, Any]:
        """Check the data key the bidder unwrapped, open the form, verify its signature, record it (办法 30)."""
        db, session, lot, _, who, args = c
        opening = await self._own_opening(db, lot, who)
        if opening.status is BidOpeningStatus.DECRYPTED:
            return {"status": BidOpeningStatus.DECRYPTED.value, "already": True}
        if opening.attempts >= MAX_ATTEMPTS:
            raise CommandRefused(f"no attempts left ({MAX_ATTEMPTS})", f"解密次数已用完（{MAX_ATTEMPTS} 次）")
        try:
            key = base64.b64decode(str(args.get("data_key", "")), validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != 32:
            raise InvalidInput(
                "`data_key` must be the 32-byte data key, base64", "`data_key` 须为 base64 编码的 32 字节数据密钥"
            )
        bid = await db.get(Bid, opening.bid_id)
        assert bid is not None
        opening.attempts += 1
        prefix = await self._package_prefix(bid)
        try:
            form = open_form_bytes(prefix, key)  # checks the key commitment before decrypting anything
            values = check_values(lot.form_fields, form.data)
        except KeyCommitmentMismatchError:
            return self._failed_attempt(
                db, session, opening, who, "wrong_key", "the data key does not fit this package"
            )
        except FormError as exc:
            return self._failed_attempt(db, session, opening, who, "invalid_form", str(exc))
        except CryptoError as exc:
            return self._failed_attempt(db, session, opening, who, exc.code, exc.message)
        move_opening(opening, BidOpeningStatus.DECRYPTED)
        opening.decrypted_at = self._clock.now()
        opening.form, opening.price_fen = values, int(values["price_fen"])
        # The body (any size) is opened afterwards by a worker, with the key the bidder gave: kept
        # on the bid, encrypted, in this transaction; the worker is told the bid's id alone.
        self._opened_keys.keep(bid, key)
        if self._on_decrypted is not None:
            hook, bid_id = self._on_decrypted, bid.id
            db.info.setdefault("after_commit", []).append(lambda: hook(bid_id))
        self._emit(
            db,
            session,
            "decryption.succeeded",
            {"order": opening.order_no, "name": who.name, "attempts": opening.attempts},
        )
        self._emit(
            db,
            session,
            "decryption.form",
            {"order": opening.order_no, "form": values},
            audience=f"org:{who.organization_id}",
        )
        return {"status": BidOpeningStatus.DECRYPTED.value, "form": values}

    def _failed_attempt(
        self, db: AsyncSession, session: OpeningSession, opening: BidOpening, who: Participant, code: str, detail: str
    ) -> dict[str, Any]:
        opening.failure = f"{code}: {detail}"
        left = MAX_ATTEMPTS - opening.attempts
        self._emit(
            db,
            session,
            "decryption.failed",
            {"order": opening.order_no, "name": who.name, "attempts": opening.attempts, "left": left, "reason": code},
        )
        return {"status": BidOpeningStatus.FAILED.value, "reason": code, "detail": detail, "attempts_left": left}

    async def _cmd_platform_fault(self, c: Call) -> dict[str, Any]:
        """A bid that could not be decrypted through no fault of its bidder is deemed withdrawn (视为撤回,
        办法 31), with the remedy the tender documents define; the other bids continue."""
        db, session, lot, _, _, args = c
        order = _number(args, "order")
        reason, remedy = _text(args, "reason"), _text(args, "remedy")
        opening = await db.scalar(
            select(BidOpening).where(BidOpening.lot_id == lot.id, BidOpening.order_no == order).with_for_update()
        )
        if opening is None:
            raise NotFound(f"no bid number {order}", f"没有序号为 {order} 的投标")
        if opening.status is BidOpeningStatus.DECRYPTED:
            raise CommandRefused("this bid is already decrypted", "该投标已解密")
        move_opening(opening, BidOpeningStatus.FAILED)
        opening.outcome, opening.failure = BidOpeningOutcome.WITHDRAWN, f"platform: {reason}"
        self._emit(
            db, session, "decryption.platform_fault", {"order": opening.order_no, "reason": reason, "remedy": remedy}
        )
        return {"order": opening.order_no, "outcome": BidOpeningOutcome.WITHDRAWN.value}

    async def _cmd_close_decryption(self, c: Call) -> dict[str, Any]:
        db, session, lot, _, _, _ = c
        await self._close_decryption(db, session, lot)
        return {"state": session.state}

    async def _close_decryption(self, db: AsyncSession, session: OpeningSession, lot: Lot) -> None:
        """End the window; what is not decrypted failed through the bidder (视为撤销, 办法 31); then 唱标."""
        rows = (
            await db.execute(
                select(BidOpening, Organization)
                .join(Organization, BidOpening.organization_id == Organization.id)
                .where(BidOpening.lot_id == lot.id)
                .order_by(BidOpening.order_no)
            )
        ).all()
        for opening, _ in rows:
            if opening.status is BidOpeningStatus.PENDING:
                move_opening(opening, BidOpeningStatus.FAILED)
                opening.outcome = opening.outcome or BidOpeningOutcome.REVOKED
                opening.failure = opening.failure or "not decrypted within the window"
        session.decrypt_ends_at = None
        self._emit(
            db,
            session,
            "decryption.closed",
            {
                "results": [
                    {"order": o.order_no, "name": org.name, "status": o.status, "outcome": o.outcome} for o, org in rows
                ]
            },
        )
        fields = [f for f in lot.form_fields if f["key"] != "price_fen"]
        announced = [
            {
                "order": o.order_no,
                "name": org.name,
                "credit_code": org.credit_code,
                "status": o.status,
                "outcome": o.outcome,
                "price_fen": o.price_fen,
                "form": {f["key"]: (o.form or {}).get(f["key"]) for f in fields},
            }
            for o, org in rows
        ]
        move_session(session, State.ANNOUNCED)
        # 唱标 (办法 30): names, prices and the fields the tender names; from here on public.
        self._emit(db, session, "announcement", {"bidders": announced, "fields": list(lot.form_fields)})
        move_session(session, State.OBJECTIONS)
        ends = self._clock.now() + timedelta(minutes=lot.objection_window_minutes)
        self._emit(db, session, "objections.opened", {"ends_at": ends.isoformat()})

    async def _cmd_raise_objection(self, c: Call) -> dict[str, Any]:
        db, session, _, _, who, args = c
        text = _text(args, "text")
        self._emit(db, session, "objection.raised", {"objection": session.last_seq + 1, "by": who.name, "text": text})
        return {"objection": session.last_seq}

    async def _cmd_answer_objection(self, c: Call) -> dict[str, Any]:
        db, session, lot, _, who, args = c
        text = _text(args, "text")
        number = _number(args, "objection")
        raised = await db.scalar(
            select(OpeningEvent).where(
                OpeningEvent.lot_id == lot.id, OpeningEvent.seq == number, OpeningEvent.name == "objection.raised"
            )
        )
        if raised is None:
            raise NotFound(f"no objection {number}", f"没有异议 {number}")
        self._emit(db, session, "objection.answered", {"objection": number, "by": who.name, "text": text})
        return {"answered": number}

    async def _cmd_close_objections(self, c: Call) -> dict[str, Any]:
        """Fix the opening record's content (JSON); its PDF is rendered and signed right after the commit,
        outside the session lock, and announced with ``record.ready``; bidders then confirm it."""
        db, session, lot, project, _, _ = c
        record_json = await self._record(db, session, lot, project)
        session.record_json = record_json
        move_session(session, State.SIGNING)
        digest = hashlib.sha256(_canonical(record_json)).hexdigest()
        self._emit(db, session, "record.preparing", {"record_sha256": digest})
        lot_id = lot.id
        db.info.setdefault("after_commit", []).append(lambda: self._issue_record(lot_id, record_json, digest))
        return {"record_sha256": digest}

    async def _issue_record(self, lot_id: uuid.UUID, record_json: dict[str, Any], digest: str) -> None:
        pdf = await asyncio.to_thread(render_opening_record, _record_document(record_json, digest, self._clock.now()))
        signed = await self._documents.sign(pdf, reason="开标记录 / opening record")
        key = RECORD_KEY.format(lot=lot_id, version=1)
        await self._put(key, signed)
        async with self._lot_lock(lot_id), self._sessions() as db:
            session = await self._locked(db, lot_id)
            if session.record_pdf_key is None:
                session.record_pdf_key = key
                signers = [b["order"] for b in record_json["bidders"]]
                self._emit(
                    db,
                    session,
                    "record.ready",
                    {"record_sha256": digest, "pdf": f"/api/public/openings/{lot_id}/record.pdf", "signers": signers},
                )
            await self._commit_and_notify(db, session)

    async def record(self, lot_id: uuid.UUID) -> tuple[dict[str, Any], str | None]:
        """The record JSON and the key of its newest signed PDF, once the record exists."""
        async with self._sessions() as db:
            session = await db.get(OpeningSession, lot_id)
        if session is None or session.record_json is None:
            raise NotFound("this opening has no record yet", "本次开标尚无开标记录")
        return session.record_json, session.record_pdf_key

    def open_object(self, key: str) -> AsyncIterator[bytes]:
        return self._store.open(key)

    async def _put(self, key: str, data: bytes, *, retain: bool = True) -> None:
        async def body() -> AsyncIterator[bytes]:
            yield data

        await self._store.put(
            key,
            body(),
            content_type="application/pdf" if key.endswith(".pdf") else "application/json",
            retain_until=self._clock.now() + RECORD_RETENTION if retain else None,
        )

    async def _read(self, key: str) -> bytes:
        return b"".join([chunk async for chunk in self._store.open(key)])

    async def _cmd_prepare_record_signature(self, c: Call) -> dict[str, Any]:
        """First half of a bidder's confirmation (remote signing): what its key must sign."""
        db, session, lot, _, who, _ = c
        opening = await self._own_opening(db, lot, who)
        certificate = await db.scalar(select(Certificate).where(Certificate.fingerprint == who.fingerprint))
        if certificate is None:
            raise Forbidden(
                "only certificates issued by this platform can sign the record here",
                "仅本平台签发的证书可在此签署开标记录",
            )
        if session.record_pdf_key is None:
            raise CommandRefused("the record PDF is being prepared: wait for record.ready", "开标记录正在生成，请等待")
        request = await self._documents.prepare_user_signature(
            await self._read(session.record_pdf_key),
            x509.load_der_x509_certificate(certificate.der),
            field_name=confirmation_field(opening.order_no),
            reason="投标人确认开标记录 / bidder confirms the opening record",
        )
        pending = {"base": session.record_pdf_key, "state": base64.b64encode(request.state).decode()}
        await self._put(
            PENDING_KEY.format(lot=lot.id, org=who.organization_id), json.dumps(pending).encode(), retain=False
        )
        return {
            "to_be_signed": base64.b64encode(request.to_be_signed).decode(),
            "algorithm": request.algorithm,
            "field": confirmation_field(opening.order_no),
        }

    async def _cmd_sign_record(self, c: Call) -> dict[str, Any]:
        """Second half: embed the bidder's signature (and a platform timestamp) into the record."""
        db, session, lot, _, who, args = c
        opening = await self._own_opening(db, lot, who)
        try:
            signature = base64.b64decode(str(args.get("signature", "")), validate=True)
            pending = json.loads(await self._read(PENDING_KEY.format(lot=lot.id, org=who.organization_id)))
        except (binascii.Error, ValueError):
            raise InvalidInput("`signature` must be base64", "`signature` 须为 base64") from None
        except ObjectNotFound:
            raise CommandRefused("prepare the signature first", "请先获取待签数据") from None
        if pending["base"] != session.record_pdf_key:
            raise RecordChanged(
                "the record was signed by someone else meanwhile: prepare again",
                "开标记录已被他人签署更新，请重新获取待签数据",
            )
        try:
            signed = await self._documents.finish_user_signature(base64.b64decode(pending["state"]), signature)
        except PdfError as exc:
            raise InvalidInput(f"{exc.code}: {exc.message}", f"{exc.code}：{exc.message}") from None
        assert session.record_pdf_key is not None
        version = int(session.record_pdf_key.rsplit("-v", 1)[1].split(".")[0]) + 1
        key = RECORD_KEY.format(lot=lot.id, version=version)
        await self._put(key, signed)
        session.record_pdf_key = key
        self._emit(db, session, "record.signed", {"order": opening.order_no, "name": who.name})
        return {"signed": True, "version": version}

    async def _record(self, db: AsyncSession, session: OpeningSession, lot: Lot, project: Project) -> dict[str, Any]:
        """The opening record (开标记录, 办法 32) as JSON: built from the events and bid openings."""
        events = (
            await db.scalars(
                select(OpeningEvent)
                .where(OpeningEvent.lot_id == lot.id, OpeningEvent.audience == "public")
                .order_by(OpeningEvent.seq)
            )
        ).all()
        announcement: dict[str, Any] = next(
            (e.data for e in reversed(events) if e.name == "announcement"), {"bidders": []}
        )
        objections = [
            e.data | {"seq": e.seq, "at": e.at.isoformat()}
            for e in events
            if e.name in ("objection.raised", "objection.answered")
        ]
        remarks = [e.data | {"at": e.at.isoformat()} for e in events if e.name == "supervisor.remark"]
        return {
            "type": "opening-record",
            "project": {"id": str(project.id), "code": project.code, "name": project.name},
            "lot": {"id": str(lot.id), "code": lot.code, "name": lot.name},
            "opening_at": lot.bid_deadline.isoformat() if lot.bid_deadline else None,
            "host": project.agent.name,
            "bidders": announcement["bidders"],
            "fields": list(lot.form_fields),
            "objections": objections,
            "remarks": remarks,
            "events": session.last_seq,
        }

    async def _cmd_close(self, c: Call) -> dict[str, Any]:
        """Close and publish the record as an announcement (办法 32)."""
        db, session, lot, project, who, _ = c
        if session.record_pdf_key is None:
            # The signed PDF is made right after close_objections commits; publishing before it exists
            # would announce a record.pdf that answers 404 (and record.ready after session.closed).
            raise CommandRefused(
                "the opening record is still being signed: close once record.ready has arrived",
                "开标记录正在签章，请在记录生成（record.ready）后再结束开标",
            )
        record_json = session.record_json or await self._record(db, session, lot, project)
        body = json.dumps(record_json, ensure_ascii=False, indent=1)
        proj = await db.get(Project, project.id)
        assert proj is not None
        announcement = await announce(
            db,
            who.actor,
            proj,
            AnnouncementKind.OPENING_RECORD,
            title=f"{project.name} {lot.code} 标段开标记录",
            body=body,
            now=self._clock.now(),
            details={
                "lot": str(lot.id),
                "record_sha256": hashlib.sha256(_canonical(record_json)).hexdigest(),
                "record_pdf": f"/api/public/openings/{lot.id}/record.pdf",
                "record_json": f"/api/public/openings/{lot.id}/record.json",
            },
        )
        move_session(session, State.CLOSED)
        self._emit(db, session, "session.closed", {"announcement": str(announcement.id)})
        return {"announcement": str(announcement.id)}

    async def _cmd_adjourn(self, c: Call) -> dict[str, Any]:
        db, session, _, _, _, args = c
        reason = _text(args, "reason")
        move_session(session, State.ADJOURNED)
        self._emit(db, session, "session.adjourned", {"reason": reason})
        return {"state": session.state}

    async def _cmd_remark(self, c: Call) -> dict[str, Any]:
        db, session, _, _, who, args = c
        text = _text(args, "text")
        self._emit(db, session, "supervisor.remark", {"by": who.name, "text": text})
        return {"remarked": True}


def move_session(session: OpeningSession, to: State) -> None:
    """Move the session to ``to``, as :data:`opening_room.states.TRANSITIONS` allows."""
    session.state = move(TRANSITIONS, session.state, to, what=f"the opening of lot {session.lot_id}")


def move_opening(opening: BidOpening, to: BidOpeningStatus) -> None:
    """Move one bid's opening to ``to``, as :data:`opening_room.states.BID_OPENING_TRANSITIONS` allows."""
    opening.status = move(BID_OPENING_TRANSITIONS, opening.status, to, what=f"bid {opening.order_no}")


def _redacted(args: dict[str, Any]) -> dict[str, Any]:
    """Command arguments for the audit trail: a data key is recorded by its hash only."""
    out = dict(args)
    if "data_key" in out:
        out["data_key"] = hashlib.sha256(str(out["data_key"]).encode()).hexdigest()
    return out


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


_DECRYPTION: Final[dict[str, str]] = {
    BidOpeningStatus.DECRYPTED: "decrypted",
    BidOpeningOutcome.REVOKED: "bidder_fault",
    BidOpeningOutcome.WITHDRAWN: "platform_fault",
}


def _record_document(record_json: dict[str, Any], digest: str, now: datetime) -> OpeningRecordData:
    """The PDF's view of the record JSON (the JSON is the source; the PDF shows it to people)."""
    objections: list[Objection] = []
    answers = {
        o["objection"]: o for o in record_json["objections"] if "objection" in o and o.get("seq") != o["objection"]
    }
    for item in record_json["objections"]:
        if item.get("seq") == item.get("objection"):  # a raised objection carries its own number
            answer = answers.get(item["seq"], {})
            objections.append(
                Objection(
                    raised_by=item["by"],
                    raised_at=datetime.fromisoformat(item["at"]),
                    text=item["text"],
                    answer=answer.get("text", ""),
                    answered_by=answer.get("by", ""),
                    answered_at=datetime.fromisoformat(answer["at"]) if answer else None,
                )
            )
    rows = [
        BidderRow(
            order=b["order"],
            name=b["name"],
            credit_code=b["credit_code"],
            deposit="not_checked",
            decryption=_DECRYPTION.get(
                b["status"] if b["status"] == BidOpeningStatus.DECRYPTED else (b.get("outcome") or ""), "pending"
            ),  # type: ignore[arg-type]
            price_fen=b.get("price_fen"),
            form=b.get("form") or {},
        )
        for b in record_json["bidders"]
    ]
    return OpeningRecordData(
        record_number=f"KB-{record_json['lot']['id'][:8].upper()}",
        project_code=record_json["project"]["code"],
        project_name=record_json["project"]["name"],
        lot_code=record_json["lot"]["code"],
        lot_name=record_json["lot"]["name"],
        opening_at=datetime.fromisoformat(record_json["opening_at"]),
        host=record_json["host"],
        supervisors=sorted({r["by"] for r in record_json["remarks"]}),
        bidders=rows,
        record_sha256=digest,
        issued_at=now,
        fields=record_json["fields"],
        objections=objections,
        supervisor_remarks="\n".join(r["text"] for r in record_json["remarks"]),
        agent=record_json["host"],
    )
