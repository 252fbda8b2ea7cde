"""The evaluation report's content (评标报告, issue 20; RULES c8; ``docs/evaluation.md`` §The report):
built once from the database when the chair drafts it, kept as JSON (``evaluations.report``), and
turned into the renderer's :class:`~bidding.documents.evaluation_report.ReportData`.

The JSON is the source, as for the opening record (``opening_room.record``): its SHA-256 over the
canonical form (:func:`digest`) is the report's ``report_sha256``, printed in the PDF and named by
every signature and by the signing sheet; the PDF only shows it to people. The same JSON always
gives the same PDF (:func:`to_report_data` reads nothing but the JSON).

What it holds — the ten items of 规定 42 and the six of 87号令 58:

* the basic facts (project, lot, tenderer, agent, method, the times), 规定 42(一);
* the members with their seats, roles and employers, and every recusal and replacement (规定 42(二);
  87号令 58(六): 评标委员会成员变更);
* the opening record's SHA-256 and where it is (规定 42(三));
* the bids, the compliant ones and the rejections with the checklist item, the clause of the tender
  documents and the committee's reason (规定 42(四)(五); 条例 51);
* the criteria's items (规定 42(六));
* the system's scores, each member's own scores and totals, the bids' totals (mean of **all**
  members, 87号令 55), the ranking and at most three candidates (规定 42(七)(八)(九); 条例 53);
* the clarifications with their answers and the arithmetic corrections (规定 42(十); 条例 52; 规定 19);
* the collusion signals shown to the committee (条例 40: signals, never rejections).

The dissents and 视为同意 come later, once members answer: they are on the signing sheet
(评标报告签署情况), which names this JSON's SHA-256 (:mod:`bidding.evaluation.report`).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.collusion.signals import Rule
from bidding.documents import evaluation_report as doc
from bidding.evaluation import scoring, signal_facts
from bidding.evaluation.access import bids_of
from bidding.evaluation.criteria import Criteria, Method
from bidding.evaluation.criteria_wire import criteria_from_dict
from bidding.evaluation.models import (
    Evaluation,
    EvaluationBid,
    EvaluationClarification,
    EvaluationMember,
)
from bidding.evaluation.states import BidReview, ClarificationKind, ClarificationStatus, MemberStatus
from bidding.experts.models import Expert
from bidding.identity.models import Organization
from bidding.tendering.models import Lot, Project

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "REPORT_TYPE",
    "Results",
    "build",
    "canonical",
    "digest",
    "evaluated_prices",
    "item_codes",
    "members_in_order",
    "report_number",
    "results",
    "seat_of",
    "shown_signals",
    "to_report_data",
]

REPORT_TYPE: Final = "evaluation-report"
METHOD_LABELS: Final[Mapping[Method, tuple[str, str]]] = {
    Method.LOWEST_EVALUATED_PRICE: ("经评审的最低投标价法", "Lowest evaluated price"),
    Method.COMPREHENSIVE: ("综合评估法", "Comprehensive evaluation"),
    Method.COMPREHENSIVE_SCORING: ("综合评分法", "Comprehensive scoring"),
}
_CLARIFICATION_STATUS: Final[Mapping[ClarificationStatus, str]] = {
    ClarificationStatus.OPEN: "pending",
    ClarificationStatus.ANSWERED: "answered",
    ClarificationStatus.EXPIRED: "expired",
    ClarificationStatus.WITHDRAWN: "withdrawn",
}


def canonical(report: Mapping[str, Any]) -> bytes:
    """Sorted keys, no blanks, UTF-8: the bytes ``report.json`` serves and :func:`digest` hashes."""
    return json.dumps(report, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(report: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the report's canonical JSON: its ``report_sha256``."""
    return hashlib.sha256(canonical(report)).hexdigest()


def report_number(lot_id: uuid.UUID) -> str:
    """``PB-1A2B3C4D`` (评标), as the opening record is ``KB-…`` (开标) for the same lot."""
    return f"PB-{str(lot_id)[:8].upper()}"


def item_codes(criteria: Criteria) -> dict[str, str]:
    """Each scoring item's column code, F1 … Fn in the criteria's order (87号令 55: F1×A1 + F2×A2 …)."""
    return {item.name_zh: f"F{n}" for n, item in enumerate(criteria.scoring_items, start=1)}


# ----------------------------------------------------------------------------- the results, once


@dataclass(frozen=True)
class Results:
    """What the system computes once when the report is drafted (RULES c, acceptance check 1): the
    system-scored items, every member's scores as submitted, the bids' totals, the ranking and the
    candidates. Keys are bid ids and member ids as strings; items by their ``name_zh``."""

    system_scores: dict[str, dict[str, Decimal]]
    member_scores: dict[str, dict[str, dict[str, Decimal]]]
    totals: dict[str, Decimal] | None
    ranking: list[scoring.Ranked]
    candidates: list[scoring.Ranked]


def results(
    criteria: Criteria,
    prices: Mapping[str, int],
    scores: Mapping[str, Mapping[str, Mapping[str, Decimal]]],
) -> Results:
    """Score, total, rank and pick candidates for the bids that passed the preliminary review.

    ``prices`` are their evaluated prices (after a confirmed correction), ``scores`` every sitting
    member's sheet (member → bid → item). The price score is lowest ÷ bid × maximum over exactly
    these bids (87号令 55); a total is Σ system items + the mean of all members' totals, nothing
    dropped (:func:`bidding.evaluation.scoring.bid_totals`); at most three candidates (条例 53).
    Under the lowest evaluated price method nothing is scored and bids rank by evaluated price."""
    system = scoring.system_scores(criteria, prices)
    wanted = {member: {bid: dict(sheet.get(bid, {})) for bid in prices} for member, sheet in scores.items()}
    totals: dict[str, Decimal] | None = None
    if criteria.method.scored and prices:
        totals = scoring.bid_totals(criteria, system, wanted)
    ranking = scoring.rank(criteria.method, totals, prices) if prices else []
    return Results(system, wanted, totals, ranking, scoring.candidates(ranking))


def evaluated_prices(bids: Sequence[EvaluationBid]) -> dict[str, int]:
    """The passed bids' evaluated prices (the announced price when nothing was corrected)."""
    prices: dict[str, int] = {}
    for b in bids:
        if b.review is not BidReview.PASSED:
            continue
        price = b.evaluated_price_fen if b.evaluated_price_fen is not None else b.price_fen
        if price is not None:
            prices[str(b.bid_id)] = price
    return prices


_RULE_LABELS: Final[Mapping[str, str]] = {
    Rule.SAME_LEGAL_REPRESENTATIVE: (
        "同一法定代表人（条例34，须由评标委员会认定） / one legal representative (条例 34, for the committee to decide)"
    ),
    Rule.SAME_UPLOAD_IP: "同一上传 IP / same upload IP",
    Rule.SAME_DECRYPTION_IP: "同一解密 IP / same decryption IP",
    Rule.SAME_MACHINE: "同一机器 / same machine",
    Rule.SAME_SIGNING_CERTIFICATE: "同一签名证书 / same signing certificate",
    Rule.SAME_KEY: "同一密钥 / same key",
    Rule.SAME_PAYER_ACCOUNT: "同一付款账户 / same payer account",
    Rule.SAME_DOCUMENT_METADATA: "文件属性相同 / same document metadata",
    Rule.IDENTICAL_PRICES: "报价相同 / identical prices",
    Rule.PRICE_PATTERN: "报价呈规律性差异 / regular price gaps",
    Rule.SIMULTANEOUS_WITHDRAWALS: "相继撤回投标 / near-simultaneous withdrawals",
}


async def shown_signals(session: AsyncSession, platform: Platform, ev: Evaluation) -> list[dict[str, Any]]:
    """The collusion signals the committee was shown (``GET /api/evaluations/{id}/signals``), as the
    report lists them: rule with its article, the bidders, the evidence (条例 40: never a rejection;
    :mod:`bidding.collusion.signals`'s rules)."""
    facts = await signal_facts.bid_facts(session, ev)
    names = {fact.bid_id: fact.bidder_name for fact in facts}
    found = signal_facts.lot_signals(platform, facts)
    return [
        {
            "rule": f"{s.article} {_RULE_LABELS.get(s.rule, s.rule.value)}",
            "code": s.rule.value,
            "blocking": s.blocking,  # 条例 34: a ground for the committee to decide, never a rejection
            "bidders": [names[b] for b in s.bid_ids],
            "evidence": json.dumps(s.evidence, ensure_ascii=False, sort_keys=True, default=str),
            "at": _iso(s.at),
        }
        for s in found
    ]


# ----------------------------------------------------------------------------- the JSON


async def members_in_order(session: AsyncSession, ev: Evaluation) -> list[EvaluationMember]:
    """The report's members: those sitting (in :func:`bidding.evaluation.access.sitting`'s order),
    then those recused, in the order they declared; their position + 1 is their seat (席位)."""
    rows = (
        await session.scalars(
            select(EvaluationMember).where(
                EvaluationMember.evaluation_id == ev.id,
                EvaluationMember.status.in_([MemberStatus.SITTING, MemberStatus.RECUSED]),
            )
        )
    ).all()
    far = datetime.max.replace(tzinfo=None)

    def sat_key(m: EvaluationMember) -> tuple[str, datetime, str]:
        at = m.signed_in_at.replace(tzinfo=None) if m.signed_in_at else far
        return (m.specialty, at, str(m.id))

    def recused_key(m: EvaluationMember) -> tuple[datetime, str]:
        return (m.declared_at.replace(tzinfo=None) if m.declared_at else far, str(m.id))

    sat = sorted((m for m in rows if m.status is MemberStatus.SITTING), key=sat_key)
    recused = sorted((m for m in rows if m.status is MemberStatus.RECUSED), key=recused_key)
    return sat + recused


def seat_of(report: Mapping[str, Any], member_id: uuid.UUID) -> int | None:
    """The member's seat in the report (its signature field is ``member_field(seat)``)."""
    for m in report["members"]:
        if m["member_id"] == str(member_id):
            return int(m["seat"])
    return None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _points(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


async def _members(session: AsyncSession, ev: Evaluation) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    ordered = await members_in_order(session, ev)
    employers = {
        e.id: e.employer_name
        for e in (
            await session.scalars(select(Expert).where(Expert.id.in_([m.expert_id for m in ordered] or [uuid.uuid4()])))
        ).all()
    }
    replacement = {m.replaces_id: m for m in ordered if m.replaces_id is not None}
    members: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for seat, m in enumerate(ordered, start=1):
        recused = m.status is MemberStatus.RECUSED
        by = replacement.get(m.id)
        members.append(
            {
                "seat": seat,
                "member_id": str(m.id),
                "name": m.name,
                "employer": employers.get(m.expert_id, ""),
                "specialty": m.specialty,
                "role": "chair" if ev.chair_id == m.id else "member",
                "status": ("replaced" if by else "recused") if recused else "sat",
                "reason": (m.conflict or "") if recused else "",
                "replaced_by": by.name if by else "",
                "declared_at": _iso(m.declared_at),
            }
        )
        if recused:
            changes.append(
                {
                    "at": _iso(m.declared_at or m.signed_in_at or ev.opened_at),
                    "kind": "replaced" if by else "recused",
                    "member": m.name,
                    "reason": m.conflict or "申请回避（条例 46）",
                    "replacement": by.name if by else "",
                }
            )
    return members, changes


def _clarifications(
    rows: Sequence[EvaluationClarification], orders: Mapping[str, tuple[int, str]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    clarifications: list[dict[str, Any]] = []
    corrections: list[dict[str, Any]] = []
    for q in rows:
        order, bidder = orders.get(str(q.bid_id), (0, ""))
        if q.kind is ClarificationKind.CORRECTION and q.correction:
            corrections.append(
                {
                    "order": order,
                    "bidder": bidder,
                    "from_fen": int(q.correction.get("from_fen", 0)),
                    "to_fen": int(q.correction.get("to_fen", 0)),
                    "basis": str(q.correction.get("basis", "")),
                    "confirmed": q.accepted is True,
                }
            )
        clarifications.append(
            {
                "order": order,
                "bidder": bidder,
                "kind": q.kind.value,
                "question": q.question,
                "answer": q.answer or "",
                "accepted": q.accepted,
                "asked_at": _iso(q.asked_at),
                "answered_at": _iso(q.answered_at),
                "status": _CLARIFICATION_STATUS[q.status],
            }
        )
    return clarifications, corrections


async def build(
    session: AsyncSession,
    ev: Evaluation,
    result: Results,
    *,
    signals: Sequence[Mapping[str, Any]],
    drafted_at: datetime,
) -> dict[str, Any]:
    """The report as JSON (see the module doc), from the database and the :class:`Results`."""
    lot = await session.get(Lot, ev.lot_id)
    assert lot is not None
    project = await session.get(Project, lot.project_id)
    assert project is not None
    tenderer = await session.get(Organization, project.tenderer_id)
    agent = await session.get(Organization, project.agent_id)
    criteria = criteria_from_dict(ev.criteria)
    codes = item_codes(criteria)
    method_zh, method_en = METHOD_LABELS[criteria.method]
    if criteria.method is Method.LOWEST_EVALUATED_PRICE and criteria.government_procurement:
        method_zh = "最低评标价法"
    bids = await bids_of(session, ev)
    orders = {str(b.bid_id): (b.order_no, b.bidder_name) for b in bids}
    members, changes = await _members(session, ev)
    seats = {m["member_id"]: m["seat"] for m in members}
    questions = (
        await session.scalars(
            select(EvaluationClarification)
            .where(EvaluationClarification.evaluation_id == ev.id)
            .order_by(EvaluationClarification.asked_at, EvaluationClarification.id)
        )
    ).all()
    clarifications, corrections = _clarifications(questions, orders)
    system_points = {bid: sum(scores.values(), Decimal(0)) for bid, scores in result.system_scores.items()}
    expert_scores = []
    for member_id, sheet in sorted(result.member_scores.items(), key=lambda kv: seats.get(kv[0], 0)):
        expert_scores.append(
            {
                "seat": seats[member_id],
                "member_id": member_id,
                "scores": {
                    bid: {codes[item]: _points(score) for item, score in items.items()} for bid, items in sheet.items()
                },
                "totals": {
                    bid: _points(system_points.get(bid, Decimal(0)) + sum(items.values(), Decimal(0)))
                    for bid, items in sheet.items()
                },
            }
        )
    totals = []
    if result.totals is not None:
        for bid, total in sorted(result.totals.items(), key=lambda kv: orders[kv[0]][0]):
            totals.append(
                {
                    "bid_id": bid,
                    "order": orders[bid][0],
                    "bidder": orders[bid][1],
                    "system_points": _points(system_points.get(bid, Decimal(0))),
                    "member_totals": {str(e["seat"]): e["totals"][bid] for e in expert_scores if bid in e["totals"]},
                    "average": _points(total),
                }
            )
    by_bid = {str(b.bid_id): b for b in bids}
    return {
        "type": REPORT_TYPE,
        "evaluation_id": str(ev.id),
        "report_number": report_number(lot.id),
        "project": {
            "id": str(project.id),
            "code": project.code,
            "name": project.name,
            "tenderer": tenderer.name if tenderer else "",
            "agent": agent.name if agent else "",
        },
        "lot": {"id": str(lot.id), "code": lot.code, "name": lot.name},
        "method": {"code": criteria.method.value, "zh": method_zh, "en": method_en},
        "government_procurement": criteria.government_procurement,
        "criteria_sha256": ev.criteria_sha256,
        "opening": {
            "record_number": f"KB-{str(lot.id)[:8].upper()}",
            "record_sha256": ev.opening_record_sha256,
            "record_url": f"/api/public/openings/{lot.id}/record.pdf",
            "opening_at": _iso(lot.bid_deadline or ev.opened_at),
        },
        "evaluation_started_at": _iso(ev.opened_at),
        "drafted_at": _iso(drafted_at),
        "members": members,
        "changes": changes,
        "bids": [
            {
                "bid_id": str(b.bid_id),
                "order": b.order_no,
                "bidder": b.bidder_name,
                "price_fen": b.price_fen,
                "evaluated_price_fen": b.evaluated_price_fen,
                "review": b.review.value,
                "low_price": b.low_price,
            }
            for b in bids
        ],
        "rejections": [
            {
                "bid_id": str(b.bid_id),
                "order": b.order_no,
                "bidder": b.bidder_name,
                "item": str((b.rejection or {}).get("item", "")),
                "clause": str((b.rejection or {}).get("clause", "")),
                "reason": str((b.rejection or {}).get("reason", "")),
                "article": str((b.rejection or {}).get("article", "条例 51")),
            }
            for b in bids
            if b.review is BidReview.REJECTED
        ],
        "corrections": corrections,
        "clarifications": clarifications,
        "signals": [dict(s) for s in signals],
        "items": [
            {
                "code": codes[item.name_zh],
                "name_zh": item.name_zh,
                "name_en": item.name_en,
                "maximum": _points(item.maximum),
                "scorer": item.scorer.value,
                "is_price": item.is_price,
            }
            for item in criteria.scoring_items
        ],
        "system_scores": {
            bid: {codes[item]: _points(score) for item, score in scores.items()}
            for bid, scores in result.system_scores.items()
            if scores
        },
        "expert_scores": expert_scores,
        "totals": totals,
        "ranking": [
            {
                "rank": r.rank,
                "bid_id": r.bid,
                "order": orders[r.bid][0],
                "bidder": orders[r.bid][1],
                "price_fen": by_bid[r.bid].price_fen if by_bid[r.bid].price_fen is not None else r.price_fen,
                "evaluated_price_fen": r.price_fen,
                "total": _points(r.total) if r.total is not None else None,
            }
            for r in result.ranking
        ],
        "candidates": [
            {
                "rank": c.rank,
                "bid_id": c.bid,
                "bidder": orders[c.bid][1],
                "price_fen": c.price_fen,
                "total": _points(c.total) if c.total is not None else None,
            }
            for c in result.candidates
        ],
    }


# ----------------------------------------------------------------------------- the renderer's view


def _moment(text: str | None) -> datetime:
    assert text is not None
    return datetime.fromisoformat(text)


def _orders(report: Mapping[str, Any]) -> dict[str, int]:
    return {b["bid_id"]: int(b["order"]) for b in report["bids"]}


def to_report_data(report: Mapping[str, Any], sha256: str, *, issued_at: datetime | None = None) -> doc.ReportData:
    """The PDF's view of the report JSON (the JSON is the source; the same JSON, the same PDF)."""
    orders = _orders(report)
    sat = {m["seat"] for m in report["members"] if m["status"] == "sat"}
    lowest = report["method"]["code"] == Method.LOWEST_EVALUATED_PRICE.value
    drafted = _moment(report["drafted_at"])
    return doc.ReportData(
        report_number=report["report_number"],
        project_code=report["project"]["code"],
        project_name=report["project"]["name"],
        lot_code=report["lot"]["code"],
        lot_name=report["lot"]["name"],
        method_zh=report["method"]["zh"],
        method_en=report["method"]["en"],
        government_procurement=bool(report["government_procurement"]),
        opening_record_number=report["opening"]["record_number"],
        opening_record_sha256=report["opening"]["record_sha256"],
        opening_record_url=report["opening"]["record_url"],
        opening_at=_moment(report["opening"]["opening_at"]),
        evaluation_started_at=_moment(report["evaluation_started_at"]),
        evaluation_finished_at=drafted,
        members=[
            doc.Member(
                seat=int(m["seat"]),
                name=m["name"],
                employer=m["employer"],
                specialty=m["specialty"],
                role=m["role"],
                status=m["status"],
                reason=m["reason"],
                replaced_by=m["replaced_by"],
            )
            for m in report["members"]
        ],
        changes=[
            doc.MemberChange(
                at=_moment(c["at"]),
                kind=c["kind"],
                member=c["member"],
                reason=c["reason"],
                replacement=c["replacement"],
            )
            for c in report["changes"]
        ],
        bids=[doc.Bid(order=int(b["order"]), bidder=b["bidder"], price_fen=b["price_fen"]) for b in report["bids"]],
        items=[
            doc.ReportItem(
                code=i["code"],
                name_zh=i["name_zh"],
                name_en=i["name_en"],
                maximum=Decimal(i["maximum"]),
                scorer=i["scorer"],
            )
            for i in report["items"]
        ],
        system_scores={
            orders[bid]: {code: Decimal(v) for code, v in scores.items()}
            for bid, scores in report["system_scores"].items()
        },
        expert_scores=[
            doc.ExpertScores(
                seat=int(e["seat"]),
                scores={orders[bid]: {c: Decimal(v) for c, v in items.items()} for bid, items in e["scores"].items()},
                totals={orders[bid]: Decimal(v) for bid, v in e["totals"].items()},
            )
            for e in report["expert_scores"]
            if int(e["seat"]) in sat
        ],
        totals=[
            doc.TotalRow(
                order=int(t["order"]),
                bidder=t["bidder"],
                system_points=Decimal(t["system_points"]),
                member_totals={int(s): Decimal(v) for s, v in t["member_totals"].items()},
                average=Decimal(t["average"]),
            )
            for t in report["totals"]
        ],
        ranking=[
            doc.RankRow(
                rank=int(r["rank"]),
                order=int(r["order"]),
                bidder=r["bidder"],
                price_fen=int(r["price_fen"]),
                total=Decimal(r["total"]) if r["total"] is not None else None,
                evaluated_price_fen=int(r["evaluated_price_fen"]) if lowest else None,
            )
            for r in report["ranking"]
        ],
        candidates=[
            doc.Candidate(
                rank=int(c["rank"]),
                bidder=c["bidder"],
                price_fen=int(c["price_fen"]),
                total=Decimal(c["total"]) if c["total"] is not None else None,
            )
            for c in report["candidates"]
        ],
        rejections=[
            doc.Rejection(
                order=int(r["order"]), bidder=r["bidder"], item=r["item"], clause=r["clause"], reason=r["reason"]
            )
            for r in report["rejections"]
        ],
        corrections=[
            doc.Correction(
                order=int(c["order"]),
                bidder=c["bidder"],
                from_fen=int(c["from_fen"]),
                to_fen=int(c["to_fen"]),
                basis=c["basis"],
                confirmed=bool(c["confirmed"]),
            )
            for c in report["corrections"]
        ],
        clarifications=[
            doc.Clarification(
                order=int(q["order"]),
                bidder=q["bidder"],
                question=q["question"],
                answer=q["answer"],
                asked_at=_moment(q["asked_at"]),
                answered_at=datetime.fromisoformat(q["answered_at"]) if q["answered_at"] else None,
                status=q["status"],
            )
            for q in report["clarifications"]
        ],
        signals=[
            doc.CollusionSignal(rule=s["rule"], bidders=list(s["bidders"]), evidence=s["evidence"])
            for s in report["signals"]
        ],
        tenderer=report["project"]["tenderer"],
        agent=report["project"]["agent"],
        report_sha256=sha256,
        issued_at=issued_at or drafted,
    )
