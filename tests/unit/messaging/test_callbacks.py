"""The push signature (``X-Bidding-Signature``): HMAC-SHA256 over ``<t>.<body>``, fresh within 5 minutes."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from bidding.messaging.callbacks import BadSignature, sign, signature_header, verify

SECRET = "s" * 40
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
T = int(NOW.timestamp())
BODY = b'[{"sequence_id":1,"content":"1","phone_number":"13800138000"}]'


def test_the_signature_is_the_hmac_of_time_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, T, BODY) == expected
    assert signature_header(SECRET, T, BODY) == f"t={T},v1={expected}"
    verify(SECRET, signature_header(SECRET, T, BODY), BODY, NOW)
    verify(SECRET, signature_header(SECRET, T, BODY), BODY, NOW + timedelta(minutes=5))


def test_one_of_several_signatures_is_enough_while_a_secret_is_replaced() -> None:
    header = f"t={T},v1={sign('o' * 40, T, BODY)},v1={sign(SECRET, T, BODY)}"
    verify(SECRET, header, BODY, NOW)


@pytest.mark.parametrize(
    ("header", "body", "now", "why"),
    [
        (None, BODY, NOW, "no X-Bidding-Signature"),
        ("", BODY, NOW, "no X-Bidding-Signature"),
        ("sha256=abc", BODY, NOW, "must carry t"),
        (f"t={T}", BODY, NOW, "must carry t"),
        ("v1=00", BODY, NOW, "must carry t"),
        (f"t=abc,v1={sign(SECRET, T, BODY)}", BODY, NOW, "not a Unix time"),
        (f"t={T},v1", BODY, NOW, "must be t="),
        (signature_header(SECRET, T, BODY), BODY + b" ", NOW, "does not match"),
        (signature_header("x" * 40, T, BODY), BODY, NOW, "does not match"),
        (signature_header(SECRET, T, BODY), BODY, NOW + timedelta(minutes=5, seconds=1), "more than 5 minutes"),
        (signature_header(SECRET, T, BODY), BODY, NOW - timedelta(minutes=6), "more than 5 minutes"),
    ],
)
def test_anything_else_is_refused_with_its_reason(header: str | None, body: bytes, now: datetime, why: str) -> None:
    with pytest.raises(BadSignature, match=why):
        verify(SECRET, header, body, now)
