"""Validation reports: ETSI indications for tampered, modified, revoked and untrusted signatures."""

from __future__ import annotations

import json
from datetime import timedelta
from io import BytesIO

import pytest
from cryptography import x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper

from crypto.errors import CryptoError
from crypto.pdf import Indication, simple_pdf, validate_pdf
from crypto.pdf.document import font_resources, text_content
from crypto.pdf.errors import EncryptedPdfError, MalformedPdfError, NotAPdfError, PdfTooLargeError
from crypto.pdf.indications import MODIFIED_AFTER_SIGNING
from tests.fixtures.pki import LATER, NOW, Pki, change_page, make_pki

DOC = simple_pdf(["Award notice", "Winning bid: CNY 1,234,567.00"])


@pytest.fixture(scope="module")
async def signed(pki: Pki) -> bytes:
    return await pki.sign(DOC)


async def test_tampered_signed_range_is_hash_failure(pki: Pki, signed: bytes) -> None:
    index = signed.index(b"Winning bid: CNY 1,234,567.00")
    tampered = signed[:index] + b"Winning bid: CNY 9,234,567.00" + signed[index + 29 :]
    report = await validate_pdf(tampered, trust_roots=[pki.ca.root_cert], now=LATER)
    (sig,) = report.signatures
    assert (sig.indication, sig.sub_indication) == (Indication.TOTAL_FAILED, "HASH_FAILURE")
    assert sig.intact is False
    assert report.verdict == "TOTAL_FAILED"
    assert "签名后文件内容被篡改" in report.summary("zh-CN")
    assert "altered" in report.summary("en")


async def test_incremental_update_changing_page_is_total_failed(pki: Pki, signed: bytes) -> None:
    """DESIGN.md §8: the AdES view alone passes this; the modification analysis must fail it."""
    modified = change_page(signed, ["Award notice", "Winning bid: CNY 9,999,999.00"])
    report = await validate_pdf(modified, trust_roots=[pki.ca.root_cert], now=LATER)
    (sig,) = report.signatures
    assert sig.indication is Indication.TOTAL_FAILED
    assert MODIFIED_AFTER_SIGNING in sig.reasons
    assert sig.intact is True  # the signed revision itself is untouched
    assert sig.changes_permitted is False and sig.modification_level == "OTHER"
    assert report.verdict == "TOTAL_FAILED"
    assert "签名之后文件被修改" in report.summary("zh-CN")
    assert "changed after signing" in report.summary("en")


async def test_unknown_root_is_indeterminate(signed: bytes) -> None:
    other = make_pki(name="外部数字认证中心")
    report = await validate_pdf(signed, trust_roots=[other.ca.root_cert], now=LATER)
    (sig,) = report.signatures
    assert (sig.indication, sig.sub_indication) == (Indication.INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND")
    assert report.verdict == "INDETERMINATE"
    assert "受信任" in report.summary("zh-CN") and "trusted root" in report.summary("en")


async def test_revoked_before_signing_fails(pki: Pki, signed: bytes) -> None:
    """Revocation dated before the time-stamp (key compromise found later): the signature is not valid."""
    revoked = pki.with_own_revocations()
    revoked.revoked.revoke(pki.doc_cert.serial_number, NOW - timedelta(hours=1), x509.ReasonFlags.key_compromise)
    at = NOW + timedelta(hours=2)
    report = await validate_pdf(
        signed, trust_roots=[pki.ca.root_cert], crls=revoked.crls(NOW + timedelta(hours=1)), now=at
    )
    (sig,) = report.signatures
    assert sig.indication in (Indication.TOTAL_FAILED, Indication.INDETERMINATE)
    assert sig.sub_indication in ("REVOKED", "REVOKED_NO_POE")
    assert sig.revocation == "revoked"
    assert report.verdict != "TOTAL_PASSED"
    assert "吊销" in report.summary("zh-CN") and "revoked" in report.summary("en")


async def test_revoked_after_timestamp_still_passes(pki: Pki, signed: bytes) -> None:
    """ETSI EN 319 102-1 §5.5: a revocation after the signature time-stamp does not invalidate it."""
    revoked = pki.with_own_revocations()
    revoked.revoked.revoke(pki.doc_cert.serial_number, NOW + timedelta(hours=1), x509.ReasonFlags.superseded)
    at = NOW + timedelta(hours=3)
    report = await validate_pdf(
        signed, trust_roots=[pki.ca.root_cert], crls=revoked.crls(NOW + timedelta(hours=2)), now=at
    )
    (sig,) = report.signatures
    assert sig.indication is not Indication.TOTAL_FAILED, sig.detail


async def test_no_signatures_is_a_report(pki: Pki) -> None:
    report = await validate_pdf(DOC, trust_roots=[pki.ca.root_cert])
    assert report.verdict == "NO_SIGNATURES" and report.signatures == ()
    assert "不包含任何电子签名" in report.summary("zh-CN")
    assert "no electronic signatures" in report.summary("en")
    assert json.loads(json.dumps(report.to_dict()))["signatures"] == []


@pytest.mark.parametrize("data", [b"", b"hello world", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, b"x" * 5000 + b"%PDF-1.7"])
async def test_not_a_pdf(pki: Pki, data: bytes) -> None:
    with pytest.raises(NotAPdfError) as info:
        await validate_pdf(data, trust_roots=[pki.ca.root_cert])
    assert info.value.code == "not_a_pdf"
    assert isinstance(info.value, CryptoError)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n",
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF",
        b"%PDF-1.7\n" + b"\xff" * 2000 + b"\nstartxref\n99999999\n%%EOF",
    ],
)
async def test_malformed_pdf(pki: Pki, data: bytes) -> None:
    with pytest.raises(MalformedPdfError) as info:
        await validate_pdf(data, trust_roots=[pki.ca.root_cert])
    assert info.value.code == "malformed_pdf"


async def test_truncated_signed_pdf_is_malformed_or_failed(pki: Pki, signed: bytes) -> None:
    try:
        report = await validate_pdf(signed[: len(signed) // 2], trust_roots=[pki.ca.root_cert])
    except MalformedPdfError:
        return
    assert report.verdict != "TOTAL_PASSED"


async def test_size_limit(pki: Pki, signed: bytes) -> None:
    with pytest.raises(PdfTooLargeError) as info:
        await validate_pdf(signed, trust_roots=[pki.ca.root_cert], max_bytes=1000)
    assert info.value.code == "pdf_too_large"


async def test_corrupted_signature_contents_is_reported(pki: Pki, signed: bytes) -> None:
    """Garbage in /Contents must produce a failed item, not an exception."""
    start = signed.index(b"/Contents <") + len(b"/Contents <")
    broken = signed[:start] + b"00" * 40 + signed[start + 80 :]
    report = await validate_pdf(broken, trust_roots=[pki.ca.root_cert], now=LATER)
    assert report.verdict == "TOTAL_FAILED"
    assert report.signatures[0].indication is Indication.TOTAL_FAILED


async def test_document_timestamp_is_reported(pki: Pki, signed: bytes) -> None:
    """A PAdES B-LTA document time-stamp (ISO 32000-2 §12.8.5) after the signature."""
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    out = await PdfTimeStamper(pki.timestamper(NOW + timedelta(minutes=1))).async_timestamp_pdf(
        writer, "sha256", output=BytesIO()
    )
    report = await validate_pdf(out.getvalue(), trust_roots=[pki.ca.root_cert], now=LATER)
    kinds = [(s.kind, s.indication) for s in report.signatures]
    assert kinds == [
        ("signature", Indication.TOTAL_PASSED),
        ("document_timestamp", Indication.TOTAL_PASSED),
    ], report.summary("en")
    doc_ts = report.signatures[1]
    assert doc_ts.timestamp is not None and doc_ts.timestamp.time == NOW + timedelta(minutes=1)
    assert doc_ts.coverage == "ENTIRE_FILE"
    assert "文档时间戳" in report.summary("zh-CN") and "Document time-stamp" in report.summary("en")


async def test_unknown_subfilter_is_reported_not_skipped(pki: Pki, signed: bytes) -> None:
    """pyHanko silently skips signatures with an unknown /SubFilter; the report must not."""
    renamed = signed.replace(b"/ETSI.CAdES.detached", b"/ETSI.CAdES.detacheX")
    report = await validate_pdf(renamed, trust_roots=[pki.ca.root_cert], now=LATER)
    assert report.verdict == "TOTAL_FAILED"
    assert report.signatures[0].sub_indication == "FORMAT_FAILURE"


async def test_encrypted_pdf_is_refused(pki: Pki) -> None:
    writer = PdfFileWriter()
    writer.insert_page(simple_page(writer))
    writer.encrypt("owner-secret", "user-secret")
    out = BytesIO()
    writer.write(out)
    with pytest.raises(EncryptedPdfError) as info:
        await validate_pdf(out.getvalue(), trust_roots=[pki.ca.root_cert])
    assert info.value.code == "encrypted_pdf"


def simple_page(writer: PdfFileWriter) -> PageObject:
    stream = writer.add_object(generic.StreamObject(stream_data=text_content(["secret"])))
    return PageObject(contents=stream, media_box=(0, 0, 595, 842), resources=font_resources())


async def test_modification_fails_even_when_trust_is_indeterminate(signed: bytes) -> None:
    """The classic integrity failure wins over an AdES INDETERMINATE (unknown root)."""
    other = make_pki(name="外部数字认证中心")
    modified = change_page(signed, ["forged"])
    report = await validate_pdf(modified, trust_roots=[other.ca.root_cert], now=LATER)
    (sig,) = report.signatures
    assert sig.indication is Indication.TOTAL_FAILED
    assert MODIFIED_AFTER_SIGNING in sig.reasons
