"""Operations and audit endpoints: integrity checks run as jobs, job status, the audit trail."""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED
from sqlalchemy import select

from bidding.audit import concerning_project, not_embargoed, record, release_due
from bidding.db.models import AuditEvent, Lot, Project
from bidding.domain.roles import Role
from bidding.errors import NotFound
from bidding.fields import LINE_PATTERN, QUERY_BIGINT_CURSOR, Body, ObjectKey
from bidding.http.auth import principal_of, requires
from bidding.http.context import actor_of
from bidding.http.dependencies import DbSession, PlatformDep
from bidding.http.openapi import wire
from bidding.jobs.queue import JobState
from bidding.jobs.registry import Queue

_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_JOB_ID = re.compile(r"^[A-Za-z0-9:._-]{1,200}$")
_ACTION = re.compile(r"^[a-z0-9_.]{1,100}$")


class IntegrityCheckRequest(Body, frozen=True):
    key: ObjectKey
    expected_sha256: Annotated[str, msgspec.Meta(pattern=_SHA256.pattern)]
    #: Optional idempotency key: the same key never runs the check twice.
    idempotency_key: Annotated[str, msgspec.Meta(pattern=_JOB_ID.pattern)] | None = None


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


class AdminController(Controller):
    path = "/api/admin"
    tags = ["admin"]

    @post(
        "/integrity-checks",
        guards=[requires(Role.ADMIN, Role.AUDITOR)],
        status_code=HTTP_202_ACCEPTED,
        opt=wire(errors=[404]),  # the object does not exist
        summary="Re-hash a stored object in the background and record the outcome",
    )
    async def integrity_check(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[IntegrityCheckRequest],
        platform: PlatformDep,
        db: DbSession,
    ) -> EnqueuedJob:
        if not await platform.store.exists(data.key):
            raise NotFound(f"no stored object {data.key!r}", f"没有存储对象 {data.key!r}")
        principal = principal_of(request)
        assert principal is not None  # the guard admitted the caller
        job_id = f"verify:{data.idempotency_key or secrets.token_hex(8)}"
        enqueued = await platform.jobs.enqueue(
            "verify_object", data.key, data.expected_sha256, principal.actor_id, job_id=job_id
        )
        async with db.begin():
            record(
                db,
                actor_of(request, principal.actor_id),
                "storage.integrity_check_requested",
                object_type="object",
                object_id=data.key[:100],  # the column's length; a bid's key is longer: in full below
                details={"job_id": job_id, "created": enqueued.created, "key": data.key},
            )
        return EnqueuedJob(job_id=enqueued.job_id, queue=enqueued.queue.value, created=enqueued.created)

    @get("/jobs/{job_id:str}", guards=[requires(Role.ADMIN, Role.AUDITOR)], summary="State of a background job")
    async def job(
        self,
        job_id: Annotated[str, PathParameter(pattern=_JOB_ID.pattern)],
        platform: PlatformDep,
        queue: FromQuery[Queue] = Queue.DEFAULT,
    ) -> JobState:
        state = await platform.jobs.state(job_id, queue)
        if state.status == "not_found":
            raise NotFound(
                f"no job {job_id!r} (results are kept for 24 hours)", f"没有任务 {job_id!r}（结果保留 24 小时）"
            )
        return state

    @get(
        "/audit-events",
        guards=[requires(Role.ADMIN, Role.AUDITOR, Role.SUPERVISOR)],
        opt=wire(errors=[404]),  # no such project
        summary="The audit trail",
    )
    async def audit_events(
        self,
        db: DbSession,
        platform: PlatformDep,
        object_type: Annotated[str | None, QueryParameter(max_length=50, pattern=LINE_PATTERN)] = None,
        object_id: Annotated[str | None, QueryParameter(max_length=100, pattern=LINE_PATTERN)] = None,
        project_id: Annotated[
            uuid.UUID | None,
            QueryParameter(description="Every event about this project: itself, its lots, its embargoed events"),
        ] = None,
        action: Annotated[
            str | None,
            QueryParameter(
                pattern=_ACTION.pattern, description="Exact action, or every action under a prefix ending in '.'"
            ),
        ] = None,
        after_id: Annotated[int, QUERY_BIGINT_CURSOR] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[AuditEventView]:
        """The trail, oldest id first. Events naming a bidder are sealed until the deadline (办法 21)
        for every reader, this one whatever its role; those whose deadline has passed are released
        into the trail first, with the next ids (see :func:`bidding.audit.release_due`)."""
        now = platform.clock.now()
        await release_due(platform.sessions, now)
        query = (
            select(AuditEvent).where(AuditEvent.id > after_id, not_embargoed(now)).order_by(AuditEvent.id).limit(limit)
        )
        if object_type:
            query = query.where(AuditEvent.object_type == object_type)
        if object_id:
            query = query.where(AuditEvent.object_id == object_id)
        if action:
            # A trailing dot asks for a family ("bid." → bid.submitted, bid.withdrawn, …).
            query = query.where(
                AuditEvent.action.startswith(action, autoescape=True)
                if action.endswith(".")
                else AuditEvent.action == action
            )
        if project_id is not None:
            if await db.get(Project, project_id) is None:
                raise NotFound(f"no project {project_id}", f"没有项目 {project_id}")
            lot_ids = list(await db.scalars(select(Lot.id).where(Lot.project_id == project_id)))
            query = query.where(concerning_project(project_id, lot_ids))
        events = (await db.scalars(query)).all()
        return [
            AuditEventView(
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
            for e in events
        ]
