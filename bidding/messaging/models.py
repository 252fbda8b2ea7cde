"""Tables of the messaging capability: ``messages`` (every notice, its attempts and what became of it:
the delivery log) and ``message_replies`` (every inbound answer, matched or not).

A recipient's address is personal data: it is kept on its message because a retry and a reply's
matching need it, and shown masked everywhere (``bidding.messaging.addresses.mask``). Exactly once
by constraint: a message's ``out_id`` (what providers echo back) is unique, and a provider's inbound
message is recorded once per ``(provider, channel, provider_ref)`` — providers push again after a
lost acknowledgement. Times are UTC.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bidding.core.db.base import Base, utcnow
from bidding.core.db.types import BigIntPK, JSONType, UTCDateTime, enum_type
from bidding.messaging.channels import ChannelKind
from bidding.messaging.states import MessageStatus, ReplyOutcome

__all__ = ["Message", "MessageReply"]


class Message(Base):
    """One notice to one address on one channel, and its delivery."""

    __tablename__ = "messages"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    #: 12 characters ``[0-9a-z]``: Aliyun's ``OutId`` of a call is at most 15 bytes.
    out_id: Mapped[str] = mapped_column(String(16), unique=True)
    channel: Mapped[ChannelKind] = mapped_column(enum_type(ChannelKind, "message_channel", length=16))
    #: The normalised address (``bidding.messaging.addresses.normalise``): personal data.
    recipient: Mapped[str] = mapped_column(String(320))
    #: What it is for (``expert.invitation``): picks the template and the reply handler.
    purpose: Mapped[str] = mapped_column(String(64))
    #: The asking capability's own reference (``draw:<uuid>:seat:3``).
    reference: Mapped[str] = mapped_column(String(200))
    subject_zh: Mapped[str] = mapped_column(String(300))
    subject_en: Mapped[str | None] = mapped_column(String(300))
    body_zh: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str | None] = mapped_column(Text)
    params: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    #: What the recipient may answer → the choice it means (empty: no answer expected).
    answers: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    #: Answers are taken until then (None: none expected).
    reply_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(String(32))

    status: Mapped[MessageStatus] = mapped_column(enum_type(MessageStatus, "message_status", length=16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the attempt now in ``sending`` began (an attempt is leased, not owned forever).
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    provider: Mapped[str | None] = mapped_column(String(32))
    #: The e-mail's Message-ID, Aliyun's BizId or CallId.
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        # The sweep: what waits for an attempt, and attempts whose lease ran out.
        Index("ix_messages_status_next_attempt_at", "status", "next_attempt_at"),
        # A reply's match: the newest message to this address on this channel.
        Index("ix_messages_channel_recipient_created_at", "channel", "recipient", "created_at"),
        Index("ix_messages_reference", "reference"),
        Index("ix_messages_provider_message_id", "provider_message_id"),
        Index("ix_messages_created_at", "created_at"),
    )


class MessageReply(Base):
    """One inbound answer: an SMS reply or the keys pressed in a call, and what became of it."""

    __tablename__ = "message_replies"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    channel: Mapped[ChannelKind] = mapped_column(enum_type(ChannelKind, "message_channel", length=16))
    provider: Mapped[str] = mapped_column(String(32))
    #: The provider's id of the inbound message (SMS ``sequence_id``, a call's ``call_id``).
    provider_ref: Mapped[str] = mapped_column(String(200))
    #: Who answered: the normalised phone number (personal data), or the actor id of an in-app answer.
    sender: Mapped[str] = mapped_column(String(200))
    #: The text of an SMS, or the keys pressed.
    content: Mapped[str] = mapped_column(String(1000))
    #: The choice the content means for the matched message (``accept``), when it is one of its answers.
    choice: Mapped[str | None] = mapped_column(String(32))
    message_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("messages.id", ondelete="RESTRICT"))
    outcome: Mapped[ReplyOutcome] = mapped_column(enum_type(ReplyOutcome, "reply_outcome", length=16))
    #: Why a handler refused it (its error code), or what the late reply came after.
    detail: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("provider", "channel", "provider_ref"),
        Index("ix_message_replies_message_id", "message_id"),
        Index("ix_message_replies_received_at", "received_at"),
    )
