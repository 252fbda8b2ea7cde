"""Platform-signed PDFs, a user's remote signature on them, and the public validation endpoint,
against the running app (its own CA, TSA and CRLs)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from crypto.pdf import simple_pdf
from tests.fixtures.parties import enrol
from tests.fixtures.pki import change_page


async def verify(client: httpx.AsyncClient, pdf: bytes) -> dict[str, Any]:
    response = await client.post("/api/verify/pdf", content=pdf, headers={"Content-Type": "application/pdf"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
async def platform_signed(platform: Any) -> bytes:
    pdf = simple_pdf(["投标文件接收回执", "Tender receipt", "NJ-2026-GC-0101 / 01"])
    signed: bytes = await platform.documents.sign(pdf, reason="投标回执 / tender receipt")
    return signed


async def test_platform_signature_passes_with_timestamp(client: httpx.AsyncClient, platform_signed: bytes) -> None:
    report = await verify(client, platform_signed)
    assert report["verdict"] == "TOTAL_PASSED", report
    (signature,) = [s for s in report["signatures"] if s["kind"] == "signature"]
    assert "Document Signing" in signature["signer"]["subject"]
    assert signature["timestamp"] is not None
    assert "签名" in report["summary"]["zh-CN"] and report["summary"]["en"]


async def test_changed_after_signing_fails(client: httpx.AsyncClient, platform_signed: bytes) -> None:
    changed = change_page(platform_signed, ["投标文件接收回执", "price changed"])
    assert (await verify(client, changed))["verdict"] == "TOTAL_FAILED"
    flipped = bytearray(platform_signed)
    original = simple_pdf(["投标文件接收回执", "Tender receipt", "NJ-2026-GC-0101 / 01"])
    flipped[len(original) // 2] ^= 0x01  # inside the first revision, which the signature covers
    report = await client.post("/api/verify/pdf", content=bytes(flipped), headers={"Content-Type": "application/pdf"})
    assert report.status_code == 400 or report.json()["verdict"] == "TOTAL_FAILED"


async def test_user_adds_a_remote_signature(
    client: httpx.AsyncClient, admin_headers: dict[str, str], platform: Any, platform_signed: bytes
) -> None:
    bidder = await enrol(client, admin_headers)
    request = await platform.documents.prepare_user_signature(
        platform_signed, bidder.cert, field_name="Bidder1", reason="确认开标记录 / confirm the record"
    )
    assert request.algorithm == "ECDSA-P256-SHA256"
    # The client signs with its own key; the server never sees it.
    signature = bidder.key.sign(request.to_be_signed, ec.ECDSA(hashes.SHA256()))
    both = await platform.documents.finish_user_signature(request.state, signature)
    report = await verify(client, both)
    assert report["verdict"] == "TOTAL_PASSED", report
    signers = [s["signer"]["subject"] for s in report["signatures"] if s["kind"] == "signature"]
    assert len(signers) == 2 and any(bidder.credit_code in s for s in signers)

    other = await enrol(client, admin_headers)
    forged = other.key.sign(request.to_be_signed, ec.ECDSA(hashes.SHA256()))
    from crypto.pdf.errors import RemoteSignatureInvalidError

    with pytest.raises(RemoteSignatureInvalidError):
        await platform.documents.finish_user_signature(request.state, forged)


async def test_bad_uploads(client: httpx.AsyncClient, platform_signed: bytes) -> None:
    not_pdf = await client.post("/api/verify/pdf", content=b"hello", headers={"Content-Type": "application/pdf"})
    assert (not_pdf.status_code, not_pdf.json()["error"]["code"]) == (400, "not_a_pdf")
    empty = await client.post("/api/verify/pdf", content=b"", headers={"Content-Type": "application/pdf"})
    assert empty.status_code == 400
    wrong_type = await client.post("/api/verify/pdf", content=b"%PDF-", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    no_field = await client.post("/api/verify/pdf", files={"other": ("a.pdf", platform_signed, "application/pdf")})
    assert no_field.status_code == 400
    form = await client.post("/api/verify/pdf", files={"file": ("receipt.pdf", platform_signed, "application/pdf")})
    assert form.status_code == 200 and form.json()["verdict"] == "TOTAL_PASSED"
    unsigned = await verify(client, simple_pdf(["no signature"]))
    assert unsigned["verdict"] == "NO_SIGNATURES"
