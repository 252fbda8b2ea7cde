"""Audit events (办法 14, 49): who did what to which object, when, from where, with which content.

Every state-changing action calls :func:`record` inside the same transaction as the change, so
an action and its record commit or roll back together. The table is append-only (triggers).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.models import AuditEvent, SealedAuditEvent
from bidding.core.actor import Actor


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
