"""The value types of a notice and the one interface every channel implements.

A capability describes what to say as a :class:`Notice` (purpose, its own correlation reference,
subject and body in Chinese and English, template parameters for SMS and voice, the answers it
expects); :func:`bidding.messaging.service.queue_message` records it as a message; the delivery job
hands each attempt to the message's :class:`Channel` as an :class:`Outbound` and records the
:class:`Delivery` or the :class:`DeliveryFailed` it gets back.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Protocol

__all__ = [
    "PURPOSE_PATTERN",
    "REFERENCE_PATTERN",
    "Attachment",
    "Channel",
    "ChannelKind",
    "Delivery",
    "DeliveryFailed",
    "Notice",
    "Outbound",
    "Text",
]

#: ``expert.invitation``, ``award.notice``, ``supervision.alert``: a lower-case dotted name. The
#: reply handlers are registered by it, and SMS/voice templates configured by it.
PURPOSE_PATTERN: Final = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"
#: The caller's own correlation reference (``draw:<uuid>:seat:3``): printable ASCII, no spaces.
REFERENCE_PATTERN: Final = r"^[A-Za-z0-9:._/@#-]{1,200}$"
_PURPOSE = re.compile(PURPOSE_PATTERN)
_REFERENCE = re.compile(REFERENCE_PATTERN)


class ChannelKind(enum.StrEnum):
    """How a notice travels."""

    EMAIL = "email"  # SMTP (RFC 5321) to an e-mail address
    SMS = "sms"  # a provider's SMS API to a mobile number, from an approved template
    VOICE = "voice"  # a provider's IVR call to a phone number; the keypress (DTMF) is the answer
    IN_APP = "in_app"  # the platform's own inbox: the message row is the notice


@dataclass(frozen=True)
class Text:
    """A text in Simplified Chinese first, English optional (DESIGN §7)."""

    zh: str
    en: str | None = None


@dataclass(frozen=True)
class Attachment:
    """A file of the object store sent with an e-mail (an award notice's signed PDF)."""

    filename: str
    content_type: str
    key: str


@dataclass(frozen=True)
class Notice:
    """What a capability asks to send to one address on one channel.

    ``answers`` maps what the recipient may answer (an SMS text such as ``1``/``Y``/``接受``, or a
    voice keypress ``1``) to the choice it means (``accept``); a notice with answers expects one
    until ``reply_until`` (``bidding.messaging.service.queue_message``), and the reply handler
    registered for ``purpose`` receives the choice.
    """

    channel: ChannelKind
    recipient: str
    purpose: str
    reference: str
    subject: Text
    body: Text
    #: Template variables for SMS and voice (the provider's template says the text).
    params: Mapping[str, str] = field(default_factory=dict)
    answers: Mapping[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()

    def problems(self) -> list[str]:
        """What is wrong with the notice's own fields (the recipient is checked by its channel)."""
        wrong = []
        if not _PURPOSE.match(self.purpose) or len(self.purpose) > 64:
            wrong.append(f"purpose {self.purpose!r} is not a dotted lower-case name of at most 64 characters")
        if not _REFERENCE.match(self.reference):
            wrong.append(f"reference {self.reference!r} is not 1 to 200 printable ASCII characters without spaces")
        if not self.subject.zh.strip() or not self.body.zh.strip():
            wrong.append("the subject and the body need their Chinese text")
        for key in self.answers:
            if not key.strip() or len(key) > 16:
                wrong.append(f"answer {key!r} must be 1 to 16 characters")
        if self.attachments and self.channel is not ChannelKind.EMAIL:
            wrong.append("only e-mail carries attachments")
        if self.answers and self.channel is ChannelKind.EMAIL:
            # No inbound e-mail is read: an e-mail asks by a link to the asking capability's page.
            wrong.append("an e-mail cannot be answered here; offer answers by SMS, voice or in-app")
        return wrong


@dataclass(frozen=True)
class Outbound:
    """One delivery attempt of a recorded message, as its channel gets it."""

    message_id: str
    #: A short id unique per message that providers echo back (Aliyun's ``OutId``, ≤ 15 bytes).
    out_id: str
    channel: ChannelKind
    recipient: str
    purpose: str
    subject: Text
    body: Text
    params: Mapping[str, str]
    answers: Mapping[str, str]
    attachments: tuple[Attachment, ...]
    attempt: int


@dataclass(frozen=True)
class Delivery:
    """What a channel reports for an accepted message."""

    #: The provider that took it (``smtp``, ``aliyun``, ``in_app``).
    provider: str
    #: The provider's id for it: the e-mail's Message-ID, Aliyun's BizId or CallId.
    provider_message_id: str
    #: True when the channel knows the message reached the recipient (in-app); otherwise a
    #: provider's delivery report may say so later.
    delivered: bool = False
    sent_at: datetime | None = None


class DeliveryFailed(Exception):
    """The channel did not deliver. ``retryable``: the same message may succeed later (a timeout, a
    5xx, throttling); otherwise retrying is pointless (a refused address, a missing template)."""

    def __init__(self, reason: str, *, retryable: bool, provider_code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.provider_code = provider_code


class Channel(Protocol):
    """A way to deliver: one implementation per :class:`ChannelKind` (and per provider behind it)."""

    kind: ChannelKind

    async def send(self, message: Outbound) -> Delivery:
        """Deliver ``message`` once, or raise :class:`DeliveryFailed`."""
        ...
