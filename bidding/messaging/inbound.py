"""What providers push back, in the platform's words whichever provider it was: an SMS reply (上行),
a delivery report, a voice call's keypress (DTMF). Each provider adapter parses its own push format
into these (``sms.py``, ``voice.py``); :mod:`bidding.messaging.replies` records and routes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["DeliveryReport", "InboundText", "Keypress", "PushInvalid"]


class PushInvalid(ValueError):
    """A provider's push is not in the format its adapter knows (a 400 to the caller)."""


@dataclass(frozen=True)
class InboundText:
    """An SMS the recipient sent back (上行短信)."""

    #: The provider's id of this inbound message (Aliyun's ``sequence_id``): a second push of the same
    #: message is recognised by it.
    provider_ref: str
    sender: str
    content: str
    sent_at: datetime | None


@dataclass(frozen=True)
class DeliveryReport:
    """Whether a sent message reached its recipient (短信状态报告, a call's record)."""

    out_id: str | None
    provider_message_id: str | None
    delivered: bool
    #: The provider's status code and text (``DELIVERED 用户接收成功``, ``200003 用户未接听``).
    detail: str
    reported_at: datetime | None


@dataclass(frozen=True)
class Keypress:
    """The keys a called recipient pressed during an IVR call."""

    provider_ref: str
    out_id: str | None
    callee: str
    keys: str
    at: datetime | None
