"""Detached CMS SignedData (RFC 5652 §5) by the bidder, over a SHA-256 digest.

Profile: ContentInfo(SignedData v1), digestAlgorithms {sha256}, encapContentInfo ``id-data``
with the content absent (detached, §5.2), the signer's certificate in ``certificates``, one
SignerInfo v1 (issuerAndSerialNumber) with signed attributes (§5.3, §11) contentType = id-data,
signingTime and messageDigest = SHA-256 of the detached content. The signature is over the DER
of the signed attributes as a SET OF (§5.4), sorted in DER order, with:

* RSA: RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2; algorithm ``rsaEncryption`` as OpenSSL
  writes it); RSASSA-PSS (RFC 4055 §3) with SHA-256 is accepted when verifying;
* EC P-256: ECDSA with SHA-256 (RFC 5753 §2.1.1 / RFC 5754 §3.3, ``ecdsa-with-SHA256``).

Verification checks the structure (strictly: version 1, digestAlgorithms {sha256}, exactly the
signer's certificate, no CRLs, no unsigned attributes), that messageDigest equals the expected digest (constant
time) and the signature with the certificate embedded in the SignedData; it returns that
certificate. Deciding whether the certificate belongs to the expected bidder and chains to a
trusted CA is the caller's job.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from asn1crypto import algos, cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from crypto.sealed.errors import SignatureInvalidError

MAX_SIGNATURE_SIZE: Final = 1024 * 1024

SignerKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class VerifiedSignature:
    """A signature that verified: the embedded signer certificate and the signed signingTime."""

    signer_cert: x509.Certificate
    signing_time: datetime | None


def sign_detached(digest: bytes, key: SignerKey, cert: x509.Certificate, signing_time: datetime) -> bytes:
    """Build a DER ContentInfo(SignedData) over content whose SHA-256 is ``digest``."""
    if len(digest) != 32:
        raise ValueError("digest must be a SHA-256 value")
    if signing_time.tzinfo is None or signing_time.utcoffset() is None:
        raise ValueError("signing_time must be timezone-aware")
    cert_der = cert.public_bytes(serialization.Encoding.DER)
    parsed = asn1_x509.Certificate.load(cert_der)
    when = signing_time.astimezone(UTC).replace(microsecond=0)
    kind = "utc_time" if 1950 <= when.year < 2050 else "general_time"  # RFC 5652 §11.3
    time = cms.Time(name=kind, value=when)
    attrs = [
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        cms.CMSAttribute({"type": "signing_time", "values": [time]}),
        cms.CMSAttribute({"type": "message_digest", "values": [digest]}),
    ]
    attrs.sort(key=lambda a: a.dump())  # DER orders SET OF by encoding (X.690 §11.6)
    signed_attrs = cms.CMSAttributes(attrs)
    to_sign = signed_attrs.dump()
    signature_algorithm: dict[str, Any]
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
        signature_algorithm = {"algorithm": "rsassa_pkcs1v15", "parameters": core.Null()}
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(to_sign, ec.ECDSA(hashes.SHA256()))
        signature_algorithm = {"algorithm": "sha256_ecdsa"}
    else:
        raise TypeError("the signer key must be RSA or EC")
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                name="issuer_and_serial_number",
                value={"issuer": parsed.issuer, "serial_number": parsed.serial_number},
            ),
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": signed_attrs,
            "signature_algorithm": signature_algorithm,
            "signature": signature,
        }
    )
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {"content_type": "data"},
            "certificates": [parsed],
            "signer_infos": [signer_info],
        }
    )
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump())


def _fail(message: str) -> SignatureInvalidError:
    return SignatureInvalidError(message)


def _find_cert(signed_data: cms.SignedData, sid: cms.SignerIdentifier) -> asn1_x509.Certificate:
    for choice in signed_data["certificates"] or []:
        if choice.name != "certificate":
            continue
        cert = choice.chosen
        if sid.name == "issuer_and_serial_number":
            ias = sid.chosen
            if cert.issuer == ias["issuer"] and cert.serial_number == ias["serial_number"].native:
                return cert
        elif sid.name == "subject_key_identifier" and cert.key_identifier == sid.chosen.native:
            return cert
    raise _fail("the signer's certificate is not embedded in the signature")


def _verify_raw(public_key: object, algorithm: Any, signature: bytes, data: bytes) -> None:
    name = algorithm["algorithm"].native
    try:
        if isinstance(public_key, rsa.RSAPublicKey) and name in ("rsassa_pkcs1v15", "sha256_rsa"):
            public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public_key, rsa.RSAPublicKey) and name == "rsassa_pss":
            params = algorithm["parameters"]
            if params["hash_algorithm"]["algorithm"].native != "sha256":
                raise _fail("RSASSA-PSS signatures must use SHA-256")
            salt = int(params["salt_length"].native)
            pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=salt)
            public_key.verify(signature, data, pss, hashes.SHA256())
        elif isinstance(public_key, ec.EllipticCurvePublicKey) and name in ("sha256_ecdsa", "ecdsa"):
            if not isinstance(public_key.curve, ec.SECP256R1):
                raise _fail("ECDSA signatures must use P-256")
            public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            raise _fail(f"signature algorithm {name} is not accepted for this key")
    except SignatureInvalidError:
        raise
    except (InvalidSignature, ValueError, TypeError, KeyError):
        raise _fail("the signature does not verify") from None


def verify_detached(der: bytes, digest: bytes) -> VerifiedSignature:
    """Verify a detached SignedData over content whose SHA-256 is ``digest``; see the module doc."""
    if len(der) > MAX_SIGNATURE_SIZE:
        raise _fail("signature too large")
    try:
        info = cms.ContentInfo.load(der, strict=True)
        info.native  # noqa: B018 - forces a full parse so errors surface here
        if info["content_type"].native != "signed_data":
            raise _fail("not a CMS SignedData")
        signed_data = info["content"]
        # The trailer is outside the signed digest: refuse every variation the profile does not use,
        # so that a valid signature has exactly one encoding of its unsigned fields.
        if signed_data["version"].native != "v1":
            raise _fail("SignedData version must be 1")
        digest_algorithms = signed_data["digest_algorithms"]
        if len(digest_algorithms) != 1 or digest_algorithms[0]["algorithm"].native != "sha256":
            raise _fail("digestAlgorithms must be exactly SHA-256")
        if len(signed_data["certificates"] or []) != 1 or signed_data["crls"].native is not None:
            raise _fail("the signature must embed exactly the signer's certificate and no CRLs")
        if signed_data["encap_content_info"]["content_type"].native != "data":
            raise _fail("the signed content type must be id-data")
        if signed_data["encap_content_info"]["content"].native is not None:
            raise _fail("the signature must be detached")
        signer_infos = signed_data["signer_infos"]
        if len(signer_infos) != 1:
            raise _fail("exactly one signer is expected")
        si = signer_infos[0]
        if si["version"].native != "v1" or si["unsigned_attrs"].native is not None:
            raise _fail("the SignerInfo must be version 1 without unsigned attributes")
        if si["digest_algorithm"]["algorithm"].native != "sha256":
            raise _fail("the digest algorithm must be SHA-256")
        signed_attrs = si["signed_attrs"]
        if not signed_attrs:
            raise _fail("signed attributes are required")
        values: dict[str, Any] = {}
        for attr in signed_attrs:
            attr_type = attr["type"].native
            if attr_type in values or len(attr["values"]) != 1:
                raise _fail(f"signed attribute {attr_type} must occur once with one value")
            values[attr_type] = attr["values"][0].native
        if values.get("content_type") != "data":
            raise _fail("the contentType attribute must be id-data")
        message_digest = values.get("message_digest")
        if not isinstance(message_digest, bytes) or not hmac.compare_digest(message_digest, digest):
            raise _fail("the signed digest does not match the content (content altered)")
        signing_time = values.get("signing_time")
        cert = _find_cert(signed_data, si["sid"])
        raw_attrs = signed_attrs.dump()
        to_verify = b"\x31" + raw_attrs[1:]  # [0] IMPLICIT -> SET OF, as signed (RFC 5652 §5.4)
        signer_cert = x509.load_der_x509_certificate(cert.dump())
        signature = si["signature"].native
        algorithm = si["signature_algorithm"]
        public_key = signer_cert.public_key()
    except SignatureInvalidError:
        raise
    except Exception:  # asn1crypto raises many types (ValueError, TypeError, AttributeError …) on bad DER
        raise _fail("the signature is not valid DER CMS SignedData") from None
    _verify_raw(public_key, algorithm, signature, to_verify)
    when = signing_time if isinstance(signing_time, datetime) else None
    return VerifiedSignature(signer_cert=signer_cert, signing_time=when)
