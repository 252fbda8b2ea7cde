"""The archive package checked offline (``bidding.archive.verify``): a package built with real keys
of the test PKI (the platform's document signer, its TSA, the CA chain and CRLs) verifies; each kind
of tampering — a byte of a file, of the manifest, of the signature, a file dropped, a file added, a
time-stamp over something else, another trust root — fails with the check and the file named."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bidding.archive.manifest import (
    FORMAT,
    ArchiveFile,
    ArchiveFormatError,
    assemble,
    canonical,
    make_manifest,
    safe_segment,
    timestamp_signature,
)
from bidding.archive.verify import Report, verify
from tests.fixtures.openssl import openssl
from tests.fixtures.pki import Pki, make_pki

PROJECT = {"id": "5f0c7a52-8c1a-4c11-9a43-3b1f5f1d2e01", "code": "FZ-2026-001", "name": "示例道路工程"}
FILES = [
    ArchiveFile("files/tender/documents/v1-招标文件.pdf", b"%PDF-1.7 tender" * 50, "tender_document", "td:1"),
    ArchiveFile("files/audit/events.jsonl", b'{"action":"project.created"}\n', "audit_events", "audit_events"),
    ArchiveFile("files/lots/L1/opening/record.json", b'{"bids":[]}', "opening_record", "opening_sessions:L1"),
]
TARGET = "files/tender/documents/v1-招标文件.pdf"


def build(pki: Pki, files: list[ArchiveFile] = FILES) -> bytes:
    package, _ = assemble(
        PROJECT,
        pki.now,
        files,
        signer_key=pki.doc_key,
        signer_cert=pki.doc_cert,
        chain=pki.ca.chain,
        tsa=pki.tsa,
        crls=pki.crls(),
    )
    return package


def entries(package: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def rezip(package: bytes, change: Callable[[dict[str, bytes]], object]) -> bytes:
    """The package with its entries changed by ``change`` (a tamperer who rebuilds the ZIP)."""
    content = entries(package)
    change(content)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in content.items():
            z.writestr(name, data)
    return out.getvalue()


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def failed(report: Report) -> dict[tuple[str, str], str]:
    return {(c.check, c.subject): c.message for c in report.problems}


@pytest.fixture(scope="module")
def package(pki: Pki) -> bytes:
    return build(pki)


def test_a_whole_package_verifies_offline(package: bytes, pki: Pki) -> None:
    report = verify(package)
    assert report.ok, [c.line() for c in report.problems]
    names = list(entries(package))
    # manifest first, then its signature and token, the certificates, the files sorted by path
    assert names[:3] == ["manifest.json", "manifest.json.p7s", "manifest.json.tsr"]
    assert names[3:9] == sorted(names[3:9]) and all(n.startswith("certs/") for n in names[3:9])
    assert names[9:] == sorted(f.path for f in FILES)
    manifest = json.loads(entries(package)["manifest.json"])
    assert manifest["format"] == FORMAT and manifest["project"] == PROJECT
    assert [f["path"] for f in manifest["files"]] == sorted(f.path for f in FILES)
    assert {c.check for c in report.checks} >= {"file", "signature", "signer_chain", "timestamp", "tsa_chain"}
    assert report.signed_at == pki.now
    # the same with the platform's root given as the trust root
    assert verify(package, [pki.ca.root_cert]).ok


def test_a_changed_byte_of_a_file_is_named(package: bytes) -> None:
    tampered = rezip(package, lambda e: e.__setitem__(TARGET, flip(e[TARGET], 10)))
    report = verify(tampered)
    assert failed(report) == {("file", TARGET): "SHA-256 differs from the manifest's (the file was changed)"}


def test_a_corrupt_zip_entry_is_named(package: bytes) -> None:
    # a byte flipped in the ZIP itself, inside the compressed data of the target file
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        info = z.getinfo(TARGET)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    report = verify(flip(package, start + info.compress_size // 2))
    assert list(failed(report)) == [("file", TARGET)]
    assert failed(report)[("file", TARGET)].startswith("unreadable")


def test_a_changed_manifest_breaks_the_signature(package: bytes) -> None:
    def change(e: dict[str, bytes]) -> None:
        e["manifest.json"] = e["manifest.json"].replace(b"FZ-2026-001", b"FZ-2026-002")

    report = verify(rezip(package, change))
    assert failed(report) == {
        ("signature", "manifest.json.p7s"): "the message digest does not match the signed content"
    }


def test_a_manifest_listing_another_digest_fails_twice(package: bytes) -> None:
    # someone changes a file and its digest in the manifest: the file matches, the signature not
    def change(e: dict[str, bytes]) -> None:
        m = json.loads(e["manifest.json"])
        e[TARGET] = b"another document"
        item = next(f for f in m["files"] if f["path"] == TARGET)
        item["size"], item["sha256"] = 16, hashlib.sha256(b"another document").hexdigest()
        e["manifest.json"] = canonical(m)

    assert list(failed(verify(rezip(package, change)))) == [("signature", "manifest.json.p7s")]


def test_a_changed_signature_fails_and_the_token_no_longer_matches(package: bytes) -> None:
    def change(e: dict[str, bytes]) -> None:
        e["manifest.json.p7s"] = flip(e["manifest.json.p7s"], len(e["manifest.json.p7s"]) - 3)

    problems = failed(verify(rezip(package, change)))
    assert problems.keys() == {("signature", "manifest.json.p7s"), ("timestamp", "manifest.json.tsr")}
    assert (
        "does not verify" in problems[("signature", "manifest.json.p7s")]
        or "CMS" in problems[("signature", "manifest.json.p7s")]
    )
    assert "imprint" in problems[("timestamp", "manifest.json.tsr")]


def test_a_dropped_file_and_an_added_file(package: bytes) -> None:
    dropped = failed(verify(rezip(package, lambda e: e.pop(TARGET))))
    assert dropped == {("file", TARGET): "listed in the manifest but missing from the package"}
    added = failed(verify(rezip(package, lambda e: e.__setitem__("files/extra.txt", b"slipped in"))))
    assert added == {("unlisted", "files/extra.txt"): "in the package but not in the manifest"}
    stray = failed(verify(rezip(package, lambda e: e.__setitem__("certs/note.txt", b"x"))))
    assert list(stray) == [("unlisted", "certs/note.txt")]


def test_a_token_over_something_else_fails(package: bytes, pki: Pki) -> None:
    other = timestamp_signature(b"another signature", pki.tsa, pki.now)
    problems = failed(verify(rezip(package, lambda e: e.__setitem__("manifest.json.tsr", other))))
    assert list(problems) == [("timestamp", "manifest.json.tsr")]
    assert "imprint" in problems[("timestamp", "manifest.json.tsr")]


def test_another_root_is_not_trusted(package: bytes) -> None:
    stranger = make_pki(name="另一交易中心")
    problems = failed(verify(package, [stranger.ca.root_cert]))
    assert {check for check, _ in problems} == {"signer_chain", "tsa_chain"}
    assert all("unknown_issuer" in m for m in problems.values())


def test_a_package_signed_by_a_stranger_with_its_own_root_is_whole_but_says_whose(package: bytes, pki: Pki) -> None:
    # a forger rebuilds everything with its own CA: whole, but not the platform's root
    forged = build(make_pki(name="伪造中心"))
    assert verify(forged).ok
    assert not verify(forged, [pki.ca.root_cert]).ok


def test_not_a_zip_and_nothing_signed() -> None:
    assert list(failed(verify(b"not a zip"))) == [("package", "package")]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("files/a.txt", b"a")
    problems = failed(verify(out.getvalue()))
    assert ("manifest", "manifest.json") in problems and ("signature", "manifest.json.p7s") in problems
    assert ("timestamp", "manifest.json.tsr") in problems and ("unlisted", "files/a.txt") in problems


@pytest.mark.parametrize("pki", ["rsa3072"], indirect=True, scope="module")
def test_an_rsa_platform_key_verifies_too(pki: Pki) -> None:
    package = build(pki)
    assert verify(package).ok
    assert not verify(rezip(package, lambda e: e.__setitem__(TARGET, b"x"))).ok


def test_paths_are_checked() -> None:
    for bad in ("tender.pdf", "files/../etc/passwd", "files//a", "files/a\\b"):
        with pytest.raises(ArchiveFormatError):
            make_manifest(PROJECT, make_pki().now, [ArchiveFile(bad, b"", "x", "y")])
    twice = [ArchiveFile("files/a", b"", "x", "y"), ArchiveFile("files/a", b"1", "x", "y")]
    with pytest.raises(ArchiveFormatError, match="twice"):
        make_manifest(PROJECT, make_pki().now, twice)
    assert safe_segment("投标 回执/../x?.pdf") == "投标_回执_.._x_.pdf"
    assert safe_segment("..") == "file"


def test_outside_tools_agree(package: bytes, pki: Pki, tmp_path: Path) -> None:
    for name, data in entries(package).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    d = tmp_path
    cms = openssl(
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        d / "manifest.json.p7s",
        "-content",
        d / "manifest.json",
        "-CAfile",
        d / "certs/root.pem",
        "-purpose",
        "any",
        "-attime",
        str(int((pki.now + timedelta(minutes=1)).timestamp())),
        "-out",
        d / "out",
    )
    assert cms.returncode == 0, cms.stderr
    ts = openssl(
        "ts",
        "-verify",
        "-data",
        d / "manifest.json.p7s",
        "-in",
        d / "manifest.json.tsr",
        "-CAfile",
        d / "certs/root.pem",
        "-untrusted",
        d / "certs/tsa.pem",
    )
    assert ts.returncode == 0, ts.stderr + ts.stdout
