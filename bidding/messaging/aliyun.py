"""Aliyun's RPC-style OpenAPI (Dysmsapi, Dyvmsapi 2017-05-25): the request signature and one call.

The signature is Aliyun's "RPC signature" (SignatureVersion 1.0, SignatureMethod HMAC-SHA1;
help.aliyun.com "签名机制" for SMS, document 101343):

1. every request parameter but ``Signature`` — the common ones (``AccessKeyId``, ``Action``,
   ``Format``, ``RegionId``, ``SignatureMethod``, ``SignatureNonce``, ``SignatureVersion``,
   ``Timestamp``, ``Version``) and the operation's — sorted by name;
2. names and values percent-encoded in UTF-8 (RFC 3986: ``A–Z a–z 0–9 - _ . ~`` kept, everything
   else ``%XY`` in upper case, a space ``%20``), joined as ``name=value`` with ``&``: the
   canonicalised query string;
3. ``StringToSign = HTTPMethod & percentEncode("/") & percentEncode(canonicalised query string)``;
4. ``Signature = Base64(HMAC-SHA1(AccessKeySecret + "&", UTF-8(StringToSign)))``.

The worked example of that document (``testId``/``testSecret``, ``SendSms`` to 15300000001 with
``SignatureNonce`` 45e25e9b-… at 2017-07-12T02:42:19Z) signs to ``zJDF+Lrzhj/ThnlvIToysFRq6t4=``
(``tests/unit/messaging/test_aliyun.py``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx

from bidding.messaging.addresses import AddressError, normalise_phone
from bidding.messaging.channels import DeliveryFailed
from bidding.messaging.inbound import PushInvalid

__all__ = [
    "PUSH_ACK",
    "AliyunRpc",
    "aliyun_time",
    "canonical_query",
    "json_array",
    "percent_encode",
    "push_phone",
    "rpc_signature",
    "string_to_sign",
]

API_VERSION: Final = "2017-05-25"
REGION: Final = "cn-hangzhou"
#: What Aliyun's HTTP batch push (SmsUp, SmsReport, VoiceReport) wants back when a batch was taken.
PUSH_ACK: Final = {"code": 0, "msg": "成功"}
_BEIJING: Final = ZoneInfo("Asia/Shanghai")

#: Error codes that a later attempt may not meet again: flow control and the provider's own faults
#: (Dysmsapi and Dyvmsapi error code lists; a bad number, template or key stays bad).
RETRYABLE_CODES: Final = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",
        "isv.OUT_OF_SERVICE",
        "isp.SYSTEM_ERROR",
        "isp.GATEWAY_ERROR",
        "InternalError",
        "ServiceUnavailable",
        "SignatureNonceUsed",
        "Throttling",
        "Throttling.User",
        "Throttling.Api",
    }
)


def percent_encode(value: str) -> str:
    """RFC 3986 percent-encoding as the RPC signature wants it (``quote`` keeps ``A–Za–z0–9_.-~``)."""
    return quote(value, safe="")


def canonical_query(params: Mapping[str, str]) -> str:
    """Step 2: the sorted, encoded ``name=value`` pairs joined with ``&``."""
    return "&".join(f"{percent_encode(k)}={percent_encode(params[k])}" for k in sorted(params))


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """Step 3."""
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"


def rpc_signature(method: str, params: Mapping[str, str], secret: str) -> str:
    """Step 4: the ``Signature`` parameter of a request with ``params`` (``Signature`` excluded)."""
    unsigned = {k: v for k, v in params.items() if k != "Signature"}
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(method, unsigned).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


class AliyunRpc:
    """One signed POST per call to an RPC endpoint (``https://dysmsapi.aliyuncs.com/``), answered in
    JSON. A refusal becomes :class:`DeliveryFailed`, retryable when it is the network, a 5xx or one of
    :data:`RETRYABLE_CODES`."""

    def __init__(
        self,
        endpoint: str,
        access_key_id: str,
        access_key_secret: str,
        *,
        timeout: float,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.access_key_id = access_key_id
        self._secret = access_key_secret
        self.timeout = timeout
        # The provider refuses a Timestamp more than 15 minutes from its own clock: this is the
        # wire's real time, not the platform's (tests move the platform's clock by days).
        self._wall_clock = wall_clock
        self._transport = transport  # None: the network (unit tests pass httpx.MockTransport)

    def signed(self, action: str, params: Mapping[str, str]) -> dict[str, str]:
        """The request's parameters, common ones and ``Signature`` included."""
        full = {
            "AccessKeyId": self.access_key_id,
            "Action": action,
            "Format": "JSON",
            "RegionId": REGION,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": str(uuid.uuid4()),
            "SignatureVersion": "1.0",
            "Timestamp": self._wall_clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
            **params,
        }
        full["Signature"] = rpc_signature("POST", full, self._secret)
        return full

    async def call(self, action: str, params: Mapping[str, str]) -> dict[str, Any]:
        """POST the signed form; the JSON answer when its ``Code`` is ``OK``."""
        body = canonical_query(self.signed(action, params))
        try:
            async with httpx.AsyncClient(timeout=self.timeout, transport=self._transport) as client:
                response = await client.post(
                    self.endpoint,
                    content=body.encode("ascii"),
                    headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
                )
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{action}: {type(exc).__name__}: {exc}", retryable=True) from exc
        try:
            answer = json.loads(response.content)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise DeliveryFailed(
                f"{action}: HTTP {response.status_code} without a JSON answer", retryable=response.status_code >= 500
            )
        code = str(answer.get("Code", ""))
        if response.status_code == 200 and code == "OK":
            return answer
        retryable = response.status_code >= 500 or code in RETRYABLE_CODES or code.startswith("Throttling")
        message = str(answer.get("Message", ""))[:300]
        raise DeliveryFailed(
            f"{action}: HTTP {response.status_code} {code}: {message}", retryable=retryable, provider_code=code or None
        )


# --- the HTTP batch pushes (消息回执 HTTP批量推送) ---------------------------------------------


def json_array(body: bytes) -> list[dict[str, Any]]:
    """A push's body: a JSON array of objects (one push carries a batch)."""
    try:
        items = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        raise PushInvalid("the body is not JSON") from None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise PushInvalid("the body is not a JSON array of objects")
    return items


def aliyun_time(value: object) -> datetime | None:
    """``2017-01-01 00:00:00`` (Beijing time, as the pushes write it) → an aware datetime."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=_BEIJING)
    except ValueError:
        raise PushInvalid(f"{value[:40]!r} is not a time YYYY-MM-DD HH:MM:SS") from None


def push_phone(value: object) -> str:
    """A pushed phone number as the platform stores it (:func:`bidding.messaging.addresses.normalise_phone`)."""
    try:
        return normalise_phone(str(value or ""))
    except AddressError as exc:
        raise PushInvalid(f"phone number: {exc}") from None
