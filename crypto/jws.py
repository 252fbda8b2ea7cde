"""Signed JSON documents as JWS (RFC 7515) in the compact serialisation, with the signer's
certificate chain in the ``x5c`` header (§4.1.6), so anyone can verify a platform receipt with
any JOSE library and check the chain against the platform root.

Algorithms (RFC 7518 §3): ``ES256`` (ECDSA P-256, signature as raw ``r‖s``), ``RS256``
(RSASSA-PKCS1-v1_5 with SHA-256). The payload is the exact bytes given (canonical JSON is the
caller's choice); verification uses constant-time comparisons only through the signature check.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from crypto.ecdsa import raw_to_der
from crypto.errors import CryptoError
from crypto.keyfiles import PrivateKey

MAX_JWS: Final = 1024 * 1024


class JwsError(CryptoError):
    """The JWS is malformed, uses an unsupported algorithm, or its signature does not verify."""

    code = "jws_invalid"


@dataclass(frozen=True)
class VerifiedJws:
    header: dict[str, Any]
    payload: bytes
    chain: tuple[x509.Certificate, ...]

    def json(self) -> Any:
        return json.loads(self.payload)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise JwsError("a JWS part is not base64url") from None


def sign(payload: bytes, key: PrivateKey, chain: list[x509.Certificate], typ: str = "JWT") -> str:
    """Compact JWS of ``payload`` signed with ``key``; ``chain`` starts with the signer's certificate."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise JwsError("only P-256 EC keys are supported (ES256)")
        alg = "ES256"
    else:
        alg = "RS256"
    x5c = [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in chain]
    header = {"alg": alg, "typ": typ, "x5c": x5c}
    signing_input = f"{_b64(json.dumps(header, separators=(',', ':')).encode())}.{_b64(payload)}".encode()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    else:
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input.decode()}.{_b64(signature)}"


def verify(token: str) -> VerifiedJws:
    """Check the signature with the first ``x5c`` certificate; the chain's trust is the caller's to check."""
    if len(token) > MAX_JWS:
        raise JwsError("the JWS is too large")
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise JwsError("a compact JWS has three parts")
    try:
        header = json.loads(_unb64(parts[0]))
        chain = tuple(x509.load_der_x509_certificate(base64.b64decode(c)) for c in header["x5c"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise JwsError("the JWS header is malformed or lacks x5c") from None
    if not chain:
        raise JwsError("x5c is empty")
    payload, signature = _unb64(parts[1]), _unb64(parts[2])
    signing_input = f"{parts[0]}.{parts[1]}".encode()
    public_key = chain[0].public_key()
    try:
        if header.get("alg") == "ES256" and isinstance(public_key, ec.EllipticCurvePublicKey):
            if len(signature) != 64:
                raise JwsError("an ES256 signature is 64 bytes")
            public_key.verify(raw_to_der(signature), signing_input, ec.ECDSA(hashes.SHA256()))
        elif header.get("alg") == "RS256" and isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        else:
            raise JwsError(f"algorithm {header.get('alg')!r} does not fit the signer's key")
    except InvalidSignature:
        raise JwsError("the JWS signature does not verify") from None
    return VerifiedJws(header=header, payload=payload, chain=chain)
