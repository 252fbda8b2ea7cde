"""The clocks and alerts on the wire (``docs/supervision.md`` §On the wire): the supervisor's and the
auditor's reading. The use cases are :mod:`bidding.supervision.views`; this only translates the wire."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from litestar import Controller, get
from litestar.params import QueryParameter

from bidding.core.fields import SAFE_INT_MAX
from bidding.core.http.dependencies import PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role
from bidding.supervision import views
from bidding.supervision.views import AlertView, ClockView

#: Who reads supervision: the supervisor acts, the auditor reads.
READERS = (Role.SUPERVISOR, Role.AUDITOR)
Limit = Annotated[int, QueryParameter(ge=1, le=500)]


class SupervisionClockController(Controller):
    path = "/api/supervision"
    tags = ["supervision"]
    guards = [requires(*READERS)]

    @get(
        "/clocks",
        opt=wire(errors=[403]),
        summary="The statutory clocks running on projects, the nearest limit first (RULES d)",
    )
    async def clocks(
        self,
        platform: PlatformDep,
        level: Annotated[Literal["none", "yellow", "red"] | None, QueryParameter()] = None,
        running: Annotated[bool | None, QueryParameter()] = None,
        project: Annotated[uuid.UUID | None, QueryParameter()] = None,
        limit: Limit = 100,
    ) -> list[ClockView]:
        return await views.clocks(platform, level=level, running=running, project_id=project, limit=limit)

    @get(
        "/alerts",
        opt=wire(errors=[403]),
        summary="The alerts the clocks raised, newest first (yellow at the leads, red at the limit + 1 s)",
    )
    async def alerts(
        self,
        platform: PlatformDep,
        after: Annotated[int, QueryParameter(ge=0, le=SAFE_INT_MAX, description="only alerts after this id")] = 0,
        level: Annotated[Literal["yellow", "red"] | None, QueryParameter()] = None,
        limit: Limit = 100,
    ) -> list[AlertView]:
        return await views.alerts(platform, after=after or None, level=level, limit=limit)
