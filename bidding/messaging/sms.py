"""SMS: the channel, the interface of an SMS provider, and the adapter for Aliyun's Dysmsapi.

Mainland SMS goes out through a provider, from a template the provider has approved under the
platform's signature (签名); the platform picks the template by the notice's purpose
(``BIDDING_SMS_TEMPLATES``) and fills it with the notice's parameters. Another provider is one more
class with :class:`SmsProvider`'s three methods.

Aliyun (help.aliyun.com, Dysmsapi 2017-05-25):

* ``SendSms``: ``PhoneNumbers``, ``SignName``, ``TemplateCode``, ``TemplateParam`` (JSON),
  ``OutId`` (echoed in the report); answer ``{"Code": "OK", "BizId": …, "RequestId": …}``;
* the HTTP batch push of replies (``SmsUp``): a JSON array of ``{"phone_number", "send_time",
  "content", "sign_name", "dest_code", "sequence_id"}``;
* the HTTP batch push of delivery reports (``SmsReport``): a JSON array of ``{"phone_number",
  "send_time", "report_time", "success", "err_code", "err_msg", "sms_size", "biz_id", "out_id"}``;
* both pushes are acknowledged with ``{"code": 0, "msg": "成功"}``
  (:data:`bidding.messaging.aliyun.PUSH_ACK`); their times are Beijing time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Protocol

from bidding.messaging.aliyun import AliyunRpc, aliyun_time, json_array, push_phone
from bidding.messaging.channels import ChannelKind, Delivery, DeliveryFailed, Outbound
from bidding.messaging.inbound import DeliveryReport, InboundText, PushInvalid

__all__ = ["AliyunSms", "SmsChannel", "SmsProvider"]


class SmsProvider(Protocol):
    name: str

    async def send_sms(self, to: str, template: str, params: Mapping[str, str], out_id: str) -> str:
        """Send one templated SMS; the provider's id for it, or :class:`DeliveryFailed`."""
        ...

    def replies(self, body: bytes) -> list[InboundText]:
        """The replies in a push of the provider's (:class:`PushInvalid` when it is not one)."""
        ...

    def reports(self, body: bytes) -> list[DeliveryReport]:
        """The delivery reports in a push of the provider's."""
        ...


class SmsChannel:
    """An SMS from the template configured for the message's purpose."""

    kind = ChannelKind.SMS

    def __init__(self, provider: SmsProvider, templates: Mapping[str, str]) -> None:
        self.provider = provider
        self.templates = templates

    async def send(self, message: Outbound) -> Delivery:
        template = self.templates.get(message.purpose)
        if template is None:
            raise DeliveryFailed(f"no SMS template is configured for {message.purpose}", retryable=False)
        biz_id = await self.provider.send_sms(message.recipient, template, message.params, message.out_id)
        return Delivery(provider=self.provider.name, provider_message_id=biz_id)


class AliyunSms:
    """Aliyun Dysmsapi behind :class:`SmsProvider`."""

    name = "aliyun"

    def __init__(self, rpc: AliyunRpc, sign_name: str) -> None:
        self.rpc = rpc
        self.sign_name = sign_name

    async def send_sms(self, to: str, template: str, params: Mapping[str, str], out_id: str) -> str:
        answer = await self.rpc.call(
            "SendSms",
            {
                "PhoneNumbers": to,
                "SignName": self.sign_name,
                "TemplateCode": template,
                "TemplateParam": json.dumps(dict(params), ensure_ascii=False, separators=(",", ":")),
                "OutId": out_id,
            },
        )
        return str(answer.get("BizId") or "")

    def replies(self, body: bytes) -> list[InboundText]:
        found = []
        for item in json_array(body):
            sequence = item.get("sequence_id")
            content = item.get("content")
            if sequence is None or not isinstance(content, str):
                raise PushInvalid("an SmsUp item needs sequence_id and content")
            found.append(
                InboundText(
                    provider_ref=str(sequence),
                    sender=push_phone(item.get("phone_number")),
                    content=content,
                    sent_at=aliyun_time(item.get("send_time")),
                )
            )
        return found

    def reports(self, body: bytes) -> list[DeliveryReport]:
        found = []
        for item in json_array(body):
            success = item.get("success")
            if not isinstance(success, bool):
                raise PushInvalid("an SmsReport item needs success (true or false)")
            found.append(
                DeliveryReport(
                    out_id=_optional(item.get("out_id")),
                    provider_message_id=_optional(item.get("biz_id")),
                    delivered=success,
                    detail=f"{item.get('err_code', '')} {item.get('err_msg', '')}".strip()[:300],
                    reported_at=aliyun_time(item.get("report_time")),
                )
            )
        return found


def _optional(value: object) -> str | None:
    return str(value) if value not in (None, "") else None
