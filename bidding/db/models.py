"""Tables of the trading service.

Rules that must hold whatever code writes the row are constraints here too (unique credit code,
deposit ≤ 2 % of the estimate, append-only audit events via triggers in the migration).
"""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime
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
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidding.db.base import Base
from bidding.db.types import BigIntPK, JSONType, UTCDateTime, enum_type
from bidding.domain.announcements import AnnouncementKind
from bidding.domain.organisations import OrgKind, OrgStatus
from bidding.domain.projects import Category, ProjectStatus
from bidding.domain.submission import BidStatus, UploadMode, UploadStatus


def utcnow() -> datetime:
    return datetime.now(UTC)


class Organization(Base):
    """A party on the platform, identified by its unified social credit code."""

    __tablename__ = "organizations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrgKind] = mapped_column(enum_type(OrgKind, "org_kind"))
    status: Mapped[OrgStatus] = mapped_column(enum_type(OrgStatus, "org_status"), default=OrgStatus.PENDING)
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


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
    bid_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decrypt_window_minutes: Mapped[int] = mapped_column(Integer, default=30)
    objection_window_minutes: Mapped[int] = mapped_column(Integer, default=15)
    form_fields: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the opening took the lot's bids (办法 29), under the lot's lock: from then on no upload
    #: arrives, no version is activated and no bid is withdrawn (``bidding.services.submission``).
    bids_extracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    project: Mapped[Project] = relationship(back_populates="lots", lazy="raise")

    __table_args__ = (
        UniqueConstraint("project_id", "code"),
        CheckConstraint("estimated_price_fen > 0", name="estimate_positive"),
        # 条例 26: deposit ≤ 2 % of the estimate, in exact integer fen.
        CheckConstraint("deposit_fen >= 0 AND deposit_fen * 50 <= estimated_price_fen", name="deposit_max_2pct"),
        CheckConstraint("decrypt_window_minutes BETWEEN 1 AND 1440", name="decrypt_window_range"),
        Index(None, "bid_deadline"),
    )


class _AuditColumns:
    """What every audit event records (办法 14, 49): when, who, from where, what, on what, with which content."""

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    client_address: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(100))
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[str | None] = mapped_column(String(100))
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class AuditEvent(_AuditColumns, Base):
    """One state-changing action (办法 14, 49): append-only, enforced by database triggers.

    The trail that administrators, auditors and supervisors read. Its ids are handed out only to
    events readable by them, so the ids they see have no gaps that would count hidden events (办法 21):
    an event naming a bidder before the deadline is written to :class:`SealedAuditEvent` instead and
    copied here, with a new id, once its embargo ends (``released_from``).
    """

    __tablename__ = "audit_events"

    #: Rows written before sealed events existed: hidden from every reader of the trail until every
    #: lot of this project is past its deadline. New rows leave it empty.
    embargo_project_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    #: The :class:`SealedAuditEvent` this row is the released copy of (never shown: its ids count
    #: the sealed events of every project).
    released_from: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        Index(None, "object_type", "object_id"),
        Index(None, "occurred_at"),
        Index(None, "released_from", unique=True),
    )


class SealedAuditEvent(_AuditColumns, Base):
    """An audit event that names a bidder before the deadline (upload, bid, withdrawal, sign-in in the
    opening room, a download of the tender documents, …): nobody reads this table through the
    platform (办法 21). When its embargo ends — its lot's deadline for a lot's event, every deadline
    of the project otherwise — it is copied into :class:`AuditEvent`. Append-only like the trail.
    """

    __tablename__ = "audit_sealed_events"

    embargo_project_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    #: Set for a lot's events (``object_type="lot"``): released at that lot's deadline.
    embargo_lot_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    __table_args__ = (Index(None, "embargo_project_id"),)


class ExecutionStatus(enum.StrEnum):
    """What a ``job_executions`` row records: written with the job's effect, in its transaction."""

    DONE = "done"


class JobExecution(Base):
    """The once-only record of a job's effect: arq delivers at least once, the unique key makes it once."""

    __tablename__ = "job_executions"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    job_key: Mapped[str] = mapped_column(String(200), unique=True)
    function: Mapped[str] = mapped_column(String(100))
    status: Mapped[ExecutionStatus] = mapped_column(enum_type(ExecutionStatus, "job_status", length=20))
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Certificate(Base):
    """A user certificate the platform CA issued (and its revocation, RFC 5280 §5.3.1)."""

    __tablename__ = "certificates"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # Serial numbers are up to 20 octets (RFC 5280 §4.1.2.2): kept as lower-case hex.
    serial_hex: Mapped[str] = mapped_column(String(40), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    role: Mapped[str] = mapped_column(String(32))
    common_name: Mapped[str] = mapped_column(String(200))
    key_type: Mapped[str] = mapped_column(String(32))
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    not_after: Mapped[datetime] = mapped_column(UTCDateTime())
    der: Mapped[bytes] = mapped_column(LargeBinary)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revocation_reason: Mapped[str | None] = mapped_column(String(32))
    revoked_by: Mapped[str | None] = mapped_column(String(200))

    organization: Mapped[Organization] = relationship(lazy="raise")

    __table_args__ = (Index(None, "organization_id"), Index(None, "revoked_at"))


class EnrolmentCode(Base):
    """A one-time code an administrator hands to an approved organisation, exchanged for one certificate."""

    __tablename__ = "enrolment_codes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # Only the SHA-256 of the code is stored: a database dump does not let anyone enrol.
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    certificate_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("certificates.id"))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index(None, "organization_id"),)


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


class BidUpload(Base):
    """A sealed package on its way in: chunked through the API or put straight to the store."""

    __tablename__ = "bid_uploads"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="CASCADE"))
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    #: Certificate of the session that started the upload: only it may continue.
    fingerprint: Mapped[str] = mapped_column(String(64))
    mode: Mapped[UploadMode] = mapped_column(enum_type(UploadMode, "upload_mode", length=16))
    size: Mapped[int] = mapped_column(BigInteger)
    chunk_size: Mapped[int] = mapped_column(Integer)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    next_chunk: Mapped[int] = mapped_column(Integer, default=0)
    #: open → completing (last byte in before the deadline, decided under the lot's lock; being
    #: verified and stored) → completed (a bid) | rejected (refused, ``error`` says why); the moves
    #: are ``bidding.domain.submission.UPLOAD_TRANSITIONS``.
    status: Mapped[UploadStatus] = mapped_column(
        enum_type(UploadStatus, "upload_status", length=16), default=UploadStatus.OPEN
    )
    error: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the last byte arrived (what the deadline judges, and the receipt's time), fixed in the
    #: same transaction that found it before the deadline.
    last_byte_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    bid_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("bids.id"))

    __table_args__ = (Index(None, "lot_id", "organization_id"), Index(None, "lot_id", "status"))


class Bid(Base):
    """One submitted version of a bidder's sealed package for a lot; the newest active one counts."""

    __tablename__ = "bids"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"))
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    version: Mapped[int] = mapped_column(Integer)
    #: active | replaced | withdrawn; the moves are ``bidding.domain.submission.BID_TRANSITIONS``.
    status: Mapped[BidStatus] = mapped_column(enum_type(BidStatus, "bid_status", length=16))
    object_key: Mapped[str] = mapped_column(String(300), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    package_digest: Mapped[str] = mapped_column(String(64))
    header_sha256: Mapped[str] = mapped_column(String(64))
    signer_fingerprint: Mapped[str] = mapped_column(String(64))
    uploader_fingerprint: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    receipt_number: Mapped[str] = mapped_column(String(40), unique=True)
    receipt_jws: Mapped[str] = mapped_column(Text)
    receipt_pdf_key: Mapped[str | None] = mapped_column(String(300))
    #: The data key its bidder gave at the opening, encrypted under the platform secret and bound to
    #: this bid's id (:mod:`bidding.services.opened_keys`); NULL until the form is decrypted.
    opened_data_key: Mapped[bytes | None] = mapped_column(LargeBinary)

    __table_args__ = (UniqueConstraint("lot_id", "organization_id", "version"), Index(None, "lot_id", "status"))
