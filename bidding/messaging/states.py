"""The states of a message and of an inbound reply, and the moves between a message's states; the rules
that make the moves are in ``bidding.messaging.delivery`` (attempts) and ``bidding.messaging.replies``
(reports and answers).

A message::

    (queued) ──▶ queued ──an attempt claims it──▶ sending ──the channel took it──▶ sent
                   ▲                                │ │                            │
                   │ a passing failure with         │ │ in-app: there at once      │ reached the person
                   │ attempts left, or the lease    │ └───────────▶ delivered ◀────┤ (a report), or the
                   └─ran out (the worker died)──────┤                              │ person answered
                                                    │ refused for good, or         │
                                                    └─the last attempt failed──▶ failed ◀──undelivered (a report)

An attempt runs outside any transaction (it talks to an SMTP server or a provider), so only one
worker may hold a message in ``sending``: the claim is one conditional UPDATE (``queued → sending``
where the row is still ``queued``), which SQLite and PostgreSQL both make atomic.
"""

from __future__ import annotations

import enum
from typing import Final

from bidding.core.transitions import Transitions

__all__ = ["FINAL", "MESSAGE_START", "MESSAGE_TRANSITIONS", "MessageStatus", "ReplyOutcome"]


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for an attempt (``next_attempt_at``)
    SENDING = "sending"  # an attempt holds it (``claimed_at``)
    SENT = "sent"  # the SMTP server or the provider accepted it
    DELIVERED = "delivered"  # it reached the person (a report, an answer, or in-app at once)
    FAILED = "failed"  # given up: ``last_error`` says why


MESSAGE_START: Final = MessageStatus.QUEUED

MESSAGE_TRANSITIONS: Final[Transitions[MessageStatus]] = {
    MessageStatus.QUEUED: frozenset({MessageStatus.SENDING}),
    MessageStatus.SENDING: frozenset(
        {MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.QUEUED, MessageStatus.FAILED}
    ),
    MessageStatus.SENT: frozenset({MessageStatus.DELIVERED, MessageStatus.FAILED}),
    MessageStatus.DELIVERED: frozenset(),
    MessageStatus.FAILED: frozenset(),
}

FINAL: Final = frozenset({MessageStatus.DELIVERED, MessageStatus.FAILED})


class ReplyOutcome(enum.StrEnum):
    """What became of an inbound reply (each one is kept, whatever became of it)."""

    DISPATCHED = "dispatched"  # matched an outstanding message, understood, handed to its purpose's handler
    UNRECOGNISED = "unrecognised"  # matched, but not one of the message's answers: the question stays open
    LATE = "late"  # its message's answer window had closed, or it was answered already
    UNMATCHED = "unmatched"  # no message of ours expects an answer from this sender
    REFUSED = "refused"  # the handler refused it (``detail`` holds its error code)
