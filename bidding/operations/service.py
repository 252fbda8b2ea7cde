"""Operations and audit: integrity checks of stored objects run as jobs, the state of a job, and
the audit trail (办法 14, 49) as auditors, administrators and supervisors read it.

Each use case takes the platform (and the :class:`~bidding.core.auth.caller.Caller` when it records
who asked), owns its transaction and returns its view.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from bidding.audit.integrity import VERIFY_OBJECT
from bidding.audit.models import AuditEvent
from bidding.audit.trail import record
from bidding.core.auth.caller import Caller
from bidding.core.errors import NotFound
from bidding.core.jobs.queue import JobState
from bidding.core.jobs.registry import Queue
from bidding.operations.audit_trail import concerning_project, not_embargoed, release_due
from bidding.tendering.models import Lot, Project

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = ["AuditEventView", "EnqueuedJob", "audit_events", "job_state", "request_integrity_check"]


@dataclass(frozen=True)
class EnqueuedJob:
    job_id: str
    queue: str
    created: bool


@dataclass(frozen=True)
class AuditEventView:
    id: int
    occurred_at: datetime
    actor: str
    client_address: str | None
    request_id: str | None
    action: str
    object_type: str
    object_id: str | None
    content_sha256: str | None
    details: dict[str, Any]

    @classmethod
    def of(cls, e: AuditEvent) -> AuditEventView:
        return cls(
            e.id,
            e.occurred_at,
            e.actor,
            e.client_address,
            e.request_id,
            e.action,
            e.object_type,
            e.object_id,
            e.content_sha256,
            e.details,
        )


async def request_integrity_check(
    platform: Platform, caller: Caller, key: str, expected_sha256: str, *, idempotency_key: str | None = None
) -> EnqueuedJob:
    """Re-hash a stored object in the background against ``expected_sha256`` and record the outcome
    (job ``verify_object``); the same ``idempotency_key`` never runs the check twice."""
    if not await platform.store.exists(key):
        raise NotFound(f"no stored object {key!r}", f"没有存储对象 {key!r}")
    job_id = f"verify:{idempotency_key or secrets.token_hex(8)}"
    enqueued = await platform.jobs.enqueue(VERIFY_OBJECT, key, expected_sha256, caller.actor_id, job_id=job_id)
    async with platform.sessions() as db, db.begin():
        record(
            db,
            caller.actor,
            "storage.integrity_check_requested",
            object_type="object",
            object_id=key[:100],  # the column's length; a bid's key is longer: in full below
            details={"job_id": job_id, "created": enqueued.created, "key": key},
        )
    return EnqueuedJob(job_id=enqueued.job_id, queue=enqueued.queue.value, created=enqueued.created)


async def job_state(platform: Platform, job_id: str, queue: Queue = Queue.DEFAULT) -> JobState:
    """A background job's state; its result is kept for 24 hours, then it is not found."""
    state = await platform.jobs.state(job_id, queue)
    if state.status == "not_found":
        raise NotFound(f"no job {job_id!r} (results are kept for 24 hours)", f"没有任务 {job_id!r}（结果保留 24 小时）")
    return state


async def audit_events(
    platform: Platform,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    project_id: uuid.UUID | None = None,
    action: str | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[AuditEventView]:
    """The trail, oldest id first, after ``after_id``. Events naming a bidder are sealed until the
    deadline (办法 21) for every reader, whatever its role; those whose deadline has passed are
    released into the trail first, with the next ids (see :func:`bidding.audit.trail.release_due`).

    ``action`` is exact, or every action under a prefix ending in ``.`` (``bid.`` → bid.submitted,
    bid.withdrawn, …); ``project_id`` selects every event about the project (an unknown one is not
    found): itself, its lots, its embargoed events."""
    now = platform.clock.now()
    await release_due(platform.sessions, now)
    query = select(AuditEvent).where(AuditEvent.id > after_id, not_embargoed(now)).order_by(AuditEvent.id).limit(limit)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id:
        query = query.where(AuditEvent.object_id == object_id)
    if action:
        query = query.where(
            AuditEvent.action.startswith(action, autoescape=True)
            if action.endswith(".")
            else AuditEvent.action == action
        )
    async with platform.sessions() as db:
        if project_id is not None:
            if await db.get(Project, project_id) is None:
                raise NotFound(f"no project {project_id}", f"没有项目 {project_id}")
            lot_ids = list(await db.scalars(select(Lot.id).where(Lot.project_id == project_id)))
            query = query.where(concerning_project(project_id, lot_ids))
        return [AuditEventView.of(e) for e in (await db.scalars(query)).all()]
