"""Revocation: the CRL (RFC 5280 §5) and the OCSP responder (RFC 6960).

The platform keeps a :class:`RevocationList` (serial → revocation time and reason); this module
turns it into a signed CRL or answers an OCSP request from it. Persistence is the caller's
business.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, Literal

from asn1crypto import keys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from crypto.ca import CertificateAuthority, PrivateKey
from crypto.errors import CryptoError

DEFAULT_OCSP_VALIDITY: Final = timedelta(hours=1)
_OCSP_HASHES: Final[dict[str, type[hashes.HashAlgorithm]]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


@dataclass(frozen=True, slots=True)
class DelegatedResponder:
    """A key and certificate the issuing CA authorised to sign OCSP responses (RFC 6960 §4.2.2.2).

    The certificate comes from :meth:`CertificateAuthority.issue_ocsp_responder_certificate`.
    """

    key: PrivateKey
    cert: x509.Certificate

    def valid_at(self, now: datetime) -> bool:
        """Inside the certificate's validity period (a response is never signed outside it)."""
        return self.cert.not_valid_before_utc <= now < self.cert.not_valid_after_utc


@dataclass(frozen=True, slots=True)
class RevokedEntry:
    """When and why one certificate was revoked (RFC 5280 §5.3.1 reasonCode)."""

    revoked_at: datetime
    reason: x509.ReasonFlags


@dataclass
class RevocationList:
    """Revoked certificates of one CA, keyed by serial number."""

    entries: dict[int, RevokedEntry] = field(default_factory=dict)

    def revoke(self, serial: int, revoked_at: datetime, reason: x509.ReasonFlags) -> RevokedEntry:
        """Record a revocation; revoking again keeps the first record (revocation is final)."""
        if reason == x509.ReasonFlags.remove_from_crl:
            raise CryptoError("removeFromCRL is only meaningful in delta CRLs and cannot be recorded")
        if revoked_at.tzinfo is None:
            raise CryptoError("revocation time must be timezone-aware")
        return self.entries.setdefault(serial, RevokedEntry(revoked_at, reason))

    def get(self, serial: int) -> RevokedEntry | None:
        """The revocation record for ``serial``, or None if it is not revoked."""
        return self.entries.get(serial)

    def __contains__(self, serial: object) -> bool:
        return serial in self.entries

    def __iter__(self) -> Iterator[tuple[int, RevokedEntry]]:
        return iter(sorted(self.entries.items()))

    def __len__(self) -> int:
        return len(self.entries)


def _revoked_certificate(serial: int, entry: RevokedEntry) -> x509.RevokedCertificate:
    """RFC 5280 §5.3.1: reasonCode is omitted for 'unspecified'."""
    builder = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(entry.revoked_at)
    if entry.reason != x509.ReasonFlags.unspecified:
        builder = builder.add_extension(x509.CRLReason(entry.reason), critical=False)
    return builder.build()


def build_crl(
    ca: CertificateAuthority,
    revoked: RevocationList,
    now: datetime,
    next_update: datetime,
    *,
    crl_number: int | None = None,
    issuer: Literal["issuing", "root"] = "issuing",
) -> bytes:
    """Build a DER CRL (RFC 5280 §5.1) signed by the issuing CA (or the root, for CA revocations).

    ``crl_number`` (§5.2.3) must increase monotonically; by default it is ``now`` in Unix seconds,
    which does as long as CRLs are not issued twice in the same second.
    """
    if next_update <= now:
        raise CryptoError("nextUpdate must be after thisUpdate")
    cert, key = (ca.issuing_cert, ca.issuing_key) if issuer == "issuing" else (ca.root_cert, ca.root_key)
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(cert.subject)
        .last_update(now)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(crl_number if crl_number is not None else int(now.timestamp())), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
    )
    for serial, entry in revoked:
        builder = builder.add_revoked_certificate(_revoked_certificate(serial, entry))
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _malformed() -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST).public_bytes(
        serialization.Encoding.DER
    )


def _issuer_hashes(cert: x509.Certificate, algorithm: hashes.HashAlgorithm) -> tuple[bytes, bytes]:
    """RFC 6960 §4.1.1 CertID: hash of the issuer DN and of the issuer public key BIT STRING."""
    name_hash = hashes.Hash(algorithm)
    name_hash.update(cert.subject.public_bytes())
    key_hash = hashes.Hash(algorithm)
    key_hash.update(_public_key_bits(cert))
    return name_hash.finalize(), key_hash.finalize()


def _public_key_bits(cert: x509.Certificate) -> bytes:
    """The subjectPublicKey BIT STRING value without its unused-bits octet."""
    spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    bits: bytes = keys.PublicKeyInfo.load(spki)["public_key"].contents[1:]
    return bits


def ocsp_response(
    ca: CertificateAuthority,
    request_der: bytes,
    revoked: RevocationList,
    now: datetime,
    is_issued: Callable[[int], bool],
    validity: timedelta = DEFAULT_OCSP_VALIDITY,
    responder: DelegatedResponder | None = None,
) -> bytes:
    """Answer an OCSP request (RFC 6960 §2.2) with a basic response.

    GOOD if issued and not revoked, REVOKED (time and reason) if revoked, UNKNOWN if the serial
    was not issued by us or the request names another issuer. A request that cannot be parsed
    gets a ``malformedRequest`` response (§2.3), never an exception.

    Signed by ``responder`` (a delegated responder, §4.2.2.2: its certificate goes in the
    response's ``certs`` and names it by key hash) when given, else by the issuing CA itself.
    """
    try:
        request = ocsp.load_der_ocsp_request(request_der)
        algorithm = _OCSP_HASHES[request.hash_algorithm.name]()
        serial = request.serial_number
        name_hash, key_hash = request.issuer_name_hash, request.issuer_key_hash
        nonce = _nonce(request)
    except (ValueError, KeyError, TypeError, x509.UnsupportedGeneralNameType):
        return _malformed()
    ours = (name_hash, key_hash) == _issuer_hashes(ca.issuing_cert, algorithm)
    entry = revoked.get(serial) if ours else None
    status = _status(ours and is_issued(serial), entry)
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=name_hash,
        issuer_key_hash=key_hash,
        serial_number=serial,
        algorithm=algorithm,
        cert_status=status,
        this_update=now,
        next_update=now + validity,
        revocation_time=entry.revoked_at if entry and status == ocsp.OCSPCertStatus.REVOKED else None,
        revocation_reason=_ocsp_reason(entry) if status == ocsp.OCSPCertStatus.REVOKED else None,
    )
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    if responder is not None:
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, responder.cert).certificates([responder.cert])
        key: PrivateKey = responder.key
    else:
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, ca.issuing_cert)
        key = ca.issuing_key
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _status(issued: bool, entry: RevokedEntry | None) -> ocsp.OCSPCertStatus:
    if entry is not None:
        return ocsp.OCSPCertStatus.REVOKED
    return ocsp.OCSPCertStatus.GOOD if issued else ocsp.OCSPCertStatus.UNKNOWN


def _ocsp_reason(entry: RevokedEntry | None) -> x509.ReasonFlags | None:
    if entry is None or entry.reason == x509.ReasonFlags.unspecified:
        return None
    return entry.reason


def _nonce(request: ocsp.OCSPRequest) -> bytes | None:
    """RFC 6960 §4.4.1 / RFC 8954: echo the request nonce if present."""
    try:
        return request.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        return None
