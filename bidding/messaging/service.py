"""What another capability calls: queue a notice in its own transaction, then dispatch it after the commit.

::

    async with platform.sessions() as session, session.begin():
        ...  # the capability's own change
        queued = await queue_message(session, platform, notice, actor=caller.actor, reply_within=timedelta(minutes=30))
    await dispatch(platform, [queued])

The message is written in the caller's transaction (with its ``message.queued`` audit event), so it
exists exactly when the caller's change does; :func:`dispatch` enqueues its delivery job once that
change is committed. Should the process die between the commit and :func:`dispatch`, the sweep
(``bidding.messaging.delivery.SWEEP_MESSAGES``) finds the message still queued and enqueues it: the
``messages`` table is the outbox. A reply handler queues its follow-ups through
:meth:`bidding.messaging.replies.Answer.queue` instead, which dispatches them after its commit.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.messaging.addresses import AddressError, mask, normalise
from bidding.messaging.channels import Attachment, ChannelKind, Notice
from bidding.messaging.config import available_channels
from bidding.messaging.delivery import DELIVER_MESSAGE, attempt_job_id
from bidding.messaging.errors import ChannelNotConfigured, InvalidNotice
from bidding.messaging.models import Message
from bidding.messaging.states import MESSAGE_START

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = ["MAX_REPLY_WINDOW", "QueuedMessage", "dispatch", "queue_message"]

log = logging.getLogger("bidding.messaging")

#: The longest an answer may be waited for (an expert's invitation waits minutes; a week is plenty).
MAX_REPLY_WINDOW = timedelta(days=7)
_OUT_ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class QueuedMessage:
    """A message recorded in the caller's transaction, to :func:`dispatch` after its commit."""

    id: uuid.UUID
    channel: ChannelKind
    #: The id of its first delivery job (``message:<id>:1``).
    job_id: str


async def queue_message(
    session: AsyncSession,
    platform: Platform,
    notice: Notice,
    *,
    actor: Actor,
    reply_within: timedelta | None = None,
    now: datetime | None = None,
) -> QueuedMessage:
    """Record ``notice`` as a queued message in ``session``'s transaction, with its audit event.

    A notice with ``answers`` expects one within ``reply_within`` (required then, at most
    :data:`MAX_REPLY_WINDOW`); the reply handler registered for its purpose gets it. Refused:
    :class:`InvalidNotice` (400) for a bad address or field, :class:`ChannelNotConfigured` (409) for a
    channel the deployment lacks (``bidding.messaging.config.available_channels``)."""
    now = now or platform.clock.now()
    problems = notice.problems()
    if notice.answers and reply_within is None:
        problems.append("a notice with answers needs reply_within")
    if reply_within is not None and not (timedelta(0) < reply_within <= MAX_REPLY_WINDOW):
        problems.append("reply_within must be more than 0 and at most 7 days")
    if reply_within is not None and not notice.answers:
        problems.append("reply_within is given, but the notice offers no answers")
    try:
        recipient = normalise(notice.channel, notice.recipient)
    except AddressError as exc:
        problems.append(f"recipient: {exc}")
        recipient = ""
    if problems:
        raise InvalidNotice("; ".join(problems), details=[{"problem": p} for p in problems])
    if notice.channel not in available_channels(platform.settings):
        raise ChannelNotConfigured(f"{notice.channel.value} is not configured on this platform")
    message = Message(
        id=uuid.uuid4(),
        out_id="".join(secrets.choice(_OUT_ID_ALPHABET) for _ in range(12)),
        channel=notice.channel,
        recipient=recipient,
        purpose=notice.purpose,
        reference=notice.reference,
        subject_zh=notice.subject.zh,
        subject_en=notice.subject.en,
        body_zh=notice.body.zh,
        body_en=notice.body.en,
        params=dict(notice.params),
        answers=dict(notice.answers),
        attachments=[_attachment(a) for a in notice.attachments],
        reply_until=now + reply_within if reply_within is not None else None,
        status=MESSAGE_START,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        created_by=actor.id,
    )
    session.add(message)
    record(
        session,
        actor,
        "message.queued",
        object_type="message",
        object_id=str(message.id),
        details={
            "channel": notice.channel.value,
            "recipient": mask(notice.channel, recipient),
            "purpose": notice.purpose,
            "reference": notice.reference,
            "reply_until": message.reply_until.isoformat() if message.reply_until else None,
        },
    )
    return QueuedMessage(message.id, notice.channel, attempt_job_id(message.id, 1))


async def dispatch(platform: Platform, queued: Iterable[QueuedMessage]) -> None:
    """Enqueue the delivery of committed messages. Never raises for Redis: a message not enqueued
    now is enqueued by the sweep (it stays ``queued`` in the table)."""
    for message in queued:
        try:
            await platform.jobs.enqueue(DELIVER_MESSAGE, str(message.id), job_id=message.job_id)
        except Exception:
            log.warning("message not enqueued; the sweep will", exc_info=True, extra={"message": str(message.id)})


def _attachment(attachment: Attachment) -> dict[str, str]:
    return {"filename": attachment.filename, "content_type": attachment.content_type, "key": attachment.key}
