"""The delivery log (``/api/admin/messages``): every notice with its attempts and outcome, every
inbound reply with what became of it, addresses masked. The centre's administrator and auditor read
it; no one writes it here (the use cases of :mod:`bidding.messaging.log`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from litestar import Controller, get
from litestar.params import FromPath, FromQuery, QueryParameter

from bidding.core.fields import QUERY_BIGINT_CURSOR, query_moment
from bidding.core.http.dependencies import PlatformDep
from bidding.core.http.guards import requires
from bidding.core.roles import Role
from bidding.messaging import log
from bidding.messaging.channels import PURPOSE_PATTERN, REFERENCE_PATTERN, ChannelKind
from bidding.messaging.log import LoggedMessage, LoggedReply, MessageDetail
from bidding.messaging.states import MessageStatus, ReplyOutcome


class MessageLogController(Controller):
    path = "/api/admin"
    tags = ["admin"]
    guards = [requires(Role.ADMIN, Role.AUDITOR)]

    @get("/messages", summary="The delivery log: notices newest first, addresses masked")
    async def messages(
        self,
        platform: PlatformDep,
        channel: FromQuery[ChannelKind | None] = None,
        status: FromQuery[MessageStatus | None] = None,
        purpose: Annotated[str | None, QueryParameter(max_length=64, pattern=PURPOSE_PATTERN)] = None,
        reference: Annotated[str | None, QueryParameter(max_length=200, pattern=REFERENCE_PATTERN)] = None,
        before: Annotated[
            datetime | None, QueryParameter(description="Only notices created before this time (the next page)")
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=log.MAX_LISTED)] = 100,
    ) -> list[LoggedMessage]:
        return await log.delivery_log(
            platform,
            channel=channel,
            status=status,
            purpose=purpose,
            reference=reference,
            before=query_moment("before", before),
            limit=limit,
        )

    @get("/messages/{message_id:uuid}", summary="One notice of the delivery log, with its replies")
    async def message(self, message_id: FromPath[uuid.UUID], platform: PlatformDep) -> MessageDetail:
        return await log.message_detail(platform, message_id)

    @get("/message-replies", summary="Inbound replies (SMS, keypresses, in-app), oldest first after a cursor")
    async def message_replies(
        self,
        platform: PlatformDep,
        outcome: FromQuery[ReplyOutcome | None] = None,
        after_id: Annotated[int, QUERY_BIGINT_CURSOR] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=log.MAX_LISTED)] = 100,
    ) -> list[LoggedReply]:
        return await log.replies_log(platform, outcome=outcome, after_id=after_id, limit=limit)
