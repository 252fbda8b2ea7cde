"""The committee convenes (issue 20 "Committee sign-in"; ``docs/evaluation.md`` §The committee): on the
day, each drawn expert signs in with their certificate for a lot whose opening has closed, signs the
recusal declaration (承诺书), and the committee elects its chair. A member who declares a conflict is
recused and the next backup of their specialty is invited (条例 46; 规定 12); their work stops counting.

The evaluation of a lot is created by the first member who signs in for it: the criteria frozen at
the deadline are copied, every accepted seat of the draw becomes a member (``seated``), and every bid
decrypted at the opening comes under review (the others were 视为撤销/撤回 there, 办法 31).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Final

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.core.auth.caller import Caller
from bidding.core.errors import Conflict, InvalidInput, NotFound
from bidding.core.fields import Body
from bidding.evaluation import statements, supervise
from bidding.evaluation.access import MemberSeat, bids_of, check, member_gate, project_of, seat_of, sitting
from bidding.evaluation.lifecycle import audit, set_state
from bidding.evaluation.models import (
    Evaluation,
    EvaluationBid,
    EvaluationMember,
    LotCriteria,
)
from bidding.evaluation.states import BidReview, EvaluationRole, EvaluationState, MemberStatus
from bidding.experts import draws
from bidding.experts.draw_models import DrawLot, DrawSeat, ExpertDraw
from bidding.experts.draw_states import DrawStatus, SeatStatus
from bidding.experts.invitations import session_queue, vacancy
from bidding.experts.models import Expert
from bidding.experts.rounds import lock_draw, open_expert, sealed_list, set_status
from bidding.identity.models import Organization
from bidding.messaging.service import QueuedMessage, dispatch
from opening_room import record as opening_record
from opening_room.states import BidOpeningStatus, State
from opening_room.tables import BidOpening, OpeningSession

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "ChairVoteInput",
    "DeclarationInput",
    "DeclarationStatementInput",
    "EnterInput",
    "RoomView",
    "declaration_statement",
    "declare",
    "enter",
    "room",
    "vote_chair",
]

NO_CONFLICT: Final = "evaluation.no_conflict"
CONFLICT: Final = "evaluation.conflict"

ConflictText = Annotated[str, msgspec.Meta(min_length=4, max_length=2000)]
Signature = Annotated[str, msgspec.Meta(min_length=16, max_length=4096)]
Algorithm = Annotated[str, msgspec.Meta(min_length=3, max_length=32)]


class OpeningNotClosed(Conflict):
    code = "opening_not_closed"
    message_zh = "该标段开标尚未结束，不能开始评标"
    message_en = "The lot's opening has not closed: the evaluation cannot start"


class CriteriaMissing(Conflict):
    code = "criteria_missing"
    message_zh = "该标段没有评标办法（评审因素），不能开始评标"
    message_en = "The lot has no evaluation criteria: the evaluation cannot start"


class LotNotAssigned(NotFound):
    code = "lot_not_assigned"
    message_zh = "您今天的评标任务不含该标段"
    message_en = "Your assignment today does not include this lot"


class EnterInput(Body, frozen=True, kw_only=True):
    seat_id: uuid.UUID
    lot_id: uuid.UUID


class DeclarationStatementInput(Body, frozen=True, kw_only=True):
    #: True: the member declares a conflict (申请回避) in ``text``; False: the standard commitment.
    conflict: bool
    text: ConflictText | None = None


class DeclarationInput(Body, frozen=True, kw_only=True):
    statement: dict[str, Any]
    signature: Signature
    algorithm: Algorithm


class ChairVoteInput(Body, frozen=True, kw_only=True):
    member_id: uuid.UUID


@dataclass(frozen=True)
class MeView:
    member_id: uuid.UUID
    name: str
    status: str
    is_chair: bool
    chair_vote: uuid.UUID | None
    declared_at: datetime | None
    judgements_submitted_at: datetime | None
    sheet_submitted_at: datetime | None


@dataclass(frozen=True)
class MemberItem:
    id: uuid.UUID
    name: str
    specialty: str
    status: str
    is_chair: bool
    declared: bool
    votes: int
    judgements_submitted: bool
    sheet_submitted: bool
    replaces: uuid.UUID | None


@dataclass(frozen=True)
class BidItem:
    bid_id: uuid.UUID
    order_no: int
    bidder_name: str
    price_fen: int | None
    evaluated_price_fen: int | None
    review: str
    rejection: dict[str, Any] | None
    low_price: dict[str, Any] | None


@dataclass(frozen=True)
class RemarkItem:
    author: str
    text: str
    at: datetime


@dataclass(frozen=True)
class RoomView:
    """What a member sees of their evaluation (GET /api/evaluations/{id})."""

    id: uuid.UUID
    state: str
    project_code: str
    project_name: str
    lot_id: uuid.UUID
    lot_code: str
    lot_name: str
    size: int
    criteria: dict[str, Any]
    criteria_sha256: str
    opening_record_sha256: str | None
    chair_id: uuid.UUID | None
    me: MeView
    members: list[MemberItem]
    bids: list[BidItem]
    remarks: list[RemarkItem]


# ----------------------------------------------------------------------------- reading


async def _members(session: AsyncSession, ev: Evaluation) -> list[EvaluationMember]:
    return list(
        (
            await session.scalars(
                select(EvaluationMember)
                .where(EvaluationMember.evaluation_id == ev.id)
                .order_by(EvaluationMember.specialty, EvaluationMember.signed_in_at.is_(None), EvaluationMember.id)
            )
        ).all()
    )


async def remarks(session: AsyncSession, evaluation_id: uuid.UUID) -> list[RemarkItem]:
    """The supervisor's remarks as the committee sees them (:func:`supervise.remarks`, without their ids)."""
    return [RemarkItem(r.author, r.text, r.at) for r in await supervise.remarks(session, evaluation_id)]


def _tally(members: list[EvaluationMember]) -> dict[uuid.UUID, int]:
    """Votes for chair per candidate, counting sitting members only (a recused member's vote is void)."""
    return dict(Counter(m.chair_vote for m in members if m.status is MemberStatus.SITTING and m.chair_vote))


async def _view(session: AsyncSession, seat: MemberSeat) -> RoomView:
    ev, me = seat.evaluation, seat.member
    project, lot = await project_of(session, ev)
    members = await _members(session, ev)
    votes = _tally(members)
    return RoomView(
        id=ev.id,
        state=ev.state.value,
        project_code=project.code,
        project_name=project.name,
        lot_id=lot.id,
        lot_code=lot.code,
        lot_name=lot.name,
        size=ev.size,
        criteria=ev.criteria,
        criteria_sha256=ev.criteria_sha256,
        opening_record_sha256=ev.opening_record_sha256,
        chair_id=ev.chair_id,
        me=MeView(
            me.id,
            me.name,
            me.status.value,
            ev.chair_id == me.id,
            me.chair_vote,
            me.declared_at,
            me.judgements_submitted_at,
            me.sheet_submitted_at,
        ),
        members=[
            MemberItem(
                m.id,
                m.name,
                m.specialty,
                m.status.value,
                ev.chair_id == m.id,
                m.declared_at is not None,
                votes.get(m.id, 0),
                m.judgements_submitted_at is not None,
                m.sheet_submitted_at is not None,
                m.replaces_id,
            )
            for m in members
        ],
        bids=[
            BidItem(
                b.bid_id,
                b.order_no,
                b.bidder_name,
                b.price_fen,
                b.evaluated_price_fen,
                b.review.value,
                b.rejection,
                b.low_price,
            )
            for b in await bids_of(session, ev)
        ],
        remarks=await remarks(session, ev.id),
    )


async def room(platform: Platform, caller: Caller, evaluation_id: uuid.UUID) -> RoomView:
    """``GET /api/evaluations/{id}``: the room as the calling member sees it (signed in or sitting;
    the names of the committee were revealed to them at sign-in, ``draws.sign_in``)."""
    async with platform.sessions() as session:
        seat = await member_gate(session, platform, caller, evaluation_id, "view_room")
        return await _view(session, seat)


# ----------------------------------------------------------------------------- entering


async def _create(session: AsyncSession, lot_id: uuid.UUID, draw: ExpertDraw, now: datetime) -> Evaluation:
    criteria = await session.get(LotCriteria, lot_id)
    if criteria is None:
        raise CriteriaMissing()
    opening = await session.get(OpeningSession, lot_id)
    ev = Evaluation(
        lot_id=lot_id,
        draw_id=draw.id,
        state=EvaluationState.CONVENING,
        criteria=criteria.criteria,
        criteria_sha256=criteria.sha256,
        opening_record_sha256=opening_record.digest(opening.record_json) if opening and opening.record_json else None,
        size=draw.size,
        opened_at=now,
        state_at=now,
        updated_at=now,
    )
    session.add(ev)
    await session.flush()
    rows = await session.execute(
        select(BidOpening, Organization.name)
        .join(Organization, Organization.id == BidOpening.organization_id)
        .where(BidOpening.lot_id == lot_id, BidOpening.status == BidOpeningStatus.DECRYPTED)
        .order_by(BidOpening.order_no)
    )
    for opening_row, org_name in rows.all():
        session.add(
            EvaluationBid(
                evaluation_id=ev.id,
                bid_id=opening_row.bid_id,
                organization_id=opening_row.organization_id,
                order_no=opening_row.order_no,
                bidder_name=org_name,
                price_fen=opening_row.price_fen,
                evaluated_price_fen=opening_row.price_fen,
                review=BidReview.IN_REVIEW,
            )
        )
    await session.flush()
    return ev


async def _evaluation_for(session: AsyncSession, lot_id: uuid.UUID, draw: ExpertDraw, now: datetime) -> Evaluation:
    found = await session.scalar(select(Evaluation).where(Evaluation.lot_id == lot_id))
    if found is not None:
        return found
    try:
        async with session.begin_nested():
            return await _create(session, lot_id, draw, now)
    except IntegrityError:  # another member entered at the same moment: theirs stands
        found = await session.scalar(select(Evaluation).where(Evaluation.lot_id == lot_id))
        assert found is not None
        return found


async def _sync_members(session: AsyncSession, platform: Platform, ev: Evaluation) -> None:
    """A member row for every accepted seat of the draw (a backup who accepted after a recusal takes
    the recused member's place: ``replaces``)."""
    known = {m.seat_id: m for m in await _members(session, ev)}
    seats = (
        await session.scalars(
            select(DrawSeat).where(DrawSeat.draw_id == ev.draw_id, DrawSeat.status == SeatStatus.ACCEPTED)
        )
    ).all()
    sealed = sealed_list(platform)
    for seat in seats:
        if seat.id in known:
            continue
        expert = await session.get(Expert, open_expert(sealed, seat))
        assert expert is not None
        replaced = next(
            (
                m
                for m in known.values()
                if m.status is MemberStatus.RECUSED
                and m.specialty == seat.specialty
                and not any(o.replaces_id == m.id for o in known.values())
            ),
            None,
        )
        member = EvaluationMember(
            evaluation_id=ev.id,
            seat_id=seat.id,
            expert_id=expert.id,
            name=expert.name,
            specialty=seat.specialty,
            status=MemberStatus.SEATED,
            replaces_id=replaced.id if replaced else None,
        )
        session.add(member)
        known[seat.id] = member
    await session.flush()


async def enter(platform: Platform, caller: Caller, data: EnterInput) -> RoomView:
    """``POST /api/evaluations/enter``: the expert signs in for one lot of their assignment today
    (:func:`bidding.experts.draws.sign_in` checks the day and the accepted seat, and reveals the
    committee's names to them, audited). The lot's opening must be closed and its criteria set."""
    assignment = await draws.sign_in(platform, caller, data.seat_id)
    if data.lot_id not in {lot.id for lot in assignment.lots}:
        raise LotNotAssigned()
    now = platform.clock.now()
    async with platform.sessions() as session, session.begin():
        opening = await session.get(OpeningSession, data.lot_id)
        if opening is None or opening.state is not State.CLOSED:
            raise OpeningNotClosed(details=[{"state": opening.state.value if opening else None}])
        draw = await session.get(ExpertDraw, assignment.draw_id)
        assert draw is not None
        lot_link = await session.get(DrawLot, (draw.id, data.lot_id))
        if lot_link is None:
            raise LotNotAssigned()
        ev = await _evaluation_for(session, data.lot_id, draw, now)
        await _sync_members(session, platform, ev)
        member = await session.scalar(
            select(EvaluationMember).where(
                EvaluationMember.evaluation_id == ev.id, EvaluationMember.seat_id == data.seat_id
            )
        )
        if member is None or member.status is MemberStatus.RECUSED:
            raise LotNotAssigned("your seat is not on this committee (recused)", "您已回避，不在该评标委员会")
        if member.status is MemberStatus.SEATED:
            member.status = MemberStatus.SIGNED_IN
            member.signed_in_at = now
            audit(session, caller.actor, ev, "signed_in", member=str(member.id), seat=str(data.seat_id))
        seat = await member_gate(session, platform, caller, ev.id, "view_room")
        return await _view(session, seat)


# ----------------------------------------------------------------------------- declaring


def _commitment(bidders: list[str], lot_code: str) -> str:
    return (
        f"本人承诺：与本标段（{lot_code}）投标人{'、'.join(bidders)}不存在利害关系，"
        "不存在《招标投标法实施条例》第四十六条及《评标委员会和评标方法暂行规定》第十二条规定的应当回避的情形；"
        "客观公正地履行职责，遵守职业道德，对评审意见承担个人责任，不透露评审情况。"
    )


async def _statement_text(session: AsyncSession, seat: MemberSeat, data: DeclarationStatementInput) -> tuple[str, str]:
    if data.conflict:
        if not data.text or not data.text.strip():
            raise InvalidInput("say what the conflict is (`text`)", "请填写利害关系情况（text）")
        return CONFLICT, f"本人申请回避。利害关系情况：{data.text.strip()}"
    _, lot = await project_of(session, seat.evaluation)
    bidders = [b.bidder_name for b in await bids_of(session, seat.evaluation)]
    return NO_CONFLICT, _commitment(bidders, lot.code)


async def declaration_statement(
    platform: Platform, caller: Caller, evaluation_id: uuid.UUID, data: DeclarationStatementInput
) -> dict[str, Any]:
    """The declaration to sign: the standard commitment naming the lot's bidders, or the conflict in
    the member's words (the client signs :func:`bidding.evaluation.statements.canonical` of it)."""
    async with platform.sessions() as session:
        seat = await seat_of(session, platform, caller, evaluation_id)
        check(_declaring(seat, conflict=data.conflict), seat.role, seat.evaluation.state)
        kind, text = await _statement_text(session, seat, data)
        return statements.statement(kind, text, f"evaluation:{evaluation_id}", caller, platform.clock.now()).to_dict()


def _declaring(seat: MemberSeat, *, conflict: bool) -> str:
    """The command a declaration is: a member signed in declares (either way); a sitting member may
    still declare a conflict found later (``recuse``), never a second commitment."""
    if seat.role is EvaluationRole.DECLARANT:
        return "declare"
    if not conflict:
        raise Conflict("you have already declared", "您已签署承诺书")
    return "recuse"


async def declare(platform: Platform, caller: Caller, evaluation_id: uuid.UUID, data: DeclarationInput) -> RoomView:
    """``POST /api/evaluations/{id}/declaration``: the signed declaration. No conflict: the member sits
    (and the committee may convene). A conflict — at sign-in or found later — recuses the member."""
    now = platform.clock.now()
    kind = str(data.statement.get("kind", ""))
    if kind not in (NO_CONFLICT, CONFLICT):
        raise InvalidInput(f"the statement's kind must be {NO_CONFLICT} or {CONFLICT}", "待签内容类型有误")
    queued: list[QueuedMessage] = []
    async with platform.sessions() as session, session.begin():
        seat = await seat_of(session, platform, caller, evaluation_id, for_update=True)
        check(_declaring(seat, conflict=kind == CONFLICT), seat.role, seat.evaluation.state)
        ev, member = seat.evaluation, seat.member
        expected = None
        if kind == NO_CONFLICT:
            _, expected = await _statement_text(session, seat, DeclarationStatementInput(conflict=False))
        kept = await statements.verify_statement(
            session,
            caller,
            data.statement,
            data.signature,
            data.algorithm,
            kind=kind,
            obj=f"evaluation:{ev.id}",
            now=now,
            text=expected,
        )
        member.declaration, member.declared_at = kept, now
        if kind == NO_CONFLICT:
            member.status = MemberStatus.SITTING
            audit(session, caller.actor, ev, "declared", member=str(member.id))
            await _convene_if_ready(session, caller, ev, now)
        else:
            await _recuse(session, platform, caller, ev, member, now, queued)
        await session.flush()
        view = await _view(session, seat)
    await dispatch(platform, queued)
    return view


async def _recuse(
    session: AsyncSession,
    platform: Platform,
    caller: Caller,
    ev: Evaluation,
    member: EvaluationMember,
    now: datetime,
    queued: list[QueuedMessage],
) -> None:
    """Recuse ``member`` (条例 46; 规定 12): their work stops counting, the chair's office is vacated
    if theirs, the committee is incomplete again, and the next backup of their specialty is invited."""
    member.status = MemberStatus.RECUSED
    member.conflict = str((member.declaration or {}).get("statement", {}).get("text", ""))
    member.chair_vote = None
    if ev.chair_id == member.id:
        ev.chair_id = None
        for other in await sitting(session, ev.id):
            other.chair_vote = None
    else:
        for other in await sitting(session, ev.id):
            if other.chair_vote == member.id:
                other.chair_vote = None
    audit(session, caller.actor, ev, "recused", member=str(member.id), specialty=member.specialty)
    if ev.state in (EvaluationState.PRELIMINARY, EvaluationState.DETAILED):
        set_state(session, caller.actor, ev, EvaluationState.CONVENING, now, reason="recusal", member=str(member.id))
    draw = await lock_draw(session, ev.draw_id)
    seat = await session.get(DrawSeat, member.seat_id)
    assert seat is not None
    seat.status = SeatStatus.RECUSED
    seat.updated_at = now
    if draw.status is DrawStatus.COMPLETE:
        set_status(draw, DrawStatus.INVITING, now)
    if draw.status in (DrawStatus.INVITING, DrawStatus.SHORT):
        await vacancy(
            session,
            platform,
            draw,
            seat.specialty,
            queue=session_queue(session, platform, caller.actor, now, queued),
            actor=caller.actor,
            now=now,
        )


async def _convene_if_ready(session: AsyncSession, caller: Caller, ev: Evaluation, now: datetime) -> None:
    """Convening → preliminary once the committee is full (size members sitting) and has a chair."""
    if ev.state is not EvaluationState.CONVENING or ev.chair_id is None:
        return
    members = await sitting(session, ev.id)
    if len(members) >= ev.size and any(m.id == ev.chair_id for m in members):
        set_state(session, caller.actor, ev, EvaluationState.PRELIMINARY, now, reason="committee_complete")


# ----------------------------------------------------------------------------- the chair


async def vote_chair(platform: Platform, caller: Caller, evaluation_id: uuid.UUID, data: ChairVoteInput) -> RoomView:
    """``POST /api/evaluations/{id}/chair-votes``: a sitting member votes for a sitting member (the
    committee elects its chair, 规定 9: 评标委员会负责人由评标委员会成员推举产生). Once the committee is
    full and everyone has voted, the member with more than half the votes is chair; without such a
    majority the votes are cleared for another round (audited)."""
    now = platform.clock.now()
    async with platform.sessions() as session, session.begin():
        seat = await member_gate(session, platform, caller, evaluation_id, "vote_chair", for_update=True)
        ev = seat.evaluation
        members = await sitting(session, ev.id)
        if data.member_id not in {m.id for m in members}:
            raise InvalidInput("vote for a sitting member of this committee", "请推举本评标委员会的在席成员")
        seat.member.chair_vote = data.member_id
        audit(session, caller.actor, ev, "chair_vote", member=str(seat.member.id), for_member=str(data.member_id))
        await session.flush()
        if ev.chair_id is None and len(members) >= ev.size and all(m.chair_vote for m in members):
            tally = _tally(members)
            winner, votes = max(tally.items(), key=lambda kv: kv[1])
            if votes * 2 > len(members):
                ev.chair_id = winner
                audit(session, caller.actor, ev, "chair_elected", chair=str(winner), votes=votes)
                await _convene_if_ready(session, caller, ev, now)
            else:
                for m in members:
                    m.chair_vote = None
                audit(session, caller.actor, ev, "chair_vote_tied", tally={str(k): v for k, v in tally.items()})
        await session.flush()
        return await _view(session, seat)
