"""What a logged-in organisation may see about itself: its notifications and its own downloads
(the use cases of :mod:`bidding.notifications.service`). The operator token stands for no organisation:
403 ``organisation_required``."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_200_OK

from bidding.core.fields import PATH_BIGINT_ID
from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import organisation_user
from bidding.notifications import service as inbox
from bidding.notifications.service import DownloadView, NotificationView


class MeController(Controller):
    path = "/api/me"
    tags = ["identity"]
    guards = [organisation_user]

    @get("/notifications", summary="Notifications of my organisation, newest first")
    async def notifications(
        self, platform: PlatformDep, caller: CallerDep, limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50
    ) -> list[NotificationView]:
        return await inbox.notifications(platform, caller, limit=limit)

    @post("/notifications/{notification_id:int}/read", status_code=HTTP_200_OK, summary="Mark as read")
    async def read(
        self, notification_id: Annotated[int, PATH_BIGINT_ID], platform: PlatformDep, caller: CallerDep
    ) -> dict[str, bool]:
        await inbox.mark_read(platform, caller, notification_id)
        return {"read": True}

    @get("/downloads", summary="Tender documents my organisation downloaded")
    async def downloads(self, platform: PlatformDep, caller: CallerDep) -> list[DownloadView]:
        return await inbox.downloads(platform, caller)
