"""The stored OCDS releases (``docs/opendata.md``): immutable, one per change of a project, in the
order they were made (``id`` is the paging cursor)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bidding.core.db.base import Base, utcnow
from bidding.core.db.types import BigIntPK, JSONType, UTCDateTime

__all__ = ["OcdsRelease"]


class OcdsRelease(Base):
    """One OCDS release as published; never changed or deleted."""

    __tablename__ = "ocds_releases"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    ocid: Mapped[str] = mapped_column(String(100), index=True)
    release_id: Mapped[str] = mapped_column(String(200), unique=True)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"))
    #: The release's ``date``: when the change it publishes happened.
    date: Mapped[datetime] = mapped_column(UTCDateTime())
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    release: Mapped[dict[str, Any]] = mapped_column(JSONType)
    sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index("ix_ocds_releases_date", "date"),)
