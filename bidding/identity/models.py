"""Tables of identity: organisations and the enrolment codes their staff use once."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    String,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from bidding.core.db.base import Base, utcnow
from bidding.core.db.types import UTCDateTime, enum_type
from bidding.identity.kinds import OrgKind, OrgStatus


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
    #: Where the platform e-mails the organisation's notices (award and result notices), if given.
    contact_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The administrator's decision on the registration: when, by whom, and the reason of a refusal
    #: (told to the organisation in-app and by e-mail).
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decision_reason: Mapped[str | None] = mapped_column(String(500))


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
