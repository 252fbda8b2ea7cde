"""The authentication of a provider's push to the platform (``POST /api/messaging/callbacks/…``).

A push is taken only with a valid header::

    X-Bidding-Signature: t=1734240000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd

``t`` is the sending time in Unix seconds; ``v1`` is the lower-case hex HMAC-SHA256 (RFC 2104,
FIPS 180-4) under ``BIDDING_MESSAGING_CALLBACK_SECRET`` of the bytes ``<t>.`` followed by the request
body exactly as sent. The time must lie within :data:`TOLERANCE` of the platform's clock, so a push
recorded on the way cannot be replayed later (and a push replayed within the window records nothing
new: providers' messages are kept once by their id). Several ``v1=`` values may be given while a
secret is being replaced; one matching is enough. The scheme is Stripe's webhook signature, whose
shape relays and API gateways already know; Aliyun's own pushes are unsigned, so a deployment puts
the signing relay (or the gateway) between the provider and the platform (``docs/messaging.md``).

Pure: the time is passed in, the comparison is constant-time (``hmac.compare_digest``).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Final

__all__ = ["HEADER", "TOLERANCE", "BadSignature", "sign", "signature_header", "verify"]

HEADER: Final = "X-Bidding-Signature"
TOLERANCE: Final = timedelta(minutes=5)


class BadSignature(ValueError):
    """The push is not authentic, or not fresh; the message says which."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``v1`` value of a push of ``body`` at ``timestamp``."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The whole header value a sender puts on a push."""
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify(secret: str, header: str | None, body: bytes, now: datetime) -> None:
    """Return if ``header`` authenticates ``body`` now; :class:`BadSignature` otherwise."""
    if not header:
        raise BadSignature(f"the push carries no {HEADER} header")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            raise BadSignature(f"{HEADER} must be t=<unix time>,v1=<hex>")
        if name == "t":
            if not value.isascii() or not value.isdigit() or len(value) > 12:
                raise BadSignature("t is not a Unix time in seconds")
            timestamp = int(value)
        elif name == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise BadSignature(f"{HEADER} must carry t and at least one v1")
    if abs(now.timestamp() - timestamp) > TOLERANCE.total_seconds():
        raise BadSignature("the push's time is more than 5 minutes from the platform's")
    expected = sign(secret, timestamp, body)
    # Every candidate is compared, each in constant time: the first match ends nothing early.
    matched = [hmac.compare_digest(expected.encode(), c.encode()) for c in candidates]
    if not any(matched):
        raise BadSignature("the signature does not match the body")
