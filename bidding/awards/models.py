"""Tables of the award (定标, issue 21; ``docs/awards.md``): per lot one award, created when its
evaluation report is final, with the objections (异议) and complaints (投诉) raised against it, the
notices sent (the award notice to the winner and a result notice to each loser, batch by batch), and
the signed contract; per project its archive (电子档案) once every lot has ended.

Nothing here is ever deleted: a winner who withdraws leaves its notice batch in place and the next
batch goes to the next candidate; an answered objection keeps its text and its answer.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from bidding.awards.states import AwardState, ComplaintStatus, NoticeKind
from bidding.core.db.base import Base, utcnow
from bidding.core.db.types import JSONType, UTCDateTime, enum_type

__all__ = [
    "Award",
    "AwardComplaint",
    "AwardContract",
    "AwardNotice",
    "AwardObjection",
    "ProjectArchive",
]


class Award(Base):
    """One lot's award, from the final evaluation report to the contract (or the failure)."""

    __tablename__ = "awards"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"), unique=True)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), index=True)
    evaluation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evaluations.id", ondelete="RESTRICT"), unique=True)
    state: Mapped[AwardState] = mapped_column(enum_type(AwardState, "award_state", length=16))
    #: 87号令 rules (no publicity; the purchaser's 5 working days, each loser its own score and rank).
    government_procurement: Mapped[bool] = mapped_column(Boolean, default=False)
    #: 条例 55: rank 1 wins unless it cannot (state-owned funds); the conservative default.
    state_controlled: Mapped[bool] = mapped_column(Boolean, default=True)
    report_sha256: Mapped[str] = mapped_column(String(64))
    report_final_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The ranked candidates (≤ 3, 条例 53) as published: rank, bid_id, organization_id, bidder,
    #: credit_code, price_fen, total, duration_days, quality, project_manager,
    #: project_manager_certificate (RULES c12).
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    #: Every evaluated bid with its rank (None: rejected) and total, for the result notices.
    ranking: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)

    # the publicity (中标候选人公示, 条例 54)
    publicity_number: Mapped[str | None] = mapped_column(String(64))
    publicity_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    publicity_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    publicity_announcement_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("announcements.id"))
    publicity_pdf_key: Mapped[str | None] = mapped_column(String(300))
    publicity_sha256: Mapped[str | None] = mapped_column(String(64))

    # the choice (条例 55; 87号令 68: the purchaser within 5 working days, else rank 1 deemed chosen)
    choice_due_on: Mapped[date | None] = mapped_column(Date)
    chosen_rank: Mapped[int | None] = mapped_column(Integer)
    winner_bid_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("bids.id"))
    winner_org_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organizations.id"))
    #: {"reasons": {rank: SkipReason}, "note": str, "deemed": bool, "by": actor id, "withdrawn": [...]}
    choice: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    chosen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # the notices (one batch per winner;办法 36–37)
    notice_batch: Mapped[int] = mapped_column(Integer, default=0)
    notices_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    result_announcement_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("announcements.id"))
    contract_due_on: Mapped[date | None] = mapped_column(Date)  # 法 46: 30 days
    report_due_on: Mapped[date | None] = mapped_column(Date)  # 法 47: 15 days

    # the contract and the written report to the supervisor
    contracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    report_filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The 15-day report (法 47): {"text": …, "by": actor id, "document": {sha256, object_key, …}}
    supervisor_report: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: 流标 or termination: {"reason": …, "article": …, "by": …, "announcement_id": …}
    ended: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    state_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AwardObjection(Base):
    """An objection (异议) to the candidates, raised by a bidder during the publicity (条例 54),
    signed with its certificate; the award is suspended until the tenderer answers (3 days)."""

    __tablename__ = "award_objections"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    award_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("awards.id", ondelete="RESTRICT"), index=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    text: Mapped[str] = mapped_column(Text)
    #: The signed statement as the client posted it (statement, signature, algorithm, certificate).
    statement: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: [{filename, content_type, size, sha256, object_key}]
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    answer_attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by: Mapped[str | None] = mapped_column(String(200))
    #: When the red clock was raised (the answer late), once.
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AwardComplaint(Base):
    """A complaint (投诉) to the supervisor (条例 60–61): filed within 10 days, accepted or refused
    within 3 working days, decided within 30 working days of acceptance."""

    __tablename__ = "award_complaints"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    award_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("awards.id", ondelete="RESTRICT"), index=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    objection_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("award_objections.id"))
    text: Mapped[str] = mapped_column(Text)
    statement: Mapped[dict[str, Any]] = mapped_column(JSONType)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    known_on: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[ComplaintStatus] = mapped_column(enum_type(ComplaintStatus, "award_complaint_status", length=16))
    acceptance_due_on: Mapped[date] = mapped_column(Date)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_due_on: Mapped[date | None] = mapped_column(Date)
    decision: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_by: Mapped[str | None] = mapped_column(String(200))


class AwardNotice(Base):
    """One notice of one batch: the award notice (中标通知书) to the winner or a result notice
    (中标结果通知书) to a loser, a platform-signed PDF delivered in the workspace and by e-mail."""

    __tablename__ = "award_notices"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    award_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("awards.id", ondelete="RESTRICT"), index=True)
    batch: Mapped[int] = mapped_column(Integer)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    bid_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bids.id"))
    kind: Mapped[NoticeKind] = mapped_column(enum_type(NoticeKind, "award_notice_kind", length=16))
    number: Mapped[str] = mapped_column(String(64))
    #: A loser's own rank and score (government procurement: 87号令 69), None when not ranked.
    rank: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[str | None] = mapped_column(String(16))
    pdf_key: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The e-mail queued for it (messaging), if the organisation has an address.
    message_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    __table_args__ = (UniqueConstraint("award_id", "batch", "organization_id"),)


class AwardContract(Base):
    """The signed contract (or its signed summary) the tenderer uploads (法 46), checked against the
    award (winner and price) and dated by its signing day."""

    __tablename__ = "award_contracts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    award_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("awards.id", ondelete="RESTRICT"), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    object_key: Mapped[str] = mapped_column(String(300), unique=True)
    signed_on: Mapped[date] = mapped_column(Date)
    price_fen: Mapped[int] = mapped_column(BigInteger)
    #: What was checked and found: the winner's name and credit code, the price, the signatures.
    checks: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    uploaded_by: Mapped[str] = mapped_column(String(200))


class ProjectArchive(Base):
    """A project's archive package (电子档案): every document and the audit events with a signed and
    time-stamped manifest of SHA-256 digests, kept under the storage retention (15 years)."""

    __tablename__ = "project_archives"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), unique=True)
    object_key: Mapped[str] = mapped_column(String(300), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    files: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retain_until: Mapped[datetime] = mapped_column(UTCDateTime())
