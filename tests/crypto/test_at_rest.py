"""Encryption at rest (crypto.at_rest): a fixed vector, the format as documented, and each failure."""

from __future__ import annotations

import os
import uuid

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto.at_rest import AtRestCipher, AtRestError, MalformedAtRestError, NotAuthenticAtRestError

SECRET = b"test-secret-key-" + b"y" * 32
PURPOSE = "opened bid data key"
CONTEXT = uuid.UUID("00000000-0000-4000-8000-000000000001").bytes
PLAINTEXT = bytes(range(32))
NONCE = bytes(range(12))
VECTOR = bytes.fromhex(
    "01000102030405060708090a0b"
    "b0aaab87891f786a78da46bb6677c9358a8990daf775f333c457d64785fa77e9"
    "7a92a50c2933451ed0c24d6aeaf47f96"
)


def fixed_nonce(n: int) -> bytes:
    assert n == 12
    return NONCE


def test_the_vector() -> None:
    cipher = AtRestCipher(SECRET, PURPOSE, token_bytes=fixed_nonce)
    assert cipher.seal(PLAINTEXT, CONTEXT) == VECTOR
    assert AtRestCipher(SECRET, PURPOSE).open(VECTOR, CONTEXT) == PLAINTEXT


def test_the_format_is_the_documented_one() -> None:
    """HKDF-SHA256 (RFC 5869, no salt) then AES-256-GCM (SP 800-38D), straight from the primitives."""
    key = HKDF(hashes.SHA256(), 32, salt=None, info=b"bidding-platform/at-rest/v1\x00" + PURPOSE.encode()).derive(
        SECRET
    )
    assert b"\x01" + NONCE + AESGCM(key).encrypt(NONCE, PLAINTEXT, b"\x01" + CONTEXT) == VECTOR


def test_nonces_are_fresh() -> None:
    cipher = AtRestCipher(SECRET, PURPOSE)
    first, second = cipher.seal(PLAINTEXT, CONTEXT), cipher.seal(PLAINTEXT, CONTEXT)
    assert first != second and len(first) == 1 + 12 + 32 + 16
    assert PLAINTEXT not in first
    assert cipher.open(first, CONTEXT) == cipher.open(second, CONTEXT) == PLAINTEXT


@pytest.mark.parametrize(
    ("secret", "purpose", "context"),
    [
        (b"another-secret-" + b"z" * 32, PURPOSE, CONTEXT),  # the platform secret changed
        (SECRET, "another purpose", CONTEXT),  # a key for another use of the same secret
        (SECRET, PURPOSE, uuid.UUID(int=2).bytes),  # copied onto another record
    ],
)
def test_another_secret_purpose_or_record_does_not_open(secret: bytes, purpose: str, context: bytes) -> None:
    with pytest.raises(NotAuthenticAtRestError) as raised:
        AtRestCipher(secret, purpose).open(VECTOR, context)
    assert raised.value.code == "at_rest_not_authentic"


@pytest.mark.parametrize("position", [1, 12, 13, 40, len(VECTOR) - 1])
def test_any_altered_byte_is_refused(position: int) -> None:
    altered = bytearray(VECTOR)
    altered[position] ^= 0x01
    with pytest.raises(NotAuthenticAtRestError):
        AtRestCipher(SECRET, PURPOSE).open(bytes(altered), CONTEXT)


@pytest.mark.parametrize(
    "blob",
    [b"", VECTOR[:28], b"\x02" + VECTOR[1:], os.urandom(3)],
    ids=["empty", "truncated", "version 2", "short noise"],
)
def test_malformed_blobs(blob: bytes) -> None:
    with pytest.raises(MalformedAtRestError) as raised:
        AtRestCipher(SECRET, PURPOSE).open(blob, CONTEXT)
    assert isinstance(raised.value, AtRestError) and raised.value.code == "at_rest_malformed"


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        AtRestCipher(b"short", PURPOSE)
