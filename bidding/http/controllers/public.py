"""The public portal API: no login. Projects, lots and the calendar of openings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from litestar import Controller, get
from litestar.params import FromPath, FromQuery, QueryParameter

from bidding.domain.projects import Phase
from bidding.errors import InvalidInput
from bidding.http.dependencies import ClockDep, DbSession
from bidding.services.projects import (
    OpeningView,
    ProjectView,
    get_public_project,
    list_openings,
    list_public_projects,
)


@dataclass(frozen=True)
class ProjectPage:
    items: list[ProjectView]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True)
class OpeningList:
    items: list[OpeningView]


class PublicController(Controller):
    path = "/api/public"
    tags = ["public"]

    @get("/projects", summary="Published projects (search, filter by phase)")
    async def projects(
        self,
        db: DbSession,
        clock: ClockDep,
        phase: FromQuery[Phase | None] = None,
        q: Annotated[str | None, QueryParameter(max_length=100)] = None,
        page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1,
        page_size: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> ProjectPage:
        items, total = await list_public_projects(db, now=clock.now(), phase=phase, q=q, page=page, page_size=page_size)
        return ProjectPage(items=items, total=total, page=page, page_size=page_size)

    @get("/projects/{project_id:uuid}", summary="One published project with its lots")
    async def project(self, db: DbSession, clock: ClockDep, project_id: FromPath[uuid.UUID]) -> ProjectView:
        return await get_public_project(db, project_id, now=clock.now())

    @get("/openings", summary="Openings (bid deadlines) in a time range: today's and upcoming")
    async def openings(
        self,
        db: DbSession,
        clock: ClockDep,
        from_: Annotated[datetime | None, QueryParameter(name="from")] = None,
        to: FromQuery[datetime | None] = None,
    ) -> OpeningList:
        now = clock.now()
        start = from_ or now.replace(hour=0, minute=0, second=0, microsecond=0)
        end = to or start + timedelta(days=14)
        if start.tzinfo is None or end.tzinfo is None:
            raise InvalidInput(
                "`from` and `to` need a timezone offset, e.g. 2026-11-23T00:00:00+08:00",
                "`from` 和 `to` 必须带时区，例如 2026-11-23T00:00:00+08:00",
            )
        if end <= start or end - start > timedelta(days=92):
            raise InvalidInput("the range must be positive and at most 92 days", "时间范围必须为正且不超过 92 天")
        return OpeningList(items=await list_openings(db, start=start, end=end))
