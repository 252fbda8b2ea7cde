"""Deposit refunds (issue 18, ``docs/deposits.md`` "Refunds"): decided by their triggers, posted to
the book, paid by payment files the bank runs, confirmed by the bank's reports and statements,
watched for lateness. The rules are :mod:`bidding.deposits.refund_rules`'; the tables
:mod:`bidding.deposits.refund_models`'.

**Triggers** decide refunds by themselves, each once:

* a withdrawal before the deadline (条例 35): :func:`refund_withdrawal`, called by the bidder's
  withdrawal (``bidding.submission.bidder.withdraw_bid``) in its transaction, under the lot's lock;
* the termination of the tender (条例 31): tendering cannot call deposits (deposits builds on
  tendering), so the refund watch (:func:`sweep_triggers`, a cron job of
  :mod:`bidding.deposits.refund_jobs`) finds terminated projects and records the trigger on the
  day of the termination notice;
* the contract signed (条例 57) and, in government procurement, the award notice for the losers
  (政采条例 33): :func:`record_contract_signed` and :func:`record_award_notice`, for the project's
  agent or tenderer; the award's contract upload (``bidding.awards.contract``) records the contract
  through the same :func:`contract_signed`.

A trigger is recorded once per (lot, trigger, scope); deciding refunds takes every payment on the
lot's sub-accounts (or the withdrawing bidder's) that no refund or forfeit holds yet, groups them
by the account they came from, and writes per group one refund, its items (a payment in one item
ever: the primary key), and its posting — Dr sub-account (principal), Dr interest expense / Cr
refunds payable — in one transaction under the lot's lock and the collection account's lock.
Money that arrives after a lot-wide trigger is refunded by the next watch. Guarantees need no
refund: they are marked released.

**Payment files** (:func:`export_batch`): the due refunds of one collection account, their
interest brought to the execution date (the difference posted: Dr interest expense / Cr refunds
payable), as pain.001.001.09 and CSV, recorded with both files' SHA-256; a refund is in one live
file at most (``exported`` until the batch is cancelled or the bank answers). The bank's pain.002
(:func:`import_report`): ACSC/ACCC → ``paid`` on the execution day, RJCT → ``due`` again with the
reason and an alert; the same report twice changes nothing. The bank's debit, booked by the
statement import against refunds payable (its EndToEndId is the refund id), closes the refund
(:func:`settle_refunds`).

**Late**: an open refund past its due date raises one ``refund_overdue`` alert and audit event
(:func:`alert_overdue`), and shows red to the finance officer and the supervisor.

Who paid for a lot is sealed until its bids are extracted (办法 21): before that, views of a
refund name no lot, and the audit events of its decision are sealed to the lot's deadline.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal

import msgspec
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.clock import china_day
from bidding.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from bidding.core.fields import LINE_PATTERN, Body, LongText, OrgName
from bidding.core.holidays import deployment_calendar
from bidding.core.roles import Role
from bidding.core.transitions import move
from bidding.deposits.book import encode_key, lock_book
from bidding.deposits.entries import Direction, normalise_account
from bidding.deposits.ledger import (
    Account,
    AccountKind,
    AlertKind,
    Posting,
    forfeit_posting,
    refund_interest_posting,
    refund_posting,
)
from bidding.deposits.models import BankEntry, DepositAlert, LedgerLeg, LedgerPosting, PostingKind, Resolution
from bidding.deposits.participation_models import BasicAccount, DepositGuarantee
from bidding.deposits.payments import Debtor, Outcome, RefundInstruction, pain001, parse_pain002, refunds_csv
from bidding.deposits.refund_models import (
    BatchStatus,
    DepositForfeit,
    DepositRefund,
    GuaranteeRelease,
    PaymentReportImport,
    RefundBatch,
    RefundBatchItem,
    RefundItem,
    RefundTriggerEvent,
)
from bidding.deposits.refund_rules import (
    FORFEIT_ARTICLES,
    OPEN,
    REFUND_TRANSITIONS,
    TRIGGER_RULES,
    ForfeitReason,
    Held,
    RefundPolicy,
    RefundStatus,
    RefundTrigger,
    creditor_groups,
    days_late,
    due_on,
    is_late,
    is_overdue,
    overdue_charge,
    parse_rate_table,
    quote,
)
from bidding.identity.models import Organization
from bidding.tendering.locks import lock_lot
from bidding.tendering.models import Announcement, Lot, Project
from bidding.tendering.rules.announcements import AnnouncementKind
from bidding.tendering.rules.projects import ProjectStatus

if TYPE_CHECKING:
    from bidding.core.platform import Platform
    from bidding.core.settings import Settings

__all__ = [
    "BatchInput",
    "BatchView",
    "ForfeitInput",
    "ForfeitView",
    "RedirectInput",
    "RefundView",
    "ReportView",
    "TriggerView",
    "alert_overdue",
    "batch_file",
    "cancel_batch",
    "contract_signed",
    "create_batch",
    "debtor_of",
    "decide_refunds",
    "export_batch",
    "forfeit_deposit",
    "held_payments",
    "import_payment_report",
    "import_report",
    "list_batches",
    "list_refunds",
    "my_refunds",
    "overdue_refunds",
    "policy_of",
    "record_award_notice",
    "record_contract_signed",
    "record_trigger",
    "redirect_refund",
    "refund_watch",
    "refund_withdrawal",
    "settle_refunds",
    "sweep_triggers",
]

#: Who handles refunds (payment files, bank reports, forfeits, redirections): the finance officer.
FINANCE: Final = (Role.FINANCE,)
#: Who reads every refund: the finance officer, the supervisor, the auditor, the administrator.
READERS: Final = (Role.FINANCE, Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN)
#: Who records a contract or an award notice: the project's agent or tenderer.
RECORDERS: Final = (Role.AGENT, Role.TENDERER)
#: The most refunds one listing or one payment file holds.
MAX_LISTED: Final = 1000
MAX_BATCH: Final = 1000
#: The largest pain.002 report accepted.
MAX_REPORT_BYTES: Final = 16 * 1024 * 1024
#: Transactions a bank report or a payment file gets when a concurrent one got in first.
ATTEMPTS: Final = 3


# --- errors ------------------------------------------------------------------------------------------


class TriggerDateInvalid(InvalidInput):
    code = "refund_trigger_date_invalid"
    message_zh = "日期无效（不能晚于今天，不能早于投标截止日）"
    message_en = "Invalid date (not after today, not before the bid deadline's day)"


class TriggerTooEarly(Conflict):
    code = "refund_trigger_too_early"
    message_zh = "本标段尚未开标，不能登记合同签订或中标通知"
    message_en = "The lot has not been opened: no contract or award notice can be recorded yet"


class TriggerAlreadyRecorded(Conflict):
    code = "refund_trigger_recorded"
    message_zh = "已登记过，且日期或中标人不同"
    message_en = "Already recorded, with another date or other winners"


class NothingToExport(Conflict):
    code = "refund_nothing_to_export"
    message_zh = "没有可导出的待退款项"
    message_en = "No refund is due for a payment file"


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    message_zh = "该幂等键已用于另一请求"
    message_en = "This idempotency key was used for another request"


class BatchNotCancellable(Conflict):
    code = "refund_batch_not_cancellable"
    message_zh = "该批次不能撤销（已撤销，或银行已支付其中款项）"
    message_en = "This payment file cannot be cancelled (cancelled already, or the bank paid part of it)"


class ReportUnknownBatch(InvalidInput):
    code = "payment_report_unknown_batch"
    status = 422
    message_zh = "银行回执所指的付款批次不存在"
    message_en = "The bank's report names no payment file of this platform"


class NothingToForfeit(Conflict):
    code = "deposit_nothing_to_forfeit"
    message_zh = "该投标人在本标段没有可不予退还的保证金（已退还、已不予退还，或以保函提交）"
    message_en = "The bidder has no deposit money on this lot to keep (refunded, kept, or a guarantee)"


class RefundNotRedirectable(Conflict):
    code = "refund_not_redirectable"
    message_zh = "只有待退款项可以变更收款账户"
    message_en = "Only a due refund can be paid to another account"


# --- policy and the centre --------------------------------------------------------------------------


def policy_of(settings: Settings) -> RefundPolicy:
    """The deployment's rate tables and working-day calendar (``BIDDING_DEPOSIT_*``)."""
    return RefundPolicy(
        rates=parse_rate_table(settings.deposit_demand_rates),
        calendar=deployment_calendar(settings),
        lending_rates=parse_rate_table(settings.deposit_lending_rates) if settings.deposit_lending_rates else None,
    )


def debtor_of(settings: Settings, account: str) -> Debtor:
    """The centre as the payer of a payment file from ``account``."""
    return Debtor(settings.deposit_debtor_name, account, settings.deposit_collection_bank)


def _new_refund_id() -> str:
    return "RF" + secrets.token_hex(10).upper()


def _new_batch_id(today: date) -> str:
    return f"RB{today:%Y%m%d}{secrets.token_hex(5).upper()}"


# --- the book ------------------------------------------------------------------------------------------


def _leg_columns(account: Account) -> dict[str, Any]:
    return {
        "account_kind": account.kind,
        "bank_account": account.bank if account.kind is AccountKind.COLLECTION else None,
        "lot_id": uuid.UUID(account.lot) if account.kind is AccountKind.SUB_ACCOUNT else None,
        "organization_id": uuid.UUID(account.bidder) if account.kind is AccountKind.SUB_ACCOUNT else None,
    }


async def _post(
    session: AsyncSession, posting: Posting | None, kind: PostingKind, *, actor: str, now: datetime, reason: str | None
) -> bool:
    """Write one of the platform's own postings unless its key is booked (the key is UNIQUE too);
    the caller holds the collection account's lock (:func:`bidding.deposits.book.lock_book`)."""
    if posting is None:
        return False
    key = encode_key(posting.key)
    if await session.scalar(select(LedgerPosting.id).where(LedgerPosting.key == key)) is not None:
        return False
    row = LedgerPosting(key=key, kind=kind, entry_id=None, reason=reason, actor=actor, created_at=now)
    session.add(row)
    await session.flush()
    session.add_all(
        [LedgerLeg(posting_id=row.id, amount_fen=leg.fen, **_leg_columns(leg.account)) for leg in posting.legs]
    )
    await session.flush()
    return True


async def _lock_books(session: AsyncSession, accounts: Iterable[str], now: datetime) -> None:
    for account in sorted(set(accounts)):
        await lock_book(session, account, now)


def _alert(kind: AlertKind, account: str, now: datetime, **details: Any) -> DepositAlert:
    return DepositAlert(
        kind=kind,
        account=account,
        statement_id=None,
        entry_index=None,
        statement_row_id=None,
        details={k: v.isoformat() if isinstance(v, date) else v for k, v in details.items()},
        created_at=now,
    )


def _payments_held(lot_id: uuid.UUID) -> Any:
    """A lot's payments on its sub-accounts — credits booked there or assigned there by hand, not
    reversed (the criteria of :func:`bidding.deposits.book.lot_payments`) — that no refund or
    forfeit holds yet."""
    claimed = select(RefundItem.entry_id).where(RefundItem.entry_id == BankEntry.id)
    return (
        select(BankEntry)
        .where(
            BankEntry.lot_id == lot_id,
            BankEntry.direction == Direction.CREDIT,
            BankEntry.reversal.is_(False),
            BankEntry.consumed_by_id.is_(None),
            (BankEntry.counter_kind == AccountKind.SUB_ACCOUNT) | (BankEntry.resolution == Resolution.ASSIGNED),
            ~claimed.exists(),
        )
        .order_by(BankEntry.id)
    )


async def held_payments(
    session: AsyncSession, lot_id: uuid.UUID, organization_id: uuid.UUID | None = None
) -> dict[uuid.UUID, list[Held]]:
    """Per bidder, the lot's payments no refund or forfeit holds yet (sealed use, 办法 21)."""
    query = _payments_held(lot_id)
    if organization_id is not None:
        query = query.where(BankEntry.organization_id == organization_id)
    found: dict[uuid.UUID, list[Held]] = {}
    for row in await session.scalars(query):
        assert row.organization_id is not None
        found.setdefault(row.organization_id, []).append(
            Held(
                row.id,
                row.amount_fen,
                row.value_date,
                row.account,
                normalise_account(row.counterparty_account) if row.counterparty_account else None,
                row.counterparty_name,
            )
        )
    return found


def _sealed(lot: Lot, now: datetime) -> bool:
    """Who paid for the lot is still sealed (办法 21): before its deadline and its extraction."""
    return lot.bids_extracted_at is None and (lot.bid_deadline is None or now < lot.bid_deadline)


# --- views ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundView:
    """A refund as the finance officer, the supervisor, the auditor or its bidder sees it. Before
    the lot's bids are extracted (办法 21) it names no lot (``sealed``)."""

    id: str
    status: str
    #: Open and past its due date: the red mark (RULES a, acceptance check 5).
    overdue: bool
    #: Paid after its due date, or unpaid and past it.
    late: bool
    days_late: int
    trigger: str
    article: str
    triggered_on: date
    due_on: date
    working_days: bool
    principal_fen: int
    interest_fen: int
    charge_fen: int
    amount_fen: int
    interest_to: date
    organization_id: uuid.UUID
    organization_name: str
    creditor_name: str
    creditor_account: str
    to_basic_account: bool
    collection_account: str
    batch_id: str | None
    paid_on: date | None
    closed_at: datetime | None
    bank_status: str | None
    bank_reason: str | None
    rejections: int
    created_at: datetime
    sealed: bool
    lot_id: uuid.UUID | None
    lot_code: str | None
    project_code: str | None

    @classmethod
    def of(
        cls, refund: DepositRefund, lot: Lot, org_name: str, today: date, now: datetime, *, reveal: bool = False
    ) -> RefundView:
        sealed = not reveal and _sealed(lot, now)
        return cls(
            id=refund.id,
            status=refund.status.value,
            overdue=is_overdue(refund.status, refund.due_on, today),
            late=is_late(refund.due_on, refund.paid_on, today),
            days_late=days_late(refund.due_on, refund.paid_on, today),
            trigger=refund.trigger.value,
            article=TRIGGER_RULES[refund.trigger].article if not refund.working_days else "政采条例33",
            triggered_on=refund.triggered_on,
            due_on=refund.due_on,
            working_days=refund.working_days,
            principal_fen=refund.principal_fen,
            interest_fen=refund.interest_fen,
            charge_fen=refund.charge_fen,
            amount_fen=refund.amount_fen,
            interest_to=refund.interest_to,
            organization_id=refund.organization_id,
            organization_name=org_name,
            creditor_name=refund.creditor_name,
            creditor_account=refund.creditor_account,
            to_basic_account=refund.to_basic_account,
            collection_account=refund.collection_account,
            batch_id=refund.batch_id,
            paid_on=refund.paid_on,
            closed_at=refund.closed_at,
            bank_status=refund.bank_status,
            bank_reason=refund.bank_reason,
            rejections=refund.rejections,
            created_at=refund.created_at,
            sealed=sealed,
            lot_id=None if sealed else refund.lot_id,
            lot_code=None if sealed else lot.code,
            project_code=None if sealed else lot.project.code,
        )


@dataclass(frozen=True)
class TriggerView:
    lot_id: uuid.UUID
    trigger: str
    article: str
    occurred_on: date
    working_days: bool
    excluded: list[str]
    recorded_at: datetime
    recorded_by: str
    #: Recorded by this call (False: it had been recorded before, and nothing new was decided).
    recorded_now: bool
    refunds: list[RefundView] = field(default_factory=list)
    guarantees_released: int = 0


@dataclass(frozen=True)
class BatchView:
    id: str
    status: str
    debtor_account: str
    execution_date: date
    refunds: int
    total_fen: int
    pain001_sha256: str
    csv_sha256: str
    created_at: datetime
    created_by: str
    cancelled_at: datetime | None
    cancel_reason: str | None
    refund_ids: list[str]
    #: Due refunds left out because no account to pay them to is known (set one: redirect).
    skipped: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, batch: RefundBatch, refund_ids: list[str], skipped: list[str] | None = None) -> BatchView:
        return cls(
            batch.id,
            batch.status.value,
            batch.debtor_account,
            batch.execution_date,
            batch.refunds,
            batch.total_fen,
            batch.pain001_sha256,
            batch.csv_sha256,
            batch.created_at,
            batch.created_by,
            batch.cancelled_at,
            batch.cancel_reason,
            refund_ids,
            skipped or [],
        )


@dataclass(frozen=True)
class ReportView:
    """What one pain.002 report did."""

    report_id: int
    batch_id: str
    message_id: str | None
    sha256: str
    paid: list[str]
    rejected: list[str]
    pending: list[str]
    #: Paid or rejected for a refund no longer in this file (cancelled, or answered before): alerted.
    conflicts: list[str]
    #: Refund ids the report names that the file did not carry.
    unknown: list[str]
    #: The same report was imported before: nothing changed.
    already_imported: bool


@dataclass(frozen=True)
class ForfeitView:
    id: int
    lot_id: uuid.UUID
    organization_id: uuid.UUID
    reason: str
    article: str
    note: str
    amount_fen: int
    decided_at: datetime
    decided_by: str


# --- inputs ---------------------------------------------------------------------------------------------

IdempotencyKey = Annotated[str, msgspec.Meta(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=LINE_PATTERN)]
AccountNumber = Annotated[str, msgspec.Meta(pattern=r"^(?:[0-9A-Za-z][ -]?){7,33}[0-9A-Za-z]$", max_length=67)]


class ContractInput(Body, frozen=True):
    """The contract of the lot was signed on ``signed_on`` (条例 57)."""

    signed_on: date
    #: Government procurement: the winner's refund is due 5 working days after (政采条例 33).
    government_procurement: bool = False


class AwardNoticeInput(Body, frozen=True):
    """Government procurement: the award notice went out on ``notice_on``; ``winners`` are refunded
    at the contract (政采条例 33)."""

    notice_on: date
    winners: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=50)]


class BatchInput(Body, frozen=True):
    """A payment file of the due refunds of one collection account."""

    #: The collection account to pay from (default: the first configured).
    account: Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z]+$")] | None = None
    #: The day the bank is asked to pay (default today); interest runs to it.
    execution_date: date | None = None
    #: Asking again with the same key gives the same batch back (a retry after a lost answer).
    idempotency_key: IdempotencyKey | None = None


class CancelInput(Body, frozen=True):
    reason: Reason


class ForfeitInput(Body, frozen=True):
    """A deposit kept, only for a reason of 条例 35 or 74, with the facts."""

    reason: ForfeitReason
    note: LongText


class RedirectInput(Body, frozen=True):
    """Pay a due refund to another account (the payer's account was closed or frozen; 眉山 practice:
    a whitelisted account), with the reason."""

    creditor_account: AccountNumber
    creditor_name: OrgName
    reason: Reason


# --- triggers -------------------------------------------------------------------------------------------


async def record_trigger(
    session: AsyncSession,
    actor: Actor,
    lot: Lot,
    trigger: RefundTrigger,
    occurred_on: date,
    *,
    now: datetime,
    scope: str = "",
    organization_id: uuid.UUID | None = None,
    working_days: bool | None = None,
    excluded: Sequence[uuid.UUID] = (),
) -> tuple[RefundTriggerEvent, bool]:
    """The trigger, recorded once per (lot, trigger, scope): (the row, whether recorded now). The
    caller holds the lot's lock."""
    found = await session.scalar(
        select(RefundTriggerEvent).where(
            RefundTriggerEvent.lot_id == lot.id,
            RefundTriggerEvent.trigger == trigger,
            RefundTriggerEvent.scope == scope,
        )
    )
    if found is not None:
        return found, False
    event = RefundTriggerEvent(
        lot_id=lot.id,
        trigger=trigger,
        scope=scope,
        organization_id=organization_id,
        occurred_on=occurred_on,
        working_days=TRIGGER_RULES[trigger].working_days if working_days is None else working_days,
        excluded=sorted(str(o) for o in excluded),
        recorded_at=now,
        recorded_by=actor.id,
    )
    session.add(event)
    await session.flush()
    sealed = _sealed(lot, now)
    record(
        session,
        actor,
        "deposit.refund_trigger",
        object_type="lot",
        object_id=str(lot.id),
        details={
            "trigger": trigger.value,
            "article": TRIGGER_RULES[trigger].article,
            "occurred_on": occurred_on.isoformat(),
            "working_days": event.working_days,
            "organization": str(organization_id) if organization_id else None,
            "excluded": event.excluded,
        },
        embargo_project_id=lot.project_id if sealed and organization_id else None,
    )
    return event, True


async def decide_refunds(
    session: AsyncSession,
    actor: Actor,
    event: RefundTriggerEvent,
    lot: Lot,
    policy: RefundPolicy,
    *,
    now: datetime,
) -> tuple[list[DepositRefund], int]:
    """The refunds ``event`` decides now: every payment it covers that nothing holds yet, one refund
    per (bidder, collection account, payer account), with interest to today; and the guarantees it
    releases. (refunds, guarantees released). The caller holds the lot's lock."""
    today = china_day(now)
    # Read what is held under the collection accounts' locks, so that no import reverses a payment
    # between the reading and the posting (read, lock what it names, read again until it holds).
    locked: set[str] = set()
    while True:
        held = await held_payments(session, lot.id, event.organization_id)
        accounts = {h.collection_account for payments in held.values() for h in payments}
        if accounts <= locked:
            break
        await _lock_books(session, accounts - locked, now)
        locked |= accounts
    excluded = set(event.excluded)
    sealed = _sealed(lot, now)
    refunds: list[DepositRefund] = []
    for org_id, payments in held.items():
        if str(org_id) in excluded:
            continue
        basic = await session.get(BasicAccount, org_id)
        fallback = (basic.account_number, basic.account_name) if basic is not None else None
        for (collection, account, name), items in creditor_groups(payments, fallback).items():
            prior = await session.scalar(
                select(func.count(DepositRefund.id)).where(
                    DepositRefund.trigger_id == event.id,
                    DepositRefund.organization_id == org_id,
                    DepositRefund.collection_account == collection,
                    DepositRefund.creditor_account == account,
                )
            )
            counted_from = max(event.occurred_on, *(h.value_date for h in items))
            quotes = quote(items, today, policy)
            principal = sum(q.principal_fen for q in quotes)
            interest = sum(q.interest_fen for q in quotes)
            refund = DepositRefund(
                id=_new_refund_id(),
                trigger_id=event.id,
                trigger=event.trigger,
                lot_id=lot.id,
                organization_id=org_id,
                status=RefundStatus.DUE,
                collection_account=collection,
                creditor_account=account,
                creditor_name=(name or "")[:140],
                to_basic_account=not any(h.payer_account for h in items) and bool(account),
                round_no=int(prior or 0),
                triggered_on=event.occurred_on,
                due_on=due_on(counted_from, working_days=event.working_days, calendar=policy.calendar),
                working_days=event.working_days,
                principal_fen=principal,
                interest_fen=interest,
                charge_fen=0,
                amount_fen=principal + interest,
                interest_to=today,
                rejections=0,
                created_at=now,
                created_by=actor.id,
            )
            session.add(refund)
            await session.flush()
            by_entry = {h.entry_id: h for h in items}
            session.add_all(
                [
                    RefundItem(
                        entry_id=q.entry_id,
                        refund_id=refund.id,
                        lot_id=lot.id,
                        organization_id=org_id,
                        principal_fen=q.principal_fen,
                        interest_fen=q.interest_fen,
                        value_date=by_entry[q.entry_id].value_date,
                    )
                    for q in quotes
                ]
            )
            await session.flush()
            await _post(
                session,
                refund_posting(refund.id, str(lot.id), str(org_id), principal, interest),
                PostingKind.REFUND,
                actor=actor.id,
                now=now,
                reason=f"{event.trigger.value} {TRIGGER_RULES[event.trigger].article}",
            )
            record(
                session,
                actor,
                "deposit.refund_decided",
                object_type="lot",
                object_id=str(lot.id),
                details={
                    "refund": refund.id,
                    "trigger": event.trigger.value,
                    "organization": str(org_id),
                    "principal_fen": principal,
                    "interest_fen": interest,
                    "due_on": refund.due_on.isoformat(),
                    "entries": sorted(by_entry),
                },
                embargo_project_id=lot.project_id if sealed else None,
            )
            refunds.append(refund)
    released = await _release_guarantees(session, event, lot, today, now)
    return refunds, released


async def _release_guarantees(
    session: AsyncSession, event: RefundTriggerEvent, lot: Lot, today: date, now: datetime
) -> int:
    """Guarantees the trigger frees (nothing to pay back: marked released once)."""
    released = select(GuaranteeRelease.guarantee_id).where(GuaranteeRelease.guarantee_id == DepositGuarantee.id)
    query = select(DepositGuarantee).where(DepositGuarantee.lot_id == lot.id, ~released.exists())
    if event.organization_id is not None:
        query = query.where(DepositGuarantee.organization_id == event.organization_id)
    count = 0
    for guarantee in await session.scalars(query):
        if str(guarantee.organization_id) in event.excluded:
            continue
        session.add(
            GuaranteeRelease(
                guarantee_id=guarantee.id,
                lot_id=lot.id,
                organization_id=guarantee.organization_id,
                trigger_id=event.id,
                released_on=today,
                released_at=now,
            )
        )
        count += 1
    if count:
        await session.flush()
    return count


async def refund_withdrawal(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    lot_id: uuid.UUID,
    organization_id: uuid.UUID,
    bid_id: uuid.UUID,
    now: datetime,
) -> list[DepositRefund]:
    """条例 35: a bid withdrawn before the deadline — its bidder's deposit is refunded within 5 days of
    the withdrawal. Called in the withdrawal's transaction, under the lot's lock; once per bid."""
    lot = await lock_lot(session, lot_id)
    assert lot is not None
    event, _ = await record_trigger(
        session,
        actor,
        lot,
        RefundTrigger.WITHDRAWAL,
        china_day(now),
        now=now,
        scope=str(bid_id),
        organization_id=organization_id,
    )
    refunds, _ = await decide_refunds(session, actor, event, lot, policy_of(settings), now=now)
    return refunds


async def _trigger_lot(session: AsyncSession, caller: Caller, lot_id: uuid.UUID) -> Lot:
    """The lot, locked, if the caller is its project's agent or tenderer (else 'not found')."""
    if not caller.has(*RECORDERS):
        raise Forbidden("only the project's agent or tenderer records this", "须由项目的招标代理或招标人登记")
    org_id = caller.organisation()
    lot = await lock_lot(session, lot_id)
    if lot is None or org_id not in (lot.project.agent_id, lot.project.tenderer_id):
        raise NotFound(f"you run no lot {lot_id}", f"您没有标段 {lot_id}")
    if lot.project.status is ProjectStatus.CANCELLED or lot.bids_extracted_at is None:
        raise TriggerTooEarly(f"lot {lot.code} has not been opened", f"标段 {lot.code} 尚未开标")
    return lot


def _check_day(day: date, lot: Lot, today: date) -> None:
    earliest = china_day(lot.bid_deadline) if lot.bid_deadline else day
    if day > today or day < earliest:
        raise TriggerDateInvalid(
            f"{day} is after today ({today}) or before the bid deadline's day ({earliest})",
            f"{day} 晚于今天（{today}）或早于投标截止日（{earliest}）",
        )


async def _trigger_view(
    session: AsyncSession,
    event: RefundTriggerEvent,
    lot: Lot,
    refunds: list[DepositRefund],
    released: int,
    now: datetime,
    *,
    recorded_now: bool,
) -> TriggerView:
    names = await _names(session, {r.organization_id for r in refunds})
    today = china_day(now)
    return TriggerView(
        lot_id=lot.id,
        trigger=event.trigger.value,
        article="政采条例33" if event.working_days else TRIGGER_RULES[event.trigger].article,
        occurred_on=event.occurred_on,
        working_days=event.working_days,
        excluded=list(event.excluded),
        recorded_at=event.recorded_at,
        recorded_by=event.recorded_by,
        recorded_now=recorded_now,
        refunds=[RefundView.of(r, lot, names.get(r.organization_id, ""), today, now) for r in refunds],
        guarantees_released=released,
    )


async def contract_signed(
    session: AsyncSession,
    actor: Actor,
    lot: Lot,
    signed_on: date,
    policy: RefundPolicy,
    *,
    now: datetime,
    government_procurement: bool = False,
) -> tuple[RefundTriggerEvent, bool, int]:
    """条例 57: the contract of ``lot`` was signed on ``signed_on`` — the trigger recorded once and the
    refunds it decides now; in government procurement, or on a lot with an award notice, the
    winner's refund is due in 5 working days (政采条例 33). Recorded again with the same day nothing
    new is decided; with another day, 409 ``refund_trigger_recorded``. (trigger, recorded now,
    guarantees released). The caller holds the lot's lock and has checked the day: the one path of
    the deposits' own route (:func:`record_contract_signed`) and the award's contract upload
    (``bidding.awards.contract``)."""
    award = await session.scalar(
        select(RefundTriggerEvent.id).where(
            RefundTriggerEvent.lot_id == lot.id, RefundTriggerEvent.trigger == RefundTrigger.AWARD_NOTICE
        )
    )
    event, recorded_now = await record_trigger(
        session,
        actor,
        lot,
        RefundTrigger.CONTRACT_SIGNED,
        signed_on,
        now=now,
        working_days=government_procurement or award is not None,
    )
    if event.occurred_on != signed_on:
        raise TriggerAlreadyRecorded(
            f"the contract was recorded as signed on {event.occurred_on}", f"合同已登记为 {event.occurred_on} 签订"
        )
    _, released = await decide_refunds(session, actor, event, lot, policy, now=now)
    return event, recorded_now, released


async def record_contract_signed(
    platform: Platform, caller: Caller, lot_id: uuid.UUID, signed_on: date, *, government_procurement: bool = False
) -> TriggerView:
    """条例 57: the contract was signed on ``signed_on``; every deposit not refunded yet is refunded
    with interest within 5 days (government procurement — or a lot with an award notice — the
    winner within 5 working days, 政采条例 33). Once: recorded again with the same day, the
    refunds it decided are returned and nothing new is decided; with another day, 409
    (:func:`contract_signed`)."""
    now = platform.clock.now()
    async with platform.sessions() as db, db.begin():
        lot = await _trigger_lot(db, caller, lot_id)
        _check_day(signed_on, lot, china_day(now))
        event, recorded_now, released = await contract_signed(
            db,
            caller.actor,
            lot,
            signed_on,
            policy_of(platform.settings),
            now=now,
            government_procurement=government_procurement,
        )
        refunds = await _refunds_of(db, event)
        return await _trigger_view(db, event, lot, refunds, released, now, recorded_now=recorded_now)


async def record_award_notice(
    platform: Platform, caller: Caller, lot_id: uuid.UUID, notice_on: date, winners: Sequence[uuid.UUID]
) -> TriggerView:
    """政采条例 33: the award notice went out on ``notice_on``; every bidder but ``winners`` gets its
    deposit back within 5 working days (the working-day calendar of the settings). Once, as
    :func:`record_contract_signed`."""
    now = platform.clock.now()
    async with platform.sessions() as db, db.begin():
        lot = await _trigger_lot(db, caller, lot_id)
        _check_day(notice_on, lot, china_day(now))
        event, recorded_now = await record_trigger(
            db, caller.actor, lot, RefundTrigger.AWARD_NOTICE, notice_on, now=now, excluded=winners
        )
        if event.occurred_on != notice_on or set(event.excluded) != {str(w) for w in winners}:
            raise TriggerAlreadyRecorded(
                f"the award notice was recorded on {event.occurred_on} for other winners",
                f"中标通知已于 {event.occurred_on} 登记，中标人不同",
            )
        return await _decided(db, caller.actor, event, lot, platform, now, recorded_now=recorded_now)


async def _decided(
    db: AsyncSession,
    actor: Actor,
    event: RefundTriggerEvent,
    lot: Lot,
    platform: Platform,
    now: datetime,
    *,
    recorded_now: bool,
) -> TriggerView:
    _, released = await decide_refunds(db, actor, event, lot, policy_of(platform.settings), now=now)
    return await _trigger_view(db, event, lot, await _refunds_of(db, event), released, now, recorded_now=recorded_now)


async def _refunds_of(db: AsyncSession, event: RefundTriggerEvent) -> list[DepositRefund]:
    """Every refund ``event`` has decided, oldest first."""
    refunds = await db.scalars(
        select(DepositRefund).where(DepositRefund.trigger_id == event.id).order_by(DepositRefund.created_at)
    )
    return list(refunds.all())


async def sweep_triggers(sessions: async_sessionmaker[AsyncSession], policy: RefundPolicy, *, now: datetime) -> int:
    """The refund watch's first part: a terminated tender's lots get their termination trigger (条例
    31, on the day of the termination notice), and every lot-wide trigger refunds money that came
    after it; each lot in a transaction of its own. The number of refunds decided."""
    actor = Actor.system("deposits")
    async with sessions() as db:
        terminated = (
            await db.execute(
                select(Lot.id, Project.id)
                .join(Project, Project.id == Lot.project_id)
                .where(
                    Project.status == ProjectStatus.CANCELLED,
                    ~select(RefundTriggerEvent.id)
                    .where(
                        RefundTriggerEvent.lot_id == Lot.id,
                        RefundTriggerEvent.trigger == RefundTrigger.TERMINATION,
                    )
                    .exists(),
                )
            )
        ).all()
        lot_wide = [t for t, rule in TRIGGER_RULES.items() if rule.lot_wide]
        late = (
            await db.scalars(
                select(BankEntry.lot_id)
                .where(
                    BankEntry.lot_id.in_(
                        select(RefundTriggerEvent.lot_id).where(RefundTriggerEvent.trigger.in_(lot_wide))
                    ),
                    BankEntry.direction == Direction.CREDIT,
                    BankEntry.reversal.is_(False),
                    BankEntry.consumed_by_id.is_(None),
                    (BankEntry.counter_kind == AccountKind.SUB_ACCOUNT) | (BankEntry.resolution == Resolution.ASSIGNED),
                    ~select(RefundItem.entry_id).where(RefundItem.entry_id == BankEntry.id).exists(),
                )
                .distinct()
            )
        ).all()
    decided = 0
    for lot_id, project_id in terminated:
        async with sessions() as db, db.begin():
            lot = await lock_lot(db, lot_id)
            assert lot is not None
            notice = await db.scalar(
                select(func.min(Announcement.published_at)).where(
                    Announcement.project_id == project_id, Announcement.kind == AnnouncementKind.TERMINATION
                )
            )
            event, _ = await record_trigger(
                db, actor, lot, RefundTrigger.TERMINATION, china_day(notice or now), now=now
            )
            refunds, _ = await decide_refunds(db, actor, event, lot, policy, now=now)
            decided += len(refunds)
    for late_lot in {lot for lot in late if lot is not None} - {lot for lot, _ in terminated}:
        async with sessions() as db, db.begin():
            lot = await lock_lot(db, late_lot)
            assert lot is not None
            events = (
                await db.scalars(
                    select(RefundTriggerEvent)
                    .where(RefundTriggerEvent.lot_id == late_lot, RefundTriggerEvent.trigger.in_(lot_wide))
                    .order_by(RefundTriggerEvent.id)
                )
            ).all()
            for event in events:
                refunds, _ = await decide_refunds(db, actor, event, lot, policy, now=now)
                decided += len(refunds)
    return decided


# --- payment files -------------------------------------------------------------------------------------


async def export_batch(
    session: AsyncSession,
    actor: Actor,
    policy: RefundPolicy,
    debtor: Debtor,
    *,
    execution_date: date,
    now: datetime,
    idempotency_key: str | None = None,
    limit: int = MAX_BATCH,
) -> tuple[RefundBatch, list[str], list[str]]:
    """A payment file of the due refunds of ``debtor.account`` (oldest due first): each refund's
    interest brought to ``execution_date`` (and a late government procurement refund's overdue
    charge), the difference posted; the refunds move to ``exported``; the file is written as
    pain.001.001.09 and as CSV and recorded with their SHA-256. (batch, refund ids, skipped ids:
    due refunds with no account to pay to.) With ``idempotency_key`` seen before, that batch."""
    if idempotency_key is not None:
        found = await session.scalar(select(RefundBatch).where(RefundBatch.idempotency_key == idempotency_key))
        if found is not None:
            if found.debtor_account != debtor.account:
                raise IdempotencyKeyReused(
                    f"key {idempotency_key} made a file of account {found.debtor_account}",
                    f"幂等键 {idempotency_key} 已用于账户 {found.debtor_account} 的批次",
                )
            ids = await _batch_refund_ids(session, found.id)
            return found, ids, []
    await lock_book(session, debtor.account, now)
    due = (
        await session.scalars(
            select(DepositRefund)
            .where(DepositRefund.status == RefundStatus.DUE, DepositRefund.collection_account == debtor.account)
            .order_by(DepositRefund.due_on, DepositRefund.created_at, DepositRefund.id)
            .limit(limit)
            .with_for_update()
        )
    ).all()
    payable = [r for r in due if r.creditor_account]
    skipped = [r.id for r in due if not r.creditor_account]
    if not payable:
        raise NothingToExport(
            f"no refund from account {debtor.account} is due with an account to pay to",
            f"账户 {debtor.account} 没有可导出的待退款项",
        )
    batch_id = _new_batch_id(china_day(now))
    items = (await session.scalars(select(RefundItem).where(RefundItem.refund_id.in_([r.id for r in payable])))).all()
    by_refund: dict[str, list[RefundItem]] = {}
    for item in items:
        assert item.refund_id is not None
        by_refund.setdefault(item.refund_id, []).append(item)
    instructions: list[RefundInstruction] = []
    for refund in payable:
        mine = by_refund.get(refund.id, [])
        quotes = quote(
            [Held(i.entry_id, i.principal_fen, i.value_date, refund.collection_account, None, None) for i in mine],
            execution_date,
            policy,
        )
        interest = sum(q.interest_fen for q in quotes)
        charge = overdue_charge(
            refund.principal_fen, refund.due_on, execution_date, working_days=refund.working_days, policy=policy
        )
        delta = interest + charge - refund.interest_fen - refund.charge_fen
        await _post(
            session,
            refund_interest_posting(refund.id, batch_id, delta),
            PostingKind.REFUND,
            actor=actor.id,
            now=now,
            reason=f"interest to {execution_date.isoformat()}",
        )
        for item, q in zip(mine, quotes, strict=True):
            item.interest_fen = q.interest_fen
        refund.interest_fen, refund.charge_fen = interest, charge
        refund.amount_fen = refund.principal_fen + interest + charge
        refund.interest_to = execution_date
        refund.status = move(REFUND_TRANSITIONS, refund.status, RefundStatus.EXPORTED, what=f"refund {refund.id}")
        refund.bank_status, refund.bank_reason = None, None
        instructions.append(
            RefundInstruction(
                refund.id,
                refund.amount_fen,
                refund.creditor_name,
                refund.creditor_account,
                None,
                f"投标保证金退还 deposit refund {refund.id}",
            )
        )
    xml = pain001(instructions, debtor, message_id=batch_id, created_at=now, execution_date=execution_date)
    table = refunds_csv(instructions)
    batch = RefundBatch(
        id=batch_id,
        status=BatchStatus.EXPORTED,
        debtor_account=debtor.account,
        execution_date=execution_date,
        refunds=len(instructions),
        total_fen=sum(i.amount_fen for i in instructions),
        pain001=xml,
        pain001_sha256=hashlib.sha256(xml).hexdigest(),
        csv=table,
        csv_sha256=hashlib.sha256(table).hexdigest(),
        idempotency_key=idempotency_key,
        created_at=now,
        created_by=actor.id,
    )
    session.add(batch)
    await session.flush()
    for refund in payable:
        refund.batch_id = batch_id
    session.add_all(
        [RefundBatchItem(batch_id=batch_id, refund_id=i.refund_id, amount_fen=i.amount_fen) for i in instructions]
    )
    await session.flush()
    record(
        session,
        actor,
        "deposit.refund_batch_exported",
        object_type="deposit_refund_batch",
        object_id=batch_id,
        content_sha256=batch.pain001_sha256,
        details={
            "account": debtor.account,
            "execution_date": execution_date.isoformat(),
            "refunds": [i.refund_id for i in instructions],
            "total_fen": batch.total_fen,
            "csv_sha256": batch.csv_sha256,
            "skipped": skipped,
        },
    )
    return batch, [i.refund_id for i in instructions], skipped


async def _batch_refund_ids(session: AsyncSession, batch_id: str) -> list[str]:
    return list(
        (
            await session.scalars(
                select(RefundBatchItem.refund_id)
                .where(RefundBatchItem.batch_id == batch_id)
                .order_by(RefundBatchItem.refund_id)
            )
        ).all()
    )


async def cancel_batch_in(
    session: AsyncSession, actor: Actor, batch_id: str, reason: str, now: datetime
) -> RefundBatch:
    """Withdraw a payment file the bank has not run (the finance officer, with a reason): its refunds
    are due again. Refused once the bank reported any of them paid."""
    batch = await session.get(RefundBatch, batch_id, with_for_update=True)
    if batch is None:
        raise NotFound(f"no payment file {batch_id}", f"没有付款批次 {batch_id}")
    await lock_book(session, batch.debtor_account, now)
    refunds = (
        await session.scalars(select(DepositRefund).where(DepositRefund.batch_id == batch_id).with_for_update())
    ).all()
    if batch.status is not BatchStatus.EXPORTED or any(r.status not in OPEN for r in refunds):
        raise BatchNotCancellable(f"payment file {batch_id} cannot be cancelled", f"付款批次 {batch_id} 不能撤销")
    for refund in refunds:
        if refund.status is RefundStatus.EXPORTED:
            refund.status = move(REFUND_TRANSITIONS, refund.status, RefundStatus.DUE, what=f"refund {refund.id}")
            refund.batch_id = None
    batch.status, batch.cancelled_at, batch.cancelled_by, batch.cancel_reason = (
        BatchStatus.CANCELLED,
        now,
        actor.id,
        reason,
    )
    record(
        session,
        actor,
        "deposit.refund_batch_cancelled",
        object_type="deposit_refund_batch",
        object_id=batch_id,
        details={"reason": reason, "refunds": [r.id for r in refunds]},
    )
    return batch


# --- the bank's answers ----------------------------------------------------------------------------------


async def import_report(session: AsyncSession, actor: Actor, data: bytes, *, now: datetime) -> ReportView:
    """Apply the bank's pain.002 report to the refunds of the file it answers (see the module
    docstring); once per report (its SHA-256). A report that cannot be read, or names a file this
    platform did not send, is refused (422) before anything changes."""
    sha256 = hashlib.sha256(data).hexdigest()
    seen = await session.scalar(select(PaymentReportImport).where(PaymentReportImport.sha256 == sha256))
    if seen is not None:
        return _report_view(seen, already=True)
    report = parse_pain002(data)
    batch = await session.get(RefundBatch, report.original_message_id)
    if batch is None:
        raise ReportUnknownBatch(
            f"the report answers {report.original_message_id}, which is no payment file of this platform",
            f"回执所答复的 {report.original_message_id} 不是本平台的付款批次",
        )
    await lock_book(session, batch.debtor_account, now)
    today = china_day(now)
    carried = {
        item.refund_id: item
        for item in await session.scalars(select(RefundBatchItem).where(RefundBatchItem.batch_id == batch.id))
    }
    refunds = {
        r.id: r
        for r in await session.scalars(
            select(DepositRefund).where(DepositRefund.id.in_(list(carried))).with_for_update()
        )
    }
    summary: dict[str, list[str]] = {"paid": [], "rejected": [], "pending": [], "conflicts": [], "unknown": []}
    summary["unknown"] = sorted({s.refund_id for s in report.items} - set(carried))
    for status in report.statuses(sorted(carried)):
        carried[status.refund_id].bank_status = status.status.value
        refund = refunds[status.refund_id]
        mine = refund.batch_id == batch.id
        outcome = status.outcome
        if outcome is Outcome.PENDING:
            if mine and refund.status is RefundStatus.EXPORTED:
                refund.bank_status, refund.bank_reason = status.status.value, status.reason
            summary["pending"].append(refund.id)
        elif mine and refund.status is RefundStatus.EXPORTED:
            refund.bank_status, refund.bank_reason = status.status.value, status.reason
            if outcome is Outcome.PAID:
                refund.status = move(REFUND_TRANSITIONS, refund.status, RefundStatus.PAID, what=f"refund {refund.id}")
                refund.paid_on = min(batch.execution_date, today)
                summary["paid"].append(refund.id)
            else:
                refund.status = move(REFUND_TRANSITIONS, refund.status, RefundStatus.DUE, what=f"refund {refund.id}")
                refund.batch_id = None
                refund.rejections += 1
                summary["rejected"].append(refund.id)
                session.add(
                    _alert(
                        AlertKind.REFUND_REJECTED,
                        batch.debtor_account,
                        now,
                        refund=refund.id,
                        batch=batch.id,
                        status=status.status.value,
                        reason=status.reason,
                        creditor_account=refund.creditor_account,
                    )
                )
                record(
                    session,
                    actor,
                    "deposit.refund_rejected",
                    object_type="deposit_refund",
                    object_id=refund.id,
                    details={"batch": batch.id, "status": status.status.value, "reason": status.reason},
                )
        elif mine and refund.status in (RefundStatus.PAID, RefundStatus.CLOSED) and outcome is Outcome.PAID:
            pass  # said again: nothing changes
        elif not mine and outcome is Outcome.REJECTED:
            pass  # a file no longer counted on (cancelled, or rejected before) rejected: as it should be
        else:
            # Paid from a cancelled file (the bank ran it anyway), or rejected after it was paid.
            summary["conflicts"].append(refund.id)
            session.add(
                _alert(
                    AlertKind.REFUND_REPORT_CONFLICT,
                    batch.debtor_account,
                    now,
                    refund=refund.id,
                    batch=batch.id,
                    status=status.status.value,
                    refund_status=refund.status.value,
                    current_batch=refund.batch_id,
                )
            )
    row = PaymentReportImport(
        sha256=sha256,
        batch_id=batch.id,
        message_id=(report.message_id or "")[:35] or None,
        summary=summary,
        imported_at=now,
        imported_by=actor.id,
    )
    session.add(row)
    await session.flush()
    record(
        session,
        actor,
        "deposit.payment_report_imported",
        object_type="deposit_refund_batch",
        object_id=batch.id,
        content_sha256=sha256,
        details={k: v for k, v in summary.items()},
    )
    return _report_view(row, already=False)


def _report_view(row: PaymentReportImport, *, already: bool) -> ReportView:
    s = row.summary
    return ReportView(
        row.id,
        row.batch_id,
        row.message_id,
        row.sha256,
        list(s.get("paid", [])),
        list(s.get("rejected", [])),
        list(s.get("pending", [])),
        list(s.get("conflicts", [])),
        list(s.get("unknown", [])),
        already,
    )


async def settle_refunds(session: AsyncSession, actor: Actor, *, now: datetime) -> list[str]:
    """Close the refunds whose bank debit the statement import booked against refunds payable
    (EndToEndId = refund id): paid on the debit's value date if no report said so. A refund the
    book saw paid while it was due (a cancelled or rejected file the bank ran anyway) is closed
    too, with a ``refund_report_conflict`` alert. The ids closed."""
    rows = (
        await session.execute(
            select(DepositRefund, BankEntry)
            .join(BankEntry, BankEntry.end_to_end_id == DepositRefund.id)
            .where(
                DepositRefund.settled_entry_id.is_(None),
                BankEntry.direction == Direction.DEBIT,
                BankEntry.counter_kind == AccountKind.REFUNDS_PAYABLE,
                BankEntry.reversal.is_(False),
                BankEntry.consumed_by_id.is_(None),
            )
            .order_by(BankEntry.id)
        )
    ).all()
    closed: list[str] = []
    for refund, entry in rows:
        if refund.settled_entry_id is not None:
            continue
        if refund.status is RefundStatus.DUE:
            session.add(
                _alert(
                    AlertKind.REFUND_REPORT_CONFLICT,
                    refund.collection_account,
                    now,
                    refund=refund.id,
                    entry=entry.id,
                    refund_status=refund.status.value,
                )
            )
        refund.status = move(REFUND_TRANSITIONS, refund.status, RefundStatus.CLOSED, what=f"refund {refund.id}")
        refund.settled_entry_id, refund.closed_at = entry.id, now
        refund.paid_on = refund.paid_on or entry.value_date
        record(
            session,
            actor,
            "deposit.refund_closed",
            object_type="deposit_refund",
            object_id=refund.id,
            details={"entry": entry.id, "value_date": entry.value_date.isoformat(), "amount_fen": entry.amount_fen},
        )
        closed.append(refund.id)
    return closed


async def alert_overdue(session: AsyncSession, actor: Actor, *, now: datetime) -> list[str]:
    """Raise the red alert once for every open refund past its due date (条例 57; RULES a, acceptance
    check 5): a ``refund_overdue`` alert in the book and an audit event. The ids alerted now."""
    today = china_day(now)
    candidates = (
        await session.scalars(
            select(DepositRefund.id).where(
                DepositRefund.status.in_(list(OPEN)),
                DepositRefund.due_on < today,
                DepositRefund.overdue_alerted_at.is_(None),
            )
        )
    ).all()
    alerted: list[str] = []
    for refund_id in candidates:
        # Once: only the transaction that sets the mark raises the alert (a concurrent run waits
        # on the row and then finds it set).
        marked = await session.execute(
            update(DepositRefund)
            .where(
                DepositRefund.id == refund_id,
                DepositRefund.overdue_alerted_at.is_(None),
                DepositRefund.status.in_(list(OPEN)),
            )
            .values(overdue_alerted_at=now)
            .execution_options(synchronize_session=False)
        )
        if marked.rowcount != 1:  # type: ignore[attr-defined]
            continue
        refund = await session.get(DepositRefund, refund_id, populate_existing=True)
        assert refund is not None
        lot = await session.get(Lot, refund.lot_id)
        assert lot is not None
        session.add(
            _alert(
                AlertKind.REFUND_OVERDUE,
                refund.collection_account,
                now,
                refund=refund.id,
                due_on=refund.due_on,
                days_late=days_late(refund.due_on, None, today),
                amount_fen=refund.amount_fen,
                trigger=refund.trigger.value,
            )
        )
        record(
            session,
            actor,
            "deposit.refund_overdue",
            object_type="lot",
            object_id=str(refund.lot_id),
            details={
                "refund": refund.id,
                "due_on": refund.due_on.isoformat(),
                "organization": str(refund.organization_id),
                "article": "条例57",
            },
            embargo_project_id=lot.project_id if _sealed(lot, now) else None,
        )
        alerted.append(refund.id)
    return alerted


async def refund_watch(
    sessions: async_sessionmaker[AsyncSession], policy: RefundPolicy, *, now: datetime
) -> dict[str, int]:
    """The cron job's work: triggers swept (termination, money after a trigger), refunds closed by
    the bank's debits, overdue refunds alerted; each part idempotent, so a run after a crash does
    only what is left."""
    decided = await sweep_triggers(sessions, policy, now=now)
    actor = Actor.system("deposits")
    async with sessions() as db, db.begin():
        closed = await settle_refunds(db, actor, now=now)
    async with sessions() as db, db.begin():
        overdue = await alert_overdue(db, actor, now=now)
    return {"decided": decided, "closed": len(closed), "overdue_alerted": len(overdue)}


# --- forfeits and redirections ------------------------------------------------------------------------


async def forfeit_in(
    session: AsyncSession,
    actor: Actor,
    lot_id: uuid.UUID,
    organization_id: uuid.UUID,
    reason: ForfeitReason,
    note: str,
    *,
    now: datetime,
) -> DepositForfeit:
    """Keep a bidder's deposit for a lot (条例 35, 74): the payments no refund holds, Dr sub-account /
    Cr forfeits, with the reason and the facts; once per bidder and lot."""
    lot = await lock_lot(session, lot_id)
    if lot is None:
        raise NotFound(f"no lot {lot_id}", f"没有标段 {lot_id}")
    if lot.bids_extracted_at is None:
        # 条例 35 and 74 both come after the deadline: before it a bidder may still withdraw.
        raise Conflict(
            "a deposit can be kept only after the opening (条例 35, 74)", "开标前不得不予退还保证金（条例35、74）"
        )
    held = (await held_payments(session, lot.id, organization_id)).get(organization_id, [])
    existing = await session.scalar(
        select(DepositForfeit).where(DepositForfeit.lot_id == lot.id, DepositForfeit.organization_id == organization_id)
    )
    if not held or existing is not None:
        raise NothingToForfeit(
            f"organisation {organization_id} has no deposit money on lot {lot.code} to keep",
            f"该投标人在标段 {lot.code} 没有可不予退还的保证金",
        )
    await _lock_books(session, {h.collection_account for h in held}, now)
    held = (await held_payments(session, lot.id, organization_id)).get(organization_id, [])  # under the locks
    if not held:
        raise NothingToForfeit(
            f"organisation {organization_id} has nothing left to keep", "该投标人没有可不予退还的保证金"
        )
    amount = sum(h.amount_fen for h in held)
    forfeit = DepositForfeit(
        lot_id=lot.id,
        organization_id=organization_id,
        reason=reason,
        note=note.strip(),
        amount_fen=amount,
        decided_at=now,
        decided_by=actor.id,
    )
    session.add(forfeit)
    await session.flush()
    session.add_all(
        [
            RefundItem(
                entry_id=h.entry_id,
                forfeit_id=forfeit.id,
                lot_id=lot.id,
                organization_id=organization_id,
                principal_fen=h.amount_fen,
                interest_fen=0,
                value_date=h.value_date,
            )
            for h in held
        ]
    )
    await session.flush()
    article = FORFEIT_ARTICLES[reason][0]
    await _post(
        session,
        forfeit_posting(str(lot.id), str(organization_id), amount),
        PostingKind.FORFEIT,
        actor=actor.id,
        now=now,
        reason=f"{reason.value} {article}: {note.strip()}",
    )
    record(
        session,
        actor,
        "deposit.forfeited",
        object_type="lot",
        object_id=str(lot.id),
        details={
            "organization": str(organization_id),
            "reason": reason.value,
            "article": article,
            "note": note.strip(),
            "amount_fen": amount,
            "entries": [h.entry_id for h in held],
        },
    )
    return forfeit


def _forfeit_view(f: DepositForfeit) -> ForfeitView:
    return ForfeitView(
        f.id,
        f.lot_id,
        f.organization_id,
        f.reason.value,
        FORFEIT_ARTICLES[f.reason][0],
        f.note,
        f.amount_fen,
        f.decided_at,
        f.decided_by,
    )


# --- use cases ---------------------------------------------------------------------------------------


def _require(caller: Caller, roles: Sequence[Role], what_en: str, what_zh: str) -> None:
    if not caller.has(*roles):
        raise Forbidden(f"{what_en} is the finance officer's", f"{what_zh}须由财务人员操作")


async def _names(session: AsyncSession, org_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    ids = list(set(org_ids))
    if not ids:
        return {}
    found = await session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(ids)))
    return {org_id: name for org_id, name in found}


async def _views(
    session: AsyncSession, refunds: Sequence[DepositRefund], now: datetime, *, reveal: bool = False
) -> list[RefundView]:
    lots = {
        lot.id: lot
        for lot in await session.scalars(
            select(Lot).where(Lot.id.in_({r.lot_id for r in refunds})).options(selectinload(Lot.project))
        )
    }
    names = await _names(session, {r.organization_id for r in refunds})
    today = china_day(now)
    return [
        RefundView.of(r, lots[r.lot_id], names.get(r.organization_id, ""), today, now, reveal=reveal) for r in refunds
    ]


RefundFilter = Literal["due", "exported", "paid", "closed", "overdue", "open"]


async def list_refunds(
    platform: Platform,
    caller: Caller,
    *,
    status: RefundFilter | None = None,
    lot_id: uuid.UUID | None = None,
    limit: int = 200,
) -> list[RefundView]:
    """Refunds, most urgent first, for the finance officer, the supervisor, the auditor or the
    administrator: by status, ``open`` (due or exported) or ``overdue`` (open past the due date)."""
    if not caller.has(*READERS):
        raise Forbidden("refunds are read by the centre and the supervisor", "退款信息仅供中心与监督人员查看")
    now = platform.clock.now()
    query = select(DepositRefund).order_by(DepositRefund.due_on, DepositRefund.created_at).limit(min(limit, MAX_LISTED))
    if status == "overdue":
        query = query.where(DepositRefund.status.in_(list(OPEN)), DepositRefund.due_on < china_day(now))
    elif status == "open":
        query = query.where(DepositRefund.status.in_(list(OPEN)))
    elif status is not None:
        query = query.where(DepositRefund.status == RefundStatus(status))
    if lot_id is not None:
        query = query.where(DepositRefund.lot_id == lot_id)
    async with platform.sessions() as db:
        views = await _views(db, (await db.scalars(query)).all(), now)
    if lot_id is not None:
        # Listing a lot's refunds names who paid for it: not before its bids are extracted (办法 21).
        views = [v for v in views if not v.sealed]
    return views


async def overdue_refunds(platform: Platform, caller: Caller) -> list[RefundView]:
    """The supervisor's red list: open refunds past their due date (条例 57)."""
    return await list_refunds(platform, caller, status="overdue", limit=MAX_LISTED)


async def my_refunds(platform: Platform, caller: Caller) -> list[RefundView]:
    """A bidder's own refunds, every lot (named: they are its own)."""
    org_id = caller.organisation()
    now = platform.clock.now()
    async with platform.sessions() as db:
        refunds = (
            await db.scalars(
                select(DepositRefund)
                .where(DepositRefund.organization_id == org_id)
                .order_by(DepositRefund.created_at.desc())
                .limit(MAX_LISTED)
            )
        ).all()
        return await _views(db, refunds, now, reveal=True)


async def create_batch(platform: Platform, caller: Caller, data: BatchInput) -> BatchView:
    """The finance officer makes a payment file of the due refunds of a collection account."""
    _require(caller, FINANCE, "making a payment file", "生成付款文件")
    accounts = platform.settings.deposit_collection_accounts
    account = normalise_account(data.account) if data.account else (accounts[0] if accounts else "")
    if not account or account not in accounts:
        raise InvalidInput(
            f"account {account or '(none)'} is no configured collection account",
            f"{account or '（无）'} 不是配置的收款账户",
        )
    now = platform.clock.now()
    today = china_day(now)
    execution = data.execution_date or today
    if execution < today:
        raise InvalidInput(f"the execution date {execution} is in the past", f"执行日期 {execution} 已过")
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with platform.sessions() as db, db.begin():
                batch, ids, skipped = await export_batch(
                    db,
                    caller.actor,
                    policy_of(platform.settings),
                    debtor_of(platform.settings, account),
                    execution_date=execution,
                    now=now,
                    idempotency_key=data.idempotency_key,
                )
                return BatchView.of(batch, ids, skipped)
        except IntegrityError:
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


async def list_batches(platform: Platform, caller: Caller, *, limit: int = 100) -> list[BatchView]:
    if not caller.has(*READERS):
        raise Forbidden("payment files are the centre's", "付款文件仅供中心查看")
    async with platform.sessions() as db:
        batches = (
            await db.scalars(select(RefundBatch).order_by(RefundBatch.created_at.desc()).limit(min(limit, MAX_LISTED)))
        ).all()
        return [BatchView.of(b, await _batch_refund_ids(db, b.id)) for b in batches]


async def batch_file(
    platform: Platform, caller: Caller, batch_id: str, fmt: Literal["pain001", "csv"]
) -> tuple[bytes, str, str]:
    """A payment file as it was made: (bytes, media type, file name). The finance officer's."""
    _require(caller, FINANCE, "a payment file", "付款文件")
    async with platform.sessions() as db:
        batch = await db.get(RefundBatch, batch_id)
    if batch is None:
        raise NotFound(f"no payment file {batch_id}", f"没有付款批次 {batch_id}")
    if fmt == "csv":
        return batch.csv, "text/csv", f"{batch.id}.csv"  # Litestar adds "; charset=utf-8"
    return batch.pain001, "application/xml", f"{batch.id}.xml"


async def cancel_batch(platform: Platform, caller: Caller, batch_id: str, reason: str) -> BatchView:
    _require(caller, FINANCE, "cancelling a payment file", "撤销付款批次")
    async with platform.sessions() as db, db.begin():
        batch = await cancel_batch_in(db, caller.actor, batch_id, reason.strip(), platform.clock.now())
        return BatchView.of(batch, await _batch_refund_ids(db, batch.id))


async def import_payment_report(platform: Platform, caller: Caller, data: bytes) -> ReportView:
    """The finance officer imports the bank's pain.002 report (also ``bidding deposits refunds
    confirm FILE``); exactly once under retries."""
    if not (caller.has(*FINANCE) or caller.actor_id.startswith("system:")):
        raise Forbidden("importing the bank's report is the finance officer's", "导入银行回执须由财务人员操作")
    if len(data) > MAX_REPORT_BYTES:
        raise InvalidInput(f"the report is larger than {MAX_REPORT_BYTES} bytes", f"回执超过 {MAX_REPORT_BYTES} 字节")
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with platform.sessions() as db, db.begin():
                return await import_report(db, caller.actor, data, now=platform.clock.now())
        except IntegrityError:
            # The same report imported at the same moment by another: the next try finds it.
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


async def forfeit_deposit(
    platform: Platform, caller: Caller, lot_id: uuid.UUID, organization_id: uuid.UUID, data: ForfeitInput
) -> ForfeitView:
    """The finance officer keeps a deposit, only for a reason of 条例 35 or 74, with the facts."""
    _require(caller, FINANCE, "keeping a deposit", "不予退还保证金")
    if not data.note.strip():
        raise InvalidInput("the facts of the forfeit must be written down", "须写明不予退还的事实")
    async with platform.sessions() as db, db.begin():
        forfeit = await forfeit_in(
            db, caller.actor, lot_id, organization_id, data.reason, data.note, now=platform.clock.now()
        )
        return _forfeit_view(forfeit)


async def redirect_refund(platform: Platform, caller: Caller, refund_id: str, data: RedirectInput) -> RefundView:
    """The finance officer pays a due refund to another account, with the reason (audited)."""
    _require(caller, FINANCE, "redirecting a refund", "变更退款账户")
    now = platform.clock.now()
    async with platform.sessions() as db, db.begin():
        refund = await db.get(DepositRefund, refund_id, with_for_update=True)
        if refund is None:
            raise NotFound(f"no refund {refund_id}", f"没有退款 {refund_id}")
        if refund.status is not RefundStatus.DUE:
            raise RefundNotRedirectable(
                f"refund {refund_id} is {refund.status.value}", f"退款 {refund_id} 当前为 {refund.status.value}"
            )
        before = (refund.creditor_account, refund.creditor_name)
        refund.creditor_account = normalise_account(data.creditor_account.replace(" ", "").replace("-", ""))
        refund.creditor_name = data.creditor_name
        refund.to_basic_account = False
        record(
            db,
            caller.actor,
            "deposit.refund_redirected",
            object_type="deposit_refund",
            object_id=refund.id,
            details={
                "from": list(before),
                "to": [refund.creditor_account, refund.creditor_name],
                "reason": data.reason,
            },
        )
        await db.flush()
        return (await _views(db, [refund], now))[0]
