"""In-app notices: the platform's own inbox. The message row is the notice — the recipient (an
organisation, ``org:<uuid>``, or one person's certificate, ``cert:<fingerprint>``) reads it through
``GET /api/messages/inbox`` — so delivering it is recording that it is there."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bidding.messaging.channels import ChannelKind, Delivery, Outbound

__all__ = ["InAppChannel"]


class InAppChannel:
    kind = ChannelKind.IN_APP

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now

    async def send(self, message: Outbound) -> Delivery:
        return Delivery(provider="in_app", provider_message_id=message.message_id, delivered=True, sent_at=self._now())
