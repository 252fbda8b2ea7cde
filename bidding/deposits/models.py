"""Tables of the deposit book (issue 18, ``docs/deposits.md`` "The book"): virtual sub-accounts,
imported bank statements, booked bank entries, the double-entry postings and their legs, alerts.

Money is integer fen (``BigInteger``), signed only on a leg (debit positive); times are UTC
(:class:`~bidding.core.db.types.UTCDateTime`), bank dates are plain dates as the bank gives them.

Exactly once (RULES a, acceptance check 1): ``bank_entries.booking_key`` is UNIQUE and an entry is
inserted in the same transaction as its posting (``ledger_postings.key``, UNIQUE too), so a
statement imported twice, or an entry seen in a camt.052 and again in the camt.053, is booked once
whatever crashes or runs concurrently (:mod:`bidding.deposits.book`). ``deposit_books`` has one row
per collection account: every import takes it first (a row lock on PostgreSQL, the write lock on
SQLite), so imports into one account run one after the other.

The three tables an import appends to by the thousand — ``bank_entries``, ``ledger_postings``,
``ledger_legs`` — carry no foreign keys. PostgreSQL checks each one by locking the referenced row
(``FOR KEY SHARE``), which tripled the cost of an import (``bench/deposits_bench.py``); the book
writes an entry, its posting and its legs together, in one transaction, from one code path, and
what the keys would guarantee is checked instead by :func:`bidding.deposits.book.integrity_problems`
(the daily balance check, the tests, the bench): no leg without its posting, no posting of a bank
entry without its entry, no entry without its statement, every posting balanced. A sub-account
(lot, bidder) on an entry comes from ``deposit_virtual_accounts`` (whose keys are checked) or from
the finance officer's resolution (the service checks the lot and the organisation exist).
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
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from bidding.core.db.base import Base, utcnow
from bidding.core.db.types import BigIntPK, JSONType, UTCDateTime, enum_type
from bidding.deposits.entries import Direction, StatementKind
from bidding.deposits.ledger import AccountKind, AlertKind, UnmatchedReason

__all__ = [
    "BankEntry",
    "BankStatement",
    "DepositAlert",
    "DepositBook",
    "DepositVirtualAccount",
    "LedgerLeg",
    "LedgerPosting",
    "PostingKind",
    "QueueState",
    "Resolution",
]

#: ISO 13616 allows 34 characters for an account; Chinese account numbers are up to 32 digits.
ACCOUNT = 40
#: ISO 20022 ``Max35Text`` references (``AcctSvcrRef``, ``EndToEndId``, ``Stmt/Id``).
REF = 35


class PostingKind(StrEnum):
    """What made a posting (``ledger_postings.kind``); the key's first element."""

    BANK = "bank"  # a bank entry: Dr collection / Cr counter-account, or the reverse
    RESOLVE = "resolve"  # the finance officer moved an unmatched entry's money
    REFUND = "refund"  # a refund decided (principal + interest → refunds payable)
    FORFEIT = "forfeit"  # a deposit kept (条例 35, 74)
    OPENING = "opening"  # what the bank account held when the book started


class QueueState(StrEnum):
    """Where an unmatched entry stands in the finance officer's queue."""

    OPEN = "open"  # waiting to be resolved by hand
    RESOLVED = "resolved"  # the officer assigned it or marked it for return, with a reason
    CLEARED = "cleared"  # netted out by a reversal (nothing left to resolve)


class Resolution(StrEnum):
    """The finance officer's decision on an unmatched entry."""

    ASSIGNED = "assigned"  # to a (lot, bidder) sub-account
    RETURN = "return"  # to be paid back to the payer (refunds payable)


class DepositBook(Base):
    """One row per collection account (收款账户): the lock every import into it takes first."""

    __tablename__ = "deposit_books"

    account: Mapped[str] = mapped_column(String(ACCOUNT), primary_key=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the last import took the lock (written by it, which is how it takes the lock).
    touched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DepositVirtualAccount(Base):
    """A bidder's virtual sub-account (虚拟子账号) for one lot: collection account + body + check digits
    (:mod:`bidding.deposits.virtual_accounts`). Issued once per (lot, bidder); never changes."""

    __tablename__ = "deposit_virtual_accounts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id", ondelete="RESTRICT"))
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    collection_account: Mapped[str] = mapped_column(String(ACCOUNT))
    #: The whole number the bidder types into its bank's form (collection + body + check).
    number: Mapped[str] = mapped_column(String(64), unique=True)
    #: > 0 only when a lower attempt's body was already taken (a hash collision).
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("lot_id", "organization_id"),)


class BankStatement(Base):
    """One imported statement (camt.053 ``Stmt``, camt.052 ``Rpt``, one CSV export)."""

    __tablename__ = "bank_statements"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    account: Mapped[str] = mapped_column(String(ACCOUNT))
    kind: Mapped[StatementKind] = mapped_column(enum_type(StatementKind, "statement_kind", length=16))
    statement_id: Mapped[str] = mapped_column(String(REF))
    #: ``ElctrncSeqNb``: consecutive per account within the end-of-day series and the intraday one.
    sequence: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    opening_fen: Mapped[int | None] = mapped_column(BigInteger)
    closing_fen: Mapped[int | None] = mapped_column(BigInteger)
    #: ``GrpHdr/CreDtTm`` or the statement's own creation time, when the bank gives one.
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    entries: Mapped[int] = mapped_column(Integer, default=0)
    #: SHA-256 of the file the statement was read from (the watched folder skips a file seen whole).
    source_sha256: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str | None] = mapped_column(String(255))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("account", "kind", "statement_id"),
        Index(None, "account", "sequence"),
        Index(None, "source_sha256"),
    )


class BankEntry(Base):
    """A booked bank entry (``Sts`` BOOK), once per booking key, with where its money went.

    PDNG and INFO lines are never stored (nor their keys), so the same line booked later is booked
    then. ``counter_*`` name the account the entry was posted against (a sub-account, unmatched,
    refunds payable); ``consumed_by_id`` links an original and its reversal (either way round),
    so neither is matched again.
    """

    __tablename__ = "bank_entries"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    #: :meth:`bidding.deposits.entries.Entry.booking_key` as canonical JSON: the exactly-once key.
    booking_key: Mapped[str] = mapped_column(Text, unique=True)
    statement_row_id: Mapped[int] = mapped_column(BigInteger)
    account: Mapped[str] = mapped_column(String(ACCOUNT))
    statement_id: Mapped[str] = mapped_column(String(REF))
    sequence: Mapped[int | None] = mapped_column(BigInteger)
    index: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    direction: Mapped[Direction] = mapped_column(enum_type(Direction, "direction", length=4))
    reversal: Mapped[bool] = mapped_column(Boolean)
    booking_date: Mapped[date | None] = mapped_column(Date)
    value_date: Mapped[date] = mapped_column(Date)
    booked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    bank_ref: Mapped[str | None] = mapped_column(String(REF))
    end_to_end_id: Mapped[str | None] = mapped_column(String(REF))
    reversal_of: Mapped[str | None] = mapped_column(String(REF))
    counterparty_name: Mapped[str | None] = mapped_column(String(140))
    counterparty_account: Mapped[str | None] = mapped_column(String(ACCOUNT))
    addressed_account: Mapped[str | None] = mapped_column(String(64))
    remittance: Mapped[str] = mapped_column(Text, default="")
    #: Where the posting put the money (None for a zero amount: nothing posted).
    counter_kind: Mapped[AccountKind | None] = mapped_column(enum_type(AccountKind, "counter_kind", length=20))
    lot_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    #: The original this reversal undid, or the reversal that undid this original (whichever came second).
    consumed_by_id: Mapped[int | None] = mapped_column(BigInteger)
    #: Why the money sits on ``unmatched`` (None: it does not, or never did).
    unmatched_reason: Mapped[UnmatchedReason | None] = mapped_column(
        enum_type(UnmatchedReason, "unmatched_reason", length=40)
    )
    queue_state: Mapped[QueueState | None] = mapped_column(enum_type(QueueState, "queue_state", length=16))
    resolution: Mapped[Resolution | None] = mapped_column(enum_type(Resolution, "resolution", length=16))
    resolution_reason: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: For an entry marked for return: the refund id (the bank debit's EndToEndId) and its amount.
    return_refund_id: Mapped[str | None] = mapped_column(String(REF), unique=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
        Index(None, "account", "bank_ref"),
        Index(None, "account", "end_to_end_id"),
        Index(None, "lot_id", "organization_id"),
        # the finance officer's queue (open), and the orphan reversals an original may net out
        Index(None, "queue_state", "unmatched_reason"),
        Index(None, "statement_row_id"),
    )


class LedgerPosting(Base):
    """A balanced set of legs under a unique key (:class:`bidding.deposits.ledger.Posting`)."""

    __tablename__ = "ledger_postings"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    #: The pure model's posting key as canonical JSON: ``["bank", …booking key]``, ``["resolve", …]``.
    key: Mapped[str] = mapped_column(Text, unique=True)
    kind: Mapped[PostingKind] = mapped_column(enum_type(PostingKind, "posting_kind", length=16))
    entry_id: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index(None, "entry_id"),)


class LedgerLeg(Base):
    """One side of a posting: ``amount_fen`` > 0 debits the account, < 0 credits it; never 0.

    The account is its kind plus, for a collection account, the bank account number, and for a
    sub-account the lot and the bidder; the legs of a posting sum to zero (checked by the book
    before it writes them, and by the tests in SQL).
    """

    __tablename__ = "ledger_legs"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    posting_id: Mapped[int] = mapped_column(BigInteger)
    account_kind: Mapped[AccountKind] = mapped_column(enum_type(AccountKind, "account_kind", length=20))
    bank_account: Mapped[str | None] = mapped_column(String(ACCOUNT))
    lot_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    amount_fen: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        CheckConstraint("amount_fen <> 0", name="amount_not_zero"),
        CheckConstraint(
            "(account_kind = 'sub_account') = (lot_id IS NOT NULL AND organization_id IS NOT NULL)",
            name="sub_account_named",
        ),
        CheckConstraint("(account_kind = 'collection') = (bank_account IS NOT NULL)", name="collection_named"),
        Index(None, "posting_id"),
        Index(None, "lot_id", "organization_id"),
    )


class DepositAlert(Base):
    """Something the finance officer must look at: a sequence gap, a reversal, a reused reference,
    a closing balance that differs from the book (:class:`bidding.deposits.ledger.AlertKind`)."""

    __tablename__ = "deposit_alerts"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    kind: Mapped[AlertKind] = mapped_column(enum_type(AlertKind, "alert_kind", length=40))
    account: Mapped[str] = mapped_column(String(ACCOUNT))
    statement_id: Mapped[str | None] = mapped_column(String(REF))
    entry_index: Mapped[int | None] = mapped_column(Integer)
    statement_row_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("bank_statements.id"))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index(None, "created_at"), Index(None, "kind"))
