"""When a clock's duty began and when it was done, as the award's own records state it.

The audit trail stamps an event with the time it was written; the award's rows hold the moment the
platform decided it by its clock (the report final, the publicity published, the objection received…),
which is the moment the law counts from. Where a row states the moment, the clock takes it; where it
states its own last day (a complaint's acceptance and decision, on the deployment's calendar), the
clock takes that day, so the supervisor and the parties read the same limit. Otherwise the event's
time stands.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.awards.models import Award, AwardComplaint, AwardContract, AwardObjection
from bidding.supervision.clocks import ClockKind

__all__ = ["due_day", "started", "stopped"]

K = ClockKind

#: kind → (table, the column of its start) for clocks on an award, an objection, a complaint.
_STARTS: Final[dict[ClockKind, Any]] = {
    K.CANDIDATE_PUBLICITY: Award.report_final_at,
    K.GP_PURCHASER_CHOICE: Award.report_final_at,
    K.GP_AWARD_NOTICE: Award.chosen_at,
    K.CONTRACT: Award.notices_sent_at,
    K.GP_CONTRACT: Award.notices_sent_at,
    K.SUPERVISOR_REPORT: Award.notices_sent_at,
    K.PUBLICITY_OBJECTION_ANSWER: AwardObjection.received_at,
    K.COMPLAINT_ACCEPTANCE: AwardComplaint.received_at,
    K.COMPLAINT_DECISION: AwardComplaint.accepted_at,
}
_STOPS: Final[dict[ClockKind, Any]] = {
    K.CANDIDATE_PUBLICITY: Award.publicity_published_at,
    K.GP_PURCHASER_CHOICE: Award.chosen_at,
    K.GP_AWARD_NOTICE: Award.notices_sent_at,
    K.SUPERVISOR_REPORT: Award.report_filed_at,
    K.PUBLICITY_OBJECTION_ANSWER: AwardObjection.answered_at,
    K.COMPLAINT_ACCEPTANCE: AwardComplaint.accepted_at,
    K.COMPLAINT_DECISION: AwardComplaint.decided_at,
}
_DUE_DAYS: Final[dict[ClockKind, Any]] = {
    K.COMPLAINT_ACCEPTANCE: AwardComplaint.acceptance_due_on,
    K.COMPLAINT_DECISION: AwardComplaint.decision_due_on,
}


def _id(subject_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(subject_id)
    except ValueError:
        return None


async def _read(session: AsyncSession, column: Any, subject_id: str) -> Any:
    ident = _id(subject_id)
    if column is None or ident is None:
        return None
    table = column.class_
    return await session.scalar(select(column).where(table.id == ident))


async def started(session: AsyncSession, kind: ClockKind, subject_id: str, fallback: datetime) -> datetime:
    """The moment the duty began, as its row states it (else ``fallback``, the event's time)."""
    return await _read(session, _STARTS.get(kind), subject_id) or fallback


async def stopped(session: AsyncSession, kind: ClockKind, subject_id: str, fallback: datetime) -> datetime:
    """The moment the duty was done, as its row states it (else ``fallback``). A contract: its
    latest upload."""
    if kind in (K.CONTRACT, K.GP_CONTRACT):
        ident = _id(subject_id)
        uploaded = (
            await session.scalar(select(func.max(AwardContract.uploaded_at)).where(AwardContract.award_id == ident))
            if ident is not None
            else None
        )
        return uploaded or fallback
    return await _read(session, _STOPS.get(kind), subject_id) or fallback


async def due_day(session: AsyncSession, kind: ClockKind, subject_id: str) -> date | None:
    """The last day the subject's own row gives its duty, if it gives one."""
    value = await _read(session, _DUE_DAYS.get(kind), subject_id)
    return value if isinstance(value, date) else None
