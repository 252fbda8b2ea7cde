"""Every complaint across the awards, as the supervision office handles them (投诉; 条例 60–61;
RULES d: acceptance ≤ 3 working days, decision ≤ 30 working days): which project and lot, who
complained, where it stands and whether its current duty is late — the supervisor's work list and the
auditor's view; the complaint itself is read and handled on its award
(``/api/awards/{id}/complaints``, :mod:`bidding.awards.complaints`).

The due dates are the ones recorded when the complaint was filed and accepted
(:func:`bidding.awards.rules.complaint_acceptance_due`, :func:`~bidding.awards.rules.complaint_decision_due`)
and the overdue flags are the award's own (:mod:`bidding.awards.complaints`: a clock is red past its
last China day, and stays red when the step came after it). ``overdue`` says whether the step the
supervisor owes *now* is late: a received complaint past its acceptance day, an accepted one past its
decision day; a refused or decided complaint owes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Final

from sqlalchemy import select

from bidding.awards.complaints import complaint_view
from bidding.awards.models import Award, AwardComplaint
from bidding.awards.states import ComplaintStatus
from bidding.core.auth.caller import Caller
from bidding.core.errors import Forbidden
from bidding.identity.models import Organization
from bidding.supervision.orders import READ_ALL
from bidding.tendering.models import Lot, Project

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = ["MAX_LIMIT", "ComplaintRow", "complaints"]

#: The most complaints one answer lists (the newest first).
MAX_LIMIT: Final = 1000


@dataclass(frozen=True)
class ComplaintRow:
    id: uuid.UUID
    award_id: uuid.UUID
    project_id: uuid.UUID
    project_code: str
    project_name: str
    lot_id: uuid.UUID
    lot_code: str
    lot_name: str
    #: The complainant (a bidder of the lot).
    organization_id: uuid.UUID
    complainant: str
    status: ComplaintStatus
    received_at: datetime
    #: The last day to complain (条例 60), the acceptance's and the decision's last days (条例 61).
    last_day: date
    acceptance_due_on: date
    acceptance_overdue: bool
    accepted_at: datetime | None
    decision_due_on: date | None
    decision_overdue: bool
    decided_at: datetime | None
    #: The supervisor's current step (acceptance, or decision) is past its last day.
    overdue: bool


async def complaints(
    platform: Platform, caller: Caller, *, status: ComplaintStatus | None = None, limit: int = MAX_LIMIT
) -> list[ComplaintRow]:
    """``GET /api/supervision/complaints``: every complaint of every award, the newest first (the
    supervisor, the auditor); ``status`` filters."""
    if not caller.has(*READ_ALL):
        raise Forbidden("the complaints' overview is the supervision office's and the auditor's")
    query = (
        select(
            AwardComplaint, Award.project_id, Project.code, Project.name, Lot.id, Lot.code, Lot.name, Organization.name
        )
        .join(Award, Award.id == AwardComplaint.award_id)
        .join(Project, Project.id == Award.project_id)
        .join(Lot, Lot.id == Award.lot_id)
        .join(Organization, Organization.id == AwardComplaint.organization_id)
    )
    if status is not None:
        query = query.where(AwardComplaint.status == status)
    query = query.order_by(AwardComplaint.received_at.desc(), AwardComplaint.id).limit(min(limit, MAX_LIMIT))
    now = platform.clock.now()
    async with platform.sessions() as session:
        rows = (await session.execute(query)).all()
    found = []
    for complaint, project_id, code, name, lot_id, lot_code, lot_name, complainant in rows:
        # The award's own view computes the flags: one reading of 条例 61's clocks, not two.
        v = complaint_view(complaint, complainant, now)
        pending_late = (v.status is ComplaintStatus.RECEIVED and v.acceptance_overdue) or (
            v.status is ComplaintStatus.ACCEPTED and v.decision_overdue
        )
        found.append(
            ComplaintRow(
                id=v.id,
                award_id=v.award_id,
                project_id=project_id,
                project_code=code,
                project_name=name,
                lot_id=lot_id,
                lot_code=lot_code,
                lot_name=lot_name,
                organization_id=v.organization_id,
                complainant=complainant,
                status=v.status,
                received_at=v.received_at,
                last_day=v.last_day,
                acceptance_due_on=v.acceptance_due_on,
                acceptance_overdue=v.acceptance_overdue,
                accepted_at=v.accepted_at,
                decision_due_on=v.decision_due_on,
                decision_overdue=v.decision_overdue,
                decided_at=v.decided_at,
                overdue=pending_late,
            )
        )
    return found
