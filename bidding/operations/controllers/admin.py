"""Operations and audit endpoints: integrity checks run as jobs, job status, the audit trail (the
use cases of :mod:`bidding.operations.service`)."""

from __future__ import annotations

import re
import uuid
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED

from bidding.core.fields import LINE_PATTERN, QUERY_BIGINT_CURSOR, Body, ObjectKey
from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.jobs.queue import JobState
from bidding.core.jobs.registry import Queue
from bidding.core.roles import Role
from bidding.operations import service as operations
from bidding.operations.service import AuditEventView, EnqueuedJob

_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_JOB_ID = re.compile(r"^[A-Za-z0-9:._-]{1,200}$")
_ACTION = re.compile(r"^[a-z0-9_.]{1,100}$")


class IntegrityCheckRequest(Body, frozen=True):
    key: ObjectKey
    expected_sha256: Annotated[str, msgspec.Meta(pattern=_SHA256.pattern)]
    #: Optional idempotency key: the same key never runs the check twice.
    idempotency_key: Annotated[str, msgspec.Meta(pattern=_JOB_ID.pattern)] | None = None


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
        self, data: JSONBody[IntegrityCheckRequest], platform: PlatformDep, caller: CallerDep
    ) -> EnqueuedJob:
        return await operations.request_integrity_check(
            platform, caller, data.key, data.expected_sha256, idempotency_key=data.idempotency_key
        )

    @get("/jobs/{job_id:str}", guards=[requires(Role.ADMIN, Role.AUDITOR)], summary="State of a background job")
    async def job(
        self,
        job_id: Annotated[str, PathParameter(pattern=_JOB_ID.pattern)],
        platform: PlatformDep,
        queue: FromQuery[Queue] = Queue.DEFAULT,
    ) -> JobState:
        return await operations.job_state(platform, job_id, queue)

    @get(
        "/audit-events",
        guards=[requires(Role.ADMIN, Role.AUDITOR, Role.SUPERVISOR)],
        opt=wire(errors=[404]),  # no such project
        summary="The audit trail",
    )
    async def audit_events(
        self,
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
        into the trail first, with the next ids (see :func:`bidding.audit.trail.release_due`)."""
        return await operations.audit_events(
            platform,
            object_type=object_type,
            object_id=object_id,
            project_id=project_id,
            action=action,
            after_id=after_id,
            limit=limit,
        )
