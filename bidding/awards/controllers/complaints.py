"""Complaints (投诉) on the wire: a bidder files a signed complaint within 10 days, the supervisor
accepts or refuses it within 3 working days and decides within 30 (条例 60–61). The use cases are
:mod:`bidding.awards.complaints`; this only translates the wire."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from bidding.awards import complaints
from bidding.awards.complaints import (
    ComplaintInput,
    ComplaintStatementInput,
    ComplaintView,
    DecisionInput,
    RefusalInput,
)
from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role

AwardId = FromPath[uuid.UUID]
ComplaintId = FromPath[uuid.UUID]
READERS = (Role.BIDDER, Role.TENDERER, Role.AGENT, Role.SUPERVISOR, Role.AUDITOR)


class AwardComplaintController(Controller):
    path = "/api/awards"
    tags = ["awards"]

    @post(
        "/{award_id:uuid}/complaints/statement",
        status_code=HTTP_200_OK,
        guards=[requires(Role.BIDDER)],
        opt=wire(errors=[403, 404, 409, 422]),
        summary="The statement a bidder signs to complain (within 10 days, the objection's time not counted; 条例 60)",
    )
    async def statement(
        self, award_id: AwardId, data: JSONBody[ComplaintStatementInput], platform: PlatformDep, caller: CallerDep
    ) -> dict[str, Any]:
        return await complaints.complaint_statement(platform, caller, award_id, data)

    @post(
        "/{award_id:uuid}/complaints",
        status_code=HTTP_201_CREATED,
        guards=[requires(Role.BIDDER)],
        opt=wire(errors=[403, 404, 409, 422]),
        summary="A bidder's signed complaint to the supervisor; acceptance due within 3 working days (条例 60–61)",
    )
    async def file(
        self, award_id: AwardId, data: JSONBody[ComplaintInput], platform: PlatformDep, caller: CallerDep
    ) -> ComplaintView:
        return await complaints.file_complaint(platform, caller, award_id, data)

    @get(
        "/{award_id:uuid}/complaints",
        guards=[requires(*READERS)],
        opt=wire(errors=[403, 404]),
        summary="The award's complaints: all for the supervisor and the project, a bidder's own",
    )
    async def list_complaints(self, award_id: AwardId, platform: PlatformDep, caller: CallerDep) -> list[ComplaintView]:
        return await complaints.list_complaints(platform, caller, award_id)

    @post(
        "/{award_id:uuid}/complaints/{complaint_id:uuid}/accept",
        status_code=HTTP_200_OK,
        guards=[requires(Role.SUPERVISOR)],
        opt=wire(errors=[403, 404, 409]),
        summary="The supervisor accepts a complaint; the decision is due within 30 working days (条例 61)",
    )
    async def accept(
        self, award_id: AwardId, complaint_id: ComplaintId, platform: PlatformDep, caller: CallerDep
    ) -> ComplaintView:
        return await complaints.accept_complaint(platform, caller, award_id, complaint_id)

    @post(
        "/{award_id:uuid}/complaints/{complaint_id:uuid}/refuse",
        status_code=HTTP_200_OK,
        guards=[requires(Role.SUPERVISOR)],
        opt=wire(errors=[403, 404, 409]),
        summary="The supervisor does not accept a complaint, with the reason (条例 61)",
    )
    async def refuse(
        self,
        award_id: AwardId,
        complaint_id: ComplaintId,
        data: JSONBody[RefusalInput],
        platform: PlatformDep,
        caller: CallerDep,
    ) -> ComplaintView:
        return await complaints.refuse_complaint(platform, caller, award_id, complaint_id, data)

    @post(
        "/{award_id:uuid}/complaints/{complaint_id:uuid}/decide",
        status_code=HTTP_200_OK,
        guards=[requires(Role.SUPERVISOR)],
        opt=wire(errors=[403, 404, 409]),
        summary="The supervisor's written decision on an accepted complaint (条例 61)",
    )
    async def decide(
        self,
        award_id: AwardId,
        complaint_id: ComplaintId,
        data: JSONBody[DecisionInput],
        platform: PlatformDep,
        caller: CallerDep,
    ) -> ComplaintView:
        return await complaints.decide_complaint(platform, caller, award_id, complaint_id, data)
