"""The deposit book in the database: the pure ledger's decisions, applied to the tables of
:mod:`bidding.deposits.models`.

Reading a lot's payments (:func:`lot_payments`) is for the platform's own use — deposit statuses
at the opening, collusion signals — never for listing to a person before the lot's bids are
extracted (办法 21): the finance API seals them (:mod:`bidding.deposits.service`).
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.deposits.entries import BookingKey, Direction
from bidding.deposits.ledger import AccountKind
from bidding.deposits.matching import Payment
from bidding.deposits.models import BankEntry, Resolution

__all__ = ["decode_key", "encode_key", "lot_payments", "lot_payments_by_bidder"]


def encode_key(key: tuple[object, ...]) -> str:
    """A booking or posting key as canonical JSON (dates as ISO 8601): the UNIQUE column's value."""
    return json.dumps(
        [part.isoformat() if isinstance(part, date) else part for part in key],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def decode_key(text: str) -> BookingKey:
    """The booking key :func:`encode_key` wrote (the fallback key's value date back to a date)."""
    parts = json.loads(text)
    if parts and parts[0] == "e2e" and len(parts) == 6:
        parts[4] = date.fromisoformat(parts[4])
    return tuple(parts)


def _payment(row: BankEntry) -> Payment:
    return Payment(
        decode_key(row.booking_key),
        row.amount_fen,
        row.value_date,
        row.booked_at,
        row.counterparty_account,
        row.counterparty_name,
    )


def _payments_query(lot_id: uuid.UUID, organization_id: uuid.UUID | None = None) -> Select[BankEntry]:
    query = (
        select(BankEntry)
        .where(
            BankEntry.lot_id == lot_id,
            BankEntry.direction == Direction.CREDIT,
            BankEntry.reversal.is_(False),
            BankEntry.consumed_by_id.is_(None),
            (BankEntry.counter_kind == AccountKind.SUB_ACCOUNT) | (BankEntry.resolution == Resolution.ASSIGNED),
        )
        .order_by(BankEntry.id)
    )
    if organization_id is not None:
        query = query.where(BankEntry.organization_id == organization_id)
    return query


async def lot_payments(
    session: AsyncSession, lot_id: uuid.UUID, organization_id: uuid.UUID | None = None
) -> list[Payment]:
    """The credits booked on the lot's sub-accounts and not reversed, oldest first (for
    :func:`bidding.deposits.matching.deposit_status`): paid to a bidder's virtual sub-account, or
    assigned to it by the finance officer from the unmatched queue. With ``organization_id``, one
    bidder's only.

    Who paid for a lot is sealed until its bids are extracted (办法 21): use this for the
    platform's decisions (the deposit status the opening shows), never to list payers to anyone
    before :attr:`bidding.tendering.models.Lot.bids_extracted_at`.
    """
    rows = (await session.scalars(_payments_query(lot_id, organization_id))).all()
    return [_payment(row) for row in rows]


async def lot_payments_by_bidder(session: AsyncSession, lot_id: uuid.UUID) -> dict[uuid.UUID, list[Payment]]:
    """:func:`lot_payments` per bidder (organisation id), for the statuses and the collusion signal
    (条例 40(六), :func:`bidding.deposits.matching.collusion_signals`). Same seal as :func:`lot_payments`."""
    rows = (await session.scalars(_payments_query(lot_id))).all()
    found: defaultdict[uuid.UUID, list[Payment]] = defaultdict(list)
    for row in rows:
        assert row.organization_id is not None
        found[row.organization_id].append(_payment(row))
    return dict(found)
