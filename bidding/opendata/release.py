"""One OCDS 1.1 release of a project (RULES §(g); ``docs/opendata.md``), built from a snapshot of
what was public at the release's moment. Pure: no database, no clock.

One release covers the whole project (one ocid per project, ``{prefix}-{project code}``); its lots are
``tender.lots`` and every bid, award, contract and lot document names its lot in ``relatedLots``.

The mapping (RULES §(g), "Mapping"):

========================  ==================================================================
招标公告 (tender)           ``tender`` active, lots, documents, bid opening, submission terms
澄清/变更                   ``tender.amendments`` (tag ``tenderAmendment``), deadlines moved
开标记录 (opening record)   ``bids.details`` (pending / withdrawn) with prices, parties ``tenderer``
候选人公示 (publicity)      ``awards`` pending, document ``evaluationReports``; bids valid / disqualified
中标通知书 (notices)        the winner's award ``active`` with document ``awardNotice``, others unsuccessful
合同 (contract)             ``contracts`` active with ``dateSigned``
流标 / 终止                 the lot (or tender) ``unsuccessful`` / ``cancelled``, tag ``tenderCancellation``
========================  ==================================================================

What is never published (``bidding.opendata.validate.scan_secrets`` checks it): bids before the
opening record is announced (办法 32: the record is the first public list of bids), the experts of
the committee (not even after the result: the platform never publishes them), bank data (accounts,
payers), the text of objections and complaints, people's contact data.

Amounts: OCDS amounts are numbers in currency units; the platform counts integer fen, so a yuan
amount is the exact decimal ``fen / 100`` (:func:`yuan`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, Final, Literal

__all__ = [
    "CURRENCY",
    "ID_SCHEME",
    "AmendmentSnap",
    "AwardSnap",
    "BatchSnap",
    "BidSnap",
    "CandidateSnap",
    "ContractSnap",
    "DocumentSnap",
    "EndSnap",
    "LotSnap",
    "OpeningSnap",
    "Org",
    "ProjectSnap",
    "build_release",
    "ocds_date",
    "ocid_of",
    "party_id",
    "yuan",
]

CURRENCY: Final = "CNY"
#: org-id.guide scheme of the unified social credit code (统一社会信用代码): "CN-USCI".
ID_SCHEME: Final = "CN-USCI"
_CHINA: Final = timezone(timedelta(hours=8))
#: Below 10^15 fen a two-decimal amount is exactly the shortest repr of its float (15 significant digits).
_MAX_FEN: Final = 10**15

BidState = Literal["decrypted", "failed", "pending"]
EndKind = Literal["failed", "terminated"]


def ocid_of(prefix: str, project_code: str) -> str:
    """The project's ocid: the publisher's registered prefix, a hyphen, the project code."""
    return f"{prefix}-{project_code}"


def yuan(fen: int) -> int | float:
    """Integer fen as an OCDS amount in yuan, exactly: 123456 → 1234.56 (serialises as ``1234.56``)."""
    if abs(fen) >= _MAX_FEN:
        raise ValueError("amount too large to publish exactly")
    if fen % 100 == 0:
        return fen // 100
    return float(Decimal(fen).scaleb(-2))


def ocds_date(moment: datetime) -> str:
    """A moment in UTC with microseconds, one fixed width: dates sort as strings (the merge sorts them)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _day(day: date) -> str:
    """A calendar day (China) as its first moment."""
    return ocds_date(datetime.combine(day, time(0), tzinfo=_CHINA))


def party_id(credit_code: str) -> str:
    return f"{ID_SCHEME}-{credit_code}"


def _value(fen: int) -> dict[str, Any]:
    return {"amount": yuan(fen), "currency": CURRENCY}


# ----------------------------------------------------------------------------- the snapshot


@dataclass(frozen=True)
class Org:
    name: str
    credit_code: str


@dataclass(frozen=True)
class DocumentSnap:
    """A public document: an announcement or a file, with its public URL."""

    id: str
    document_type: str
    title: str
    url: str
    published_at: datetime
    format: str | None = None
    lot_code: str | None = None


@dataclass(frozen=True)
class AmendmentSnap:
    """A clarification or amendment announcement (澄清/变更, 条例 21)."""

    id: str
    published_at: datetime
    title: str
    kind: str  # "clarification" | "amendment"
    moved_deadlines: dict[str, dict[str, str | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class BidSnap:
    """One bid as the opening record announced it."""

    bid_id: uuid.UUID
    order: int
    org: Org
    state: BidState
    price_fen: int | None


@dataclass(frozen=True)
class OpeningSnap:
    """A lot's opening: its record announced (办法 32) at ``closed_at``."""

    closed_at: datetime
    bids: tuple[BidSnap, ...]
    record: DocumentSnap | None = None


@dataclass(frozen=True)
class CandidateSnap:
    rank: int
    bid_id: uuid.UUID
    org: Org
    price_fen: int


@dataclass(frozen=True)
class BatchSnap:
    """One batch of notices (办法 36–37): the award notice to ``winner_bid_id``."""

    batch: int
    sent_at: datetime
    winner_bid_id: uuid.UUID
    winner: Org
    price_fen: int


@dataclass(frozen=True)
class ContractSnap:
    signed_on: date
    price_fen: int
    uploaded_at: datetime


@dataclass(frozen=True)
class EndSnap:
    at: datetime
    kind: EndKind  # failed (流标) | terminated (终止)


@dataclass(frozen=True)
class AwardSnap:
    """A lot's award as public at the moment: each part only once its own time has come."""

    publicity_at: datetime | None
    candidates: tuple[CandidateSnap, ...]
    #: bid id → rank (None: rejected by the review); known from the publicity (or the notices).
    ranking: dict[uuid.UUID, int | None]
    batches: tuple[BatchSnap, ...] = ()
    contract: ContractSnap | None = None
    ended: EndSnap | None = None
    publicity: DocumentSnap | None = None
    result: DocumentSnap | None = None


@dataclass(frozen=True)
class LotSnap:
    code: str
    name: str
    estimated_price_fen: int
    deposit_fen: int
    bid_validity_days: int
    deadline: datetime | None
    opening: OpeningSnap | None = None
    opening_failed_at: datetime | None = None
    award: AwardSnap | None = None


@dataclass(frozen=True)
class ProjectSnap:
    """Everything of a project public at ``as_of`` (``bidding.opendata.snapshot`` reads it)."""

    as_of: datetime
    ocid: str
    code: str
    name: str
    category: str  # works | goods | services: OCDS mainProcurementCategory has the same codes
    buyer: Org
    agent: Org
    published_at: datetime
    tender_start_at: datetime | None
    lots: tuple[LotSnap, ...]
    documents: tuple[DocumentSnap, ...] = ()
    amendments: tuple[AmendmentSnap, ...] = ()
    terminated_at: datetime | None = None
    description: str | None = None


# ----------------------------------------------------------------------------- the release


class _Parties:
    def __init__(self) -> None:
        self._by_id: dict[str, dict[str, Any]] = {}

    def add(self, org: Org, role: str) -> dict[str, str]:
        pid = party_id(org.credit_code)
        party = self._by_id.setdefault(
            pid,
            {
                "id": pid,
                "name": org.name,
                "identifier": {"scheme": ID_SCHEME, "id": org.credit_code, "legalName": org.name},
                "roles": [],
            },
        )
        if role not in party["roles"]:
            party["roles"].append(role)
        return {"id": pid, "name": org.name}

    def all(self) -> list[dict[str, Any]]:
        return list(self._by_id.values())


def _document(doc: DocumentSnap) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": doc.id,
        "documentType": doc.document_type,
        "title": doc.title,
        "url": doc.url,
        "datePublished": ocds_date(doc.published_at),
    }
    if doc.format:
        out["format"] = doc.format
    if doc.lot_code:
        out["relatedLots"] = [doc.lot_code]
    return out


def _lot_status(lot: LotSnap, terminated: bool) -> str:
    if terminated:
        return "cancelled"
    award = lot.award
    if award is not None and award.ended is not None:
        return "cancelled" if award.ended.kind == "terminated" else "unsuccessful"
    if lot.opening_failed_at is not None:
        return "unsuccessful"
    if award is not None and award.batches:
        return "complete"  # the award notice is out: the tender stage of the lot is over
    return "active"


def _tender_status(statuses: list[str], terminated: bool) -> str:
    if terminated:
        return "cancelled"
    if not statuses or "active" in statuses:
        return "active"
    if "complete" in statuses:
        return "complete"
    return "unsuccessful" if "unsuccessful" in statuses else "cancelled"


def _bid_status(bid: BidSnap, award: AwardSnap | None) -> str:
    if bid.state != "decrypted":
        # Not decrypted in the window (办法 31): deemed revoked or withdrawn, either way no bid.
        return "withdrawn"
    if award is not None and (award.publicity_at is not None or award.batches) and bid.bid_id in award.ranking:
        return "valid" if award.ranking[bid.bid_id] is not None else "disqualified"
    return "pending"  # opened, not yet evaluated (as far as the public knows)


def _awards(lot: LotSnap, parties: _Parties) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    award = lot.award
    if award is None:
        return [], []
    batches = sorted(award.batches, key=lambda b: b.batch)
    shown: dict[uuid.UUID, dict[str, Any]] = {}
    ids: dict[uuid.UUID, str] = {}

    def entry(bid_id: uuid.UUID, org: Org, price_fen: int, rank: int | None, at: datetime) -> dict[str, Any]:
        ids.setdefault(bid_id, f"{lot.code}-{rank}" if rank is not None else f"{lot.code}-{bid_id}")
        item = shown.get(bid_id)
        if item is None:
            item = {
                "id": ids[bid_id],
                "title": f"{lot.name} 中标候选人" + (f"第{rank}名" if rank is not None else ""),
                "status": "pending",
                "date": ocds_date(at),
                "value": _value(price_fen),
                "suppliers": [parties.add(org, "tenderer")],
                "relatedLots": [lot.code],
                "relatedBid": str(bid_id),
            }
            shown[bid_id] = item
        return item

    # The candidates are public from the publicity (条例 54), or without one (government
    # procurement) from the result (87号令 69).
    first_seen = award.publicity_at or (batches[0].sent_at if batches else None)
    if first_seen is not None:
        for c in sorted(award.candidates, key=lambda c: c.rank):
            item = entry(c.bid_id, c.org, c.price_fen, c.rank, first_seen)
            if award.publicity is not None:
                item["documents"] = [_document(award.publicity)]
    ranks = {c.bid_id: c.rank for c in award.candidates}
    contracts: list[dict[str, Any]] = []
    if batches:
        last = batches[-1]
        for earlier in batches[:-1]:  # a winner who withdrew (条例 55): its award is cancelled
            item = entry(
                earlier.winner_bid_id,
                earlier.winner,
                earlier.price_fen,
                ranks.get(earlier.winner_bid_id),
                earlier.sent_at,
            )
            item["status"], item["date"] = "cancelled", ocds_date(last.sent_at)
        for bid_id, item in shown.items():
            if bid_id != last.winner_bid_id and item["status"] == "pending":
                item["status"], item["date"] = "unsuccessful", ocds_date(last.sent_at)
        won = entry(last.winner_bid_id, last.winner, last.price_fen, ranks.get(last.winner_bid_id), last.sent_at)
        won["status"], won["date"] = "active", ocds_date(last.sent_at)
        won["value"] = _value(last.price_fen)
        won["suppliers"] = [parties.add(last.winner, "supplier")]
        if award.result is not None:
            won["documents"] = [*won.get("documents", []), _document(award.result)]
        if award.contract is not None:
            contracts.append(
                {
                    "id": f"{lot.code}-contract",
                    "awardID": won["id"],
                    "title": f"{lot.name} 合同",
                    "status": "active",
                    "dateSigned": _day(award.contract.signed_on),
                    "value": _value(award.contract.price_fen),
                    "relatedLots": [lot.code],
                }
            )
    if award.ended is not None:
        ended_at = ocds_date(award.ended.at)
        for item in shown.values():
            if item["status"] == "pending":
                item["status"] = "unsuccessful" if award.ended.kind == "failed" else "cancelled"
                item["date"] = ended_at
            elif item["status"] == "active":
                item["status"], item["date"] = "cancelled", ended_at
    return list(shown.values()), contracts


def build_release(snap: ProjectSnap, *, release_id: str, tags: list[str]) -> dict[str, Any]:
    """The release of ``snap`` (dated ``snap.as_of``): the whole project as public at that moment."""
    parties = _Parties()
    buyer = parties.add(snap.buyer, "buyer")
    procuring = parties.add(snap.agent, "procuringEntity")
    terminated = snap.terminated_at is not None and snap.terminated_at <= snap.as_of

    lots: list[dict[str, Any]] = []
    details: list[dict[str, Any]] = []
    awards: list[dict[str, Any]] = []
    contracts: list[dict[str, Any]] = []
    statuses: list[str] = []
    for lot in snap.lots:
        status = _lot_status(lot, terminated)
        statuses.append(status)
        item: dict[str, Any] = {
            "id": lot.code,
            "title": lot.name,
            "status": status,
            "value": _value(lot.estimated_price_fen),
            "submissionTerms": {
                "electronicSubmissionPolicy": "required",
                "advancedElectronicSignatureRequired": True,
                "bidValidityPeriod": {"durationInDays": lot.bid_validity_days},
            },
        }
        if lot.deposit_fen > 0:
            item["submissionTerms"]["depositsGuarantees"] = (
                f"投标保证金 {yuan(lot.deposit_fen)} 元 / bid deposit CNY {yuan(lot.deposit_fen)}"
            )
        if lot.deadline is not None:
            # 办法 29: the electronic opening starts at the bid deadline, online.
            item["bidOpening"] = {
                "date": ocds_date(lot.deadline),
                "description": "电子开标，在线进行 / electronic opening, online",
            }
        lots.append(item)
        if lot.opening is not None:
            for bid in sorted(lot.opening.bids, key=lambda b: b.order):
                detail: dict[str, Any] = {
                    "id": str(bid.bid_id),
                    "status": _bid_status(bid, lot.award),
                    "tenderers": [parties.add(bid.org, "tenderer")],
                    "relatedLots": [lot.code],
                }
                if bid.price_fen is not None:
                    detail["value"] = _value(bid.price_fen)
                details.append(detail)
        lot_awards, lot_contracts = _awards(lot, parties)
        awards += lot_awards
        contracts += lot_contracts

    deadlines = [lot.deadline for lot in snap.lots if lot.deadline is not None]
    tender: dict[str, Any] = {
        "id": snap.code,
        "title": snap.name,
        "status": _tender_status(statuses, terminated),
        "procuringEntity": procuring,
        "value": _value(sum(lot.estimated_price_fen for lot in snap.lots)),
        "procurementMethod": "open",
        "procurementMethodDetails": "公开招标 / open tendering",
        "mainProcurementCategory": snap.category,
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {
            **({"startDate": ocds_date(snap.tender_start_at)} if snap.tender_start_at else {}),
            **({"endDate": ocds_date(max(deadlines))} if deadlines else {}),
        },
        "lots": lots,
    }
    if snap.description:
        tender["description"] = snap.description
    if details:
        tender["numberOfTenderers"] = len({d["tenderers"][0]["id"] for d in details})
    docs = [_document(d) for d in sorted(snap.documents, key=lambda d: (d.published_at, d.id))]
    for lot in snap.lots:
        if lot.opening is not None and lot.opening.record is not None:
            docs.append(_document(lot.opening.record))
    if docs:
        tender["documents"] = docs
    if snap.amendments:
        tender["amendments"] = [
            {
                "id": a.id,
                "date": ocds_date(a.published_at),
                "rationale": a.title,
                "description": ("澄清 / clarification" if a.kind == "clarification" else "变更 / amendment")
                + "".join(
                    f"; 标段 {code} 截止时间 {m.get('from')} → {m.get('to')}"
                    for code, m in sorted(a.moved_deadlines.items())
                ),
            }
            for a in sorted(snap.amendments, key=lambda a: (a.published_at, a.id))
        ]

    release: dict[str, Any] = {
        "ocid": snap.ocid,
        "id": release_id,
        "date": ocds_date(snap.as_of),
        "tag": list(tags),
        "initiationType": "tender",
        "language": "zh",
        "buyer": buyer,
        "tender": tender,
    }
    if details:
        release["bids"] = {"details": details}
    if awards:
        release["awards"] = awards
    if contracts:
        release["contracts"] = contracts
    release["parties"] = parties.all()
    return release
