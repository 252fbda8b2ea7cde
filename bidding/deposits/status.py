"""Each bidder's deposit status for a lot, and the release of the lot's payer list at extraction.

:func:`deposit_results` combines the book's payments (:func:`bidding.deposits.book.lot_payments_by_bidder`),
the bidders' registered basic accounts and their accepted electronic guarantees through the
matching rules (:func:`bidding.deposits.matching.deposit_status`). Who paid for a lot is sealed until
its bids are extracted (办法 21): :func:`release_at_extraction`, called by the opening in the
extraction's transaction, takes each bidder's status (:class:`DepositCheck`, what the room's bidder
list and the signed opening record show), releases the payer list to the opening
(:class:`PayerRelease`) and records the collusion signals (条例 40(六), :class:`DepositSignal`), each
with its audit event. Nothing is rejected here: the statuses and signals are facts for the opening,
the evaluation committee and the supervisor.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bidding.audit.trail import content_hash, record
from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.errors import Conflict, NotFound
from bidding.deposits.book import lot_payments_by_bidder
from bidding.deposits.matching import (
    DepositStatus,
    Guarantee,
    Payment,
    Requirement,
    StatusResult,
    collusion_signals,
    deposit_status,
    guarantee_problems,
)
from bidding.deposits.participation_models import (
    BasicAccount,
    DepositCheck,
    DepositGuarantee,
    DepositSignal,
    PayerRelease,
)
from bidding.identity.models import Organization
from bidding.tendering.models import Lot
from bidding.tendering.rules.deposit_requirements import bid_validity_end
from bidding.tendering.rules.projects import ProjectStatus

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "BidderDeposit",
    "LotDeposits",
    "PayersSealed",
    "deposit_results",
    "deposit_statuses",
    "lot_deposits",
    "release_at_extraction",
    "requirement_of",
    "statuses_at_opening",
]


class PayersSealed(Conflict):
    """办法 21: until the lot's bids are extracted nobody may list who paid for it."""

    code = "payers_sealed"
    message_zh = "投标截止（开标提取投标文件）前，任何人不得查看缴纳保证金的投标人名单"
    message_en = "Who paid for a lot is sealed until its bids are extracted at the opening"


#: The reasons a status gives, in people's words (zh, en), for the views.
REASONS: Final[Mapping[str, tuple[str, str]]] = {
    "payer_not_basic_account": ("付款账户不是登记的基本账户", "paid from an account other than the basic account"),
    "after_deadline": ("有款项在投标截止后到账", "money arrived after the bid deadline"),
    "amount_short": ("金额不足", "the amount is short"),
    "guarantee_signature_invalid": ("保函签名无效", "the guarantee's signature is invalid"),
    "guarantee_amount_short": ("保函金额不足", "the guarantee's amount is short"),
    "guarantee_validity_short": ("保函有效期不足", "the guarantee's validity is short"),
    "basic_account_missing": ("未登记基本账户", "no basic account registered"),
}


def requirement_of(lot: Lot) -> Requirement | None:
    """What the lot asks of each bidder, or None if it asks no deposit (or has no deadline yet)."""
    if lot.deposit_fen <= 0 or lot.bid_deadline is None:
        return None
    return Requirement(lot.deposit_fen, lot.bid_deadline, lot.deposit_basic_account)


def _best_guarantee(
    guarantees: Sequence[DepositGuarantee], required_fen: int, validity_end: date
) -> DepositGuarantee | None:
    """The bidder's guarantee that stands for the deposit, if one does; else its latest."""
    if not guarantees:
        return None
    for g in guarantees:
        if not guarantee_problems(_as_guarantee(g), required_fen, validity_end):
            return g
    return guarantees[0]


def _as_guarantee(g: DepositGuarantee) -> Guarantee:
    # Stored only once its signature verified against the issuer roots (bidding.deposits.guarantees).
    return Guarantee(g.amount_fen, g.valid_until, signature_valid=True, issuer=g.issuer)


@dataclass(frozen=True)
class _Result:
    result: StatusResult
    guarantee: DepositGuarantee | None


async def _results(
    session: AsyncSession,
    lot: Lot,
    bidders: Iterable[uuid.UUID] | None,
    payments: Mapping[uuid.UUID, Sequence[Payment]] | None,
) -> tuple[dict[uuid.UUID, _Result], Mapping[uuid.UUID, Sequence[Payment]]]:
    requirement = requirement_of(lot)
    if payments is None:
        payments = await lot_payments_by_bidder(session, lot.id)
    guarantees: dict[uuid.UUID, list[DepositGuarantee]] = {}
    for g in (
        await session.scalars(
            select(DepositGuarantee)
            .where(DepositGuarantee.lot_id == lot.id)
            .order_by(DepositGuarantee.attached_at.desc(), DepositGuarantee.id)
        )
    ).all():
        guarantees.setdefault(g.organization_id, []).append(g)
    orgs = set(payments) | set(guarantees) if bidders is None else set(bidders)
    accounts = dict(
        (
            await session.execute(
                select(BasicAccount.organization_id, BasicAccount.account_number).where(
                    BasicAccount.organization_id.in_(orgs)
                )
            )
        ).all()
    )
    validity_end = (
        bid_validity_end(lot.bid_deadline, lot.bid_validity_days) if lot.bid_deadline is not None else date.max
    )
    results: dict[uuid.UUID, _Result] = {}
    for org in orgs:
        own = list(payments.get(org, ()))
        if requirement is None:
            # No deposit asked: every bidder is exempt from it (the room's word before the deposit
            # service, "无需缴纳"); a lot without its deadline yet is not checked.
            status = DepositStatus.EXEMPT if lot.deposit_fen <= 0 else DepositStatus.NOT_CHECKED
            results[org] = _Result(StatusResult(status, 0, sum(p.amount_fen for p in own)), None)
            continue
        chosen = _best_guarantee(guarantees.get(org, []), requirement.amount_fen, validity_end)
        result = deposit_status(
            requirement,
            own,
            basic_account=accounts.get(org),
            guarantee=None if chosen is None else _as_guarantee(chosen),
            bid_validity_end=validity_end,
        )
        if requirement.basic_account_required and org not in accounts and own:
            reasons = (*result.reasons, "basic_account_missing")
            result = StatusResult(result.status, result.counted_fen, result.received_fen, reasons)
        used = chosen if result.status is DepositStatus.GUARANTEE else None
        results[org] = _Result(result, used)
    return results, payments


async def deposit_results(
    session: AsyncSession,
    lot_id: uuid.UUID,
    *,
    bidders: Iterable[uuid.UUID] | None = None,
    payments: Mapping[uuid.UUID, Sequence[Payment]] | None = None,
) -> dict[uuid.UUID, StatusResult]:
    """Each bidder's :class:`StatusResult` for the lot, as of now: the organisations in ``bidders``
    (those without money or guarantee get ``none``), or else every one with a payment or a guarantee.
    ``payments`` stands in for the book's (tests of the rules without statements).

    For the platform's decisions only: it reads who paid, which is sealed until extraction (办法 21)."""
    lot = await session.get(Lot, lot_id)
    if lot is None:
        raise NotFound(f"no lot {lot_id}", f"没有标段 {lot_id}")
    results, _ = await _results(session, lot, bidders, payments)
    return {org: r.result for org, r in results.items()}


async def deposit_statuses(
    session: AsyncSession,
    lot_id: uuid.UUID,
    *,
    bidders: Iterable[uuid.UUID] | None = None,
    payments: Mapping[uuid.UUID, Sequence[Payment]] | None = None,
) -> dict[uuid.UUID, DepositStatus]:
    """Each bidder's :class:`DepositStatus` for the lot (:func:`deposit_results`, statuses only)."""
    results = await deposit_results(session, lot_id, bidders=bidders, payments=payments)
    return {org: r.status for org, r in results.items()}


def _payment_item(p: Payment) -> dict[str, Any]:
    return {
        "payer_account": p.payer_account,
        "payer_name": p.payer_name,
        "amount_fen": p.amount_fen,
        "value_date": p.value_date.isoformat(),
        "booked_at": p.booked_at.isoformat() if p.booked_at else None,
    }


def _guarantee_item(g: DepositGuarantee | None) -> dict[str, Any] | None:
    if g is None:
        return None
    return {"issuer": g.issuer, "guarantee_no": g.guarantee_no, "amount_fen": g.amount_fen}


def _payer_list(
    payments: Mapping[uuid.UUID, Sequence[Payment]],
    guarantees: Mapping[uuid.UUID, DepositGuarantee | None],
    names: Mapping[uuid.UUID, str],
) -> list[dict[str, Any]]:
    """Per organisation that paid or whose guarantee counts: its payments and that guarantee."""
    orgs = set(payments) | {org for org, g in guarantees.items() if g is not None}
    return [
        {
            "organization": str(org),
            "name": names.get(org, ""),
            "payments": [_payment_item(p) for p in payments.get(org, ())],
            "guarantee": _guarantee_item(guarantees.get(org)),
        }
        for org in sorted(orgs, key=str)
    ]


async def release_at_extraction(
    session: AsyncSession,
    lot: Lot,
    bidders: Sequence[uuid.UUID],
    *,
    actor: Actor,
    now: datetime,
    payments: Mapping[uuid.UUID, Sequence[Payment]] | None = None,
) -> dict[uuid.UUID, DepositStatus]:
    """At extraction (办法 29), in its transaction: take each bidder's deposit status, release the
    lot's payer list to the opening (办法 21; logged) and record the collusion signals (条例 40(六)).
    ``payments`` stands in for the book's (tests).

    Once per lot: called again (a retried tick), it returns the statuses it took the first time."""
    known = await session.get(PayerRelease, lot.id)
    if known is not None:
        return await statuses_at_opening(session, lot.id)
    results, payments = await _results(session, lot, bidders, payments)
    for org, r in results.items():
        session.add(
            DepositCheck(
                lot_id=lot.id,
                organization_id=org,
                status=r.result.status,
                required_fen=max(lot.deposit_fen, 0),
                counted_fen=r.result.counted_fen,
                received_fen=r.result.received_fen,
                reasons=list(r.result.reasons),
                guarantee_id=None if r.guarantee is None else r.guarantee.id,
                checked_at=now,
            )
        )
    names = dict(
        (
            await session.execute(
                select(Organization.id, Organization.name).where(Organization.id.in_(set(payments) | set(results)))
            )
        ).all()
    )
    # Payers of every organisation that paid into the lot, bidder or not (money without a bid must
    # still be refunded; who paid is the opening's from now on).
    payers = _payer_list(payments, {org: r.guarantee for org, r in results.items()}, names)
    session.add(PayerRelease(lot_id=lot.id, released_at=now, released_by=actor.id, payers=payers))
    record(
        session,
        actor,
        "deposit.payers_released",
        object_type="lot",
        object_id=str(lot.id),
        content_sha256=content_hash({"payers": payers}),
        details={
            "bidders": len(results),
            "payers": len(payers),
            "statuses": {
                str(org): r.result.status.value for org, r in sorted(results.items(), key=lambda i: str(i[0]))
            },
        },
    )
    # 条例 40(六) speaks of bidders: money from organisations without a bid is in the payer list only.
    signals = collusion_signals(
        str(lot.id), {str(org): list(items) for org, items in payments.items() if org in results}
    )
    for signal in signals:
        session.add(
            DepositSignal(
                lot_id=lot.id,
                payer_account=signal.payer_account,
                organization_ids=list(signal.bidders),
                detected_at=now,
            )
        )
        record(
            session,
            actor,
            "deposit.collusion_signal",
            object_type="lot",
            object_id=str(lot.id),
            details={
                "payer_account": signal.payer_account,
                "organizations": list(signal.bidders),
                "article": "条例40(六)",
            },
        )
    await session.flush()
    return {org: r.result.status for org, r in results.items()}


async def statuses_at_opening(session: AsyncSession, lot_id: uuid.UUID) -> dict[uuid.UUID, DepositStatus]:
    """The statuses :func:`release_at_extraction` took for the lot (empty before it)."""
    rows = await session.execute(
        select(DepositCheck.organization_id, DepositCheck.status).where(DepositCheck.lot_id == lot_id)
    )
    return {org: status for org, status in rows.all()}


# --- the views after the release --------------------------------------------------------------------


@dataclass(frozen=True)
class BidderDeposit:
    organization_id: uuid.UUID
    name: str
    credit_code: str
    status: str
    required_fen: int
    counted_fen: int
    received_fen: int
    reasons: list[str]
    guarantee_id: uuid.UUID | None


@dataclass(frozen=True)
class Signal:
    payer_account: str
    organizations: list[str]
    detected_at: datetime


@dataclass(frozen=True)
class LotDeposits:
    lot_id: uuid.UUID
    lot_code: str
    project_code: str
    released_at: datetime
    bidders: list[BidderDeposit]
    payers: list[dict[str, Any]]
    #: 条例 40(六): deposits of different bidders paid from one account.
    collusion_signals: list[Signal]


async def lot_deposits(platform: Platform, caller: Caller, lot_id: uuid.UUID) -> LotDeposits:
    """A lot's deposits as the opening took them — statuses, the released payer list, collusion
    signals — for the supervisor and the centre (after extraction only: 办法 21). The reading is
    audited: who looked at the payers of which lot."""
    async with platform.sessions() as db, db.begin():
        lot = await db.scalar(select(Lot).where(Lot.id == lot_id).options(selectinload(Lot.project)))
        if lot is None or lot.project.status is ProjectStatus.DRAFT:
            raise NotFound(f"no lot {lot_id}", f"没有标段 {lot_id}")
        release = await db.get(PayerRelease, lot_id)
        if release is None:
            raise PayersSealed(
                f"the bids of lot {lot.code} are not extracted yet", f"标段 {lot.code} 尚未开标提取投标文件"
            )
        rows = (
            await db.execute(
                select(DepositCheck, Organization)
                .join(Organization, Organization.id == DepositCheck.organization_id)
                .where(DepositCheck.lot_id == lot_id)
                .order_by(Organization.name)
            )
        ).all()
        signals = (
            await db.scalars(select(DepositSignal).where(DepositSignal.lot_id == lot_id).order_by(DepositSignal.id))
        ).all()
        record(
            db,
            caller.actor,
            "deposit.payers_read",
            object_type="lot",
            object_id=str(lot_id),
            details={"roles": sorted(r.value for r in caller.roles)},
        )
        return LotDeposits(
            lot_id=lot.id,
            lot_code=lot.code,
            project_code=lot.project.code,
            released_at=release.released_at,
            bidders=[
                BidderDeposit(
                    c.organization_id,
                    org.name,
                    org.credit_code,
                    c.status.value,
                    c.required_fen,
                    c.counted_fen,
                    c.received_fen,
                    list(c.reasons),
                    c.guarantee_id,
                )
                for c, org in rows
            ],
            payers=list(release.payers),
            collusion_signals=[Signal(s.payer_account, list(s.organization_ids), s.detected_at) for s in signals],
        )
