"""The verifiable rounds of a draw (issue 19; ``docs/expert-draws.md``, ``docs/expert-draw.md``): the
recusal context read from the database, the eligible pool as per-round pseudonyms, the commitment,
the public value, the draw and the seats it gives — the first round and any top-up (补抽).

Functions over an ``AsyncSession`` inside the caller's transaction: the use cases
(:mod:`bidding.experts.draws`) and the answers (:mod:`bidding.experts.invitations`) own theirs.

**The recusal context** (规定 12, 条例 46; RULES b4): the project's tenderer and agent; every approved
organisation of kind ``supervisor`` (projects name no supervising body yet, so each one is treated as
supervising every project: their staff are never drawn); the bidders of each lot — the organisations
whose bid was active when the bids were extracted at the deadline (办法 29), so a lot is drawn for
only once it has been extracted; declared conflicts of any of them; suspensions, unavailable days,
the number of draws in the period and the regions asked for.

**The public value** of round ``n`` (``docs/expert-draw.md`` §5), in its ``public_inputs``:
``opening_record_sha256.<lot id>`` — the SHA-256 of each lot's opening record (开标记录, the canonical
JSON published at ``/api/public/openings/{lot}/record.json``), and ``timestamp_token_sha256`` — the
SHA-256 of an RFC 3161 token from the platform's TSA over :func:`commitment_message`, asked for
after the commitment was recorded; a top-up also names the round before it (``previous_round``,
``previous_pool_commitment``).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.errors import Conflict, NotFound
from bidding.core.transitions import move
from bidding.experts.draw import DrawRecord, Pool, Seats, commit, new_server_seed
from bidding.experts.draw import draw as draw_pool
from bidding.experts.draw_models import DrawExclusion, DrawLot, DrawRound, DrawSeat, ExpertDraw
from bidding.experts.draw_states import DRAW_TRANSITIONS, DrawStatus, SeatKind, SeatStatus
from bidding.experts.eligibility import DrawContext, split_pool
from bidding.experts.pool import candidates
from bidding.experts.sealed import SealedList
from bidding.identity.kinds import OrgKind, OrgStatus
from bidding.identity.models import Organization
from bidding.submission.models import Bid
from bidding.submission.states import BidStatus
from bidding.tendering.models import Lot, Project
from opening_room.record import digest as opening_record_digest
from opening_room.tables import OpeningSession

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "BidsNotExtracted",
    "DrawNotFound",
    "OpeningRecordMissing",
    "RoundOutcome",
    "commitment_message",
    "first_round",
    "lock_draw",
    "open_expert",
    "sealed_list",
    "set_status",
    "top_up_round",
]


class DrawNotFound(NotFound):
    code = "expert_draw_not_found"
    message_zh = "没有该专家抽取"
    message_en = "No such expert draw"


class BidsNotExtracted(Conflict):
    """A lot's bids are not extracted yet: its bidders, whom the draw recuses, are not known (办法 29)."""

    code = "bids_not_extracted"
    message_zh = "投标截止且提取投标文件后方可抽取（须回避投标人）"
    message_en = "A lot is drawn for after its bid deadline and extraction (its bidders are recused)"


class OpeningRecordMissing(Conflict):
    """The opening record whose hash seeds the draw does not exist yet."""

    code = "opening_record_missing"
    message_zh = "开标记录生成后方可抽取（其哈希值为抽取的公开随机输入）"
    message_en = "The draw waits for the opening record (its hash is the draw's public input)"


def sealed_list(platform: Platform) -> SealedList:
    return SealedList(platform.settings.resolved_secret("secret_key").encode())


def open_expert(sealed: SealedList, seat: DrawSeat) -> uuid.UUID:
    return sealed.open_expert(seat.id, seat.expert_sealed)


async def lock_draw(session: AsyncSession, draw_id: uuid.UUID) -> ExpertDraw:
    """Take the draw's lock to the end of the transaction and read it afresh (PostgreSQL: the row,
    ``FOR UPDATE``; SQLite: the database's write lock, by a no-op write, as ``tendering.locks``)."""
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(
            update(ExpertDraw)
            .where(ExpertDraw.id == draw_id)
            .values(status=ExpertDraw.status)
            .execution_options(synchronize_session=False)
        )
        found = await session.scalar(
            select(ExpertDraw).where(ExpertDraw.id == draw_id).execution_options(populate_existing=True)
        )
    else:
        found = await session.scalar(
            select(ExpertDraw)
            .where(ExpertDraw.id == draw_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    if found is None:
        raise DrawNotFound()
    return found


def set_status(draw: ExpertDraw, to: DrawStatus, now: datetime) -> None:
    draw.status = move(DRAW_TRANSITIONS, draw.status, to, what=f"expert draw {draw.id}")
    draw.updated_at = now


def commitment_message(round_id: str, pool_commitment: str, server_seed_commitment: str) -> bytes:
    """What the TSA token is over (its SHA-256 is the message imprint), ASCII, LF-terminated lines::

    bidding-draw-v1 commitment
    draw <round id>
    pool <pool_commitment>
    server-seed <server_seed_commitment>
    """
    return (
        f"bidding-draw-v1 commitment\ndraw {round_id}\npool {pool_commitment}\nserver-seed {server_seed_commitment}\n"
    ).encode("ascii")


# ----------------------------------------------------------------------------- the context


async def draw_lots(session: AsyncSession, draw_id: uuid.UUID) -> list[Lot]:
    rows = await session.scalars(
        select(Lot).join(DrawLot, DrawLot.lot_id == Lot.id).where(DrawLot.draw_id == draw_id).order_by(Lot.code, Lot.id)
    )
    return list(rows.all())


async def _bidders(session: AsyncSession, lots: Sequence[Lot]) -> frozenset[str]:
    for lot in lots:
        if lot.bids_extracted_at is None:
            raise BidsNotExtracted(f"lot {lot.code}'s bids are not extracted yet", f"标段 {lot.code} 尚未提取投标文件")
    codes = await session.scalars(
        select(Organization.credit_code)
        .join(Bid, Bid.organization_id == Organization.id)
        .where(Bid.lot_id.in_([lot.id for lot in lots]), Bid.status == BidStatus.ACTIVE)
        .distinct()
    )
    return frozenset(codes.all())


async def _context(session: AsyncSession, platform: Platform, draw: ExpertDraw, lots: Sequence[Lot]) -> DrawContext:
    project = await session.get(Project, draw.project_id)
    assert project is not None
    tenderer = await session.get(Organization, project.tenderer_id)
    agent = await session.get(Organization, project.agent_id)
    assert tenderer is not None
    assert agent is not None
    supervisors = await session.scalars(
        select(Organization.credit_code).where(
            Organization.kind == OrgKind.SUPERVISOR, Organization.status == OrgStatus.APPROVED
        )
    )
    limit = platform.settings.expert_max_draws
    return DrawContext(
        tenderer=tenderer.credit_code,
        agent=agent.credit_code,
        supervisors=frozenset(supervisors.all()),
        bidders=await _bidders(session, lots),
        evaluation_at=draw.evaluation_at,
        evaluation_end=draw.evaluation_end,
        regions_included=frozenset(draw.regions_included),
        regions_excluded=frozenset(draw.regions_excluded),
        max_draws_per_period=limit or None,
    )


async def _draw_counts(session: AsyncSession, platform: Platform, now: datetime) -> dict[str, int]:
    """Invitations per expert lookup in the period (``BIDDING_EXPERT_DRAW_PERIOD_DAYS``): being invited
    counts as being drawn, whatever the answer."""
    since = now - timedelta(days=platform.settings.expert_draw_period_days)
    rows = await session.execute(
        select(DrawSeat.lookup, func.count())
        .join(ExpertDraw, ExpertDraw.id == DrawSeat.draw_id)
        .where(
            DrawSeat.invited_at.is_not(None), DrawSeat.invited_at >= since, ExpertDraw.status != DrawStatus.CANCELLED
        )
        .group_by(DrawSeat.lookup)
    )
    return {lookup: int(n) for lookup, n in rows.all()}


async def public_values(session: AsyncSession, lots: Sequence[Lot]) -> dict[str, str]:
    """``opening_record_sha256.<lot id>`` of each lot (:class:`OpeningRecordMissing` before its record)."""
    values: dict[str, str] = {}
    for lot in lots:
        opening = await session.get(OpeningSession, lot.id)
        if opening is None or opening.record_json is None:
            raise OpeningRecordMissing(f"lot {lot.code} has no opening record yet", f"标段 {lot.code} 尚无开标记录")
        values[f"opening_record_sha256.{lot.id}"] = opening_record_digest(opening.record_json)
    return values


# ----------------------------------------------------------------------------- one round


@dataclass(frozen=True)
class RoundOutcome:
    """A round made (its record and new seats), or the specialties it could not fill."""

    round: DrawRound | None
    seats: tuple[DrawSeat, ...]
    shortfall: tuple[dict[str, Any], ...]


async def _make_round(
    session: AsyncSession,
    platform: Platform,
    draw: ExpertDraw,
    *,
    constraints: Mapping[str, Seats],
    exclude: frozenset[uuid.UUID],
    extra_inputs: Mapping[str, str],
    actor: Actor,
    now: datetime,
) -> RoundOutcome:
    """Commit, time-stamp and draw one round over the pool as it is now; create its seats (the seated
    ones ``invited`` is the caller's to do: here every seat is ``reserve``)."""
    lots = await draw_lots(session, draw.id)
    context = await _context(session, platform, draw, lots)
    public = {**await public_values(session, lots), **extra_inputs}
    sealed = sealed_list(platform)
    counts = await _draw_counts(session, platform, now)
    pool_candidates = await candidates(session, specialties=list(constraints))
    by_lookup = {c.expert_id: counts.get(sealed.lookup(uuid.UUID(c.expert_id)), 0) for c in pool_candidates}
    pool_candidates = [
        c if not by_lookup[c.expert_id] else _with_count(c, by_lookup[c.expert_id]) for c in pool_candidates
    ]
    split = split_pool(pool_candidates, context, list(constraints))
    number = int(await session.scalar(select(func.count()).where(DrawRound.draw_id == draw.id)) or 0) + 1
    round_id = uuid.uuid4()
    to_expert: dict[str, uuid.UUID] = {}
    eligible: dict[str, list[str]] = {}
    for code, ids in split.eligible.items():
        names = []
        for expert in ids:
            expert_id = uuid.UUID(expert)
            if expert_id in exclude:  # already drawn in an earlier round of this draw
                continue
            name = sealed.pseudonym(round_id, expert_id)
            to_expert[name] = expert_id
            names.append(name)
        eligible[code] = names
    pool = Pool.build(str(round_id), constraints, eligible)
    if shortfall := pool.shortfall():
        return RoundOutcome(None, (), tuple(shortfall))
    server_seed = new_server_seed()
    published = commit(pool, server_seed)
    draw_round = DrawRound(
        id=round_id,
        draw_id=draw.id,
        number=number,
        published=published.to_dict(),
        pool_commitment=published.pool_commitment,
        server_seed_commitment=published.server_seed_commitment,
        server_seed_sealed=sealed.seal_seed(round_id, server_seed),
        committed_at=now,
    )
    session.add(draw_round)
    await session.flush()  # the round before the rows that name it
    for expert, reasons in split.excluded.items():
        session.add(
            DrawExclusion(round_id=round_id, expert_id=uuid.UUID(expert), reasons=sorted(r.value for r in reasons))
        )
    reasons_count: dict[str, int] = {}
    for reasons in split.excluded.values():
        for reason in reasons:
            reasons_count[reason.value] = reasons_count.get(reason.value, 0) + 1
    record(
        session,
        actor,
        "expert_draw.committed",
        object_type="expert_draw",
        object_id=str(draw.id),
        content_sha256=published.pool_commitment,
        details={
            "round": number,
            "round_id": str(round_id),
            "pool_commitment": published.pool_commitment,
            "server_seed_commitment": published.server_seed_commitment,
            "eligible": {code: len(ids) for code, ids in pool.eligible.items()},
            "excluded": len(split.excluded),
            "exclusions_by_reason": dict(sorted(reasons_count.items())),
        },
    )
    await session.flush()
    # The public value: unknown when the commitment above was recorded (the TSA token is over it).
    token = platform.keys.tsa.timestamp(
        hashlib.sha256(
            commitment_message(str(round_id), published.pool_commitment, published.server_seed_commitment)
        ).digest(),
        now,
    )
    public["timestamp_token_sha256"] = hashlib.sha256(token).hexdigest()
    full: DrawRecord = draw_pool(pool, server_seed, public)
    assert full.result is not None
    draw_round.timestamp_token = token
    draw_round.public_inputs = dict(full.public_inputs)
    draw_round.record_sealed = sealed.seal_record(round_id, full.to_json())
    draw_round.drawn_at = now
    seats: list[DrawSeat] = []
    for code in full.result.seated:
        start = int(
            await session.scalar(
                select(func.coalesce(func.max(DrawSeat.position) + 1, 0)).where(
                    DrawSeat.draw_id == draw.id, DrawSeat.specialty == code
                )
            )
            or 0
        )
        places = [(SeatKind.SEAT, n) for n in full.result.seated[code]]
        places += [(SeatKind.BACKUP, n) for n in full.result.backups.get(code, ())]
        for offset, (kind, name) in enumerate(places):
            seat_id = uuid.uuid4()
            expert_id = to_expert[name]
            seat = DrawSeat(
                id=seat_id,
                draw_id=draw.id,
                round_id=round_id,
                specialty=code,
                kind=kind,
                position=start + offset,
                pseudonym=name,
                lookup=sealed.lookup(expert_id),
                expert_sealed=sealed.seal_expert(seat_id, expert_id),
                status=SeatStatus.RESERVE,
                updated_at=now,
            )
            session.add(seat)
            seats.append(seat)
    record(
        session,
        actor,
        "expert_draw.drawn",
        object_type="expert_draw",
        object_id=str(draw.id),
        content_sha256=hashlib.sha256(token).hexdigest(),
        details={
            "round": number,
            "round_id": str(round_id),
            "public_inputs": dict(full.public_inputs),
            "seated": {code: len(ids) for code, ids in full.result.seated.items()},
            "backups": {code: len(ids) for code, ids in full.result.backups.items()},
        },
    )
    await session.flush()
    return RoundOutcome(draw_round, tuple(seats), ())


def _with_count(candidate: Any, count: int) -> Any:
    from dataclasses import replace

    return replace(candidate, draws_in_period=count)


async def first_round(
    session: AsyncSession, platform: Platform, draw: ExpertDraw, *, actor: Actor, now: datetime
) -> RoundOutcome:
    """The draw's first round: every requested specialty, its seats and backups."""
    constraints = {code: Seats(n, int(draw.backups.get(code, 0))) for code, n in sorted(draw.seats.items())}
    return await _make_round(
        session, platform, draw, constraints=constraints, exclude=frozenset(), extra_inputs={}, actor=actor, now=now
    )


async def drawn_experts(session: AsyncSession, platform: Platform, draw_id: uuid.UUID) -> frozenset[uuid.UUID]:
    sealed = sealed_list(platform)
    seats = (await session.scalars(select(DrawSeat).where(DrawSeat.draw_id == draw_id))).all()
    return frozenset(open_expert(sealed, s) for s in seats)


async def top_up_round(
    session: AsyncSession,
    platform: Platform,
    draw: ExpertDraw,
    missing: Mapping[str, int],
    *,
    actor: Actor,
    now: datetime,
) -> RoundOutcome:
    """A top-up (补抽, RULES b3, b7): ``missing[code]`` more seats (and the request's backups) drawn the
    same verifiable way from the eligible pool now, less everyone drawn before in this draw, chained to
    the previous round by its id and pool commitment."""
    previous = await session.scalar(
        select(DrawRound).where(DrawRound.draw_id == draw.id).order_by(DrawRound.number.desc()).limit(1)
    )
    assert previous is not None
    constraints = {code: Seats(n, int(draw.backups.get(code, 0))) for code, n in sorted(missing.items()) if n > 0}
    return await _make_round(
        session,
        platform,
        draw,
        constraints=constraints,
        exclude=await drawn_experts(session, platform, draw.id),
        extra_inputs={"previous_round": str(previous.id), "previous_pool_commitment": previous.pool_commitment},
        actor=actor,
        now=now,
    )
