"""The transparency log's tables: the leaves in order, the tree's tiles, the sequencer's state and
the signed checkpoints (``docs/transparency-log.md``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Integer, LargeBinary, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from bidding.core.db.base import Base, utcnow
from bidding.core.db.types import JSONType, UTCDateTime

__all__ = ["LogAuditRun", "LogCheckpoint", "LogLeaf", "LogState", "LogTile", "LogWitness"]


class LogLeaf(Base):
    """One leaf: which row it is (``source``, ``source_id``) at which index, with its leaf hash
    (RFC 6962 §2.1: ``SHA-256(0x00 ‖ encoding)``). An index is assigned once (primary key) and a
    row gets one index (unique); the table is append-only on PostgreSQL (trigger)."""

    __tablename__ = "log_leaves"

    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    #: ``audit`` (audit_events), ``sealed`` (audit_sealed_events), ``room`` (opening_events).
    source: Mapped[str] = mapped_column(String(8))
    source_id: Mapped[int] = mapped_column(BigInteger)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    sequenced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("source", "source_id"),)


class LogTile(Base):
    """One C2SP ``tlog-tiles`` tile's bottom row: the hashes of tree level ``8·level`` nodes
    ``[256·index, 256·index + width)``, 32 bytes each. It only grows (to 256 hashes, 8,192 bytes);
    a partial tile of width W is its first W·32 bytes."""

    __tablename__ = "log_tiles"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hashes: Mapped[bytes] = mapped_column(LargeBinary)


class LogState(Base):
    """The sequencer's one row (``id`` 1): the tree's size and its right edge (the compact range:
    the hashes of its perfect subtrees, biggest first, concatenated). Locked by each append."""

    __tablename__ = "log_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    compact: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LogCheckpoint(Base):
    """A signed checkpoint (C2SP ``tlog-checkpoint`` in a ``signed-note``), one per tree size,
    each consistent with the one before (checked before it is signed). ``note`` is the log's
    signed note; ``cosigned`` the same with the witnesses' cosignatures added, once any arrive."""

    __tablename__ = "log_checkpoints"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    cosigned: Mapped[str | None] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LogWitness(Base):
    """A configured witness (C2SP tlog-witness), by its key's name: the largest checkpoint size it
    has cosigned, which the next request proves consistency from."""

    __tablename__ = "log_witnesses"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LogAuditRun(Base):
    """One run of the log's audit (:mod:`bidding.transparency.audit`) asked for by a person on the
    auditor's page or run by ``bidding log audit``: when, by whom, over which size, and what it found."""

    __tablename__ = "log_audit_runs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The tree's size and the number of signed checkpoints it was checked against.
    size: Mapped[int | None] = mapped_column(BigInteger)
    checkpoints: Mapped[int | None] = mapped_column(Integer)
    intact: Mapped[bool | None] = mapped_column(Boolean)
    #: The findings (at most the first 1,000), each ``{"kind", "index", "source", "source_id", "detail"}``.
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
