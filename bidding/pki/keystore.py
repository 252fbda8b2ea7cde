"""The platform's own keys: the CA (root + issuing) and the timestamp authority, from one directory.

The embedded default creates them on first start; in production the operator supplies the CA
files (``BIDDING_CA_CREATE=false`` refuses to start without them) and the TSA certificate is
issued by that CA on first start if the directory has none. Several app processes may start at
once: an exclusive file lock makes exactly one of them create the keys, the others load them.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final, cast

from cryptography import x509

from bidding.settings import Settings
from crypto.ca import ROOT_CERT_FILE, CAKeyType, CertificateAuthority, create_ca, make_key
from crypto.errors import CAStoreError
from crypto.keyfiles import read_cert, read_certs, read_key, same_public_key, write_cert, write_key
from crypto.tsa import TimeStampAuthority

CA_NAME: Final = "公共资源交易平台"
TSA_CERT_FILE: Final = "tsa.pem"
TSA_KEY_FILE: Final = "tsa-key.pem"


class PkiConfigurationError(RuntimeError):
    """The CA directory cannot be used; the message says what to do."""


@dataclass(frozen=True)
class PlatformKeys:
    ca: CertificateAuthority
    tsa: TimeStampAuthority
    tsa_cert: x509.Certificate
    outside_roots: tuple[x509.Certificate, ...]

    @property
    def trusted_roots(self) -> tuple[x509.Certificate, ...]:
        return (self.ca.root_cert, *self.outside_roots)


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
    base_url = settings.effective_base_url
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
                    "(see docs/pki.md) or set BIDDING_CA_CREATE=true to create one"
                )
            tsa_key_path, tsa_cert_path = directory / TSA_KEY_FILE, directory / TSA_CERT_FILE
            if tsa_cert_path.exists():
                tsa_key, tsa_cert = read_key(tsa_key_path, passphrase), read_cert(tsa_cert_path)
                if not same_public_key(tsa_cert, tsa_key):
                    raise CAStoreError(f"{tsa_key_path} does not match {tsa_cert_path}")
            else:
                tsa_key = make_key("ec-p256" if settings.ca_key_type == "ec-p256" else "rsa3072")
                tsa_cert = ca.issue_tsa_certificate(tsa_key.public_key(), now)
                write_key(tsa_key_path, tsa_key, passphrase)
                write_cert(tsa_cert_path, tsa_cert)
        outside = tuple(cert for path in settings.trusted_roots for cert in read_certs(path))
    except CAStoreError as exc:
        raise PkiConfigurationError(f"the platform CA in {directory} cannot be used: {exc.message}") from exc
    tsa = TimeStampAuthority(tsa_key, tsa_cert, chain=ca.chain)
    return PlatformKeys(ca=ca, tsa=tsa, tsa_cert=tsa_cert, outside_roots=outside)
