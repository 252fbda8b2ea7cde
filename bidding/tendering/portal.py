"""The public portal's use cases (no login): published projects and their lots, the calendar of
openings, announcements, and the published tender documents — free to download, and every
download audited (a logged-in organisation's also remembered for its notices, 办法 21).

Each use case takes the platform (and the :class:`~bidding.core.auth.caller.Caller`, anonymous or not,
when it records who asked), owns its transaction and returns its view.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from bidding.core.auth.caller import Caller
from bidding.core.errors import InvalidInput
from bidding.tendering.announcements import AnnouncementView, get_announcement, list_announcements
from bidding.tendering.documents import (
    Download,
    PublicDocument,
    published_document,
    published_documents,
    record_download,
)
from bidding.tendering.projects import OpeningView, ProjectView, get_public_project, list_openings, list_public_projects
from bidding.tendering.rules.announcements import AnnouncementKind
from bidding.tendering.rules.projects import Phase

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "AnnouncementPage",
    "OpeningList",
    "ProjectPage",
    "announcement",
    "announcements",
    "documents",
    "download",
    "openings",
    "project",
    "projects",
]

#: The calendar's default span from its start, and the longest it shows at once.
OPENINGS_DEFAULT_SPAN: Final = timedelta(days=14)
OPENINGS_MAX_SPAN: Final = timedelta(days=92)


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


async def projects(platform: Platform, *, phase: Phase | None, q: str | None, page: int, page_size: int) -> ProjectPage:
    """Published projects, newest first, filtered by text and phase."""
    async with platform.sessions() as db:
        items, total = await list_public_projects(
            db, now=platform.clock.now(), phase=phase, q=q, page=page, page_size=page_size
        )
    return ProjectPage(items=items, total=total, page=page, page_size=page_size)


async def project(platform: Platform, project_id: uuid.UUID) -> ProjectView:
    """One published project with its lots."""
    async with platform.sessions() as db:
        return await get_public_project(db, project_id, now=platform.clock.now())


async def openings(platform: Platform, *, start: datetime | None, end: datetime | None) -> OpeningList:
    """Openings (bid deadlines) in [start, end): from today's midnight for
    :data:`OPENINGS_DEFAULT_SPAN` unless said, at most :data:`OPENINGS_MAX_SPAN` at once."""
    start = start or platform.clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    end = end or start + OPENINGS_DEFAULT_SPAN
    if end <= start or end - start > OPENINGS_MAX_SPAN:
        raise InvalidInput(
            f"the range must be positive and at most {OPENINGS_MAX_SPAN.days} days",
            f"时间范围必须为正且不超过 {OPENINGS_MAX_SPAN.days} 天",
        )
    async with platform.sessions() as db:
        return OpeningList(items=await list_openings(db, start=start, end=end))


async def announcements(
    platform: Platform,
    *,
    q: str | None,
    kind: AnnouncementKind | None,
    project_id: uuid.UUID | None,
    page: int,
    page_size: int,
) -> AnnouncementPage:
    """Announcements (公告), newest first: by text, kind or project."""
    async with platform.sessions() as db:
        items, total = await list_announcements(
            db, q=q, kind=kind, project_id=project_id, page=page, page_size=page_size
        )
    return AnnouncementPage(items=items, total=total, page=page, page_size=page_size)


async def announcement(platform: Platform, announcement_id: uuid.UUID) -> AnnouncementView:
    async with platform.sessions() as db:
        return await get_announcement(db, announcement_id)


async def documents(platform: Platform, project_id: uuid.UUID) -> list[PublicDocument]:
    """The published tender documents of a project, every version."""
    async with platform.sessions() as db:
        return await published_documents(db, project_id)


async def download(platform: Platform, caller: Caller, document_id: uuid.UUID) -> Download:
    """Download published tender documents (free; no registration needed). Audited for everyone,
    and remembered for a logged-in organisation (so it is told of clarifications)."""
    async with platform.sessions() as db, db.begin():
        document = await published_document(db, document_id)
        await record_download(db, caller.actor, caller.organization_id, document, platform.clock.now())
    return Download(
        filename=document.filename,
        content_type=document.content_type,
        chunks=platform.store.open(document.object_key),
        size=document.size,
        sha256=document.sha256,
    )
