"""The preliminary review (初步评审: 形式、资格、响应性; issue 20 "Review and scoring"; RULES c3, c4;
``docs/evaluation.md`` §Preliminary review).

Each sitting member judges, on their own, every bid under review against every item of the lot's
checklist (the criteria's pass/fail items, each with its clause of the tender documents): pass, or
fail **with a reason** (a fail without one is refused, 422 ``reason_required``). ``PUT judgements``
saves any part of the set again and again; ``POST judgements/submit`` hands in the complete set
(422 ``judgements_incomplete`` listing what is missing), after which the member's judgements no
longer change (409 ``judgements_submitted``). Nobody sees another member's judgements before the
committee's conclusion.

**The committee's conclusion** (:func:`conclude`) is drawn when every sitting member has submitted
and the committee is complete (as many sitting as its size): for each bid and item, the item fails
when **more than half** of the sitting members failed it — the committee decides together and the
minority follows the majority (少数服从多数). A bid failing any item is rejected (否决, 条例 51:
不符合招标文件实质性要求) with the first failing item, its clause and the committee's reasons (the
failing members' reasons, without their names); every failing item is listed. The other bids pass
with their evaluated price (the announced one unless a correction already set it), and the
abnormally low prices among the passing bids are flagged (规定 21; 87号令 60:
:func:`bidding.evaluation.corrections.abnormally_low`, the ceiling only when the criteria carry
``ceiling_fen``) for the chair's clarification request — never rejected by the flag. Then the
evaluation moves to the detailed review.

The conclusion is re-entrant: a recusal (条例 46) sends the evaluation back to ``convening`` and then
``preliminary``; the backup judges everything, and when the set is complete again the conclusion is
recomputed **from scratch** over the members sitting then (a recused member's judgements stop
counting). Rejections made elsewhere (by the chair's low-price decision) are kept; a score sheet
submitted earlier that lacks a bid now passing is reopened.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Final

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.trail import content_hash
from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.errors import Conflict, DomainError
from bidding.core.fields import NAME_PATTERN, TEXT_PATTERN, Body
from bidding.evaluation.access import bids_of, member_gate, sitting
from bidding.evaluation.corrections import abnormally_low
from bidding.evaluation.criteria import ChecklistItem, Criteria, Scorer
from bidding.evaluation.criteria_wire import criteria_from_dict
from bidding.evaluation.lifecycle import audit, set_state
from bidding.evaluation.models import Evaluation, EvaluationBid, EvaluationJudgement, EvaluationMember, EvaluationScore
from bidding.evaluation.states import BidReview, EvaluationState

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "PRELIMINARY_SOURCE",
    "REJECTION_ARTICLE",
    "BidConclusion",
    "ChecklistView",
    "ItemConclusion",
    "JudgementInput",
    "JudgementsIncomplete",
    "JudgementsInput",
    "JudgementsInvalid",
    "JudgementsSubmitted",
    "checklist",
    "conclude",
    "criteria_of",
    "judge",
    "judged_bids",
    "judgement_summary",
    "submit_judgements",
]

#: The article a preliminary rejection cites (条例 51: 否决 for not meeting the tender's substantive requirements).
REJECTION_ARTICLE: Final = "条例 51"
#: ``rejection["source"]`` of a rejection this review made (others, e.g. a low-price decision, are kept).
PRELIMINARY_SOURCE: Final = "preliminary"
#: At most this many judgements in one request (a committee's checklist × bids stays well below).
MAX_JUDGEMENTS: Final = 2000

ItemKey = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NAME_PATTERN)]
Reason = Annotated[str, msgspec.Meta(max_length=2000, pattern=TEXT_PATTERN)]


class JudgementsInvalid(DomainError):
    """Judgements that do not fit the evaluation: an unknown bid or item, a fail without a reason, a
    pair given twice; one detail per problem."""

    code = "judgements_invalid"
    status = 422
    message_zh = "评审结论有误"
    message_en = "The judgements are not valid"


class JudgementsIncomplete(DomainError):
    """The set is not complete: every bid under review on every checklist item (details list the gaps)."""

    code = "judgements_incomplete"
    status = 422
    message_zh = "尚有投标文件或评审项未作结论"
    message_en = "Some bids or checklist items have not been judged"


class JudgementsSubmitted(Conflict):
    code = "judgements_submitted"
    message_zh = "您已提交初步评审结论，不能再修改"
    message_en = "You have submitted your judgements; they no longer change"


class JudgementInput(Body, frozen=True, kw_only=True):
    """One member's pass/fail on one checklist item of one bid; a fail needs the reason (条例 51)."""

    bid_id: uuid.UUID
    #: The checklist item's Chinese name (``name_zh``, the key everywhere).
    item: ItemKey
    passed: bool
    reason: Reason | None = None


JudgementsInput = Annotated[list[JudgementInput], msgspec.Meta(min_length=1, max_length=MAX_JUDGEMENTS)]


@dataclass(frozen=True)
class ChecklistEntry:
    name_zh: str
    name_en: str
    stage: str
    clause: str


@dataclass(frozen=True)
class ReviewBid:
    bid_id: uuid.UUID
    order_no: int
    bidder_name: str
    price_fen: int | None
    review: str


@dataclass(frozen=True)
class MyJudgement:
    bid_id: uuid.UUID
    item: str
    passed: bool
    reason: str | None
    at: datetime


@dataclass(frozen=True)
class ItemConclusion:
    """The committee's conclusion on one item of one bid: failed by ``fails`` of ``of`` sitting members."""

    item: str
    item_en: str
    stage: str
    clause: str
    passed: bool
    fails: int
    of: int
    #: The failing members' reasons, without their names (the committee's reasons).
    reasons: list[str]


@dataclass(frozen=True)
class BidConclusion:
    bid_id: uuid.UUID
    order_no: int
    bidder_name: str
    review: str
    rejection: dict[str, Any] | None
    items: list[ItemConclusion]


@dataclass(frozen=True)
class ChecklistView:
    """``GET /api/evaluations/{id}/checklist``: the items, the bids to judge, my judgements, how many
    members have submitted, and — once the committee concluded — its conclusion."""

    evaluation_id: uuid.UUID
    state: str
    items: list[ChecklistEntry]
    bids: list[ReviewBid]
    judgements: list[MyJudgement]
    submitted_at: datetime | None
    submitted: int
    sitting: int
    size: int
    conclusion: list[BidConclusion] | None


def criteria_of(ev: Evaluation) -> Criteria:
    """The evaluation's criteria (the snapshot frozen at the deadline)."""
    return criteria_from_dict(ev.criteria)


def _rejected_elsewhere(bid: EvaluationBid) -> bool:
    return bid.review is BidReview.REJECTED and (bid.rejection or {}).get("source") != PRELIMINARY_SOURCE


async def judged_bids(session: AsyncSession, ev: Evaluation) -> list[EvaluationBid]:
    """The bids the preliminary review judges: every bid under evaluation but one rejected by another
    decision (a rejection of this review is judged afresh when the review runs again)."""
    return [bid for bid in await bids_of(session, ev) if not _rejected_elsewhere(bid)]


async def _judgements(session: AsyncSession, members: Sequence[EvaluationMember]) -> list[EvaluationJudgement]:
    if not members:
        return []
    return list(
        (
            await session.scalars(
                select(EvaluationJudgement).where(EvaluationJudgement.member_id.in_([m.id for m in members]))
            )
        ).all()
    )


def _entry(item: ChecklistItem) -> ChecklistEntry:
    return ChecklistEntry(item.name_zh, item.name_en, item.stage.value, item.clause)


def _item_conclusions(
    checklist: Sequence[ChecklistItem],
    members: Sequence[EvaluationMember],
    by_key: dict[tuple[uuid.UUID, uuid.UUID, str], EvaluationJudgement],
    bid_id: uuid.UUID,
) -> list[ItemConclusion]:
    found: list[ItemConclusion] = []
    for item in checklist:
        failing = [j for m in members if (j := by_key.get((m.id, bid_id, item.name_zh))) is not None and not j.passed]
        fails = len(failing)
        found.append(
            ItemConclusion(
                item=item.name_zh,
                item_en=item.name_en,
                stage=item.stage.value,
                clause=item.clause,
                passed=not fails * 2 > len(members),  # 少数服从多数: more than half failing fails it
                fails=fails,
                of=len(members),
                reasons=[(j.reason or "").strip() for j in failing if (j.reason or "").strip()],
            )
        )
    return found


def _rejection(items: Sequence[ItemConclusion], now: datetime) -> dict[str, Any] | None:
    failed = [i for i in items if not i.passed]
    if not failed:
        return None
    first = failed[0]
    return {
        "item": first.item,
        "item_en": first.item_en,
        "clause": first.clause,
        "reason": "；".join(first.reasons),
        "article": REJECTION_ARTICLE,
        "at": now.isoformat(),
        "source": PRELIMINARY_SOURCE,
        "failed": [
            {"item": i.item, "clause": i.clause, "reason": "；".join(i.reasons), "fails": i.fails, "of": i.of}
            for i in failed
        ],
    }


async def _summary(session: AsyncSession, ev: Evaluation, criteria: Criteria) -> list[BidConclusion]:
    members = await sitting(session, ev.id)
    by_key = {(j.member_id, j.bid_id, j.item): j for j in await _judgements(session, members)}
    return [
        BidConclusion(
            bid.bid_id,
            bid.order_no,
            bid.bidder_name,
            bid.review.value,
            bid.rejection,
            _item_conclusions(criteria.checklist, members, by_key, bid.bid_id),
        )
        for bid in await judged_bids(session, ev)
    ]


async def judgement_summary(session: AsyncSession, ev: Evaluation) -> list[BidConclusion]:
    """Per bid judged: its review, its rejection and, per checklist item, how many of the sitting
    members failed it and their reasons (no names) — for the report (规定 42 (五); 条例 51)."""
    return await _summary(session, ev, criteria_of(ev))


async def _missing(
    session: AsyncSession, ev: Evaluation, criteria: Criteria, member: EvaluationMember
) -> list[dict[str, Any]]:
    have = {(j.bid_id, j.item) for j in await _judgements(session, [member])}
    return [
        {"reason": "not_judged", "bid_id": str(bid.bid_id), "bidder_name": bid.bidder_name, "item": item.name_zh}
        for bid in await judged_bids(session, ev)
        for item in criteria.checklist
        if (bid.bid_id, item.name_zh) not in have
    ]


async def _view(session: AsyncSession, ev: Evaluation, member: EvaluationMember) -> ChecklistView:
    criteria = criteria_of(ev)
    members = await sitting(session, ev.id)
    mine = sorted(await _judgements(session, [member]), key=lambda j: (str(j.bid_id), j.item))
    concluded = ev.state not in (EvaluationState.CONVENING, EvaluationState.PRELIMINARY)
    return ChecklistView(
        evaluation_id=ev.id,
        state=ev.state.value,
        items=[_entry(item) for item in criteria.checklist],
        bids=[
            ReviewBid(b.bid_id, b.order_no, b.bidder_name, b.price_fen, b.review.value)
            for b in await judged_bids(session, ev)
        ],
        judgements=[MyJudgement(j.bid_id, j.item, j.passed, j.reason, j.at) for j in mine],
        submitted_at=member.judgements_submitted_at,
        submitted=sum(1 for m in members if m.judgements_submitted_at is not None),
        sitting=len(members),
        size=ev.size,
        conclusion=await _summary(session, ev, criteria) if concluded else None,
    )


async def checklist(platform: Platform, caller: Caller, evaluation_id: uuid.UUID) -> ChecklistView:
    """``GET /api/evaluations/{id}/checklist`` (a member, while bodies may be read): the checklist with
    its clauses, the bids to judge, the caller's own judgements (never another's before the
    conclusion), the count of members who submitted, and the committee's conclusion once drawn."""
    async with platform.sessions() as session:
        seat = await member_gate(session, platform, caller, evaluation_id, "read_body")
        return await _view(session, seat.evaluation, seat.member)


def _problems(
    data: Sequence[JudgementInput], bids: dict[uuid.UUID, EvaluationBid], items: dict[str, ChecklistItem]
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if not 1 <= len(data) <= MAX_JUDGEMENTS:
        found.append({"reason": "count", "index": 0, "item": "", "count": len(data), "max": MAX_JUDGEMENTS})
    seen: set[tuple[uuid.UUID, str]] = set()
    for index, given in enumerate(data):
        where = {"index": index, "bid_id": str(given.bid_id), "item": given.item}
        if given.bid_id not in bids:
            found.append({"reason": "unknown_bid", **where})
        if given.item not in items:
            found.append({"reason": "unknown_item", **where})
        if not given.passed and not (given.reason or "").strip():
            found.append({"reason": "reason_required", **where})
        if (given.bid_id, given.item) in seen:
            found.append({"reason": "duplicate", **where})
        seen.add((given.bid_id, given.item))
    return found


async def judge(
    platform: Platform, caller: Caller, evaluation_id: uuid.UUID, data: Sequence[JudgementInput]
) -> ChecklistView:
    """``PUT /api/evaluations/{id}/judgements``: save the caller's pass/fail judgements (any part of the
    set; saving one again replaces it). A fail needs the reason the committee will give (条例 51); an
    unknown bid or item, or a pair given twice, is refused with the rest (422, nothing saved)."""
    now = platform.clock.now()
    async with platform.sessions() as session, session.begin():
        seat = await member_gate(session, platform, caller, evaluation_id, "judge", for_update=True)
        ev, member = seat.evaluation, seat.member
        if member.judgements_submitted_at is not None:
            raise JudgementsSubmitted()
        criteria = criteria_of(ev)
        bids = {b.bid_id: b for b in await judged_bids(session, ev)}
        items = {item.name_zh: item for item in criteria.checklist}
        problems = _problems(data, bids, items)
        if problems:
            raise JudgementsInvalid(
                "; ".join(f"#{p['index']} {p['item']}: {p['reason']}" for p in problems),
                "；".join(f"第{p['index'] + 1}项 {p['item']}：{_ZH[p['reason']]}" for p in problems),
                details=problems,
            )
        for given in data:
            reason = (given.reason or "").strip() or None
            found = await session.get(EvaluationJudgement, (member.id, given.bid_id, given.item))
            if found is None:
                session.add(
                    EvaluationJudgement(
                        member_id=member.id,
                        bid_id=given.bid_id,
                        item=given.item,
                        passed=given.passed,
                        reason=reason,
                        at=now,
                    )
                )
            else:
                found.passed, found.reason, found.at = given.passed, reason, now
        audit(
            session,
            caller.actor,
            ev,
            "judged",
            member=str(member.id),
            count=len(data),
            sha256=content_hash({"judgements": [msgspec.to_builtins(given) for given in data]}),
        )
        await session.flush()
        return await _view(session, ev, member)


_ZH: Final = {
    "unknown_bid": "不是本次评审的投标文件",
    "unknown_item": "不是评标办法中的评审项",
    "reason_required": "不合格须说明理由",
    "duplicate": "重复",
    "count": f"须为 1 至 {MAX_JUDGEMENTS} 项",
}


async def submit_judgements(platform: Platform, caller: Caller, evaluation_id: uuid.UUID) -> ChecklistView:
    """``POST /api/evaluations/{id}/judgements/submit``: hand in the complete set (every bid under review
    on every checklist item; 422 ``judgements_incomplete`` lists the gaps). The last member's
    submission draws the committee's conclusion (:func:`conclude`)."""
    now = platform.clock.now()
    async with platform.sessions() as session, session.begin():
        seat = await member_gate(session, platform, caller, evaluation_id, "submit_judgements", for_update=True)
        ev, member = seat.evaluation, seat.member
        if member.judgements_submitted_at is not None:
            raise JudgementsSubmitted()
        criteria = criteria_of(ev)
        missing = await _missing(session, ev, criteria, member)
        if missing:
            raise JudgementsIncomplete(
                f"{len(missing)} judgement(s) missing",
                f"尚缺 {len(missing)} 项评审结论",
                details=missing,
            )
        member.judgements_submitted_at = now
        submitted = sorted([str(j.bid_id), j.item, j.passed, j.reason] for j in await _judgements(session, [member]))
        audit(
            session,
            caller.actor,
            ev,
            "judgements_submitted",
            member=str(member.id),
            sha256=content_hash({"judgements": submitted}),
        )
        await session.flush()
        await conclude(session, caller.actor, ev, now)
        await session.flush()
        return await _view(session, ev, member)


async def conclude(session: AsyncSession, actor: Actor, ev: Evaluation, now: datetime) -> bool:
    """Draw the committee's conclusion if it is due (the evaluation in ``preliminary``, as many members
    sitting as its size, every one of them submitted); True when drawn. Called under the evaluation's
    lock (see the module doc for the rules)."""
    if ev.state is not EvaluationState.PRELIMINARY:
        return False
    members = await sitting(session, ev.id)
    if len(members) != ev.size or any(m.judgements_submitted_at is None for m in members):
        return False
    criteria = criteria_of(ev)
    summary = await _summary(session, ev, criteria)
    bids = {b.bid_id: b for b in await judged_bids(session, ev)}
    passed: list[EvaluationBid] = []
    for conclusion in summary:
        bid = bids[conclusion.bid_id]
        rejection = _rejection(conclusion.items, now)
        if rejection is None:
            bid.review, bid.rejection = BidReview.PASSED, None
            if bid.evaluated_price_fen is None:
                bid.evaluated_price_fen = bid.price_fen
            passed.append(bid)
        else:
            bid.review, bid.rejection, bid.low_price = BidReview.REJECTED, rejection, None
    _flag_low_prices(ev, passed)
    await _reopen_incomplete_sheets(session, criteria, members, passed)
    audit(
        session,
        actor,
        ev,
        "preliminary_concluded",
        passed=[str(b.bid_id) for b in passed],
        rejected=[str(c.bid_id) for c in summary if bids[c.bid_id].review is BidReview.REJECTED],
        members=[str(m.id) for m in members],
    )
    set_state(session, actor, ev, EvaluationState.DETAILED, now, reason="preliminary_concluded")
    return True


def _flag_low_prices(ev: Evaluation, passed: Sequence[EvaluationBid]) -> None:
    """Flag the abnormally low prices among the passing bids (规定 21; 87号令 60); a decision the chair
    already made on a bid still flagged is kept."""
    prices = {str(b.bid_id): price for b in passed if (price := b.evaluated_price_fen) is not None and price > 0}
    ceiling = ev.criteria.get("ceiling_fen")  # the criteria carry no ceiling (最高限价) yet: none
    flags = abnormally_low(prices, ceiling_fen=ceiling if isinstance(ceiling, int) and ceiling > 0 else None)
    for bid in passed:
        reasons = flags.get(str(bid.bid_id))
        if reasons is None:
            bid.low_price = None
            continue
        before = bid.low_price or {}
        bid.low_price = {
            "reasons": [r.value for r in reasons],
            "decision": before.get("decision"),
            **({"note": before["note"]} if "note" in before else {}),
        }


async def _reopen_incomplete_sheets(
    session: AsyncSession, criteria: Criteria, members: Sequence[EvaluationMember], passed: Sequence[EvaluationBid]
) -> None:
    """A score sheet submitted before the review ran again, missing a bid that passes now, is reopened."""
    items = [i.name_zh for i in criteria.scoring_items if i.scorer is Scorer.EACH_EXPERT]
    for member in members:
        if member.sheet_submitted_at is None:
            continue
        have = {
            (s.bid_id, s.item)
            for s in (
                await session.scalars(select(EvaluationScore).where(EvaluationScore.member_id == member.id))
            ).all()
        }
        if any((b.bid_id, item) not in have for b in passed for item in items):
            member.sheet_submitted_at = None
