"""Objections (异议) on the wire, with the agent's early publication of the publicity and the
attachments' upload (条例 54). The use cases are :mod:`bidding.awards.objections`,
:mod:`bidding.awards.publicity` and :mod:`bidding.awards.attachments`; this only translates the wire."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from bidding.awards import attachments, objections, publicity
from bidding.awards.attachments import MAX_ATTACHMENT_BYTES, AttachmentView
from bidding.awards.objections import AnswerInput, ObjectionInput, ObjectionStatementInput, ObjectionView
from bidding.awards.publicity import PublicAwardView
from bidding.core.fields import NAME_PATTERN
from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role

AwardId = FromPath[uuid.UUID]
PARTIES = (Role.BIDDER, Role.TENDERER, Role.AGENT)
READERS = (*PARTIES, Role.SUPERVISOR, Role.AUDITOR)
ATTACHMENT_TYPES = ["application/pdf", "image/jpeg", "image/png", "application/ofd", "application/zip"]


class AwardObjectionController(Controller):
    path = "/api/awards"
    tags = ["awards"]

    @post(
        "/{award_id:uuid}/publicity",
        status_code=HTTP_200_OK,
        guards=[requires(Role.AGENT)],
        opt=wire(errors=[403, 404, 409]),
        summary="The agent publishes the candidate publicity now, before the platform's clock does (条例 54)",
    )
    async def publish(self, award_id: AwardId, platform: PlatformDep, caller: CallerDep) -> PublicAwardView:
        return await publicity.publish(platform, caller, award_id)

    @put(
        "/{award_id:uuid}/attachments",
        status_code=HTTP_201_CREATED,
        guards=[requires(*PARTIES)],
        opt=wire(request=ATTACHMENT_TYPES, errors=[403, 404, 409, 413, 415]),
        request_max_body_size=MAX_ATTACHMENT_BYTES,
        summary="Upload an attachment for an objection, an answer or a complaint (raw body, ≤ 20 MiB; "
        "PDF, JPEG, PNG, OFD or ZIP); name it by its SHA-256 afterwards",
    )
    async def attachment(
        self,
        request: Request[Any, Any, Any],
        award_id: AwardId,
        platform: PlatformDep,
        caller: CallerDep,
        filename: Annotated[str, QueryParameter(min_length=1, max_length=200, pattern=NAME_PATTERN)],
    ) -> AttachmentView:
        return await attachments.upload(platform, caller, award_id, filename=filename, source=request.stream())

    @post(
        "/{award_id:uuid}/objections/statement",
        status_code=HTTP_200_OK,
        guards=[requires(Role.BIDDER)],
        opt=wire(errors=[403, 404, 409, 422]),
        summary="The statement a bidder signs to object (its text and the attachments' digests)",
    )
    async def statement(
        self, award_id: AwardId, data: JSONBody[ObjectionStatementInput], platform: PlatformDep, caller: CallerDep
    ) -> dict[str, Any]:
        return await objections.objection_statement(platform, caller, award_id, data)

    @post(
        "/{award_id:uuid}/objections",
        status_code=HTTP_201_CREATED,
        guards=[requires(Role.BIDDER)],
        opt=wire(errors=[403, 404, 409, 422]),
        summary="A bidder's signed objection during the publicity: the award is suspended until answered (条例 54)",
    )
    async def raise_objection(
        self, award_id: AwardId, data: JSONBody[ObjectionInput], platform: PlatformDep, caller: CallerDep
    ) -> ObjectionView:
        return await objections.raise_objection(platform, caller, award_id, data)

    @get(
        "/{award_id:uuid}/objections",
        guards=[requires(*READERS)],
        opt=wire(errors=[403, 404]),
        summary="The award's objections: all for the project and the supervisor, a bidder's own",
    )
    async def list_objections(self, award_id: AwardId, platform: PlatformDep, caller: CallerDep) -> list[ObjectionView]:
        return await objections.list_objections(platform, caller, award_id)

    @post(
        "/{award_id:uuid}/objections/{objection_id:uuid}/answer",
        status_code=HTTP_200_OK,
        guards=[requires(Role.TENDERER, Role.AGENT)],
        opt=wire(errors=[403, 404, 409, 422]),
        summary="The tenderer's or agent's answer (within 3 days); the last answer resumes the award",
    )
    async def answer(
        self,
        award_id: AwardId,
        objection_id: FromPath[uuid.UUID],
        data: JSONBody[AnswerInput],
        platform: PlatformDep,
        caller: CallerDep,
    ) -> ObjectionView:
        return await objections.answer_objection(platform, caller, award_id, objection_id, data)
