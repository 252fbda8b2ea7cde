"""A user's credentials on their own machine: private key, certificate and chain, from PEM files or
a PKCS#12 bundle (RFC 7292), and writing such a bundle after enrolment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, NoEncryption, pkcs12

from crypto.errors import CAStoreError
from crypto.keyfiles import PrivateKey, read_certs, read_key, same_public_key


class IdentityError(ValueError):
    """The key, certificate or bundle cannot be used; the message says which file and why."""


@dataclass(frozen=True)
class Identity:
    key: PrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()


def load_pem_identity(key_path: Path, cert_path: Path, passphrase: bytes | None = None) -> Identity:
    try:
        key = read_key(key_path, passphrase)
        certs = read_certs(cert_path)
    except CAStoreError as exc:
        raise IdentityError(exc.message) from None
    if not same_public_key(certs[0], key):
        raise IdentityError(f"{key_path} is not the key of the certificate in {cert_path}")
    return Identity(key, certs[0], tuple(certs[1:]))


def load_pkcs12_identity(path: Path, passphrase: bytes | None) -> Identity:
    try:
        bundle = pkcs12.load_pkcs12(path.read_bytes(), passphrase)
    except FileNotFoundError:
        raise IdentityError(f"{path} does not exist") from None
    except ValueError as exc:
        raise IdentityError(f"{path} cannot be opened (wrong passphrase or not PKCS#12): {exc}") from None
    key = bundle.key
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) or bundle.cert is None:
        raise IdentityError(f"{path} must hold an RSA or EC private key and its certificate")
    return Identity(key, bundle.cert.certificate, tuple(c.certificate for c in bundle.additional_certs))


def pkcs12_bytes(identity: Identity, passphrase: bytes | None, friendly_name: str) -> bytes:
    """A PKCS#12 bundle of key, certificate and chain, encrypted with AES-256 (PBES2) if ``passphrase``."""
    encryption = BestAvailableEncryption(passphrase) if passphrase else NoEncryption()
    return pkcs12.serialize_key_and_certificates(
        friendly_name.encode(), identity.key, identity.certificate, list(identity.chain) or None, encryption
    )
