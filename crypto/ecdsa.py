"""ECDSA signature encodings: DER ``Ecdsa-Sig-Value`` (RFC 5480 §2.2.3, RFC 3279 §2.2.3) and the raw
fixed-size ``r || s`` (IEEE P1363) that WebCrypto produces.

A client may send either. The two cannot be told apart by looking: a raw P-256 signature starts
with 0x30 (the DER SEQUENCE tag) once in 256, and a DER signature can be 64 bytes long. So a
verifier tries every reading the bytes allow and keeps the one that verifies.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature


def raw_to_der(signature: bytes) -> bytes:
    """``r || s`` (two big-endian halves of equal size) as DER."""
    half = len(signature) // 2
    return encode_dss_signature(int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big"))


def der_readings(signature: bytes, key: ec.EllipticCurvePublicKey) -> list[bytes]:
    """The DER signatures ``signature`` may stand for: as raw ``r || s`` of the key's size, and as DER."""
    size = (key.curve.key_size + 7) // 8
    readings = []
    if len(signature) == 2 * size:
        readings.append(raw_to_der(signature))
    try:
        r, s = decode_dss_signature(signature)
    except ValueError:
        pass
    else:
        if encode_dss_signature(r, s) == signature:  # strict DER only
            readings.append(signature)
    return readings


def verify_ecdsa(key: ec.EllipticCurvePublicKey, signature: bytes, message: bytes) -> bytes:
    """Verify an ECDSA-SHA-256 signature given raw or DER; returns it as DER.

    Raises :class:`cryptography.exceptions.InvalidSignature` if no reading verifies (a malformed
    signature included).
    """
    for der in der_readings(signature, key):
        try:
            key.verify(der, message, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            continue
        return der
    raise InvalidSignature
