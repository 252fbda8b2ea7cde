"""PEM files of keys and certificates: written atomically with tight permissions, read with clear errors.

Keys are PKCS#8 (RFC 5958), encrypted with the best available PBES2 scheme when a passphrase is
given. Failures raise :class:`~crypto.errors.CAStoreError` naming the file.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from crypto.errors import CAStoreError

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def key_pem(key: PrivateKey, passphrase: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def write_file(path: Path, data: bytes, mode: int) -> None:
    """Write atomically (temp file + rename) with the given permissions."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def write_key(path: Path, key: PrivateKey, passphrase: bytes | None = None) -> None:
    write_file(path, key_pem(key, passphrase), 0o600)


def write_cert(path: Path, cert: x509.Certificate) -> None:
    write_file(path, cert_pem(cert), 0o644)


def read_cert(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except FileNotFoundError as exc:
        raise CAStoreError(f"certificate file {path} is missing") from exc
    except ValueError as exc:
        raise CAStoreError(f"{path} is not a PEM certificate: {exc}") from exc


def read_certs(path: Path) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle (at least one)."""
    try:
        certs = x509.load_pem_x509_certificates(path.read_bytes())
    except FileNotFoundError as exc:
        raise CAStoreError(f"certificate file {path} is missing") from exc
    except ValueError as exc:
        raise CAStoreError(f"{path} is not a PEM certificate bundle: {exc}") from exc
    return certs


def load_key(data: bytes, passphrase: bytes | None, label: str) -> PrivateKey:
    """Parse a PEM private key (PKCS#8 or traditional); RSA or EC only."""
    try:
        key = serialization.load_pem_private_key(data, password=passphrase)
    except TypeError as exc:
        raise CAStoreError(f"key {label}: passphrase missing or not expected") from exc
    except ValueError as exc:
        raise CAStoreError(f"key {label} cannot be read (wrong passphrase or corrupt): {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise CAStoreError(f"key {label} must be RSA or EC")
    return key


def read_key(path: Path, passphrase: bytes | None = None) -> PrivateKey:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise CAStoreError(f"key file {path} is missing") from exc
    return load_key(data, passphrase, str(path))


def same_public_key(cert: x509.Certificate, key: PrivateKey) -> bool:
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    return cert.public_key().public_bytes(serialization.Encoding.DER, spki) == key.public_key().public_bytes(
        serialization.Encoding.DER, spki
    )
