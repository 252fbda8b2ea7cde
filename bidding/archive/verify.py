"""Checking an archive package offline (``bidding archive verify FILE``; the format is
:mod:`bidding.archive.manifest`): pure, no database, no network.

The checks, each reported with what it concerns (a file's path or a part of the package):

1. ``package`` — a readable ZIP without repeated entry names;
2. ``manifest`` — ``manifest.json`` present, canonical, of a known format, well-formed entries;
3. ``file`` — every listed file present with its size and SHA-256; ``unlisted`` — no other entry
   but the manifest, its signature and time-stamp and ``certs/`` (certificates and CRLs only);
4. ``signature`` — the detached CMS signature over ``manifest.json`` verifies (its message digest,
   its signature under the signer's certificate); ``signer_chain`` — that certificate chains to a
   trusted root;
5. ``timestamp`` — the TSA's reply is granted, its imprint is the SHA-256 of the signature file and
   the token's own signature verifies; ``tsa_chain`` — the TSA's certificate (id-kp-timeStamping)
   chains to a trusted root.

Trust: the roots given (``--trust``), else the self-signed certificate(s) in ``certs/`` — which proves
the package whole, not who made it; the report says so and names the root's fingerprint, to compare
with the platform's published root. Certificates are judged at the time the token proves (the
signature existed then; they may have expired since), revocation from the CRLs in ``certs/`` where
they cover it (soft-fail: the package was built while they were current).
"""

from __future__ import annotations

import asyncio
import binascii
import hashlib
import io
import json
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from asn1crypto import cms, tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from bidding.archive.manifest import CERTS_DIR, FILES_DIR, FORMAT, MANIFEST, SIGNATURE, TIMESTAMP, canonical
from crypto.tsa import TimeStampResp
from crypto.validation import validate_certificate

__all__ = ["Check", "Report", "averify", "load_roots", "verify"]

#: Each check's name in Chinese, for the command's output.
CHECK_ZH: Final[dict[str, str]] = {
    "package": "档案包",
    "manifest": "清单",
    "file": "文件",
    "unlisted": "清单外文件",
    "signature": "清单签名",
    "signer_chain": "签名证书链",
    "timestamp": "时间戳",
    "tsa_chain": "时间戳证书链",
    "trust": "信任根",
}
_HASHES: Final[dict[str, type[hashes.HashAlgorithm]]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Check:
    """One check: which (``check``), on what (``subject``: a path or a part), passed or not, why."""

    check: str
    subject: str
    ok: bool
    message: str

    def line(self) -> str:
        mark = "OK  " if self.ok else "FAIL"
        return f"{mark} {self.check} ({CHECK_ZH.get(self.check, self.check)}) {self.subject}: {self.message}"


@dataclass
class Report:
    """Every check made; ``ok`` only if there was at least one and none failed."""

    checks: list[Check] = field(default_factory=list)
    manifest: dict[str, Any] | None = None
    #: The time the token proves (genTime), if the token could be read.
    signed_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def add(self, check: str, subject: str, ok: bool, message: str) -> bool:
        self.checks.append(Check(check, subject, ok, message))
        return ok


class _Bad(Exception):
    """A check failed; the message says why."""


# -- CMS ---------------------------------------------------------------------------------------


def _cert_of(signer: cms.SignerInfo, candidates: Sequence[x509.Certificate]) -> x509.Certificate:
    sid = signer["sid"]
    for cert in candidates:
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            issuer = cert.issuer.public_bytes()
            if cert.serial_number == wanted["serial_number"].native and issuer == wanted["issuer"].dump():
                return cert
        elif sid.name == "subject_key_identifier":
            try:
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
            except x509.ExtensionNotFound:
                continue
            if ski == sid.chosen.native:
                return cert
    raise _Bad("the signer's certificate is neither in the signature nor in certs/")


def _embedded(signed_data: cms.SignedData) -> list[x509.Certificate]:
    out = []
    for choice in signed_data["certificates"] or []:
        if choice.name == "certificate":
            out.append(x509.load_der_x509_certificate(choice.chosen.dump()))
    return out


def _verify_signer(
    signed_data: cms.SignedData, content: bytes, content_type: str, extra: Sequence[x509.Certificate]
) -> x509.Certificate:
    """Check the one SignerInfo of ``signed_data`` over ``content``: the content-type and
    message-digest attributes, then the signature over the signed attributes. Returns the signer's
    certificate; raises :class:`_Bad`."""
    signers = signed_data["signer_infos"]
    if len(signers) != 1:
        raise _Bad(f"{len(signers)} signers instead of one")
    signer = signers[0]
    digest_name = signer["digest_algorithm"]["algorithm"].native
    if digest_name not in _HASHES:
        raise _Bad(f"digest algorithm {digest_name} is not accepted")
    attrs = signer["signed_attrs"]
    if not attrs:
        raise _Bad("no signed attributes")
    found = {a["type"].native: a["values"] for a in attrs}
    if "message_digest" not in found or "content_type" not in found:
        raise _Bad("the content-type or message-digest attribute is missing")
    if found["content_type"][0].native != content_type:
        raise _Bad(f"content type {found['content_type'][0].native}, expected {content_type}")
    if found["message_digest"][0].native != hashlib.new(digest_name, content).digest():
        raise _Bad("the message digest does not match the signed content")
    cert = _cert_of(signer, [*_embedded(signed_data), *extra])
    signed_bytes = b"\x31" + attrs.dump()[1:]  # RFC 5652 §5.4: the DER of the SET OF, not of the [0]
    signature = signer["signature"].native
    algorithm = signer["signature_algorithm"].signature_algo
    chosen = _HASHES[digest_name]()
    key = cert.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey) and algorithm == "rsassa_pkcs1v15":
            key.verify(signature, signed_bytes, padding.PKCS1v15(), chosen)
        elif isinstance(key, ec.EllipticCurvePublicKey) and algorithm == "ecdsa":
            key.verify(signature, signed_bytes, ec.ECDSA(chosen))
        else:
            raise _Bad(f"signature algorithm {algorithm} with a {type(key).__name__} is not accepted")
    except InvalidSignature as exc:
        raise _Bad("the signature does not verify under the signer's certificate") from exc
    return cert


def _signed_data(der: bytes, what: str) -> cms.SignedData:
    try:
        info = cms.ContentInfo.load(der, strict=True)
        _ = info.native  # a full parse: structural errors surface here
    except (ValueError, TypeError, KeyError) as exc:
        raise _Bad(f"{what} is not a CMS structure: {exc}") from exc
    if info["content_type"].native != "signed_data":
        raise _Bad(f"{what} is {info['content_type'].native}, not signed data")
    signed: cms.SignedData = info["content"]
    return signed


def _fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def _name(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()


# -- the checks ----------------------------------------------------------------------------------


def _manifest(report: Report, data: bytes | None) -> list[dict[str, Any]]:
    """Check ``manifest.json``; return its well-formed file entries."""
    if data is None:
        report.add("manifest", MANIFEST, False, "manifest.json is missing")
        return []
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        report.add("manifest", MANIFEST, False, f"not UTF-8 JSON: {exc}")
        return []
    if not isinstance(parsed, dict) or parsed.get("format") != FORMAT or not isinstance(parsed.get("files"), list):
        report.add("manifest", MANIFEST, False, f"not a manifest of format {FORMAT}")
        return []
    report.manifest = parsed
    report.add(
        "manifest",
        MANIFEST,
        canonical(parsed) == data,
        "canonical JSON" if canonical(parsed) == data else "not in canonical form (sorted keys, no spaces)",
    )
    entries: list[dict[str, Any]] = []
    paths: Counter[str] = Counter()
    for n, item in enumerate(parsed["files"]):
        good = (
            isinstance(item, dict)
            and isinstance(item.get("path"), str)
            and item["path"].startswith(FILES_DIR)
            and isinstance(item.get("size"), int)
            and isinstance(item.get("sha256"), str)
            and _SHA256_HEX.fullmatch(item["sha256"]) is not None
        )
        if not good:
            report.add("manifest", f"files[{n}]", False, "an entry without a path under files/, a size and a SHA-256")
            continue
        paths[item["path"]] += 1
        entries.append(item)
    for path, count in paths.items():
        if count > 1:
            report.add("manifest", path, False, f"listed {count} times")
    if [e["path"] for e in entries] != sorted(e["path"] for e in entries):
        report.add("manifest", MANIFEST, False, "files are not sorted by path")
    return entries


def _files(report: Report, archive: zipfile.ZipFile, entries: list[dict[str, Any]]) -> None:
    names = {info.filename for info in archive.infolist()}
    listed = set()
    for item in entries:
        path = item["path"]
        listed.add(path)
        if path not in names:
            report.add("file", path, False, "listed in the manifest but missing from the package")
            continue
        try:
            data = archive.read(path)
        except (zipfile.BadZipFile, zlib.error, binascii.Error, OSError) as exc:
            report.add("file", path, False, f"unreadable (the ZIP entry is corrupt: {exc})")
            continue
        if len(data) != item["size"]:
            report.add("file", path, False, f"size {len(data)} bytes, the manifest says {item['size']}")
        elif hashlib.sha256(data).hexdigest() != item["sha256"]:
            report.add("file", path, False, "SHA-256 differs from the manifest's (the file was changed)")
        else:
            report.add("file", path, True, f"{len(data)} bytes, SHA-256 matches")
    for name in sorted(names - listed - {MANIFEST, SIGNATURE, TIMESTAMP}):
        if name.startswith(CERTS_DIR) and name.count("/") == 1 and name.endswith((".pem", ".crl")):
            continue  # checked when read as certificates and CRLs
        if name.endswith("/"):
            continue  # a directory entry holds nothing
        report.add("unlisted", name, False, "in the package but not in the manifest")


def _certs(report: Report, archive: zipfile.ZipFile) -> tuple[list[x509.Certificate], list[bytes]]:
    certs: list[x509.Certificate] = []
    crls: list[bytes] = []
    for info in archive.infolist():
        name = info.filename
        if not name.startswith(CERTS_DIR) or name.count("/") != 1 or name == CERTS_DIR:
            continue
        try:
            data = archive.read(name)
            if name.endswith(".pem"):
                certs.extend(x509.load_pem_x509_certificates(data))
            elif name.endswith(".crl"):
                x509.load_der_x509_crl(data)
                crls.append(data)
            else:
                report.add("unlisted", name, False, "certs/ holds only certificates (.pem) and CRLs (.crl)")
        except (ValueError, zipfile.BadZipFile, zlib.error, UnsupportedAlgorithm) as exc:
            report.add("unlisted", name, False, f"not a certificate or CRL: {exc}")
    return certs, crls


async def _chain(
    report: Report,
    check: str,
    cert: x509.Certificate,
    roots: Sequence[x509.Certificate],
    others: Sequence[x509.Certificate],
    crls: Sequence[bytes],
    moment: datetime,
    eku: set[str] | None,
) -> None:
    result = await validate_certificate(
        cert,
        trust_roots=list(roots),
        intermediates=list(others),
        now=moment,
        crls=list(crls),
        revocation_mode="soft-fail",
        extended_key_usage=eku,
    )
    if result.ok:
        path = " → ".join(_name(c) for c in result.chain)
        report.add(check, _name(cert), True, f"chains to a trusted root at {moment.isoformat()}: {path}")
    else:
        report.add(check, _name(cert), False, f"{result.message_en} ({result.reason_code}) {result.detail}".strip())


def _timestamp(
    report: Report, reply: bytes | None, signature: bytes | None, extra: Sequence[x509.Certificate]
) -> x509.Certificate | None:
    """Check the TSA's reply over the signature file; return the TSA's certificate if it verifies."""
    if reply is None:
        report.add("timestamp", TIMESTAMP, False, "manifest.json.tsr is missing")
        return None
    try:
        resp = TimeStampResp.load(reply, strict=True)
        status = resp["status"]["status"].native
        if status not in ("granted", "granted_with_mods"):
            raise _Bad(f"the reply's status is {status}")
        token = resp["time_stamp_token"]
        if token is None or token.native is None:
            raise _Bad("the reply holds no token")
        signed = _signed_data(token.dump(), "the token")
        encap = signed["encap_content_info"]
        if encap["content_type"].native != "tst_info":
            raise _Bad("the token does not hold a TSTInfo")
        tst_der = encap["content"].contents
        info = tsp.TSTInfo.load(tst_der)
        gen_time = info["gen_time"].native
        report.signed_at = gen_time.astimezone(UTC)
        imprint = info["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        if algorithm not in _HASHES:
            raise _Bad(f"imprint algorithm {algorithm} is not accepted")
        if signature is None or imprint["hashed_message"].native != hashlib.new(algorithm, signature).digest():
            raise _Bad("the token's imprint is not the digest of manifest.json.p7s (the signature was replaced)")
        cert = _verify_signer(signed, tst_der, "tst_info", extra)
    except _Bad as exc:
        report.add("timestamp", TIMESTAMP, False, str(exc))
        return None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        report.add("timestamp", TIMESTAMP, False, f"not an RFC 3161 reply: {exc}")
        return None
    report.add(
        "timestamp",
        TIMESTAMP,
        True,
        f"token of {_name(cert)} at {report.signed_at.isoformat()} over the signature, its own signature verifies",
    )
    return cert


def _signature(
    report: Report, signature: bytes | None, manifest: bytes | None, extra: Sequence[x509.Certificate]
) -> x509.Certificate | None:
    if signature is None:
        report.add("signature", SIGNATURE, False, "manifest.json.p7s is missing")
        return None
    if manifest is None:
        report.add("signature", SIGNATURE, False, "nothing to check it over: manifest.json is missing")
        return None
    try:
        signed = _signed_data(signature, "manifest.json.p7s")
        if signed["encap_content_info"]["content"].native is not None:
            raise _Bad("not a detached signature")
        cert = _verify_signer(signed, manifest, "data", extra)
    except _Bad as exc:
        report.add("signature", SIGNATURE, False, str(exc))
        return None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        report.add("signature", SIGNATURE, False, f"not a CMS signature: {exc}")
        return None
    report.add("signature", SIGNATURE, True, f"signed by {_name(cert)} over manifest.json")
    return cert


def _read(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        return archive.read(name)
    except KeyError:
        return None


async def averify(
    source: str | Path | bytes,
    trust_roots: Sequence[x509.Certificate] | None = None,
    *,
    now: datetime | None = None,
) -> Report:
    """Verify the package at ``source`` (a path or its bytes), trusting ``trust_roots`` if given,
    else the root in the package; ``now`` judges the certificates if the token cannot be read."""
    report = Report()
    try:
        archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else Path(source))
    except (zipfile.BadZipFile, OSError) as exc:
        report.add(
            "package",
            str(source)[:100] if not isinstance(source, bytes) else "package",
            False,
            f"not a readable ZIP file: {exc}",
        )
        return report
    with archive:
        repeated = [n for n, count in Counter(i.filename for i in archive.infolist()).items() if count > 1]
        report.add(
            "package",
            "ZIP",
            not repeated,
            f"entries named twice: {', '.join(sorted(repeated))}" if repeated else "readable ZIP",
        )
        try:
            manifest = _read(archive, MANIFEST)
            signature = _read(archive, SIGNATURE)
            reply = _read(archive, TIMESTAMP)
        except (zipfile.BadZipFile, zlib.error, OSError) as exc:
            report.add("package", "ZIP", False, f"the manifest, signature or time-stamp is corrupt: {exc}")
            return report
        entries = _manifest(report, manifest)
        _files(report, archive, entries)
        certs, crls = _certs(report, archive)
    signer = _signature(report, signature, manifest, certs)
    tsa = _timestamp(report, reply, signature, certs)
    if trust_roots:
        roots = list(trust_roots)
        report.add(
            "trust",
            "--trust",
            True,
            "roots given: " + "; ".join(f"{_name(r)} SHA-256 {_fingerprint(r)}" for r in roots),
        )
    else:
        roots = [c for c in certs if c.subject == c.issuer]
        report.add(
            "trust",
            CERTS_DIR,
            bool(roots),
            "trusting the root in the package (this proves the package whole, not who made it: compare "
            "the fingerprint with the platform's published root, or pass --trust): "
            + "; ".join(f"{_name(r)} SHA-256 {_fingerprint(r)}" for r in roots)
            if roots
            else "no root certificate in certs/ and none given with --trust",
        )
    moment = report.signed_at or now or datetime.now(UTC)
    others = [c for c in certs if c.subject != c.issuer]
    if signer is not None and roots:
        await _chain(report, "signer_chain", signer, roots, others, crls, moment, None)
    if tsa is not None and roots:
        await _chain(report, "tsa_chain", tsa, roots, others, crls, moment, {"time_stamping"})
    return report


def verify(
    source: str | Path | bytes,
    trust_roots: Sequence[x509.Certificate] | None = None,
    *,
    now: datetime | None = None,
) -> Report:
    """:func:`averify` for callers without an event loop (the command line)."""
    return asyncio.run(averify(source, trust_roots, now=now))


def load_roots(data: bytes) -> list[x509.Certificate]:
    """Certificates from a PEM file (one or more) or one DER certificate, for ``--trust``."""
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]
