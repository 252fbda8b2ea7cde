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

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.db.models import AuditEvent, Lot


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
) -> AuditEvent:
    event = AuditEvent(
        actor=actor.id,
        client_address=actor.client_address,
        request_id=actor.request_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        content_sha256=content_sha256,
        details=dict(details or {}),
        embargo_project_id=embargo_project_id,
    )
    session.add(event)
    return event


def not_embargoed(now: datetime) -> ColumnElement[bool]:
    """Events readable at ``now``: not embargoed, or every lot of their project past its deadline.

    Downloads and bids are embargoed (办法 21): until the deadline nobody, auditors included, can
    learn from the trail who took part or how many.
    """
    open_projects = select(Lot.project_id).where(Lot.bid_deadline > now)
    return or_(AuditEvent.embargo_project_id.is_(None), AuditEvent.embargo_project_id.not_in(open_projects))


def concerning_project(project_id: uuid.UUID, lot_ids: list[uuid.UUID]) -> ColumnElement[bool]:
    """Events about one project: the project itself, any of its lots, or embargoed under it.

    What :func:`record` callers write: project-level actions (creation, documents, announcements,
    downloads) use ``object_type="project"``, lot-level ones (uploads, bids, bodies, the opening
    room) ``object_type="lot"``; uploads, bids and downloads also carry ``embargo_project_id``.
    Lot ids are passed in (not a sub-select) because ``object_id`` is text and a UUID column casts
    to text differently on SQLite and PostgreSQL.
    """
    return or_(
        and_(AuditEvent.object_type == "project", AuditEvent.object_id == str(project_id)),
        and_(AuditEvent.object_type == "lot", AuditEvent.object_id.in_([str(i) for i in lot_ids])),
        AuditEvent.embargo_project_id == project_id,
    )
