"""The platform's own keys: the CA (root + issuing), the timestamp authority, the document signer
and the delegated OCSP responder, from one directory.

The embedded default creates them on first start; in production the operator supplies the CA
files (``BIDDING_CA_CREATE=false`` refuses to start without them) and the service certificates
(TSA, document signer, OCSP responder) are issued by that CA on first start if the directory has
none. A service certificate that no longer suits outside validators (a document-signing
certificate of the profile before docs/pki.md "Profiles and outside validators") or an OCSP
responder certificate close to its end is re-issued for the same key on start; the old one is kept
beside it. Several app processes may start at once: an exclusive file lock makes exactly one of
them create or renew the keys, the others load them.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final, cast

from cryptography import x509

from bidding.core.settings import Settings
from crypto.ca import (
    ROOT_CERT_FILE,
    CAKeyType,
    CertificateAuthority,
    KeyType,
    PrivateKey,
    PublicKey,
    create_ca,
    make_key,
    signer_profile_is_current,
)
from crypto.errors import CAStoreError
from crypto.keyfiles import read_cert, read_certs, read_key, same_public_key, write_cert, write_key
from crypto.revocation import DelegatedResponder
from crypto.tsa import TimeStampAuthority

CA_NAME: Final = "公共资源交易平台"
TSA_CERT_FILE: Final = "tsa.pem"
TSA_KEY_FILE: Final = "tsa-key.pem"
SIGNER_CERT_FILE: Final = "signer.pem"
SIGNER_KEY_FILE: Final = "signer-key.pem"
OCSP_CERT_FILE: Final = "ocsp.pem"
OCSP_KEY_FILE: Final = "ocsp-key.pem"
OCSP_RENEW_BEFORE: Final = timedelta(days=30)
"""The OCSP responder certificate is re-issued on start when it has less than this left."""


class PkiConfigurationError(RuntimeError):
    """The CA directory cannot be used; the message says what to do."""


@dataclass(frozen=True)
class PlatformKeys:
    ca: CertificateAuthority
    tsa: TimeStampAuthority
    tsa_cert: x509.Certificate
    #: The platform's document-signing key (PAdES signatures on receipts, records, notices).
    signer_key: PrivateKey
    signer_cert: x509.Certificate
    outside_roots: tuple[x509.Certificate, ...]
    #: Signs the OCSP responses for the issuing CA's certificates (RFC 6960 §4.2.2.2).
    ocsp_responder: DelegatedResponder
    #: Service certificates replaced on an earlier start: documents signed with them stay checkable.
    retired_certificates: tuple[x509.Certificate, ...] = ()

    @property
    def trusted_roots(self) -> tuple[x509.Certificate, ...]:
        return (self.ca.root_cert, *self.outside_roots)

    @property
    def service_certificates(self) -> tuple[x509.Certificate, ...]:
        """The platform's own end-entity certificates, which are not in the ``certificates`` table."""
        return (self.tsa_cert, self.signer_cert, self.ocsp_responder.cert, *self.retired_certificates)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def load_platform_keys(settings: Settings, now: datetime) -> PlatformKeys:
    """Load (or, where allowed, create) the CA and TSA; raise :class:`PkiConfigurationError` if impossible."""
    directory = settings.effective_ca_dir
    passphrase = settings.ca_passphrase.encode() if settings.ca_passphrase else None
    base_url = settings.effective_pki_base_url
    try:
        with _locked(directory):
            if (directory / ROOT_CERT_FILE).exists():
                ca = CertificateAuthority.load(directory, base_url, passphrase)
            elif settings.should_create_ca:
                ca = create_ca(CA_NAME, cast(CAKeyType, settings.ca_key_type), now, base_url)
                ca.save(directory, passphrase)
            else:
                raise PkiConfigurationError(
                    f"no CA in {directory}: put root.pem, root-key.pem, issuing.pem and issuing-key.pem there "
                    "(see docs/pki.md), or create one with `bidding ca init`"
                )
            key_type: KeyType = "ec-p256" if settings.ca_key_type == "ec-p256" else "rsa3072"
            tsa_key, tsa_cert = _load_or_issue(
                directory, TSA_KEY_FILE, TSA_CERT_FILE, passphrase, key_type, ca.issue_tsa_certificate, now
            )
            signer_key, signer_cert = _load_or_issue(
                directory,
                SIGNER_KEY_FILE,
                SIGNER_CERT_FILE,
                passphrase,
                key_type,
                ca.issue_document_signer_certificate,
                now,
                current=lambda cert: signer_profile_is_current(cert) and cert.not_valid_after_utc > now,
            )
            ocsp_key, ocsp_cert = _load_or_issue(
                directory,
                OCSP_KEY_FILE,
                OCSP_CERT_FILE,
                passphrase,
                key_type,
                ca.issue_ocsp_responder_certificate,
                now,
                current=lambda cert: cert.not_valid_after_utc - now > OCSP_RENEW_BEFORE,
            )
            retired = tuple(
                read_cert(path) for name in (TSA_CERT_FILE, SIGNER_CERT_FILE) for path in _retired(directory / name)
            )
        outside = tuple(cert for path in settings.trusted_roots for cert in read_certs(path))
    except CAStoreError as exc:
        raise PkiConfigurationError(f"the platform CA in {directory} cannot be used: {exc.message}") from exc
    tsa = TimeStampAuthority(tsa_key, tsa_cert, chain=ca.chain)
    return PlatformKeys(
        ca=ca,
        tsa=tsa,
        tsa_cert=tsa_cert,
        signer_key=signer_key,
        signer_cert=signer_cert,
        outside_roots=outside,
        ocsp_responder=DelegatedResponder(ocsp_key, ocsp_cert),
        retired_certificates=retired,
    )


def _retired(cert_path: Path) -> list[Path]:
    """Certificates :func:`_load_or_issue` replaced: ``<name>.<serial hex>.pem`` beside ``<name>.pem``."""
    return sorted(cert_path.parent.glob(f"{cert_path.stem}.*.pem"))


def _load_or_issue(
    directory: Path,
    key_file: str,
    cert_file: str,
    passphrase: bytes | None,
    key_type: KeyType,
    issue: Callable[[PublicKey, datetime], x509.Certificate],
    now: datetime,
    current: Callable[[x509.Certificate], bool] = lambda _: True,
) -> tuple[PrivateKey, x509.Certificate]:
    """Read a service key pair of the platform, or make one the CA certifies (first start).

    A certificate that is not ``current`` is replaced by a new one for the same key (the key is
    not in doubt, only the certificate's profile or remaining validity); the old certificate is
    kept as ``<name>.<serial hex>.pem``.
    """
    key_path, cert_path = directory / key_file, directory / cert_file
    if cert_path.exists():
        key, cert = read_key(key_path, passphrase), read_cert(cert_path)
        if not same_public_key(cert, key):
            raise CAStoreError(f"{key_path} does not match {cert_path}")
        if current(cert):
            return key, cert
        write_cert(cert_path.with_name(f"{cert_path.stem}.{cert.serial_number:x}.pem"), cert)
        renewed = issue(key.public_key(), now)
        write_cert(cert_path, renewed)
        return key, renewed
    key = make_key(key_type)
    cert = issue(key.public_key(), now)
    write_key(key_path, key, passphrase)
    write_cert(cert_path, cert)
    return key, cert
