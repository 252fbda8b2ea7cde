"""The channels and providers a deployment has, built from its settings (``BIDDING_SMTP_*``,
``BIDDING_SMS_*``, ``BIDDING_VOICE_*``, ``BIDDING_ALIYUN_*``).

A provider is one entry of :data:`SMS_PROVIDERS` or :data:`VOICE_PROVIDERS` (the setting's value →
a factory of the adapter): adding one is an adapter class and a line here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final, cast

from bidding.core.settings import Settings
from bidding.messaging.aliyun import AliyunRpc
from bidding.messaging.channels import Channel, ChannelKind
from bidding.messaging.email import EmailChannel, SmtpConfig, StartTls
from bidding.messaging.errors import ChannelNotConfigured
from bidding.messaging.in_app import InAppChannel
from bidding.messaging.sms import AliyunSms, SmsChannel, SmsProvider
from bidding.messaging.voice import AliyunVoice, VoiceChannel, VoiceProvider
from storage.streams import read_bytes

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = ["SMS_PROVIDERS", "VOICE_PROVIDERS", "available_channels", "channel_for", "sms_provider", "voice_provider"]


def _aliyun(settings: Settings, endpoint: str) -> AliyunRpc:
    assert settings.aliyun_access_key_id is not None
    assert settings.aliyun_access_key_secret is not None
    return AliyunRpc(
        f"{endpoint}/",
        settings.aliyun_access_key_id,
        settings.aliyun_access_key_secret,
        timeout=settings.message_send_timeout_seconds,
    )


def _aliyun_sms(settings: Settings) -> SmsProvider:
    assert settings.sms_sign_name is not None  # Settings refuses an SMS provider without it
    return AliyunSms(_aliyun(settings, settings.sms_endpoint), settings.sms_sign_name)


def _aliyun_voice(settings: Settings) -> VoiceProvider:
    assert settings.voice_show_number is not None
    return AliyunVoice(_aliyun(settings, settings.voice_endpoint), settings.voice_show_number)


#: ``BIDDING_SMS_PROVIDER`` → the adapter.
SMS_PROVIDERS: Final[Mapping[str, Callable[[Settings], SmsProvider]]] = {"aliyun": _aliyun_sms}
#: ``BIDDING_VOICE_PROVIDER`` → the adapter.
VOICE_PROVIDERS: Final[Mapping[str, Callable[[Settings], VoiceProvider]]] = {"aliyun": _aliyun_voice}


def available_channels(settings: Settings) -> frozenset[ChannelKind]:
    """The channels this deployment can deliver on (in-app always): a capability picks among them."""
    kinds = {ChannelKind.IN_APP}
    if settings.smtp_url is not None:
        kinds.add(ChannelKind.EMAIL)
    if settings.sms_provider in SMS_PROVIDERS:
        kinds.add(ChannelKind.SMS)
    if settings.voice_provider in VOICE_PROVIDERS:
        kinds.add(ChannelKind.VOICE)
    return frozenset(kinds)


def sms_provider(settings: Settings) -> SmsProvider:
    factory = SMS_PROVIDERS.get(settings.sms_provider)
    if factory is None:
        raise ChannelNotConfigured("no SMS provider is configured (BIDDING_SMS_PROVIDER)", "未配置短信服务商")
    return factory(settings)


def voice_provider(settings: Settings) -> VoiceProvider:
    factory = VOICE_PROVIDERS.get(settings.voice_provider)
    if factory is None:
        raise ChannelNotConfigured("no voice provider is configured (BIDDING_VOICE_PROVIDER)", "未配置语音服务商")
    return factory(settings)


def channel_for(kind: ChannelKind, platform: Platform) -> Channel:
    """The channel that delivers ``kind`` on this platform; :class:`ChannelNotConfigured` if none."""
    settings = platform.settings
    if kind is ChannelKind.IN_APP:
        return InAppChannel(platform.clock.now)
    if kind is ChannelKind.EMAIL:
        if settings.smtp_url is None or settings.smtp_from is None:
            raise ChannelNotConfigured("no SMTP server is configured (BIDDING_SMTP_URL)", "未配置邮件服务器")
        config = SmtpConfig.from_url(
            settings.smtp_url,
            starttls=cast(StartTls, settings.smtp_starttls),
            ca_file=settings.smtp_ca_file,
            timeout=settings.message_send_timeout_seconds,
        )
        store = platform.store
        return EmailChannel(
            config, settings.smtp_from, read_object=lambda key: read_bytes(store, key), now=platform.clock.now
        )
    if kind is ChannelKind.SMS:
        return SmsChannel(sms_provider(settings), dict(settings.sms_templates))
    return VoiceChannel(voice_provider(settings), dict(settings.voice_templates))
