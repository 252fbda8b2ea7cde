"""A logged-in user's in-app notices (``/api/me/messages``): those addressed to its certificate or its
organisation, and the answer to one that asks (routed like an SMS reply or a keypress)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from bidding.core.fields import NAME_PATTERN, Body
from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import organisation_user
from bidding.messaging import log, replies
from bidding.messaging.controllers.dependencies import ReplyHandlersDep
from bidding.messaging.log import InboxItem
from bidding.messaging.states import ReplyOutcome


class AnswerInput(Body, frozen=True):
    #: One of the notice's offered answers (``1``, ``接受``).
    answer: Annotated[str, msgspec.Meta(min_length=1, max_length=16, pattern=NAME_PATTERN)]


@dataclass(frozen=True)
class AnswerView:
    #: ``dispatched``: taken; ``unrecognised``: not one of the answers; ``late``: closed already;
    #: ``refused``: the asking capability refused it (``detail``).
    outcome: ReplyOutcome
    choice: str | None
    detail: str | None


class InboxController(Controller):
    path = "/api/me/messages"
    tags = ["identity"]
    guards = [organisation_user]

    @get("/", summary="In-app notices to me or my organisation, newest first")
    async def inbox(
        self,
        platform: PlatformDep,
        caller: CallerDep,
        limit: Annotated[int, QueryParameter(ge=1, le=log.MAX_LISTED)] = 100,
    ) -> list[InboxItem]:
        return await log.inbox(platform, caller, limit=limit)

    @post(
        "/{message_id:uuid}/answer",
        status_code=HTTP_200_OK,
        summary="Answer an in-app notice that asks (one of its answers)",
    )
    async def answer(
        self,
        message_id: FromPath[uuid.UUID],
        data: JSONBody[AnswerInput],
        platform: PlatformDep,
        caller: CallerDep,
        reply_handlers: ReplyHandlersDep,
    ) -> AnswerView:
        recorded = await replies.answer_in_app(platform, reply_handlers, caller, message_id, data.answer)
        return AnswerView(outcome=recorded.outcome, choice=recorded.choice, detail=recorded.detail)
