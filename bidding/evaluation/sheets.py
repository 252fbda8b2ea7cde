"""The detailed review's score sheets (详细评审; issue 20 "Review and scoring"; RULES c2, c10, acceptance
check 1; ``docs/evaluation.md`` §Detailed review).

* **The sheet** of a member: every item the criteria give to each expert (``scorer = each_expert``) ×
  every bid that passed the preliminary review. ``PUT scores`` saves any part of it (decimal strings,
  0 ≤ score ≤ the item's maximum, at most two decimals; 422 ``score_invalid`` naming the bid and the
  item); ``POST sheet/submit`` hands in the complete sheet (422 ``sheet_incomplete`` listing the gaps).
  After that the sheet changes only through a re-check the chair asks for (409 ``sheet_submitted``).
  Under the lowest evaluated price method there is nothing to score (规定 30–32): the sheet is empty and
  submitting it confirms the comparison of evaluated prices.
* **Independence** (87号令 62: no negotiated subjective scores; RULES c acceptance check 1): a member
  sees the others' scores, and the divergences among them, only once their own sheet is in (403
  ``own_sheet_first``) — the chair included, who is a member too.
* **System items** (the price, 87号令 55) are computed by the system once for all; the sheet shows
  the price score over the current evaluated prices as a *provisional* preview (the report computes
  them at its draft, :func:`bidding.evaluation.scoring.system_scores`).
* **Divergences** (:func:`bidding.evaluation.scoring.divergences`): an item of a bid whose submitted
  scores spread by more than the threshold (``evaluation_divergence_percent``, default 20 % of the
  item's maximum). **Re-check**: the chair asks one member to re-check one score, naming one of
  87号令 62's reasons and a note; the member answers with a score — the same one or another — and
  both the old and the new score are kept. Nothing is averaged away, dropped or changed by anyone
  but the member who gave the score. The report cannot be drafted while a re-check is open
  (:func:`open_rechecks`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Annotated, Any, Final

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.trail import content_hash
from bidding.core.auth.caller import Caller
from bidding.core.errors import Conflict, DomainError, Forbidden, NotFound
from bidding.core.fields import LINE_PATTERN, NAME_PATTERN, TEXT_PATTERN, Body
from bidding.evaluation.access import MemberSeat, bids_of, member_gate, sitting
from bidding.evaluation.criteria import SCORE_QUANTUM, Criteria, Method, Scorer, ScoringItem, price_scores
from bidding.evaluation.lifecycle import audit
from bidding.evaluation.models import Evaluation, EvaluationBid, EvaluationMember, EvaluationRecheck, EvaluationScore
from bidding.evaluation.review import criteria_of
from bidding.evaluation.scoring import RecheckReason, ScoreInvalid, ScoreProblem, divergences, rank
from bidding.evaluation.states import BidReview, MemberStatus

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "DEFAULT_DIVERGENCE_PERCENT",
    "AnswerInput",
    "DivergenceView",
    "NoteRequired",
    "OwnSheetFirst",
    "RecheckInput",
    "RecheckRefused",
    "RecheckView",
    "ScoreInput",
    "ScoresInput",
    "ScoresView",
    "SheetIncomplete",
    "SheetSubmitted",
    "SheetView",
    "answer_recheck",
    "ask_recheck",
    "divergence_threshold",
    "member_divergences",
    "member_scores",
    "open_rechecks",
    "put_scores",
    "scores",
    "sheet",
    "submit_sheet",
]

#: The spread, in per cent of an item's maximum, above which the chair sees a divergence (a setting,
#: ``evaluation_divergence_percent``; this default is the platform's choice, not an article).
DEFAULT_DIVERGENCE_PERCENT: Final = Decimal("20")
MAX_SCORES: Final = 2000

ItemKey = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NAME_PATTERN)]
#: A score as a decimal string (``"27.5"``); its range and precision are the service's to judge (422).
ScoreText = Annotated[str, msgspec.Meta(min_length=1, max_length=16, pattern=LINE_PATTERN)]
Note = Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=TEXT_PATTERN)]


class SheetSubmitted(Conflict):
    code = "sheet_submitted"
    message_zh = "评分表已提交，只能按评标委员会负责人的复核要求修改"
    message_en = "The sheet is submitted; a score changes only through a re-check the chair asks for"


class SheetIncomplete(DomainError):
    code = "sheet_incomplete"
    status = 422
    message_zh = "评分表尚未填写完整"
    message_en = "The score sheet is not complete"


class OwnSheetFirst(Forbidden):
    """Acceptance check 1 of RULES (c): no other member's scores before one's own sheet is in."""

    code = "own_sheet_first"
    message_zh = "请先提交您本人的评分表，再查看其他成员的评分"
    message_en = "Submit your own score sheet before seeing the other members' scores"


class RecheckRefused(Conflict):
    code = "recheck_refused"
    message_zh = "不能提出该复核要求"
    message_en = "This re-check cannot be asked"


class NoteRequired(DomainError):
    code = "note_required"
    status = 422
    message_zh = "复核要求须写明说明"
    message_en = "A re-check needs a note"


class RecheckNotFound(NotFound):
    code = "recheck_not_found"
    message_zh = "复核要求不存在"
    message_en = "No such re-check"


class NotYourRecheck(Forbidden):
    code = "not_your_recheck"
    message_zh = "该复核要求不是向您提出的"
    message_en = "This re-check was not asked of you"


class ScoreInput(Body, frozen=True, kw_only=True):
    """One score of one item of one bid (an ``each_expert`` item; 87号令 55)."""

    bid_id: uuid.UUID
    item: ItemKey
    score: ScoreText


ScoresInput = Annotated[list[ScoreInput], msgspec.Meta(min_length=1, max_length=MAX_SCORES)]


class RecheckInput(Body, frozen=True, kw_only=True):
    """The chair asks a member to re-check a score, for one of 87号令 62's reasons, with a note."""

    member_id: uuid.UUID
    bid_id: uuid.UUID
    item: ItemKey
    reason: RecheckReason
    note: Note


class AnswerInput(Body, frozen=True, kw_only=True):
    """The member's answer: the score after re-checking (the same one, or another)."""

    score: ScoreText


@dataclass(frozen=True)
class ItemEntry:
    name_zh: str
    name_en: str
    maximum: str
    nature: str


@dataclass(frozen=True)
class SystemItem:
    """A system-scored item; ``scores`` (bid → score) is a provisional preview, ``None`` where the
    system takes its value from data at the report's draft."""

    name_zh: str
    name_en: str
    maximum: str
    is_price: bool
    provisional: bool
    scores: dict[str, str | None]


@dataclass(frozen=True)
class SheetBid:
    bid_id: uuid.UUID
    order_no: int
    bidder_name: str
    evaluated_price_fen: int | None
    low_price: dict[str, Any] | None


@dataclass(frozen=True)
class ScoreEntry:
    bid_id: uuid.UUID
    item: str
    score: str


@dataclass(frozen=True)
class ComparisonRow:
    """A row of the comparison of evaluated prices (标价比较表; 规定 30–32)."""

    bid_id: uuid.UUID
    bidder_name: str
    evaluated_price_fen: int
    rank: int


@dataclass(frozen=True)
class RecheckView:
    id: uuid.UUID
    member_id: uuid.UUID
    member_name: str
    bid_id: uuid.UUID
    bidder_name: str
    item: str
    reason: str
    article: str
    note: str
    asked_at: datetime
    old_score: str | None
    new_score: str | None
    answered_at: datetime | None


@dataclass(frozen=True)
class SheetView:
    """``GET /api/evaluations/{id}/sheet``: the caller's own sheet."""

    evaluation_id: uuid.UUID
    state: str
    method: str
    items: list[ItemEntry]
    system_items: list[SystemItem]
    bids: list[SheetBid]
    scores: list[ScoreEntry]
    submitted_at: datetime | None
    rechecks: list[RecheckView]
    comparison: list[ComparisonRow]


@dataclass(frozen=True)
class MemberRef:
    member_id: uuid.UUID
    name: str


@dataclass(frozen=True)
class DivergenceView:
    bid_id: uuid.UUID
    bidder_name: str
    item: str
    low: str
    high: str
    spread: str
    threshold_percent: str
    low_members: list[MemberRef]
    high_members: list[MemberRef]
    reason: str
    article: str


@dataclass(frozen=True)
class MemberSheet:
    member_id: uuid.UUID
    name: str
    is_chair: bool
    submitted_at: datetime | None
    #: Only a submitted sheet is shown.
    scores: list[ScoreEntry]


@dataclass(frozen=True)
class ScoresView:
    """``GET /api/evaluations/{id}/scores``: every sitting member's submitted sheet, by name."""

    evaluation_id: uuid.UUID
    members: list[MemberSheet]
    system_items: list[SystemItem]
    divergences: list[DivergenceView]
    rechecks: list[RecheckView]


# ----------------------------------------------------------------------------- reading


def _expert_items(criteria: Criteria) -> list[ScoringItem]:
    return [item for item in criteria.scoring_items if item.scorer is Scorer.EACH_EXPERT]


async def _passed(session: AsyncSession, ev: Evaluation) -> list[EvaluationBid]:
    return list(
        (
            await session.scalars(
                select(EvaluationBid)
                .where(EvaluationBid.evaluation_id == ev.id, EvaluationBid.review == BidReview.PASSED)
                .order_by(EvaluationBid.order_no)
            )
        ).all()
    )


async def _scores_of(session: AsyncSession, members: Sequence[EvaluationMember]) -> list[EvaluationScore]:
    if not members:
        return []
    return list(
        (
            await session.scalars(
                select(EvaluationScore)
                .where(EvaluationScore.member_id.in_([m.id for m in members]))
                .order_by(EvaluationScore.bid_id, EvaluationScore.item)
            )
        ).all()
    )


async def member_scores(
    session: AsyncSession, ev: Evaluation, *, submitted_only: bool = False
) -> dict[str, dict[str, dict[str, Decimal]]]:
    """member id → bid id → item (``name_zh``) → score, as strings of the ids: every sitting member's
    scores of the ``each_expert`` items of the bids that passed (those of a recused member, of a bid
    rejected since, or of an item no longer on the sheet do not count). With ``submitted_only``, only
    submitted sheets. The shape :mod:`bidding.evaluation.scoring` takes."""
    criteria = criteria_of(ev)
    items = {item.name_zh for item in _expert_items(criteria)}
    bids = {b.bid_id for b in await _passed(session, ev)}
    members = [m for m in await sitting(session, ev.id) if not submitted_only or m.sheet_submitted_at is not None]
    found: dict[str, dict[str, dict[str, Decimal]]] = {str(m.id): {} for m in members}
    for score in await _scores_of(session, members):
        if score.bid_id in bids and score.item in items:
            found[str(score.member_id)].setdefault(str(score.bid_id), {})[score.item] = Decimal(score.score)
    return found


async def open_rechecks(session: AsyncSession, evaluation_id: uuid.UUID) -> int:
    """How many re-checks asked of sitting members are unanswered: the report waits for none (87号令 62)."""
    count = await session.scalar(
        select(func.count())
        .select_from(EvaluationRecheck)
        .join(EvaluationMember, EvaluationMember.id == EvaluationRecheck.member_id)
        .where(
            EvaluationRecheck.evaluation_id == evaluation_id,
            EvaluationRecheck.answered_at.is_(None),
            EvaluationMember.status == MemberStatus.SITTING,
        )
    )
    return int(count or 0)


def divergence_threshold(platform: Platform) -> Decimal:
    """The divergence threshold in per cent (``BIDDING_EVALUATION_DIVERGENCE_PERCENT``, default
    :data:`DEFAULT_DIVERGENCE_PERCENT`)."""
    return Decimal(str(platform.settings.evaluation_divergence_percent))


def _system_items(criteria: Criteria, passed: Sequence[EvaluationBid]) -> list[SystemItem]:
    prices = {str(b.bid_id): p for b in passed if (p := b.evaluated_price_fen) is not None and p > 0}
    found: list[SystemItem] = []
    for item in criteria.scoring_items:
        if item.scorer is not Scorer.SYSTEM:
            continue
        if item.is_price:
            preview: dict[str, str | None] = {bid: str(s) for bid, s in price_scores(prices, item.maximum).items()}
        else:
            preview = {str(b.bid_id): None for b in passed}
        found.append(SystemItem(item.name_zh, item.name_en, str(item.maximum), item.is_price, True, preview))
    return found


async def _rechecks(session: AsyncSession, ev: Evaluation, member: EvaluationMember | None = None) -> list[RecheckView]:
    query = select(EvaluationRecheck).where(EvaluationRecheck.evaluation_id == ev.id)
    if member is not None:
        query = query.where(EvaluationRecheck.member_id == member.id)
    rows = (await session.scalars(query.order_by(EvaluationRecheck.asked_at, EvaluationRecheck.id))).all()
    members = {m.id: m for m in await sitting(session, ev.id)}
    bids = {b.bid_id: b for b in await bids_of(session, ev)}
    found: list[RecheckView] = []
    for r in rows:
        if r.member_id not in members:
            continue  # a recused member's work no longer counts
        reason = RecheckReason(r.reason)
        found.append(
            RecheckView(
                r.id,
                r.member_id,
                members[r.member_id].name,
                r.bid_id,
                bids[r.bid_id].bidder_name if r.bid_id in bids else "",
                r.item,
                reason.value,
                reason.article,
                r.note,
                r.asked_at,
                r.old_score,
                r.new_score,
                r.answered_at,
            )
        )
    return found


async def _sheet_view(session: AsyncSession, seat: MemberSeat) -> SheetView:
    ev, member = seat.evaluation, seat.member
    criteria = criteria_of(ev)
    passed = await _passed(session, ev)
    bids = {b.bid_id for b in passed}
    mine = [ScoreEntry(s.bid_id, s.item, s.score) for s in await _scores_of(session, [member]) if s.bid_id in bids]
    comparison: list[ComparisonRow] = []
    if not criteria.method.scored:
        prices = {str(b.bid_id): b.evaluated_price_fen for b in passed if b.evaluated_price_fen is not None}
        names = {str(b.bid_id): b.bidder_name for b in passed}
        comparison = [
            ComparisonRow(uuid.UUID(r.bid), names[r.bid], r.price_fen, r.rank)
            for r in rank(Method.LOWEST_EVALUATED_PRICE, None, prices)
        ]
    return SheetView(
        evaluation_id=ev.id,
        state=ev.state.value,
        method=criteria.method.value,
        items=[ItemEntry(i.name_zh, i.name_en, str(i.maximum), i.nature.value) for i in _expert_items(criteria)],
        system_items=_system_items(criteria, passed),
        bids=[SheetBid(b.bid_id, b.order_no, b.bidder_name, b.evaluated_price_fen, b.low_price) for b in passed],
        scores=mine,
        submitted_at=member.sheet_submitted_at,
        rechecks=await _rechecks(session, ev, member),
        comparison=comparison,
    )


async def sheet(platform: Platform, caller: Caller, evaluation_id: uuid.UUID) -> SheetView:
    """``GET /api/evaluations/{id}/sheet``: the caller's own sheet, the system items (provisional), the
    bids that passed with their evaluated prices and flags, the caller's re-checks."""
    async with platform.sessions() as session:
        seat = await member_gate(session, platform, caller, evaluation_id, "read_scores")
        return await _sheet_view(session, seat)


# ----------------------------------------------------------------------------- scoring


_NOT_PASSED: Final = ("不是通过初步评审的投标文件", "Not a bid that passed the preliminary review")


def _detail(reason: str, zh: str, en: str, bid_id: uuid.UUID | str, item: str, **extra: str) -> dict[str, Any]:
    return {"reason": reason, "message_zh": zh, "message_en": en, "bid_id": str(bid_id), "item": item, **extra}


def _problem(reason: ScoreProblem, bid_id: uuid.UUID, item: str, **extra: str) -> dict[str, Any]:
    return _detail(reason.value, reason.message_zh, reason.message_en, bid_id, item, **extra)


def _parse(text: str, item: ScoringItem, bid_id: uuid.UUID) -> Decimal | dict[str, Any]:
    """The score as stored (two decimals), or the problem with it."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return _problem(ScoreProblem.SCORE_NOT_DECIMAL, bid_id, item.name_zh, value=text)
    if not value.is_finite():
        return _problem(ScoreProblem.SCORE_NOT_DECIMAL, bid_id, item.name_zh, value=text)
    if value < 0 or value > item.maximum:
        return _problem(ScoreProblem.SCORE_OUT_OF_RANGE, bid_id, item.name_zh, value=text, maximum=str(item.maximum))
    quantized = value.quantize(SCORE_QUANTUM, rounding=ROUND_HALF_UP)
    if quantized != value:
        return _problem(ScoreProblem.SCORE_TOO_PRECISE, bid_id, item.name_zh, value=text)
    return quantized.copy_abs() if quantized.is_zero() else quantized  # "-0" is 0.00


def _invalid(found: Sequence[dict[str, Any]]) -> ScoreInvalid:
    return ScoreInvalid(
        "; ".join(f"{d['bid_id']}/{d['item']}: {d['reason']}" for d in found),
        "；".join(f"{d['bid_id']}/{d['item']}：{d['message_zh']}" for d in found),
        details=found,
    )


async def put_scores(
    platform: Platform, caller: Caller, evaluation_id: uuid.UUID, data: Sequence[ScoreInput]
) -> SheetView:
    """``PUT /api/evaluations/{id}/scores``: save scores of the caller's sheet (any part; saving one
    again replaces it). Every score is checked — 0 ≤ score ≤ the item's maximum (87号令 62 (二)), at
    most two decimals, a bid that passed, an item each expert scores — and all problems are refused
    at once (422 ``score_invalid``, one detail per bid and item; nothing saved)."""
    now = platform.clock.now()
    async with platform.sessions() as session, session.begin():
        seat = await member_gate(session, platform, caller, evaluation_id, "score", for_update=True)
        ev, member = seat.evaluation, seat.member
        if member.sheet_submitted_at is not None:
            raise SheetSubmitted()
        criteria = criteria_of(ev)
        items = {item.name_zh: item for item in _expert_items(criteria)}
        bids = {b.bid_id for b in await _passed(session, ev)}
        found: list[dict[str, Any]] = []
        if not 1 <= len(data) <= MAX_SCORES:
            found.append(_detail("count", f"须为 1 至 {MAX_SCORES} 项", f"1 to {MAX_SCORES} scores", "", ""))
        parsed: dict[tuple[uuid.UUID, str], Decimal] = {}
        for given in data:
            if given.bid_id not in bids:
                found.append(_detail("unknown_bid", *_NOT_PASSED, given.bid_id, given.item))
            item = items.get(given.item)
            if item is None:
                found.append(_problem(ScoreProblem.UNKNOWN_ITEM, given.bid_id, given.item))
                continue
            if (given.bid_id, given.item) in parsed:
                found.append(_detail("duplicate", "重复", "Given twice", given.bid_id, given.item))
            value = _parse(given.score, item, given.bid_id)
            if isinstance(value, dict):
                found.append(value)
            else:
                parsed[(given.bid_id, given.item)] = value
        if found:
            raise _invalid(found)
        for (bid_id, name), value in parsed.items():
            await _store(session, member, bid_id, name, value, now)
        audit(
            session,
            caller.actor,
            ev,
            "scored",
            member=str(member.id),
            count=len(parsed),
            sha256=content_hash({"scores": sorted([str(b), i, str(v)] for (b, i), v in parsed.items())}),
        )
        await session.flush()
        return await _sheet_view(session, seat)


async def _store(
    session: AsyncSession, member: EvaluationMember, bid_id: uuid.UUID, item: str, value: Decimal, now: datetime
) -> str | None:
    """Upsert one score; the score it replaced, if any."""
    found = await session.get(EvaluationScore, (member.id, bid_id, item))
    if found is None:
        session.add(EvaluationScore(member_id=member.id, bid_id=bid_id, item=item, score=str(value), at=now))
        return None
    before = found.score
    found.score, found.at = str(value), now
    return before


async def submit_sheet(platform: Platform, caller: Caller, evaluation_id: uuid.UUID) -> SheetView:
    """``POST /api/evaluations/{id}/sheet/submit``: hand in the complete sheet (every ``each_expert``
    item of every bid that passed; 422 ``sheet_incomplete`` lists the gaps). Under the lowest evaluated
    price method the sheet is empty and this confirms the comparison of evaluated prices."""
    now = platform.clock.now()
    async with platform.sessions() as session, session.begin():
        seat = await member_gate(session, platform, caller, evaluation_id, "submit_sheet", for_update=True)
        ev, member = seat.evaluation, seat.member
        if member.sheet_submitted_at is not None:
            raise SheetSubmitted()
        criteria = criteria_of(ev)
        have = {(s.bid_id, s.item) for s in await _scores_of(session, [member])}
        missing = [
            _problem(ScoreProblem.SCORE_MISSING, b.bid_id, item.name_zh, bidder_name=b.bidder_name)
            for b in await _passed(session, ev)
            for item in _expert_items(criteria)
            if (b.bid_id, item.name_zh) not in have
        ]
        if missing:
            raise SheetIncomplete(f"{len(missing)} score(s) missing", f"尚缺 {len(missing)} 项评分", details=missing)
        member.sheet_submitted_at = now
        sheet = sorted([str(s.bid_id), s.item, s.score] for s in await _scores_of(session, [member]))
        audit(
            session,
            caller.actor,
            ev,
            "sheet_submitted",
            member=str(member.id),
            method=criteria.method.value,
            sha256=content_hash({"scores": sheet}),
        )
        await session.flush()
        return await _sheet_view(session, seat)


# ----------------------------------------------------------------------------- others' scores, divergences


def _own_sheet_first(seat: MemberSeat) -> None:
    if seat.member.sheet_submitted_at is None:
        raise OwnSheetFirst()


async def _divergences(session: AsyncSession, platform: Platform, ev: Evaluation) -> list[DivergenceView]:
    threshold = divergence_threshold(platform)
    criteria = criteria_of(ev)
    submitted = await member_scores(session, ev, submitted_only=True)
    if not submitted or not _expert_items(criteria):
        return []
    names = {str(m.id): m.name for m in await sitting(session, ev.id)}
    bidders = {str(b.bid_id): b.bidder_name for b in await _passed(session, ev)}
    return [
        DivergenceView(
            uuid.UUID(d.bid),
            bidders.get(d.bid, ""),
            d.item,
            str(d.low),
            str(d.high),
            str(d.spread),
            str(threshold),
            [MemberRef(uuid.UUID(m), names[m]) for m in d.low_members],
            [MemberRef(uuid.UUID(m), names[m]) for m in d.high_members],
            d.reason.value,
            d.reason.article,
        )
        for d in divergences(criteria, submitted, threshold)
    ]


async def scores(platform: Platform, caller: Caller, evaluation_id: uuid.UUID) -> ScoresView:
    """``GET /api/evaluations/{id}/scores``: every sitting member's submitted sheet with their name, the
    system items, the divergences and every re-check — only once the caller's own sheet is in (403
    ``own_sheet_first``; RULES c acceptance check 1)."""
    async with platform.sessions() as session:
        seat = await member_gate(session, platform, caller, evaluation_id, "read_scores")
        _own_sheet_first(seat)
        ev = seat.evaluation
        passed = await _passed(session, ev)
        bids = {b.bid_id for b in passed}
        members = await sitting(session, ev.id)
        by_member: dict[uuid.UUID, list[ScoreEntry]] = {m.id: [] for m in members}
        for s in await _scores_of(session, [m for m in members if m.sheet_submitted_at is not None]):
            if s.bid_id in bids:
                by_member[s.member_id].append(ScoreEntry(s.bid_id, s.item, s.score))
        return ScoresView(
            evaluation_id=ev.id,
            members=[
                MemberSheet(m.id, m.name, ev.chair_id == m.id, m.sheet_submitted_at, by_member[m.id]) for m in members
            ],
            system_items=_system_items(criteria_of(ev), passed),
            divergences=await _divergences(session, platform, ev),
            rechecks=await _rechecks(session, ev),
        )


async def member_divergences(platform: Platform, caller: Caller, evaluation_id: uuid.UUID) -> list[DivergenceView]:
    """``GET /api/evaluations/{id}/divergences``: the items whose submitted scores spread beyond the
    threshold, with who gave the lowest and the highest — for the chair's re-check requests, and for
    every member whose own sheet is in (the chair too must submit first)."""
    async with platform.sessions() as session:
        seat = await member_gate(session, platform, caller, evaluation_id, "read_scores")
        _own_sheet_first(seat)
        return await _divergences(session, platform, seat.evaluation)


# ----------------------------------------------------------------------------- re-checks


async def ask_recheck(platform: Platform, caller: Caller, evaluation_id: uuid.UUID, data: RecheckInput) -> RecheckView:
    """``POST /api/evaluations/{id}/rechecks`` (the chair): ask a member to re-check one submitted score,
    naming one of 87号令 62's reasons and a note. The score stays as it is until the member answers;
    one open re-check per score at a time (409 ``recheck_refused``)."""
    now = platform.clock.now()
    async with platform.sessions() as session, session.begin():
        seat = await member_gate(session, platform, caller, evaluation_id, "ask_recheck", for_update=True)
        _own_sheet_first(seat)
        ev = seat.evaluation
        if not data.note.strip():
            raise NoteRequired()
        target = next((m for m in await sitting(session, ev.id) if m.id == data.member_id), None)
        if target is None:
            raise RecheckRefused("not a sitting member", "不是评标委员会的在席成员")
        if target.sheet_submitted_at is None:
            raise RecheckRefused("the member has not submitted the sheet yet", "该成员尚未提交评分表")
        if not any(b.bid_id == data.bid_id for b in await _passed(session, ev)):
            raise RecheckRefused("not a bid that passed", "不是通过初步评审的投标文件")
        score = await session.get(EvaluationScore, (target.id, data.bid_id, data.item))
        if score is None:
            raise RecheckRefused("no such score on the member's sheet", "该成员评分表中没有该项评分")
        open_same = await session.scalar(
            select(func.count())
            .select_from(EvaluationRecheck)
            .where(
                EvaluationRecheck.member_id == target.id,
                EvaluationRecheck.bid_id == data.bid_id,
                EvaluationRecheck.item == data.item,
                EvaluationRecheck.answered_at.is_(None),
            )
        )
        if open_same:
            raise RecheckRefused("a re-check of this score is open", "该项评分已有未答复的复核要求")
        recheck = EvaluationRecheck(
            evaluation_id=ev.id,
            member_id=target.id,
            bid_id=data.bid_id,
            item=data.item,
            reason=data.reason.value,
            note=data.note.strip(),
            asked_by=seat.member.id,
            asked_at=now,
            old_score=score.score,
        )
        session.add(recheck)
        await session.flush()
        audit(
            session,
            caller.actor,
            ev,
            "recheck_asked",
            recheck=str(recheck.id),
            member=str(target.id),
            bid=str(data.bid_id),
            item=data.item,
            reason=data.reason.value,
            article=data.reason.article,
        )
        views = await _rechecks(session, ev, target)
        return next(v for v in views if v.id == recheck.id)


async def answer_recheck(
    platform: Platform, caller: Caller, evaluation_id: uuid.UUID, recheck_id: uuid.UUID, data: AnswerInput
) -> RecheckView:
    """``POST /api/evaluations/{id}/rechecks/{recheck_id}/answer``: the member the re-check was asked of
    gives the score after re-checking — the same or another; both are kept (87号令 62)."""
    now = platform.clock.now()
    async with platform.sessions() as session, session.begin():
        seat = await member_gate(session, platform, caller, evaluation_id, "score", for_update=True)
        ev, member = seat.evaluation, seat.member
        recheck = await session.get(EvaluationRecheck, recheck_id)
        if recheck is None or recheck.evaluation_id != ev.id:
            raise RecheckNotFound()
        if recheck.member_id != member.id:
            raise NotYourRecheck()
        if recheck.answered_at is not None:
            raise RecheckRefused("the re-check is answered", "该复核要求已答复")
        item = next((i for i in _expert_items(criteria_of(ev)) if i.name_zh == recheck.item), None)
        if item is None:  # the criteria are frozen: only a corrupted row gets here
            raise RecheckRefused("the item is not on the sheet", "该评分项不在评分表中")
        value = _parse(data.score, item, recheck.bid_id)
        if isinstance(value, dict):
            raise _invalid([value])
        before = await _store(session, member, recheck.bid_id, recheck.item, value, now)
        recheck.old_score = before if before is not None else recheck.old_score
        recheck.new_score, recheck.answered_at = str(value), now
        audit(
            session,
            caller.actor,
            ev,
            "recheck_answered",
            recheck=str(recheck.id),
            member=str(member.id),
            bid=str(recheck.bid_id),
            item=recheck.item,
            old=recheck.old_score,
            new=recheck.new_score,
        )
        await session.flush()
        views = await _rechecks(session, ev, member)
        return next(v for v in views if v.id == recheck.id)
