"""Supervision's overview on the wire: the counts per agency, person, clock kind and day
(``/api/supervision/stats``; RULES d, acceptance check 5) and every complaint across the awards
(``/api/supervision/complaints``). The use cases are :mod:`bidding.supervision.stats` and
:mod:`bidding.supervision.complaints`; this only translates the wire."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import FromQuery, QueryParameter

from bidding.awards.states import ComplaintStatus
from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role
from bidding.supervision import complaints, stats
from bidding.supervision.complaints import MAX_LIMIT, ComplaintRow
from bidding.supervision.stats import DEFAULT_DAYS, MAX_DAYS, Stats

#: The supervisor acts, the auditor reads.
READERS = (Role.SUPERVISOR, Role.AUDITOR)


class SupervisionOverviewController(Controller):
    path = "/api/supervision"
    tags = ["supervision"]
    guards = [requires(*READERS)]

    @get(
        "/stats",
        opt=wire(errors=[403]),
        summary="Alerts and supervision orders counted per agency, per person, per clock kind and per China day "
        "over the last `days` days (RULES d check 5)",
    )
    async def get_stats(
        self,
        platform: PlatformDep,
        caller: CallerDep,
        days: Annotated[int, QueryParameter(ge=1, le=MAX_DAYS)] = DEFAULT_DAYS,
    ) -> Stats:
        return await stats.stats(platform, caller, days)

    @get(
        "/complaints",
        opt=wire(errors=[403]),
        summary="Every complaint across the awards, newest first, with its acceptance and decision days and "
        "whether the supervisor's current step is late (条例 60–61)",
    )
    async def list_complaints(
        self,
        platform: PlatformDep,
        caller: CallerDep,
        status: FromQuery[ComplaintStatus | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = MAX_LIMIT,
    ) -> list[ComplaintRow]:
        return await complaints.complaints(platform, caller, status=status, limit=limit)
