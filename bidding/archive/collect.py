"""What goes into a project's archive (电子档案; 《电子招标投标办法》 第 49 条: the platform keeps the
record of every step — documents, announcements, receipts, openings, evaluation, award, contract —
and the log of operations), read from the database and the object store. No writing here: the use
case (:mod:`bidding.archive.service`) builds, signs and stores the package.

The layout under ``files/`` (one folder per lot, by its code):

* ``project.json`` — the project and its lots;
* ``tender/documents/v<n>-<filename>`` — every version of the tender documents;
* ``announcements/<time>-<kind>-<id>.json`` and ``.txt`` — every announcement (its record and its
  body as published), with any PDF its details name;
* ``lots/<lot>/bids.json`` and ``lots/<lot>/bids/<receipt number>.jws`` / ``.pdf`` — each bid
  version's identity (digests of the sealed package, times, status) and its receipt (确认回执) as
  signed JSON (JWS) and PDF;
* ``lots/<lot>/opening/record.json`` / ``record.pdf`` — the opening record (开标记录);
* ``lots/<lot>/evaluation/report.json`` / ``report.pdf`` / ``signing-sheet.pdf`` — the report
  (canonical JSON whose digest the PDF prints, the newest PDF with every signature, the sheet);
* ``lots/<lot>/award/award.json``, ``publicity.pdf``, ``notices/<number>.pdf``, ``contract/…``,
  ``report/…`` (the 15-day report's document), ``objections/<id>.json`` and ``complaints/<id>.json``
  with their signed statements, and their attachments under ``…/<id>/``;
* ``audit/events.jsonl`` — the project's audit events (:func:`audit_filter`), one JSON per line;
* ``missing.json`` — objects a row names but the store does not hold (none, normally).

Not in the archive: the sealed bid packages and the decrypted bodies. The packages are kept under
their own retention in the store (``bidding.submission``, by ``Bid.object_key``), and
``bids.json`` lists each one's SHA-256 and package digest so the archive identifies them; the
bodies are the committee's reading copy (``docs/evaluation.md`` §Reading the bids: nobody else is
served a body), decrypted from those packages, and would put every bidder's whole bid in the hands
of whoever reads the archive. Neither are the opened data keys (``Bid.opened_data_key``).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.archive.manifest import ArchiveFile, safe_segment
from bidding.audit.models import AuditEvent
from bidding.awards.models import Award, AwardComplaint, AwardContract, AwardNotice, AwardObjection
from bidding.evaluation.models import Evaluation
from bidding.evaluation.report_data import canonical as report_canonical
from bidding.experts.draw_models import ExpertDraw
from bidding.identity.models import Organization
from bidding.submission.models import Bid
from bidding.tendering.models import Announcement, Lot, Project, TenderDocument
from opening_room.tables import OpeningSession
from storage.base import ObjectNotFound, ObjectStore
from storage.streams import read_bytes

__all__ = ["Collected", "audit_filter", "collect"]

_log = logging.getLogger(__name__)


def _json(value: Any) -> bytes:
    """Readable JSON (indented, Chinese as it is): the documents of the archive are for people."""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=_default).encode() + b"\n"


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date | uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if hasattr(value, "value"):  # enums
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON")


def _row(obj: Any, *, leave_out: Iterable[str] = ()) -> dict[str, Any]:
    """Every column of a table row, by name, but ``leave_out``."""
    skip = set(leave_out)
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns if c.key not in skip}


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass
class Collected:
    """The files gathered so far, and the objects a row named that the store does not hold."""

    project: Project
    files: list[ArchiveFile] = field(default_factory=list)
    missing: list[dict[str, str]] = field(default_factory=list)
    _paths: set[str] = field(default_factory=set)

    def add(self, path: str, data: bytes, kind: str, source: str) -> None:
        full = f"files/{path}"
        if full in self._paths:  # two names that clean to the same segment: keep both
            stem, dot, ext = full.rpartition(".")
            full = f"{stem}-{len(self._paths)}.{ext}" if dot and "/" not in ext else f"{full}-{len(self._paths)}"
        self._paths.add(full)
        self.files.append(ArchiveFile(full, data, kind, source))

    def add_json(self, path: str, value: Any, kind: str, source: str) -> None:
        self.add(path, _json(value), kind, source)

    async def add_object(self, store: ObjectStore, path: str, key: str | None, kind: str, source: str) -> None:
        """The stored object ``key`` (if any) as ``path``; recorded as missing if the store lacks it."""
        if not key:
            return
        try:
            data = await read_bytes(store, key)
        except ObjectNotFound:
            _log.error("archive of project %s: object %s (%s) is missing", self.project.code, key, source)
            self.missing.append({"path": f"files/{path}", "object_key": key, "kind": kind, "source": source})
            return
        self.add(path, data, kind, source)


def audit_filter(
    project_id: uuid.UUID,
    lot_ids: list[uuid.UUID],
    evaluation_ids: list[uuid.UUID],
    award_ids: list[uuid.UUID],
    draw_ids: list[uuid.UUID],
) -> ColumnElement[bool]:
    """The project's audit events: those on the project itself (creation, documents, announcements,
    downloads), on any of its lots (uploads, bids, withdrawals, the opening room, bodies read), on its
    evaluations, its awards (publicity, objections, complaints, notices, contract, the end) and its
    expert draws, and the old rows embargoed under it (``bidding.operations.audit_trail``).

    By ``object_type``/``object_id`` (indexed) rather than by the ids inside ``details``, which the
    two databases query differently and which no writer promises; ids are passed as text because
    ``object_id`` is text. Events of an organisation, a certificate or a deposit refund are not the
    project's and stay in the platform's trail.
    """

    def on(kind: str, ids: list[uuid.UUID]) -> ColumnElement[bool]:
        return and_(AuditEvent.object_type == kind, AuditEvent.object_id.in_([str(i) for i in ids]))

    return or_(
        on("project", [project_id]),
        on("lot", lot_ids),
        on("evaluation", evaluation_ids),
        on("award", award_ids),
        on("expert_draw", draw_ids),
        AuditEvent.embargo_project_id == project_id,
    )


async def collect(session: AsyncSession, store: ObjectStore, project: Project) -> Collected:
    """Everything of ``project`` that goes into its archive (see the module's docstring)."""
    out = Collected(project)
    lots = list(await session.scalars(select(Lot).where(Lot.project_id == project.id).order_by(Lot.code)))
    lot_dir = _lot_dirs(lots)
    orgs = await _organisations(session, project, lots)
    out.add_json(
        "project.json",
        {
            "project": _row(project),
            "tenderer": orgs.get(project.tenderer_id),
            "agent": orgs.get(project.agent_id),
            "lots": [_row(lot) for lot in lots],
        },
        "project",
        f"projects:{project.id}",
    )
    await _documents(session, store, out, project)
    await _announcements(session, store, out, project)
    evaluation_ids: list[uuid.UUID] = []
    award_ids: list[uuid.UUID] = []
    for lot in lots:
        base = f"lots/{lot_dir[lot.id]}"
        await _bids(session, store, out, lot, base, orgs)
        await _opening(session, store, out, lot, base)
        evaluation = await session.scalar(select(Evaluation).where(Evaluation.lot_id == lot.id))
        if evaluation is not None:
            evaluation_ids.append(evaluation.id)
            await _evaluation(store, out, evaluation, base)
        award = await session.scalar(select(Award).where(Award.lot_id == lot.id))
        if award is not None:
            award_ids.append(award.id)
            await _award(session, store, out, award, f"{base}/award")
    draw_ids = list(await session.scalars(select(ExpertDraw.id).where(ExpertDraw.project_id == project.id)))
    events = await session.scalars(
        select(AuditEvent)
        .where(audit_filter(project.id, [lot.id for lot in lots], evaluation_ids, award_ids, draw_ids))
        .order_by(AuditEvent.id)
    )
    lines = b"".join(
        json.dumps(_row(e), ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_default).encode()
        + b"\n"
        for e in events
    )
    out.add("audit/events.jsonl", lines, "audit_events", "audit_events")
    if out.missing:
        out.add_json("missing.json", out.missing, "missing_objects", "object store")
    return out


def _lot_dirs(lots: list[Lot]) -> dict[uuid.UUID, str]:
    names: dict[uuid.UUID, str] = {}
    for lot in lots:
        name = safe_segment(lot.code, "lot")
        names[lot.id] = name if name not in names.values() else f"{name}-{str(lot.id)[:8]}"
    return names


async def _organisations(session: AsyncSession, project: Project, lots: list[Lot]) -> dict[uuid.UUID, dict[str, str]]:
    """Name and credit code of the tenderer, the agent and every bidder (what the records print)."""
    bidders = select(Bid.organization_id).where(Bid.lot_id.in_([lot.id for lot in lots]))
    rows = await session.execute(
        select(Organization.id, Organization.name, Organization.credit_code).where(
            or_(Organization.id.in_([project.tenderer_id, project.agent_id]), Organization.id.in_(bidders))
        )
    )
    return {row.id: {"id": str(row.id), "name": row.name, "credit_code": row.credit_code} for row in rows}


async def _documents(session: AsyncSession, store: ObjectStore, out: Collected, project: Project) -> None:
    documents = await session.scalars(
        select(TenderDocument).where(TenderDocument.project_id == project.id).order_by(TenderDocument.version)
    )
    for d in documents:
        await out.add_object(
            store,
            f"tender/documents/v{d.version}-{safe_segment(d.filename)}",
            d.object_key,
            "tender_document",
            f"tender_documents:{d.id}",
        )


async def _announcements(session: AsyncSession, store: ObjectStore, out: Collected, project: Project) -> None:
    rows = await session.scalars(
        select(Announcement)
        .where(Announcement.project_id == project.id)
        .order_by(Announcement.published_at, Announcement.id)
    )
    for a in rows:
        stem = f"announcements/{_stamp(a.published_at)}-{a.kind.value}-{str(a.id)[:8]}"
        source = f"announcements:{a.id}"
        out.add_json(f"{stem}.json", _row(a), "announcement", source)
        out.add(f"{stem}.txt", a.body.encode(), "announcement_text", source)
        for name, value in sorted((a.details or {}).items()):
            # a PDF the announcement was published with (``pdf_key``, ``publicity_pdf_key``, …)
            if name.endswith("pdf_key") and isinstance(value, str):
                await out.add_object(store, f"{stem}-{safe_segment(name)}.pdf", value, "announcement_pdf", source)


async def _bids(
    session: AsyncSession,
    store: ObjectStore,
    out: Collected,
    lot: Lot,
    base: str,
    orgs: Mapping[uuid.UUID, dict[str, str]],
) -> None:
    bids = list(
        await session.scalars(
            select(Bid).where(Bid.lot_id == lot.id).order_by(Bid.submitted_at, Bid.organization_id, Bid.version)
        )
    )
    if not bids:
        return
    listed = [
        {**_row(b, leave_out=("opened_data_key", "receipt_jws")), "bidder": orgs.get(b.organization_id)} for b in bids
    ]
    out.add_json(f"{base}/bids.json", listed, "bids", f"bids:lot:{lot.id}")
    for b in bids:
        number = safe_segment(b.receipt_number, str(b.id))
        out.add(f"{base}/bids/{number}.jws", b.receipt_jws.encode(), "bid_receipt", f"bids:{b.id}")
        await out.add_object(store, f"{base}/bids/{number}.pdf", b.receipt_pdf_key, "bid_receipt_pdf", f"bids:{b.id}")


async def _opening(session: AsyncSession, store: ObjectStore, out: Collected, lot: Lot, base: str) -> None:
    opening = await session.get(OpeningSession, lot.id)
    if opening is None:
        return
    source = f"opening_sessions:{lot.id}"
    if opening.record_json is not None:
        out.add_json(f"{base}/opening/record.json", opening.record_json, "opening_record", source)
    await out.add_object(store, f"{base}/opening/record.pdf", opening.record_pdf_key, "opening_record_pdf", source)


async def _evaluation(store: ObjectStore, out: Collected, ev: Evaluation, base: str) -> None:
    source = f"evaluations:{ev.id}"
    if ev.report is not None:
        # the canonical bytes: their SHA-256 is the one the report PDF prints
        out.add(f"{base}/evaluation/report.json", report_canonical(ev.report), "evaluation_report", source)
    await out.add_object(store, f"{base}/evaluation/report.pdf", ev.report_pdf_key, "evaluation_report_pdf", source)
    await out.add_object(
        store, f"{base}/evaluation/signing-sheet.pdf", ev.signing_sheet_key, "evaluation_signing_sheet", source
    )


async def _award(session: AsyncSession, store: ObjectStore, out: Collected, award: Award, base: str) -> None:
    source = f"awards:{award.id}"
    out.add_json(f"{base}/award.json", _row(award), "award", source)
    await out.add_object(store, f"{base}/publicity.pdf", award.publicity_pdf_key, "award_publicity_pdf", source)
    report_doc = (award.supervisor_report or {}).get("document") or {}
    if isinstance(report_doc, dict) and isinstance(report_doc.get("object_key"), str):
        name = safe_segment(str(report_doc.get("filename") or "report.pdf"))
        await out.add_object(store, f"{base}/report/{name}", report_doc["object_key"], "award_report", source)
    notices = await session.scalars(
        select(AwardNotice).where(AwardNotice.award_id == award.id).order_by(AwardNotice.batch, AwardNotice.number)
    )
    for n in notices:
        path = f"{base}/notices/batch-{n.batch}-{safe_segment(n.number)}.pdf"
        await out.add_object(store, path, n.pdf_key, f"award_notice_{n.kind.value}", f"award_notices:{n.id}")
    contract = await session.scalar(select(AwardContract).where(AwardContract.award_id == award.id))
    if contract is not None:
        c_source = f"award_contracts:{contract.id}"
        out.add_json(f"{base}/contract/contract.json", _row(contract), "contract", c_source)
        name = safe_segment(contract.filename, "contract.pdf")
        await out.add_object(store, f"{base}/contract/{name}", contract.object_key, "contract_document", c_source)
    objections = await session.scalars(
        select(AwardObjection).where(AwardObjection.award_id == award.id).order_by(AwardObjection.received_at)
    )
    for o in objections:
        await _statement(store, out, f"{base}/objections/{o.id}", _row(o), "objection", f"award_objections:{o.id}")
    complaints = await session.scalars(
        select(AwardComplaint).where(AwardComplaint.award_id == award.id).order_by(AwardComplaint.received_at)
    )
    for c in complaints:
        await _statement(store, out, f"{base}/complaints/{c.id}", _row(c), "complaint", f"award_complaints:{c.id}")


async def _statement(
    store: ObjectStore, out: Collected, stem: str, row: dict[str, Any], kind: str, source: str
) -> None:
    """An objection or complaint: the row with its signed statement, then every attachment (the
    objector's and the answer's) by the key its descriptor names."""
    out.add_json(f"{stem}.json", row, kind, source)
    for field_name in ("attachments", "answer_attachments"):
        for n, item in enumerate(row.get(field_name) or []):
            if isinstance(item, dict) and isinstance(item.get("object_key"), str):
                name = f"{n + 1}-{safe_segment(str(item.get('filename') or 'attachment'))}"
                await out.add_object(
                    store, f"{stem}/{field_name}/{name}", item["object_key"], f"{kind}_attachment", source
                )
