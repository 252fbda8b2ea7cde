"""The public portal API: no login. Projects, lots, the calendar of openings, announcements and the
tender documents (the use cases of :mod:`bidding.tendering.portal`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from litestar import Controller, get
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Stream

from bidding.core.fields import LINE_PATTERN, query_moment
from bidding.core.http.dependencies import PlatformDep, VisitorDep
from bidding.core.http.openapi import wire
from bidding.tendering import portal
from bidding.tendering.announcements import AnnouncementView
from bidding.tendering.documents import PublicDocument
from bidding.tendering.portal import AnnouncementPage, OpeningList, ProjectPage
from bidding.tendering.projects import ProjectView
from bidding.tendering.rules.announcements import AnnouncementKind
from bidding.tendering.rules.projects import Phase
from bidding.tendering.service import ALLOWED_DOCUMENT_TYPES
from storage.signing import content_disposition

Page = Annotated[int, QueryParameter(ge=1, le=10_000)]
PageSize = Annotated[int, QueryParameter(ge=1, le=100)]
Search = Annotated[str | None, QueryParameter(max_length=100, pattern=LINE_PATTERN)]


class PublicController(Controller):
    path = "/api/public"
    tags = ["public"]

    @get("/projects", summary="Published projects (search, filter by phase)")
    async def projects(
        self,
        platform: PlatformDep,
        phase: FromQuery[Phase | None] = None,
        q: Search = None,
        page: Page = 1,
        page_size: PageSize = 20,
    ) -> ProjectPage:
        return await portal.projects(platform, phase=phase, q=q, page=page, page_size=page_size)

    @get("/projects/{project_id:uuid}", summary="One published project with its lots")
    async def project(self, platform: PlatformDep, project_id: FromPath[uuid.UUID]) -> ProjectView:
        return await portal.project(platform, project_id)

    @get("/openings", summary="Openings (bid deadlines) in a time range: today's and upcoming")
    async def openings(
        self,
        platform: PlatformDep,
        from_: Annotated[datetime | None, QueryParameter(name="from")] = None,
        to: FromQuery[datetime | None] = None,
    ) -> OpeningList:
        return await portal.openings(platform, start=query_moment("from", from_), end=query_moment("to", to))

    @get("/announcements", summary="Announcements (公告): search by text, kind or project")
    async def announcements(
        self,
        platform: PlatformDep,
        q: Search = None,
        kind: FromQuery[AnnouncementKind | None] = None,
        project_id: FromQuery[uuid.UUID | None] = None,
        page: Page = 1,
        page_size: PageSize = 20,
    ) -> AnnouncementPage:
        return await portal.announcements(
            platform, q=q, kind=kind, project_id=project_id, page=page, page_size=page_size
        )

    @get("/announcements/{announcement_id:uuid}", summary="One announcement")
    async def announcement(self, platform: PlatformDep, announcement_id: FromPath[uuid.UUID]) -> AnnouncementView:
        return await portal.announcement(platform, announcement_id)

    @get("/projects/{project_id:uuid}/documents", summary="Published tender documents of a project, every version")
    async def documents(self, platform: PlatformDep, project_id: FromPath[uuid.UUID]) -> list[PublicDocument]:
        return await portal.documents(platform, project_id)

    @get(
        "/documents/{document_id:uuid}",
        opt=wire(response=sorted(ALLOWED_DOCUMENT_TYPES)),
        summary="Download tender documents (free; no registration needed)",
    )
    async def download(self, platform: PlatformDep, visitor: VisitorDep, document_id: FromPath[uuid.UUID]) -> Stream:
        file = await portal.download(platform, visitor, document_id)
        headers = {
            "Content-Length": str(file.size),
            "Content-Disposition": content_disposition(file.filename),
            "X-Content-SHA256": file.sha256 or "",
        }
        return Stream(file.chunks, media_type=file.content_type, headers=headers)
