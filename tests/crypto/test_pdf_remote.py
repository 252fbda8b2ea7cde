"""Remote (interrupted) signing: the bidder's key stays with the client; the server keeps only bytes."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from crypto.ca import make_key
from crypto.pdf import (
    Indication,
    PdfSigningError,
    RemoteSignatureInvalidError,
    RemoteStateError,
    SignerCertificateError,
    finish_remote_signature,
    simple_pdf,
    validate_pdf,
)
from tests.fixtures.pki import BIDDER, BIDDER2, LATER, NOW, STATE_KEY, Pki, change_page, client_sign

DOC = simple_pdf(["Opening record", "Bidder A: CNY 1,000,000", "Bidder B: CNY 990,000"])


@pytest.fixture(scope="module")
async def platform_signed(pki: Pki) -> bytes:
    return await pki.sign(DOC)


async def test_round_trip_two_bidders(pki: Pki, platform_signed: bytes) -> None:
    key1, cert1 = pki.bidder("ec-p256", BIDDER)
    request = await pki.prepare(platform_signed, cert1, "Bidder1")
    assert request.algorithm == "ECDSA-P256-SHA256"
    json.loads(request.state)  # storable as text
    once = await pki.finish(request, client_sign(key1, request.to_be_signed, raw_ecdsa=True))

    report = await validate_pdf(once, trust_roots=[pki.ca.root_cert], now=LATER)
    assert report.verdict == "TOTAL_PASSED", report.summary("en")
    assert [s.field_name for s in report.signatures] == ["PlatformSignature", "Bidder1"]

    key2, cert2 = pki.bidder("rsa2048", BIDDER2)
    request2 = await pki.prepare(once, cert2, "Bidder2")
    assert request2.algorithm == "RSASSA-PKCS1-v1_5-SHA256"
    twice = await pki.finish(request2, client_sign(key2, request2.to_be_signed))

    report = await validate_pdf(twice, trust_roots=[pki.ca.root_cert], now=LATER)
    assert report.verdict == "TOTAL_PASSED", report.summary("en")
    assert len(report.signatures) == 3
    assert all(s.indication is Indication.TOTAL_PASSED for s in report.signatures)
    bidders = [s for s in report.signatures if s.signer and s.signer.role == "bidder"]
    assert [b.signer.credit_code for b in bidders if b.signer] == [BIDDER.credit_code, BIDDER2.credit_code]
    for b in bidders:
        assert b.timestamp is not None and b.timestamp.valid
        assert b.timestamp.time == NOW + timedelta(minutes=2)
        assert b.reason == "确认开标记录"
    zh, en = report.summary("zh-CN"), report.summary("en")
    for subject in (BIDDER, BIDDER2):
        assert subject.common_name in zh and subject.organisation in zh and subject.credit_code in zh
        assert subject.common_name in en


async def test_wrong_signature_is_refused(pki: Pki, platform_signed: bytes) -> None:
    key, cert = pki.bidder()
    request = await pki.prepare(platform_signed, cert, "Bidder1")
    other_key, _ = pki.bidder()
    for bad in (
        client_sign(other_key, request.to_be_signed),
        client_sign(key, request.to_be_signed + b"x"),
        b"",
        b"\x00" * 64,
    ):
        with pytest.raises(RemoteSignatureInvalidError) as info:
            await pki.finish(request, bad)
        assert info.value.code == "remote_signature_invalid"


def _tamper(state: bytes, field: str, change: object) -> bytes:
    envelope = json.loads(state)
    body = json.loads(envelope["body"])
    body[field] = change(body[field])  # type: ignore[operator]
    envelope["body"] = json.dumps(body, separators=(",", ":"), sort_keys=True)
    return json.dumps(envelope).encode()


def _flip_pdf(value: str) -> str:
    pdf = bytearray(base64.b64decode(value))
    pdf[pdf.index(b"Bidder A")] ^= 0x01
    return base64.b64encode(bytes(pdf)).decode()


async def test_tampered_state_is_refused(pki: Pki, platform_signed: bytes) -> None:
    key, cert = pki.bidder()
    request = await pki.prepare(platform_signed, cert, "Bidder1")
    signature = client_sign(key, request.to_be_signed)
    tampered = _tamper(request.state, "pdf", _flip_pdf)
    with pytest.raises(RemoteStateError) as info:
        await pki.finish(request, signature, state=tampered)
    assert info.value.code == "remote_state_invalid"
    # Without the HMAC key the consistency checks still catch it (digest over the byte range).
    with pytest.raises(RemoteStateError):
        await finish_remote_signature(tampered, signature, timestamper=pki.timestamper(), crls=pki.crls())
    for bad in (
        b"",
        b"not json",
        b'{"body": "{}", "mac": null}',
        _tamper(request.state, "region", lambda r: [r[0] + 2, r[1]]),
    ):
        with pytest.raises(RemoteStateError):
            await finish_remote_signature(bad, signature, timestamper=pki.timestamper(), crls=pki.crls())


async def test_revoked_bidder_is_refused_at_finish(pki: Pki, platform_signed: bytes) -> None:
    key, cert = pki.bidder()
    request = await pki.prepare(platform_signed, cert, "Bidder1")
    revoked = pki.with_own_revocations()
    revoked.revoked.revoke(cert.serial_number, NOW - timedelta(minutes=30), x509.ReasonFlags.key_compromise)
    with pytest.raises(SignerCertificateError) as info:
        await finish_remote_signature(
            request.state,
            client_sign(key, request.to_be_signed),
            timestamper=pki.timestamper(),
            crls=revoked.crls(),
            now=NOW + timedelta(minutes=2),
            state_key=STATE_KEY,
        )
    assert info.value.code == "signer_certificate_invalid"


async def test_modifying_after_remote_signature_fails(pki: Pki, platform_signed: bytes) -> None:
    key, cert = pki.bidder()
    request = await pki.prepare(platform_signed, cert, "Bidder1")
    signed = await pki.finish(request, client_sign(key, request.to_be_signed))
    report = await validate_pdf(change_page(signed, ["forged"]), trust_roots=[pki.ca.root_cert], now=LATER)
    assert report.verdict == "TOTAL_FAILED"
    assert all(s.indication is Indication.TOTAL_FAILED for s in report.signatures)


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils (pdfsig) is not installed")
async def test_pdfsig_accepts_remote_signature(pki: Pki, platform_signed: bytes, tmp_path: Path) -> None:
    key, cert = pki.bidder("rsa2048")
    request = await pki.prepare(platform_signed, cert, "Bidder1")
    path = tmp_path / "signed.pdf"
    path.write_bytes(await pki.finish(request, client_sign(key, request.to_be_signed)))
    out = subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True, check=False)
    assert out.stdout.count("Signature is Valid") == 2, out.stdout + out.stderr


async def test_existing_field_name_is_refused(pki: Pki, platform_signed: bytes) -> None:
    _, cert = pki.bidder()
    with pytest.raises(PdfSigningError) as info:
        await pki.prepare(platform_signed, cert, "PlatformSignature")
    assert info.value.code == "pdf_signing_failed"


async def test_certificate_without_signing_key_usage_is_refused(pki: Pki, platform_signed: bytes) -> None:
    with pytest.raises(SignerCertificateError):
        await pki.prepare(platform_signed, _no_signing_cert(pki), "Bidder1")


def _no_signing_cert(pki: Pki) -> x509.Certificate:
    """An end-entity certificate with keyUsage keyEncipherment only."""
    key = make_key("rsa2048")
    ski = pki.ca.issuing_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    usage = x509.KeyUsage(False, False, True, False, False, False, False, False, False)
    return (
        x509.CertificateBuilder()
        .subject_name(BIDDER.to_name())
        .issuer_name(pki.ca.issuing_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=30))
        .add_extension(usage, critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(pki.ca.issuing_key, hashes.SHA256())
    )
