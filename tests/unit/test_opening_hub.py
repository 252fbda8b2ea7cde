"""The hub's per-client queues: a slow viewer is let go (and resumes later), never holding back others;
the lot it holds in memory: backlogs, when the clock needs a tick, one tick for a crowd of joins."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

from bidding.core.actor import Actor
from opening_room.clients import PING, QUEUE_SIZE, Client
from opening_room.events import EventView, Progress
from opening_room.live import LiveLot, LotInfo
from opening_room.participants import Participant
from opening_room.states import Role, State


def event(seq: int, audience: str = "public") -> EventView:
    return EventView(seq=seq, name="e", at=datetime.now(UTC), data={}, audience=audience)


def test_slow_viewer_is_dropped_fast_one_keeps_everything() -> None:
    public = Participant(role=Role.PUBLIC, actor=Actor(id="public"))
    slow, fast = Client(who=public), Client(who=public)
    for seq in range(1, QUEUE_SIZE + 10):
        slow.offer([event(seq)])
        fast.offer([event(seq)])
        while not fast.queue.empty():  # the fast one keeps up
            fast.queue.get_nowait()
            fast.last_seq = seq
    assert slow.dropped and not fast.dropped
    drained = []
    while not slow.queue.empty():
        drained.append(slow.queue.get_nowait())
    assert drained[-1] is None  # the sender closes the socket; the client resumes from its last seq
    assert fast.last_seq == QUEUE_SIZE + 9


def test_clients_get_only_what_they_may_see_and_nothing_twice() -> None:
    org = uuid.uuid4()
    bidder = Client(who=Participant(role=Role.BIDDER, actor=Actor(id="b"), organization_id=org))
    host = Client(who=Participant(role=Role.HOST, actor=Actor(id="h")))
    for e in (event(1), event(2, f"org:{org}"), event(3, "host"), event(4, f"org:{uuid.uuid4()}")):
        bidder.offer([e])
        host.offer([e])
    bidder.last_seq = 1
    bidder.offer([event(1)])  # already sent: skipped
    assert queued(bidder) == [1, 2]
    assert queued(host) == [1, 3]


def queued(client: Client) -> list[int]:
    seqs: list[int] = []
    while not client.queue.empty():
        batch = client.queue.get_nowait()
        assert isinstance(batch, tuple)
        seqs.extend(e.seq for e in batch)
    return seqs


# ---------------------------------------------------------------- the lot held in memory (opening_room.live)


def live_lot(*events: EventView, deadline: datetime | None = None) -> LiveLot:
    live = LiveLot(uuid.uuid4(), events=list(events))
    live.info = LotInfo({"id": str(live.lot_id)}, deadline)
    return live


def test_backlog_is_what_comes_after_since_and_what_the_viewer_may_see() -> None:
    org = uuid.uuid4()
    live = live_lot(event(1), event(2, f"org:{org}"), event(3, "host"), event(4))
    public = Participant(role=Role.PUBLIC, actor=Actor(id="public"))
    bidder = Participant(role=Role.BIDDER, actor=Actor(id="b"), organization_id=org)
    assert [e.seq for e in live.backlog(0, public)] == [1, 4]
    assert [e.seq for e in live.backlog(1, bidder)] == [2, 4]
    assert [e.seq for e in live.backlog(3, public)] == [4]
    assert live.backlog(4, public) == [] and live.backlog(99, public) == []
    assert live.snapshot(datetime.now(UTC))["last_seq"] == 4


def test_a_lot_is_due_a_tick_when_the_clock_is_ahead_of_what_it_holds() -> None:
    deadline = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    live = live_lot(event(1), deadline=deadline)
    assert not live.due(deadline - timedelta(seconds=1))
    assert live.due(deadline)
    live.state, live.decrypt_ends_at = State.DECRYPTING.value, deadline + timedelta(minutes=30)
    assert not live.due(deadline + timedelta(minutes=29))
    assert live.due(deadline + timedelta(minutes=30))
    live.state = State.ANNOUNCED.value
    assert not live.due(deadline + timedelta(days=1))
    assert LiveLot(uuid.uuid4()).due(deadline)  # never loaded


async def test_joins_at_the_same_moment_share_one_tick_and_none_follows_within_a_second() -> None:
    live = LiveLot(uuid.uuid4())
    calls = 0

    async def step() -> None:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)

    await asyncio.gather(*(live.settle(step) for _ in range(50)))
    await live.settle(step)
    assert calls == 1


def test_an_event_is_serialised_once_as_its_message() -> None:
    e = EventView(seq=7, name="announcement", at=datetime.now(UTC), data={"报价": "1.00"}, audience="public")
    assert json.loads(e.frame) == e.message()
    assert e.frame is e.frame


def test_only_a_quiet_client_is_pinged() -> None:
    public = Participant(role=Role.PUBLIC, actor=Actor(id="public"))
    quiet, busy = Client(who=public), Client(who=public)
    busy_event = event(1)
    busy.offer([busy_event])
    quiet.ping()
    busy.ping()
    assert quiet.queue.get_nowait() is PING and quiet.queue.empty()
    assert busy.queue.get_nowait() == (busy_event,) and busy.queue.empty()


def progress(*seqs: int, state: str = "waiting") -> Progress:
    return Progress(state, max(seqs, default=0), None, tuple(event(s) for s in seqs))


def test_a_lot_takes_what_follows_skips_what_it_holds_and_stops_at_a_gap() -> None:
    live = live_lot(event(1), event(2))
    added, complete = live.add(progress(2, 3, 4, state="decrypting"))
    assert ([e.seq for e in added], complete) == ([3, 4], True)
    assert (live.seen, live.state) == (4, "decrypting")
    added, complete = live.add(progress(6, 7, state="announced"))  # 5 was committed elsewhere, not read yet
    assert (added, complete, live.seen, live.state) == ([], False, 4, "decrypting")


def test_changes_merged_keep_every_event_once_and_the_later_state() -> None:
    merged = progress(3, 4, state="announced") | progress(2, 3, state="decrypting")
    assert [e.seq for e in merged.events] == [2, 3, 4] and (merged.state, merged.last_seq) == ("announced", 4)


def test_a_burst_read_at_once_is_one_batch_not_a_slow_client() -> None:
    viewer = Client(who=Participant(role=Role.PUBLIC, actor=Actor(id="public")))
    viewer.offer([event(seq) for seq in range(1, 4 * QUEUE_SIZE)])  # a thousand decryptions read at once
    assert not viewer.dropped and viewer.queue.qsize() == 1
    assert queued(viewer) == list(range(1, 4 * QUEUE_SIZE))
