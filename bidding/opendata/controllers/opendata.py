"""Open data (OCDS 1.1) on the wire, no login (``docs/opendata.md``): release packages, record
packages. The use cases are :mod:`bidding.opendata.service`; this only translates the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, get
from litestar.params import FromPath, QueryParameter

from bidding.core.fields import query_moment
from bidding.core.http.dependencies import PlatformDep
from bidding.core.http.openapi import wire
from bidding.opendata import service
from bidding.opendata.service import MAX_LIMIT, RECORDS_LIMIT

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="Page size (1–100)")]
Cursor = Annotated[
    int, QueryParameter(ge=0, le=2**53, description="From `links.next`: the page after this cursor (0: the first)")
]
Moment = Annotated[datetime | None, QueryParameter(description="A moment with its time zone")]


class OpenDataController(Controller):
    path = "/api/opendata"
    tags = ["opendata"]

    @get(
        "/releases",
        opt=wire(errors=[400]),
        summary="Release package: the OCDS releases in publication order, paged by cursor; "
        "`since` ≤ release date < `until`",
    )
    async def releases(
        self,
        platform: PlatformDep,
        since: Moment = None,
        until: Moment = None,
        cursor: Cursor = 0,
        limit: Limit = MAX_LIMIT,
    ) -> dict[str, Any]:
        return await service.release_package(
            platform,
            since=query_moment("since", since),
            until=query_moment("until", until),
            cursor=cursor,
            limit=limit,
        )

    @get("/records", opt=wire(errors=[400]), summary="Record package: records (releases and compiled release), paged")
    async def records(
        self,
        platform: PlatformDep,
        cursor: Cursor = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = RECORDS_LIMIT,
    ) -> dict[str, Any]:
        return await service.record_packages(platform, cursor=cursor, limit=limit)

    @get(
        "/records/{ocid:str}",
        opt=wire(errors=[400, 404]),
        summary="Record package of one contracting process (ocid): every release and the compiled release",
    )
    async def record(self, platform: PlatformDep, ocid: FromPath[str]) -> dict[str, Any]:
        return await service.record_package(platform, ocid)
