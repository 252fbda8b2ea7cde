"""Tables of the evaluation (issue 20; ``docs/evaluation.md``): a lot's criteria (set by the agent with
the tender documents), and per lot one evaluation with its members, the bids under review, every
member's judgements and scores, the chair's re-check requests, the clarifications asked of bidders,
the report's signatures and the supervisor's remarks.

Scores are kept as decimal strings (``"27.50"``): exact on every database, two decimals at most
(:mod:`bidding.evaluation.criteria`). A member's work is never deleted: a recused member's rows stay
and stop counting (the queries take sitting members only).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from bidding.core.db.base import Base, utcnow
from bidding.core.db.types import JSONType, UTCDateTime, enum_type
from bidding.evaluation.states import (
    BidReview,
    ClarificationKind,
    ClarificationStatus,
    EvaluationState,
    MemberStatus,
    SignatureOutcome,
)

__all__ = [
    "Evaluation",
    "EvaluationBid",
    "EvaluationClarification",
    "EvaluationJudgement",
    "EvaluationMember",
    "EvaluationRecheck",
    "EvaluationRemark",
    "EvaluationScore",
    "EvaluationSignature",
    "LotCriteria",
]


class LotCriteria(Base):
    """A lot's evaluation criteria (the wire form of :class:`bidding.evaluation.criteria.Criteria`), set
    by the agent before publication and frozen at the bid deadline."""

    __tablename__ = "lot_criteria"

    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="CASCADE"), primary_key=True)
    criteria: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: SHA-256 of the canonical JSON: what the evaluation and the report name.
    sha256: Mapped[str] = mapped_column(String(64))
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Evaluation(Base):
    """One lot's evaluation by the committee of its draw."""

    __tablename__ = "evaluations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"), unique=True)
    draw_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("expert_draws.id"))
    state: Mapped[EvaluationState] = mapped_column(enum_type(EvaluationState, "evaluation_state", length=16))
    #: The criteria as frozen at the deadline (a copy: the evaluation applies these).
    criteria: Mapped[dict[str, Any]] = mapped_column(JSONType)
    criteria_sha256: Mapped[str] = mapped_column(String(64))
    #: The opening record the evaluation starts from (its JSON's SHA-256, 规定 42(一)).
    opening_record_sha256: Mapped[str | None] = mapped_column(String(64))
    #: Committee size (the draw's): the committee sits when this many members sit.
    size: Mapped[int] = mapped_column(Integer)
    #: The elected chair (an ``evaluation_members`` id; no foreign key: the two tables refer to each other).
    chair_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    state_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Scores computed once by the system (bid → item → "27.00") and the ranking, at the report's draft.
    system_scores: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    ranking: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    report_sha256: Mapped[str | None] = mapped_column(String(64))
    #: The newest version of the report PDF (each member's signature adds one).
    report_pdf_key: Mapped[str | None] = mapped_column(String(300))
    #: The platform-signed signing sheet (评标报告签署情况), made when the report is final.
    signing_sheet_key: Mapped[str | None] = mapped_column(String(300))
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EvaluationMember(Base):
    """A seat of the committee in this evaluation: the expert behind it, their declaration and work."""

    __tablename__ = "evaluation_members"
    __table_args__ = (UniqueConstraint("evaluation_id", "seat_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    evaluation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"))
    seat_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("expert_draw_seats.id"))
    expert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("experts.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    specialty: Mapped[str] = mapped_column(String(64))
    status: Mapped[MemberStatus] = mapped_column(enum_type(MemberStatus, "evaluation_member_status", length=16))
    signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The signed recusal declaration (承诺书): statement, signature, algorithm, certificate fingerprint.
    declaration: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The conflict declared (recused), in the member's words.
    conflict: Mapped[str | None] = mapped_column(Text)
    #: The member whose seat this one took after a recusal.
    replaces_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    chair_vote: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    judgements_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sheet_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class EvaluationBid(Base):
    """A bid under evaluation: one decrypted at the opening (the others were 视为撤销/撤回 there)."""

    __tablename__ = "evaluation_bids"

    evaluation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"), primary_key=True)
    bid_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bids.id"), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    order_no: Mapped[int] = mapped_column(Integer)
    bidder_name: Mapped[str] = mapped_column(String(300))
    #: The price announced at the opening (唱标) and the price evaluated (after a confirmed correction).
    price_fen: Mapped[int | None] = mapped_column(BigInteger)
    evaluated_price_fen: Mapped[int | None] = mapped_column(BigInteger)
    review: Mapped[BidReview] = mapped_column(enum_type(BidReview, "evaluation_bid_review", length=16))
    #: 否决: {"item", "clause", "reason", "article", "at"} (条例 51).
    rejection: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    #: An abnormally low price: {"reasons": [...], "decision": None | "accepted" | "rejected", "note"}.
    low_price: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    #: The body's file list (from the tar's headers, read once): [{"name", "offset", "size"}].
    files: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)


class EvaluationJudgement(Base):
    """One member's pass/fail on one checklist item of one bid (初步评审), with the reason for a fail."""

    __tablename__ = "evaluation_judgements"

    member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evaluation_members.id", ondelete="CASCADE"), primary_key=True
    )
    bid_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bids.id"), primary_key=True)
    item: Mapped[str] = mapped_column(String(200), primary_key=True)
    passed: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EvaluationScore(Base):
    """One member's score of one scoring item of one bid (详细评审), a decimal string."""

    __tablename__ = "evaluation_scores"

    member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evaluation_members.id", ondelete="CASCADE"), primary_key=True
    )
    bid_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bids.id"), primary_key=True)
    item: Mapped[str] = mapped_column(String(200), primary_key=True)
    score: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EvaluationRecheck(Base):
    """The chair asks a member to re-check a score, with a reason of 87号令 62; the member's answer."""

    __tablename__ = "evaluation_rechecks"
    __table_args__ = (Index(None, "evaluation_id", "member_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    evaluation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evaluation_members.id", ondelete="CASCADE"))
    bid_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bids.id"))
    item: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text)
    asked_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    old_score: Mapped[str | None] = mapped_column(String(16))
    new_score: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class EvaluationClarification(Base):
    """A written clarification the committee asks of one bidder (条例 52), answered and signed in the
    bidder's workspace by its deadline. Nothing else a bidder sends reaches the committee."""

    __tablename__ = "evaluation_clarifications"
    __table_args__ = (Index(None, "organization_id", "status"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    evaluation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"), index=True)
    bid_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bids.id"))
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    kind: Mapped[ClarificationKind] = mapped_column(enum_type(ClarificationKind, "clarification_kind", length=16))
    status: Mapped[ClarificationStatus] = mapped_column(
        enum_type(ClarificationStatus, "clarification_status", length=16)
    )
    question: Mapped[str] = mapped_column(Text)
    #: For a correction: {"from_fen", "to_fen", "basis", "steps"} (规定 19; 87号令 59).
    correction: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    asked_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    #: For a correction: whether the bidder accepts it.
    accepted: Mapped[bool | None] = mapped_column(Boolean)
    #: The signed answer: statement, signature, algorithm, certificate fingerprint.
    answer_signature: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by: Mapped[str | None] = mapped_column(String(200))


class EvaluationSignature(Base):
    """A member's answer to the report: signed, dissent (with the written dissent), or 视为同意."""

    __tablename__ = "evaluation_signatures"

    member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evaluation_members.id", ondelete="CASCADE"), primary_key=True
    )
    evaluation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[SignatureOutcome] = mapped_column(enum_type(SignatureOutcome, "signature_outcome", length=16))
    dissent: Mapped[str | None] = mapped_column(Text)
    #: The report PDF version their signature made (None for 视为同意).
    pdf_version: Mapped[int | None] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EvaluationRemark(Base):
    """A supervisor's remark on an evaluation (shown to the committee, kept in the record)."""

    __tablename__ = "evaluation_remarks"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    evaluation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
