"""Certificate login: the challenge a client signs, and the check of that signature.

The protocol (``docs/login.md``): the server issues a one-time challenge; the client signs the
*challenge message* below with the private key of its certificate; the server checks the
signature with the certificate's public key, then validates the certificate. This module is the
stateless half: building the exact bytes that get signed, signing them (for the Python client)
and verifying a signature. Keeping challenges one-time is the caller's business.

The signed bytes name the audience (the platform's base URL), so a signature made for another
platform or another purpose never verifies here; and the certificate fingerprint, so a challenge
issued for one certificate cannot be answered with another.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal, get_args

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from crypto.ecdsa import verify_ecdsa
from crypto.errors import CryptoError

LOGIN_CONTEXT: Final = "bidding-platform-login-v1"
SignatureAlgorithm = Literal["rsa-pss-sha256", "rsa-pkcs1-sha256", "ecdsa-p256-sha256"]
SIGNATURE_ALGORITHMS: Final[tuple[str, ...]] = get_args(SignatureAlgorithm)


class LoginSignatureError(CryptoError):
    """The login signature does not verify, or does not fit the certificate's key."""

    code = "signature_invalid"


class UnsupportedSignatureAlgorithm(CryptoError):
    """The algorithm is not one of :data:`SIGNATURE_ALGORITHMS` or does not match the key type."""

    code = "unsupported_signature_algorithm"


def certificate_fingerprint(cert: x509.Certificate) -> str:
    """Lower-case hex SHA-256 of the certificate's DER encoding: how the platform names a certificate."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


@dataclass(frozen=True)
class Challenge:
    """What the server hands out; :meth:`message` is exactly what the client signs."""

    challenge_id: str
    nonce: bytes
    audience: str
    fingerprint: str
    issued_at: datetime
    expires_at: datetime

    def message(self) -> bytes:
        """The signed bytes: UTF-8 lines, LF-separated, no trailing newline.

        ``context / audience / challenge id / nonce (base64url, unpadded) / issued-at / expires-at
        (RFC 3339, UTC, seconds) / certificate SHA-256 (hex)``.
        """
        lines = [
            LOGIN_CONTEXT,
            self.audience,
            self.challenge_id,
            base64.urlsafe_b64encode(self.nonce).rstrip(b"=").decode(),
            _rfc3339(self.issued_at),
            _rfc3339(self.expires_at),
            self.fingerprint,
        ]
        return "\n".join(lines).encode()


def _rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise CryptoError("challenge times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def default_algorithm(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> SignatureAlgorithm:
    return "ecdsa-p256-sha256" if isinstance(key, ec.EllipticCurvePrivateKey) else "rsa-pss-sha256"


def sign_message(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    message: bytes,
    algorithm: SignatureAlgorithm | None = None,
) -> bytes:
    """Sign ``message`` as the client does. ECDSA signatures are DER (``Ecdsa-Sig-Value``)."""
    algorithm = algorithm or default_algorithm(key)
    if isinstance(key, rsa.RSAPrivateKey):
        if algorithm == "rsa-pss-sha256":
            return key.sign(message, _pss(), hashes.SHA256())
        if algorithm == "rsa-pkcs1-sha256":
            return key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    elif isinstance(key, ec.EllipticCurvePrivateKey) and algorithm == "ecdsa-p256-sha256":
        if not isinstance(key.curve, ec.SECP256R1):
            raise UnsupportedSignatureAlgorithm(f"EC curve {key.curve.name} is not supported; use P-256")
        return key.sign(message, ec.ECDSA(hashes.SHA256()))
    raise UnsupportedSignatureAlgorithm(f"{algorithm} does not fit a {type(key).__name__}")


def _pss() -> padding.PSS:
    # RFC 8017 §9.1 with SHA-256, MGF1-SHA256 and a 32-byte salt: what WebCrypto's RSA-PSS produces
    # with saltLength 32; verification accepts any salt length the signer chose.
    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


def verify_signature(cert: x509.Certificate, message: bytes, signature: bytes, algorithm: str) -> None:
    """Check ``signature`` over ``message`` with ``cert``'s public key; raise a :class:`CryptoError` if not.

    ECDSA signatures may be DER or the raw 64-byte ``r || s`` that WebCrypto returns (IEEE P1363).
    """
    if algorithm not in SIGNATURE_ALGORITHMS:
        raise UnsupportedSignatureAlgorithm(
            f"unknown signature algorithm {algorithm!r}; use one of {', '.join(SIGNATURE_ALGORITHMS)}"
        )
    public_key = cert.public_key()
    try:
        if isinstance(public_key, rsa.RSAPublicKey) and algorithm == "rsa-pss-sha256":
            pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)
            public_key.verify(signature, message, pss, hashes.SHA256())
        elif isinstance(public_key, rsa.RSAPublicKey) and algorithm == "rsa-pkcs1-sha256":
            public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public_key, ec.EllipticCurvePublicKey) and algorithm == "ecdsa-p256-sha256":
            if not isinstance(public_key.curve, ec.SECP256R1):
                raise UnsupportedSignatureAlgorithm(f"EC curve {public_key.curve.name} is not supported")
            verify_ecdsa(public_key, signature, message)
        else:
            raise UnsupportedSignatureAlgorithm(
                f"{algorithm} does not fit the certificate's {type(public_key).__name__.removeprefix('_')} key"
            )
    except InvalidSignature:
        raise LoginSignatureError("the signature does not verify with the certificate's public key") from None
    except ValueError as exc:  # malformed DER, wrong length
        raise LoginSignatureError(f"the signature is malformed: {exc}") from None
