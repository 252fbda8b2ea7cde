"""Inbound answers and reports, routed back to the capability that asked.

**Registering.** A capability that expects answers writes a handler (an async function taking an
:class:`Answer`) and the composition root lists it under the notices' purpose
(``bidding/catalogue.py::REPLY_HANDLERS``)::

    REPLY_HANDLERS = ReplyHandlers({"expert.invitation": bidding.experts.answers.on_answer})

Nothing registers by being imported, and messaging imports no capability.

**Matching** (:func:`record_reply`). An SMS reply names only its sender, so it answers the newest
message to that number that offers answers, still open (``reply_until`` ahead, not answered). A
keypress names its call (the ``OutId`` echoed back), so it answers that call's message. An in-app
answer names its message. The text or keys are read against the message's answers
(:func:`bidding.messaging.answers.choice_of`); the first understood answer closes the question — a
conditional UPDATE, so two answers arriving together cannot both count — and the handler runs in the
same transaction as the reply's record: the answer and its effect commit together or not at all. A
handler's refusal (a :class:`~bidding.core.errors.DomainError`, e.g. the seat was filled meanwhile) is
kept with its code and leaves the question open. Every reply is kept, matched or not, with an audit
event (``message.reply``), and recorded once per provider id: a provider pushing again after a lost
acknowledgement changes nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.errors import DomainError
from bidding.core.transitions import move
from bidding.messaging import callbacks
from bidding.messaging.addresses import mask
from bidding.messaging.answers import choice_of
from bidding.messaging.channels import ChannelKind, Notice
from bidding.messaging.config import sms_provider, voice_provider
from bidding.messaging.errors import CallbackInvalid, CallbackUnauthenticated, MessageNotFound, NoAnswerExpected
from bidding.messaging.inbound import DeliveryReport, PushInvalid
from bidding.messaging.models import Message, MessageReply
from bidding.messaging.service import QueuedMessage, dispatch, queue_message
from bidding.messaging.states import MESSAGE_TRANSITIONS, MessageStatus, ReplyOutcome

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "Answer",
    "Inbound",
    "PushKind",
    "Recorded",
    "ReplyHandler",
    "ReplyHandlers",
    "answer_in_app",
    "inbox_addresses",
    "receive_push",
    "record_reply",
]

log = logging.getLogger("bidding.messaging")


class PushKind(StrEnum):
    """What a provider pushes to ``/api/messaging/callbacks/<kind>``."""

    SMS_REPLIES = "sms-replies"  # 上行短信
    SMS_REPORTS = "sms-reports"  # 状态报告
    VOICE_REPORTS = "voice-reports"  # call records with the keys pressed


@dataclass
class Answer:
    """What a reply handler gets: the answered message, the choice, and the reply's transaction."""

    session: AsyncSession
    platform: Platform
    #: ``system:messaging`` for a provider's push, the person for an in-app answer.
    actor: Actor
    message_id: uuid.UUID
    purpose: str
    #: The reference the asking capability gave its notice.
    reference: str
    channel: ChannelKind
    #: The choice of the message's answers (``accept``) the reply meant.
    choice: str
    #: What was sent: an SMS's text, the keys pressed.
    content: str
    received_at: datetime
    followups: list[QueuedMessage] = field(default_factory=list)

    async def queue(self, notice: Notice, *, reply_within: timedelta | None = None) -> QueuedMessage:
        """Queue a follow-up notice (the next backup's invitation) in this transaction; it is
        dispatched once the reply's transaction commits."""
        queued = await queue_message(
            self.session, self.platform, notice, actor=self.actor, reply_within=reply_within, now=self.received_at
        )
        self.followups.append(queued)
        return queued


ReplyHandler = Callable[[Answer], Awaitable[None]]


class ReplyHandlers:
    """Reply handlers by purpose, fixed when built (the composition root's list)."""

    def __init__(self, handlers: Mapping[str, ReplyHandler]) -> None:
        self._handlers: Mapping[str, ReplyHandler] = MappingProxyType(dict(handlers))

    def get(self, purpose: str) -> ReplyHandler | None:
        return self._handlers.get(purpose)

    @property
    def purposes(self) -> frozenset[str]:
        return frozenset(self._handlers)

    def with_handler(self, purpose: str, handler: ReplyHandler) -> ReplyHandlers:
        """A new registry with one more handler (the app is given the registry it runs with)."""
        if purpose in self._handlers:
            raise ValueError(f"a reply handler for {purpose!r} is registered already")
        return ReplyHandlers({**self._handlers, purpose: handler})


@dataclass(frozen=True)
class Inbound:
    """One inbound answer as :func:`record_reply` takes it, whichever way it came."""

    channel: ChannelKind
    provider: str
    provider_ref: str
    sender: str
    content: str
    #: The message it names (a call's ``OutId``, an in-app answer's message); None: match by sender.
    out_id: str | None = None
    message_id: uuid.UUID | None = None
    sent_at: datetime | None = None


@dataclass(frozen=True)
class Recorded:
    reply_id: int
    outcome: ReplyOutcome
    choice: str | None
    #: Why it was refused (the handler's error code) or late.
    detail: str | None
    message_id: uuid.UUID | None
    followups: tuple[QueuedMessage, ...]


async def record_reply(
    session: AsyncSession, platform: Platform, handlers: ReplyHandlers, inbound: Inbound, *, actor: Actor
) -> Recorded | None:
    """Keep ``inbound``, match it, and hand an understood answer to its purpose's handler, all in
    ``session``'s transaction; None when this provider's message was recorded before."""
    inbound = replace(
        inbound,
        provider_ref=_printable(inbound.provider_ref)[:200],
        sender=inbound.sender[:200],
        content=_printable(inbound.content)[:1000],
    )
    seen = await session.scalar(
        select(MessageReply.id).where(
            MessageReply.provider == inbound.provider,
            MessageReply.channel == inbound.channel,
            MessageReply.provider_ref == inbound.provider_ref,
        )
    )
    if seen is not None:
        return None
    now = platform.clock.now()
    message = await _match(session, inbound, now)
    outcome, choice, detail = ReplyOutcome.UNMATCHED, None, None
    followups: tuple[QueuedMessage, ...] = ()
    if message is not None:
        outcome, choice, detail, followups = await _answer(session, platform, handlers, message, inbound, now, actor)
    reply = MessageReply(
        channel=inbound.channel,
        provider=inbound.provider,
        provider_ref=inbound.provider_ref,
        sender=inbound.sender,
        content=inbound.content,
        choice=choice,
        message_id=message.id if message is not None else None,
        outcome=outcome,
        detail=detail,
        sent_at=inbound.sent_at,
        received_at=now,
    )
    session.add(reply)
    await session.flush()
    record(
        session,
        actor,
        "message.reply",
        object_type="message" if message is not None else "message_reply",
        object_id=str(message.id) if message is not None else str(reply.id),
        details={
            "reply": reply.id,
            "channel": inbound.channel.value,
            "sender": mask(inbound.channel, inbound.sender),
            "outcome": outcome.value,
            "choice": choice,
            "detail": detail,
            "purpose": message.purpose if message is not None else None,
            "reference": message.reference if message is not None else None,
        },
    )
    return Recorded(reply.id, outcome, choice, detail, reply.message_id, followups)


# C0 and C1 controls but tab and line breaks: PostgreSQL refuses NUL, the rest are terminal tricks.
_CONTROLS = {c: None for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))}


def _printable(text: str) -> str:
    """An SMS's text as it is kept: without control characters (a provider passes on what it got)."""
    return text.translate(_CONTROLS)


async def _match(session: AsyncSession, inbound: Inbound, now: datetime) -> Message | None:
    """The message ``inbound`` answers (see the module's "Matching"), or None."""
    query = select(Message).where(Message.channel == inbound.channel)
    if inbound.message_id is not None:
        return await session.scalar(query.where(Message.id == inbound.message_id))
    if inbound.out_id is not None:
        return await session.scalar(query.where(Message.out_id == inbound.out_id))
    asking = query.where(Message.recipient == inbound.sender, Message.reply_until.is_not(None))
    open_ = await session.scalar(
        asking.where(Message.answered_at.is_(None), Message.reply_until > now)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    )
    if open_ is not None:
        return open_
    # None open: the newest that asked, so a late answer is kept as late rather than as unmatched.
    return await session.scalar(asking.order_by(Message.created_at.desc(), Message.id.desc()).limit(1))


async def _answer(
    session: AsyncSession,
    platform: Platform,
    handlers: ReplyHandlers,
    message: Message,
    inbound: Inbound,
    now: datetime,
    actor: Actor,
) -> tuple[ReplyOutcome, str | None, str | None, tuple[QueuedMessage, ...]]:
    if not message.answers or message.reply_until is None:
        return ReplyOutcome.UNMATCHED, None, "the message asked for no answer", ()
    if message.answered_at is not None:
        return ReplyOutcome.LATE, None, f"answered already ({message.answer})", ()
    if message.reply_until <= now:
        return ReplyOutcome.LATE, None, "the answer window had closed", ()
    choice = choice_of(inbound.content, message.answers)
    if choice is None:
        return ReplyOutcome.UNRECOGNISED, None, None, ()
    handler = handlers.get(message.purpose)
    if handler is None:
        log.error("no reply handler for a purpose that offers answers", extra={"purpose": message.purpose})
        return ReplyOutcome.REFUSED, choice, f"no handler for {message.purpose}", ()
    answer = Answer(
        session=session,
        platform=platform,
        actor=actor,
        message_id=message.id,
        purpose=message.purpose,
        reference=message.reference,
        channel=message.channel,
        choice=choice,
        content=inbound.content,
        received_at=now,
    )
    try:
        async with session.begin_nested():
            closed = await session.execute(
                update(Message)
                .where(Message.id == message.id, Message.answered_at.is_(None), Message.reply_until > now)
                .values(answered_at=now, answer=choice)
                .execution_options(synchronize_session=False)
            )
            if int(getattr(closed, "rowcount", 0) or 0) != 1:
                return ReplyOutcome.LATE, None, "answered already", ()
            await handler(answer)
    except DomainError as exc:
        return ReplyOutcome.REFUSED, choice, exc.code, ()
    await session.refresh(message)
    if message.status is MessageStatus.SENT:
        # An answer is proof the message reached the person, whatever report comes later.
        message.status = move(MESSAGE_TRANSITIONS, message.status, MessageStatus.DELIVERED, what="message")
        message.delivered_at = now
    return ReplyOutcome.DISPATCHED, choice, None, tuple(answer.followups)


async def _apply_report(session: AsyncSession, platform: Platform, report: DeliveryReport, actor: Actor) -> bool:
    """Mark a sent message delivered or failed by its provider's report; False if none was waiting."""
    # The OutId the provider echoes names the message; its own id only when a report lacks it.
    if report.out_id:
        key = Message.out_id == report.out_id
    elif report.provider_message_id:
        key = Message.provider_message_id == report.provider_message_id
    else:
        return False
    message = await session.scalar(select(Message).where(key).limit(1).with_for_update())
    if message is None or message.status is not MessageStatus.SENT:
        return False  # unknown, or a report repeated after the first one settled it
    now = platform.clock.now()
    if report.delivered:
        message.status = move(MESSAGE_TRANSITIONS, message.status, MessageStatus.DELIVERED, what="message")
        message.delivered_at = report.reported_at or now
    else:
        message.status = move(MESSAGE_TRANSITIONS, message.status, MessageStatus.FAILED, what="message")
        message.failed_at = report.reported_at or now
        message.last_error = f"undelivered: {report.detail}"[:500]
    record(
        session,
        actor,
        "message.delivered" if report.delivered else "message.undelivered",
        object_type="message",
        object_id=str(message.id),
        details={
            "channel": message.channel.value,
            "recipient": mask(message.channel, message.recipient),
            "purpose": message.purpose,
            "reference": message.reference,
            "report": report.detail,
        },
    )
    return True


async def receive_push(
    platform: Platform,
    handlers: ReplyHandlers,
    kind: PushKind,
    body: bytes,
    signature: str | None,
    *,
    caller: Caller,
) -> dict[str, int]:
    """A provider's push (``POST /api/messaging/callbacks/<kind>``): authenticated by
    :mod:`bidding.messaging.callbacks`, parsed by the configured provider's adapter, each item kept
    in a transaction of its own (so a batch a provider pushes again after a failure records only
    what was not recorded). Counts of what was taken."""
    secret = platform.settings.messaging_callback_secret
    if secret is None:
        raise CallbackUnauthenticated("the platform takes no pushes (BIDDING_MESSAGING_CALLBACK_SECRET is unset)")
    try:
        callbacks.verify(secret, signature, body, platform.clock.now())
    except callbacks.BadSignature as exc:
        raise CallbackUnauthenticated(str(exc)) from None
    actor = caller.acting_as("system:messaging-callback")
    try:
        if kind == "sms-replies":
            provider = sms_provider(platform.settings)
            texts = provider.replies(body)
            inbound = [
                Inbound(ChannelKind.SMS, provider.name, t.provider_ref, t.sender, t.content, sent_at=t.sent_at)
                for t in texts
            ]
            reports: list[DeliveryReport] = []
        elif kind == "sms-reports":
            inbound, reports = [], sms_provider(platform.settings).reports(body)
        else:
            voice = voice_provider(platform.settings)
            reports, keys = voice.reports(body)
            inbound = [
                Inbound(ChannelKind.VOICE, voice.name, k.provider_ref, k.callee, k.keys, out_id=k.out_id, sent_at=k.at)
                for k in keys
            ]
    except PushInvalid as exc:
        raise CallbackInvalid(str(exc)) from None
    counts = {"reports": 0, "replies": 0, "duplicates": 0}
    for report in reports:  # before the keypresses: a call's record says it was answered first
        async with platform.sessions() as session, session.begin():
            counts["reports"] += await _apply_report(session, platform, report, actor)
    for item in inbound:
        recorded = await _record_once(platform, handlers, item, actor)
        counts["replies" if recorded is not None else "duplicates"] += 1
    return counts


async def _record_once(platform: Platform, handlers: ReplyHandlers, item: Inbound, actor: Actor) -> Recorded | None:
    try:
        async with platform.sessions() as session, session.begin():
            recorded = await record_reply(session, platform, handlers, item, actor=actor)
    except IntegrityError:
        return None  # the same push, taken concurrently by another request: its record stands
    if recorded is not None:
        await dispatch(platform, recorded.followups)
    return recorded


async def answer_in_app(
    platform: Platform, handlers: ReplyHandlers, caller: Caller, message_id: uuid.UUID, answer: str
) -> Recorded:
    """The recipient of an in-app notice answers it in the inbox (``answer`` is one of its offered
    answers, e.g. ``1``); the same path as an SMS reply."""
    async with platform.sessions() as session:
        message = await session.get(Message, message_id)
    if message is None or message.channel is not ChannelKind.IN_APP or message.recipient not in inbox_addresses(caller):
        raise MessageNotFound()
    if not message.answers:
        raise NoAnswerExpected()
    item = Inbound(
        ChannelKind.IN_APP,
        "in_app",
        uuid.uuid4().hex,
        caller.actor_id,
        answer,
        message_id=message_id,
        sent_at=platform.clock.now(),
    )
    async with platform.sessions() as session, session.begin():
        recorded = await record_reply(session, platform, handlers, item, actor=caller.actor)
    assert recorded is not None  # a fresh provider_ref is never a duplicate
    await dispatch(platform, recorded.followups)
    return recorded


def inbox_addresses(caller: Caller) -> set[str]:
    """The in-app addresses a caller reads: its certificate's, and its organisation's."""
    addresses = {caller.actor_id} if caller.actor_id.startswith("cert:") else set()
    if caller.organization_id is not None:
        addresses.add(f"org:{caller.organization_id}")
    return addresses
