"""Which certificates the platform trusts: its own CA's, and those of configured outside CAs.

A certificate from the platform CA is checked against the CRLs the platform publishes itself
(straight from the database, nothing fetched). A certificate from an outside CA (mutual
recognition, 互认) is checked against the configured roots, and its revocation status is fetched
from the URLs in the certificate (CRL distribution point or OCSP responder), as
``BIDDING_OUTSIDE_REVOCATION`` demands.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from cryptography import x509

from bidding.core.clock import Clock
from bidding.core.pki.keystore import PlatformKeys
from bidding.core.pki.revocations import RevocationPublisher
from crypto.validation import RevocationMode, ValidationResult, validate_certificate

SIGNING_KEY_USAGE: Final = frozenset({"digital_signature"})
CLIENT_AUTH: Final = frozenset({"client_auth"})


class CertificateVerifier:
    def __init__(
        self, keys: PlatformKeys, revocations: RevocationPublisher, clock: Clock, outside_revocation: RevocationMode
    ) -> None:
        self._keys = keys
        self._revocations = revocations
        self._clock = clock
        self._outside_revocation = outside_revocation

    def is_platform_issued(self, cert: x509.Certificate) -> bool:
        return cert.issuer == self._keys.ca.issuing_cert.subject

    async def verify_user_certificate(
        self, cert: x509.Certificate, intermediates: Sequence[x509.Certificate] = ()
    ) -> ValidationResult:
        """RFC 5280 §6 path validation of a user's signing certificate (login, bid signature): digitalSignature,
        and clientAuth if the EKU is present."""
        now = self._clock.now()
        if self.is_platform_issued(cert):
            ca = self._keys.ca
            return await validate_certificate(
                cert,
                trust_roots=[ca.root_cert],
                intermediates=[ca.issuing_cert],
                now=now,
                crls=[await self._revocations.crl("issuing"), await self._revocations.crl("root")],
                revocation_mode="require",
                key_usage=SIGNING_KEY_USAGE,
                extended_key_usage=CLIENT_AUTH,
                extended_optional=True,
            )
        return await validate_certificate(
            cert,
            trust_roots=self._keys.outside_roots,
            intermediates=intermediates,
            now=now,
            revocation_mode=self._outside_revocation,
            key_usage=SIGNING_KEY_USAGE,
            extended_key_usage=CLIENT_AUTH,
            extended_optional=True,
            allow_fetching=True,
        )
