"""What a logged-in organisation sees about itself: its notifications (of announcements about
projects it took part in) and the tender documents it downloaded — its own, nobody else's.

Each use case takes the platform and the :class:`~bidding.core.auth.caller.Caller` (an organisation's
user), owns its transaction and returns its view.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from bidding.core.auth.caller import Caller
from bidding.core.errors import NotFound
from bidding.tendering.models import Announcement, DocumentDownload, Notification, Project, TenderDocument

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = ["DownloadView", "NotificationView", "downloads", "mark_read", "notifications"]

#: The most downloads :func:`downloads` lists, newest first.
MAX_DOWNLOADS = 500


@dataclass(frozen=True)
class NotificationView:
    id: int
    project_id: uuid.UUID
    project_code: str
    announcement_id: uuid.UUID
    kind: str
    title: str
    created_at: datetime
    read_at: datetime | None


@dataclass(frozen=True)
class DownloadView:
    document_id: uuid.UUID
    project_id: uuid.UUID
    project_code: str
    version: int
    filename: str
    downloaded_at: datetime


async def notifications(platform: Platform, caller: Caller, *, limit: int) -> list[NotificationView]:
    """The caller's organisation's notifications, newest first."""
    organization_id = caller.organisation()
    async with platform.sessions() as db:
        rows = await db.execute(
            select(Notification, Announcement, Project)
            .join(Announcement, Notification.announcement_id == Announcement.id)
            .join(Project, Notification.project_id == Project.id)
            .where(Notification.organization_id == organization_id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
        return [
            NotificationView(n.id, p.id, p.code, a.id, a.kind.value, a.title, n.created_at, n.read_at)
            for n, a, p in rows.all()
        ]


async def mark_read(platform: Platform, caller: Caller, notification_id: int) -> None:
    """Mark one of the organisation's notifications read (another's is not found)."""
    organization_id = caller.organisation()
    async with platform.sessions() as db, db.begin():
        result = await db.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.organization_id == organization_id)
            .values(read_at=platform.clock.now())
        )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound(f"no notification {notification_id}", f"没有通知 {notification_id}")


async def downloads(platform: Platform, caller: Caller) -> list[DownloadView]:
    """The tender documents the caller's organisation downloaded, newest first."""
    organization_id = caller.organisation()
    async with platform.sessions() as db:
        rows = await db.execute(
            select(DocumentDownload, TenderDocument, Project)
            .join(TenderDocument, DocumentDownload.document_id == TenderDocument.id)
            .join(Project, DocumentDownload.project_id == Project.id)
            .where(DocumentDownload.organization_id == organization_id)
            .order_by(DocumentDownload.id.desc())
            .limit(MAX_DOWNLOADS)
        )
        return [DownloadView(d.id, p.id, p.code, d.version, d.filename, dl.downloaded_at) for dl, d, p in rows.all()]
