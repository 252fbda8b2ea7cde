"""The hub's per-client queues: a slow viewer is let go (and resumes later), never holding back others."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from bidding.core.actor import Actor
from opening_room.events import EventView
from opening_room.hub import QUEUE_SIZE, Client
from opening_room.participants import Participant
from opening_room.states import Role


def event(seq: int, audience: str = "public") -> EventView:
    return EventView(seq=seq, name="e", at=datetime.now(UTC), data={}, audience=audience)


def test_slow_viewer_is_dropped_fast_one_keeps_everything() -> None:
    public = Participant(role=Role.PUBLIC, actor=Actor(id="public"))
    slow, fast = Client(who=public), Client(who=public)
    for seq in range(1, QUEUE_SIZE + 10):
        slow.offer(event(seq))
        fast.offer(event(seq))
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
        bidder.offer(e)
        host.offer(e)
    bidder.last_seq = 1
    bidder.offer(event(1))  # already sent: skipped
    assert queued(bidder) == [1, 2]
    assert queued(host) == [1, 3]


def queued(client: Client) -> list[int]:
    seqs = []
    while not client.queue.empty():
        message = client.queue.get_nowait()
        assert message is not None
        seqs.append(message["seq"])
    return seqs
