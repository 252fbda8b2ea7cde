"""Clarifications (澄清), arithmetic corrections and abnormally low prices during the evaluation (issue 20;
RULES c5, c6, c7; ``docs/evaluation.md`` §Clarifications, corrections and abnormally low prices).

**Only the committee asks, in writing, through the platform** (条例 52; 办法 33). A sitting member asks
one bidder a question (:func:`ask`), recorded as asked by that member, with a deadline; the bidder's
organisation is told in its in-app inbox and answers in its workspace with a statement signed by the
certificate it logged in with (:func:`answer_statement`, :func:`answer`). There is no way for a bidder
to start a clarification: it can only answer one that was asked of its own bid, and any other
clarification is, for it, one that does not exist (404 — its existence is not revealed). An answer
after the deadline (the platform's clock, read under the evaluation's lock) is refused; the job
:func:`expire_clarifications` closes what is past due.

**Arithmetic corrections** (规定 19; 87号令 59): the chair enters what the committee read of a bid's
price (:func:`correct_price`); :func:`bidding.evaluation.corrections.correct` applies the rules'
precedence; the bidder is asked to confirm the corrected price. Confirmed → the bid is evaluated at
the corrected price; refused or unanswered by the deadline → the bid is rejected (87号令 59: 投标无效;
规定 19 with 条例 51).

**Abnormally low prices** (规定 21; 87号令 60): a bid the review flagged (``EvaluationBid.low_price``) is
asked for a written explanation with evidence (:func:`ask`, kind ``abnormally_low``); once it is
answered or expired the chair decides (:func:`decide_low_price`): accept, or reject the bid.

:func:`pending_blockers` lists what keeps the report from being drafted.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal, TypedDict

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.clock import CHINA_TIME
from bidding.core.errors import Conflict, DomainError, InvalidInput, NotFound
from bidding.core.fields import SAFE_INT_MAX, TEXT_PATTERN, Body
from bidding.core.roles import Role
from bidding.documents.money import yuan
from bidding.evaluation.access import (
    MemberSeat,
    bids_of,
    check,
    evaluation,
    lock,
    member_gate,
    project_of,
    supervisor_gate,
)
from bidding.evaluation.corrections import Correction, Readings, Regime, UnitLine, correct
from bidding.evaluation.lifecycle import audit
from bidding.evaluation.models import Evaluation, EvaluationBid, EvaluationClarification, EvaluationMember
from bidding.evaluation.statements import SignatureInvalid, statement, verify_statement
from bidding.evaluation.states import BidReview, ClarificationKind, ClarificationStatus, EvaluationRole
from bidding.messaging.channels import ChannelKind, Notice, Text
from bidding.messaging.service import QueuedMessage, dispatch, queue_message
from bidding.tendering.models import Lot, Project

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "ANSWER_KIND",
    "PURPOSE",
    "AnswerInput",
    "AnswerStatementInput",
    "AskInput",
    "BidLowPriceView",
    "BidderClarificationView",
    "ClarificationAnswered",
    "ClarificationClosed",
    "ClarificationFields",
    "ClarificationView",
    "CorrectionInput",
    "LowPriceInput",
    "answer",
    "answer_statement",
    "ask",
    "bidder_clarifications",
    "correct_price",
    "decide_low_price",
    "expire_clarifications",
    "list_clarifications",
    "of_evaluation",
    "pending_blockers",
    "view_fields",
]

#: The statement kind a bidder signs to answer (``bidding.evaluation.statements``).
ANSWER_KIND: Final = "evaluation.clarification_answer"
#: The messaging purpose of the notice to the bidder.
PURPOSE: Final = "evaluation.clarification"
DEFAULT_DUE_MINUTES: Final = 120

_CORRECTION_ITEM: Final = "算术修正"
_CORRECTION_CLAUSE: Final = "规定19 / 87号令59"
_LOW_PRICE_ITEM: Final = "异常低价"
_LOW_PRICE_CLAUSE: Final = "规定21 / 87号令60"

# --- errors -------------------------------------------------------------------------------------------


class ClarificationNotFound(NotFound):
    """Also what a bidder gets for another organisation's clarification: its existence is not revealed."""

    code = "clarification_not_found"
    message_zh = "澄清不存在"
    message_en = "No such clarification"


class BidNotUnderEvaluation(NotFound):
    code = "evaluation_bid_not_found"
    message_zh = "该投标不在本次评标中"
    message_en = "No such bid in this evaluation"


class BidRejected(Conflict):
    code = "bid_rejected"
    message_zh = "该投标已被否决"
    message_en = "The bid has been rejected"


class ClarificationPending(Conflict):
    code = "clarification_pending"
    message_zh = "该投标已有同类澄清待答复"
    message_en = "A clarification of this kind is already open for the bid"


class ClarificationClosed(Conflict):
    code = "clarification_closed"
    message_zh = "澄清已截止或已撤回，不能再答复"
    message_en = "The clarification is closed: past its deadline or withdrawn"


class ClarificationAnswered(Conflict):
    code = "clarification_answered"
    message_zh = "澄清已答复"
    message_en = "The clarification has been answered already"


class NoCorrectionNeeded(DomainError):
    code = "no_correction_needed"
    status = 422
    message_zh = "报价各项读数一致，无需算术修正"
    message_en = "The readings of the price agree: nothing to correct"


class NoPriceAnnounced(Conflict):
    code = "no_price_announced"
    message_zh = "该投标开标时未唱出报价，无法修正"
    message_en = "No price was announced for this bid at the opening"


class PriceNotFlagged(Conflict):
    code = "price_not_flagged"
    message_zh = "该投标报价未被标记为异常低价"
    message_en = "The bid's price is not flagged as abnormally low"


class LowPriceDecided(Conflict):
    code = "low_price_decided"
    message_zh = "已对该异常低价作出决定"
    message_en = "The abnormally low price has been decided already"


class ExplanationPending(Conflict):
    code = "low_price_explanation_pending"
    message_zh = "须先要求投标人书面说明，并待其答复或逾期后再作决定"
    message_en = "Ask the bidder for a written explanation and wait for its answer or the deadline first"


class StatementInvalid(DomainError):
    """The statement posted back is not the one handed out for this clarification (kind, object, text)."""

    code = "statement_invalid"
    status = 422
    message_zh = "签署内容与该澄清不符"
    message_en = "The statement is not the one handed out for this clarification"


class AnswerSignatureInvalid(DomainError):
    code = "statement_signature_invalid"
    status = 422
    message_zh = "签名无效"
    message_en = "The signature does not verify"


# --- inputs -------------------------------------------------------------------------------------------

Question = Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=TEXT_PATTERN)]
AnswerText = Annotated[str, msgspec.Meta(min_length=1, max_length=5000, pattern=TEXT_PATTERN)]
Note = Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=TEXT_PATTERN)]
DueMinutes = Annotated[int, msgspec.Meta(ge=10, le=4320)]
PositiveFen = Annotated[int, msgspec.Meta(ge=1, le=SAFE_INT_MAX)]
Quantity = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{1,12}(\.[0-9]{1,6})?$(?!\n)")]


class AskInput(Body, frozen=True, kw_only=True):
    """A clarification asked of one bidder (条例 52). ``abnormally_low`` asks the standard written
    explanation with evidence (规定 21; 87号令 60); ``question`` then adds to it."""

    bid_id: uuid.UUID
    kind: Literal["question", "abnormally_low"] = "question"
    question: Question | None = None
    due_minutes: DueMinutes = DEFAULT_DUE_MINUTES


class UnitLineInput(Body, frozen=True, kw_only=True):
    unit_price_fen: PositiveFen
    #: A decimal string (``"12.5"``): quantities may have decimals.
    quantity: Quantity
    line_total_fen: PositiveFen


class ReadingsInput(Body, frozen=True, kw_only=True):
    """What the committee read of the price besides the figures announced at the opening."""

    words_fen: PositiveFen | None = None
    unit_lines: Annotated[list[UnitLineInput], msgspec.Meta(min_length=1, max_length=500)] | None = None
    body_total_fen: PositiveFen | None = None


class CorrectionInput(Body, frozen=True, kw_only=True):
    bid_id: uuid.UUID
    readings: ReadingsInput
    due_minutes: DueMinutes = DEFAULT_DUE_MINUTES


class LowPriceInput(Body, frozen=True, kw_only=True):
    decision: Literal["accept", "reject"]
    note: Note


class AnswerStatementInput(Body, frozen=True, kw_only=True):
    answer: AnswerText
    #: For a correction: whether the bidder accepts the corrected price (required then, refused otherwise).
    accepted: bool | None = None


class AnswerInput(Body, frozen=True, kw_only=True):
    statement: dict[str, Any]
    signature: Annotated[str, msgspec.Meta(min_length=1, max_length=20_000, pattern=r"^[A-Za-z0-9+/=\s]*$")]
    algorithm: Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]
    accepted: bool | None = None


# --- views --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClarificationView:
    """A clarification as the committee and the supervisor see it."""

    id: uuid.UUID
    evaluation_id: uuid.UUID
    bid_id: uuid.UUID
    order_no: int
    bidder_name: str
    kind: str
    status: str
    question: str
    correction: dict[str, Any] | None
    asked_by: uuid.UUID
    asked_by_name: str
    asked_at: datetime
    due_at: datetime
    answer: str | None
    accepted: bool | None
    answered_at: datetime | None
    #: The signed answer: statement, signature, algorithm, fingerprint (anyone can check it again).
    answer_signature: dict[str, Any] | None


@dataclass(frozen=True)
class BidderClarificationView:
    """A clarification as the bidder sees it: never who on the committee asked."""

    id: uuid.UUID
    evaluation_id: uuid.UUID
    bid_id: uuid.UUID
    project_code: str
    project_name: str
    lot_code: str
    lot_name: str
    order_no: int
    kind: str
    status: str
    question: str
    correction: dict[str, Any] | None
    asked_at: datetime
    due_at: datetime
    answer: str | None
    accepted: bool | None
    answered_at: datetime | None


class ClarificationFields(TypedDict):
    """What every view of a clarification shows of it — the committee's, the bidder's and the
    supervisor's (``supervise.ClarificationRow``): never who asked, nor the signature."""

    id: uuid.UUID
    bid_id: uuid.UUID
    kind: str
    status: str
    question: str
    correction: dict[str, Any] | None
    asked_at: datetime
    due_at: datetime
    answer: str | None
    accepted: bool | None
    answered_at: datetime | None


def view_fields(row: EvaluationClarification) -> ClarificationFields:
    return ClarificationFields(
        id=row.id,
        bid_id=row.bid_id,
        kind=row.kind.value,
        status=row.status.value,
        question=row.question,
        correction=row.correction,
        asked_at=row.asked_at,
        due_at=row.due_at,
        answer=row.answer,
        accepted=row.accepted,
        answered_at=row.answered_at,
    )


@dataclass(frozen=True)
class BidLowPriceView:
    bid_id: uuid.UUID
    order_no: int
    review: str
    evaluated_price_fen: int | None
    low_price: dict[str, Any] | None
    rejection: dict[str, Any] | None


# --- helpers ------------------------------------------------------------------------------------------


def _regime(ev: Evaluation) -> Regime:
    return Regime.GOVERNMENT_PROCUREMENT if ev.criteria.get("government_procurement") else Regime.TENDERING_LAW


def _article(regime: Regime, tendering_law: str, procurement: str) -> str:
    return procurement if regime is Regime.GOVERNMENT_PROCUREMENT else tendering_law


async def _bid(session: AsyncSession, ev: Evaluation, bid_id: uuid.UUID) -> EvaluationBid:
    found = await session.get(EvaluationBid, (ev.id, bid_id))
    if found is None:
        raise BidNotUnderEvaluation(f"bid {bid_id} is not under evaluation {ev.id}")
    return found


def _not_rejected(bid: EvaluationBid) -> None:
    if bid.review is BidReview.REJECTED:
        raise BidRejected(f"bid #{bid.order_no} was rejected", f"第{bid.order_no}号投标已被否决")


def _flagged_undecided(bid: EvaluationBid) -> dict[str, Any]:
    """The review's flag on ``bid``'s price, still to be decided (规定 21; 87号令 60)."""
    if bid.low_price is None:
        raise PriceNotFlagged(f"bid #{bid.order_no}'s price is not flagged", f"第{bid.order_no}号投标报价未被标记")
    if bid.low_price.get("decision") is not None:
        raise LowPriceDecided()
    return bid.low_price


async def _open_of_kind(
    session: AsyncSession, ev: Evaluation, bid_id: uuid.UUID, kind: ClarificationKind
) -> EvaluationClarification | None:
    return await session.scalar(
        select(EvaluationClarification).where(
            EvaluationClarification.evaluation_id == ev.id,
            EvaluationClarification.bid_id == bid_id,
            EvaluationClarification.kind == kind,
            EvaluationClarification.status == ClarificationStatus.OPEN,
        )
    )


def _low_price_question(bid: EvaluationBid, regime: Regime) -> str:
    article = _article(
        regime, "《评标委员会和评标方法暂行规定》第二十一条", "《政府采购货物和服务招标投标管理办法》第六十条"
    )
    return (
        f"评标委员会认为贵方投标报价明显低于其他通过符合性审查投标人的报价，有可能影响产品质量或者不能诚信履约。"
        f"根据{article}，请贵方在规定期限内对报价的合理性作出书面说明，并提供相关证明材料（如成本构成、"
        f"材料及人工价格依据等）。不能证明其报价合理性的，评标委员会将按规定否决其投标。"
    )


def _correction_question(correction: Correction, regime: Regime) -> str:
    rules = []
    for step in correction.steps:
        rule = f"{step.article}：{step.basis.message_zh}"
        if rule not in rules:
            rules.append(rule)
    return (
        f"经评标委员会算术修正，贵方投标报价由 {yuan(correction.announced_fen)} 修正为 {yuan(correction.price_fen)}"
        f"（依据{'；'.join(rules)}），请确认。不确认修正后报价的，其投标按规定作无效/否决处理"
        f"（{_article(regime, '规定19、条例51', '87号令59')}）。"
    )


def _acceptance_line(clarification: EvaluationClarification, accepted: bool) -> str:
    """The line a correction's answer ends with: what the bidder's signature says of the price."""
    correction = clarification.correction or {}
    to_fen = int(correction.get("to_fen", 0))
    if accepted:
        return f"【确认】本单位接受算术修正，投标报价以修正后的 {yuan(to_fen)} 为准。"
    return "【不确认】本单位不接受算术修正后的投标报价。"


def _statement_text(clarification: EvaluationClarification, answer: str, accepted: bool | None) -> str:
    if clarification.kind is ClarificationKind.CORRECTION:
        assert accepted is not None
        return f"{answer}\n\n{_acceptance_line(clarification, accepted)}"
    return answer


def _check_accepted(clarification: EvaluationClarification, accepted: bool | None) -> None:
    if clarification.kind is ClarificationKind.CORRECTION and accepted is None:
        raise InvalidInput(
            "`accepted` is required to answer a correction: accept the corrected price or not",
            "答复算术修正须说明是否接受修正后的报价（accepted）",
        )
    if clarification.kind is not ClarificationKind.CORRECTION and accepted is not None:
        raise InvalidInput("`accepted` is only for a correction", "仅答复算术修正时填写 accepted")


async def _reject(
    session: AsyncSession,
    actor: Actor,
    ev: Evaluation,
    bid: EvaluationBid,
    *,
    item: str,
    clause: str,
    reason: str,
    article: str,
    now: datetime,
    by: str,
) -> None:
    """否决 ``bid`` (条例 51) with the clause and the committee's reason; audited. Its clarifications
    still open are withdrawn: there is nothing left to clarify."""
    bid.review = BidReview.REJECTED
    bid.rejection = {
        "item": item,
        "clause": clause,
        "reason": reason,
        "article": article,
        "at": now.isoformat(),
        "by": by,
    }
    ev.updated_at = now
    audit(session, actor, ev, "bid_rejected", bid=str(bid.bid_id), order_no=bid.order_no, **bid.rejection)
    await _withdraw_open(session, actor, ev, bid)


async def _withdraw_open(session: AsyncSession, actor: Actor, ev: Evaluation, bid: EvaluationBid) -> None:
    """A rejected bid's clarifications still open are withdrawn."""
    rows = await session.scalars(
        select(EvaluationClarification).where(
            EvaluationClarification.evaluation_id == ev.id,
            EvaluationClarification.bid_id == bid.bid_id,
            EvaluationClarification.status == ClarificationStatus.OPEN,
        )
    )
    for row in rows.all():
        row.status = ClarificationStatus.WITHDRAWN
        audit(session, actor, ev, "clarification_withdrawn", clarification=str(row.id), bid=str(bid.bid_id))


async def _reject_for_correction(
    session: AsyncSession,
    actor: Actor,
    ev: Evaluation,
    bid: EvaluationBid,
    clarification: EvaluationClarification,
    now: datetime,
    *,
    expired: bool,
) -> None:
    regime = _regime(ev)
    reason = "投标人不接受修正价格" if not expired else "投标人不接受修正价格（未在澄清期限内确认）"
    await _reject(
        session,
        actor,
        ev,
        bid,
        item=_CORRECTION_ITEM,
        clause=_CORRECTION_CLAUSE,
        reason=reason,
        article=_article(regime, "规定19", "87号令59"),
        now=now,
        by=f"clarification:{clarification.id}",
    )


async def _notify(
    session: AsyncSession,
    platform: Platform,
    actor: Actor,
    clarification: EvaluationClarification,
    bid: EvaluationBid,
    ev: Evaluation,
    now: datetime,
) -> list[QueuedMessage]:
    """Tell the bidder's organisation in its in-app inbox (the notice carries no committee names)."""
    project, lot = await project_of(session, ev)
    due = clarification.due_at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")
    subject = Text("评标委员会澄清要求", "The evaluation committee asks for a clarification")
    body = Text(
        f"项目 {project.code}（{lot.code}）评标委员会要求贵方对第{bid.order_no}号投标作出书面澄清，"
        f"请于 {due}（北京时间）前登录平台，在投标工作台中查看并签名答复。逾期未答复的，按规定处理。",
        f"The evaluation committee of {project.code} ({lot.code}) asks your organisation a written clarification "
        f"about bid #{bid.order_no}. Answer in your workspace, signed, before {due} (Beijing time).",
    )
    notice = Notice(
        ChannelKind.IN_APP,
        f"org:{clarification.organization_id}",
        PURPOSE,
        f"clarification:{clarification.id}",
        subject,
        body,
    )
    return [await queue_message(session, platform, notice, actor=actor, now=now)]


async def _new_clarification(
    session: AsyncSession,
    seat: MemberSeat,
    bid: EvaluationBid,
    kind: ClarificationKind,
    question: str,
    now: datetime,
    due_minutes: int,
    *,
    correction: dict[str, Any] | None = None,
) -> EvaluationClarification:
    """A clarification asked of ``bid``'s bidder by the seat's member, open until ``due_minutes`` from
    now (条例 52: the platform records who asked and when); flushed, not yet audited."""
    row = EvaluationClarification(
        id=uuid.uuid4(),
        evaluation_id=seat.evaluation.id,
        bid_id=bid.bid_id,
        organization_id=bid.organization_id,
        kind=kind,
        status=ClarificationStatus.OPEN,
        question=question,
        asked_by=seat.member.id,
        asked_at=now,
        due_at=now + timedelta(minutes=due_minutes),
    )
    if correction is not None:
        row.correction = correction
    session.add(row)
    seat.evaluation.updated_at = now
    await session.flush()
    return row


async def _view(session: AsyncSession, row: EvaluationClarification) -> ClarificationView:
    bid = await session.get(EvaluationBid, (row.evaluation_id, row.bid_id))
    member = await session.get(EvaluationMember, row.asked_by)
    assert bid is not None
    return ClarificationView(
        **view_fields(row),
        evaluation_id=row.evaluation_id,
        order_no=bid.order_no,
        bidder_name=bid.bidder_name,
        asked_by=row.asked_by,
        asked_by_name=member.name if member is not None else "",
        answer_signature=row.answer_signature,
    )


# --- the committee --------------------------------------------------------------------------------------


async def ask(platform: Platform, caller: Caller, evaluation_id: uuid.UUID, data: AskInput) -> ClarificationView:
    """A sitting member asks a bidder a written clarification (条例 52), or — for a price the review
    flagged — a written explanation with evidence (规定 21; 87号令 60). The question must not invite a
    change of price or substance (条例 52); the platform records who asked and when."""
    now = platform.clock.now()
    queued: list[QueuedMessage] = []
    async with platform.sessions() as session, session.begin():
        seat = await member_gate(session, platform, caller, evaluation_id, "ask_clarification", for_update=True)
        ev = seat.evaluation
        bid = await _bid(session, ev, data.bid_id)
        _not_rejected(bid)
        kind = ClarificationKind(data.kind)
        if kind is ClarificationKind.QUESTION:
            if data.question is None or not data.question.strip():
                raise InvalidInput("`question` is required", "请填写澄清问题（question）")
            question = data.question.strip()
        else:
            _flagged_undecided(bid)
            if await _open_of_kind(session, ev, bid.bid_id, kind) is not None:
                raise ClarificationPending()
            question = _low_price_question(bid, _regime(ev))
            if data.question and data.question.strip():
                question = f"{question}\n\n{data.question.strip()}"
        row = await _new_clarification(session, seat, bid, kind, question, now, data.due_minutes)
        audit(
            session,
            caller.actor,
            ev,
            "clarification_asked",
            clarification=str(row.id),
            bid=str(bid.bid_id),
            kind=kind.value,
            member=str(seat.member.id),
            due_at=row.due_at.isoformat(),
        )
        queued += await _notify(session, platform, caller.actor, row, bid, ev, now)
        view = await _view(session, row)
    await dispatch(platform, queued)
    return view


async def correct_price(
    platform: Platform, caller: Caller, evaluation_id: uuid.UUID, data: CorrectionInput
) -> ClarificationView:
    """The chair enters the committee's readings of a bid's price; the rules' precedence decides the
    corrected price (规定 19; 87号令 59, :func:`bidding.evaluation.corrections.correct`), and the bidder is
    asked to confirm it in writing. Nothing to correct → 422 ``no_correction_needed``."""
    now = platform.clock.now()
    queued: list[QueuedMessage] = []
    async with platform.sessions() as session, session.begin():
        seat = await member_gate(session, platform, caller, evaluation_id, "correct_price", for_update=True)
        ev = seat.evaluation
        bid = await _bid(session, ev, data.bid_id)
        _not_rejected(bid)
        if bid.price_fen is None or bid.price_fen <= 0:
            raise NoPriceAnnounced()
        if await _open_of_kind(session, ev, bid.bid_id, ClarificationKind.CORRECTION) is not None:
            raise ClarificationPending()
        regime = _regime(ev)
        readings = Readings(
            figures_fen=bid.price_fen,
            words_fen=data.readings.words_fen,
            unit_lines=(
                tuple(
                    UnitLine(line.unit_price_fen, Decimal(line.quantity), line.line_total_fen)
                    for line in data.readings.unit_lines
                )
                if data.readings.unit_lines
                else None
            ),
            body_total_fen=data.readings.body_total_fen,
        )
        result = correct(regime, readings)
        if result is None:
            raise NoCorrectionNeeded()
        correction = {
            "from_fen": result.announced_fen,
            "to_fen": result.price_fen,
            "basis": result.basis.value,
            "article": result.basis.article(regime),
            "regime": regime.value,
            "steps": [
                {
                    "basis": step.basis.value,
                    "article": step.article,
                    "field": step.field,
                    "line": step.line,
                    "before_fen": step.before_fen,
                    "after_fen": step.after_fen,
                }
                for step in result.steps
            ],
        }
        row = await _new_clarification(
            session,
            seat,
            bid,
            ClarificationKind.CORRECTION,
            _correction_question(result, regime),
            now,
            data.due_minutes,
            correction=correction,
        )
        audit(
            session,
            caller.actor,
            ev,
            "price_correction_asked",
            clarification=str(row.id),
            bid=str(bid.bid_id),
            member=str(seat.member.id),
            from_fen=result.announced_fen,
            to_fen=result.price_fen,
            basis=result.basis.value,
        )
        queued += await _notify(session, platform, caller.actor, row, bid, ev, now)
        view = await _view(session, row)
    await dispatch(platform, queued)
    return view


async def of_evaluation(session: AsyncSession, evaluation_id: uuid.UUID) -> Sequence[EvaluationClarification]:
    """The evaluation's clarifications, oldest first (the committee's list and the supervisor's view)."""
    rows = await session.scalars(
        select(EvaluationClarification)
        .where(EvaluationClarification.evaluation_id == evaluation_id)
        .order_by(EvaluationClarification.asked_at, EvaluationClarification.id)
    )
    return rows.all()


async def list_clarifications(platform: Platform, caller: Caller, evaluation_id: uuid.UUID) -> list[ClarificationView]:
    """Every clarification of the evaluation, oldest first: for its members and the supervisor."""
    async with platform.sessions() as session:
        if caller.has(Role.SUPERVISOR):
            ev = await evaluation(session, evaluation_id)
            supervisor_gate(caller, ev, "supervise")
        else:
            ev = (await member_gate(session, platform, caller, evaluation_id, "read_body")).evaluation
        return [await _view(session, row) for row in await of_evaluation(session, ev.id)]


async def decide_low_price(
    platform: Platform, caller: Caller, evaluation_id: uuid.UUID, bid_id: uuid.UUID, data: LowPriceInput
) -> BidLowPriceView:
    """The chair decides on a flagged price once the bidder's explanation is in or its deadline passed
    (规定 21; 87号令 60): accept, or reject the bid (否决) with the committee's note."""
    now = platform.clock.now()
    async with platform.sessions() as session, session.begin():
        seat = await member_gate(session, platform, caller, evaluation_id, "decide_low_price", for_update=True)
        ev = seat.evaluation
        bid = await _bid(session, ev, bid_id)
        _not_rejected(bid)
        low_price = _flagged_undecided(bid)
        latest = await session.scalar(
            select(EvaluationClarification)
            .where(
                EvaluationClarification.evaluation_id == ev.id,
                EvaluationClarification.bid_id == bid.bid_id,
                EvaluationClarification.kind == ClarificationKind.ABNORMALLY_LOW,
            )
            .order_by(EvaluationClarification.asked_at.desc())
            .limit(1)
        )
        if latest is None or latest.status not in (ClarificationStatus.ANSWERED, ClarificationStatus.EXPIRED):
            raise ExplanationPending()
        accepted = data.decision == "accept"
        bid.low_price = {
            **low_price,
            "decision": "accepted" if accepted else "rejected",
            "note": data.note,
            "clarification": str(latest.id),
            "decided_by": str(seat.member.id),
            "decided_at": now.isoformat(),
        }
        ev.updated_at = now
        audit(
            session,
            caller.actor,
            ev,
            "low_price_decided",
            bid=str(bid.bid_id),
            decision=bid.low_price["decision"],
            note=data.note,
            clarification=str(latest.id),
            explanation=latest.status.value,
        )
        if not accepted:
            regime = _regime(ev)
            await _reject(
                session,
                caller.actor,
                ev,
                bid,
                item=_LOW_PRICE_ITEM,
                clause=_LOW_PRICE_CLAUSE,
                reason=data.note,
                article=_article(regime, "规定21", "87号令60"),
                now=now,
                by=f"member:{seat.member.id}",
            )
        return BidLowPriceView(
            bid.bid_id, bid.order_no, bid.review.value, bid.evaluated_price_fen, bid.low_price, bid.rejection
        )


async def pending_blockers(session: AsyncSession, ev: Evaluation) -> list[str]:
    """What keeps the report from being drafted (条例 52–53; 规定 19, 21; 87号令 59–60): clarifications
    still open (a correction not answered among them) and flagged prices of bids still in the running
    with no decision; a rejected bid blocks nothing. Empty when nothing does. Each line is
    ``<code> <details> | <zh-CN>``, the code one of ``clarification_open``, ``correction_unanswered``,
    ``low_price_undecided``."""
    blockers: list[str] = []
    bids = {bid.bid_id: bid for bid in await bids_of(session, ev)}
    rows = await session.scalars(
        select(EvaluationClarification)
        .where(
            EvaluationClarification.evaluation_id == ev.id,
            EvaluationClarification.status == ClarificationStatus.OPEN,
        )
        .order_by(EvaluationClarification.asked_at, EvaluationClarification.id)
    )
    for row in rows.all():
        bid = bids.get(row.bid_id)
        if bid is None or bid.review is BidReview.REJECTED:  # a rejected bid's questions no longer matter
            continue
        order = bid.order_no
        code = "correction_unanswered" if row.kind is ClarificationKind.CORRECTION else "clarification_open"
        blockers.append(
            f"{code} bid #{order}: {row.kind.value} {row.id} open until {row.due_at.isoformat()}"
            f" | 第{order}号投标：{'算术修正待确认' if code == 'correction_unanswered' else '澄清待答复'}"
        )
    for bid in sorted(bids.values(), key=lambda b: b.order_no):
        if bid.review is BidReview.REJECTED or bid.low_price is None:
            continue
        if bid.low_price.get("decision") is None:
            blockers.append(
                f"low_price_undecided bid #{bid.order_no}: abnormally low price not decided"
                f" | 第{bid.order_no}号投标：异常低价未作决定"
            )
    return blockers


# --- the bidder ---------------------------------------------------------------------------------------


def _bidder_view(
    row: EvaluationClarification, bid: EvaluationBid, project: Project, lot: Lot
) -> BidderClarificationView:
    return BidderClarificationView(
        **view_fields(row),
        evaluation_id=row.evaluation_id,
        project_code=project.code,
        project_name=project.name,
        lot_code=lot.code,
        lot_name=lot.name,
        order_no=bid.order_no,
    )


def _bidder_org(caller: Caller) -> uuid.UUID:
    if not caller.has(Role.BIDDER) or caller.organization_id is None:
        raise ClarificationNotFound()
    return caller.organization_id


async def _own(session: AsyncSession, caller: Caller, clarification_id: uuid.UUID) -> EvaluationClarification:
    """The caller's organisation's clarification; any other (or none) is 404, never 403."""
    org = _bidder_org(caller)
    row = await session.get(EvaluationClarification, clarification_id)
    if row is None or row.organization_id != org:
        raise ClarificationNotFound()
    return row


def _still_open(row: EvaluationClarification, bid: EvaluationBid, now: datetime) -> None:
    """Open, before its deadline, and of a bid still in the running (a rejected bid is asked nothing)."""
    if row.status is ClarificationStatus.ANSWERED:
        raise ClarificationAnswered()
    if bid.review is BidReview.REJECTED:
        raise ClarificationClosed("the bid has been rejected", "该投标已被否决")
    if row.status is not ClarificationStatus.OPEN or now > row.due_at:
        raise ClarificationClosed(
            f"closed ({row.status.value}, due {row.due_at.isoformat()})",
            f"已截止（{row.status.value}，截止时间 {row.due_at.isoformat()}）",
        )


async def _answerable(
    session: AsyncSession, ev: Evaluation, row: EvaluationClarification, accepted: bool | None, now: datetime
) -> EvaluationBid:
    """The bid of ``row``, if its bidder may answer it now with ``accepted`` (条例 52); else the refusal."""
    check("answer_clarification", EvaluationRole.BIDDER, ev.state)
    bid = await _bid(session, ev, row.bid_id)
    _still_open(row, bid, now)
    _check_accepted(row, accepted)
    return bid


async def bidder_clarifications(platform: Platform, caller: Caller) -> list[BidderClarificationView]:
    """The clarifications asked of the caller's organisation, newest first (no committee names)."""
    org = _bidder_org(caller)
    async with platform.sessions() as session:
        rows = await session.execute(
            select(EvaluationClarification, EvaluationBid, Lot, Project)
            .join(
                EvaluationBid,
                (EvaluationBid.evaluation_id == EvaluationClarification.evaluation_id)
                & (EvaluationBid.bid_id == EvaluationClarification.bid_id),
            )
            .join(Evaluation, Evaluation.id == EvaluationClarification.evaluation_id)
            .join(Lot, Lot.id == Evaluation.lot_id)
            .join(Project, Project.id == Lot.project_id)
            .where(EvaluationClarification.organization_id == org)
            .order_by(EvaluationClarification.asked_at.desc(), EvaluationClarification.id)
        )
        return [_bidder_view(row, bid, project, lot) for row, bid, lot, project in rows.all()]


async def answer_statement(
    platform: Platform, caller: Caller, clarification_id: uuid.UUID, data: AnswerStatementInput
) -> dict[str, Any]:
    """The statement the bidder signs to answer (条例 52: in writing): its answer, and for a correction
    whether it accepts the corrected price."""
    now = platform.clock.now()
    async with platform.sessions() as session:
        row = await _own(session, caller, clarification_id)
        ev = await evaluation(session, row.evaluation_id)
        await _answerable(session, ev, row, data.accepted, now)
        text = _statement_text(row, data.answer.strip(), data.accepted)
        return statement(ANSWER_KIND, text, f"clarification:{row.id}", caller, now).to_dict()


async def answer(
    platform: Platform, caller: Caller, clarification_id: uuid.UUID, data: AnswerInput
) -> BidderClarificationView:
    """The bidder's signed answer, by the deadline (read under the evaluation's lock). A correction
    accepted sets the bid's evaluated price; refused, the bid is rejected (规定 19; 87号令 59)."""
    async with platform.sessions() as session, session.begin():
        row = await _own(session, caller, clarification_id)
        ev = await lock(session, row.evaluation_id)
        now = platform.clock.now()
        await session.refresh(row)
        bid = await _answerable(session, ev, row, data.accepted, now)
        obj = f"clarification:{row.id}"
        text = str(data.statement.get("text", ""))
        answer_text = text
        if row.kind is ClarificationKind.CORRECTION:
            assert data.accepted is not None
            suffix = f"\n\n{_acceptance_line(row, data.accepted)}"
            if not text.endswith(suffix):
                raise StatementInvalid(
                    "the statement does not say what `accepted` says", "签署内容与是否接受修正的选择不一致"
                )
            answer_text = text[: -len(suffix)]
        if not answer_text.strip() or len(answer_text) > 5000:
            raise StatementInvalid("the answer must be 1 to 5000 characters", "答复内容须为1至5000字")
        try:
            signed = await verify_statement(
                session, caller, data.statement, data.signature, data.algorithm, kind=ANSWER_KIND, obj=obj, now=now
            )
        except SignatureInvalid as exc:
            raise AnswerSignatureInvalid(exc.detail_en, exc.detail_zh) from None
        except InvalidInput as exc:
            raise StatementInvalid(exc.detail_en, exc.detail_zh) from None
        row.status = ClarificationStatus.ANSWERED
        row.answer = answer_text
        row.accepted = data.accepted
        row.answer_signature = signed
        row.answered_at = now
        row.answered_by = caller.actor_id
        ev.updated_at = now
        audit(
            session,
            caller.actor,
            ev,
            "clarification_answered",
            clarification=str(row.id),
            bid=str(row.bid_id),
            kind=row.kind.value,
            accepted=data.accepted,
            fingerprint=signed["fingerprint"],
        )
        if row.kind is ClarificationKind.CORRECTION:
            correction = row.correction or {}
            if data.accepted:
                before = bid.evaluated_price_fen
                bid.evaluated_price_fen = int(correction["to_fen"])
                audit(
                    session,
                    caller.actor,
                    ev,
                    "price_corrected",
                    bid=str(bid.bid_id),
                    clarification=str(row.id),
                    before_fen=before,
                    announced_fen=bid.price_fen,
                    after_fen=bid.evaluated_price_fen,
                    basis=correction.get("basis"),
                )
            elif bid.review is not BidReview.REJECTED:
                await _reject_for_correction(session, caller.actor, ev, bid, row, now, expired=False)
        project, lot = await project_of(session, ev)
        return _bidder_view(row, bid, project, lot)


# --- the job ------------------------------------------------------------------------------------------


async def expire_clarifications(platform: Platform, now: datetime | None = None) -> dict[str, int]:
    """Close the clarifications still open past their deadline (``expired``, audited), each evaluation
    under its lock; an unconfirmed correction rejects its bid (规定 19; 87号令 59). Idempotent."""
    now = now or platform.clock.now()
    actor = Actor.system("evaluation-clarifications")
    expired = rejected = 0
    async with platform.sessions() as session:
        due: Sequence[uuid.UUID] = (
            await session.scalars(
                select(EvaluationClarification.evaluation_id)
                .where(
                    EvaluationClarification.status == ClarificationStatus.OPEN,
                    EvaluationClarification.due_at < now,
                )
                .distinct()
            )
        ).all()
    for evaluation_id in due:
        async with platform.sessions() as session, session.begin():
            ev = await lock(session, evaluation_id)
            rows = await session.scalars(
                select(EvaluationClarification)
                .where(
                    EvaluationClarification.evaluation_id == ev.id,
                    EvaluationClarification.status == ClarificationStatus.OPEN,
                    EvaluationClarification.due_at < now,
                )
                .order_by(EvaluationClarification.asked_at, EvaluationClarification.id)
                .execution_options(populate_existing=True)
            )
            for row in rows.all():
                if row.status is not ClarificationStatus.OPEN:  # withdrawn by a rejection just above
                    continue
                row.status = ClarificationStatus.EXPIRED
                ev.updated_at = now
                expired += 1
                audit(
                    session,
                    actor,
                    ev,
                    "clarification_expired",
                    clarification=str(row.id),
                    bid=str(row.bid_id),
                    kind=row.kind.value,
                    due_at=row.due_at.isoformat(),
                )
                if row.kind is ClarificationKind.CORRECTION:
                    bid = await _bid(session, ev, row.bid_id)
                    if bid.review is not BidReview.REJECTED:
                        await _reject_for_correction(session, actor, ev, bid, row, now, expired=True)
                        rejected += 1
    return {"clarifications_expired": expired, "bids_rejected_for_correction": rejected}
