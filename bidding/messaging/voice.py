"""Voice: the channel, the interface of a voice provider, and the adapter for Aliyun's Dyvmsapi.

A notice that expects an answer is an IVR call (交互式语音应答): the recipient hears the purpose's
text-to-speech template and presses a key; a key of the notice's ``answers`` is the answer, and the
provider reports it with the call's record. A notice without answers is a plain text-to-speech call.

Aliyun (help.aliyun.com, Dyvmsapi 2017-05-25):

* ``IvrCall``: ``CalledShowNumber`` (the platform's number), ``CalledNumber``, ``StartCode`` and
  ``StartTtsParams`` (the template and its variables), ``MenuKeyMap`` (per key: ``Key``, and the
  ``Code`` of what is played after it; flattened as ``MenuKeyMap.1.Key``), ``PlayTimes`` (1–3),
  ``Timeout`` (ms to wait for a key), ``OutId`` (1–15 bytes, echoed back); answer ``CallId``;
* ``SingleCallByTts``: ``CalledShowNumber``, ``CalledNumber``, ``TtsCode``, ``TtsParam``,
  ``PlayTimes``, ``OutId``;
* the HTTP batch push of call records (``VoiceReport``): a JSON array of ``{"call_id",
  "status_code", "status_msg", "out_id", "dtmf", "callee", "caller", "duration", "end_time", …}``,
  acknowledged like the SMS pushes. Status codes (呼叫状态码): ``200000`` listened to the end,
  ``200001`` hung up early, ``200008`` answered without a key in time, ``300000`` a DTMF message —
  the call reached the person; any other (busy, no answer, off, bad number) did not.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Final, Protocol

from bidding.messaging.aliyun import AliyunRpc, aliyun_time, json_array, push_phone
from bidding.messaging.channels import ChannelKind, Delivery, DeliveryFailed, Outbound
from bidding.messaging.inbound import DeliveryReport, Keypress, PushInvalid

__all__ = ["ANSWERED", "DTMF_KEYS", "AliyunVoice", "VoiceChannel", "VoiceProvider", "menu_of"]

#: The keys of a telephone keypad (ITU-T Q.23 DTMF): only these can be an answer by voice.
DTMF_KEYS: Final = frozenset("0123456789*#")
#: Aliyun's call status codes that mean the person picked up.
ANSWERED: Final = frozenset({"200000", "200001", "200008", "300000"})


class VoiceProvider(Protocol):
    name: str

    async def call(
        self, to: str, template: str, params: Mapping[str, str], menu: Sequence[tuple[str, str | None]], out_id: str
    ) -> str:
        """Call ``to`` with ``template``; with a ``menu`` of (key, what to play after it) wait for a
        key. The provider's call id, or :class:`DeliveryFailed`."""
        ...

    def reports(self, body: bytes) -> tuple[list[DeliveryReport], list[Keypress]]:
        """The call records in a push of the provider's, and the keys pressed in them."""
        ...


def menu_of(purpose: str, answers: Mapping[str, str], templates: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """The IVR menu of a notice: each single-key answer, with the template ``<purpose>.<choice>``
    (what is played after the key, e.g. "您已接受邀请") when one is configured.

    >>> answers = {"1": "accept", "2": "decline", "Y": "accept"}
    >>> menu_of("expert.invitation", answers, {"expert.invitation.accept": "TTS_2"})
    [('1', 'TTS_2'), ('2', None)]
    """
    return [
        (key, templates.get(f"{purpose}.{choice}"))
        for key, choice in sorted(answers.items())
        if len(key) == 1 and key in DTMF_KEYS
    ]


class VoiceChannel:
    """A call from the template configured for the message's purpose."""

    kind = ChannelKind.VOICE

    def __init__(self, provider: VoiceProvider, templates: Mapping[str, str]) -> None:
        self.provider = provider
        self.templates = templates

    async def send(self, message: Outbound) -> Delivery:
        template = self.templates.get(message.purpose)
        if template is None:
            raise DeliveryFailed(f"no voice template is configured for {message.purpose}", retryable=False)
        menu = menu_of(message.purpose, message.answers, self.templates)
        call_id = await self.provider.call(message.recipient, template, message.params, menu, message.out_id)
        return Delivery(provider=self.provider.name, provider_message_id=call_id)


class AliyunVoice:
    """Aliyun Dyvmsapi behind :class:`VoiceProvider`."""

    name = "aliyun"

    def __init__(self, rpc: AliyunRpc, show_number: str, *, key_timeout_ms: int = 10_000, play_times: int = 2) -> None:
        self.rpc = rpc
        self.show_number = show_number
        self.key_timeout_ms = key_timeout_ms
        self.play_times = play_times

    async def call(
        self, to: str, template: str, params: Mapping[str, str], menu: Sequence[tuple[str, str | None]], out_id: str
    ) -> str:
        variables = json.dumps(dict(params), ensure_ascii=False, separators=(",", ":"))
        common = {"CalledShowNumber": self.show_number, "CalledNumber": to, "PlayTimes": str(self.play_times)}
        if not menu:
            answer = await self.rpc.call(
                "SingleCallByTts", {**common, "TtsCode": template, "TtsParam": variables, "OutId": out_id}
            )
            return str(answer.get("CallId") or "")
        request = {
            **common,
            "StartCode": template,
            "StartTtsParams": variables,
            "Timeout": str(self.key_timeout_ms),
            "OutId": out_id,
        }
        for n, (key, code) in enumerate(menu, start=1):
            request[f"MenuKeyMap.{n}.Key"] = key
            if code is not None:
                request[f"MenuKeyMap.{n}.Code"] = code
        answer = await self.rpc.call("IvrCall", request)
        return str(answer.get("CallId") or "")

    def reports(self, body: bytes) -> tuple[list[DeliveryReport], list[Keypress]]:
        reports, keys = [], []
        for item in json_array(body):
            call_id, status = item.get("call_id"), item.get("status_code")
            if not call_id or status is None:
                raise PushInvalid("a VoiceReport item needs call_id and status_code")
            out_id = str(item["out_id"]) if item.get("out_id") else None
            at = aliyun_time(item.get("end_time"))
            reports.append(
                DeliveryReport(
                    out_id=out_id,
                    provider_message_id=str(call_id),
                    delivered=str(status) in ANSWERED,
                    detail=f"{status} {item.get('status_msg', '')}".strip()[:300],
                    reported_at=at,
                )
            )
            dtmf = str(item.get("dtmf") or "").strip()
            if dtmf:
                if not set(dtmf) <= DTMF_KEYS:
                    raise PushInvalid(f"dtmf {dtmf[:20]!r} holds other characters than 0-9 * #")
                callee = push_phone(item.get("callee"))
                keys.append(Keypress(provider_ref=str(call_id), out_id=out_id, callee=callee, keys=dtmf, at=at))
        return reports, keys
