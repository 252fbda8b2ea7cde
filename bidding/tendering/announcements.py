"""Public notices (公告): publishing them (with notifications to those concerned) and the portal's
search. Announcements are immutable once published: a correction is a new announcement."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.trail import content_hash, record
from bidding.core.actor import Actor
from bidding.core.errors import InvalidInput, NotFound
from bidding.tendering.models import Announcement, DocumentDownload, Notification, Project
from bidding.tendering.rules.announcements import AnnouncementKind
from bidding.tendering.rules.projects import ProjectStatus

MAX_TITLE = 300
MAX_BODY = 50_000

#: Notices that change what bidders prepare: everyone who downloaded the documents is told.
NOTIFY_DOWNLOADERS = frozenset(
    {AnnouncementKind.CLARIFICATION, AnnouncementKind.AMENDMENT, AnnouncementKind.TERMINATION}
)


@dataclass(frozen=True)
class AnnouncementView:
    id: uuid.UUID
    project_id: uuid.UUID
    project_code: str
    project_name: str
    kind: AnnouncementKind
    title: str
    body: str
    published_at: datetime
    content_sha256: str
    details: dict[str, Any]


def _view(a: Announcement, project: Project) -> AnnouncementView:
    return AnnouncementView(
        a.id,
        a.project_id,
        project.code,
        project.name,
        a.kind,
        a.title,
        a.body,
        a.published_at,
        a.content_sha256,
        a.details,
    )


def _text(title: str, body: str) -> tuple[str, str]:
    title, body = title.strip(), body.strip()
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput(f"the title must be 1 to {MAX_TITLE} characters", f"标题须为 1 至 {MAX_TITLE} 个字符")
    if not body or len(body) > MAX_BODY:
        raise InvalidInput(f"the text must be 1 to {MAX_BODY} characters", f"正文须为 1 至 {MAX_BODY} 个字符")
    return title, body


async def announce(
    session: AsyncSession,
    actor: Actor,
    project: Project,
    kind: AnnouncementKind,
    *,
    title: str,
    body: str,
    now: datetime,
    details: Mapping[str, Any] | None = None,
) -> Announcement:
    """Publish a notice, audit it and notify the organisations that downloaded the documents."""
    title, body = _text(title, body)
    extra = dict(details or {})
    digest = content_hash({"kind": kind.value, "title": title, "body": body, "details": extra})
    announcement = Announcement(
        project_id=project.id,
        kind=kind,
        title=title,
        body=body,
        published_at=now,
        published_by=actor.id,
        content_sha256=digest,
        details=extra,
    )
    session.add(announcement)
    await session.flush()
    notified = 0
    if kind in NOTIFY_DOWNLOADERS:
        orgs = (
            await session.scalars(
                select(DocumentDownload.organization_id).where(DocumentDownload.project_id == project.id).distinct()
            )
        ).all()
        for org_id in orgs:
            session.add(
                Notification(
                    organization_id=org_id, project_id=project.id, announcement_id=announcement.id, created_at=now
                )
            )
        notified = len(orgs)
    record(
        session,
        actor,
        f"announcement.{kind.value}",
        object_type="project",
        object_id=str(project.id),
        content_sha256=digest,
        details={"announcement": str(announcement.id), "title": title},
    )
    if kind in NOTIFY_DOWNLOADERS:
        # How many were told reveals how many downloaded (办法 21): embargoed until the deadline.
        record(
            session,
            actor,
            "announcement.notified",
            object_type="project",
            object_id=str(project.id),
            details={"announcement": str(announcement.id), "notified": notified},
            embargo_project_id=project.id,
        )
    return announcement


async def list_announcements(
    session: AsyncSession,
    *,
    q: str | None = None,
    kind: AnnouncementKind | None = None,
    project_id: uuid.UUID | None = None,
    page: int = 1,
    page_size: int = 20,
) -> tuple[list[AnnouncementView], int]:
    """Newest first; full-text-ish search over title, body and project name/code; paged in SQL."""
    conditions = [Project.status != ProjectStatus.DRAFT]
    if q:
        like = f"%{q.strip()}%"
        conditions.append(
            or_(
                Announcement.title.ilike(like),
                Announcement.body.ilike(like),
                Project.name.ilike(like),
                Project.code.ilike(like),
            )
        )
    if kind is not None:
        conditions.append(Announcement.kind == kind)
    if project_id is not None:
        conditions.append(Announcement.project_id == project_id)
    base = select(Announcement, Project).join(Project, Announcement.project_id == Project.id).where(*conditions)
    total = int(await session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    rows = await session.execute(
        base.order_by(Announcement.published_at.desc(), Announcement.id).offset((page - 1) * page_size).limit(page_size)
    )
    return [_view(a, p) for a, p in rows.all()], total


async def get_announcement(session: AsyncSession, announcement_id: uuid.UUID) -> AnnouncementView:
    row = (
        await session.execute(
            select(Announcement, Project)
            .join(Project, Announcement.project_id == Project.id)
            .where(Announcement.id == announcement_id, Project.status != ProjectStatus.DRAFT)
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"no announcement {announcement_id}", f"没有公告 {announcement_id}")
    return _view(*row)
