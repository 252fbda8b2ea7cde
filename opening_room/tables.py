"""The opening room's tables: one session per lot, its numbered events, the bidders' private sign-ins
before the deadline, the commands it answered (idempotency), and the opening of each bid; a session's
and a bid's state change only through :func:`move_session` and :func:`move_opening`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bidding.core.db.base import Base
from bidding.core.db.types import BigIntPK, JSONType, UTCDateTime, enum_type
from bidding.core.transitions import move
from opening_room.states import BID_OPENING_TRANSITIONS, TRANSITIONS, BidOpeningOutcome, BidOpeningStatus, State


class OpeningSession(Base):
    """The state of one lot's opening; ``last_seq`` is the number of the newest event."""

    __tablename__ = "opening_sessions"

    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="CASCADE"), primary_key=True)
    #: The moves are ``opening_room.states.TRANSITIONS``.
    state: Mapped[State] = mapped_column(enum_type(State, "opening_state"))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    decrypt_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_remaining_s: Mapped[int | None] = mapped_column(Integer)
    record_json: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    record_pdf_key: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OpeningEvent(Base):
    """One event of a session, numbered from 1 without gaps; ``audience`` says who may see it."""

    __tablename__ = "opening_events"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    #: ``public`` (everyone), ``host`` (host and supervisors) or ``org:<uuid>`` (one bidder, host, supervisors).
    audience: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("lot_id", "seq"),)


class OpeningSignIn(Base):
    """A bidder's sign-in (签到) before the deadline: known to that bidder alone (办法 21), so it is kept
    here rather than as a numbered event, whose number anyone could count; it counts at extraction."""

    __tablename__ = "opening_sign_ins"

    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    signed_in_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OpeningCommand(Base):
    """A command a client sent, with the answer it got: the same id again gets the same answer."""

    __tablename__ = "opening_commands"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(String(200))
    command_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(32))
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("lot_id", "actor", "command_id"),)


class BidOpening(Base):
    """How one extracted bid fared at the opening: decryption attempts, result, the opened form."""

    __tablename__ = "bid_openings"

    bid_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bids.id"), primary_key=True)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="CASCADE"))
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    order_no: Mapped[int] = mapped_column(Integer)
    #: pending | decrypted | failed; the moves are ``opening_room.states.BID_OPENING_TRANSITIONS``.
    status: Mapped[BidOpeningStatus] = mapped_column(
        enum_type(BidOpeningStatus, "bid_opening_status", length=16), default=BidOpeningStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decrypted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The opened form (开标一览表); never sent to anyone but its bidder before the announcement.
    form: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    price_fen: Mapped[int | None] = mapped_column(BigInteger)
    failure: Mapped[str | None] = mapped_column(Text)
    #: revoked (bidder's fault, 视为撤销) | withdrawn (not the bidder's fault, 视为撤回)
    outcome: Mapped[BidOpeningOutcome | None] = mapped_column(
        enum_type(BidOpeningOutcome, "bid_opening_outcome", length=16)
    )

    __table_args__ = (Index(None, "lot_id"),)


def move_session(session: OpeningSession, to: State) -> None:
    """Move the session to ``to``, as :data:`opening_room.states.TRANSITIONS` allows."""
    session.state = move(TRANSITIONS, session.state, to, what=f"the opening of lot {session.lot_id}")


def move_opening(opening: BidOpening, to: BidOpeningStatus) -> None:
    """Move one bid's opening to ``to``, as :data:`opening_room.states.BID_OPENING_TRANSITIONS` allows."""
    opening.status = move(BID_OPENING_TRANSITIONS, opening.status, to, what=f"bid {opening.order_no}")
