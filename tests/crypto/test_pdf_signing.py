"""Platform PAdES B-LT signing (ETSI EN 319 142-1) with a real CA, TSA and pyHanko, then validation."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore

from crypto.ca import make_key
from crypto.pdf import Indication, sign_pdf, simple_pdf, validate_pdf
from crypto.pdf.errors import NotAPdfError, PdfSigningError, SignerCertificateError
from tests.fixtures.pki import LATER, NOW, Pki

DOC = simple_pdf(["Opening record", "Lot 1: 3 bids opened"])


pytestmark = pytest.mark.parametrize("pki", ["ec-p256", "rsa3072"], indirect=True, scope="module")


async def platform_sign(pki: Pki, pdf: bytes = DOC, **options: object) -> bytes:
    return await pki.sign(pdf, field_name="PlatformSignature", reason="开标记录", location="福州", **options)


async def test_sign_and_validate_total_passed(pki: Pki) -> None:
    signed = await platform_sign(pki)
    assert signed.startswith(DOC[:8]) and signed[: len(DOC)] == DOC  # incremental update
    report = await validate_pdf(signed, trust_roots=[pki.ca.root_cert], now=LATER)
    assert report.verdict == "TOTAL_PASSED"
    (sig,) = report.signatures
    assert (sig.indication, sig.sub_indication, sig.kind) == (Indication.TOTAL_PASSED, None, "signature")
    assert sig.subfilter == "ETSI.CAdES.detached"
    assert sig.timestamp is not None and sig.timestamp.valid and sig.timestamp.time == NOW
    assert sig.timestamp.tsa is not None and "Time Stamping Authority" in (sig.timestamp.tsa.common_name or "")
    assert sig.signer is not None and sig.signer.common_name == "示例交易中心 Document Signing"
    assert sig.signing_time == NOW
    assert sig.revocation == "good"
    assert sig.coverage == "ENTIRE_REVISION" and sig.modification_level == "LTA_UPDATES"
    assert sig.changes_permitted is True
    assert (sig.reason, sig.location) == ("开标记录", "福州")


async def test_b_lt_material_in_dss(pki: Pki) -> None:
    """The DSS carries the chain and CRLs, so validation needs nothing from the caller but the root."""
    signed = await platform_sign(pki)
    dss = DocumentSecurityStore.read_dss(PdfFileReader(BytesIO(signed)))
    assert len(list(dss.crls)) >= 2
    ders = {c.dump() for c in dss.load_certs()}
    assert pki.ca.issuing_cert.public_bytes(serialization.Encoding.DER) in ders


async def test_report_json_and_summaries(pki: Pki) -> None:
    report = await validate_pdf(await platform_sign(pki), trust_roots=[pki.ca.root_cert], now=LATER)
    data = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert data["verdict"] == "TOTAL_PASSED"
    sig = data["signatures"][0]
    assert sig["timestamp"]["time"] == NOW.isoformat().replace("+00:00", "Z")
    assert data["validated_at"].endswith("Z")
    assert sig["modification"] == {"level": "LTA_UPDATES", "permitted": True}
    zh, en = report.summary("zh-CN"), report.summary("en")
    assert "全部签名均验证通过" in zh and "示例交易中心 Document Signing" in zh
    assert "All signatures in the document are valid" in en and "示例交易中心 Document Signing" in en
    assert data["summary"] == {"zh-CN": zh, "en": en}


async def test_signing_accepts_a_stream(pki: Pki) -> None:
    signed = await platform_sign(pki, pdf=BytesIO(DOC))  # type: ignore[arg-type]
    assert (await validate_pdf(signed, trust_roots=[pki.ca.root_cert], now=LATER)).verdict == "TOTAL_PASSED"


async def test_signing_refuses_key_mismatch(pki: Pki) -> None:
    with pytest.raises(PdfSigningError) as info:
        await sign_pdf(
            DOC,
            signer_key=make_key("ec-p256"),
            signer_cert=pki.doc_cert,
            chain=pki.ca.chain,
            timestamper=pki.timestamper(),
            crls=pki.crls(),
        )
    assert info.value.code == "pdf_signing_failed"


async def test_signing_refuses_without_revocation_data(pki: Pki) -> None:
    """B-LT needs revocation data: without CRLs the platform refuses rather than issue a weak signature."""
    with pytest.raises(SignerCertificateError) as info:
        await sign_pdf(
            DOC,
            signer_key=pki.doc_key,
            signer_cert=pki.doc_cert,
            chain=pki.ca.chain,
            timestamper=pki.timestamper(),
            now=NOW,
        )
    assert info.value.code == "signer_certificate_invalid"


async def test_signing_refuses_non_pdf(pki: Pki) -> None:
    with pytest.raises(NotAPdfError):
        await platform_sign(pki, pdf=b"hello world")


async def test_two_platform_signatures(pki: Pki) -> None:
    once = await platform_sign(pki)
    twice = await pki.sign(once, field_name="AwardNotice", now=NOW + timedelta(minutes=1))
    report = await validate_pdf(twice, trust_roots=[pki.ca.root_cert], now=LATER)
    assert [s.field_name for s in report.signatures] == ["PlatformSignature", "AwardNotice"]
    assert report.verdict == "TOTAL_PASSED", report.summary("en")


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils (pdfsig) is not installed")
async def test_pdfsig_accepts_platform_signature(pki: Pki, tmp_path: Path) -> None:
    path = tmp_path / "signed.pdf"
    path.write_bytes(await platform_sign(pki))
    out = subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True, check=False)
    assert "Signature is Valid" in out.stdout, out.stdout + out.stderr
