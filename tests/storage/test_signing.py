"""storage.signing: the HMAC scheme behind the local store's signed URLs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storage.signing import SignatureInvalid, content_disposition, sign, verify

KEY = b"signing-test-key-0123456789abcdef"


def test_signature_depends_on_the_signing_key() -> None:
    params = sign(KEY, op="GET", key="k", expires_at=4_000_000_000)
    verify(KEY, op="GET", key="k", query=params, now=datetime.now(UTC))
    with pytest.raises(SignatureInvalid):
        verify(b"another-key-of-32-bytes-length!!", op="GET", key="k", query=params, now=datetime.now(UTC))


def test_sign_refuses_inconsistent_requests() -> None:
    with pytest.raises(ValueError, match="content type"):
        sign(KEY, op="PUT", key="k", expires_at=1)
    with pytest.raises(ValueError, match="op"):
        sign(KEY, op="DELETE", key="k", expires_at=1)
    with pytest.raises(ValueError, match="GET"):
        sign(KEY, op="PUT", key="k", expires_at=1, content_type="a/b", filename="x")


def test_content_disposition_is_ascii_safe() -> None:
    value = content_disposition('招标 "final".pdf')
    assert value.isascii()
    assert value.startswith('attachment; filename="')
    assert "filename*=UTF-8''%E6%8B%9B%E6%A0%87%20%22final%22.pdf" in value
