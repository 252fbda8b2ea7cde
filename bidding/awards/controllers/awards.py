"""The award on the wire (``/api/awards``): the caller's awards, one award as its role sees it, the
tenderer's choice of the winner (条例 55), the notice batch (法 45) and its notices, a winner's
withdrawal. The use cases are :mod:`bidding.awards.service`, :mod:`bidding.awards.choice` and
:mod:`bidding.awards.notices`; this only translates the wire."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from bidding.awards import choice, notices, service
from bidding.awards.choice import ChoiceInput, WithdrawalInput
from bidding.awards.notices import NoticeBatchView
from bidding.awards.states import AwardState
from bidding.awards.views import AwardView, NoticeView
from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role
from storage.signing import content_disposition

AwardId = FromPath[uuid.UUID]
NoticeFile = FromPath[str]
READERS = (Role.TENDERER, Role.AGENT, Role.BIDDER, Role.SUPERVISOR, Role.AUDITOR)
PROJECT = (Role.TENDERER, Role.AGENT)


def _pdf(data: bytes, filename: str) -> Response[bytes]:
    return Response(data, media_type="application/pdf", headers={"Content-Disposition": content_disposition(filename)})


class AwardController(Controller):
    """An award (定标) from the final report to the contract: reading, choosing, notifying."""

    path = "/api/awards"
    tags = ["awards"]

    @get(
        "",
        guards=[requires(*READERS)],
        opt=wire(errors=[403]),
        summary="The caller's awards: the project's, the lots a bidder bid in, all for the supervisor (?state=)",
    )
    async def list_awards(
        self,
        platform: PlatformDep,
        caller: CallerDep,
        award_state: Annotated[AwardState | None, QueryParameter(name="state")] = None,
    ) -> list[AwardView]:
        return await service.list_awards(platform, caller, award_state)

    @get(
        "/{award_id:uuid}",
        guards=[requires(*READERS)],
        opt=wire(errors=[403, 404, 409]),
        summary="The award as the caller's role sees it (a bidder: the published candidates, its own rank and notice)",
    )
    async def get_award(self, award_id: AwardId, platform: PlatformDep, caller: CallerDep) -> AwardView:
        return await service.get_award(platform, caller, award_id)

    @post(
        "/{award_id:uuid}/choice",
        status_code=HTTP_200_OK,
        guards=[requires(Role.TENDERER)],
        opt=wire(errors=[403, 404, 409, 422]),
        summary="The tenderer chooses the winner: rank 1, or a lower rank with a reason for each skipped one (条例 55)",
    )
    async def choose(
        self, award_id: AwardId, data: JSONBody[ChoiceInput], platform: PlatformDep, caller: CallerDep
    ) -> AwardView:
        return await choice.choose(platform, caller, award_id, data)

    @post(
        "/{award_id:uuid}/notices",
        status_code=HTTP_200_OK,
        guards=[requires(*PROJECT)],
        opt=wire(errors=[403, 404, 409]),
        summary="Send the batch: the award notice to the winner, a result notice to every other bidder, the "
        "result announcement (法 45); once",
    )
    async def send_notices(self, award_id: AwardId, platform: PlatformDep, caller: CallerDep) -> NoticeBatchView:
        return await notices.send_notices(platform, caller, award_id)

    @get(
        "/{award_id:uuid}/notices",
        guards=[requires(*READERS)],
        opt=wire(errors=[403, 404, 409]),
        summary="The notices of every batch (the project, the supervisor); a bidder its own",
    )
    async def list_notices(self, award_id: AwardId, platform: PlatformDep, caller: CallerDep) -> list[NoticeView]:
        return await notices.list_notices(platform, caller, award_id)

    @get(
        "/{award_id:uuid}/notices/{notice_file:str}",
        guards=[requires(*READERS)],
        opt=wire(response=["application/pdf"], errors=[403, 404, 409]),
        summary="A notice's PDF, signed by the platform (a bidder: its own only)",
    )
    async def notice_pdf(
        self, award_id: AwardId, notice_file: NoticeFile, platform: PlatformDep, caller: CallerDep
    ) -> Response[bytes]:
        data, filename = await notices.notice_pdf(platform, caller, award_id, notices.pdf_name(notice_file))
        return _pdf(data, filename)

    @post(
        "/{award_id:uuid}/winner-withdrawal",
        status_code=HTTP_200_OK,
        guards=[requires(*PROJECT)],
        opt=wire(errors=[403, 404, 409, 422]),
        summary="The winner declined, cannot perform, gave no security or broke the law (条例 55): choose again",
    )
    async def winner_withdrawal(
        self, award_id: AwardId, data: JSONBody[WithdrawalInput], platform: PlatformDep, caller: CallerDep
    ) -> AwardView:
        return await choice.withdraw_winner(platform, caller, award_id, data)
