"""The receipt (确认回执, 《电子招标投标办法》第二十七条) a bidder gets the moment its package is in.

Two forms of the same facts: a signed JSON (a JWS, RFC 7515, by the platform's document-signing
certificate with its chain in ``x5c``) carrying an RFC 3161 timestamp token from the platform TSA
over the receipt's canonical JSON; and a platform-signed PDF (PAdES) for people. Both name the
project, lot, bidder, version, the ciphertext's SHA-256 and size.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from bidding.core.clock import Clock
from bidding.core.pki.documents import DocumentSigner
from bidding.core.pki.keystore import PlatformKeys
from bidding.documents.receipt import ReceiptData, render_receipt
from bidding.identity.models import Organization
from bidding.submission.models import Bid
from bidding.submission.service import PACKAGE_RETENTION as RECEIPT_RETENTION
from bidding.submission.service import Submitted
from bidding.tendering.models import Lot, Project
from crypto import jws
from storage import ObjectExists, ObjectStore


def canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def receipt_core(bid: Bid, lot: Lot, project: Project, bidder: Organization) -> dict[str, Any]:
    return {
        "type": "tender-receipt",
        "receipt_number": bid.receipt_number,
        "project": {"id": str(project.id), "code": project.code, "name": project.name},
        "lot": {"id": str(lot.id), "code": lot.code, "name": lot.name},
        "bidder": {"name": bidder.name, "credit_code": bidder.credit_code},
        "version": bid.version,
        "ciphertext_sha256": bid.sha256,
        "size": bid.size,
        "package_digest": bid.package_digest,
        "submitted_at": bid.submitted_at.isoformat(),
        "uploader_certificate_sha256": bid.uploader_fingerprint,
    }


def signed_receipt(keys: PlatformKeys, clock: Clock, core: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The JWS receipt: the core, a TSA token over its canonical JSON, signed by the platform."""
    now = clock.now()
    token = keys.tsa.timestamp(hashlib.sha256(canonical(core)).digest(), now)
    payload = {
        **core,
        "timestamp": {
            "token": base64.b64encode(token).decode(),
            "hashed": "sha256 of the canonical JSON of every other field",
            "gen_time": now.isoformat(),
            "tsa": keys.tsa_cert.subject.rfc4514_string(),
        },
    }
    chain = [keys.signer_cert, *keys.ca.chain]
    return jws.sign(canonical(payload), keys.signer_key, chain, typ="bidding-receipt+jws"), payload


def sign_receipt(submitted: Submitted, *, keys: PlatformKeys, clock: Clock) -> tuple[str, dict[str, Any]]:
    """The signed JSON receipt of a version being recorded: the JWS and its payload.

    Signed inside the transaction that records the version (a few milliseconds, no I/O), so that a
    version is a bid only with its receipt, and a receipt is only ever issued for a recorded version.
    """
    return signed_receipt(
        keys, clock, receipt_core(submitted.bid, submitted.lot, submitted.project, submitted.organization)
    )


async def store_receipt_pdf(
    bid: Bid,
    lot: Lot,
    project: Project,
    bidder: Organization,
    payload: dict[str, Any],
    *,
    clock: Clock,
    signer: DocumentSigner,
    store: ObjectStore,
) -> str:
    """Render, sign and store the PDF receipt for people from the signed receipt's ``payload`` (no
    database work: the caller records the key on the bid in a short transaction); returns its key.

    The key is the bid's own: a PDF found there already (a run that stored it but died before
    recording it) is the bid's receipt, and its key is returned as is."""
    key = receipt_pdf_key(bid)
    if await store.exists(key):
        return key
    pdf = await asyncio.to_thread(
        render_receipt,
        ReceiptData(
            receipt_number=bid.receipt_number,
            project_code=project.code,
            project_name=project.name,
            lot_code=lot.code,
            lot_name=lot.name,
            bidder_name=bidder.name,
            bidder_credit_code=bidder.credit_code,
            version=bid.version,
            submitted_at=bid.submitted_at,
            ciphertext_sha256=bid.sha256,
            size_bytes=bid.size,
            package_digest=bid.package_digest,
            timestamp_time=datetime.fromisoformat(payload["timestamp"]["gen_time"]),
            tsa_name=payload["timestamp"]["tsa"],
            uploader_fingerprint=bid.uploader_fingerprint,
            issued_at=clock.now(),
        ),
    )
    signed = await signer.sign(pdf, reason="投标文件接收回执 / tender receipt")

    async def body() -> AsyncIterator[bytes]:
        yield signed

    with contextlib.suppress(ObjectExists):  # another run of the job stored it meanwhile: that one is the receipt
        await store.put(
            key,
            body(),
            content_type="application/pdf",
            retain_until=bid.submitted_at + RECEIPT_RETENTION,
            overwrite=False,
        )
    return key


def receipt_pdf_key(bid: Bid) -> str:
    """Where a bid's PDF receipt is stored (one per bid)."""
    return f"receipts/{bid.lot_id}/{bid.id}.pdf"
