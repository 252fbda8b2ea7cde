"""A bidder's own award and result notices across awards (``/api/me/award-notices``); reading a PDF
marks it read. The use cases are :mod:`bidding.awards.notices`."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get
from litestar.params import FromPath

from bidding.awards import notices
from bidding.awards.notices import MyNoticeView
from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role
from bidding.transparency.proofs import MEDIA_TYPE as TLOG_PROOF
from storage.signing import content_disposition

NoticeFile = FromPath[str]


class MyAwardNoticesController(Controller):
    """The bidder's workspace of notices (中标通知书, 中标结果通知书)."""

    path = "/api/me/award-notices"
    tags = ["awards"]
    guards = [requires(Role.BIDDER)]

    @get("", opt=wire(errors=[403]), summary="The bidder's notices across awards, newest first")
    async def list_mine(self, platform: PlatformDep, caller: CallerDep) -> list[MyNoticeView]:
        return await notices.my_notices(platform, caller)

    @get(
        "/{notice_file:str}",
        opt=wire(response=["application/pdf"], errors=[403, 404]),
        summary="One of the bidder's notices, signed by the platform; marked read",
    )
    async def pdf(self, notice_file: NoticeFile, platform: PlatformDep, caller: CallerDep) -> Response[bytes]:
        data, filename = await notices.my_notice_pdf(platform, caller, notices.pdf_name(notice_file))
        return Response(
            data, media_type="application/pdf", headers={"Content-Disposition": content_disposition(filename)}
        )

    @get(
        "/{notice_id:uuid}/tlog-proof",
        opt=wire(response=[TLOG_PROOF], errors=[403, 404]),
        summary="The notice's inclusion proof in the transparency log (C2SP tlog-proof@v1): the award's "
        "`award.notices_sent` event, which lists each notice's SHA-256",
    )
    async def log_proof(
        self, notice_id: FromPath[uuid.UUID], platform: PlatformDep, caller: CallerDep
    ) -> Response[str]:
        text = await notices.my_notice_log_proof(platform, caller, notice_id)
        headers = {"Content-Disposition": content_disposition(f"notice-{notice_id}.tlog-proof")}
        return Response(text, media_type=TLOG_PROOF, headers=headers)
