"""Invitations and answers (issue 19 "Notices and answers"; RULES b3, acceptance (b) 4;
``docs/expert-draws.md``): each seated expert is invited on every configured channel, answers by SMS
(``1`` accept, ``2`` decline), by keypress in the call (1 / 2), by the e-mail's one-time link, in the
inbox or in the app; a decline or no answer within ``BIDDING_EXPERT_ANSWER_MINUTES`` calls the next
backup of the same specialty, and when the backups run out a top-up round (补抽) is drawn the same
verifiable way (:func:`bidding.experts.rounds.top_up_round`); if that pool is short too, the draw is
``short`` and the requester is alerted.

**Exactly once.** Every answer and time-out moves its seat ``invited → accepted | declined |
timed_out`` by one conditional UPDATE (``WHERE status = 'invited'`` and the deadline ahead, or
passed for a time-out) under the draw's lock: a reply and a time-out racing cannot both count, so one
backup is called, never two. Every notice (``message.queued``, messaging's), invitation
(``expert_draw.invited``), answer (``expert_draw.answered``), time-out (``expert_draw.timed_out``),
seating of a backup and top-up is an audit event; none names the expert (seats are named by id).

Once a seat is answered or timed out, the addresses its messages were sent to are masked in the
outbox (``138****8000``): the invitation needs them no more.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final, Literal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.clock import CHINA_TIME
from bidding.core.errors import Conflict, NotFound
from bidding.core.fields import Body
from bidding.core.pki.models import Certificate
from bidding.experts.draw_models import DrawSeat, ExpertDraw
from bidding.experts.draw_states import DrawStatus, SeatKind, SeatStatus
from bidding.experts.models import Expert, ExpertEnrolment
from bidding.experts.pool import expert_of
from bidding.experts.rounds import lock_draw, open_expert, sealed_list, set_status, top_up_round
from bidding.experts.specialties import tree
from bidding.identity.models import EnrolmentCode
from bidding.messaging.addresses import mask
from bidding.messaging.channels import ChannelKind, Notice, Text
from bidding.messaging.config import available_channels
from bidding.messaging.models import Message
from bidding.messaging.replies import Answer
from bidding.messaging.service import QueuedMessage, dispatch, queue_message
from bidding.messaging.states import MessageStatus

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "PURPOSE",
    "InvitationAnswerInput",
    "InvitationClosed",
    "InvitationNotFound",
    "InvitationView",
    "answer_as_expert",
    "answer_by_token",
    "answer_seat",
    "forget_settled",
    "invitation_by_token",
    "invite",
    "my_invitations",
    "on_answer",
    "time_out_due",
]

PURPOSE: Final = "expert.invitation"
SHORT_PURPOSE: Final = "expert.draw_short"
SMS_ANSWERS: Final = {"1": "accept", "2": "decline", "接受": "accept", "拒绝": "decline", "y": "accept", "n": "decline"}
VOICE_ANSWERS: Final = {"1": "accept", "2": "decline"}
TOKEN_PATTERN: Final = r"^[A-Za-z0-9_-]{43}$"  # noqa: S105 (a pattern, not a secret)
_REFERENCE: Final = re.compile(r"expert-seat:([0-9a-f-]{36})")

Choice = Literal["accept", "decline"]
QueueFn = Callable[[Notice, timedelta | None], Awaitable[QueuedMessage]]


class InvitationNotFound(NotFound):
    code = "invitation_not_found"
    message_zh = "没有该评标邀请"
    message_en = "No such invitation"


class InvitationClosed(Conflict):
    """The invitation was answered, timed out or withdrawn: the answer does not count."""

    code = "invitation_closed"
    message_zh = "该邀请已答复、已超时或已撤回"
    message_en = "The invitation was answered, timed out or withdrawn"


class InvitationAnswerInput(Body, frozen=True):
    answer: Choice


@dataclass(frozen=True)
class InvitationView:
    """An invitation as its expert sees it: when, where, which specialty — not the project (its name
    and parties stay unknown to the expert until the day, as on centres' systems)."""

    seat_id: uuid.UUID
    specialty: str
    specialty_name: str
    evaluation_at: datetime
    evaluation_end: datetime | None
    place: str | None
    remote: bool
    status: str
    invited_at: datetime | None
    answer_due_at: datetime | None
    answered_at: datetime | None


def reference(seat_id: uuid.UUID) -> str:
    return f"expert-seat:{seat_id}"


def _seat_of(ref: str) -> uuid.UUID:
    found = _REFERENCE.fullmatch(ref)
    if found is None:
        raise InvitationNotFound()
    return uuid.UUID(found.group(1))


def _view(seat: DrawSeat, draw: ExpertDraw) -> InvitationView:
    node = tree().get(seat.specialty)
    return InvitationView(
        seat_id=seat.id,
        specialty=seat.specialty,
        specialty_name=node.name_zh if node is not None else seat.specialty,
        evaluation_at=draw.evaluation_at,
        evaluation_end=draw.evaluation_end,
        place=draw.place,
        remote=draw.remote,
        status=seat.status.value,
        invited_at=seat.invited_at,
        answer_due_at=seat.answer_due_at,
        answered_at=seat.answered_at,
    )


def _local(moment: datetime) -> str:
    return moment.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")


def session_queue(
    session: AsyncSession, platform: Platform, actor: Actor, now: datetime, out: list[QueuedMessage]
) -> QueueFn:
    """Queue notices in ``session``'s transaction, collected in ``out`` to dispatch after the commit."""

    async def queue(notice: Notice, reply_within: timedelta | None) -> QueuedMessage:
        queued = await queue_message(session, platform, notice, actor=actor, reply_within=reply_within, now=now)
        out.append(queued)
        return queued

    return queue


async def _certificates(session: AsyncSession, expert_id: uuid.UUID) -> list[str]:
    rows = await session.scalars(
        select(Certificate.fingerprint)
        .join(EnrolmentCode, EnrolmentCode.certificate_id == Certificate.id)
        .join(ExpertEnrolment, ExpertEnrolment.code_id == EnrolmentCode.id)
        .where(ExpertEnrolment.expert_id == expert_id, Certificate.revoked_at.is_(None))
    )
    return sorted(rows.all())


async def invite(
    session: AsyncSession,
    platform: Platform,
    draw: ExpertDraw,
    seat: DrawSeat,
    *,
    queue: QueueFn,
    actor: Actor,
    now: datetime,
) -> str:
    """Invite the expert of ``seat`` (``reserve → invited``) on every configured channel; returns the
    e-mail link's one-time token (only its SHA-256 is kept). The caller holds the draw's lock."""
    settings = platform.settings
    window = timedelta(minutes=settings.expert_answer_minutes)
    token = secrets.token_urlsafe(32)
    done = await session.execute(
        update(DrawSeat)
        .where(DrawSeat.id == seat.id, DrawSeat.status == SeatStatus.RESERVE)
        .values(
            status=SeatStatus.INVITED,
            invited_at=now,
            answer_due_at=now + window,
            token_sha256=hashlib.sha256(token.encode()).hexdigest(),
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if int(getattr(done, "rowcount", 0) or 0) != 1:
        raise InvitationClosed(f"seat {seat.id} is not in reserve")
    await session.refresh(seat)
    expert = await session.get(Expert, open_expert(sealed_list(platform), seat))
    assert expert is not None
    node = tree().get(seat.specialty)
    specialty = f"{node.name_zh}（{seat.specialty}）" if node is not None else seat.specialty
    where = "远程评标" if draw.remote else (draw.place or "")
    when, due = _local(draw.evaluation_at), _local(now + window)
    link = f"{settings.effective_base_url}/expert-invitations/{token}"  # the web app's answer page
    subject = Text("评标专家抽取邀请", "Invitation to sit on an evaluation committee")
    asking = Text(
        f"您已被随机抽取为评标专家。评标时间：{when}；地点：{where}；专业：{specialty}。"
        f"请于 {due} 前答复：回复 1 接受，回复 2 拒绝。逾期未答复视为拒绝。",
        f"You have been drawn to evaluate. Time: {when} (Beijing); place: {where}; specialty: {seat.specialty}. "
        f"Answer before {due}: 1 to accept, 2 to decline. No answer counts as a decline.",
    )
    params = {"time": when, "place": where[:20], "specialty": seat.specialty, "due": due}
    channels = available_channels(settings)
    sent: list[str] = []
    ref = reference(seat.id)
    if ChannelKind.SMS in channels and PURPOSE in dict(settings.sms_templates):
        await queue(Notice(ChannelKind.SMS, expert.mobile, PURPOSE, ref, subject, asking, params, SMS_ANSWERS), window)
        sent.append("sms")
    if ChannelKind.VOICE in channels and PURPOSE in dict(settings.voice_templates):
        await queue(
            Notice(ChannelKind.VOICE, expert.mobile, PURPOSE, ref, subject, asking, params, VOICE_ANSWERS), window
        )
        sent.append("voice")
    if ChannelKind.EMAIL in channels and expert.email:
        body = Text(
            f"您已被随机抽取为评标专家。\n评标时间：{when}\n地点：{where}\n专业：{specialty}\n"
            f"请于 {due} 前打开以下链接接受或拒绝（链接仅可使用一次）：\n{link}\n逾期未答复视为拒绝。",
            f"You have been drawn to evaluate.\nTime: {when} (Beijing)\nPlace: {where}\nSpecialty: {seat.specialty}\n"
            f"Accept or decline before {due} at this link (it works once):\n{link}\nNo answer counts as a decline.",
        )
        await queue(Notice(ChannelKind.EMAIL, expert.email, PURPOSE, ref, subject, body), None)
        sent.append("email")
    for fingerprint in await _certificates(session, expert.id):
        await queue(
            Notice(ChannelKind.IN_APP, f"cert:{fingerprint}", PURPOSE, ref, subject, asking, {}, SMS_ANSWERS), window
        )
        if "in_app" not in sent:
            sent.append("in_app")
    record(
        session,
        actor,
        "expert_draw.invited",
        object_type="expert_draw",
        object_id=str(draw.id),
        details={
            "seat": str(seat.id),
            "specialty": seat.specialty,
            "kind": seat.kind.value,
            "position": seat.position,
            "channels": sent,
            "answer_due_at": (now + window).isoformat(),
        },
    )
    return token


_ADDRESSED: Final = (ChannelKind.SMS, ChannelKind.VOICE, ChannelKind.EMAIL)
_SENT_OUT: Final = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED)


async def _forget_addresses(session: AsyncSession, seat_id: uuid.UUID) -> None:
    """Mask the addresses the seat's notices went to, once the invitation is settled; messages still
    being delivered keep theirs (a retry needs it) and in-app ones name a certificate, not a person.

    Rows another transaction holds are skipped (PostgreSQL ``SKIP LOCKED``): a reply to this seat
    that lost the race holds its message and waits for the draw's lock, which this transaction
    holds — waiting for it here would deadlock. :func:`forget_settled` (the job) masks what is left."""
    rows = await session.scalars(
        select(Message)
        .where(
            Message.reference == reference(seat_id),
            Message.channel.in_(_ADDRESSED),
            Message.status.in_(_SENT_OUT),
        )
        .with_for_update(skip_locked=True)
    )
    for message in rows.all():
        if "*" not in message.recipient:
            message.recipient = mask(message.channel, message.recipient)


async def forget_settled(platform: Platform, *, limit: int = 500) -> dict[str, int]:
    """The job's part: mask the addresses of invitations settled (answered, timed out, released) that
    the answer's own transaction could not — still being delivered then, or held by a concurrent
    reply. Takes no draw's lock (messages first, seats read only: a settled seat stays settled)."""
    async with platform.sessions() as session, session.begin():
        found = (
            await session.scalars(
                select(Message)
                .where(
                    Message.purpose == PURPOSE,
                    Message.channel.in_(_ADDRESSED),
                    Message.status.in_(_SENT_OUT),
                    Message.recipient.not_like("%*%"),
                )
                .order_by(Message.created_at, Message.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        by_seat: dict[uuid.UUID, list[Message]] = {}
        for message in found:
            matched = _REFERENCE.fullmatch(message.reference)
            if matched is not None:
                by_seat.setdefault(uuid.UUID(matched.group(1)), []).append(message)
        settled = (
            await session.scalars(
                select(DrawSeat.id).where(
                    DrawSeat.id.in_(list(by_seat)), DrawSeat.status.not_in([SeatStatus.RESERVE, SeatStatus.INVITED])
                )
            )
        ).all()
        masked = 0
        for seat_id in settled:
            for message in by_seat[seat_id]:
                message.recipient = mask(message.channel, message.recipient)
                masked += 1
    return {"addresses_masked": masked}


async def _alert_short(
    session: AsyncSession, draw: ExpertDraw, shortfall: list[dict[str, object]], *, queue: QueueFn
) -> None:
    summary = "，".join(f"{s['specialty']} 缺 {s['seats']}（可抽 {s['available']}）" for s in shortfall)
    await queue(
        Notice(
            ChannelKind.IN_APP,
            f"org:{draw.requested_by_org}",
            SHORT_PURPOSE,
            f"expert-draw:{draw.id}",
            Text("评标专家补抽不足", "Not enough experts for the top-up"),
            Text(
                f"专家抽取 {draw.id} 的备选专家已用尽，补抽人数不足：{summary}。请调整条件后申请补抽或取消。",
                f"Draw {draw.id}: the backups ran out and the top-up pool is short. Adjust and top up, or cancel.",
            ),
        ),
        None,
    )


async def vacancy(
    session: AsyncSession,
    platform: Platform,
    draw: ExpertDraw,
    specialty: str,
    *,
    queue: QueueFn,
    actor: Actor,
    now: datetime,
) -> None:
    """A seat of ``specialty`` is free: invite its next backup, or draw a top-up when none is left."""
    nxt = await session.scalar(
        select(DrawSeat)
        .where(DrawSeat.draw_id == draw.id, DrawSeat.specialty == specialty, DrawSeat.status == SeatStatus.RESERVE)
        .order_by(DrawSeat.position)
        .limit(1)
    )
    if nxt is not None:
        await invite(session, platform, draw, nxt, queue=queue, actor=actor, now=now)
        record(
            session,
            actor,
            "expert_draw.backup_called",
            object_type="expert_draw",
            object_id=str(draw.id),
            details={"seat": str(nxt.id), "specialty": specialty, "position": nxt.position},
        )
        return
    missing = await _missing(session, draw, specialty)
    if missing <= 0:
        return
    await top_up(session, platform, draw, {specialty: missing}, queue=queue, actor=actor, now=now)


async def _missing(session: AsyncSession, draw: ExpertDraw, specialty: str) -> int:
    filled = await session.scalar(
        select(func.count()).where(
            DrawSeat.draw_id == draw.id,
            DrawSeat.specialty == specialty,
            DrawSeat.status.in_([SeatStatus.INVITED, SeatStatus.ACCEPTED]),
        )
    )
    return int(draw.seats.get(specialty, 0)) - int(filled or 0)


async def missing_seats(session: AsyncSession, draw: ExpertDraw) -> dict[str, int]:
    """Per specialty, the seats neither accepted nor awaiting an answer, with no backup left to call."""
    out: dict[str, int] = {}
    for code in sorted(draw.seats):
        reserve = await session.scalar(
            select(func.count()).where(
                DrawSeat.draw_id == draw.id, DrawSeat.specialty == code, DrawSeat.status == SeatStatus.RESERVE
            )
        )
        missing = await _missing(session, draw, code)
        if missing > 0 and not reserve:
            out[code] = missing
    return out


async def top_up(
    session: AsyncSession,
    platform: Platform,
    draw: ExpertDraw,
    missing: dict[str, int],
    *,
    queue: QueueFn,
    actor: Actor,
    now: datetime,
) -> bool:
    """Draw a top-up round for ``missing`` seats and invite its seated experts; when the pool is short,
    mark the draw ``short`` and alert the requester. True when the top-up was drawn."""
    outcome = await top_up_round(session, platform, draw, missing, actor=actor, now=now)
    if outcome.round is None:
        draw.shortfall = list(outcome.shortfall)
        if draw.status is DrawStatus.INVITING:
            set_status(draw, DrawStatus.SHORT, now)
        record(
            session,
            actor,
            "expert_draw.short",
            object_type="expert_draw",
            object_id=str(draw.id),
            details={"missing": missing, "shortfall": list(outcome.shortfall)},
        )
        await _alert_short(session, draw, list(outcome.shortfall), queue=queue)
        return False
    if draw.status is DrawStatus.SHORT:
        set_status(draw, DrawStatus.INVITING, now)
        draw.shortfall = None
    for seat in outcome.seats:
        if seat.kind is SeatKind.SEAT:
            await invite(session, platform, draw, seat, queue=queue, actor=actor, now=now)
    record(
        session,
        actor,
        "expert_draw.topped_up",
        object_type="expert_draw",
        object_id=str(draw.id),
        details={"missing": missing, "round_id": str(outcome.round.id), "round": outcome.round.number},
    )
    return True


async def _complete_if_full(session: AsyncSession, draw: ExpertDraw, now: datetime) -> None:
    if draw.status is not DrawStatus.INVITING:
        return
    for code, n in draw.seats.items():
        accepted = await session.scalar(
            select(func.count()).where(
                DrawSeat.draw_id == draw.id, DrawSeat.specialty == code, DrawSeat.status == SeatStatus.ACCEPTED
            )
        )
        if int(accepted or 0) < int(n):
            return
    set_status(draw, DrawStatus.COMPLETE, now)


async def answer_seat(
    session: AsyncSession,
    platform: Platform,
    seat_id: uuid.UUID,
    choice: str,
    *,
    via: str,
    queue: QueueFn,
    actor: Actor,
    now: datetime,
) -> DrawSeat:
    """Record an expert's answer (``accept`` or ``decline``) in ``session``'s transaction; a decline calls
    the next backup. :class:`InvitationClosed` when the seat no longer waits for an answer."""
    if choice not in ("accept", "decline"):
        raise InvitationClosed(f"{choice!r} is not an answer to an invitation")
    seat = await session.get(DrawSeat, seat_id)
    if seat is None:
        raise InvitationNotFound()
    draw = await lock_draw(session, seat.draw_id)
    if draw.status not in (DrawStatus.INVITING, DrawStatus.SHORT):
        raise InvitationClosed(f"the draw is {draw.status.value}")
    to = SeatStatus.ACCEPTED if choice == "accept" else SeatStatus.DECLINED
    done = await session.execute(
        update(DrawSeat)
        .where(DrawSeat.id == seat_id, DrawSeat.status == SeatStatus.INVITED, DrawSeat.answer_due_at > now)
        .values(status=to, answered_at=now, answered_via=via, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if int(getattr(done, "rowcount", 0) or 0) != 1:
        raise InvitationClosed()
    await session.refresh(seat)
    record(
        session,
        actor,
        "expert_draw.answered",
        object_type="expert_draw",
        object_id=str(draw.id),
        details={"seat": str(seat.id), "specialty": seat.specialty, "answer": choice, "via": via},
    )
    await _forget_addresses(session, seat.id)
    if to is SeatStatus.DECLINED:
        await vacancy(session, platform, draw, seat.specialty, queue=queue, actor=actor, now=now)
    else:
        await _complete_if_full(session, draw, now)
    return seat


async def on_answer(answer: Answer) -> None:
    """The reply handler of ``expert.invitation`` (``bidding/catalogue.py::REPLY_HANDLERS``): an SMS
    reply, a keypress or an inbox answer, in the reply's transaction; its follow-ups (the next
    backup's invitation) are dispatched after that commit."""

    async def queue(notice: Notice, reply_within: timedelta | None) -> QueuedMessage:
        return await answer.queue(notice, reply_within=reply_within)

    await answer_seat(
        answer.session,
        answer.platform,
        _seat_of(answer.reference),
        answer.choice,
        via=answer.channel.value,
        queue=queue,
        actor=answer.actor,
        now=answer.received_at,
    )


async def time_out_due(platform: Platform, *, now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Time out every invitation unanswered at its deadline and call the next backup (one transaction
    per seat; a seat answered meanwhile is left alone). Counts of what was done."""
    now = now or platform.clock.now()
    async with platform.sessions() as session:
        due = (
            await session.execute(
                select(DrawSeat.id, DrawSeat.draw_id)
                .where(DrawSeat.status == SeatStatus.INVITED, DrawSeat.answer_due_at <= now)
                .order_by(DrawSeat.answer_due_at)
                .limit(limit)
            )
        ).all()
    counts = {"timed_out": 0, "skipped": 0}
    actor = Actor.system("expert-draws")
    for seat_id, draw_id in due:
        queued: list[QueuedMessage] = []
        async with platform.sessions() as session, session.begin():
            draw = await lock_draw(session, draw_id)
            done = await session.execute(
                update(DrawSeat)
                .where(DrawSeat.id == seat_id, DrawSeat.status == SeatStatus.INVITED, DrawSeat.answer_due_at <= now)
                .values(status=SeatStatus.TIMED_OUT, answered_at=now, answered_via="timeout", updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if int(getattr(done, "rowcount", 0) or 0) != 1:
                counts["skipped"] += 1
                continue
            seat = await session.get(DrawSeat, seat_id)
            assert seat is not None
            await session.refresh(seat)
            record(
                session,
                actor,
                "expert_draw.timed_out",
                object_type="expert_draw",
                object_id=str(draw.id),
                details={"seat": str(seat_id), "specialty": seat.specialty},
            )
            await _forget_addresses(session, seat_id)
            if draw.status in (DrawStatus.INVITING, DrawStatus.SHORT):
                await vacancy(
                    session,
                    platform,
                    draw,
                    seat.specialty,
                    queue=session_queue(session, platform, actor, now, queued),
                    actor=actor,
                    now=now,
                )
            counts["timed_out"] += 1
        await dispatch(platform, queued)
    return counts


# ----------------------------------------------------------------------------- the e-mail link


async def _by_token(session: AsyncSession, token: str) -> DrawSeat:
    seat = await session.scalar(
        select(DrawSeat).where(DrawSeat.token_sha256 == hashlib.sha256(token.encode()).hexdigest())
    )
    if seat is None:
        raise InvitationNotFound()
    return seat


async def invitation_by_token(platform: Platform, token: str) -> InvitationView:
    """What the e-mail's link shows (no login: the token is the credential, and says only when,
    where and which specialty)."""
    async with platform.sessions() as session:
        seat = await _by_token(session, token)
        draw = await session.get(ExpertDraw, seat.draw_id)
        assert draw is not None
        return _view(seat, draw)


async def answer_by_token(platform: Platform, caller: Caller, token: str, choice: str) -> InvitationView:
    """Accept or decline by the e-mail's one-time link (it answers once: afterwards 409)."""
    now = platform.clock.now()
    queued: list[QueuedMessage] = []
    actor = caller.acting_as("expert:invitation-link")
    async with platform.sessions() as session, session.begin():
        seat = await _by_token(session, token)
        seat = await answer_seat(
            session,
            platform,
            seat.id,
            choice,
            via="email",
            queue=session_queue(session, platform, actor, now, queued),
            actor=actor,
            now=now,
        )
        draw = await session.get(ExpertDraw, seat.draw_id)
        assert draw is not None
        view = _view(seat, draw)
    await dispatch(platform, queued)
    return view


# ----------------------------------------------------------------------------- the logged-in expert


async def _own_seats(
    session: AsyncSession, platform: Platform, expert_id: uuid.UUID
) -> list[tuple[DrawSeat, ExpertDraw]]:
    sealed = sealed_list(platform)
    rows = await session.execute(
        select(DrawSeat, ExpertDraw)
        .join(ExpertDraw, ExpertDraw.id == DrawSeat.draw_id)
        .where(DrawSeat.lookup == sealed.lookup(expert_id), DrawSeat.invited_at.is_not(None))
        .order_by(DrawSeat.invited_at.desc())
    )
    # The lookup finds the candidates; the sealed id confirms each (an HMAC is not a proof of identity).
    return [(seat, draw) for seat, draw in rows.all() if open_expert(sealed, seat) == expert_id]


async def my_invitations(platform: Platform, caller: Caller) -> list[InvitationView]:
    """The logged-in expert's invitations (never a reserve place: they learn of a seat when called)."""
    expert_id = await expert_of(platform, caller)
    async with platform.sessions() as session:
        return [_view(seat, draw) for seat, draw in await _own_seats(session, platform, expert_id)]


async def answer_as_expert(platform: Platform, caller: Caller, seat_id: uuid.UUID, choice: str) -> InvitationView:
    """The logged-in expert answers one of their invitations in the app."""
    expert_id = await expert_of(platform, caller)
    now = platform.clock.now()
    queued: list[QueuedMessage] = []
    async with platform.sessions() as session, session.begin():
        own = {seat.id for seat, _ in await _own_seats(session, platform, expert_id)}
        if seat_id not in own:
            raise InvitationNotFound()
        seat = await answer_seat(
            session,
            platform,
            seat_id,
            choice,
            via="app",
            queue=session_queue(session, platform, caller.actor, now, queued),
            actor=caller.actor,
            now=now,
        )
        draw = await session.get(ExpertDraw, seat.draw_id)
        assert draw is not None
        view = _view(seat, draw)
    await dispatch(platform, queued)
    return view
