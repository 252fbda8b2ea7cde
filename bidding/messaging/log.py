"""Reading messages: the delivery log for the centre's administrator and auditor, and a recipient's
in-app inbox.

The delivery log shows every notice with its attempts and outcome and every reply with what became
of it, each address masked (``138****8000``): an operator sees that the notice reached someone,
never whom to call. It shows subjects, not bodies (a body may name what is still sealed). The inbox
shows a person or an organisation the in-app notices addressed to it, whole.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Final

from sqlalchemy import select

from bidding.core.auth.caller import Caller
from bidding.messaging.addresses import mask
from bidding.messaging.channels import ChannelKind
from bidding.messaging.errors import MessageNotFound
from bidding.messaging.models import Message, MessageReply
from bidding.messaging.replies import inbox_addresses
from bidding.messaging.states import MessageStatus, ReplyOutcome

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "MAX_LISTED",
    "InboxItem",
    "LoggedMessage",
    "LoggedReply",
    "MessageDetail",
    "delivery_log",
    "inbox",
    "message_detail",
    "replies_log",
]

MAX_LISTED: Final = 500


@dataclass(frozen=True)
class LoggedMessage:
    id: uuid.UUID
    channel: ChannelKind
    #: Masked: ``138****8000``, ``z***@example.com``.
    recipient: str
    purpose: str
    reference: str
    subject_zh: str
    status: MessageStatus
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    provider: str | None
    provider_message_id: str | None
    reply_until: datetime | None
    answered_at: datetime | None
    answer: str | None
    created_at: datetime
    created_by: str
    sent_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None

    @classmethod
    def of(cls, m: Message) -> LoggedMessage:
        return cls(
            id=m.id,
            channel=m.channel,
            recipient=mask(m.channel, m.recipient),
            purpose=m.purpose,
            reference=m.reference,
            subject_zh=m.subject_zh,
            status=m.status,
            attempts=m.attempts,
            next_attempt_at=m.next_attempt_at,
            last_error=m.last_error,
            provider=m.provider,
            provider_message_id=m.provider_message_id,
            reply_until=m.reply_until,
            answered_at=m.answered_at,
            answer=m.answer,
            created_at=m.created_at,
            created_by=m.created_by,
            sent_at=m.sent_at,
            delivered_at=m.delivered_at,
            failed_at=m.failed_at,
        )


@dataclass(frozen=True)
class LoggedReply:
    id: int
    channel: ChannelKind
    provider: str
    #: Masked like a recipient (an in-app answer shows the answering certificate's actor id).
    sender: str
    content: str
    choice: str | None
    message_id: uuid.UUID | None
    outcome: ReplyOutcome
    detail: str | None
    received_at: datetime

    @classmethod
    def of(cls, r: MessageReply) -> LoggedReply:
        return cls(
            id=r.id,
            channel=r.channel,
            provider=r.provider,
            sender=mask(r.channel, r.sender),
            content=r.content,
            choice=r.choice,
            message_id=r.message_id,
            outcome=r.outcome,
            detail=r.detail,
            received_at=r.received_at,
        )


@dataclass(frozen=True)
class MessageDetail:
    message: LoggedMessage
    replies: list[LoggedReply]


async def delivery_log(
    platform: Platform,
    *,
    channel: ChannelKind | None = None,
    status: MessageStatus | None = None,
    purpose: str | None = None,
    reference: str | None = None,
    before: datetime | None = None,
    limit: int = 100,
) -> list[LoggedMessage]:
    """Messages, newest first; page with ``before`` = the last one's ``created_at``."""
    query = select(Message).order_by(Message.created_at.desc(), Message.id.desc()).limit(min(limit, MAX_LISTED))
    if channel is not None:
        query = query.where(Message.channel == channel)
    if status is not None:
        query = query.where(Message.status == status)
    if purpose is not None:
        query = query.where(Message.purpose == purpose)
    if reference is not None:
        query = query.where(Message.reference == reference)
    if before is not None:
        query = query.where(Message.created_at < before)
    async with platform.sessions() as session:
        return [LoggedMessage.of(m) for m in (await session.scalars(query)).all()]


async def message_detail(platform: Platform, message_id: uuid.UUID) -> MessageDetail:
    async with platform.sessions() as session:
        message = await session.get(Message, message_id)
        if message is None:
            raise MessageNotFound()
        replies = (
            await session.scalars(
                select(MessageReply).where(MessageReply.message_id == message_id).order_by(MessageReply.id)
            )
        ).all()
    return MessageDetail(LoggedMessage.of(message), [LoggedReply.of(r) for r in replies])


async def replies_log(
    platform: Platform, *, outcome: ReplyOutcome | None = None, after_id: int = 0, limit: int = 100
) -> list[LoggedReply]:
    """Inbound replies, oldest first after ``after_id`` (the unmatched ones are an operator's to look at)."""
    query = select(MessageReply).where(MessageReply.id > after_id).order_by(MessageReply.id)
    if outcome is not None:
        query = query.where(MessageReply.outcome == outcome)
    async with platform.sessions() as session:
        rows = (await session.scalars(query.limit(min(limit, MAX_LISTED)))).all()
    return [LoggedReply.of(r) for r in rows]


@dataclass(frozen=True)
class InboxItem:
    id: uuid.UUID
    purpose: str
    subject_zh: str
    subject_en: str | None
    body_zh: str
    body_en: str | None
    #: What may be answered (``1``) → what it means (``accept``); empty: nothing to answer.
    answers: dict[str, str]
    reply_until: datetime | None
    answered_at: datetime | None
    answer: str | None
    created_at: datetime


async def inbox(platform: Platform, caller: Caller, *, limit: int = 100) -> list[InboxItem]:
    """The in-app notices addressed to the caller's certificate or organisation, newest first."""
    addresses = inbox_addresses(caller)
    if not addresses:
        return []
    query = (
        select(Message)
        .where(Message.channel == ChannelKind.IN_APP, Message.recipient.in_(sorted(addresses)))
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(min(limit, MAX_LISTED))
    )
    async with platform.sessions() as session:
        rows = (await session.scalars(query)).all()
    return [
        InboxItem(
            id=m.id,
            purpose=m.purpose,
            subject_zh=m.subject_zh,
            subject_en=m.subject_en,
            body_zh=m.body_zh,
            body_en=m.body_en,
            answers=dict(m.answers),
            reply_until=m.reply_until,
            answered_at=m.answered_at,
            answer=m.answer,
            created_at=m.created_at,
        )
        for m in rows
    ]
