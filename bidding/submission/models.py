"""Tables of submission: staged uploads and the bids they became."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
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
from bidding.submission.states import BidStatus, UploadMode, UploadStatus


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
    #: are ``bidding.submission.states.UPLOAD_TRANSITIONS``.
    status: Mapped[UploadStatus] = mapped_column(
        enum_type(UploadStatus, "upload_status", length=16), default=UploadStatus.OPEN
    )
    error: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the last byte arrived (what the deadline judges, and the receipt's time), fixed in the
    #: same transaction that found it before the deadline.
    last_byte_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: A direct upload's staged object as its arrival found it (the store's ETag): what is verified
    #: and stored is that object or nothing, whatever is written to the staging key afterwards.
    staged_etag: Mapped[str | None] = mapped_column(String(128))
    bid_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("bids.id"))

    __table_args__ = (Index(None, "lot_id", "organization_id"), Index(None, "lot_id", "status"))


class Bid(Base):
    """One submitted version of a bidder's sealed package for a lot; the newest active one counts."""

    __tablename__ = "bids"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"))
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    version: Mapped[int] = mapped_column(Integer)
    #: active | replaced | withdrawn; the moves are ``bidding.submission.states.BID_TRANSITIONS``.
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
    #: this bid's id (:mod:`bidding.submission.opened_keys`); NULL until the form is decrypted.
    opened_data_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: The PDF, DOCX and XLSX documents of its decrypted body with the metadata the collusion rule
    #: ``same_document_metadata`` reads (条例40（一）; :mod:`bidding.submission.document_metadata`):
    #: ``[{name, kind, author?, last_modified_by?, application?, template?, doc_id?}]``, written with
    #: the body's extraction; NULL while the body is not opened, or when it is no tar.
    document_metadata: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)

    __table_args__ = (UniqueConstraint("lot_id", "organization_id", "version"), Index(None, "lot_id", "status"))
