"""An award closes by itself (``contracted`` → ``closed``; ``docs/awards.md`` §Closing) once three things
are done: the contract is uploaded (the state), the written report is filed (法 47,
:mod:`bidding.awards.report_filing`), and the refunds of the lot's deposits are decided.

**Refunds decided, not paid.** The award waits until every deposit of the lot is in the hands of
the deposits service: the contract-signed trigger is recorded (条例 57), no payment on the lot's
sub-accounts is left that no refund or forfeit holds (money that came after the trigger is refunded
by the deposits' own watch first, :func:`bidding.deposits.refunds.sweep_triggers`), and every
guarantee is released. Paying a refund is the finance officer's and the bank's business, with its own
5-day clock and red ``refund_overdue`` alert (:func:`bidding.deposits.refunds.alert_overdue`); an
award — and so the project's archive — does not wait for a bank. The archive holds the refunds as
decided; their payment stays visible in the deposits' views.

:func:`close_due` is a step of the award's watch (:mod:`bidding.awards.jobs`): each award in a
transaction of its own, under its lock, checked again there, so a pass run twice closes it once.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.awards.access import lock
from bidding.awards.lifecycle import audit, set_state
from bidding.awards.models import Award
from bidding.awards.states import AwardState
from bidding.core.actor import Actor
from bidding.deposits.participation_models import DepositGuarantee
from bidding.deposits.refund_models import GuaranteeRelease, RefundTriggerEvent
from bidding.deposits.refund_rules import RefundTrigger
from bidding.deposits.refunds import held_payments

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = ["close_due", "refunds_decided"]

log = logging.getLogger(__name__)


async def refunds_decided(session: AsyncSession, lot_id: uuid.UUID) -> bool:
    """Whether every deposit of the lot is decided (see the module doc)."""
    trigger = await session.scalar(
        select(RefundTriggerEvent.id).where(
            RefundTriggerEvent.lot_id == lot_id, RefundTriggerEvent.trigger == RefundTrigger.CONTRACT_SIGNED
        )
    )
    if trigger is None:
        return False
    if await held_payments(session, lot_id):
        return False
    released = select(GuaranteeRelease.guarantee_id).where(GuaranteeRelease.guarantee_id == DepositGuarantee.id)
    unreleased = await session.scalar(
        select(DepositGuarantee.id).where(DepositGuarantee.lot_id == lot_id, ~released.exists()).limit(1)
    )
    return unreleased is None


async def close_due(platform: Platform, now: datetime) -> int:
    """Close every contracted award whose report is filed and whose refunds are decided; how many."""
    actor = Actor.system("awards")
    async with platform.sessions() as s:
        waiting = (
            await s.scalars(
                select(Award.id).where(Award.state == AwardState.CONTRACTED, Award.report_filed_at.is_not(None))
            )
        ).all()
    closed = 0
    for award_id in waiting:
        async with platform.sessions() as s, s.begin():
            a = await lock(s, award_id)
            if a.state is not AwardState.CONTRACTED or a.report_filed_at is None:
                continue  # closed by another pass meanwhile
            if not await refunds_decided(s, a.lot_id):
                continue
            a.closed_at = now
            set_state(s, actor, a, AwardState.CLOSED, now, reason="contract, report and refunds done")
            audit(
                s,
                actor,
                a,
                "closed",
                contracted_at=a.contracted_at.isoformat() if a.contracted_at else None,
                report_filed_at=a.report_filed_at.isoformat(),
            )
            closed += 1
    return closed
