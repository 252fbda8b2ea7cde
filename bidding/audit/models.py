"""The audit trail's tables: append-only by database triggers (see the migrations)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Index,
    String,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from bidding.core.db.base import Base, utcnow
from bidding.core.db.types import BigIntPK, JSONType, UTCDateTime


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
