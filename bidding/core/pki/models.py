"""The platform CA's register of the certificates it issued, with their revocations (RFC 5280 §5.3.1)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from bidding.core.db.base import Base, utcnow
from bidding.core.db.types import UTCDateTime


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

    __table_args__ = (Index(None, "organization_id"), Index(None, "revoked_at"))
