"""Reading the audit trail: releasing sealed events once their embargo is over (办法 21) and the
filters the auditors' and the administrator's views use.

The embargo follows the lots' deadlines, so this reads tendering's tables; recording events
(:mod:`bidding.audit.trail`) needs none of that and every capability can use it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, and_, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bidding.audit.models import AuditEvent, SealedAuditEvent
from bidding.tendering.models import Lot


def sealed_due(now: datetime) -> ColumnElement[bool]:
    """Sealed events whose embargo is over at ``now``: a lot's event once that lot is past its
    deadline, any other once no lot of its project still takes bids."""
    open_lots = select(Lot.id).where(Lot.bid_deadline > now)
    open_projects = select(Lot.project_id).where(Lot.bid_deadline > now)
    return or_(
        and_(SealedAuditEvent.embargo_lot_id.is_not(None), SealedAuditEvent.embargo_lot_id.not_in(open_lots)),
        and_(SealedAuditEvent.embargo_lot_id.is_(None), SealedAuditEvent.embargo_project_id.not_in(open_projects)),
    )


async def release_due(sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """Copy every sealed event whose embargo is over into the trail, oldest first; returns how many.

    Released events get the trail's next ids, so a reader paging with ``after_id`` finds them after
    what it has already read (with their original ``occurred_at``). Run before reading the trail, in
    its own transaction; two readers releasing at once cannot copy an event twice (unique
    ``released_from``): the one that loses finds the work done.
    """
    released = select(AuditEvent.released_from).where(AuditEvent.released_from.is_not(None))
    due = (
        select(
            SealedAuditEvent.occurred_at,
            SealedAuditEvent.actor,
            SealedAuditEvent.client_address,
            SealedAuditEvent.request_id,
            SealedAuditEvent.action,
            SealedAuditEvent.object_type,
            SealedAuditEvent.object_id,
            SealedAuditEvent.content_sha256,
            SealedAuditEvent.details,
            SealedAuditEvent.id,
        )
        .where(sealed_due(now), SealedAuditEvent.id.not_in(released))
        .order_by(SealedAuditEvent.id)
    )
    columns = [
        "occurred_at",
        "actor",
        "client_address",
        "request_id",
        "action",
        "object_type",
        "object_id",
        "content_sha256",
        "details",
        "released_from",
    ]
    try:
        async with sessions() as session, session.begin():
            result = await session.execute(insert(AuditEvent).from_select(columns, due))
    except IntegrityError:  # another reader released the same events meanwhile
        return 0
    return int(getattr(result, "rowcount", 0) or 0)


def not_embargoed(now: datetime) -> ColumnElement[bool]:
    """Trail rows readable at ``now``: all but the rows written before sealed events existed whose
    project still has a lot before its deadline (办法 21)."""
    open_projects = select(Lot.project_id).where(Lot.bid_deadline > now)
    return or_(AuditEvent.embargo_project_id.is_(None), AuditEvent.embargo_project_id.not_in(open_projects))


def concerning_project(project_id: uuid.UUID, lot_ids: list[uuid.UUID]) -> ColumnElement[bool]:
    """Events about one project: the project itself, any of its lots, or (old rows) embargoed under it.

    What :func:`record` callers write: project-level actions (creation, documents, announcements,
    downloads) use ``object_type="project"``, lot-level ones (uploads, bids, bodies, the opening
    room) ``object_type="lot"``. Lot ids are passed in (not a sub-select) because ``object_id`` is
    text and a UUID column casts to text differently on SQLite and PostgreSQL.
    """
    return or_(
        and_(AuditEvent.object_type == "project", AuditEvent.object_id == str(project_id)),
        and_(AuditEvent.object_type == "lot", AuditEvent.object_id.in_([str(i) for i in lot_ids])),
        AuditEvent.embargo_project_id == project_id,
    )
