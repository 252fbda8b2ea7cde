"""Tables of deposit refunds (issue 18, ``docs/deposits.md`` "Refunds"): the triggers recorded, the
refunds they decided and the payments each returns, deposits kept (forfeits), the payment files
sent to the bank and the bank's answers, and guarantees released.

Exactly once, by constraint (``bidding/core/jobs/once.py``'s way: the key is written in the
transaction of the effect):

* a trigger once per (lot, trigger, scope) — the scope is the withdrawn bid for a withdrawal, empty
  for the lot-wide ones — so recording a contract twice decides nothing new;
* a payment (bank entry) is returned or kept once: ``deposit_refund_items.entry_id`` is the key;
* a refund's posting once (``ledger_postings.key`` = ``["refund", id]``);
* a payment file once per idempotency key, a bank report once per file (its SHA-256).

Money is integer fen; times UTC; ``due_on``, ``paid_on`` and bank dates are days in China.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bidding.core.db.base import Base, utcnow
from bidding.core.db.types import BigIntPK, JSONType, UTCDateTime, enum_type
from bidding.deposits.refund_rules import ForfeitReason, RefundStatus, RefundTrigger

__all__ = [
    "BatchStatus",
    "DepositForfeit",
    "DepositRefund",
    "GuaranteeRelease",
    "PaymentReportImport",
    "RefundBatch",
    "RefundBatchItem",
    "RefundItem",
    "RefundTriggerEvent",
]

#: Account numbers (as the book's tables), ISO 20022 Max35Text ids, Max140Text names.
ACCOUNT = 40
REF = 35
NAME = 140


class BatchStatus(StrEnum):
    EXPORTED = "exported"  # the file was produced; its refunds wait for the bank's answer
    CANCELLED = "cancelled"  # withdrawn by the finance officer before the bank ran it: refunds due again


class RefundTriggerEvent(Base):
    """A fact that makes deposits refundable, recorded once: a withdrawal (条例 35), the termination
    (条例 31), the contract signed (条例 57), the award notice of government procurement (政采条例 33)."""

    __tablename__ = "deposit_refund_triggers"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"))
    trigger: Mapped[RefundTrigger] = mapped_column(enum_type(RefundTrigger, "refund_trigger", length=20))
    #: The withdrawn bid's id for a withdrawal; empty for a trigger of the whole lot.
    scope: Mapped[str] = mapped_column(String(64), default="")
    #: The withdrawing bidder (None: the whole lot).
    organization_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organizations.id"))
    #: The day it happened (the day the due date counts from).
    occurred_on: Mapped[date] = mapped_column(Date)
    #: Due in working days (government procurement, 政采条例 33) rather than calendar days.
    working_days: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Organisations this trigger does not refund (the winners, at an award notice).
    excluded: Mapped[list[str]] = mapped_column(JSONType, default=list)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("lot_id", "trigger", "scope"),)


class DepositRefund(Base):
    """One transfer back to one account: a bidder's payments from one payer account on one
    collection account, decided by one trigger. ``id`` is the payment's EndToEndId at the bank."""

    __tablename__ = "deposit_refunds"

    id: Mapped[str] = mapped_column(String(REF), primary_key=True)
    trigger_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("deposit_refund_triggers.id"))
    trigger: Mapped[RefundTrigger] = mapped_column(enum_type(RefundTrigger, "refund_trigger", length=20))
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"))
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    status: Mapped[RefundStatus] = mapped_column(enum_type(RefundStatus, "refund_status", length=16))
    #: The centre's collection account the money is on, and is paid back from.
    collection_account: Mapped[str] = mapped_column(String(ACCOUNT))
    #: Where the money came from (the payer of the bank entries), or the registered basic account
    #: when the bank gave no payer account (``to_basic_account``); empty: nowhere known yet.
    creditor_account: Mapped[str] = mapped_column(String(ACCOUNT))
    creditor_name: Mapped[str] = mapped_column(String(NAME))
    to_basic_account: Mapped[bool] = mapped_column(Boolean, default=False)
    #: > 0 for money that came after an earlier refund of the same trigger, payer and bidder.
    round_no: Mapped[int] = mapped_column(Integer, default=0)
    triggered_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    working_days: Mapped[bool] = mapped_column(Boolean, default=False)
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    interest_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Government procurement paid late: the overdue charge (RULES a8).
    charge_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    #: principal + interest + charge: what the bank pays, and what its debit must be.
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    #: The refund date the interest runs to (the decision's day, then each payment file's).
    interest_to: Mapped[date] = mapped_column(Date)
    #: The payment file it is in now (exported), or was paid by.
    batch_id: Mapped[str | None] = mapped_column(String(REF), ForeignKey("deposit_refund_batches.id"))
    paid_on: Mapped[date | None] = mapped_column(Date)
    #: The bank's debit that paid it (booked against refunds payable).
    settled_entry_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("bank_entries.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The bank's last word (pain.002 ``TxSts``) and its reason.
    bank_status: Mapped[str | None] = mapped_column(String(4))
    bank_reason: Mapped[str | None] = mapped_column(Text)
    rejections: Mapped[int] = mapped_column(Integer, default=0)
    #: When the red alert for being overdue was raised (once).
    overdue_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint(
            "trigger_id",
            "organization_id",
            "collection_account",
            "creditor_account",
            "round_no",
            name="uq_deposit_refunds_natural_key",
        ),
        CheckConstraint("principal_fen > 0", name="principal_positive"),
        CheckConstraint("interest_fen >= 0 AND charge_fen >= 0", name="interest_not_negative"),
        CheckConstraint("amount_fen = principal_fen + interest_fen + charge_fen", name="amount_sum"),
        Index(None, "status", "due_on"),
        Index(None, "lot_id", "organization_id"),
        Index(None, "batch_id"),
    )


class DepositForfeit(Base):
    """A deposit kept (条例 35, 74): the finance officer's decision with its reason, once per bidder
    and lot; its payments are in :class:`RefundItem` and its posting is Dr sub-account / Cr forfeits."""

    __tablename__ = "deposit_forfeits"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"))
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    reason: Mapped[ForfeitReason] = mapped_column(enum_type(ForfeitReason, "forfeit_reason", length=40))
    note: Mapped[str] = mapped_column(Text)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("lot_id", "organization_id"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
    )


class RefundItem(Base):
    """A payment (bank entry) returned by a refund or kept by a forfeit: each one once."""

    __tablename__ = "deposit_refund_items"

    entry_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("bank_entries.id"), primary_key=True)
    refund_id: Mapped[str | None] = mapped_column(String(REF), ForeignKey("deposit_refunds.id"))
    forfeit_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("deposit_forfeits.id"))
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"))
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    #: Interest to the refund's ``interest_to`` (0 for a forfeit).
    interest_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    value_date: Mapped[date] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint("(refund_id IS NULL) <> (forfeit_id IS NULL)", name="refund_or_forfeit"),
        Index(None, "refund_id"),
        Index(None, "lot_id", "organization_id"),
    )


class RefundBatch(Base):
    """A payment file (pain.001.001.09 and the same as CSV) of due refunds, from one collection
    account. Its refunds cannot be in another file unless it is cancelled."""

    __tablename__ = "deposit_refund_batches"

    #: The file's ``MsgId`` (and ``PmtInfId``), which the bank's pain.002 names as ``OrgnlMsgId``.
    id: Mapped[str] = mapped_column(String(REF), primary_key=True)
    status: Mapped[BatchStatus] = mapped_column(enum_type(BatchStatus, "batch_status", length=16))
    debtor_account: Mapped[str] = mapped_column(String(ACCOUNT))
    execution_date: Mapped[date] = mapped_column(Date)
    refunds: Mapped[int] = mapped_column(Integer)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    pain001: Mapped[bytes] = mapped_column(LargeBinary)
    pain001_sha256: Mapped[str] = mapped_column(String(64))
    csv: Mapped[bytes] = mapped_column(LargeBinary)
    csv_sha256: Mapped[str] = mapped_column(String(64))
    #: The client's key: asking again with it gives this batch back instead of a new one.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by: Mapped[str | None] = mapped_column(String(200))
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index(None, "created_at"),)


class RefundBatchItem(Base):
    """A refund as one payment file carried it (the amount then), and what the bank said of it."""

    __tablename__ = "deposit_refund_batch_items"

    batch_id: Mapped[str] = mapped_column(String(REF), ForeignKey("deposit_refund_batches.id"), primary_key=True)
    refund_id: Mapped[str] = mapped_column(String(REF), ForeignKey("deposit_refunds.id"), primary_key=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    bank_status: Mapped[str | None] = mapped_column(String(4))

    __table_args__ = (Index(None, "refund_id"),)


class PaymentReportImport(Base):
    """A bank's pain.002 report imported (once per file: its SHA-256), with what it changed."""

    __tablename__ = "deposit_payment_reports"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    batch_id: Mapped[str] = mapped_column(String(REF), ForeignKey("deposit_refund_batches.id"))
    message_id: Mapped[str | None] = mapped_column(String(REF))
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (Index(None, "batch_id"),)


class GuaranteeRelease(Base):
    """An electronic guarantee no longer securing anything: it needs no refund, only this mark
    (the trigger that released it, and when)."""

    __tablename__ = "deposit_guarantee_releases"

    guarantee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deposit_guarantees.id"), primary_key=True)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"))
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    trigger_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("deposit_refund_triggers.id", name="fk_deposit_guarantee_releases_trigger")
    )
    released_on: Mapped[date] = mapped_column(Date)
    released_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index(None, "lot_id", "organization_id"),)
