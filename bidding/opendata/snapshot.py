"""A project as it was public at a moment T (``docs/opendata.md``): the snapshot a release is built
from. Everything is filtered by its own time — an announcement by ``published_at``, a lot's opening
by its record's announcement, the publicity by ``publicity_published_at``, a notice batch by its
notices' ``sent_at``, the contract by ``contracted_at``, an end by its own moment — so the release of
a change, built again later, is the same release.

Names and prices come from what was published (the opening record's announcement, the award's
candidates), not from rows that may change later (an organisation's name)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bidding.awards.models import Award, AwardContract, AwardNotice
from bidding.awards.states import AwardState, NoticeKind
from bidding.identity.models import Organization
from bidding.opendata.release import (
    AmendmentSnap,
    AwardSnap,
    BatchSnap,
    BidSnap,
    CandidateSnap,
    ContractSnap,
    DocumentSnap,
    EndSnap,
    LotSnap,
    OpeningSnap,
    Org,
    ProjectSnap,
    ocid_of,
)
from bidding.tendering.models import Announcement, Lot, Project, TenderDocument
from bidding.tendering.rules.announcements import AnnouncementKind
from opening_room.states import BidOpeningStatus
from opening_room.tables import BidOpening, OpeningEvent

__all__ = ["announcement_url", "end_of", "is_tender_termination", "load_project", "snapshot"]

_ANNOUNCEMENT_TYPES = {
    AnnouncementKind.TENDER: "tenderNotice",
    AnnouncementKind.CLARIFICATION: "clarifications",
    AnnouncementKind.AMENDMENT: "clarifications",
    AnnouncementKind.TERMINATION: "cancellationDetails",
}


def announcement_url(base: str, announcement_id: uuid.UUID) -> str:
    return f"{base}/api/public/announcements/{announcement_id}"


def _doc(base: str, a: Announcement, doc_type: str, lot_code: str | None = None) -> DocumentSnap:
    return DocumentSnap(
        id=f"announcement-{a.id}",
        document_type=doc_type,
        title=a.title,
        url=announcement_url(base, a.id),
        published_at=a.published_at,
        format="application/json",
        lot_code=lot_code,
    )


def is_tender_termination(a: Announcement) -> bool:
    """The tender's own termination (终止招标, before the opening), not one lot's end: a lot's 流标 or
    termination after the opening is announced with the same kind, naming its award."""
    return a.kind is AnnouncementKind.TERMINATION and not a.details.get("award")


async def load_project(session: AsyncSession, project_id: uuid.UUID) -> Project | None:
    return await session.scalar(
        select(Project)
        .where(Project.id == project_id)
        .options(selectinload(Project.lots), selectinload(Project.tenderer), selectinload(Project.agent))
    )


def end_of(award: Award, announcements: dict[uuid.UUID, Announcement]) -> datetime | None:
    """When a lot's award failed (流标) or was terminated: the moment its end records, else its
    announcement's, else the moment the award entered the final state."""
    if award.ended is None and award.state not in (AwardState.FAILED, AwardState.TERMINATED):
        return None
    ended = award.ended or {}
    if isinstance(ended.get("at"), str):
        return datetime.fromisoformat(ended["at"])
    raw = ended.get("announcement_id")
    if raw:
        a = announcements.get(uuid.UUID(str(raw)))
        if a is not None:
            return a.published_at
    return award.state_at


def _deadlines(project: Project, announcements: list[Announcement]) -> dict[str, datetime | None]:
    """Each lot's bid deadline as of the announcements given: the tender's, then each move (条例 21)."""
    now: dict[str, datetime | None] = {lot.code: lot.bid_deadline for lot in project.lots}
    for a in announcements:
        if a.kind is AnnouncementKind.TENDER:
            for code, raw in (a.details.get("deadlines") or {}).items():
                now[code] = datetime.fromisoformat(raw)
        elif a.kind in (AnnouncementKind.CLARIFICATION, AnnouncementKind.AMENDMENT):
            for code, moved in (a.details.get("moved_deadlines") or {}).items():
                if moved.get("to"):
                    now[code] = datetime.fromisoformat(moved["to"])
    return now


async def _opening(session: AsyncSession, lot: Lot, record: Announcement, base: str) -> OpeningSnap:
    rows = (
        await session.execute(
            select(BidOpening, Organization)
            .join(Organization, Organization.id == BidOpening.organization_id)
            .where(BidOpening.lot_id == lot.id)
            .order_by(BidOpening.order_no)
        )
    ).all()
    by_order = {o.order_no: (o, org) for o, org in rows}
    try:
        announced: list[dict[str, Any]] = json.loads(record.body).get("bidders") or []
    except (ValueError, AttributeError):
        announced = []
    bids: list[BidSnap] = []
    if announced:
        for b in announced:
            opening, org = by_order[int(b["order"])]
            bids.append(
                BidSnap(
                    bid_id=opening.bid_id,
                    order=int(b["order"]),
                    org=Org(b.get("name") or org.name, b.get("credit_code") or org.credit_code),
                    state="decrypted" if b.get("status") == BidOpeningStatus.DECRYPTED else "failed",
                    price_fen=b.get("price_fen"),
                )
            )
    else:
        for opening, org in rows:
            bids.append(
                BidSnap(
                    bid_id=opening.bid_id,
                    order=opening.order_no,
                    org=Org(org.name, org.credit_code),
                    state="decrypted" if opening.status is BidOpeningStatus.DECRYPTED else "failed",
                    price_fen=opening.price_fen,
                )
            )
    return OpeningSnap(
        closed_at=record.published_at,
        bids=tuple(bids),
        record=DocumentSnap(
            id=f"opening-record-{lot.code}",
            document_type="bidders",
            title=record.title,
            url=_absolute(base, record.details.get("record_pdf")) or announcement_url(base, record.id),
            published_at=record.published_at,
            format="application/pdf" if record.details.get("record_pdf") else "application/json",
            lot_code=lot.code,
        ),
    )


def _absolute(base: str, path: Any) -> str | None:
    if not isinstance(path, str) or not path:
        return None
    return f"{base}{path}" if path.startswith("/") else path


def _org(entry: dict[str, Any]) -> Org:
    return Org(str(entry.get("bidder") or ""), str(entry.get("credit_code") or ""))


async def _award(
    session: AsyncSession,
    award: Award,
    at: datetime,
    announcements: dict[uuid.UUID, Announcement],
    base: str,
) -> AwardSnap:
    candidates = tuple(
        CandidateSnap(int(c["rank"]), uuid.UUID(str(c["bid_id"])), _org(c), int(c["price_fen"]))
        for c in award.candidates
    )
    by_bid = {c.bid_id: c for c in candidates}
    prices = {uuid.UUID(str(r["bid_id"])): r.get("price_fen") for r in award.ranking}
    publicity_at = (
        award.publicity_published_at if award.publicity_published_at and award.publicity_published_at <= at else None
    )
    notices = (
        await session.execute(
            select(AwardNotice, Organization)
            .join(Organization, Organization.id == AwardNotice.organization_id)
            .where(AwardNotice.award_id == award.id, AwardNotice.kind == NoticeKind.AWARD, AwardNotice.sent_at <= at)
            .order_by(AwardNotice.batch)
        )
    ).all()
    batches: list[BatchSnap] = []
    for notice, org in notices:
        cand = by_bid.get(notice.bid_id)
        price = cand.price_fen if cand else prices.get(notice.bid_id)
        batches.append(
            BatchSnap(
                batch=notice.batch,
                sent_at=notice.sent_at,
                winner_bid_id=notice.bid_id,
                winner=cand.org if cand else Org(org.name, org.credit_code),
                price_fen=int(price or 0),
            )
        )
    contract = None
    if award.contracted_at is not None and award.contracted_at <= at:
        row = await session.scalar(select(AwardContract).where(AwardContract.award_id == award.id))
        if row is not None:
            contract = ContractSnap(signed_on=row.signed_on, price_fen=row.price_fen, uploaded_at=row.uploaded_at)
    ended = None
    end = end_of(award, announcements)
    if end is not None and end <= at:
        ended = EndSnap(at=end, kind="terminated" if award.state is AwardState.TERMINATED else "failed")
    publicity = None
    if publicity_at is not None:
        pa = announcements.get(award.publicity_announcement_id) if award.publicity_announcement_id else None
        publicity = DocumentSnap(
            id=f"publicity-{award.id}",
            document_type="evaluationReports",
            title=pa.title if pa else "中标候选人公示 / publicity of the candidates",
            url=f"{base}/api/public/awards/{award.id}/publicity.pdf",
            published_at=publicity_at,
            format="application/pdf",
        )
    result = None
    ra = announcements.get(award.result_announcement_id) if award.result_announcement_id else None
    if ra is not None and ra.published_at <= at:
        result = DocumentSnap(
            id=f"award-notice-{award.id}",
            document_type="awardNotice",
            title=ra.title,
            url=announcement_url(base, ra.id),
            published_at=ra.published_at,
            format="application/json",
        )
    visible = publicity_at is not None or bool(batches)
    ranking: dict[uuid.UUID, int | None] = (
        {uuid.UUID(str(r["bid_id"])): r.get("rank") for r in award.ranking} if visible else {}
    )
    return AwardSnap(
        publicity_at=publicity_at,
        candidates=candidates,
        ranking=ranking,
        batches=tuple(batches),
        contract=contract,
        ended=ended,
        publicity=publicity,
        result=result,
    )


async def snapshot(session: AsyncSession, project: Project, *, prefix: str, base_url: str, at: datetime) -> ProjectSnap:
    """The project as public at ``at`` (its lots, tenderer and agent loaded: :func:`load_project`)."""
    base = base_url.rstrip("/")
    announcements = (
        await session.scalars(
            select(Announcement)
            .where(Announcement.project_id == project.id, Announcement.published_at <= at)
            .order_by(Announcement.published_at, Announcement.id)
        )
    ).all()
    by_id = {a.id: a for a in announcements}
    deadlines = _deadlines(project, list(announcements))
    documents: list[DocumentSnap] = []
    amendments: list[AmendmentSnap] = []
    terminated_at: datetime | None = None
    records: dict[str, Announcement] = {}
    description = None
    for a in announcements:
        doc_type = _ANNOUNCEMENT_TYPES.get(a.kind)
        if doc_type:
            lot_code = a.details.get("lot_code") if a.kind is AnnouncementKind.TERMINATION else None
            documents.append(_doc(base, a, doc_type, str(lot_code) if lot_code else None))
        if a.kind is AnnouncementKind.TENDER and description is None:
            description = a.title
        elif a.kind in (AnnouncementKind.CLARIFICATION, AnnouncementKind.AMENDMENT):
            amendments.append(
                AmendmentSnap(
                    id=f"amendment-{a.id}",
                    published_at=a.published_at,
                    title=a.title,
                    kind=a.kind.value,
                    moved_deadlines=dict(a.details.get("moved_deadlines") or {}),
                )
            )
        elif is_tender_termination(a) and terminated_at is None:
            terminated_at = a.published_at
        elif a.kind is AnnouncementKind.OPENING_RECORD and a.details.get("lot"):
            records.setdefault(str(a.details["lot"]), a)
    files = (
        await session.scalars(
            select(TenderDocument)
            .where(
                TenderDocument.project_id == project.id,
                TenderDocument.published_at.is_not(None),
                TenderDocument.published_at <= at,
            )
            .order_by(TenderDocument.version)
        )
    ).all()
    for f in files:
        assert f.published_at is not None
        documents.append(
            DocumentSnap(
                id=f"tender-documents-v{f.version}",
                document_type="biddingDocuments",
                title=f.filename,
                url=f"{base}/api/public/documents/{f.id}",
                published_at=f.published_at,
                format=f.content_type,
            )
        )
    awards = {a.lot_id: a for a in (await session.scalars(select(Award).where(Award.project_id == project.id))).all()}
    failures = dict(
        (
            await session.execute(
                select(OpeningEvent.lot_id, OpeningEvent.at).where(
                    OpeningEvent.lot_id.in_([lot.id for lot in project.lots]),
                    OpeningEvent.name == "session.failed",
                    OpeningEvent.at <= at,
                )
            )
        ).all()
    )
    lots: list[LotSnap] = []
    for lot in project.lots:
        record = records.get(str(lot.id))
        award = awards.get(lot.id)
        lots.append(
            LotSnap(
                code=lot.code,
                name=lot.name,
                estimated_price_fen=lot.estimated_price_fen,
                deposit_fen=lot.deposit_fen,
                bid_validity_days=lot.bid_validity_days,
                deadline=deadlines.get(lot.code),
                opening=await _opening(session, lot, record, base) if record is not None else None,
                opening_failed_at=failures.get(lot.id),
                # An award exists from the final report, which is not public: only its published parts count.
                award=await _award(session, award, at, by_id, base) if award is not None else None,
            )
        )
    assert project.published_at is not None
    return ProjectSnap(
        as_of=at,
        ocid=ocid_of(prefix, project.code),
        code=project.code,
        name=project.name,
        category=project.category.value,
        buyer=Org(project.tenderer.name, project.tenderer.credit_code),
        agent=Org(project.agent.name, project.agent.credit_code),
        published_at=project.published_at,
        tender_start_at=project.tender_start_at,
        lots=tuple(lots),
        documents=tuple(documents),
        amendments=tuple(amendments),
        terminated_at=terminated_at,
        description=description,
    )
