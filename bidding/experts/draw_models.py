"""Tables of the expert draw service (issue 19; ``docs/expert-draws.md``): the draw asked for one or
more lots, its verifiable rounds (the first draw and any top-up, 补抽), the experts excluded with
their reasons (the supervisor's), and the seats of the result with their invitations.

The sealed list (RULES b5, 条例 41(二)): nothing here names an expert in clear. A seat keeps its
expert's id encrypted at rest and bound to the seat (``expert_sealed``, :mod:`bidding.experts.sealed`),
a keyed HMAC of the expert's id (``lookup``) with which the expert finds their own seats, and the
per-round pseudonym the published ``DRAW.json`` uses. A round keeps its server seed and its full
record encrypted until the result is final. Exclusions name pool ids (not names): they are the
supervisor's, and the excluded are by definition not on the committee.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from bidding.core.db.base import Base, utcnow
from bidding.core.db.types import JSONType, UTCDateTime, enum_type
from bidding.experts.draw_states import DrawStatus, SeatKind, SeatStatus

__all__ = ["DrawExclusion", "DrawLot", "DrawRound", "DrawSeat", "ExpertDraw"]


class ExpertDraw(Base):
    """A committee asked for one or more lots of a project (评标委员会抽取申请), and where it stands."""

    __tablename__ = "expert_draws"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id"))
    #: The requesting organisation (the project's agent or tenderer) and the person.
    requested_by_org: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    evaluation_at: Mapped[datetime] = mapped_column(UTCDateTime())
    evaluation_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Where the committee sits (None with ``remote``: 26号令 remote evaluation).
    place: Mapped[str | None] = mapped_column(String(200))
    remote: Mapped[bool] = mapped_column(Boolean, default=False)
    size: Mapped[int] = mapped_column(Integer)
    representatives: Mapped[int] = mapped_column(Integer)
    #: Specialty code → seats, and → backups.
    seats: Mapped[dict[str, int]] = mapped_column(JSONType)
    backups: Mapped[dict[str, int]] = mapped_column(JSONType)
    government_procurement: Mapped[bool] = mapped_column(Boolean, default=False)
    complex_or_high_impact: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The budget the committee's size was checked against (the lots' estimates), in fen.
    budget_fen: Mapped[int | None] = mapped_column(BigInteger)
    regions_included: Mapped[list[str]] = mapped_column(JSONType, default=list)
    regions_excluded: Mapped[list[str]] = mapped_column(JSONType, default=list)
    #: The earliest moment of the draw: the evaluation less the lead time (198号 §14/17).
    draw_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[DrawStatus] = mapped_column(enum_type(DrawStatus, "expert_draw_status", length=16))
    #: Why the draw failed or is short (specialty, seats, available), for the requester and supervisor.
    shortfall: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finalised_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        CheckConstraint("size >= 5 AND size % 2 = 1", name="size_odd_at_least_five"),
        CheckConstraint("3 * (size - representatives) >= 2 * size", name="experts_two_thirds"),
        CheckConstraint("remote OR place IS NOT NULL", name="place_or_remote"),
        Index(None, "status", "draw_at"),
        Index(None, "project_id"),
    )


class DrawLot(Base):
    """A lot a draw's committee evaluates: its bidders are recused, its opening record seeds the draw."""

    __tablename__ = "expert_draw_lots"

    draw_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("expert_draws.id", ondelete="CASCADE"), primary_key=True)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id"), primary_key=True)

    __table_args__ = (Index(None, "lot_id"),)


class DrawRound(Base):
    """One verifiable draw (``bidding-draw-v1``): the first, or a top-up chained to the one before.
    Its id is the record's ``draw_id``."""

    __tablename__ = "expert_draw_rounds"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    draw_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("expert_draws.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    #: The commitment as published (``DrawRecord.to_dict()`` of ``commit``: constraints, the eligible
    #: pseudonyms, both commitments; no seed, no result).
    published: Mapped[dict[str, Any]] = mapped_column(JSONType)
    pool_commitment: Mapped[str] = mapped_column(String(64))
    server_seed_commitment: Mapped[str] = mapped_column(String(64))
    #: The server seed, encrypted at rest until the result is final (:mod:`bidding.experts.sealed`).
    server_seed_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    committed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The RFC 3161 token (DER) over the commitment, from the platform's TSA.
    timestamp_token: Mapped[bytes | None] = mapped_column(LargeBinary)
    public_inputs: Mapped[dict[str, str] | None] = mapped_column(JSONType)
    #: The full record (``DRAW.json``: server seed, seed, result), encrypted until the result is final.
    record_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: The record in clear once final (the published ``DRAW.json``).
    record_public: Mapped[str | None] = mapped_column(Text)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("draw_id", "number"),)


class DrawExclusion(Base):
    """An expert of a requested specialty the recusal rules excluded from a round, with every reason
    (``bidding.experts.eligibility.Exclusion``): the supervisor's to read (RULES b4, acceptance (b) 1)."""

    __tablename__ = "expert_draw_exclusions"

    round_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("expert_draw_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    expert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("experts.id"), primary_key=True)
    reasons: Mapped[list[str]] = mapped_column(JSONType)


class DrawSeat(Base):
    """A place of a round's result — seated or a backup — and its invitation."""

    __tablename__ = "expert_draw_seats"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    draw_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("expert_draws.id", ondelete="CASCADE"))
    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("expert_draw_rounds.id", ondelete="CASCADE"))
    specialty: Mapped[str] = mapped_column(String(64))
    kind: Mapped[SeatKind] = mapped_column(enum_type(SeatKind, "expert_seat_kind", length=16))
    #: The order in which the specialty's places are called, across rounds (seats, then backups).
    position: Mapped[int] = mapped_column(Integer)
    #: The expert's id in the round's record (an opaque per-round pseudonym).
    pseudonym: Mapped[str] = mapped_column(String(64))
    #: HMAC-SHA256 of the expert's pool id under a platform key: finds an expert's own seats.
    lookup: Mapped[str] = mapped_column(String(64))
    #: The expert's pool id, encrypted and bound to this seat (:mod:`bidding.experts.sealed`).
    expert_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[SeatStatus] = mapped_column(enum_type(SeatStatus, "expert_seat_status", length=16))
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: How the answer came: ``sms``, ``voice``, ``email`` (the link), ``in_app``, ``app``; ``timeout``.
    answered_via: Mapped[str | None] = mapped_column(String(16))
    #: SHA-256 of the e-mail link's one-time token (the token itself is never kept).
    token_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("draw_id", "specialty", "position"),
        UniqueConstraint("round_id", "pseudonym"),
        Index(None, "draw_id", "specialty", "status"),
        Index(None, "lookup"),
        Index(None, "status", "answer_due_at"),
    )
