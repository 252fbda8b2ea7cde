"""What a logged-in organisation may see about itself: its notifications and its own downloads."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_200_OK
from sqlalchemy import select, update

from bidding.db.models import Announcement, DocumentDownload, Notification, Project, TenderDocument
from bidding.errors import NotAuthenticated, NotFound
from bidding.fields import PATH_BIGINT_ID
from bidding.http.auth import logged_in, principal_of
from bidding.http.dependencies import DbSession, PlatformDep


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


def _org(request: Request[Any, Any, Any]) -> uuid.UUID:
    principal = principal_of(request)
    if principal is None or principal.organization_id is None:
        raise NotAuthenticated("log in with a certificate", "请使用证书登录")
    return principal.organization_id


class MeController(Controller):
    path = "/api/me"
    tags = ["identity"]
    guards = [logged_in]

    @get("/notifications", summary="Notifications of my organisation, newest first")
    async def notifications(
        self,
        request: Request[Any, Any, Any],
        db: DbSession,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> list[NotificationView]:
        rows = await db.execute(
            select(Notification, Announcement, Project)
            .join(Announcement, Notification.announcement_id == Announcement.id)
            .join(Project, Notification.project_id == Project.id)
            .where(Notification.organization_id == _org(request))
            .order_by(Notification.id.desc())
            .limit(limit)
        )
        return [
            NotificationView(n.id, p.id, p.code, a.id, a.kind.value, a.title, n.created_at, n.read_at)
            for n, a, p in rows.all()
        ]

    @post("/notifications/{notification_id:int}/read", status_code=HTTP_200_OK, summary="Mark as read")
    async def read(
        self,
        request: Request[Any, Any, Any],
        notification_id: Annotated[int, PATH_BIGINT_ID],
        db: DbSession,
        platform: PlatformDep,
    ) -> dict[str, bool]:
        async with db.begin():
            result = await db.execute(
                update(Notification)
                .where(Notification.id == notification_id, Notification.organization_id == _org(request))
                .values(read_at=platform.clock.now())
            )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise NotFound(f"no notification {notification_id}", f"没有通知 {notification_id}")
        return {"read": True}

    @get("/downloads", summary="Tender documents my organisation downloaded")
    async def downloads(self, request: Request[Any, Any, Any], db: DbSession) -> list[DownloadView]:
        rows = await db.execute(
            select(DocumentDownload, TenderDocument, Project)
            .join(TenderDocument, DocumentDownload.document_id == TenderDocument.id)
            .join(Project, DocumentDownload.project_id == Project.id)
            .where(DocumentDownload.organization_id == _org(request))
            .order_by(DocumentDownload.id.desc())
            .limit(500)
        )
        return [DownloadView(d.id, p.id, p.code, d.version, d.filename, dl.downloaded_at) for dl, d, p in rows.all()]
