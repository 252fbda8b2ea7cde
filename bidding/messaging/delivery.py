"""Delivering queued messages: the job that makes one attempt, and the sweep that finds what no job holds.

One attempt (:func:`deliver`), in three steps:

1. **claim**, in a short transaction: ``queued → sending`` by one conditional UPDATE that also counts
   the attempt. A job delivered twice by arq (at least once), or one enqueued by the sweep beside a
   deferred one, finds the message no longer ``queued`` and does nothing: a message is sent once.
2. **send**, with no transaction open: the channel talks to the SMTP server or the provider.
3. **record**, in a second transaction: ``sent`` (or ``delivered`` for in-app) with the provider's
   id; after a passing failure, ``queued`` again with the next attempt's time and a deferred job
   (:func:`retry_delay`: ``BIDDING_MESSAGE_RETRY_SECONDS`` doubled per attempt, at most an hour);
   after a permanent refusal or the last attempt (``BIDDING_MESSAGE_MAX_ATTEMPTS``), ``failed``.
   Each outcome is an audit event (``message.sent``, ``message.retry``, ``message.failed``).

The sweep (:data:`SWEEP_MESSAGES`, every minute) enqueues queued messages whose attempt is due and
that no job took (the process died between a commit and its dispatch, Redis was away), and takes
back attempts whose lease ran out (the worker died mid-send): those count as a failed attempt, so a
message is sent at least once and — only when a worker dies after the provider took it but before
the record — possibly twice. The e-mail keeps its Message-ID across attempts for that case.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.errors import DomainError
from bidding.core.jobs.registry import CronSpec, JobSpec
from bidding.core.transitions import move
from bidding.messaging.addresses import mask
from bidding.messaging.channels import Attachment, Delivery, DeliveryFailed, Outbound, Text
from bidding.messaging.config import channel_for
from bidding.messaging.models import Message
from bidding.messaging.states import MESSAGE_TRANSITIONS, MessageStatus

if TYPE_CHECKING:  # the runtime imports the catalogue, hence this module
    from bidding.core.platform import Platform

__all__ = [
    "DELIVER_MESSAGE",
    "LEASE",
    "SWEEP_MESSAGES",
    "attempt_job_id",
    "deliver",
    "deliver_message",
    "retry_delay",
    "sweep",
    "sweep_messages",
]

log = logging.getLogger("bidding.messaging")

#: The time limit of one attempt's job; an attempt still ``sending`` after :data:`LEASE` died with its worker.
ATTEMPT_TIMEOUT_S: Final = 120
LEASE: Final = timedelta(seconds=5 * ATTEMPT_TIMEOUT_S)
#: A queued message whose attempt has been due this long without a job taking it is the sweep's.
SWEEP_GRACE: Final = timedelta(minutes=1)
SWEEP_BATCH: Final = 500
MAX_DELAY: Final = timedelta(hours=1)


def attempt_job_id(message_id: uuid.UUID, attempt: int) -> str:
    """The job id of a message's ``attempt`` (arq enqueues an id once)."""
    return f"message:{message_id}:{attempt}"


def retry_delay(failed_attempt: int, base_seconds: float) -> timedelta:
    """The wait after attempt ``failed_attempt`` (1, 2, …) failed for a passing reason: exponential
    backoff, ``base × 2^(n-1)``, at most :data:`MAX_DELAY`.

    >>> [retry_delay(n, 30).total_seconds() for n in (1, 2, 3, 4, 8)]
    [30.0, 60.0, 120.0, 240.0, 3600.0]
    """
    return min(timedelta(seconds=base_seconds * 2 ** (failed_attempt - 1)), MAX_DELAY)


def outbound_of(message: Message, attempt: int) -> Outbound:
    return Outbound(
        message_id=str(message.id),
        out_id=message.out_id,
        channel=message.channel,
        recipient=message.recipient,
        purpose=message.purpose,
        subject=Text(message.subject_zh, message.subject_en),
        body=Text(message.body_zh, message.body_en),
        params=dict(message.params),
        answers=dict(message.answers),
        attachments=tuple(Attachment(**a) for a in message.attachments),
        attempt=attempt,
    )


@dataclass(frozen=True)
class _Failure:
    reason: str
    retryable: bool
    provider_code: str | None = None


async def deliver(platform: Platform, message_id: uuid.UUID, *, request_id: str | None = None) -> dict[str, Any]:
    """Make the next attempt of ``message_id`` if it is queued; what happened, for the job's result."""
    actor = Actor.system("messaging", request_id=request_id)
    async with platform.sessions() as session, session.begin():
        message = await session.get(Message, message_id)
        if message is None:
            return {"message": str(message_id), "outcome": "unknown_message"}
        if message.status is not MessageStatus.QUEUED:
            return {"message": str(message_id), "outcome": f"not_queued:{message.status.value}"}
        move(MESSAGE_TRANSITIONS, message.status, MessageStatus.SENDING, what=f"message {message_id}")
        attempt = message.attempts + 1
        outbound = outbound_of(message, attempt)
        claimed = await session.execute(
            update(Message)
            .where(Message.id == message_id, Message.status == MessageStatus.QUEUED, Message.attempts == attempt - 1)
            .values(status=MessageStatus.SENDING, attempts=attempt, claimed_at=platform.clock.now())
            .execution_options(synchronize_session=False)
        )
        if _rowcount(claimed) != 1:
            return {"message": str(message_id), "outcome": "claimed_by_another"}

    delivery: Delivery | None = None
    failure: _Failure | None = None
    try:
        delivery = await channel_for(outbound.channel, platform).send(outbound)
    except DeliveryFailed as exc:
        failure = _Failure(exc.reason, exc.retryable, exc.provider_code)
    except DomainError as exc:  # the channel is no longer configured
        failure = _Failure(exc.text("en"), retryable=False)
    except Exception as exc:
        # A fault of ours, not the provider's: counted as an attempt, logged with its traceback.
        log.exception("message attempt failed unexpectedly", extra={"message": str(message_id)})
        failure = _Failure(f"internal error: {type(exc).__name__}", retryable=True)

    async with platform.sessions() as session, session.begin():
        outcome, retry_in = await _record(session, platform, message_id, attempt, delivery, failure, actor)
    if retry_in is not None:
        await platform.jobs.enqueue(
            DELIVER_MESSAGE, str(message_id), job_id=attempt_job_id(message_id, attempt + 1), defer_by=retry_in
        )
    return {"message": str(message_id), "attempt": attempt, "outcome": outcome}


async def _record(
    session: AsyncSession,
    platform: Platform,
    message_id: uuid.UUID,
    attempt: int,
    delivery: Delivery | None,
    failure: _Failure | None,
    actor: Actor,
) -> tuple[str, timedelta | None]:
    """Write the attempt's outcome if the message is still this attempt's (the sweep may have taken
    it back meanwhile); (outcome, the wait before the next attempt or None)."""
    message = await session.get(Message, message_id, with_for_update=True)
    if message is None or message.status is not MessageStatus.SENDING or message.attempts != attempt:
        return "lease_lost", None
    now = platform.clock.now()
    details: dict[str, Any] = {
        "channel": message.channel.value,
        "recipient": mask(message.channel, message.recipient),
        "purpose": message.purpose,
        "reference": message.reference,
        "attempt": attempt,
    }
    values: dict[str, Any] = {"claimed_at": None}
    retry_in: timedelta | None = None
    if delivery is not None:
        status = MessageStatus.DELIVERED if delivery.delivered else MessageStatus.SENT
        values |= {
            "provider": delivery.provider,
            "provider_message_id": delivery.provider_message_id[:200],
            "sent_at": delivery.sent_at or now,
            "last_error": None,
        }
        if delivery.delivered:
            values["delivered_at"] = delivery.sent_at or now
        action = "message.sent"
        details |= {"provider": delivery.provider, "provider_message_id": delivery.provider_message_id}
    else:
        assert failure is not None
        final = not failure.retryable or attempt >= platform.settings.message_max_attempts
        values["last_error"] = failure.reason[:500]
        if final:
            status, action = MessageStatus.FAILED, "message.failed"
            values["failed_at"] = now
        else:
            status, action = MessageStatus.QUEUED, "message.retry"
            retry_in = retry_delay(attempt, platform.settings.message_retry_seconds)
            values["next_attempt_at"] = now + retry_in
            details["next_attempt_at"] = values["next_attempt_at"].isoformat()
        details |= {"error": failure.reason[:500], "retryable": failure.retryable, "code": failure.provider_code}
    move(MESSAGE_TRANSITIONS, message.status, status, what=f"message {message_id}")
    values["status"] = status
    for name, value in values.items():
        setattr(message, name, value)
    record(session, actor, action, object_type="message", object_id=str(message_id), details=details)
    return status.value, retry_in


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def deliver_message(ctx: dict[str, Any], message_id: str) -> dict[str, Any]:
    """The job: one attempt of a message (:func:`deliver`)."""
    platform: Platform = ctx["platform"]
    return await deliver(platform, uuid.UUID(message_id), request_id=ctx.get("job_id"))


#: One attempt of a queued message. Its own failures are recorded, not raised; arq's retries are for
#: the database or Redis going away, and the claim makes a repeated run harmless.
DELIVER_MESSAGE: Final = JobSpec("deliver_message", deliver_message, timeout_s=ATTEMPT_TIMEOUT_S, max_tries=3)


async def sweep(platform: Platform) -> dict[str, int]:
    """Take back attempts whose lease ran out and enqueue queued messages no job took."""
    now = platform.clock.now()
    actor = Actor.system("messaging")
    taken_back = 0
    async with platform.sessions() as session, session.begin():
        stale = (
            await session.scalars(
                select(Message.id)
                .where(Message.status == MessageStatus.SENDING, Message.claimed_at < now - LEASE)
                .limit(SWEEP_BATCH)
            )
        ).all()
    for message_id in stale:
        async with platform.sessions() as session, session.begin():
            message = await session.get(Message, message_id, with_for_update=True)
            if message is None or message.status is not MessageStatus.SENDING or message.claimed_at is None:
                continue
            if message.claimed_at >= now - LEASE:
                continue  # claimed again since the read
            attempt = message.attempts
            failure = _Failure("the attempt was interrupted (its worker stopped)", retryable=True)
            _, retry_in = await _record(session, platform, message_id, attempt, None, failure, actor)
        taken_back += 1
        if retry_in is not None:
            await platform.jobs.enqueue(
                DELIVER_MESSAGE, str(message_id), job_id=attempt_job_id(message_id, attempt + 1), defer_by=retry_in
            )
    async with platform.sessions() as session:
        due = (
            await session.execute(
                select(Message.id, Message.attempts)
                .where(Message.status == MessageStatus.QUEUED, Message.next_attempt_at <= now - SWEEP_GRACE)
                .order_by(Message.next_attempt_at)
                .limit(SWEEP_BATCH)
            )
        ).all()
    stamp = int(now.timestamp())
    for message_id, attempts in due:
        # A new job id each pass: an id arq already ran (a job that found nothing to do) is not run again.
        await platform.jobs.enqueue(
            DELIVER_MESSAGE, str(message_id), job_id=f"{attempt_job_id(message_id, attempts + 1)}:sweep:{stamp}"
        )
    return {"taken_back": taken_back, "enqueued": len(due)}


async def sweep_messages(ctx: dict[str, Any]) -> dict[str, int]:
    """The cron job (:func:`sweep`)."""
    platform: Platform = ctx["platform"]
    return await sweep(platform)


#: Every minute at :41 s, away from the heartbeat's quarter minutes.
SWEEP_MESSAGES: Final = CronSpec("sweep_messages", sweep_messages, schedule={"second": 41})
