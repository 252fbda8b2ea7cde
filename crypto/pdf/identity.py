"""Who signed: the signer certificate's subject read as the platform profile, tolerantly.

Platform certificates follow :mod:`crypto.subject` (O, organizationIdentifier ``NTRCN-`` + credit
code per ETSI EN 319 412-1 §5.1.4, OU role, CN person). Certificates from outside CAs are shown
with whatever of those attributes they carry; nothing here raises.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from crypto.errors import CryptoError
from crypto.subject import ORG_ID_PREFIX, is_valid_credit_code, parse_subject


@dataclass(frozen=True)
class SignerIdentity:
    """Subject details of a signer or TSA certificate."""

    subject: str
    common_name: str | None
    organisation: str | None
    credit_code: str | None
    role: str | None
    issuer: str
    serial_number: str
    sha256_fingerprint: str
    platform_profile: bool
    """True if the subject parses as a platform :class:`~crypto.subject.PlatformSubject`."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def display_name(self) -> str:
        """``CN (O)`` or whatever is available."""
        if self.common_name and self.organisation and self.common_name != self.organisation:
            return f"{self.common_name} ({self.organisation})"
        return self.common_name or self.organisation or self.subject


def _first(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    attrs = name.get_attributes_for_oid(oid)
    if not attrs:
        return None
    value = attrs[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def _rfc4514(name: x509.Name) -> str:
    try:
        return name.rfc4514_string()
    except (ValueError, TypeError):
        return repr(name)


def identity_of(cert: asn1_x509.Certificate | x509.Certificate) -> SignerIdentity:
    """Describe ``cert``'s subject; parses platform subjects with :func:`crypto.subject.parse_subject`."""
    der = cert.dump() if isinstance(cert, asn1_x509.Certificate) else cert.public_bytes(Encoding.DER)
    parsed = x509.load_der_x509_certificate(der)
    name = parsed.subject
    try:
        platform = parse_subject(name)
    except (CryptoError, ValueError):
        platform = None
    common_name: str | None
    organisation: str | None
    credit_code: str | None
    role: str | None
    if platform is not None:
        common_name, organisation = platform.common_name, platform.organisation
        credit_code, role = platform.credit_code, platform.role
    else:
        common_name = _first(name, NameOID.COMMON_NAME)
        organisation = _first(name, NameOID.ORGANIZATION_NAME)
        role = _first(name, NameOID.ORGANIZATIONAL_UNIT_NAME)
        identifier = _first(name, NameOID.ORGANIZATION_IDENTIFIER) or ""
        code = identifier.removeprefix(ORG_ID_PREFIX)
        credit_code = code if identifier.startswith(ORG_ID_PREFIX) and is_valid_credit_code(code) else None
    return SignerIdentity(
        subject=_rfc4514(name),
        common_name=common_name,
        organisation=organisation,
        credit_code=credit_code,
        role=role,
        issuer=_rfc4514(parsed.issuer),
        serial_number=format(parsed.serial_number, "x"),
        sha256_fingerprint=hashlib.sha256(der).hexdigest(),
        platform_profile=platform is not None,
    )
