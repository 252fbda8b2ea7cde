"""Telling an organisation something: its in-app inbox always, and the same notice by e-mail and SMS
to the contacts it gave at registration, where the deployment has those channels (an SMS only from a
template configured for the notice's purpose, ``BIDDING_SMS_TEMPLATES``). Queued in the caller's
transaction; the caller dispatches them after its commit (:func:`bidding.messaging.service.dispatch`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bidding.core.actor import Actor
from bidding.identity.models import Organization
from bidding.messaging.channels import ChannelKind, Notice, Text
from bidding.messaging.config import available_channels
from bidding.messaging.errors import InvalidNotice
from bidding.messaging.service import QueuedMessage, queue_message

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = ["tell_organisation"]

log = logging.getLogger(__name__)


async def tell_organisation(
    session: AsyncSession,
    platform: Platform,
    actor: Actor,
    organization_id: uuid.UUID,
    *,
    purpose: str,
    reference: str,
    subject: Text,
    body: Text,
    now: datetime,
    sms: bool = False,
    params: Mapping[str, str] | None = None,
) -> list[QueuedMessage]:
    """An organisation's in-app notice; the same by e-mail when it gave an address, and by SMS
    (``sms``) when it gave a mobile number and the purpose has a template (``params``: its
    variables). A stored address a channel refuses leaves the other notices standing."""
    queued = [
        await queue_message(
            session,
            platform,
            Notice(ChannelKind.IN_APP, f"org:{organization_id}", purpose, reference, subject, body),
            actor=actor,
            now=now,
        )
    ]
    org = await session.get(Organization, organization_id)
    if org is None:
        return queued
    channels = available_channels(platform.settings)
    contacts: list[tuple[ChannelKind, str | None]] = [(ChannelKind.EMAIL, org.contact_email)]
    if sms and purpose in dict(platform.settings.sms_templates):
        contacts.append((ChannelKind.SMS, org.contact_phone))
    for channel, address in contacts:
        if not address or channel not in channels:
            continue
        try:
            notice = Notice(channel, address, purpose, reference, subject, body, params=dict(params or {}))
            queued.append(await queue_message(session, platform, notice, actor=actor, now=now))
        except InvalidNotice:
            log.warning("organisation %s: contact %s refused", organization_id, channel.value)
    return queued
