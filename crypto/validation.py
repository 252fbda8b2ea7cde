"""Certificate path validation (RFC 5280 §6) with revocation checking (RFC 5280 §5 CRLs and
RFC 6960 OCSP), on top of pyhanko-certvalidator.

Several trust roots may be configured (mutual recognition of outside CAs). Nothing is fetched
over the network: CRLs and OCSP responses are handed in by the caller. Every failure maps to
one stable reason code with a Chinese and an English message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Literal

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    InvalidCertificateError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
    ValidationError,
)

ReasonCode = Literal[
    "ok",
    "expired",
    "not_yet_valid",
    "revoked",
    "unknown_issuer",
    "wrong_key_usage",
    "revocation_unknown",
    "invalid_signature",
    "invalid_chain",
    "malformed",
]
RevocationMode = Literal["require", "hard-fail", "soft-fail"]

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "ok": ("证书有效", "certificate is valid"),
    "expired": ("证书已过期", "certificate has expired"),
    "not_yet_valid": ("证书尚未生效", "certificate is not yet valid"),
    "revoked": ("证书已被吊销", "certificate has been revoked"),
    "unknown_issuer": ("证书颁发机构不受信任", "certificate was issued by an untrusted or unknown CA"),
    "wrong_key_usage": ("证书密钥用途不符", "certificate is not valid for the required key usage"),
    "revocation_unknown": ("无法确认证书吊销状态", "revocation status of the certificate cannot be determined"),
    "invalid_signature": ("证书签名无效", "certificate signature is invalid"),
    "invalid_chain": ("证书链无效", "certificate chain is invalid"),
    "malformed": ("证书格式错误", "certificate is malformed"),
}
"""Reason code → (Simplified Chinese, English) message."""

DEFAULT_KEY_USAGE: Final = frozenset({"digital_signature"})


@dataclass(frozen=True)
class ValidationResult:
    """Outcome of :func:`validate_certificate`; ``chain`` runs from the leaf to the trust root."""

    ok: bool
    reason_code: ReasonCode
    message_zh: str
    message_en: str
    chain: tuple[x509.Certificate, ...] = field(default=())
    detail: str = ""


def _result(code: ReasonCode, detail: str = "", chain: tuple[x509.Certificate, ...] = ()) -> ValidationResult:
    zh, en = MESSAGES[code]
    return ValidationResult(code == "ok", code, zh, en, chain, detail)


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def load_certificate(data: bytes | x509.Certificate) -> x509.Certificate:
    """Parse a DER or PEM certificate (raises ValueError if malformed)."""
    if isinstance(data, x509.Certificate):
        return data
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def _signature_broken(cert: x509.Certificate, candidates: Iterable[x509.Certificate]) -> bool:
    """True if some candidate issuer (same DN as ``cert``'s issuer) exists but none verifies the
    signature (RFC 5280 §6.1.3 (a)(1))."""
    issuers = [c for c in candidates if c.subject == cert.issuer]
    if not issuers:
        return False
    for issuer in issuers:
        try:
            cert.verify_directly_issued_by(issuer)
        except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
            continue
        return False
    return True


def classify_error(exc: Exception) -> ReasonCode:
    """Map a pyhanko-certvalidator exception to a reason code (order matters: subclasses first)."""
    if isinstance(exc, RevokedError):
        return "revoked"
    if isinstance(exc, ExpiredError):
        return "expired"
    if isinstance(exc, NotYetValidError):
        return "not_yet_valid"
    if isinstance(exc, InsufficientRevinfoError):
        return "revocation_unknown"
    if isinstance(exc, PathBuildingError):
        return "unknown_issuer"
    text = str(exc).lower()
    if isinstance(exc, InvalidCertificateError):
        return "unknown_issuer" if "self-signed" in text else "wrong_key_usage"
    if isinstance(exc, PathValidationError):
        return "invalid_signature" if "signature" in text else "invalid_chain"
    return "malformed"


async def validate_certificate(
    cert: x509.Certificate | bytes,
    *,
    trust_roots: Sequence[x509.Certificate | bytes],
    intermediates: Sequence[x509.Certificate | bytes] = (),
    now: datetime,
    crls: Sequence[bytes] = (),
    ocsps: Sequence[bytes] = (),
    revocation_mode: RevocationMode = "require",
    key_usage: Iterable[str] = DEFAULT_KEY_USAGE,
    extended_key_usage: Iterable[str] | None = None,
    allow_fetching: bool = False,
    extended_optional: bool = False,
) -> ValidationResult:
    """Validate ``cert`` against any of ``trust_roots`` at time ``now`` (RFC 5280 §6.1).

    ``crls`` (DER) and ``ocsps`` (DER OCSP responses) are the only revocation information used;
    with ``revocation_mode='require'`` every non-root certificate of the path must be covered by
    one of them. ``key_usage`` names bits as pyhanko does (``digital_signature``,
    ``key_cert_sign``, …); ``extended_key_usage`` names purposes (``client_auth``, …) or OIDs,
    required of a certificate that has the extension at all when ``extended_optional``.
    With ``allow_fetching`` missing revocation information is fetched from the URLs in the
    certificates (CRL distribution points, OCSP in AIA), for outside CAs whose CRLs we do not hold.
    Never raises for bad input: the result carries the reason.
    """
    try:
        leaf = load_certificate(cert)
        roots = [load_certificate(c) for c in trust_roots]
        others = [load_certificate(c) for c in intermediates]
        leaf_asn1 = asn1_x509.Certificate.load(_der(leaf))
        _ = leaf_asn1.native  # force a full parse so structural errors surface here
    except (ValueError, TypeError) as exc:
        return _result("malformed", str(exc))
    if _signature_broken(leaf, [*others, *roots]):
        return _result("invalid_signature", "the signature does not verify under the issuer's key")
    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(_der(r)) for r in roots],
        other_certs=[asn1_x509.Certificate.load(_der(c)) for c in others],
        moment=now,
        allow_fetching=allow_fetching,
        crls=list(crls),
        ocsps=list(ocsps),
        revocation_mode=revocation_mode,
    )
    validator = CertificateValidator(leaf_asn1, validation_context=context)
    try:
        return await _validate(validator, key_usage, extended_key_usage, extended_optional)
    finally:
        if allow_fetching:
            await context.aclose()  # type: ignore[no-untyped-call]


async def _validate(
    validator: CertificateValidator,
    key_usage: Iterable[str],
    extended_key_usage: Iterable[str] | None,
    extended_optional: bool,
) -> ValidationResult:
    try:
        path = await validator.async_validate_usage(  # type: ignore[no-untyped-call]
            set(key_usage),
            extended_key_usage=set(extended_key_usage) if extended_key_usage is not None else None,
            extended_optional=extended_optional,
        )
    except (ValidationError, PathBuildingError) as exc:
        return _result(classify_error(exc), str(exc))
    except (ValueError, TypeError, KeyError, NotImplementedError) as exc:
        # asn1crypto / pyhanko parse lazily: structural problems can surface during validation.
        return _result("malformed", f"{type(exc).__name__}: {exc}")
    chain = tuple(x509.load_der_x509_certificate(c.dump()) for c in path.iter_certs(include_root=True))
    return _result("ok", chain=tuple(reversed(chain)))
