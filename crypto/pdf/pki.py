"""Conversions between ``cryptography`` objects and the asn1crypto / pyhanko-certvalidator world.

pyHanko works on asn1crypto structures; the platform's PKI (:mod:`crypto.ca`) on ``cryptography``.
The validation contexts built here never fetch anything (RFC 5280 §6 path validation with the
CRLs of RFC 5280 §5 and the OCSP responses of RFC 6960 handed in by the caller).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from asn1crypto import keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pyhanko_certvalidator import ValidationContext

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def to_asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    """The asn1crypto form of a ``cryptography`` certificate (same DER)."""
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def to_crypto_cert(cert: asn1_x509.Certificate) -> x509.Certificate:
    """The ``cryptography`` form of an asn1crypto certificate (same DER)."""
    return x509.load_der_x509_certificate(cert.dump())


def to_private_key_info(key: PrivateKey) -> keys.PrivateKeyInfo:
    """PKCS#8 (RFC 5208) ``PrivateKeyInfo`` of a ``cryptography`` private key, as pyHanko expects."""
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return keys.PrivateKeyInfo.load(der)


def unique_certs(certs: Iterable[x509.Certificate]) -> list[x509.Certificate]:
    """Drop duplicates (by DER), keeping the first occurrence."""
    seen: set[bytes] = set()
    out: list[x509.Certificate] = []
    for cert in certs:
        der = cert.public_bytes(serialization.Encoding.DER)
        if der not in seen:
            seen.add(der)
            out.append(cert)
    return out


def validation_context(
    *,
    trust_roots: Sequence[x509.Certificate],
    other_certs: Sequence[x509.Certificate] = (),
    crls: Sequence[bytes] = (),
    ocsps: Sequence[bytes] = (),
    moment: datetime | None = None,
    allow_fetching: bool = False,
    revocation_mode: str = "require",
) -> ValidationContext:
    """A pyhanko-certvalidator context from explicit material; nothing is fetched unless allowed.

    ``revocation_mode`` follows certvalidator's legacy names: ``require`` (every certificate below
    the root needs a CRL or OCSP response), ``hard-fail`` or ``soft-fail``.
    """
    return ValidationContext(
        trust_roots=[to_asn1_cert(c) for c in trust_roots],
        other_certs=[to_asn1_cert(c) for c in other_certs],
        crls=list(crls),
        ocsps=list(ocsps),
        moment=moment,
        allow_fetching=allow_fetching,
        revocation_mode=revocation_mode,
    )
