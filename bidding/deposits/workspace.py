"""The bidder's own deposit for a lot, as its workspace shows it: what the lot asks (amount, accepted
forms, basic account, bid validity), its virtual sub-account (issued on its first request, while the
lot takes deposits), its basic account, its guarantees and payments, and after the deadline its
status. A bidder sees only its own (办法 21); nobody else's deposit is named here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bidding.core.auth.caller import Caller
from bidding.core.errors import NotFound
from bidding.deposits.basic_accounts import BasicAccountView
from bidding.deposits.book import issue_virtual_account, lot_payments
from bidding.deposits.guarantees import GuaranteeView
from bidding.deposits.models import DepositVirtualAccount
from bidding.deposits.participation_models import BasicAccount, DepositCheck, DepositGuarantee
from bidding.deposits.status import REASONS, deposit_results
from bidding.identity.models import Organization
from bidding.tendering.models import Lot, Project
from bidding.tendering.rules.deposit_requirements import DepositForm, bid_validity_end
from bidding.tendering.rules.projects import ProjectStatus

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = ["MyDeposit", "MyPayment", "MyStatus", "my_deposit"]


@dataclass(frozen=True)
class MyPayment:
    amount_fen: int
    value_date: date
    booked_at: datetime | None
    payer_account: str | None
    payer_name: str | None


@dataclass(frozen=True)
class MyStatus:
    """The status after the deadline (``bidding.deposits.matching.DepositStatus``), with its reasons."""

    status: str
    counted_fen: int
    received_fen: int
    reasons: list[str]
    reasons_zh: list[str]
    reasons_en: list[str]
    #: True once the opening took it (the record shows this one); before, as of now.
    final: bool


@dataclass(frozen=True)
class MyDeposit:
    lot_id: uuid.UUID
    lot_code: str
    lot_name: str
    project_code: str
    project_name: str
    tenderer: str
    required_fen: int
    forms: list[str]
    basic_account_required: bool
    bid_deadline: datetime | None
    bid_validity_days: int
    bid_validity_end: date | None
    #: The number to transfer to (collection account + the bidder's suffix); None when the lot
    #: takes no transfer, or none was issued before the deadline.
    virtual_account: str | None
    basic_account: BasicAccountView | None
    guarantees: list[GuaranteeView]
    payments: list[MyPayment]
    #: None before the deadline.
    status: MyStatus | None


async def my_deposit(platform: Platform, caller: Caller, lot_id: uuid.UUID) -> MyDeposit:
    """The caller's deposit for a lot. The virtual sub-account is issued on the first request while
    the lot takes transfers and its deadline has not passed (``BIDDING_DEPOSIT_COLLECTION_ACCOUNTS``
    names the collection account); the status is given from the deadline on."""
    org_id = caller.organisation()
    now = platform.clock.now()
    collections = platform.settings.deposit_collection_accounts
    async with platform.sessions() as db, db.begin():
        lot = await db.scalar(
            select(Lot).where(Lot.id == lot_id).options(selectinload(Lot.project).selectinload(Project.tenderer))
        )
        if lot is None or lot.project.status is ProjectStatus.DRAFT:
            raise NotFound(f"no lot {lot_id}", f"没有标段 {lot_id}")
        org = await db.get(Organization, org_id)
        assert org is not None
        open_for_deposits = (
            lot.deposit_fen > 0
            and lot.project.status is not ProjectStatus.CANCELLED
            and lot.bid_deadline is not None
            and now < lot.bid_deadline
            and lot.bids_extracted_at is None
        )
        number: str | None = await db.scalar(
            select(DepositVirtualAccount.number).where(
                DepositVirtualAccount.lot_id == lot_id, DepositVirtualAccount.organization_id == org_id
            )
        )
        if (
            number is None
            and open_for_deposits
            and collections
            and DepositForm.BANK_TRANSFER.value in lot.deposit_forms
        ):
            number = (await issue_virtual_account(db, lot_id, org_id, collections[0], now=now)).number
        account = await db.get(BasicAccount, org_id)
        guarantees = (
            await db.scalars(
                select(DepositGuarantee)
                .where(DepositGuarantee.lot_id == lot_id, DepositGuarantee.organization_id == org_id)
                .order_by(DepositGuarantee.attached_at.desc())
            )
        ).all()
        payments = await lot_payments(db, lot_id, org_id)
        status: MyStatus | None = None
        if lot.bid_deadline is not None and now >= lot.bid_deadline:
            taken = await db.get(DepositCheck, (lot_id, org_id))
            if taken is not None:
                status = _status(taken.status.value, taken.counted_fen, taken.received_fen, taken.reasons, final=True)
            else:
                result = (await deposit_results(db, lot_id, bidders=[org_id], payments={org_id: payments}))[org_id]
                status = _status(
                    result.status.value, result.counted_fen, result.received_fen, list(result.reasons), final=False
                )
        return MyDeposit(
            lot_id=lot.id,
            lot_code=lot.code,
            lot_name=lot.name,
            project_code=lot.project.code,
            project_name=lot.project.name,
            tenderer=lot.project.tenderer.name,
            required_fen=lot.deposit_fen,
            forms=list(lot.deposit_forms or []),
            basic_account_required=lot.deposit_basic_account,
            bid_deadline=lot.bid_deadline,
            bid_validity_days=lot.bid_validity_days,
            bid_validity_end=None
            if lot.bid_deadline is None
            else bid_validity_end(lot.bid_deadline, lot.bid_validity_days),
            virtual_account=number,
            basic_account=None if account is None else BasicAccountView.of(account, org),
            guarantees=[GuaranteeView.of(g) for g in guarantees],
            payments=[
                MyPayment(p.amount_fen, p.value_date, p.booked_at, p.payer_account, p.payer_name) for p in payments
            ],
            status=status,
        )


def _status(status: str, counted: int, received: int, reasons: list[str], *, final: bool) -> MyStatus:
    return MyStatus(
        status,
        counted,
        received,
        reasons,
        [REASONS.get(r, (r, r))[0] for r in reasons],
        [REASONS.get(r, (r, r))[1] for r in reasons],
        final,
    )
