"""Encryption at rest of a small secret the platform keeps in its database (a bid's data key once
the bid is opened), under a key derived from the platform's own secret, so that a copy of the
database alone does not give the secret away.

Format, version 1::

    key  = HKDF-SHA256(IKM = platform secret, salt = none, info = "bidding-platform/at-rest/v1" 0x00 purpose, L = 32)
    blob = 0x01 || nonce (12 random bytes) || AES-256-GCM(key, nonce, plaintext, AAD = 0x01 || context)

HKDF is RFC 5869 (no salt: 32 zero bytes, §2.2); AES-GCM is NIST SP 800-38D with a random 96-bit
nonce (§8.2.2), fine for far fewer than 2³² blobs per key. ``purpose`` separates keys for different
uses of the same secret; ``context`` (the record's identifier) binds a blob to its record, so a blob
copied onto another row does not open. Imports nothing of the platform's.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto.errors import CryptoError

__all__ = ["AtRestCipher", "AtRestError", "MalformedAtRestError", "NotAuthenticAtRestError"]

VERSION: Final = b"\x01"
NONCE_SIZE: Final = 12
TAG_SIZE: Final = 16
INFO_PREFIX: Final = b"bidding-platform/at-rest/v1\x00"
MIN_SECRET_SIZE: Final = 16


class AtRestError(CryptoError):
    """A blob kept at rest cannot be opened."""

    code = "at_rest_error"


class MalformedAtRestError(AtRestError):
    """The blob is too short or of a version this code does not read."""

    code = "at_rest_malformed"


class NotAuthenticAtRestError(AtRestError):
    """The blob fails authentication: another secret, another context, or altered bytes."""

    code = "at_rest_not_authentic"


class AtRestCipher:
    """Seals and opens blobs for one ``purpose`` under one platform secret."""

    def __init__(
        self, secret: bytes, purpose: str, *, token_bytes: Callable[[int], bytes] = secrets.token_bytes
    ) -> None:
        if len(secret) < MIN_SECRET_SIZE:
            raise ValueError(f"the platform secret must be at least {MIN_SECRET_SIZE} bytes")
        info = INFO_PREFIX + purpose.encode()
        self._aead = AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret))
        self._token_bytes = token_bytes  # tests pass a fixed nonce source for vectors

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        nonce = self._token_bytes(NONCE_SIZE)
        return VERSION + nonce + self._aead.encrypt(nonce, plaintext, VERSION + context)

    def open(self, blob: bytes, context: bytes) -> bytes:
        if len(blob) < 1 + NONCE_SIZE + TAG_SIZE:
            raise MalformedAtRestError(f"a sealed blob is at least {1 + NONCE_SIZE + TAG_SIZE} bytes, got {len(blob)}")
        if blob[:1] != VERSION:
            raise MalformedAtRestError(f"unknown at-rest format version {blob[0]}")
        nonce, sealed = blob[1 : 1 + NONCE_SIZE], blob[1 + NONCE_SIZE :]
        try:
            return self._aead.decrypt(nonce, sealed, VERSION + context)
        except InvalidTag:
            raise NotAuthenticAtRestError(
                "the sealed blob does not open: another platform secret, another record, or altered bytes"
            ) from None
