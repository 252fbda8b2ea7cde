"""The award's public side on the wire (no login): a lot's candidate publicity once published (the
candidates, the period, how to object; the result once sent) and the platform-signed publicity PDF
(条例 54; RULES c12). The use cases are :mod:`bidding.awards.publicity`; this only translates the wire."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get
from litestar.params import FromPath

from bidding.awards import publicity
from bidding.awards.publicity import PublicAwardView
from bidding.core.http.dependencies import PlatformDep
from bidding.core.http.openapi import wire
from storage.signing import content_disposition


class PublicAwardController(Controller):
    path = "/api/public/awards"
    tags = ["public"]

    @get(
        "/lots/{lot_id:uuid}",
        opt=wire(errors=[404]),
        summary="A lot's candidate publicity (中标候选人公示) once published, and the result once sent (条例 54)",
    )
    async def lot(self, lot_id: FromPath[uuid.UUID], platform: PlatformDep) -> PublicAwardView:
        return await publicity.public_view(platform, lot_id)

    @get(
        "/{award_id:uuid}/publicity.pdf",
        opt=wire(response=["application/pdf"], errors=[404]),
        summary="The publicity PDF, signed by the platform",
    )
    async def pdf(self, award_id: FromPath[uuid.UUID], platform: PlatformDep) -> Response[bytes]:
        data = await publicity.publicity_pdf(platform, award_id)
        return Response(
            data,
            media_type="application/pdf",
            headers={"Content-Disposition": content_disposition("中标候选人公示.pdf")},
        )
