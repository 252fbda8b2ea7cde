"""The platform's PDFs are accepted by pyHanko: the platform signs them (PAdES B-LT) and they
validate TOTAL_PASSED; a bidder then confirms the opening record in its confirmation field."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bidding.documents import confirmation_field, render_award, render_opening_record, render_receipt
from crypto.pdf import validate_pdf
from tests.fixtures.documents import award_data, receipt_data, record_data
from tests.fixtures.pki import BIDDER, LATER, Pki


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
    signed = await pki.sign(pdf, reason=name)
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
    signed = await pki.sign(render_opening_record(record_data(1)), reason="开标记录")
    key, cert = pki.bidder("ec-p256", BIDDER)
    confirmed = await pki.confirm(signed, key, cert, confirmation_field(1))
    report = await validate_pdf(confirmed, trust_roots=[pki.ca.root_cert], now=LATER)
    assert report.verdict == "TOTAL_PASSED", report.to_dict()
    assert [s.field_name for s in report.signatures] == ["PlatformSignature", confirmation_field(1)]
