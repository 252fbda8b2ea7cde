"""Reading awards (issue 21; ``docs/awards.md``): the caller's list and one award as its role sees it
(:mod:`bidding.awards.views`).

Who reads (through :func:`bidding.awards.access.gate`, the roles from the caller's certificate):

* the **supervisor** (and the auditor) every award, in every state: command ``supervise``;
* the project's **tenderer and agent** their projects' awards in every state. The command table has no
  read command for the project in ``reported`` (``view_announcements`` starts once something is
  published), yet the project must see its award from the moment the report is final: the agent
  publishes the publicity from it, the tenderer prepares its choice. So the project reads by its role
  alone (the gate's role check, no state check) — a deliberate choice, documented here, rather than a
  new command in the table;
* a **bidder** of the lot (its bid was evaluated) once something is published: ``view_announcements``
  (409 ``award_state`` while ``reported``);
* anyone else: 403 ``award_forbidden`` (the public reads the publicity and the result pages instead).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.awards import access
from bidding.awards.models import Award, AwardComplaint, AwardNotice, AwardObjection
from bidding.awards.states import AwardRole, AwardState, ComplaintStatus
from bidding.awards.views import AwardView, NoticeView, award_view, notice_view
from bidding.core.auth.caller import Caller
from bidding.core.roles import Role
from bidding.evaluation.models import EvaluationBid
from bidding.identity.models import Organization
from bidding.tendering.models import Lot, Project

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = ["PROJECT", "get_award", "list_awards", "reader", "view_of"]

PROJECT = frozenset({AwardRole.TENDERER, AwardRole.AGENT})


async def reader(
    session: AsyncSession, caller: Caller, award_id: uuid.UUID, *, bidder_command: str = "view_announcements"
) -> access.AwardSeat:
    """The caller's seat if it may read the award now (see the module doc); ``bidder_command`` is the
    table's command a bidder reads with (``view_announcements``, ``read_own_notice``)."""
    a = await access.award(session, award_id)
    project, lot = await access.project_lot(session, a)
    role = await access.role_of(session, caller, a, project)
    if role in PROJECT:
        return access.AwardSeat(a, role, project, lot)
    if role is AwardRole.SUPERVISOR:
        return await access.gate(session, caller, award_id, "supervise")
    if role is AwardRole.BIDDER:
        return await access.gate(session, caller, award_id, bidder_command)
    raise access.AwardForbidden(
        "the award is read by its project, its bidders and the supervisor", "定标记录仅限项目、投标人和监督部门查看"
    )


async def _open_counts(session: AsyncSession, award_id: uuid.UUID) -> tuple[int, int]:
    objections = await session.scalar(
        select(func.count(AwardObjection.id)).where(
            AwardObjection.award_id == award_id, AwardObjection.answered_at.is_(None)
        )
    )
    complaints = await session.scalar(
        select(func.count(AwardComplaint.id)).where(
            AwardComplaint.award_id == award_id,
            AwardComplaint.status.in_([ComplaintStatus.RECEIVED, ComplaintStatus.ACCEPTED]),
        )
    )
    return int(objections or 0), int(complaints or 0)


async def own_notices(session: AsyncSession, a: Award, organization_id: uuid.UUID) -> list[NoticeView]:
    """The organisation's notices of ``a``, newest batch first."""
    rows = (
        await session.execute(
            select(AwardNotice, Organization.name)
            .join(Organization, Organization.id == AwardNotice.organization_id)
            .where(AwardNotice.award_id == a.id, AwardNotice.organization_id == organization_id)
            .order_by(AwardNotice.batch.desc())
        )
    ).all()
    return [notice_view(n, a, name) for n, name in rows]


async def view_of(session: AsyncSession, seat: access.AwardSeat, caller: Caller) -> AwardView:
    """The award of ``seat`` as its role sees it."""
    a = seat.award
    objections, complaints = await _open_counts(session, a.id)
    mine: list[NoticeView] = []
    if seat.role is AwardRole.BIDDER and caller.organization_id is not None:
        mine = await own_notices(session, a, caller.organization_id)
    return award_view(
        a,
        seat.project,
        seat.lot,
        seat.role,
        objections_open=objections,
        complaints_open=complaints,
        caller_org=caller.organization_id,
        my_notices=mine,
    )


async def get_award(platform: Platform, caller: Caller, award_id: uuid.UUID) -> AwardView:
    """``GET /api/awards/{id}``: the award as the caller's role sees it."""
    async with platform.sessions() as session:
        seat = await reader(session, caller, award_id)
        return await view_of(session, seat, caller)


async def list_awards(platform: Platform, caller: Caller, state: AwardState | None = None) -> list[AwardView]:
    """``GET /api/awards``: the tenderer's and the agent's awards of their projects, a bidder's awards
    of the lots it bid in (once published), every award for the supervisor and the auditor; anyone else
    403. Newest first; ``state`` filters."""
    wanted = state
    org = caller.organization_id
    everything = caller.has(*access.READERS)
    conditions = []
    if org is not None and caller.has(Role.TENDERER):
        conditions.append(Project.tenderer_id == org)
    if org is not None and caller.has(Role.AGENT):
        conditions.append(Project.agent_id == org)
    if org is not None and caller.has(Role.BIDDER):
        bid_in = select(EvaluationBid.evaluation_id).where(EvaluationBid.organization_id == org)
        conditions.append(Award.evaluation_id.in_(bid_in))
    if not everything and not conditions:
        raise access.AwardForbidden(
            "awards are listed for the project, the bidders and the supervisor",
            "定标记录仅限项目、投标人和监督部门查看",
        )
    query = select(Award, Project, Lot).join(Project, Project.id == Award.project_id).join(Lot, Lot.id == Award.lot_id)
    if not everything:
        query = query.where(or_(*conditions))
    if wanted is not None:
        query = query.where(Award.state == wanted)
    async with platform.sessions() as session:
        rows = (await session.execute(query.order_by(Award.created_at.desc(), Award.id))).all()
        views: list[AwardView] = []
        for a, project, lot in rows:
            role = await access.role_of(session, caller, a, project)
            if role is AwardRole.PUBLIC or (role is AwardRole.BIDDER and a.state is AwardState.REPORTED):
                continue  # a bidder sees the award once something is published
            views.append(await view_of(session, access.AwardSeat(a, role, project, lot), caller))
        return views
