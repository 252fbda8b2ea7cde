"""Project archives on the wire (电子档案, issue 21): the supervisor and the auditor list them, read
one's record and download its package; every other role is refused (403). The use cases are
:mod:`bidding.archive.service`; this only translates the wire.

``/{project_id}`` and ``/{project_id}.zip`` share one route: the router matches a parameter as a
whole path segment only, so the handler reads the suffix."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Final

from litestar import Controller, Response, get
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream

from bidding.archive import service
from bidding.archive.service import READERS, ArchiveNotFound, ArchiveView
from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from storage.signing import content_disposition

ZIP: Final = ".zip"


def _project(ref: str) -> uuid.UUID:
    try:
        return uuid.UUID(ref.removesuffix(ZIP))
    except ValueError:
        raise ArchiveNotFound(f"{ref!r} names no project") from None


class ArchiveController(Controller):
    """The archive packages of closed projects."""

    path = "/api/archives"
    tags = ["archive"]

    @get(
        "",
        guards=[requires(*READERS)],
        opt=wire(errors=[403]),
        summary="Every project archive, newest first (supervisor, auditor)",
    )
    async def archives(
        self,
        platform: PlatformDep,
        caller: CallerDep,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
        offset: Annotated[int, QueryParameter(ge=0, le=1_000_000)] = 0,
    ) -> list[ArchiveView]:
        return await service.list_archives(platform, caller, limit=limit, offset=offset)

    @get(
        "/{ref:str}",
        guards=[requires(*READERS)],
        opt=wire(response=["application/json", "application/zip"], errors=[403, 404]),
        summary="/{project_id}: the archive's record (digests, files, retention); /{project_id}.zip: the "
        "package, signed and time-stamped, checked offline by `bidding archive verify` (audited)",
    )
    async def archive(self, platform: PlatformDep, caller: CallerDep, ref: FromPath[str]) -> Response[Any]:
        project_id = _project(ref)
        if not ref.endswith(ZIP):
            return Response(await service.archive_info(platform, caller, project_id))
        file = await service.download(platform, caller, project_id)
        headers = {
            "Content-Length": str(file.size),
            "Content-Disposition": content_disposition(file.filename),
            "X-Content-SHA256": file.sha256 or "",
        }
        return Stream(file.chunks, media_type=file.content_type, headers=headers)
