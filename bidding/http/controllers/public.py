"""The public portal API: no login. Projects, lots and the calendar of openings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Stream

from bidding.domain.announcements import AnnouncementKind
from bidding.domain.projects import Phase
from bidding.errors import InvalidInput
from bidding.fields import LINE_PATTERN, calendar_problem
from bidding.http.auth import principal_of
from bidding.http.context import actor_of
from bidding.http.dependencies import ClockDep, DbSession, PlatformDep
from bidding.http.openapi import wire
from bidding.services.announcements import AnnouncementView, get_announcement, list_announcements
from bidding.services.documents import PublicDocument, published_document, published_documents, record_download
from bidding.services.projects import (
    OpeningView,
    ProjectView,
    get_public_project,
    list_openings,
    list_public_projects,
)
from bidding.services.tendering import ALLOWED_DOCUMENT_TYPES
from storage.signing import content_disposition


@dataclass(frozen=True)
class ProjectPage:
    items: list[ProjectView]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True)
class OpeningList:
    items: list[OpeningView]


@dataclass(frozen=True)
class AnnouncementPage:
    items: list[AnnouncementView]
    total: int
    page: int
    page_size: int


class PublicController(Controller):
    path = "/api/public"
    tags = ["public"]

    @get("/projects", summary="Published projects (search, filter by phase)")
    async def projects(
        self,
        db: DbSession,
        clock: ClockDep,
        phase: FromQuery[Phase | None] = None,
        q: Annotated[str | None, QueryParameter(max_length=100, pattern=LINE_PATTERN)] = None,
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
        for key, given in (("from", from_), ("to", to)):
            problem = calendar_problem(given) if given is not None else None
            if problem:  # checked before any arithmetic: far from now, a time overflows
                raise InvalidInput(
                    f"`{key}` {problem}",
                    f"`{key}` 须带时区（例如 2026-11-23T00:00:00+08:00），且在 2000 至 2100 年之间",
                    details=[{"key": key, "source": "query", "message": problem}],
                )
        now = clock.now()
        start = from_ or now.replace(hour=0, minute=0, second=0, microsecond=0)
        end = to or start + timedelta(days=14)
        if end <= start or end - start > timedelta(days=92):
            raise InvalidInput("the range must be positive and at most 92 days", "时间范围必须为正且不超过 92 天")
        return OpeningList(items=await list_openings(db, start=start, end=end))

    @get("/announcements", summary="Announcements (公告): search by text, kind or project")
    async def announcements(
        self,
        db: DbSession,
        q: Annotated[str | None, QueryParameter(max_length=100, pattern=LINE_PATTERN)] = None,
        kind: FromQuery[AnnouncementKind | None] = None,
        project_id: FromQuery[uuid.UUID | None] = None,
        page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1,
        page_size: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> AnnouncementPage:
        items, total = await list_announcements(
            db, q=q, kind=kind, project_id=project_id, page=page, page_size=page_size
        )
        return AnnouncementPage(items=items, total=total, page=page, page_size=page_size)

    @get("/announcements/{announcement_id:uuid}", summary="One announcement")
    async def announcement(self, db: DbSession, announcement_id: FromPath[uuid.UUID]) -> AnnouncementView:
        return await get_announcement(db, announcement_id)

    @get("/projects/{project_id:uuid}/documents", summary="Published tender documents of a project, every version")
    async def documents(self, db: DbSession, project_id: FromPath[uuid.UUID]) -> list[PublicDocument]:
        return await published_documents(db, project_id)

    @get(
        "/documents/{document_id:uuid}",
        opt=wire(response=sorted(ALLOWED_DOCUMENT_TYPES)),
        summary="Download tender documents (free; no registration needed)",
    )
    async def download(
        self,
        request: Request[Any, Any, Any],
        db: DbSession,
        platform: PlatformDep,
        document_id: FromPath[uuid.UUID],
    ) -> Stream:
        principal = principal_of(request)
        async with db.begin():
            document = await published_document(db, document_id)
            await record_download(
                db,
                actor_of(request, principal.actor_id if principal else "public"),
                principal.organization_id if principal else None,
                document,
                platform.clock.now(),
            )
        headers = {
            "Content-Length": str(document.size),
            "Content-Disposition": content_disposition(document.filename),
            "X-Content-SHA256": document.sha256,
        }
        return Stream(platform.store.open(document.object_key), media_type=document.content_type, headers=headers)
