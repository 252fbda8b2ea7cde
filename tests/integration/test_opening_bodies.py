"""Bodies are decrypted by a worker after a real opening, with the data key the opening room kept on
the bid, encrypted: the job gets the bid's id alone, so the key is nowhere in Redis (arq keeps job
arguments and results there for a day), and the database holds only its ciphertext. A key missing
or not opening is a recorded, audited failure that does not retry."""

from __future__ import annotations

import asyncio
import base64
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from arq.jobs import Job
from redis.asyncio import Redis
from sqlalchemy import select, update

from bidding.client.session import login
from bidding.core.clock import ManualClock
from bidding.core.jobs.models import JobExecution
from bidding.core.jobs.registry import Queue
from bidding.submission.extraction import OPEN_BID_BODY
from bidding.submission.models import Bid
from bidding.submission.opened_keys import OpenedKeys
from crypto.sealed import unwrap_data_key
from tests.conftest import SECRET_KEY
from tests.fixtures.audit import count_audit_events
from tests.fixtures.parties import AUDIENCE, Enrolled, logged_in_parties
from tests.fixtures.projects import create_published
from tests.fixtures.room import Peer
from tests.fixtures.uploads import new_bidder_with_bid


async def wait_complete(platform: Any, job_id: str, timeout: float = 30) -> Any:
    """arq's own record of the finished job (its result, whether it succeeded, which try it was)."""
    job = Job(job_id, platform.redis, _queue_name=platform.settings.queue_name(Queue.DEFAULT))
    for _ in range(int(timeout / 0.05)):
        info = await job.result_info()
        if info is not None:
            return info
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} did not complete: {await job.status()}")


async def redis_dump(redis: Redis) -> list[bytes]:
    """Every key of this Redis and every value under it, whatever its type."""
    out: list[bytes] = []
    async for key in redis.scan_iter(count=1000):
        out.append(key)
        kind = (await redis.type(key)).decode()
        if kind == "string":
            out.append(await redis.get(key) or b"")
        elif kind == "hash":
            for field, value in (await redis.hgetall(key)).items():
                out += [field, value]
        elif kind == "list":
            out += await redis.lrange(key, 0, -1)
        elif kind == "set":
            out += list(await redis.smembers(key))
        elif kind == "zset":
            out += [member for member, _ in await redis.zrange(key, 0, -1, withscores=True)]
        elif kind == "stream":
            for _, fields in await redis.xrange(key):
                for field, value in fields.items():
                    out += [field, value]
    return out


def spellings(key: bytes) -> list[bytes]:
    return [
        key,
        key.hex().encode(),
        key.hex().upper().encode(),
        base64.b64encode(key),
        base64.urlsafe_b64encode(key),
        base64.b64encode(key).rstrip(b"="),
        base64.urlsafe_b64encode(key).rstrip(b"="),
    ]


async def test_bodies_are_opened_with_a_key_kept_encrypted_and_never_in_redis(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    p = await logged_in_parties(client, admin_headers, ("agent", "agent"), ("tenderer", "tenderer"))
    project = await create_published(client, p, clock.now())
    lot = project["lots"][0]
    bidders: list[tuple[Enrolled, bytes]] = []
    for index in range(5):
        body = f"technical proposal {index} {uuid.uuid4()}".encode() * 200
        user, _ = await new_bidder_with_bid(client, admin_headers, project, lot, body)
        bidders.append((user, body))
    async with platform.sessions() as s:
        bid_of = {
            str(b.organization_id): b
            for b in await s.scalars(select(Bid).where(Bid.lot_id == uuid.UUID(lot["id"]), Bid.status == "active"))
        }

    clock.set(datetime.fromisoformat(lot["bid_deadline"]) + timedelta(seconds=1))
    host = await Peer.connect(
        live, lot["id"], (await login(client, p["users"]["agent"].identity, audience=AUDIENCE)).token
    )
    await host.until("bidders.published")
    assert (await host.command("start_decryption"))["ok"]

    # Three bidders decrypt their forms; bidders 4 and 5 never do.
    keys: dict[str, bytes] = {}
    for user, _ in bidders[:3]:
        peer = await Peer.connect(live, lot["id"], (await login(client, user.identity, audience=AUDIENCE)).token)
        envelope = await peer.command("get_envelope")
        key = unwrap_data_key(base64.b64decode(envelope["data"]["envelope"]), user.key)
        decrypted = await peer.command("decrypt", data_key=base64.b64encode(key).decode())
        assert decrypted["data"]["status"] == "decrypted", decrypted
        keys[user.org_id] = key
        await peer.close()

    # Each decrypted body is opened by its job and stored; it is the very body the bidder sealed.
    for user, body in bidders[:3]:
        bid = bid_of[user.org_id]
        info = await wait_complete(platform, f"open-body:{bid.id}")
        assert (info.success, info.job_try, info.args) == (True, 1, (str(bid.id),))
        object_key = f"opened/{bid.lot_id}/{bid.id}.tar"
        assert info.result == {"bid": str(bid.id), "status": "opened", "detail": "", "key": object_key}
        stored = b"".join([chunk async for chunk in platform.store.open(object_key)])
        assert stored == body
        assert await count_audit_events(platform, "bid.body_opened", f"open-body:{bid.id}") == 1

    # The database holds each key encrypted, bound to its bid; the platform secret opens it.
    async with platform.sessions() as s:
        kept = {
            str(b.organization_id): b
            for b in await s.scalars(select(Bid).where(Bid.lot_id == uuid.UUID(lot["id"]), Bid.status == "active"))
        }
    for user, _ in bidders[:3]:
        bid, key = kept[user.org_id], keys[user.org_id]
        assert bid.opened_data_key is not None and len(bid.opened_data_key) == 1 + 12 + 32 + 16
        assert not any(spelling in bid.opened_data_key for spelling in spellings(key))
        assert OpenedKeys(SECRET_KEY.encode()).read(bid) == key
    assert [kept[u.org_id].opened_data_key for u, _ in bidders[3:]] == [None, None]

    # Bidder 4's bid has no key: its job (an operator's, say) fails in words, is recorded and audited,
    # and is not retried. Bidder 5's row gets bidder 1's blob: bound to another bid, it does not open.
    missing, foreign = kept[bidders[3][0].org_id], kept[bidders[4][0].org_id]
    async with platform.sessions() as s, s.begin():
        await s.execute(
            update(Bid).where(Bid.id == foreign.id).values(opened_data_key=kept[bidders[0][0].org_id].opened_data_key)
        )
    for bid, code in ((missing, "key_missing"), (foreign, "key_unreadable")):
        job_id = f"open-body:{bid.id}"
        assert (await platform.jobs.enqueue(OPEN_BID_BODY, str(bid.id), job_id=job_id)).created
        info = await wait_complete(platform, job_id)
        assert (info.success, info.job_try) == (True, 1), info.result
        assert info.result["status"] == "failed" and info.result["detail"].startswith(f"{code}: ")
        assert await count_audit_events(platform, "bid.body_failed", job_id) == 1
        assert not await platform.store.exists(f"opened/{bid.lot_id}/{bid.id}.tar")
        async with platform.sessions() as s:
            execution = await s.scalar(select(JobExecution).where(JobExecution.job_key == f"open_bid_body:{bid.id}"))
        assert execution is not None and execution.result == info.result
    assert "at_rest_not_authentic" in info.result["detail"]

    # A second delivery of an opened bid's job finds the first result: no second audit event.
    first = kept[bidders[0][0].org_id]
    again = await platform.jobs.enqueue(OPEN_BID_BODY, str(first.id), job_id=f"open-body-again:{first.id}")
    assert again.created
    repeated = await wait_complete(platform, f"open-body-again:{first.id}")
    assert repeated.result["status"] == "opened"
    assert await count_audit_events(platform, "bid.body_opened", f"open-body-again:{first.id}") == 0

    # Nothing in Redis spells any of the keys: not the jobs, their results, the queues or the room's
    # keys. The dump does hold these jobs' results (it is looking in the right place).
    dump = await redis_dump(platform.redis)
    assert any(str(first.id).encode() in value for value in dump)
    assert any(f"open-body:{missing.id}".encode() in value for value in dump)
    for key in keys.values():
        for spelling in spellings(key):
            assert not any(spelling in value for value in dump), "a data key is in Redis"
    await host.close()
