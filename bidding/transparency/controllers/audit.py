"""The auditor's page of the transparency log on the wire (issue 23, "Detection"): the signed
checkpoints for anyone (``/api/log/checkpoints``), and audits of the log for auditors, supervisors
and administrators (``/api/audit/log/runs``). The use cases are
:mod:`bidding.transparency.audit_runs`; this only translates the wire."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.params import FromPath, QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED

from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.transparency import audit_runs
from bidding.transparency.audit_runs import AUDIT_ROLES, MAX_PAGE, AuditRunView

__all__ = ["LogAuditController", "LogCheckpointsController"]

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="Page size (1–100)")]
Cursor = Annotated[
    int,
    QueryParameter(
        ge=0, le=2**53, description="From `next_cursor`: the checkpoints smaller than this size (0: the first page)"
    ),
]


class LogCheckpointsController(Controller):
    """The log's signed checkpoints over time, no login."""

    path = "/api/log"
    tags = ["log"]

    @get(
        "/checkpoints",
        opt=wire(errors=[400]),
        summary="Signed checkpoints, newest first, paged by cursor: size, root, time, note, cosigning witnesses",
    )
    async def checkpoints(self, platform: PlatformDep, cursor: Cursor = 0, limit: Limit = 50) -> dict[str, Any]:
        return await audit_runs.checkpoints(platform, cursor=cursor, limit=limit)


class LogAuditController(Controller):
    """Audits of the log (``bidding log audit`` run by a worker), asked for and read by auditors,
    supervisors and administrators."""

    path = "/api/audit/log/runs"
    tags = ["admin"]
    guards = [requires(*AUDIT_ROLES)]

    @post(
        "/",
        status_code=HTTP_202_ACCEPTED,
        opt=wire(errors=[409]),  # a run is already pending
        summary="Ask for an audit of the log (one at a time; 409 while one is pending)",
    )
    async def request(self, platform: PlatformDep, caller: CallerDep) -> AuditRunView:
        return await audit_runs.request_audit(platform, caller)

    @get("/", summary="The latest audits of the log, newest first (without their findings)")
    async def runs(
        self, platform: PlatformDep, caller: CallerDep, limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 20
    ) -> list[AuditRunView]:
        return await audit_runs.audit_runs(platform, caller, limit=limit)

    @get("/{run_id:uuid}", opt=wire(errors=[404]), summary="One audit of the log, with its findings")
    async def run(self, platform: PlatformDep, caller: CallerDep, run_id: FromPath[uuid.UUID]) -> AuditRunView:
        return await audit_runs.audit_run(platform, caller, run_id)
