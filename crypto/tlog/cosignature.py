"""C2SP ``tlog-cosignature`` (https://c2sp.org/tlog-cosignature), the Ed25519 ``cosignature/v1`` type.

A witness cosigns a checkpoint with a signed-note signature of type 0x04 (§Format): the key ID is
``SHA-256(name || "\\n" || 0x04 || pub32)[:4]``, the signature is a ``timestamped_signature``
``u64 timestamp (big-endian) || ed25519_signature[64]``, and the signed message is
``"cosignature/v1\\n" "time <timestamp>\\n"`` followed by the whole checkpoint body, extension lines
included, signature lines excluded (§Ed25519 signed message). Meaning: as of that time, this is the
largest consistent tree the witness has seen for the origin. ML-DSA-44 cosignatures (type 0x06) are
not supported.

:class:`CosignatureVerifier` is a :class:`crypto.tlog.note.Verifier`: ``open_note`` hands it the note
text and it builds the cosigned message, so log and witness keys go in one verifier list.
"""

from __future__ import annotations

import hmac
import struct
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidSignature as _Ed25519Mismatch
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from crypto.tlog.note import (
    ALG_COSIGNATURE_V1,
    Ed25519Key,
    Ed25519SigningKey,
    NoteError,
    Signature,
)

__all__ = [
    "COSIGNATURE_HEADER",
    "MAX_TIMESTAMP",
    "Cosignature",
    "CosignatureError",
    "CosignatureSigner",
    "CosignatureVerifier",
    "cosignature_message",
]

COSIGNATURE_HEADER: Final = "cosignature/v1\n"
MAX_TIMESTAMP: Final = 2**63 - 1
"""tlog-cosignature §Format: the timestamp MUST NOT exceed 2^63 - 1."""
_TIMESTAMP: Final = struct.Struct(">Q")
_SIGNATURE_SIZE: Final = 64
_VALUE_SIZE: Final = _TIMESTAMP.size + _SIGNATURE_SIZE
_PRIVATE_PREFIX: Final = "PRIVATE+KEY+"


class CosignatureError(NoteError):
    """A cosignature or cosigner key is malformed, or a cosignature does not verify."""

    code = "cosignature_invalid"


def _check_timestamp(timestamp: int) -> int:
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or not 0 <= timestamp <= MAX_TIMESTAMP:
        raise CosignatureError("a cosignature timestamp is a POSIX time from 0 to 2^63 - 1")
    return timestamp


def _check_body(body: str) -> bytes:
    """A cosigned body is a note text with at least the three checkpoint lines; returned as UTF-8."""
    if not body.endswith("\n") or body.count("\n") < 3:
        raise CosignatureError("a cosigned checkpoint body has at least three newline-terminated lines")
    try:
        return body.encode("utf-8")
    except UnicodeEncodeError:
        raise CosignatureError("a cosigned checkpoint body is valid UTF-8") from None


def cosignature_message(body: str | bytes, timestamp: int) -> bytes:
    """The Ed25519 cosignature/v1 signed message (tlog-cosignature §Ed25519 signed message)::

    cosignature/v1
    time <timestamp, decimal, no leading zeroes>
    <the checkpoint body, final newline included>
    """
    raw = _check_body(body) if isinstance(body, str) else body
    return f"{COSIGNATURE_HEADER}time {_check_timestamp(timestamp)}\n".encode() + raw


@dataclass(frozen=True)
class Cosignature:
    """A cosignature line's content: the witness's name and key ID, the time it states, and the
    Ed25519 signature (64 bytes)."""

    name: str
    key_id: bytes
    timestamp: int
    signature: bytes

    @classmethod
    def from_signature(cls, sig: Signature) -> Cosignature:
        """Read a note signature as a ``timestamped_signature`` (tlog-cosignature §Format)."""
        if len(sig.signature) != _VALUE_SIZE:
            raise CosignatureError(f"an Ed25519 cosignature is {_VALUE_SIZE} bytes after the key ID")
        (timestamp,) = _TIMESTAMP.unpack_from(sig.signature)
        return cls(sig.name, sig.key_id, _check_timestamp(timestamp), sig.signature[_TIMESTAMP.size :])

    def to_signature(self) -> Signature:
        """The note signature: ``u64 timestamp BE || signature``."""
        return Signature(self.name, self.key_id, _TIMESTAMP.pack(_check_timestamp(self.timestamp)) + self.signature)


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class CosignatureVerifier(Ed25519Key):
    """A witness key (type 0x04). As a note :class:`~crypto.tlog.note.Verifier`, ``verify`` takes the
    note text and the timestamped signature and checks the cosigned message."""

    ALG = ALG_COSIGNATURE_V1
    KIND = "cosignature/v1"
    ERROR = CosignatureError

    def verify(self, message: bytes, signature: bytes) -> bool:
        """``message`` is the checkpoint body (the note text); ``signature`` is timestamp || sig."""
        if len(signature) != _VALUE_SIZE:
            return False
        (timestamp,) = _TIMESTAMP.unpack_from(signature)
        if timestamp > MAX_TIMESTAMP or message.count(b"\n") < 3:
            return False
        try:
            self._public_key.verify(signature[_TIMESTAMP.size :], cosignature_message(message, timestamp))
        except _Ed25519Mismatch:
            return False
        return True

    def verify_cosignature(self, body: str, sig: Signature) -> Cosignature:
        """Check one cosignature line of this witness over ``body``; returns it with its timestamp."""
        if sig.name != self._name or not hmac.compare_digest(sig.key_id, self._key_id):
            raise CosignatureError("the cosignature is not from this witness key")
        if not self.verify(_check_body(body), sig.signature):
            raise CosignatureError(f"the cosignature of {self._name} does not verify")
        return Cosignature.from_signature(sig)


class CosignatureSigner(Ed25519SigningKey[CosignatureVerifier]):
    """A witness signing key. Time is passed in, never read here: the witness's clock decides."""

    VERIFIER = CosignatureVerifier

    def cosign(self, checkpoint_body: str, timestamp: int) -> Signature:
        """Cosign a checkpoint body at ``timestamp`` (POSIX seconds). The caller has checked that the
        checkpoint is signed by the log and consistent with the largest tree it saw for the origin;
        add the result to the note with :func:`crypto.tlog.note.add_signatures`."""
        message = cosignature_message(checkpoint_body, timestamp)
        return Cosignature(self._name, self.key_id, timestamp, self._private_key.sign(message)).to_signature()
