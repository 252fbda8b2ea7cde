"""The draw service's use cases (issue 19; ``docs/expert-draws.md``): the agent or the tenderer asks
for a committee, the platform draws it verifiably at the draw time (or at once when the agent asks
and the rules allow), the invitations follow (:mod:`bidding.experts.invitations`), the supervisor
watches and finalises, the public checks, and the names stay sealed until the rules open them
(:func:`bidding.experts.sealed.may_reveal`).

Who sees what (RULES b5, b8; issue 19 "Sealed list"):

=============  =====================================================================================
who            sees
=============  =====================================================================================
requester      the project's agent or tenderer: its request and counts only (seated 5/5, declined 1,
               pending 0), never a name or an id (:func:`progress`)
supervisor     the request, every round's commitments and sealed record, the exclusions with their
               reasons, the seats by pseudonym and status, the verification (:func:`supervise`)
public         the commitments and public inputs; once final, ``DRAW.json`` (:func:`public_view`)
an expert      their own invitations; their evaluations on the day (:func:`my_evaluations`)
names          :func:`committee` by :func:`bidding.experts.sealed.may_reveal`, each reveal audited
=============  =====================================================================================

Government procurement: projects carry no such flag yet, so the request says so
(``government_procurement``, ``complex_or_high_impact``); the budget is the lots' estimated prices.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Final

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.clock import china_day
from bidding.core.errors import Conflict, Forbidden, InvalidInput
from bidding.core.fields import LINE_PATTERN, Body, Moment
from bidding.core.roles import Role
from bidding.experts.committee import CommitteeRequest, check_draw_time, validate_committee
from bidding.experts.draw import DrawRecord, verify
from bidding.experts.draw_models import DrawExclusion, DrawLot, DrawRound, DrawSeat, ExpertDraw
from bidding.experts.draw_states import DRAW_FINAL, DrawStatus, SeatKind, SeatStatus
from bidding.experts.invitations import InvitationNotFound, invite, missing_seats, session_queue, top_up
from bidding.experts.models import Expert
from bidding.experts.pool import expert_of
from bidding.experts.rounds import (
    DrawNotFound,
    draw_lots,
    first_round,
    lock_draw,
    open_expert,
    sealed_list,
    set_status,
)
from bidding.experts.sealed import Audience, RevealFacts, may_reveal
from bidding.experts.specialties import tree
from bidding.messaging.service import QueuedMessage, dispatch
from bidding.submission.models import Bid
from bidding.submission.states import BidStatus
from bidding.tendering.models import Lot, Project

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "REQUESTERS",
    "CommitteeSealed",
    "CommitteeView",
    "DrawRequestInput",
    "EvaluationView",
    "ProgressView",
    "PublicDrawView",
    "SupervisionView",
    "cancel",
    "committee",
    "draw_due",
    "draw_now",
    "draw_record",
    "finalise",
    "my_evaluations",
    "progress",
    "public_record",
    "public_view",
    "request_draw",
    "requester_top_up",
    "run_draw",
    "sign_in",
    "supervise",
]

REQUESTERS: Final = (Role.AGENT, Role.TENDERER)
SpecialtyKey = Annotated[str, msgspec.Meta(min_length=1, max_length=8, pattern=r"^[A-Z][0-9]{0,6}$")]
Count = Annotated[int, msgspec.Meta(ge=0, le=99)]
RegionCode = Annotated[str, msgspec.Meta(min_length=2, max_length=6, pattern=r"^[0-9]{2,6}$")]
Place = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=LINE_PATTERN)]


class DrawRefused(Conflict):
    code = "expert_draw_refused"
    message_zh = "不能进行该专家抽取操作"
    message_en = "This draw cannot do that now"


class DrawRequestInvalid(InvalidInput):
    code = "expert_draw_invalid"
    status = 422
    message_zh = "专家抽取申请有误"
    message_en = "The draw request is not valid"


class CommitteeSealed(Forbidden):
    """The committee's names are sealed for this caller now (the rule's code in ``details``)."""

    code = "committee_sealed"
    message_zh = "评标委员会名单尚未解密，您无权查看"
    message_en = "The committee's names are sealed for you now"


class DrawRequestInput(Body, frozen=True, kw_only=True):
    """A committee for one or more lots of a project (法 37, 规定 9; 87号令 47)."""

    project_id: uuid.UUID
    lot_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=20)]
    evaluation_at: Moment
    evaluation_end: Moment | None = None
    place: Place | None = None
    remote: bool = False
    size: Count
    #: The tenderer's own representatives (appointed, not drawn): at most a third.
    representatives: Count = 0
    seats: Annotated[dict[SpecialtyKey, Count], msgspec.Meta(max_length=25)]
    backups: Annotated[dict[SpecialtyKey, Count], msgspec.Meta(max_length=25)] = msgspec.field(default_factory=dict)
    #: Projects carry no government-procurement flag yet: the request says so.
    government_procurement: bool = False
    complex_or_high_impact: bool = False
    regions_included: Annotated[list[RegionCode], msgspec.Meta(max_length=50)] = msgspec.field(default_factory=list)
    regions_excluded: Annotated[list[RegionCode], msgspec.Meta(max_length=50)] = msgspec.field(default_factory=list)


@dataclass(frozen=True)
class SpecialtyCounts:
    specialty: str
    seats: int
    accepted: int
    pending: int
    declined: int
    timed_out: int
    backups_left: int


@dataclass(frozen=True)
class ProgressView:
    """A draw as the requester sees it: counts only, never who."""

    id: uuid.UUID
    project_id: uuid.UUID
    lot_ids: list[uuid.UUID]
    status: str
    evaluation_at: datetime
    evaluation_end: datetime | None
    place: str | None
    remote: bool
    size: int
    representatives: int
    experts: int
    draw_at: datetime
    requested_at: datetime
    #: Accepted seats out of the experts needed ("seated 5/5").
    seated: int
    pending: int
    declined: int
    timed_out: int
    rounds: int
    specialties: list[SpecialtyCounts]
    shortfall: list[dict[str, Any]] | None
    finalised_at: datetime | None


@dataclass(frozen=True)
class CheckView:
    name: str
    status: str
    #: What was computed (after the result is final only: before, it would show the seed).
    detail: str | None


@dataclass(frozen=True)
class RoundView:
    number: int
    round_id: uuid.UUID
    committed_at: datetime
    pool_commitment: str
    server_seed_commitment: str
    eligible: dict[str, int]
    drawn_at: datetime | None
    public_inputs: dict[str, str] | None
    #: The RFC 3161 token over the commitment (base64 DER).
    timestamp_token: str | None
    #: ``DRAW.json`` as published so far: the sealed form until final, then the full record.
    record: dict[str, Any]
    final: bool


@dataclass(frozen=True)
class ExclusionView:
    round: int
    expert_id: uuid.UUID
    registry_no: str
    reasons: list[str]


@dataclass(frozen=True)
class SeatView:
    round: int
    specialty: str
    kind: str
    position: int
    pseudonym: str
    status: str
    invited_at: datetime | None
    answered_at: datetime | None
    answered_via: str | None


@dataclass(frozen=True)
class SupervisionView:
    progress: ProgressView
    requested_by: str
    regions_included: list[str]
    regions_excluded: list[str]
    seats_requested: dict[str, int]
    backups_requested: dict[str, int]
    government_procurement: bool
    complex_or_high_impact: bool
    budget_fen: int | None
    rounds: list[RoundView]
    exclusions: list[ExclusionView]
    seats: list[SeatView]
    #: Every round's record re-run by the platform's verifier (details once final).
    verification: list[list[CheckView]]
    verified: bool


@dataclass(frozen=True)
class PublicRoundView:
    number: int
    round_id: uuid.UUID
    committed_at: datetime
    pool_commitment: str
    server_seed_commitment: str
    drawn_at: datetime | None
    public_inputs: dict[str, str] | None
    timestamp_token: str | None
    #: Where ``DRAW.json`` is, once the result is final.
    record_url: str | None


@dataclass(frozen=True)
class PublicDrawView:
    id: uuid.UUID
    status: str
    final: bool
    rounds: list[PublicRoundView]


@dataclass(frozen=True)
class MemberView:
    name: str
    specialty: str
    employer: str
    registry_no: str


@dataclass(frozen=True)
class CommitteeView:
    draw_id: uuid.UUID
    audience: str
    members: list[MemberView]


@dataclass(frozen=True)
class LotItem:
    id: uuid.UUID
    code: str
    name: str


@dataclass(frozen=True)
class EvaluationView:
    """An accepted assignment on its day: now the expert learns the project."""

    seat_id: uuid.UUID
    draw_id: uuid.UUID
    project_code: str
    project_name: str
    lots: list[LotItem]
    specialty: str
    evaluation_at: datetime
    evaluation_end: datetime | None
    place: str | None
    remote: bool
    signed_in_at: datetime | None
    #: The committee's names, once signed in (sealed before).
    committee: list[MemberView] | None


# ----------------------------------------------------------------------------- helpers


def _lead(platform: Platform) -> timedelta:
    return timedelta(hours=platform.settings.expert_draw_lead_hours)


def _threshold_fen(platform: Platform) -> int:
    return platform.settings.expert_seven_threshold_yuan * 100


async def _draw(session: AsyncSession, draw_id: uuid.UUID) -> ExpertDraw:
    found = await session.get(ExpertDraw, draw_id)
    if found is None:
        raise DrawNotFound()
    return found


async def _project_of_requester(session: AsyncSession, caller: Caller, project_id: uuid.UUID) -> Project:
    """The project, if the caller is its agent or tenderer (404 otherwise: others learn nothing)."""
    if not caller.has(*REQUESTERS):
        raise Forbidden("the project's agent or tenderer asks for a committee", "仅项目的招标代理或招标人可申请抽取")
    org = caller.organisation()
    project = await session.get(Project, project_id)
    if project is None or org not in (project.agent_id, project.tenderer_id):
        raise DrawNotFound("no such project of yours", "没有您的该项目")
    return project


async def _requester_draw(session: AsyncSession, caller: Caller, draw_id: uuid.UUID) -> ExpertDraw:
    draw = await _draw(session, draw_id)
    await _project_of_requester(session, caller, draw.project_id)
    return draw


async def _progress(session: AsyncSession, draw: ExpertDraw) -> ProgressView:
    rows = (
        await session.execute(
            select(DrawSeat.specialty, DrawSeat.status, func.count())
            .where(DrawSeat.draw_id == draw.id)
            .group_by(DrawSeat.specialty, DrawSeat.status)
        )
    ).all()
    by: dict[tuple[str, SeatStatus], int] = {(code, status): int(n) for code, status, n in rows}
    specialties = [
        SpecialtyCounts(
            specialty=code,
            seats=int(n),
            accepted=by.get((code, SeatStatus.ACCEPTED), 0),
            pending=by.get((code, SeatStatus.INVITED), 0),
            declined=by.get((code, SeatStatus.DECLINED), 0),
            timed_out=by.get((code, SeatStatus.TIMED_OUT), 0),
            backups_left=by.get((code, SeatStatus.RESERVE), 0),
        )
        for code, n in sorted(draw.seats.items())
    ]
    lots = (await session.scalars(select(DrawLot.lot_id).where(DrawLot.draw_id == draw.id))).all()
    rounds = await session.scalar(select(func.count()).where(DrawRound.draw_id == draw.id))
    return ProgressView(
        id=draw.id,
        project_id=draw.project_id,
        lot_ids=sorted(lots),
        status=draw.status.value,
        evaluation_at=draw.evaluation_at,
        evaluation_end=draw.evaluation_end,
        place=draw.place,
        remote=draw.remote,
        size=draw.size,
        representatives=draw.representatives,
        experts=draw.size - draw.representatives,
        draw_at=draw.draw_at,
        requested_at=draw.requested_at,
        seated=sum(s.accepted for s in specialties),
        pending=sum(s.pending for s in specialties),
        declined=sum(s.declined for s in specialties),
        timed_out=sum(s.timed_out for s in specialties),
        rounds=int(rounds or 0),
        specialties=specialties,
        shortfall=draw.shortfall,
        finalised_at=draw.finalised_at,
    )


# ----------------------------------------------------------------------------- the requester


async def request_draw(platform: Platform, caller: Caller, data: DrawRequestInput) -> ProgressView:
    """Ask for a committee (法 37, 规定 9, 87号令 47; 198号 §14/17 for the time): checked at once, drawn
    at ``evaluation_at − BIDDING_EXPERT_DRAW_LEAD_HOURS`` or later, once every lot is extracted and
    its opening record made."""
    now = platform.clock.now()
    problems = []
    if not data.remote and data.place is None:
        problems.append({"field": "place", "reason": "place_missing", "message_en": "a place, or remote"})
    if data.evaluation_end is not None and data.evaluation_end < data.evaluation_at:
        problems.append(
            {"field": "evaluation_end", "reason": "end_before_start", "message_en": "ends before it starts"}
        )
    specialties = tree()
    unknown = sorted(code for code in {*data.seats, *data.backups} if code not in specialties)
    if unknown:
        problems.append(
            {
                "field": "seats",
                "reason": "specialty_unknown",
                "message_en": f"unknown specialties: {', '.join(unknown)}",
            }
        )
    if problems:
        raise DrawRequestInvalid("; ".join(str(p["message_en"]) for p in problems), details=problems)
    if len(set(data.lot_ids)) != len(data.lot_ids):
        raise DrawRequestInvalid("a lot is named twice", "标段重复", details=[{"field": "lot_ids"}])
    async with platform.sessions() as session, session.begin():
        project = await _project_of_requester(session, caller, data.project_id)
        lots = (await session.scalars(select(Lot).where(Lot.id.in_(data.lot_ids)))).all()
        if len(lots) != len(data.lot_ids) or any(lot.project_id != project.id for lot in lots):
            raise DrawRequestInvalid(
                "every lot must be a lot of the project", "标段须属于该项目", details=[{"field": "lot_ids"}]
            )
        budget = sum(lot.estimated_price_fen for lot in lots)
        validate_committee(
            CommitteeRequest(
                size=data.size,
                representatives=data.representatives,
                seats=data.seats,
                backups=data.backups,
                government_procurement=data.government_procurement,
                budget_fen=budget,
                complex_or_high_impact=data.complex_or_high_impact,
                min_size_7_threshold_fen=_threshold_fen(platform),
            )
        )
        if data.evaluation_at <= now:
            raise DrawRefused("the evaluation must be in the future", "评标时间须晚于当前时间")
        taken = await session.scalar(
            select(DrawLot.lot_id)
            .join(ExpertDraw, ExpertDraw.id == DrawLot.draw_id)
            .where(
                DrawLot.lot_id.in_(data.lot_ids),
                ExpertDraw.status.not_in([DrawStatus.CANCELLED, DrawStatus.FAILED]),
            )
            .limit(1)
        )
        if taken is not None:
            raise DrawRefused(
                f"lot {taken} has a draw already", f"标段 {taken} 已有专家抽取", details=[{"lot_id": str(taken)}]
            )
        draw = ExpertDraw(
            id=uuid.uuid4(),
            project_id=project.id,
            requested_by_org=caller.organisation(),
            requested_by=caller.actor_id,
            requested_at=now,
            evaluation_at=data.evaluation_at,
            evaluation_end=data.evaluation_end,
            place=data.place,
            remote=data.remote,
            size=data.size,
            representatives=data.representatives,
            seats=dict(sorted(data.seats.items())),
            backups={k: v for k, v in sorted(data.backups.items()) if v},
            government_procurement=data.government_procurement,
            complex_or_high_impact=data.complex_or_high_impact,
            budget_fen=budget,
            regions_included=sorted(set(data.regions_included)),
            regions_excluded=sorted(set(data.regions_excluded)),
            draw_at=data.evaluation_at - _lead(platform),
            status=DrawStatus.REQUESTED,
            updated_at=now,
        )
        session.add(draw)
        await session.flush()
        for lot in lots:
            session.add(DrawLot(draw_id=draw.id, lot_id=lot.id))
        record(
            session,
            caller.actor,
            "expert_draw.requested",
            object_type="expert_draw",
            object_id=str(draw.id),
            details={
                "project": str(project.id),
                "lots": sorted(str(lot.id) for lot in lots),
                "evaluation_at": data.evaluation_at.isoformat(),
                "size": data.size,
                "representatives": data.representatives,
                "seats": draw.seats,
                "backups": draw.backups,
                "government_procurement": data.government_procurement,
                "regions_included": draw.regions_included,
                "regions_excluded": draw.regions_excluded,
                "draw_at": draw.draw_at.isoformat(),
            },
        )
        await session.flush()
        return await _progress(session, draw)


async def progress(platform: Platform, caller: Caller, draw_id: uuid.UUID) -> ProgressView:
    """Counts only (the requester; the supervisor too)."""
    async with platform.sessions() as session:
        if caller.has(Role.SUPERVISOR):
            return await _progress(session, await _draw(session, draw_id))
        return await _progress(session, await _requester_draw(session, caller, draw_id))


async def list_draws(platform: Platform, caller: Caller, project_id: uuid.UUID) -> list[ProgressView]:
    async with platform.sessions() as session:
        await _project_of_requester(session, caller, project_id)
        draws = (
            await session.scalars(
                select(ExpertDraw).where(ExpertDraw.project_id == project_id).order_by(ExpertDraw.requested_at)
            )
        ).all()
        return [await _progress(session, d) for d in draws]


async def cancel(platform: Platform, caller: Caller, draw_id: uuid.UUID) -> ProgressView:
    """Withdraw a request before its draw, or a short draw (its open invitations are withdrawn)."""
    now = platform.clock.now()
    async with platform.sessions() as session, session.begin():
        await _requester_draw(session, caller, draw_id)
        draw = await lock_draw(session, draw_id)
        if draw.status not in (DrawStatus.REQUESTED, DrawStatus.SHORT):
            raise DrawRefused(
                f"a draw that is {draw.status.value} cannot be cancelled", f"当前状态（{draw.status.value}）不能取消"
            )
        set_status(draw, DrawStatus.CANCELLED, now)
        await _release(session, draw, now)
        record(session, caller.actor, "expert_draw.cancelled", object_type="expert_draw", object_id=str(draw.id))
        await session.flush()
        return await _progress(session, draw)


async def _release(session: AsyncSession, draw: ExpertDraw, now: datetime) -> None:
    seats = await session.scalars(
        select(DrawSeat).where(
            DrawSeat.draw_id == draw.id, DrawSeat.status.in_([SeatStatus.RESERVE, SeatStatus.INVITED])
        )
    )
    for seat in seats.all():
        seat.status = SeatStatus.RELEASED
        seat.updated_at = now


async def run_draw(
    platform: Platform, draw_id: uuid.UUID, actor: Actor, *, now: datetime | None = None
) -> ProgressView:
    """Commit, time-stamp and draw the first round, then invite the seated experts (the job at the draw
    time, or :func:`draw_now`). Refused before ``evaluation_at − lead`` or once it started
    (``draw_too_early``/``draw_too_late``), before every lot's extraction (``bids_not_extracted``) or
    opening record (``opening_record_missing``). A pool that cannot fill the seats fails the draw."""
    now = now or platform.clock.now()
    queued: list[QueuedMessage] = []
    async with platform.sessions() as session, session.begin():
        draw = await lock_draw(session, draw_id)
        if draw.status is not DrawStatus.REQUESTED:
            raise DrawRefused(f"the draw is {draw.status.value}", f"该抽取当前为 {draw.status.value}")
        check_draw_time(now, draw.evaluation_at, _lead(platform))
        outcome = await first_round(session, platform, draw, actor=actor, now=now)
        if outcome.round is None:
            draw.shortfall = list(outcome.shortfall)
            set_status(draw, DrawStatus.FAILED, now)
            record(
                session,
                actor,
                "expert_draw.failed",
                object_type="expert_draw",
                object_id=str(draw.id),
                details={"shortfall": list(outcome.shortfall)},
            )
        else:
            set_status(draw, DrawStatus.COMMITTED, now)
            set_status(draw, DrawStatus.INVITING, now)
            queue = session_queue(session, platform, actor, now, queued)
            for seat in outcome.seats:
                if seat.kind is SeatKind.SEAT:
                    await invite(session, platform, draw, seat, queue=queue, actor=actor, now=now)
        await session.flush()
        view = await _progress(session, draw)
    await dispatch(platform, queued)
    return view


#: What a draw may be once it was drawn (by the job or an earlier "draw now"): draw-now answers it.
_DRAWN: Final = frozenset(set(DrawStatus) - {DrawStatus.REQUESTED, DrawStatus.CANCELLED})


async def draw_now(platform: Platform, caller: Caller, draw_id: uuid.UUID) -> ProgressView:
    """The requester draws at once (allowed from the draw time on; otherwise the job draws then).

    Idempotent: a draw already drawn — by the job, which draws at the draw time and may come first
    by a second, or by an earlier press — is answered as it is (its counts; failed if the pool was
    short), not refused: the agent asked for the draw and it was made. Only a cancelled draw is 409."""
    async with platform.sessions() as session:
        await _requester_draw(session, caller, draw_id)
    try:
        return await run_draw(platform, draw_id, caller.actor)
    except DrawRefused:
        async with platform.sessions() as session:
            draw = await _draw(session, draw_id)
            if draw.status in _DRAWN:
                return await _progress(session, draw)
        raise


async def requester_top_up(platform: Platform, caller: Caller, draw_id: uuid.UUID) -> ProgressView:
    """Top up a ``short`` draw again (补抽) once the pool has changed."""
    now = platform.clock.now()
    queued: list[QueuedMessage] = []
    async with platform.sessions() as session, session.begin():
        await _requester_draw(session, caller, draw_id)
        draw = await lock_draw(session, draw_id)
        if draw.status is not DrawStatus.SHORT:
            raise DrawRefused(f"only a short draw is topped up (it is {draw.status.value})", "仅人数不足的抽取可补抽")
        missing = await missing_seats(session, draw)
        await top_up(
            session,
            platform,
            draw,
            missing,
            queue=session_queue(session, platform, caller.actor, now, queued),
            actor=caller.actor,
            now=now,
        )
        await session.flush()
        view = await _progress(session, draw)
    await dispatch(platform, queued)
    return view


async def draw_due(platform: Platform, *, now: datetime | None = None) -> dict[str, int]:
    """The job's part: draw every request whose draw time has come and whose lots are ready; those
    not ready yet wait for the next pass."""
    now = now or platform.clock.now()
    async with platform.sessions() as session:
        due = (
            await session.scalars(
                select(ExpertDraw.id).where(
                    ExpertDraw.status == DrawStatus.REQUESTED,
                    ExpertDraw.draw_at <= now,
                    ExpertDraw.evaluation_at > now,
                )
            )
        ).all()
    counts = {"drawn": 0, "waiting": 0}
    for draw_id in due:
        try:
            await run_draw(platform, draw_id, Actor.system("expert-draws"), now=now)
            counts["drawn"] += 1
        except Conflict:
            counts["waiting"] += 1
    return counts


# ----------------------------------------------------------------------------- the supervisor


def _check_views(record_: DrawRecord, *, final: bool) -> tuple[list[CheckView], bool]:
    result = verify(record_)
    return [CheckView(c.name, c.status.value, c.detail if final else None) for c in result.checks], result.ok


async def _rounds(session: AsyncSession, draw_id: uuid.UUID) -> list[DrawRound]:
    return list(
        (await session.scalars(select(DrawRound).where(DrawRound.draw_id == draw_id).order_by(DrawRound.number))).all()
    )


def _round_record(platform: Platform, r: DrawRound, final: bool) -> DrawRecord:
    if final and r.record_public is not None:
        return DrawRecord.from_json(r.record_public)
    assert r.record_sealed is not None
    return DrawRecord.from_json(sealed_list(platform).open_record(r.id, r.record_sealed))


def _token(r: DrawRound) -> str | None:
    return base64.b64encode(r.timestamp_token).decode() if r.timestamp_token else None


async def supervise(platform: Platform, caller: Caller, draw_id: uuid.UUID) -> SupervisionView:
    """The supervisor's whole view (RULES b4, b8): request, commitments, exclusions with reasons, the
    seats by pseudonym, and the record re-run by the verifier — but no name and no seed before final."""
    if not caller.has(Role.SUPERVISOR):
        raise Forbidden("the supervisor's view", "仅监督人员可查看")
    async with platform.sessions() as session:
        draw = await _draw(session, draw_id)
        final = draw.status is DrawStatus.FINAL
        rounds = await _rounds(session, draw.id)
        numbers = {r.id: r.number for r in rounds}
        round_views, checks, verified = [], [], bool(rounds)
        for r in rounds:
            full = _round_record(platform, r, final) if r.record_sealed is not None else None
            shown = full if (final and full is not None) else None
            if full is not None:
                views, ok = _check_views(full, final=final)
                checks.append(views)
                verified = verified and ok
            round_views.append(
                RoundView(
                    number=r.number,
                    round_id=r.id,
                    committed_at=r.committed_at,
                    pool_commitment=r.pool_commitment,
                    server_seed_commitment=r.server_seed_commitment,
                    eligible={code: len(ids) for code, ids in r.published["eligible"].items()},
                    drawn_at=r.drawn_at,
                    public_inputs=r.public_inputs,
                    timestamp_token=_token(r),
                    record=shown.to_dict() if shown is not None else dict(r.published),
                    final=final,
                )
            )
        exclusions = (
            await session.execute(
                select(DrawExclusion, Expert.registry_no)
                .join(Expert, Expert.id == DrawExclusion.expert_id)
                .where(DrawExclusion.round_id.in_(list(numbers)))
                .order_by(Expert.registry_no)
            )
        ).all()
        seats = (
            await session.scalars(
                select(DrawSeat).where(DrawSeat.draw_id == draw.id).order_by(DrawSeat.specialty, DrawSeat.position)
            )
        ).all()
        record(
            session,
            caller.actor,
            "expert_draw.supervised",
            object_type="expert_draw",
            object_id=str(draw.id),
        )
        await session.commit()
        return SupervisionView(
            progress=await _progress(session, draw),
            requested_by=draw.requested_by,
            regions_included=list(draw.regions_included),
            regions_excluded=list(draw.regions_excluded),
            seats_requested=dict(draw.seats),
            backups_requested=dict(draw.backups),
            government_procurement=draw.government_procurement,
            complex_or_high_impact=draw.complex_or_high_impact,
            budget_fen=draw.budget_fen,
            rounds=round_views,
            exclusions=[
                ExclusionView(numbers[e.round_id], e.expert_id, registry_no, list(e.reasons))
                for e, registry_no in exclusions
            ],
            seats=[
                SeatView(
                    numbers[s.round_id],
                    s.specialty,
                    s.kind.value,
                    s.position,
                    s.pseudonym,
                    s.status.value,
                    s.invited_at,
                    s.answered_at,
                    s.answered_via,
                )
                for s in seats
            ],
            verification=checks,
            verified=verified,
        )


async def list_supervised(platform: Platform, caller: Caller, status: DrawStatus | None = None) -> list[ProgressView]:
    if not caller.has(Role.SUPERVISOR):
        raise Forbidden("the supervisor's view", "仅监督人员可查看")
    async with platform.sessions() as session:
        query = select(ExpertDraw).order_by(ExpertDraw.requested_at.desc()).limit(200)
        if status is not None:
            query = query.where(ExpertDraw.status == status)
        return [await _progress(session, d) for d in (await session.scalars(query)).all()]


async def finalise(
    platform: Platform, actor: Actor, draw_id: uuid.UUID, *, caller: Caller | None = None
) -> ProgressView:
    """The result is final (the award, issue 21, will call this with its notice; until then the
    supervisor, or ``bidding experts finalise``): every round's server seed is revealed in its
    published ``DRAW.json``, which must verify; the backups not called are released."""
    if caller is not None and not caller.has(Role.SUPERVISOR):
        raise Forbidden("the supervisor finalises a draw", "仅监督人员可确认抽取结果")
    now = platform.clock.now()
    async with platform.sessions() as session, session.begin():
        draw = await lock_draw(session, draw_id)
        if draw.status is not DrawStatus.COMPLETE:
            raise DrawRefused(
                f"only a complete committee is final (the draw is {draw.status.value})",
                f"评标委员会组建完成后方可确认（当前为 {draw.status.value}）",
            )
        digests = {}
        for r in await _rounds(session, draw.id):
            assert r.record_sealed is not None
            text = sealed_list(platform).open_record(r.id, r.record_sealed)
            if not verify(DrawRecord.from_json(text)).ok:  # never publish a record that does not verify
                raise DrawRefused(f"round {r.number}'s record does not verify", f"第 {r.number} 轮抽取记录复核不通过")
            r.record_public = text
            digests[str(r.number)] = hashlib.sha256(text.encode()).hexdigest()
        set_status(draw, DrawStatus.FINAL, now)
        draw.finalised_at, draw.finalised_by = now, actor.id
        await _release(session, draw, now)
        record(
            session,
            actor,
            "expert_draw.finalised",
            object_type="expert_draw",
            object_id=str(draw.id),
            details={"records_sha256": digests},
        )
        await session.flush()
        return await _progress(session, draw)


# ----------------------------------------------------------------------------- the public


async def public_view(platform: Platform, draw_id: uuid.UUID) -> PublicDrawView:
    """The commitments (published when made), the public inputs, and once final where ``DRAW.json`` is."""
    async with platform.sessions() as session:
        draw = await _draw(session, draw_id)
        final = draw.status is DrawStatus.FINAL
        return PublicDrawView(
            id=draw.id,
            status=draw.status.value,
            final=final,
            rounds=[
                PublicRoundView(
                    number=r.number,
                    round_id=r.id,
                    committed_at=r.committed_at,
                    pool_commitment=r.pool_commitment,
                    server_seed_commitment=r.server_seed_commitment,
                    drawn_at=r.drawn_at,
                    public_inputs=r.public_inputs,
                    timestamp_token=_token(r),
                    record_url=f"/api/public/expert-draws/{draw.id}/rounds/{r.number}/DRAW.json" if final else None,
                )
                for r in await _rounds(session, draw.id)
            ],
        )


class RecordNotPublished(Conflict):
    code = "draw_record_not_published"
    message_zh = "抽取结果确认后方公开抽取记录"
    message_en = "The draw record is published once the result is final"


async def public_record(platform: Platform, draw_id: uuid.UUID, number: int) -> str:
    """``DRAW.json`` of round ``number``, once the result is final (409 before)."""
    async with platform.sessions() as session:
        draw = await _draw(session, draw_id)
        found = await session.scalar(select(DrawRound).where(DrawRound.draw_id == draw.id, DrawRound.number == number))
        if found is None:
            raise DrawNotFound(f"no round {number}", f"没有第 {number} 轮")
        if draw.status is not DrawStatus.FINAL or found.record_public is None:
            raise RecordNotPublished()
        return found.record_public


async def draw_record(platform: Platform, lot_id: uuid.UUID, number: int = 1) -> tuple[str, bool]:
    """For ``bidding experts draw-record LOT``: the lot's draw's record of round ``number`` — the full
    ``DRAW.json`` once final (True), the commitment record before (False)."""
    async with platform.sessions() as session:
        draw = await session.scalar(
            select(ExpertDraw)
            .join(DrawLot, DrawLot.draw_id == ExpertDraw.id)
            .where(DrawLot.lot_id == lot_id, ExpertDraw.status.not_in([DrawStatus.CANCELLED]))
            .order_by(ExpertDraw.requested_at.desc())
            .limit(1)
        )
        if draw is None:
            raise DrawNotFound(f"no draw for lot {lot_id}", f"标段 {lot_id} 没有专家抽取")
        found = await session.scalar(select(DrawRound).where(DrawRound.draw_id == draw.id, DrawRound.number == number))
        if found is None:
            raise DrawNotFound(f"no round {number}", f"没有第 {number} 轮")
        if draw.status is DrawStatus.FINAL and found.record_public is not None:
            return found.record_public, True
        return DrawRecord.from_dict(found.published).to_json(), False


# ----------------------------------------------------------------------------- names and the day


async def _members(session: AsyncSession, platform: Platform, draw: ExpertDraw) -> list[MemberView]:
    sealed = sealed_list(platform)
    seats = (
        await session.scalars(
            select(DrawSeat)
            .where(DrawSeat.draw_id == draw.id, DrawSeat.status == SeatStatus.ACCEPTED)
            .order_by(DrawSeat.specialty, DrawSeat.position)
        )
    ).all()
    members = []
    for seat in seats:
        expert = await session.get(Expert, open_expert(sealed, seat))
        assert expert is not None
        members.append(MemberView(expert.name, seat.specialty, expert.employer_name, expert.registry_no))
    return members


async def _is_party(session: AsyncSession, caller: Caller, draw: ExpertDraw) -> bool:
    if caller.organization_id is None:
        return False
    project = await session.get(Project, draw.project_id)
    assert project is not None
    if caller.has(*REQUESTERS) and caller.organization_id in (project.agent_id, project.tenderer_id):
        return True
    if caller.has(Role.BIDDER):
        lots = [lot.id for lot in await draw_lots(session, draw.id)]
        found = await session.scalar(
            select(Bid.id)
            .where(Bid.lot_id.in_(lots), Bid.organization_id == caller.organization_id, Bid.status == BidStatus.ACTIVE)
            .limit(1)
        )
        return found is not None
    return False


async def _reveal(
    session: AsyncSession, platform: Platform, draw: ExpertDraw, audience: Audience, actor: Actor, *, signed_in: bool
) -> list[MemberView]:
    facts = RevealFacts(
        now=platform.clock.now(),
        evaluation_at=draw.evaluation_at,
        final=draw.status is DrawStatus.FINAL,
        government_procurement=draw.government_procurement,
        signed_in=signed_in,
    )
    sealed_by = may_reveal(audience, facts)
    if sealed_by is not None or draw.status in (DrawStatus.CANCELLED, DrawStatus.FAILED):
        raise CommitteeSealed(details=[{"rule": sealed_by or "no_committee"}])
    members = await _members(session, platform, draw)
    record(
        session,
        actor,
        "expert_draw.revealed",
        object_type="expert_draw",
        object_id=str(draw.id),
        details={"audience": audience.value, "members": len(members)},
    )
    return members


async def committee(platform: Platform, caller: Caller | None, draw_id: uuid.UUID) -> CommitteeView:
    """The committee's names for whoever the rules allow now (:func:`may_reveal`); each reveal is an
    audit event. ``caller`` None: the public portal."""
    async with platform.sessions() as session, session.begin():
        draw = await _draw(session, draw_id)
        if caller is None or caller.anonymous:
            audience, actor = Audience.PUBLIC, (caller.actor if caller else Actor.system("public"))
        elif caller.has(Role.SUPERVISOR):
            audience, actor = Audience.SUPERVISOR, caller.actor
        elif await _is_party(session, caller, draw):
            audience, actor = Audience.PARTY, caller.actor
        else:
            raise CommitteeSealed(details=[{"rule": "not_a_party"}])
        members = await _reveal(session, platform, draw, audience, actor, signed_in=False)
        return CommitteeView(draw.id, audience.value, members)


def _on_the_day(draw: ExpertDraw, now: datetime) -> bool:
    today = china_day(now)
    first = china_day(draw.evaluation_at)
    last = china_day(draw.evaluation_end or draw.evaluation_at)
    return first <= today <= last


async def _evaluation_view(
    session: AsyncSession, seat: DrawSeat, draw: ExpertDraw, committee_: list[MemberView] | None
) -> EvaluationView:
    project = await session.get(Project, draw.project_id)
    assert project is not None
    return EvaluationView(
        seat_id=seat.id,
        draw_id=draw.id,
        project_code=project.code,
        project_name=project.name,
        lots=[LotItem(lot.id, lot.code, lot.name) for lot in await draw_lots(session, draw.id)],
        specialty=seat.specialty,
        evaluation_at=draw.evaluation_at,
        evaluation_end=draw.evaluation_end,
        place=draw.place,
        remote=draw.remote,
        signed_in_at=seat.signed_in_at,
        committee=committee_,
    )


async def _accepted_today(
    session: AsyncSession, platform: Platform, expert_id: uuid.UUID, now: datetime
) -> list[tuple[DrawSeat, ExpertDraw]]:
    sealed = sealed_list(platform)
    rows = await session.execute(
        select(DrawSeat, ExpertDraw)
        .join(ExpertDraw, ExpertDraw.id == DrawSeat.draw_id)
        .where(
            DrawSeat.lookup == sealed.lookup(expert_id),
            DrawSeat.status == SeatStatus.ACCEPTED,
            ExpertDraw.status.not_in(list(DRAW_FINAL - {DrawStatus.FINAL})),
        )
        .order_by(ExpertDraw.evaluation_at)
    )
    return [
        (seat, draw) for seat, draw in rows.all() if open_expert(sealed, seat) == expert_id and _on_the_day(draw, now)
    ]


async def my_evaluations(platform: Platform, caller: Caller) -> list[EvaluationView]:
    """``GET /api/expert/evaluations``: the logged-in expert's accepted assignments whose day has come
    (none before: the project stays unknown to them until then)."""
    expert_id = await expert_of(platform, caller)
    now = platform.clock.now()
    async with platform.sessions() as session:
        return [
            await _evaluation_view(session, seat, draw, None)
            for seat, draw in await _accepted_today(session, platform, expert_id, now)
        ]


async def sign_in(platform: Platform, caller: Caller, seat_id: uuid.UUID) -> EvaluationView:
    """The expert signs in to the evaluation on its day (the evaluation issue calls this at its door):
    recorded once, an audit event; the committee's names are revealed to them (audited)."""
    expert_id = await expert_of(platform, caller)
    now = platform.clock.now()
    async with platform.sessions() as session, session.begin():
        found = [(s, d) for s, d in await _accepted_today(session, platform, expert_id, now) if s.id == seat_id]
        if not found:
            raise InvitationNotFound("no assignment of yours on this day", "您今天没有该评标任务")
        seat, draw = found[0]
        if seat.signed_in_at is None:
            seat.signed_in_at = now
            record(
                session,
                caller.actor,
                "expert_draw.signed_in",
                object_type="expert_draw",
                object_id=str(draw.id),
                details={"seat": str(seat.id)},
            )
        members = await _reveal(session, platform, draw, Audience.COMMITTEE, caller.actor, signed_in=True)
        return await _evaluation_view(session, seat, draw, members)
