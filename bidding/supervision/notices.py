"""Telling the supervision office (``BIDDING_SUPERVISION_CONTACTS``: its duty desk's e-mail addresses
and mobile numbers) of a red alert or an escalated order — the city plans' "automatic SMS" (RULES d,
alert practice). Its supervisors see the same live on their page; this reaches them away from it.
A channel the deployment lacks, or an address a channel refuses, is skipped and logged."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bidding.core.actor import Actor
from bidding.messaging.channels import ChannelKind, Notice, Text
from bidding.messaging.config import available_channels
from bidding.messaging.errors import InvalidNotice
from bidding.messaging.service import QueuedMessage, queue_message

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = ["tell_supervision_office"]

log = logging.getLogger(__name__)


async def tell_supervision_office(
    session: AsyncSession,
    platform: Platform,
    actor: Actor,
    *,
    purpose: str,
    reference: str,
    subject: Text,
    body: Text,
    now: datetime,
    params: Mapping[str, str],
) -> list[QueuedMessage]:
    """The notice to each duty contact, in the caller's transaction (dispatched after its commit)."""
    channels = available_channels(platform.settings)
    has_template = purpose in dict(platform.settings.sms_templates)
    queued = []
    for contact in platform.settings.supervision_contacts:
        channel = ChannelKind.EMAIL if "@" in contact else ChannelKind.SMS
        if channel not in channels or (channel is ChannelKind.SMS and not has_template):
            log.warning("supervision contact %s: no %s channel for %s", contact[-4:], channel.value, purpose)
            continue
        try:
            notice = Notice(channel, contact, purpose, reference, subject, body, params=dict(params))
            queued.append(await queue_message(session, platform, notice, actor=actor, now=now))
        except InvalidNotice:
            log.warning("supervision contact %s refused by %s", contact[-4:], channel.value)
    return queued
