"""Tables of the bidders' side of deposits (issue 18, ``docs/deposits.md``): organisations' basic
accounts (基本账户), electronic guarantees (电子保函), each bidder's deposit status as the opening took
it, the release of a lot's payer list at extraction (办法 21) and collusion signals (条例 40(六)).

The book's own tables (virtual sub-accounts, statements, postings) are :mod:`bidding.deposits.models`'.
Money is integer fen; times are UTC; a guarantee's validity is the dates its text gives.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from bidding.core.db.base import Base, utcnow
from bidding.core.db.types import BigIntPK, JSONType, UTCDateTime, enum_type
from bidding.deposits.matching import DepositStatus

__all__ = ["BasicAccount", "DepositCheck", "DepositGuarantee", "DepositSignal", "PayerRelease"]

#: Chinese bank account numbers have up to 32 digits (ISO 13616 allows 34 characters).
ACCOUNT = 40


class BasicAccount(Base):
    """An organisation's basic account (基本存款账户, 《人民币银行结算账户管理办法》): the one account a
    deposit must come from where 条例 26 applies. One per organisation; a change is audited."""

    __tablename__ = "basic_accounts"

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    bank_name: Mapped[str] = mapped_column(String(100))
    #: Digits only (spaces and hyphens the bidder typed are dropped).
    account_number: Mapped[str] = mapped_column(String(ACCOUNT))
    #: 账户名称: the organisation's registered name.
    account_name: Mapped[str] = mapped_column(String(200))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (Index(None, "account_number"),)


class DepositGuarantee(Base):
    """An electronic guarantee (电子保函) a bidder attached for a lot, accepted: its PDF verified
    against the issuer roots, its amount and validity enough (RULES a, acceptance check 7). A
    refused one is not stored (its refusal is audited)."""

    __tablename__ = "deposit_guarantees"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"))
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    #: 保函编号 as the issuer numbers it.
    guarantee_no: Mapped[str] = mapped_column(String(64))
    #: 出具机构 (bank, insurer, guarantee company) as declared, and as its signing certificate names it.
    issuer: Mapped[str] = mapped_column(String(200))
    #: 受益人: the tenderer.
    beneficiary: Mapped[str] = mapped_column(String(200))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    object_key: Mapped[str] = mapped_column(String(300), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    #: The signature as validated: signer, its certificate's issuer, indication, time-stamp.
    signature: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attached_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("issuer", "guarantee_no"),
        UniqueConstraint("sha256"),
        Index(None, "lot_id", "organization_id"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("valid_from <= valid_until", name="validity_ordered"),
    )


class DepositCheck(Base):
    """A bidder's deposit status as the opening took it at extraction (办法 29): what the opening
    room's bidder list and the signed opening record show (replacing ``not_checked``)."""

    __tablename__ = "deposit_checks"

    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    status: Mapped[DepositStatus] = mapped_column(enum_type(DepositStatus, "deposit_status", length=16))
    required_fen: Mapped[int] = mapped_column(BigInteger)
    counted_fen: Mapped[int] = mapped_column(BigInteger)
    received_fen: Mapped[int] = mapped_column(BigInteger)
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    guarantee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("deposit_guarantees.id"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PayerRelease(Base):
    """A lot's payer list, released to the opening at extraction (办法 21: sealed until then; 眉山
    practice: the bank's list is opened when the opening asks for it). One per lot; audited."""

    __tablename__ = "deposit_payer_releases"

    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"), primary_key=True)
    released_at: Mapped[datetime] = mapped_column(UTCDateTime())
    released_by: Mapped[str] = mapped_column(String(200))
    #: Per bidder: its payments (payer account and name, amount, value date) and guarantees.
    payers: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)


class DepositSignal(Base):
    """Deposits of different bidders of one lot paid from one account (条例 40(六): deemed collusion):
    a signal for the evaluation committee and the supervisor. Nothing is rejected by it."""

    __tablename__ = "deposit_signals"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"))
    payer_account: Mapped[str] = mapped_column(String(ACCOUNT))
    #: The organisations whose deposits came from that account (two or more), sorted.
    organization_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("lot_id", "payer_account"),)
