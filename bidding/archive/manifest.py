"""The archive package's format (电子档案, issue 21; ``docs/awards.md`` §Archive): pure, no database.

A package is a ZIP file holding, in this order:

* ``manifest.json`` — the manifest: ``{"format": "bidding-archive/1", "project": {id, code, name},
  "created_at", "files": [{path, size, sha256, kind, source}, …]}``, files sorted by path, as
  canonical bytes (UTF-8, keys sorted, no spaces). Its SHA-256 is the archive's identity
  (``ProjectArchive.manifest_sha256``);
* ``manifest.json.p7s`` — a detached CMS ``SignedData`` (RFC 5652) over ``manifest.json`` by the
  platform's document-signing key (the key that signs its receipts, records and notices);
* ``manifest.json.tsr`` — the RFC 3161 ``TimeStampResp`` of the platform TSA whose message imprint
  is the SHA-256 of ``manifest.json.p7s``: it proves the signature existed at that time, which is
  the moment the certificates are judged at (they will have expired long before the 15 years of
  retention are over);
* ``certs/`` — the signing certificate, the TSA's, the CA chain (PEM) and the CA's CRLs at the time
  of building (DER), so that ``bidding archive verify`` needs nothing else;
* ``files/…`` — the documents, each listed in the manifest with its size and SHA-256.

The same files, time and keys give the same ZIP bytes except for the signature and the token
(ECDSA signatures and token serials are random): entries in a fixed order with fixed dates and
attributes. Outside tools check it too: ``openssl cms -verify -binary -inform DER -in
manifest.json.p7s -content manifest.json -CAfile certs/root.pem -purpose any`` and ``openssl ts
-verify -data manifest.json.p7s -in manifest.json.tsr -CAfile certs/root.pem -untrusted
certs/tsa.pem``.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import secrets
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7

from crypto.tsa import TimeStampAuthority, TimeStampResp

__all__ = [
    "CERTS_DIR",
    "FILES_DIR",
    "FORMAT",
    "MANIFEST",
    "SIGNATURE",
    "TIMESTAMP",
    "ArchiveFile",
    "ArchiveFormatError",
    "Signed",
    "assemble",
    "build_package",
    "canonical",
    "certificate_files",
    "make_manifest",
    "safe_segment",
    "sign_manifest",
    "timestamp_signature",
    "tsa_certificate",
]

FORMAT: Final = "bidding-archive/1"
MANIFEST: Final = "manifest.json"
SIGNATURE: Final = "manifest.json.p7s"
TIMESTAMP: Final = "manifest.json.tsr"
CERTS_DIR: Final = "certs/"
FILES_DIR: Final = "files/"
#: The ZIP entries' date when the manifest's time is before 1980 (the ZIP format cannot say it).
_ZIP_EPOCH: Final = (1980, 1, 1, 0, 0, 0)
_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)

SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class ArchiveFormatError(ValueError):
    """A package cannot be built as asked (a bad or repeated path, a refused time-stamp)."""


@dataclass(frozen=True)
class ArchiveFile:
    """One document of the package: its path under ``files/``, its bytes, what it is (``kind``,
    e.g. ``tender_document``) and where it came from (``source``: the table row or object key)."""

    path: str
    data: bytes
    kind: str
    source: str

    def entry(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "size": len(self.data),
            "sha256": hashlib.sha256(self.data).hexdigest(),
            "kind": self.kind,
            "source": self.source,
        }


@dataclass(frozen=True)
class Signed:
    """The manifest's canonical bytes, the detached CMS signature over them and the TSA's reply."""

    manifest: bytes
    signature: bytes
    timestamp: bytes


def safe_segment(text: str, fallback: str = "file") -> str:
    """One path segment from a user's file name or a code: letters (Chinese too), digits, ``.``,
    ``-`` and ``_`` kept, runs of anything else turned into ``_``; never empty, ``.`` or ``..``."""
    cleaned = _UNSAFE.sub("_", text).strip("._")[:120]
    return cleaned or fallback


def _check_path(path: str) -> None:
    parts = path.split("/")
    if (
        not path.startswith(FILES_DIR)
        or "\\" in path
        or any(part in ("", ".", "..") for part in parts)
        or any(ord(ch) < 0x20 for ch in path)
    ):
        raise ArchiveFormatError(f"archive path {path!r} is not a clean relative path under {FILES_DIR}")


def canonical(manifest: Mapping[str, Any]) -> bytes:
    """The manifest's canonical bytes: UTF-8 JSON, keys sorted, no spaces (what is signed)."""
    return json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("created_at must be timezone-aware")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def make_manifest(project: Mapping[str, str], created_at: datetime, files: Sequence[ArchiveFile]) -> dict[str, Any]:
    """The manifest of ``files`` (paths checked, unique, sorted) for ``project`` ({id, code, name})."""
    seen: set[str] = set()
    for f in files:
        _check_path(f.path)
        if f.path in seen:
            raise ArchiveFormatError(f"archive path {f.path!r} is given twice")
        seen.add(f.path)
    return {
        "format": FORMAT,
        "project": {"id": str(project["id"]), "code": str(project["code"]), "name": str(project["name"])},
        "created_at": _iso(created_at),
        "files": [f.entry() for f in sorted(files, key=lambda f: f.path)],
    }


def sign_manifest(
    manifest: bytes, key: SigningKey, cert: x509.Certificate, chain: Sequence[x509.Certificate] = ()
) -> bytes:
    """A detached CMS ``SignedData`` (DER) over ``manifest`` with SHA-256, carrying ``cert`` and ``chain``."""
    builder = pkcs7.PKCS7SignatureBuilder().set_data(manifest).add_signer(cert, key, hashes.SHA256())
    for extra in chain:
        builder = builder.add_certificate(extra)
    return builder.sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])


def timestamp_signature(signature: bytes, tsa: TimeStampAuthority, now: datetime) -> bytes:
    """The TSA's ``TimeStampResp`` (DER) over SHA-256 of ``signature``, certificates included.

    A full request and reply, not just the token, so that ``openssl ts -verify`` reads the file."""
    query = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": hashlib.sha256(signature).digest(),
            },
            "nonce": secrets.randbits(63),
            "cert_req": True,
        }
    )
    reply = tsa.respond(query.dump(), now)
    status = TimeStampResp.load(reply)["status"]["status"].native
    if status not in ("granted", "granted_with_mods"):
        raise ArchiveFormatError(f"the platform TSA refused to time-stamp the manifest's signature: {status}")
    return reply


def tsa_certificate(reply: bytes) -> x509.Certificate:
    """The TSA's certificate from its reply (:class:`~crypto.tsa.TimeStampAuthority` puts it first)."""
    token = TimeStampResp.load(reply)["time_stamp_token"]
    first = token["content"]["certificates"][0].chosen
    return x509.load_der_x509_certificate(first.dump())


def _zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    t = moment.astimezone(UTC)
    return max((t.year, t.month, t.day, t.hour, t.minute, t.second - t.second % 2), _ZIP_EPOCH)


def _write(archive: zipfile.ZipFile, name: str, data: bytes, when: tuple[int, int, int, int, int, int]) -> None:
    info = zipfile.ZipInfo(name, date_time=when)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, whoever builds it
    info.external_attr = 0o100644 << 16
    archive.writestr(info, data)


def build_package(
    signed: Signed,
    files: Sequence[ArchiveFile],
    certs: Mapping[str, bytes],
    created_at: datetime,
) -> bytes:
    """The ZIP: the manifest, its signature and time-stamp, ``certs`` (name → bytes, under
    ``certs/``), then ``files`` sorted by path; every entry dated ``created_at``."""
    when = _zip_time(created_at)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        _write(archive, MANIFEST, signed.manifest, when)
        _write(archive, SIGNATURE, signed.signature, when)
        _write(archive, TIMESTAMP, signed.timestamp, when)
        for name in sorted(certs):
            if "/" in name or name in ("", ".", ".."):
                raise ArchiveFormatError(f"certificate file name {name!r} is not a plain name")
            _write(archive, CERTS_DIR + name, certs[name], when)
        for f in sorted(files, key=lambda f: f.path):
            _check_path(f.path)
            _write(archive, f.path, f.data, when)
    return out.getvalue()


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def certificate_files(
    signer_cert: x509.Certificate,
    tsa_cert: x509.Certificate,
    chain: Sequence[x509.Certificate],
    crls: Sequence[bytes] = (),
) -> dict[str, bytes]:
    """What ``certs/`` holds: ``signer.pem``, ``tsa.pem``, the CA chain (``root.pem`` for the
    self-signed one, ``ca-<n>.pem`` for the others) and the CRLs (``crl-<n>.crl``, DER)."""
    out = {"signer.pem": _pem(signer_cert), "tsa.pem": _pem(tsa_cert)}
    for n, cert in enumerate(chain):
        out["root.pem" if cert.subject == cert.issuer else f"ca-{n}.pem"] = _pem(cert)
    for n, crl in enumerate(crls):
        out[f"crl-{n}.crl"] = crl
    return out


def assemble(
    project: Mapping[str, str],
    created_at: datetime,
    files: Sequence[ArchiveFile],
    *,
    signer_key: SigningKey,
    signer_cert: x509.Certificate,
    chain: Sequence[x509.Certificate],
    tsa: TimeStampAuthority,
    crls: Sequence[bytes] = (),
) -> tuple[bytes, bytes]:
    """The whole package for ``files``: (ZIP bytes, the manifest's canonical bytes).

    The signature is made and time-stamped at ``created_at`` (the platform's clock)."""
    manifest = canonical(make_manifest(project, created_at, files))
    signature = sign_manifest(manifest, signer_key, signer_cert, chain)
    reply = timestamp_signature(signature, tsa, created_at)
    certs = certificate_files(signer_cert, tsa_certificate(reply), chain, crls)
    signed = Signed(manifest, signature, reply)
    return build_package(signed, files, certs, created_at), manifest
