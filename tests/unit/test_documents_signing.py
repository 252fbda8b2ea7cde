"""The platform's PDFs are accepted by pyHanko: the platform signs them (PAdES B-LT) and they
validate TOTAL_PASSED; a bidder then confirms the opening record in its confirmation field."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from bidding.documents import confirmation_field, render_award, render_opening_record, render_receipt
from crypto.pdf import finish_remote_signature, prepare_remote_signature, sign_pdf, validate_pdf
from tests.crypto.test_pdf_pki import BIDDER, LATER, NOW, Pki, make_pki
from tests.unit.test_documents_render import award_data, receipt_data, record_data


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki("ec-p256")


async def platform_sign(pki: Pki, pdf: bytes, reason: str) -> bytes:
    return await sign_pdf(
        pdf,
        signer_key=pki.doc_key,
        signer_cert=pki.doc_cert,
        chain=pki.ca.chain,
        timestamper=pki.timestamper(),
        crls=pki.crls(),
        reason=reason,
        now=NOW,
    )


@pytest.mark.parametrize(
    ("name", "render"),
    [
        ("receipt", lambda: render_receipt(receipt_data())),
        ("opening record", lambda: render_opening_record(record_data(3))),
        ("award", lambda: render_award(award_data())),
    ],
)
async def test_platform_signature_validates(pki: Pki, name: str, render: object, tmp_path: Path) -> None:
    pdf = render()  # type: ignore[operator]
    signed = await platform_sign(pki, pdf, name)
    assert signed[: len(pdf)] == pdf  # incremental update: the rendered bytes are untouched
    report = await validate_pdf(signed, trust_roots=[pki.ca.root_cert], now=LATER)
    assert report.verdict == "TOTAL_PASSED", report.to_dict()
    (sig,) = report.signatures
    assert sig.coverage == "ENTIRE_REVISION" and sig.reason == name
    if shutil.which("pdfsig"):
        path = tmp_path / "signed.pdf"
        path.write_bytes(signed)
        out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
        assert "Signature is Valid" in out


async def test_bidder_confirms_signed_opening_record(pki: Pki) -> None:
    """Platform signature first, then a bidder's remote signature in its confirmation field: both pass."""
    signed = await platform_sign(pki, render_opening_record(record_data(1)), "开标记录")
    key, cert = pki.bidder("ec-p256", BIDDER)
    request = await prepare_remote_signature(
        signed,
        signer_cert=cert,
        chain=pki.ca.chain,
        field_name=confirmation_field(1),
        reason="确认开标记录",
        now=NOW + timedelta(minutes=1),
    )
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    confirmed = await finish_remote_signature(
        request.state,
        key.sign(request.to_be_signed, ec.ECDSA(hashes.SHA256())),
        timestamper=pki.timestamper(NOW + timedelta(minutes=2)),
        trust_roots=[pki.ca.root_cert],
        crls=pki.crls(),
        now=NOW + timedelta(minutes=2),
    )
    report = await validate_pdf(confirmed, trust_roots=[pki.ca.root_cert], now=LATER)
    assert report.verdict == "TOTAL_PASSED", report.to_dict()
    assert [s.field_name for s in report.signatures] == ["PlatformSignature", confirmation_field(1)]
