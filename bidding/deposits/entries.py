"""The one internal entry type every bank format is read into, and the statement that carries it.

Each adapter (``bidding.deposits.statements``: camt.053, camt.052, the CSV layout; later a bank's
direct connection, 银企直连) turns the bank's bytes into :class:`Statement` objects holding
:class:`Entry` objects; nothing after the adapters knows which format an entry came from. The
fields follow ISO 20022 camt.05x (``ReportEntry``), named as in ``docs/deposits.md``:

========================  ==============================================  ====================
field                     camt.05x                                        CSV layout
========================  ==============================================  ====================
``account``               ``Stmt/Acct/Id/(IBAN|Othr/Id)``                 preamble 账号
``statement_id``          ``Stmt/Id``                                     preamble 对账单号
``sequence``              ``Stmt/ElctrncSeqNb``                           preamble 序号
``amount_fen``            ``Ntry/Amt`` (integer fen)                      借方/贷方发生额
``currency``              ``Ntry/Amt/@Ccy``                               币种
``direction``             ``Ntry/CdtDbtInd``                              which amount is set
``reversal``              ``Ntry/RvslInd``                                冲正标志
``status``                ``Ntry/Sts`` (BOOK, PDNG, INFO)                 always BOOK
``booking_date``          ``Ntry/BookgDt/(Dt|DtTm)``                      交易日期
``value_date``            ``Ntry/ValDt/(Dt|DtTm)``                        起息日 (else 交易日期)
``booked_at``             ``BookgDt/DtTm`` or ``ValDt/DtTm``              交易日期 + 交易时间
``bank_ref``              ``Ntry/AcctSvcrRef``                            交易流水号
``end_to_end_id``         ``TxDtls/Refs/EndToEndId``                      业务参考号
``reversal_of``           ``TxDtls/Refs/AcctSvcrRef`` (when it differs)   原交易流水号
``counterparty_name``     ``RltdPties/Dbtr`` (credit) / ``Cdtr`` (debit)  对方户名
``counterparty_account``  ``RltdPties/DbtrAcct`` / ``CdtrAcct``           对方账号
``addressed_account``     ``RltdPties/CdtrAcct`` of a credit              子账号
``remittance``            ``RmtInf/Ustrd``                                摘要 + 附言
========================  ==============================================  ====================

``addressed_account`` is the account the payer sent the money *to*: for a deposit, the bidder's
virtual sub-account (the collection account + a suffix, ``virtual_accounts``), which may differ
from the statement's ``account`` (the collection account itself).

Amounts are integer fen, never floats; ``amount_fen`` is the entry's absolute amount and
``direction`` its sign. Account numbers are kept as the bank wrote them without spaces.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Final

import msgspec

__all__ = [
    "NOT_PROVIDED",
    "BookingKey",
    "Direction",
    "Entry",
    "EntryStatus",
    "Statement",
    "StatementKind",
    "normalise_account",
]

#: The placeholder ISO 20022 prescribes when the payer gave no end-to-end id: it identifies nothing.
NOT_PROVIDED: Final = "NOTPROVIDED"


class Direction(StrEnum):
    """``CdtDbtInd``: money into (CRDT) or out of (DBIT) the statement's account."""

    CREDIT = "CRDT"
    DEBIT = "DBIT"


class EntryStatus(StrEnum):
    """``Ntry/Sts`` (ISO 20022 ExternalEntryStatus1Code): only BOOK is booked in the ledger."""

    BOOKED = "BOOK"  # final, on the account
    PENDING = "PDNG"  # may still change or disappear (intraday)
    INFO = "INFO"  # information only, never on the account


class StatementKind(StrEnum):
    """Which kind of bank file a statement came from."""

    CAMT053 = "camt.053"  # BkToCstmrStmt: the end-of-day statement
    CAMT052 = "camt.052"  # BkToCstmrAcctRpt: the intraday report
    CSV = "csv"  # the online-banking CSV export (statements.csv_bank)


#: Exactly one entry per key can ever be booked (RULES a, acceptance check 1):
#: ``("ref", account, AcctSvcrRef, reversal)`` or, without a bank reference,
#: ``("e2e", account, EndToEndId, amount_fen, value_date, reversal)``.
BookingKey = tuple[str | int | bool | date, ...]


def normalise_account(number: str) -> str:
    """An account number as compared everywhere: spaces and hyphens removed, letters upper-case."""
    return number.replace(" ", "").replace("-", "").replace("\u3000", "").upper()


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    """One line of a bank statement: money that moved (or, PDNG/INFO, may move) on ``account``."""

    account: str
    """The statement's account (the centre's collection account), normalised."""
    statement_id: str
    """``Stmt/Id`` (or ``Rpt/Id``) of the statement this entry was read from."""
    sequence: int | None
    """``ElctrncSeqNb`` of that statement, when the bank numbers them."""
    index: int
    """1-based position of the entry in its statement (for messages only, never for identity)."""
    amount_fen: int
    currency: str
    direction: Direction
    reversal: bool
    """``RvslInd``: this entry undoes an earlier one; its direction is the opposite of the original's."""
    status: EntryStatus
    booking_date: date | None
    value_date: date
    booked_at: datetime | None = None
    """Date and time the bank gives, when it gives one (``DtTm``, or a CSV's 交易时间)."""
    bank_ref: str | None = None
    """``AcctSvcrRef``: the bank's own unique reference of the entry."""
    end_to_end_id: str | None = None
    """``EndToEndId`` set by the payer (``NOTPROVIDED`` is read as None)."""
    reversal_of: str | None = None
    """For a reversal: the bank reference of the entry it reverses, when the bank states it."""
    counterparty_name: str | None = None
    """The other side: the payer (``Dbtr``) of a credit, the payee (``Cdtr``) of a debit."""
    counterparty_account: str | None = None
    addressed_account: str | None = None
    """For a credit: the account the payer addressed (``CdtrAcct``), e.g. a virtual sub-account."""
    remittance: str = ""

    @property
    def signed_fen(self) -> int:
        """The entry's effect on the account's balance: + for a credit, − for a debit."""
        return self.amount_fen if self.direction is Direction.CREDIT else -self.amount_fen

    @property
    def payer_account(self) -> str | None:
        """Who paid a credit (None for a debit)."""
        return self.counterparty_account if self.direction is Direction.CREDIT else None

    @property
    def payer_name(self) -> str | None:
        return self.counterparty_name if self.direction is Direction.CREDIT else None

    def booking_key(self) -> BookingKey:
        """The key under which this entry is booked exactly once (RULES a, acceptance check 1).

        The account plus the bank's reference (``AcctSvcrRef``); without one, the end-to-end id
        plus amount and value date. The reversal flag is part of the key, so that a bank that
        gives a reversal the reference of the entry it reverses still has it booked.
        Raises ``ValueError`` when the entry has neither reference (the parsers refuse such
        booked entries, so this only happens for entries built by hand).
        """
        if self.bank_ref:
            return ("ref", self.account, self.bank_ref, self.reversal)
        if self.end_to_end_id:
            return ("e2e", self.account, self.end_to_end_id, self.amount_fen, self.value_date, self.reversal)
        raise ValueError(f"entry {self.index} of statement {self.statement_id}: no AcctSvcrRef and no EndToEndId")

    def fingerprint(self) -> tuple[int, Direction, str]:
        """What must be the same when the key is seen again (otherwise the bank reused a reference)."""
        return (self.amount_fen, self.direction, self.currency)


class Statement(msgspec.Struct, frozen=True, kw_only=True):
    """One account's statement or report: a camt ``Stmt``/``Rpt``, or one CSV export."""

    account: str
    statement_id: str
    sequence: int | None
    """``ElctrncSeqNb``: consecutive per account and kind; a gap means a missing statement."""
    kind: StatementKind
    currency: str
    opening_fen: int | None
    """Opening booked balance (``OPBD``, else ``PRCD``), signed fen; None if the bank gave none."""
    closing_fen: int | None
    """Closing booked balance (``CLBD``; in a camt.052 report also ``ITBD``), signed fen."""
    created_at: datetime | None = None
    entries: tuple[Entry, ...] = ()

    def booked(self) -> tuple[Entry, ...]:
        """The entries that reach the ledger (``Sts`` BOOK)."""
        return tuple(e for e in self.entries if e.status is EntryStatus.BOOKED)
