"""What the room shows without changing anything: the lot, the snapshot a ``welcome`` carries, the
events a viewer may see, a bidder's own sign-in, an answered command, the record.

Each function opens its own read-only database session (or reads in the caller's transaction when
it takes ``db``); none locks the session or writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from bidding.core.errors import NotFound
from bidding.deposits.status import statuses_at_opening
from bidding.identity.models import Organization
from bidding.tendering.models import Lot, Project
from bidding.tendering.rules.projects import ProjectStatus
from bidding.transparency.proofs import proof_of_row, proof_text
from opening_room.events import EventView, Progress, view
from opening_room.participants import Participant
from opening_room.tables import BidOpening, OpeningCommand, OpeningEvent, OpeningSession, OpeningSignIn

__all__ = [
    "Progress",
    "answered",
    "answered_in",
    "bidders_in_order",
    "deposit_labels",
    "early_sign_ins",
    "events_since",
    "find_lot",
    "own_sign_in",
    "progress",
    "record",
    "snapshot",
]

Sessions = async_sessionmaker[AsyncSession]


async def find_lot(sessions: Sessions, lot_id: uuid.UUID) -> tuple[Lot, Project]:
    """The lot and its project (with its agent), if the lot has an opening: published, with a deadline."""
    async with sessions() as db:
        lot = await db.scalar(
            select(Lot).where(Lot.id == lot_id).options(selectinload(Lot.project).selectinload(Project.agent))
        )
    if lot is None or lot.project.status is ProjectStatus.DRAFT or lot.bid_deadline is None:
        raise NotFound(f"no opening for lot {lot_id}", f"标段 {lot_id} 没有开标")
    return lot, lot.project


async def events_since(
    sessions: Sessions, lot_id: uuid.UUID, seq: int, who: Participant | None, limit: int = 1000
) -> list[EventView]:
    """Events after ``seq`` that ``who`` may see (every event when ``who`` is None: the hub filters per client)."""
    async with sessions() as db:
        rows = await db.scalars(
            select(OpeningEvent)
            .where(OpeningEvent.lot_id == lot_id, OpeningEvent.seq > seq)
            .order_by(OpeningEvent.seq)
            .limit(limit)
        )
        return [view(e) for e in rows.all() if who is None or who.sees(e.audience)]


async def progress(sessions: Sessions, lot_id: uuid.UUID, seq: int) -> Progress | None:
    """The session's state and its events (every audience) after ``seq``; None if it has no session yet."""
    async with sessions() as db:
        session = await db.get(OpeningSession, lot_id)
        if session is None:
            return None
        rows = await db.scalars(
            select(OpeningEvent)
            .where(OpeningEvent.lot_id == lot_id, OpeningEvent.seq > seq, OpeningEvent.seq <= session.last_seq)
            .order_by(OpeningEvent.seq)
        )
        return Progress(str(session.state), session.last_seq, session.decrypt_ends_at, tuple(view(e) for e in rows))


async def snapshot(sessions: Sessions, lot: Lot, project: Project, now: datetime) -> dict[str, Any]:
    """The state of the opening, as ``welcome`` and ``GET /api/public/openings/{lot}`` give it."""
    async with sessions() as db:
        session = await db.get(OpeningSession, lot.id)
    if session is None:
        raise NotFound(f"no opening for lot {lot.id}", f"标段 {lot.id} 没有开标")
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
        "server_time": now.isoformat(),
    }


async def bidders_in_order(db: AsyncSession, lot_id: uuid.UUID) -> list[tuple[BidOpening, Organization]]:
    """The lot's extracted bids with their organisations, in the order they are opened and announced."""
    rows = await db.execute(
        select(BidOpening, Organization)
        .join(Organization, BidOpening.organization_id == Organization.id)
        .where(BidOpening.lot_id == lot_id)
        .order_by(BidOpening.order_no)
    )
    return [(opening, org) for opening, org in rows.all()]


async def deposit_labels(db: AsyncSession, lot: Lot) -> Callable[[uuid.UUID], str]:
    """Each bidder's deposit status as the extraction took it (``bidding.deposits.status``), by
    organisation; a session extracted before the deposit service shows what it showed then."""
    taken = await statuses_at_opening(db, lot.id)
    fallback = "exempt" if lot.deposit_fen == 0 else "not_checked"
    return lambda org: taken[org].value if org in taken else fallback


async def early_sign_ins(db: AsyncSession, lot_id: uuid.UUID) -> dict[uuid.UUID, datetime]:
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


async def own_sign_in(sessions: Sessions, lot_id: uuid.UUID, who: Participant) -> datetime | None:
    """When ``who``'s organisation signed in before the deadline (for its own welcome only)."""
    if who.organization_id is None:
        return None
    async with sessions() as db:
        return (await early_sign_ins(db, lot_id)).get(who.organization_id)


async def answered(sessions: Sessions, lot_id: uuid.UUID, who: Participant, command_id: str) -> dict[str, Any] | None:
    """The answer ``who`` got to ``command_id`` at this opening, if it sent it before."""
    async with sessions() as db:
        return await answered_in(db, lot_id, who, command_id)


async def answered_in(db: AsyncSession, lot_id: uuid.UUID, who: Participant, command_id: str) -> dict[str, Any] | None:
    """:func:`answered`, read in the caller's transaction (under the session's lock)."""
    result: dict[str, Any] | None = await db.scalar(
        select(OpeningCommand.result).where(
            OpeningCommand.lot_id == lot_id,
            OpeningCommand.actor == who.actor.id,
            OpeningCommand.command_id == command_id,
        )
    )
    return result


async def record(sessions: Sessions, lot_id: uuid.UUID) -> tuple[dict[str, Any], str | None]:
    """The record JSON and the key of its newest signed PDF, once the record exists."""
    async with sessions() as db:
        session = await db.get(OpeningSession, lot_id)
    if session is None or session.record_json is None:
        raise NotFound("this opening has no record yet", "本次开标尚无开标记录")
    return session.record_json, session.record_pdf_key


async def record_log_proof(sessions: Sessions, lot_id: uuid.UUID) -> str:
    """The ``.tlog-proof`` (C2SP tlog-proof@v1) that the opening's ``record.ready`` event — which
    announces the record's SHA-256 — is in the transparency log (``docs/transparency-log.md``)."""
    async with sessions() as db:
        event_id = await db.scalar(
            select(OpeningEvent.id)
            .where(OpeningEvent.lot_id == lot_id, OpeningEvent.name == "record.ready")
            .order_by(OpeningEvent.seq.desc())
            .limit(1)
        )
        if event_id is None:
            raise NotFound("this opening has no record yet", "本次开标尚无开标记录")
        proof = await proof_of_row(db, "room", event_id)
    return proof_text(proof, "the record", "开标记录")
