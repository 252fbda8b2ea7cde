"""Audit events (办法 14, 49): who did what to which object, when, from where, with which content.

Every state-changing action calls :func:`record` inside the same transaction as the change, so
an action and its record commit or roll back together. The table is append-only (triggers).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bidding.db.models import AuditEvent, Lot, SealedAuditEvent


@dataclass(frozen=True)
class Actor:
    """Who acts and from where: a certificate fingerprint, an operator token or the system itself."""

    id: str
    client_address: str | None = None
    request_id: str | None = None

    @classmethod
    def system(cls, component: str, request_id: str | None = None) -> Actor:
        return cls(id=f"system:{component}", request_id=request_id)


def content_hash(content: bytes | Mapping[str, Any]) -> str:
    """SHA-256 of raw bytes, or of a mapping's canonical JSON (sorted keys, no spaces, UTF-8)."""
    if not isinstance(content, bytes):
        content = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()
    return hashlib.sha256(content).hexdigest()


AuditRecord = AuditEvent | SealedAuditEvent


def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    object_type: str,
    object_id: str | None = None,
    content_sha256: str | None = None,
    details: Mapping[str, Any] | None = None,
    embargo_project_id: uuid.UUID | None = None,
) -> AuditRecord:
    """Record one action in the caller's transaction.

    With ``embargo_project_id`` the event names someone taking part before the deadline (办法 21: who
    downloaded, uploaded, bid, withdrew, signed in): it is sealed, not written to the trail, so that
    neither its content nor its id shows to any reader — administrator, operator token, auditor or
    supervisor — until :func:`release_due` copies it there after the deadline: a lot's event
    (``object_type="lot"``) at that lot's deadline, any other once every lot of the project is past
    its deadline.
    """
    columns: dict[str, Any] = {
        "actor": actor.id,
        "client_address": actor.client_address,
        "request_id": actor.request_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "content_sha256": content_sha256,
        "details": dict(details or {}),
    }
    event: AuditRecord
    if embargo_project_id is None:
        event = AuditEvent(**columns)
    else:
        event = SealedAuditEvent(
            **columns, embargo_project_id=embargo_project_id, embargo_lot_id=_lot_of(object_type, object_id)
        )
    session.add(event)
    return event


def _lot_of(object_type: str, object_id: str | None) -> uuid.UUID | None:
    if object_type != "lot" or object_id is None:
        return None
    try:
        return uuid.UUID(object_id)
    except ValueError:
        return None


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
