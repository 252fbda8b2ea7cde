"""The finance officer's use cases on the deposit book (issue 18, ``docs/deposits.md`` "Finance
API"): statements uploaded and listed, a statement's entries, the unmatched queue and its
resolution by hand, alerts, the daily balance check, a lot's deposits after the opening.

Who may: the finance officer (:attr:`Role.FINANCE`, the centre's 财务) and the administrator
standing in write; the auditor and the supervisor read. The controllers guard by role; the use
cases that write check again.

Sealed until extraction (办法 21): nobody — finance officer, administrator, auditor or supervisor —
can list who paid for a lot before its bids are extracted (``lots.bids_extracted_at``). An entry
that concerns such a lot (a credit routed or assigned to one of its sub-accounts, its reversal,
a refund of it paid back) is listed without payer, addressed account, remittance text, end-to-end
id, lot or bidder (``sealed: true``); a lot's deposit table is refused (409 ``deposits_sealed``)
until the extraction, and its first listing after is recorded in the audit trail. Money nobody
has identified (the unmatched queue) is shown whole: the officer must see it to resolve it; once
assigned to a lot's sub-account before the extraction, it is sealed like the rest, and the
assignment's audit event is sealed until the lot's deadline.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal

import msgspec
from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.models import AuditEvent
from bidding.audit.trail import record
from bidding.core.auth.caller import Caller
from bidding.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from bidding.core.fields import LINE_PATTERN, Body
from bidding.core.roles import Role
from bidding.deposits.book import (
    IntegrityProblems,
    balance_check,
    collection_balance,
    decode_key,
    integrity_problems,
    lot_payments_by_bidder,
    resolve_entry,
)
from bidding.deposits.entries import Direction
from bidding.deposits.errors import DepositError
from bidding.deposits.importer import ImportView, import_statement
from bidding.deposits.ledger import REFUNDS_PAYABLE, Account, AlertKind
from bidding.deposits.models import (
    BankEntry,
    BankStatement,
    DepositAlert,
    DepositVirtualAccount,
    QueueState,
    Resolution,
)
from bidding.deposits.refund_models import DepositRefund
from bidding.identity.models import Organization
from bidding.tendering.models import Lot

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "READERS",
    "WRITERS",
    "AlertView",
    "BalanceReport",
    "DepositsSealed",
    "EntryView",
    "LotDepositsView",
    "ResolveInput",
    "StatementTooLarge",
    "StatementView",
    "alerts",
    "balance_report",
    "daily_balance_check",
    "lot_deposits",
    "resolve",
    "statement_entries",
    "statements",
    "unmatched",
    "upload_statement",
]

#: Who reads the book, and who changes it.
READERS: Final = (Role.FINANCE, Role.ADMIN, Role.AUDITOR, Role.SUPERVISOR)
WRITERS: Final = (Role.FINANCE, Role.ADMIN)
MIB: Final = 1024 * 1024


class DepositsSealed(Conflict):
    """办法 21: who paid for a lot is sealed until its bids are extracted at the opening."""

    code = "deposits_sealed"
    message_zh = "开标提取投标文件前，标段的保证金缴纳情况保密（电子招标投标办法第二十一条）"
    message_en = "Who paid a deposit for this lot is sealed until its bids are extracted at the opening (办法 21)"


class StatementTooLarge(DepositError):
    code = "statement_too_large"
    status = 413
    message_zh = "对账单文件过大"
    message_en = "The statement file is too large"


class StatementEmpty(DepositError):
    code = "statement_empty"
    message_zh = "对账单文件为空"
    message_en = "The statement file is empty"


def _require(caller: Caller, roles: tuple[Role, ...], what_en: str, what_zh: str) -> None:
    if not caller.has(*roles):
        raise Forbidden(what_en, what_zh)


# --- statements ----------------------------------------------------------------------------------


async def upload_statement(
    platform: Platform,
    caller: Caller,
    body: AsyncIterator[bytes],
    fmt: str | None = None,
    *,
    source_name: str | None = None,
) -> ImportView:
    """The finance officer uploads a bank statement file (camt.053, camt.052 or the CSV export):
    read up to ``BIDDING_DEPOSIT_STATEMENT_MAX_MIB`` (413 beyond), then imported
    (:func:`bidding.deposits.importer.import_statement`); a file the adapters refuse is refused
    whole with the entry and the field named, nothing written."""
    _require(caller, WRITERS, "uploading statements is the finance officer's", "上传对账单须由财务人员操作")
    limit = platform.settings.deposit_statement_max_mib * MIB
    parts: list[bytes] = []
    size = 0
    async for chunk in body:
        size += len(chunk)
        if size > limit:
            raise StatementTooLarge(
                f"statement files are at most {platform.settings.deposit_statement_max_mib} MiB",
                f"对账单文件不得超过 {platform.settings.deposit_statement_max_mib} MiB",
            )
        parts.append(chunk)
    if size == 0:
        raise StatementEmpty()
    return await import_statement(platform, caller, b"".join(parts), fmt, source_name=source_name)


@dataclass(frozen=True)
class StatementView:
    id: int
    account: str
    kind: str
    statement_id: str
    sequence: int | None
    currency: str
    opening_fen: int | None
    closing_fen: int | None
    created_at: datetime | None
    entries: int
    source_name: str | None
    source_sha256: str
    imported_at: datetime
    imported_by: str

    @classmethod
    def of(cls, row: BankStatement) -> StatementView:
        return cls(
            row.id,
            row.account,
            row.kind.value,
            row.statement_id,
            row.sequence,
            row.currency,
            row.opening_fen,
            row.closing_fen,
            row.created_at,
            row.entries,
            row.source_name,
            row.source_sha256,
            row.imported_at,
            row.imported_by,
        )


async def statements(platform: Platform, *, before_id: int | None = None, limit: int = 50) -> list[StatementView]:
    """Imported statements, newest first (``before_id`` pages back)."""
    query = select(BankStatement).order_by(BankStatement.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(BankStatement.id < before_id)
    async with platform.sessions() as db:
        return [StatementView.of(row) for row in await db.scalars(query)]


# --- entries, sealed as 办法 21 requires ------------------------------------------------------------


@dataclass(frozen=True)
class EntryView:
    """A booked bank entry. ``sealed``: it concerns a lot whose bids are not extracted yet, and
    the payer, the account it was addressed to, the texts, the lot and the bidder are withheld."""

    id: int
    statement_row_id: int
    statement_id: str
    index: int
    amount_fen: int
    currency: str
    direction: str
    reversal: bool
    booking_date: date | None
    value_date: date
    booked_at: datetime | None
    bank_ref: str | None
    routed_to: str | None
    """Where the money went: ``sub_account``, ``unmatched``, ``refunds_payable`` (None: zero amount)."""
    unmatched_reason: str | None
    queue_state: str | None
    resolution: str | None
    resolution_reason: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    sealed: bool
    end_to_end_id: str | None = None
    counterparty_name: str | None = None
    counterparty_account: str | None = None
    addressed_account: str | None = None
    remittance: str | None = None
    lot_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    return_refund_id: str | None = None


def _entry_view(row: BankEntry, sealed: bool) -> EntryView:
    common: dict[str, Any] = {
        "id": row.id,
        "statement_row_id": row.statement_row_id,
        "statement_id": row.statement_id,
        "index": row.index,
        "amount_fen": row.amount_fen,
        "currency": row.currency,
        "direction": row.direction.value,
        "reversal": row.reversal,
        "booking_date": row.booking_date,
        "value_date": row.value_date,
        "booked_at": row.booked_at,
        "bank_ref": row.bank_ref,
        "routed_to": row.counter_kind.value if row.counter_kind else None,
        "unmatched_reason": row.unmatched_reason.value if row.unmatched_reason else None,
        "queue_state": row.queue_state.value if row.queue_state else None,
        "resolution": row.resolution.value if row.resolution else None,
        "resolution_reason": None if sealed else row.resolution_reason,
        "resolved_by": row.resolved_by,
        "resolved_at": row.resolved_at,
        "sealed": sealed,
    }
    if sealed:
        return EntryView(**common)
    return EntryView(
        **common,
        end_to_end_id=row.end_to_end_id,
        counterparty_name=row.counterparty_name,
        counterparty_account=row.counterparty_account,
        addressed_account=row.addressed_account,
        remittance=row.remittance,
        lot_id=row.lot_id,
        organization_id=row.organization_id,
        return_refund_id=row.return_refund_id,
    )


def _entries_with_seal() -> Any:
    """Entries with whether each is sealed: it names a lot — its own (a payment, its reversal, an
    assignment) or its refund's (a refund paid back) — whose bids are not extracted yet."""
    lot_of = func.coalesce(BankEntry.lot_id, DepositRefund.lot_id)
    sealed = and_(lot_of.is_not(None), Lot.bids_extracted_at.is_(None))
    return (
        select(BankEntry, sealed.label("sealed"))
        .outerjoin(
            DepositRefund,
            and_(DepositRefund.id == BankEntry.end_to_end_id, BankEntry.direction == Direction.DEBIT),
        )
        .outerjoin(Lot, Lot.id == lot_of)
    )


async def statement_entries(
    platform: Platform, statement_row_id: int, *, after_id: int = 0, limit: int = 200
) -> list[EntryView]:
    """The entries a statement booked (first seen in it), in booking order; sealed as the module says."""
    async with platform.sessions() as db:
        if await db.get(BankStatement, statement_row_id) is None:
            raise NotFound(f"no statement {statement_row_id}", f"没有对账单 {statement_row_id}")
        found = await db.execute(
            _entries_with_seal()
            .where(BankEntry.statement_row_id == statement_row_id, BankEntry.id > after_id)
            .order_by(BankEntry.id)
            .limit(limit)
        )
        return [_entry_view(row, bool(sealed)) for row, sealed in found]


async def unmatched(
    platform: Platform, *, state: QueueState = QueueState.OPEN, after_id: int = 0, limit: int = 200
) -> list[EntryView]:
    """The finance officer's queue: money booked against ``unmatched`` and waiting (``open``), or
    already ``resolved`` or ``cleared`` by a reversal; oldest first."""
    async with platform.sessions() as db:
        found = await db.execute(
            _entries_with_seal()
            .where(BankEntry.queue_state == state, BankEntry.id > after_id)
            .order_by(BankEntry.id)
            .limit(limit)
        )
        return [_entry_view(row, bool(sealed)) for row, sealed in found]


Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=LINE_PATTERN)]


class ResolveInput(Body, frozen=True):
    """The finance officer's decision on an unmatched entry, with the reason (mandatory)."""

    action: Literal["assign", "return"]
    """``assign``: the money is this bidder's deposit for this lot; ``return``: pay it back to the payer."""
    reason: Reason
    lot_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None


async def resolve(platform: Platform, caller: Caller, entry_id: int, data: ResolveInput) -> EntryView:
    """Resolve an unmatched entry by hand (:func:`bidding.deposits.book.resolve_entry`), audited:
    an assignment names a bidder of a lot, so before the lot's deadline its event is sealed
    (办法 21) like the bidder's own actions."""
    _require(caller, WRITERS, "resolving unmatched money is the finance officer's", "处理待认领款项须由财务人员操作")
    reason = data.reason.strip()
    if not reason:
        raise InvalidInput("a reason is required", "必须填写处理理由", details=[{"key": "reason"}])
    now = platform.clock.now()
    async with platform.sessions() as db, db.begin():
        project_id: uuid.UUID | None = None
        sealed = False
        if data.action == "assign":
            if data.lot_id is None or data.organization_id is None:
                raise InvalidInput(
                    "assigning needs lot_id and organization_id",
                    "认领须指定标段 lot_id 与投标人 organization_id",
                    details=[{"key": "lot_id"}, {"key": "organization_id"}],
                )
            lot = await db.get(Lot, data.lot_id)
            if lot is None:
                raise NotFound(f"lot {data.lot_id} does not exist", f"标段 {data.lot_id} 不存在")
            if await db.get(Organization, data.organization_id) is None:
                raise NotFound(
                    f"organisation {data.organization_id} does not exist", f"单位 {data.organization_id} 不存在"
                )
            project_id, sealed = lot.project_id, lot.bids_extracted_at is None
            to = Account.sub(str(data.lot_id), str(data.organization_id))
            resolution = Resolution.ASSIGNED
        else:
            if data.lot_id is not None or data.organization_id is not None:
                raise InvalidInput("a return names no lot or bidder", "退回不指定标段或投标人")
            to, resolution = REFUNDS_PAYABLE, Resolution.RETURN
        entry = await resolve_entry(
            db, entry_id, to=to, resolution=resolution, reason=reason, actor=caller.actor_id, now=now
        )
        details = {
            "entry": entry_id,
            "booking_key": list(map(str, decode_key(entry.booking_key))),
            "amount_fen": entry.amount_fen,
            "resolution": resolution.value,
            "reason": reason,
        }
        if project_id is not None:
            record(
                db,
                caller.actor,
                "deposit.unmatched_assigned",
                object_type="lot",
                object_id=str(data.lot_id),
                details={**details, "organization_id": str(data.organization_id)},
                embargo_project_id=project_id,
            )
        else:
            record(
                db,
                caller.actor,
                "deposit.unmatched_returned",
                object_type="bank_entry",
                object_id=str(entry_id),
                details={**details, "refund_id": entry.return_refund_id},
            )
        return _entry_view(entry, sealed)


# --- alerts and the daily balance check ---------------------------------------------------------


@dataclass(frozen=True)
class AlertView:
    id: int
    kind: str
    account: str
    statement_id: str | None
    entry_index: int | None
    details: dict[str, Any]
    created_at: datetime


async def alerts(
    platform: Platform, *, kind: AlertKind | None = None, before_id: int | None = None, limit: int = 100
) -> list[AlertView]:
    """Alerts, newest first: sequence gaps, reversals, reused references, balance mismatches, and
    the refunds' (overdue, rejected)."""
    query = select(DepositAlert).order_by(DepositAlert.id.desc()).limit(limit)
    if kind is not None:
        query = query.where(DepositAlert.kind == kind)
    if before_id is not None:
        query = query.where(DepositAlert.id < before_id)
    async with platform.sessions() as db:
        return [
            AlertView(a.id, a.kind.value, a.account, a.statement_id, a.entry_index, a.details, a.created_at)
            for a in await db.scalars(query)
        ]


@dataclass(frozen=True)
class AccountBalance:
    """One collection account: the ledger against the bank's last closing balance."""

    account: str
    ledger_fen: int
    bank_fen: int | None
    """Closing balance of the last end-of-day statement (None: none imported yet)."""
    statement_id: str | None
    ok: bool
    difference_fen: int


@dataclass(frozen=True)
class BalanceReport:
    """The daily check (ledger balance = bank closing balance) and the book's structure."""

    checked_at: datetime
    ok: bool
    accounts: list[AccountBalance] = field(default_factory=list)
    integrity: dict[str, int] = field(default_factory=dict)


async def _accounts(db: AsyncSession, configured: tuple[str, ...]) -> list[str]:
    seen = (await db.scalars(select(BankStatement.account).distinct())).all()
    return list(dict.fromkeys([*configured, *sorted(seen)]))


async def _report(db: AsyncSession, configured: tuple[str, ...], now: datetime) -> BalanceReport:
    rows: list[AccountBalance] = []
    for account in await _accounts(db, configured):
        check = await balance_check(db, account)
        if check is None:
            ledger = await collection_balance(db, account)
            rows.append(AccountBalance(account, ledger, None, None, ledger == 0, ledger))
        else:
            rows.append(
                AccountBalance(
                    account,
                    check.ledger_fen,
                    check.bank_fen,
                    check.statement_id,
                    check.ok,
                    check.ledger_fen - check.bank_fen,
                )
            )
    problems: IntegrityProblems = await integrity_problems(db)
    return BalanceReport(now, all(r.ok for r in rows) and problems.ok, rows, dict(vars(problems)))


async def balance_report(platform: Platform) -> BalanceReport:
    """The daily balance check as of now, for every collection account (configured or seen)."""
    async with platform.sessions() as db:
        return await _report(db, platform.settings.deposit_collection_accounts, platform.clock.now())


async def daily_balance_check(platform: Platform) -> BalanceReport:
    """The daily check, recorded: a ``balance_mismatch`` alert per account whose ledger balance is
    not the bank's closing balance, and one audit event with the report."""
    now = platform.clock.now()
    async with platform.sessions() as db, db.begin():
        report = await _report(db, platform.settings.deposit_collection_accounts, now)
        for row in report.accounts:
            if not row.ok:
                db.add(
                    DepositAlert(
                        kind=AlertKind.BALANCE_MISMATCH,
                        account=row.account,
                        statement_id=row.statement_id,
                        details={"ledger_fen": row.ledger_fen, "bank_fen": row.bank_fen},
                        created_at=now,
                    )
                )
        record(
            db,
            Caller.system("deposit-balance-check").actor,
            "deposit.balance_checked",
            object_type="deposit_book",
            details={
                "ok": report.ok,
                "accounts": [
                    {"account": r.account, "ledger_fen": r.ledger_fen, "bank_fen": r.bank_fen, "ok": r.ok}
                    for r in report.accounts
                ],
                "integrity": report.integrity,
            },
        )
    return report


# --- a lot's deposits, after the extraction -----------------------------------------------------


@dataclass(frozen=True)
class PaymentView:
    amount_fen: int
    value_date: date
    booked_at: datetime | None
    payer_name: str | None
    payer_account: str | None


@dataclass(frozen=True)
class BidderDeposits:
    organization_id: uuid.UUID
    organization_name: str
    virtual_account: str | None
    received_fen: int
    payments: list[PaymentView]


@dataclass(frozen=True)
class LotDepositsView:
    lot_id: uuid.UUID
    bids_extracted_at: datetime
    bidders: list[BidderDeposits]


async def lot_deposits(platform: Platform, caller: Caller, lot_id: uuid.UUID) -> LotDepositsView:
    """Who paid what for a lot: refused (409 ``deposits_sealed``) until its bids are extracted
    (办法 21); the first listing after is recorded in the audit trail."""
    async with platform.sessions() as db, db.begin():
        lot = await db.get(Lot, lot_id)
        if lot is None:
            raise NotFound(f"lot {lot_id} does not exist", f"标段 {lot_id} 不存在")
        if lot.bids_extracted_at is None:
            raise DepositsSealed(
                f"the bids of lot {lot.code} are not extracted yet", f"标段 {lot.code} 尚未提取投标文件"
            )
        paid = await lot_payments_by_bidder(db, lot_id)
        numbers = dict(
            (
                await db.execute(
                    select(DepositVirtualAccount.organization_id, DepositVirtualAccount.number).where(
                        DepositVirtualAccount.lot_id == lot_id
                    )
                )
            ).all()
        )
        orgs = set(paid) | set(numbers)
        names = (
            dict((await db.execute(select(Organization.id, Organization.name).where(Organization.id.in_(orgs)))).all())
            if orgs
            else {}
        )
        bidders = [
            BidderDeposits(
                org,
                names.get(org, ""),
                numbers.get(org),
                sum(p.amount_fen for p in paid.get(org, [])),
                [
                    PaymentView(p.amount_fen, p.value_date, p.booked_at, p.payer_name, p.payer_account)
                    for p in paid.get(org, [])
                ],
            )
            for org in sorted(orgs, key=lambda o: (names.get(o, ""), str(o)))
        ]
        first = await db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "deposit.lot_deposits_listed",
                AuditEvent.object_type == "lot",
                AuditEvent.object_id == str(lot_id),
            )
        )
        if not first:
            record(
                db,
                caller.actor,
                "deposit.lot_deposits_listed",
                object_type="lot",
                object_id=str(lot_id),
                details={"bidders": len(bidders), "first": True},
            )
        return LotDepositsView(lot_id, lot.bids_extracted_at, bidders)
