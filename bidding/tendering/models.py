"""Tables of tendering: projects, lots, tender documents, announcements and who downloaded what.

Rules that must hold whatever code writes the row are constraints here too (deposit ≤ 2 % of the
estimate, 条例 26)."""

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
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidding.core.db.base import Base, utcnow
from bidding.core.db.types import BigIntPK, JSONType, UTCDateTime, enum_type
from bidding.identity.models import Organization
from bidding.tendering.rules.announcements import AnnouncementKind
from bidding.tendering.rules.deposit_requirements import DEFAULT_BID_VALIDITY_DAYS, DEFAULT_FORMS, MAX_BID_VALIDITY_DAYS
from bidding.tendering.rules.projects import Category, ProjectStatus
from bidding.tendering.rules.registrations import DocumentDecision, RegistrationStatus

_DEFAULT_FORMS = sorted(form.value for form in DEFAULT_FORMS)


class Project(Base):
    """A procurement project (项目) run by an agent for a tenderer."""

    __tablename__ = "projects"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[Category] = mapped_column(enum_type(Category, "category"))
    status: Mapped[ProjectStatus] = mapped_column(
        enum_type(ProjectStatus, "project_status"), default=ProjectStatus.DRAFT
    )
    tenderer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    agent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    region: Mapped[str | None] = mapped_column(String(100))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    tender_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Last moment bidders may ask questions about the documents (招标文件澄清截止时间).
    clarification_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    tenderer: Mapped[Organization] = relationship(foreign_keys=[tenderer_id], lazy="raise")
    agent: Mapped[Organization] = relationship(foreign_keys=[agent_id], lazy="raise")
    lots: Mapped[list[Lot]] = relationship(
        back_populates="project", lazy="raise", order_by="Lot.code", cascade="all, delete-orphan"
    )

    __table_args__ = (Index(None, "status"),)


class Lot(Base):
    """A lot (标段): bids, deposits and the opening session are per lot."""

    __tablename__ = "lots"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    estimated_price_fen: Mapped[int] = mapped_column(BigInteger)
    deposit_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    #: The deposit forms the lot accepts (``DepositForm`` values; cash is never the only one).
    deposit_forms: Mapped[list[str]] = mapped_column(JSONType, default=lambda: list(_DEFAULT_FORMS))
    #: 条例 26: a transfer must come from the bidder's basic account (基本账户).
    deposit_basic_account: Mapped[bool] = mapped_column(Boolean, default=False)
    #: 勘察设计: the lower absolute cap of the deposit (RULES a3) applies.
    design_survey: Mapped[bool] = mapped_column(Boolean, default=False)
    #: 投标有效期 in days from the bid deadline; the deposit (a guarantee) must last as long (条例 26).
    bid_validity_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_BID_VALIDITY_DAYS)
    bid_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decrypt_window_minutes: Mapped[int] = mapped_column(Integer, default=30)
    objection_window_minutes: Mapped[int] = mapped_column(Integer, default=15)
    form_fields: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the opening took the lot's bids (办法 29), under the lot's lock: from then on no upload
    #: arrives, no version is activated and no bid is withdrawn (``bidding.submission.service``).
    bids_extracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    project: Mapped[Project] = relationship(back_populates="lots", lazy="raise")

    __table_args__ = (
        UniqueConstraint("project_id", "code"),
        CheckConstraint("estimated_price_fen > 0", name="estimate_positive"),
        # 条例 26: deposit ≤ 2 % of the estimate, in exact integer fen.
        CheckConstraint("deposit_fen >= 0 AND deposit_fen * 50 <= estimated_price_fen", name="deposit_max_2pct"),
        CheckConstraint("decrypt_window_minutes BETWEEN 1 AND 1440", name="decrypt_window_range"),
        CheckConstraint(f"bid_validity_days BETWEEN 1 AND {MAX_BID_VALIDITY_DAYS}", name="bid_validity_range"),
        Index(None, "bid_deadline"),
    )


class TenderDocument(Base):
    """One version of a project's tender documents (招标文件); public once published."""

    __tablename__ = "tender_documents"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    object_key: Mapped[str] = mapped_column(String(300), unique=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    announcement_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("announcements.id"))

    __table_args__ = (UniqueConstraint("project_id", "version"),)


class Announcement(Base):
    """A public notice (公告) of a project: tender announcement, clarification, record, publicity, award."""

    __tablename__ = "announcements"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    kind: Mapped[AnnouncementKind] = mapped_column(enum_type(AnnouncementKind, "announcement_kind"))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_by: Mapped[str] = mapped_column(String(200))
    content_sha256: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    __table_args__ = (Index(None, "published_at"), Index(None, "project_id", "published_at"))


class DocumentDownload(Base):
    """Who downloaded which documents, to notify them of clarifications. Never shown to anyone else (办法 21)."""

    __tablename__ = "document_downloads"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tender_documents.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    downloaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index(None, "project_id", "organization_id"),)


class Notification(Base):
    """A message to an organisation (e.g. a clarification of documents it downloaded)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    announcement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("organization_id", "announcement_id"), Index(None, "organization_id", "id"))


class ProjectRegistration(Base):
    """A project the tenderer registered (项目登记) and the agent it appointed; once the agent
    created the project from it, the link (``project_id``) is kept and the row changes no more."""

    __tablename__ = "project_registrations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenderer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    #: 审批/核准文号 of the project's approval (招标投标法第九条).
    approval_number: Mapped[str] = mapped_column(String(100))
    #: 资金来源, as the approval states it.
    funding_source: Mapped[str] = mapped_column(String(200))
    estimate_fen: Mapped[int] = mapped_column(BigInteger)
    category: Mapped[Category] = mapped_column(enum_type(Category, "category"))
    region: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_type(RegistrationStatus, "registration_status", length=16), default=RegistrationStatus.REGISTERED
    )
    agent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    appointed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    project_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("projects.id"), unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    tenderer: Mapped[Organization] = relationship(foreign_keys=[tenderer_id], lazy="raise")
    agent: Mapped[Organization | None] = relationship(foreign_keys=[agent_id], lazy="raise")

    __table_args__ = (
        CheckConstraint("estimate_fen > 0", name="estimate_positive"),
        CheckConstraint("status = 'registered' OR agent_id IS NOT NULL", name="agent_when_appointed"),
        CheckConstraint("status <> 'taken_up' OR project_id IS NOT NULL", name="project_when_taken_up"),
    )


class TenderDocumentApproval(Base):
    """The tenderer's decision on one version of a registered project's tender documents: approved,
    or returned with comments. Publication needs the newest version approved."""

    __tablename__ = "tender_document_approvals"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tender_documents.id", ondelete="CASCADE"))
    decision: Mapped[DocumentDecision] = mapped_column(enum_type(DocumentDecision, "document_decision", length=16))
    comments: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        CheckConstraint("decision = 'approved' OR comments IS NOT NULL", name="returned_with_comments"),
        Index(None, "project_id", "id"),
    )
