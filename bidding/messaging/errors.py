"""Why messaging refuses: one :class:`~bidding.core.errors.DomainError` per cause, with its code,
status and messages in Chinese and English (the platform's one error format)."""

from __future__ import annotations

from bidding.core.errors import Conflict, InvalidInput, NotAuthenticated, NotFound

__all__ = [
    "CallbackInvalid",
    "CallbackUnauthenticated",
    "ChannelNotConfigured",
    "InvalidNotice",
    "MessageNotFound",
    "NoAnswerExpected",
]


class InvalidNotice(InvalidInput):
    """A capability asked for a notice the platform cannot send as given (bad address, purpose…)."""

    code = "invalid_notice"
    message_zh = "通知内容有误"
    message_en = "The notice is not valid"


class ChannelNotConfigured(Conflict):
    """The deployment has not configured the channel (``bidding.messaging.config.available_channels``)."""

    code = "channel_not_configured"
    message_zh = "该通知渠道未配置"
    message_en = "This notice channel is not configured"


class CallbackUnauthenticated(NotAuthenticated):
    """A push without a valid ``X-Bidding-Signature`` (``bidding.messaging.callbacks``)."""

    code = "callback_unauthenticated"
    message_zh = "回调签名无效"
    message_en = "The callback is not authenticated"


class CallbackInvalid(InvalidInput):
    """An authentic push whose body is not the provider's format."""

    code = "callback_invalid"
    message_zh = "回调内容格式有误"
    message_en = "The callback body is not valid"


class MessageNotFound(NotFound):
    code = "message_not_found"
    message_zh = "未找到该消息"
    message_en = "No such message"


class NoAnswerExpected(Conflict):
    """An answer to a notice that offered none."""

    code = "no_answer_expected"
    message_zh = "该通知无需答复"
    message_en = "This notice asks for no answer"
