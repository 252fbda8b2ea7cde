"""Key schedule of the sealed-bid format: HKDF-SHA256 (RFC 5869) from the 256-bit data key.

All values derive from the data key ``K`` and the random 32-byte ``kdf_salt`` of the header::

    commitment       = HKDF(K, salt, "bidseal/v1 key commitment", 32)
    binding key      = HKDF(K, salt, "bidseal/v1 header binding", 32)
    part key||prefix = HKDF(K, salt, "bidseal/v1 part key" 0x00 label 0x00 SHA-256(header), 39)
    binding tag      = HMAC-SHA256(binding key, label 0x00 SHA-256(header))

The commitment is stored in the clear in the header and compared (constant time) before any
segment is decrypted, so a wrong key is reported as such and a package cannot be crafted to
decrypt to two different plaintexts under two keys (key commitment, cf. the "Partitioning
oracle" and "Invisible salamanders" attacks on GCM). The part keys bind the exact header bytes,
so a part moved under another header does not decrypt; the binding tag at the head of each part
lets the reader tell that case (``header_mismatch``) apart from a damaged segment.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto.sealed.errors import HeaderMismatchError, KeyCommitmentMismatchError

DATA_KEY_SIZE: Final = 32
SALT_SIZE: Final = 32
COMMITMENT_SIZE: Final = 32
BINDING_TAG_SIZE: Final = 32
NONCE_PREFIX_SIZE: Final = 7

INFO_COMMITMENT: Final = b"bidseal/v1 key commitment"
INFO_BINDING: Final = b"bidseal/v1 header binding"
INFO_PART_KEY: Final = b"bidseal/v1 part key"

PartLabel = Literal["form", "body"]


class Randomness(Protocol):
    """Source of the random values a writer needs; tests inject a deterministic one for vectors."""

    def token_bytes(self, n: int) -> bytes:
        """Return ``n`` random bytes."""
        ...


class SystemRandomness:
    """The operating system CSPRNG (:func:`secrets.token_bytes`)."""

    def token_bytes(self, n: int) -> bytes:
        return secrets.token_bytes(n)


def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    """HKDF-Extract-and-Expand with SHA-256 (RFC 5869 §2)."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def _check_key(data_key: bytes) -> None:
    if len(data_key) != DATA_KEY_SIZE:
        raise KeyCommitmentMismatchError(f"a data key is {DATA_KEY_SIZE} bytes, got {len(data_key)}")


def key_commitment(data_key: bytes, salt: bytes) -> bytes:
    """The key commitment value stored in the header."""
    _check_key(data_key)
    return hkdf_sha256(data_key, salt, INFO_COMMITMENT, COMMITMENT_SIZE)


def check_commitment(data_key: bytes, salt: bytes, expected: bytes) -> None:
    """Raise :class:`KeyCommitmentMismatchError` unless ``data_key`` matches ``expected`` (constant time)."""
    if not hmac.compare_digest(key_commitment(data_key, salt), expected):
        raise KeyCommitmentMismatchError("the data key does not match this package's key commitment (wrong key)")


@dataclass(frozen=True)
class PartKeys:
    """The AES-256-GCM key and 7-byte STREAM nonce prefix of one part, plus its header binding tag."""

    label: PartLabel
    key: bytes
    nonce_prefix: bytes
    binding_tag: bytes

    def check_binding(self, stored: bytes) -> None:
        """Compare the binding tag stored at the head of the part (constant time)."""
        if not hmac.compare_digest(self.binding_tag, stored):
            raise HeaderMismatchError(
                f"the {self.label} part was sealed under another header (header swapped or altered)"
            )


def part_keys(data_key: bytes, salt: bytes, header_sha256: bytes, label: PartLabel) -> PartKeys:
    """Derive the keys of part ``label`` ("form" or "body") bound to ``SHA-256(header bytes)``."""
    _check_key(data_key)
    name = label.encode("ascii")
    okm = hkdf_sha256(data_key, salt, INFO_PART_KEY + b"\x00" + name + b"\x00" + header_sha256, 32 + NONCE_PREFIX_SIZE)
    binding_key = hkdf_sha256(data_key, salt, INFO_BINDING, 32)
    tag = hmac.new(binding_key, name + b"\x00" + header_sha256, hashlib.sha256).digest()
    return PartKeys(label=label, key=okm[:32], nonce_prefix=okm[32:], binding_tag=tag)
