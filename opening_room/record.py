"""The opening record (开标记录, 《电子招标投标办法》第三十二条): its content as JSON, built from the
session's public events and the bids' openings; its PDF in Chinese, signed by the platform (PAdES
B-LT); the objects that keep both.

The JSON is the source: its SHA-256 (over the canonical form, :func:`digest`) is announced with
``record.preparing`` before the PDF exists, and the PDF only shows it to people. Each bidder's
confirmation adds a signature and a new version of the PDF (``record-v{n}.pdf``); every version is
kept under retention for :data:`RETENTION` (15 years).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.core.clock import Clock
from bidding.core.pki.documents import DocumentSigner
from bidding.documents.opening_record import BidderRow, Objection, OpeningRecordData, render_opening_record
from bidding.tendering.announcements import MAX_BODY
from bidding.tendering.models import Lot, Project
from opening_room.events import PUBLIC
from opening_room.states import BidOpeningOutcome, BidOpeningStatus
from opening_room.tables import OpeningEvent, OpeningSession
from storage import ObjectStore

__all__ = [
    "PENDING_KEY",
    "RECORD_KEY",
    "RETENTION",
    "announcement_body",
    "build",
    "canonical",
    "digest",
    "document",
    "issue",
    "json_url",
    "pdf_url",
    "put",
    "read",
    "version_of",
]

RECORD_KEY: Final = "opening-records/{lot}/record-v{version}.pdf"
#: A bidder's prepared signature (remote signing state) until it sends its signature.
PENDING_KEY: Final = "opening-records/{lot}/pending-{org}.json"
RETENTION: Final = timedelta(days=15 * 365)


def pdf_url(lot_id: uuid.UUID) -> str:
    return f"/api/public/openings/{lot_id}/record.pdf"


def json_url(lot_id: uuid.UUID) -> str:
    return f"/api/public/openings/{lot_id}/record.json"


def version_of(key: str) -> int:
    """The version in a record PDF's key (``…/record-v3.pdf`` → 3)."""
    return int(key.rsplit("-v", 1)[1].split(".")[0])


async def build(db: AsyncSession, session: OpeningSession, lot: Lot, project: Project) -> dict[str, Any]:
    """The opening record (开标记录, 办法 32) as JSON: built from the public events and the announcement."""
    events = (
        await db.scalars(
            select(OpeningEvent)
            .where(OpeningEvent.lot_id == lot.id, OpeningEvent.audience == PUBLIC)
            .order_by(OpeningEvent.seq)
        )
    ).all()
    announcement: dict[str, Any] = next((e.data for e in reversed(events) if e.name == "announcement"), {"bidders": []})
    objections = [
        e.data | {"seq": e.seq, "at": e.at.isoformat()}
        for e in events
        if e.name in ("objection.raised", "objection.answered")
    ]
    remarks = [e.data | {"at": e.at.isoformat()} for e in events if e.name == "supervisor.remark"]
    return {
        "type": "opening-record",
        "project": {"id": str(project.id), "code": project.code, "name": project.name},
        "lot": {"id": str(lot.id), "code": lot.code, "name": lot.name},
        "opening_at": lot.bid_deadline.isoformat() if lot.bid_deadline else None,
        "host": project.agent.name,
        "bidders": announcement["bidders"],
        "fields": list(lot.form_fields),
        "objections": objections,
        "remarks": remarks,
        "events": session.last_seq,
    }


def announcement_body(record: dict[str, Any], lot_id: uuid.UUID) -> str:
    """The record as its announcement's text (办法 32): the JSON itself when it fits an announcement
    (``MAX_BODY``); for a lot with many bidders (a thousand do not fit), a summary that names the
    record's SHA-256 and where its signed PDF and its JSON are published."""
    full = json.dumps(record, ensure_ascii=False, indent=1)
    if len(full) <= MAX_BODY:
        return full
    project, lot = record["project"], record["lot"]
    return "\n".join(
        [
            f"开标记录 / Opening record: {project['code']} {project['name']} — {lot['code']} {lot['name']}",
            f"开标时间 / Opened at: {record['opening_at']}",
            f"投标人 / Bidders: {len(record['bidders'])}",
            f"异议 / Objections: {sum(1 for o in record['objections'] if o.get('seq') == o.get('objection'))}",
            f"记录 SHA-256 / Record SHA-256: {digest(record)}",
            f"签章 PDF / Signed PDF: {pdf_url(lot_id)}",
            f"JSON: {json_url(lot_id)}",
        ]
    )


def canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(record: dict[str, Any]) -> str:
    """SHA-256 (hex) of the record's canonical JSON: what ``record.preparing`` announces."""
    return hashlib.sha256(canonical(record)).hexdigest()


_DECRYPTION: Final[dict[str, str]] = {
    BidOpeningStatus.DECRYPTED: "decrypted",
    BidOpeningOutcome.REVOKED: "bidder_fault",
    BidOpeningOutcome.WITHDRAWN: "platform_fault",
}


def document(record: dict[str, Any], record_sha256: str, now: datetime) -> OpeningRecordData:
    """The PDF's view of the record JSON (the JSON is the source; the PDF shows it to people)."""
    objections: list[Objection] = []
    answers = {o["objection"]: o for o in record["objections"] if "objection" in o and o.get("seq") != o["objection"]}
    for item in record["objections"]:
        if item.get("seq") == item.get("objection"):  # a raised objection carries its own number
            answer = answers.get(item["seq"], {})
            objections.append(
                Objection(
                    raised_by=item["by"],
                    raised_at=datetime.fromisoformat(item["at"]),
                    text=item["text"],
                    answer=answer.get("text", ""),
                    answered_by=answer.get("by", ""),
                    answered_at=datetime.fromisoformat(answer["at"]) if answer else None,
                )
            )
    rows = [
        BidderRow(
            order=b["order"],
            name=b["name"],
            credit_code=b["credit_code"],
            deposit=b.get("deposit", "not_checked"),
            decryption=_DECRYPTION.get(
                b["status"] if b["status"] == BidOpeningStatus.DECRYPTED else (b.get("outcome") or ""), "pending"
            ),  # type: ignore[arg-type]
            price_fen=b.get("price_fen"),
            form=b.get("form") or {},
        )
        for b in record["bidders"]
    ]
    return OpeningRecordData(
        record_number=f"KB-{record['lot']['id'][:8].upper()}",
        project_code=record["project"]["code"],
        project_name=record["project"]["name"],
        lot_code=record["lot"]["code"],
        lot_name=record["lot"]["name"],
        opening_at=datetime.fromisoformat(record["opening_at"]),
        host=record["host"],
        supervisors=sorted({r["by"] for r in record["remarks"]}),
        bidders=rows,
        record_sha256=record_sha256,
        issued_at=now,
        fields=record["fields"],
        objections=objections,
        supervisor_remarks="\n".join(r["text"] for r in record["remarks"]),
        agent=record["host"],
    )


async def issue(
    store: ObjectStore, documents: DocumentSigner, clock: Clock, lot_id: uuid.UUID, record: dict[str, Any], sha256: str
) -> str:
    """Render the record's PDF, sign it as the platform and store it as version 1; returns its key."""
    pdf = await asyncio.to_thread(render_opening_record, document(record, sha256, clock.now()))
    signed = await documents.sign(pdf, reason="开标记录 / opening record")
    key = RECORD_KEY.format(lot=lot_id, version=1)
    await put(store, clock, key, signed)
    return key


async def put(store: ObjectStore, clock: Clock, key: str, data: bytes, *, retain: bool = True) -> None:
    """Store a record PDF (kept for :data:`RETENTION`) or, with ``retain=False``, a pending signature."""

    async def body() -> AsyncIterator[bytes]:
        yield data

    await store.put(
        key,
        body(),
        content_type="application/pdf" if key.endswith(".pdf") else "application/json",
        retain_until=clock.now() + RETENTION if retain else None,
    )


async def read(store: ObjectStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in store.open(key)])
