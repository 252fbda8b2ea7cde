"""The answers to an expert draw's invitations, on both profiles (issue 19; ``docs/expert-draws.md`` §5):
a reply and the time-out racing on one seat seat one backup (exactly once, under the draw's lock); a
keypress in the call and an answer in the app count like an SMS; a second answer and a late one do
nothing; a settled invitation's addresses are masked in the outbox; "draw now" just after the job drew
answers the draw instead of refusing it; the agent tops up a ``short`` draw."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bidding.audit.models import AuditEvent
from bidding.client.identity import Identity
from bidding.client.session import login
from bidding.core.actor import Actor
from bidding.core.clock import ManualClock
from bidding.experts.draw_jobs import watch_expert_draws
from bidding.experts.draw_models import DrawSeat
from bidding.experts.draw_states import SeatStatus
from bidding.experts.invitations import answer_seat, reference, session_queue, time_out_due
from bidding.experts.rounds import open_expert, sealed_list
from bidding.messaging.channels import ChannelKind
from bidding.messaging.models import Message, MessageReply
from bidding.messaging.service import QueuedMessage, dispatch
from bidding.messaging.states import MessageStatus, ReplyOutcome
from tests.fixtures.errors import error_code
from tests.fixtures.expert_draws import LINK, SPECIALTY, experts, new_region, opened, request_body
from tests.fixtures.expert_pool import expert_body, trading_centre
from tests.fixtures.parties import AUDIENCE
from tests.fixtures.sms_provider import FakeAliyun
from tests.fixtures.smtp import SmtpServer

# The same SQL on both profiles: run on PostgreSQL; test_awards_e2e takes a whole project through
# SQLite (tests/conftest.py, one_profile).
pytestmark = pytest.mark.one_profile("production")

SENT_OUT = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED)


async def plain_experts(
    client: httpx.AsyncClient, admin_headers: dict[str, str], region: str, n: int
) -> dict[str, dict[str, str]]:
    """``n`` experts of the specialty in ``region`` (no certificate: they answer by SMS, call or e-mail),
    by id: their mobile and e-mail."""
    made = {}
    for _ in range(n):
        body = expert_body(region_code=region, specialties=[SPECIALTY])
        body["email"] = f"e{uuid.uuid4().hex[:12]}@example.cn"
        response = await client.post("/api/experts", json=body, headers=admin_headers)
        assert response.status_code == 201, response.text
        made[response.json()["id"]] = {"mobile": body["mobile"], "email": body["email"]}
    return made


async def seats(platform: Any, draw_id: str) -> list[DrawSeat]:
    async with platform.sessions() as db:
        found = await db.scalars(
            select(DrawSeat).where(DrawSeat.draw_id == uuid.UUID(draw_id)).order_by(DrawSeat.position)
        )
        return list(found.all())


def expert_of(platform: Any, seat: DrawSeat) -> str:
    return str(open_expert(sealed_list(platform), seat))


async def answer(platform: Any, seat_id: uuid.UUID, choice: str) -> None:
    """An answer as the service takes it (the app's, without a login: the tests' shortcut to seat others)."""
    now = platform.clock.now()
    queued: list[QueuedMessage] = []
    actor = Actor.system("test")
    async with platform.sessions() as db, db.begin():
        await answer_seat(
            db,
            platform,
            seat_id,
            choice,
            via="app",
            queue=session_queue(db, platform, actor, now, queued),
            actor=actor,
            now=now,
        )
    await dispatch(platform, queued)


async def messages(platform: Any, seat_id: uuid.UUID) -> list[Message]:
    async with platform.sessions() as db:
        return list((await db.scalars(select(Message).where(Message.reference == reference(seat_id)))).all())


async def sent(platform: Any, seat_id: uuid.UUID, *channels: ChannelKind) -> list[Message]:
    """Wait until the seat's notices on ``channels`` left the outbox (sent to the provider/SMTP)."""
    deadline = asyncio.get_running_loop().time() + 20
    while True:
        found = [m for m in await messages(platform, seat_id) if m.channel in channels]
        if {m.channel for m in found if m.status in SENT_OUT} >= set(channels):
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not sent: {[(m.channel, m.status) for m in found]}")
        await asyncio.sleep(0.05)


async def events(platform: Any, draw_id: str, *actions: str) -> list[AuditEvent]:
    async with platform.sessions() as db:
        found = await db.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_id == draw_id, AuditEvent.action.in_(actions))
            .order_by(AuditEvent.id)
        )
        return list(found.all())


async def a_draw(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    region: str,
    **change: Any,
) -> tuple[dict[str, Any], str]:
    """A real opening, a request for 5 in ``region`` and the draw (the opening, request and draw-now)."""
    o = await opened(client, admin_headers, clock, live)
    made = await client.post("/api/expert-draws", json=request_body(o, region, **change), headers=o["p"]["agent"])
    assert made.status_code == 201, made.text
    draw_id = made.json()["id"]
    drawn = await client.post(f"/api/expert-draws/{draw_id}/draw-now", headers=o["p"]["agent"])
    assert drawn.status_code == 200, drawn.text
    return o, draw_id


# ----------------------------------------------------------------------------- exactly once


async def test_a_reply_racing_the_time_out_seats_exactly_one_backup(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
    provider: FakeAliyun,
    mailbox: SmtpServer,
) -> None:
    """20 times: the expert's decline (an SMS reply, or the e-mail link) and the job's time-out run
    together on one seat, each in its own session; one of them counts, one backup is called, one
    audit event says what happened to the seat — never both, never an error."""
    rounds = 20
    region = new_region()
    pool = await plain_experts(client, admin_headers, region, 5 + rounds)
    _, draw_id = await a_draw(client, admin_headers, clock, live, region, backups={SPECIALTY: rounds})
    first = [s for s in await seats(platform, draw_id) if s.status is SeatStatus.INVITED]
    assert len(first) == 5
    for seat in first[1:]:  # four accept: one seat is left waiting, the one the race is about
        await answer(platform, seat.id, "accept")
    outcomes = []
    for i in range(rounds):
        [seat] = [s for s in await seats(platform, draw_id) if s.status is SeatStatus.INVITED]
        person = pool[expert_of(platform, seat)]
        due = seat.answer_due_at
        assert due is not None
        by_email = i % 2 == 1
        await sent(platform, seat.id, ChannelKind.EMAIL if by_email else ChannelKind.SMS)
        clock.set(due - timedelta(seconds=1))  # the reply comes in time; the job's pass read the clock after
        if by_email:
            mail = (await mailbox.wait_for(person["email"]))[-1].message.get_body(preferencelist=("plain",))
            assert mail is not None
            token = LINK.search(mail.get_content())
            assert token is not None
            reply = client.post(f"/api/expert-invitations/{token.group(1)}/answer", json={"answer": "decline"})
        else:
            reply = provider.reply_sms(client, person["mobile"], "2", at=clock.now())
        replied, _ = await asyncio.gather(reply, time_out_due(platform, now=due + timedelta(seconds=1)))
        assert replied.status_code in ((200, 409) if by_email else (200,)), replied.text
        after = {s.id: s for s in await seats(platform, draw_id)}
        outcome = after[seat.id].status
        assert outcome in (SeatStatus.DECLINED, SeatStatus.TIMED_OUT), outcome
        outcomes.append(outcome)
        settled = [
            e
            for e in await events(platform, draw_id, "expert_draw.answered", "expert_draw.timed_out")
            if e.details.get("seat") == str(seat.id)
        ]
        assert len(settled) == 1, [(e.action, e.details) for e in settled]
        assert settled[0].action == (
            "expert_draw.answered" if outcome is SeatStatus.DECLINED else "expert_draw.timed_out"
        )
        if by_email:  # the loser was told so
            assert replied.status_code == (200 if outcome is SeatStatus.DECLINED else 409)
            if replied.status_code == 409:
                assert error_code(replied) == "invitation_closed"
        else:
            async with platform.sessions() as db:
                kept = await db.scalar(
                    select(MessageReply).where(MessageReply.sender == person["mobile"]).order_by(MessageReply.id.desc())
                )
            assert kept is not None
            if outcome is SeatStatus.DECLINED:
                assert kept.outcome is ReplyOutcome.DISPATCHED, (kept.outcome, kept.detail)
            elif kept.outcome is not ReplyOutcome.REFUSED:
                # The time-out committed before the reply was matched: the settled seat's SMS address
                # was already forgotten (masked), so the reply matches no message and is kept unmatched.
                assert kept.outcome is ReplyOutcome.UNMATCHED, (kept.outcome, kept.detail)
                async with platform.sessions() as db:
                    addressed = (
                        await db.scalars(
                            select(Message.recipient).where(
                                Message.reference == reference(seat.id), Message.channel == ChannelKind.SMS
                            )
                        )
                    ).all()
                assert addressed and all("*" in recipient for recipient in addressed), addressed
        # One backup, and only one, was called for the seat.
        assert [s.status for s in after.values()].count(SeatStatus.INVITED) == 1
        assert sum(s.invited_at is not None for s in after.values()) == 5 + i + 1
        assert len(await events(platform, draw_id, "expert_draw.backup_called")) == i + 1
    assert len(outcomes) == rounds


# ----------------------------------------------------------------------------- draw now after the job


async def test_draw_now_after_the_job_drew_answers_the_draw(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
    provider: FakeAliyun,
    mailbox: SmtpServer,
) -> None:
    """The minute job draws at the draw time; the agent pressing "draw now" a moment later gets the
    draw it made (200, its counts), not a 409, and nothing is drawn twice. A cancelled draw is 409."""
    region = new_region()
    await plain_experts(client, admin_headers, region, 6)
    o = await opened(client, admin_headers, clock, live)
    agent = o["p"]["agent"]
    draw_id = (await client.post("/api/expert-draws", json=request_body(o, region), headers=agent)).json()["id"]
    done = await watch_expert_draws({"platform": platform})  # the job's pass, at the test's clock
    assert done["drawn"] >= 1, done
    for _ in range(2):
        pressed = await client.post(f"/api/expert-draws/{draw_id}/draw-now", headers=agent)
        assert pressed.status_code == 200, pressed.text
        assert (pressed.json()["status"], pressed.json()["pending"], pressed.json()["rounds"]) == ("inviting", 5, 1)
    assert len(await events(platform, draw_id, "expert_draw.drawn")) == 1
    assert len(await events(platform, draw_id, "expert_draw.invited")) == 5
    # A cancelled draw is not drawn by pressing the button (the project's second lot).
    body = request_body(o, region, lot_ids=[o["project"]["lots"][1]["id"]])
    other = (await client.post("/api/expert-draws", json=body, headers=agent)).json()["id"]
    assert (await client.post(f"/api/expert-draws/{other}/cancel", headers=agent)).status_code == 200
    refused = await client.post(f"/api/expert-draws/{other}/draw-now", headers=agent)
    assert refused.status_code == 409 and error_code(refused) == "expert_draw_refused"


# ----------------------------------------------------------------------------- the other answer paths


async def test_keypress_app_second_and_late_answers_masking_and_the_top_up_from_short(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
    provider: FakeAliyun,
    mailbox: SmtpServer,
) -> None:
    """A keypress in the call accepts; the logged-in expert accepts in the app, and a second answer is
    409; a settled invitation's SMS, call and e-mail addresses are masked in the outbox; after the
    time-out an SMS reply is kept as late, an answer in the app or by the link is 409, and none calls
    a backup; once backups and pool run out the draw is short, and the agent tops it up when the pool
    has grown (a top-up of a draw that is not short is 409)."""
    region = new_region()
    centre = (await trading_centre(client, admin_headers))["id"]
    pool = await experts(client, admin_headers, centre, region, 8)
    people = {login_.expert_id: (login_, person) for login_, person in pool}
    o, draw_id = await a_draw(client, admin_headers, clock, live, region)
    agent = o["p"]["agent"]
    invited = [s for s in await seats(platform, draw_id) if s.status is SeatStatus.INVITED]
    assert len(invited) == 5
    everything = (ChannelKind.SMS, ChannelKind.VOICE, ChannelKind.EMAIL)
    for seat in invited:
        await sent(platform, seat.id, *everything)
    by_voice, in_app, *waiting = invited
    sessions = {}
    for seat in invited:
        login_, _ = people[expert_of(platform, seat)]
        sessions[seat.id] = (await login(client, Identity(login_.key, login_.cert), audience=AUDIENCE)).headers

    # 1 pressed in the call (the provider's call record pushed back) accepts.
    mobile = people[expert_of(platform, by_voice)][1]["mobile"]
    call = provider.calls_to(mobile)[-1]
    pressed = await provider.press_keys(client, call, "1", at=clock.now())
    assert pressed.status_code == 200 and pressed.json()["replies"] == 1, pressed.text
    now = {s.id: s for s in await seats(platform, draw_id)}
    assert (now[by_voice.id].status, now[by_voice.id].answered_via) == (SeatStatus.ACCEPTED, "voice")

    # In the app: accepted once; a second answer is 409; another expert cannot answer this seat.
    url = f"/api/expert/invitations/{in_app.id}/answer"
    other = sessions[waiting[0].id]
    assert (await client.post(url, json={"answer": "decline"}, headers=other)).status_code == 404
    accepted = await client.post(url, json={"answer": "accept"}, headers=sessions[in_app.id])
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted", accepted.text
    again = await client.post(url, json={"answer": "decline"}, headers=sessions[in_app.id])
    assert again.status_code == 409 and error_code(again) == "invitation_closed"

    # Settled: the addresses are masked; the waiting ones keep theirs (a retry needs them).
    for seat in (by_voice, in_app):
        _, person = people[expert_of(platform, seat)]
        for message in [m for m in await messages(platform, seat.id) if m.channel in everything]:
            assert "*" in message.recipient and message.recipient not in (person["mobile"], person["email"])
    _, person = people[expert_of(platform, waiting[0])]
    kept = {m.channel: m.recipient for m in await messages(platform, waiting[0].id)}
    assert (kept[ChannelKind.SMS], kept[ChannelKind.EMAIL]) == (person["mobile"], person["email"])

    # No answer in time: the three time out, two backups and the last expert of the pool are called.
    due = waiting[0].answer_due_at
    assert due is not None
    clock.set(due + timedelta(seconds=1))
    await time_out_due(platform)
    called = len(await events(platform, draw_id, "expert_draw.backup_called", "expert_draw.topped_up"))
    now = {s.id: s for s in await seats(platform, draw_id)}
    assert all(now[s.id].status is SeatStatus.TIMED_OUT for s in waiting)
    for seat in waiting:  # masked by the time-out (every notice had been sent)
        assert all("*" in m.recipient for m in await messages(platform, seat.id) if m.channel in everything)

    # Late answers do nothing: an SMS reply is kept as late; the app and the link say 409.
    late_sms, late_app, late_link = waiting
    pushed = await provider.reply_sms(client, people[expert_of(platform, late_sms)][1]["mobile"], "1", at=clock.now())
    assert pushed.status_code == 200, pushed.text
    async with platform.sessions() as db:
        reply = await db.scalar(
            select(MessageReply)
            .where(MessageReply.sender == people[expert_of(platform, late_sms)][1]["mobile"])
            .order_by(MessageReply.id.desc())
        )
    # Late, or unmatched: the time-out masked the number the reply would be matched by.
    assert reply is not None and reply.outcome in (ReplyOutcome.LATE, ReplyOutcome.UNMATCHED), reply.outcome
    session = (
        await login(
            client,
            Identity(people[expert_of(platform, late_app)][0].key, people[expert_of(platform, late_app)][0].cert),
            audience=AUDIENCE,
        )
    ).headers
    late = await client.post(
        f"/api/expert/invitations/{late_app.id}/answer", json={"answer": "accept"}, headers=session
    )
    assert late.status_code == 409 and error_code(late) == "invitation_closed"
    mail = (await mailbox.wait_for(people[expert_of(platform, late_link)][1]["email"]))[-1]
    body = mail.message.get_body(preferencelist=("plain",))
    assert body is not None
    token = LINK.search(body.get_content())
    assert token is not None
    late = await client.post(f"/api/expert-invitations/{token.group(1)}/answer", json={"answer": "accept"})
    assert late.status_code == 409 and error_code(late) == "invitation_closed"
    now = {s.id: s for s in await seats(platform, draw_id)}
    assert all(now[s.id].status is SeatStatus.TIMED_OUT for s in waiting)
    assert len(await events(platform, draw_id, "expert_draw.backup_called", "expert_draw.topped_up")) == called

    # The three called now time out too: no backup, no one left in the pool — the draw is short.
    third = [s for s in now.values() if s.status is SeatStatus.INVITED]
    assert len(third) == 3
    due = max(s.answer_due_at for s in third if s.answer_due_at is not None)
    clock.set(due + timedelta(seconds=1))
    await time_out_due(platform)
    agent = (await login(client, o["p"]["users"]["agent"].identity, audience=AUDIENCE)).headers  # the clock moved
    short = (await client.get(f"/api/expert-draws/{draw_id}", headers=agent)).json()
    assert (short["status"], short["seated"], short["pending"]) == ("short", 2, 0), short
    # The pool grows; the agent tops up: three are drawn in a new round and invited.
    await plain_experts(client, admin_headers, region, 3)
    topped = await client.post(f"/api/expert-draws/{draw_id}/top-up", headers=agent)
    assert topped.status_code == 200, topped.text
    assert (topped.json()["status"], topped.json()["pending"]) == ("inviting", 3)
    assert topped.json()["rounds"] == short["rounds"] + 1
    again = await client.post(f"/api/expert-draws/{draw_id}/top-up", headers=agent)
    assert again.status_code == 409 and error_code(again) == "expert_draw_refused"


# ----------------------------------------------------------------------------- government procurement


async def test_government_procurement_names_are_public_once_final(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
    provider: FakeAliyun,
    mailbox: SmtpServer,
) -> None:
    """政采条例 43, 87号令 69: a government-procurement committee's names are public with the final
    result (not before); a draw that is not government procurement stays closed to the public."""
    region = new_region()
    await plain_experts(client, admin_headers, region, 9)
    o, draw_id = await a_draw(  # the lots' budget is above the threshold: 7 members (87号令 47)
        client, admin_headers, clock, live, region, government_procurement=True, size=7, seats={SPECIALTY: 7}
    )
    for seat in [s for s in await seats(platform, draw_id) if s.status is SeatStatus.INVITED]:
        await answer(platform, seat.id, "accept")
    public = f"/api/public/expert-draws/{draw_id}/committee"
    sealed = await client.get(public)
    assert sealed.status_code == 403 and error_code(sealed) == "committee_sealed"
    assert sealed.json()["error"]["details"] == [{"rule": "sealed_until_final"}]
    supervisor = (await login(client, o["p"]["users"]["supervisor"].identity, audience=AUDIENCE)).headers
    final = await client.post(f"/api/supervision/expert-draws/{draw_id}/finalise", headers=supervisor)
    assert final.status_code == 200 and final.json()["status"] == "final", final.text
    shown = await client.get(public)
    assert shown.status_code == 200, shown.text
    assert shown.json()["audience"] == "public" and len(shown.json()["members"]) == 7
    assert {m["specialty"] for m in shown.json()["members"]} == {SPECIALTY}
    revealed = await events(platform, draw_id, "expert_draw.revealed")
    assert [e.details["audience"] for e in revealed] == ["public"]
    # Finalising again is refused: the result is final once.
    again = await client.post(f"/api/supervision/expert-draws/{draw_id}/finalise", headers=supervisor)
    assert again.status_code == 409 and error_code(again) == "expert_draw_refused"


# ----------------------------------------------------------------------------- recusal in a real draw


async def test_the_draw_limit_and_an_excluded_region_recuse_in_a_real_draw(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
    provider: FakeAliyun,
    mailbox: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With ``BIDDING_EXPERT_MAX_DRAWS=1`` the five invited by a first draw are not drawn by the next
    (``draw_limit``), nor is an expert of a region the request excludes (``region_excluded``); the
    supervisor sees each reason, the others are drawn."""
    monkeypatch.setattr(platform, "settings", dataclasses.replace(platform.settings, expert_max_draws=1))
    region, elsewhere = new_region(), new_region()
    once = await plain_experts(client, admin_headers, region, 5)
    await a_draw(client, admin_headers, clock, live, region, backups={})
    fresh = await plain_experts(client, admin_headers, region, 5)
    excluded = await plain_experts(client, admin_headers, elsewhere, 1)
    o, draw_id = await a_draw(
        client,
        admin_headers,
        clock,
        live,
        region,
        backups={},
        regions_included=[region, elsewhere],
        regions_excluded=[elsewhere],
    )
    drawn = {expert_of(platform, s) for s in await seats(platform, draw_id)}
    assert drawn == set(fresh)
    supervisor = (await login(client, o["p"]["users"]["supervisor"].identity, audience=AUDIENCE)).headers
    view = await client.get(f"/api/supervision/expert-draws/{draw_id}", headers=supervisor)
    assert view.status_code == 200, view.text
    reasons = {e["expert_id"]: e["reasons"] for e in view.json()["exclusions"]}
    for expert_id in once:
        assert "draw_limit" in reasons[expert_id], reasons.get(expert_id)
    [outside] = excluded
    assert "region_excluded" in reasons[outside], reasons.get(outside)
    assert not set(reasons) & set(fresh)
