"""Several openings at once on the production profile (issue 22): three lots of three projects
reach their bid deadline at the same second; two app processes behind one port (no sticky
routing), two workers, PostgreSQL, Redis and S3. Four bidders bid on every lot and decrypt in
their own clients (``RoomClient``), one host drives each lot to ``session.closed``, and twenty
public viewers per lot follow it on connections the kernel spreads over both app processes.

Every opening must complete, every bidder's decryption succeed, and every viewer receive every
public event of its lot (``GET /api/public/openings/{lot}/events``) exactly once and in order —
whichever process it is on and whichever process ran the command. ``bench/openings_bench.py`` is
the same scenario at scale (ten lots × fifty bidders × a thousand viewers).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bidding.client.room import RoomClient
from bidding.client.session import login
from tests.conftest import ADMIN_TOKEN
from tests.fixtures.parties import Enrolled, enrol
from tests.fixtures.processes import Stack, running_stack
from tests.fixtures.projects import create_published
from tests.fixtures.room import Peer
from tests.fixtures.sealed import sealed
from tests.fixtures.uploads import upload_all

# Simultaneous openings across processes need PostgreSQL, Redis and S3 (tests/conftest.py, one_profile).
pytestmark = [pytest.mark.slow, pytest.mark.production, pytest.mark.one_profile("production")]

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LOTS, BIDDERS, VIEWERS = 3, 4, 20
#: From the last project's publication to the common deadline: the uploads and every join fit in it
#: on a quiet machine. On a busy one (a CI run beside other work) the lead grows with how long the
#: users took to enrol, measured first: the deadline is real time, and a join after it tests nothing.
LEAD = timedelta(seconds=12)
#: The lead per second the users' enrolment took (their HTTP round trips gauge the machine's load).
LEAD_PER_ENROLMENT_SECOND = 4
STEP = 60.0  # seconds any one step of an opening may take (the record's PDF is signed by a worker)


@pytest.fixture
def many_stack(profile: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Stack]:
    settings = {"BIDDING_BID_PERIOD_MIN_DAYS": "works:0,goods:0,services:0", "BIDDING_LOG_LEVEL": "warning"}
    with running_stack(profile, tmp_path, request, name="many", env=settings, workers=2) as stack:
        yield stack


def _app_connections(stack: Stack) -> list[int]:
    """Established TCP connections to the stack's port held by each app process (uvicorn's children)."""
    port = int(stack.base.rsplit(":", 1)[1])
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(fields[9])
    serve = stack.procs[-1].handle.pid
    children = Path(f"/proc/{serve}/task/{serve}/children").read_text().split()
    counts = []
    for pid in children:
        if b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes():
            continue  # multiprocessing's helper, not an app process
        held = 0
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                held += 1
        counts.append(held)
    return counts


async def _user(http: httpx.AsyncClient, kind: str) -> tuple[Enrolled, str]:
    user = await enrol(http, ADMIN, kind)
    return user, (await login(http, user.identity)).token


async def _project(http: httpx.AsyncClient, agent: str, tenderer: Enrolled, deadline: datetime) -> dict[str, Any]:
    lot = {
        "code": "01",
        "name": "设备",
        "estimated_price_fen": 10_000_000_00,
        "deposit_fen": 0,
        "bid_deadline": deadline.isoformat(),
        "decrypt_window_minutes": 10,
    }
    return await create_published(
        http,
        {"agent": {"Authorization": f"Bearer {agent}"}, "tenderer_code": tenderer.credit_code},
        datetime.now(UTC),
        code=f"MANY-{secrets.token_hex(3)}",
        name="同日多场开标演练",
        category="goods",
        lots=[lot],
    )


async def _open(host: RoomClient, rooms: list[RoomClient], bidders: list[tuple[Enrolled, str]]) -> list[dict[str, Any]]:
    """One host's opening: start decryption once the bidders are published, every bidder decrypts
    at once, then 唱标, objections closed, the record built, the session closed."""
    published = await host.wait_for({"bidders.published", "decision.required"}, timeout=STEP)
    assert published.name == "bidders.published", published
    assert len(published.data["bidders"]) == BIDDERS
    # RoomClient.command raises CommandFailed on a refusal: each step below is checked by running.
    await host.command("start_decryption", timeout=STEP)
    keys = [room.decrypt(user.identity, timeout=STEP) for room, (user, _) in zip(rooms, bidders, strict=True)]
    results = await asyncio.gather(*keys)
    await host.command("close_decryption", timeout=STEP)
    await host.command("close_objections", timeout=STEP)
    await host.wait_for("record.ready", timeout=STEP)
    await host.command("close", timeout=STEP)
    await host.wait_for("session.closed", timeout=STEP)
    return list(results)


async def test_three_openings_at_once(many_stack: Stack) -> None:
    base = many_stack.base
    ws_base = base.replace("http://", "ws://")
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        started = time.monotonic()
        (_, agent), (tenderer, _) = await _user(http, "agent"), await _user(http, "tenderer")
        bidders = [await _user(http, "bidder") for _ in range(BIDDERS)]
        lead = max(LEAD, timedelta(seconds=LEAD_PER_ENROLMENT_SECOND * (time.monotonic() - started)))
        # The same second for every lot: their extractions, windows and 唱标 overlap.
        deadline = datetime.now(UTC).replace(microsecond=0) + lead
        projects = [await _project(http, agent, tenderer, deadline) for _ in range(LOTS)]
        lots = [p["lots"][0] for p in projects]
        for project, lot in zip(projects, lots, strict=True):
            for index, (user, token) in enumerate(bidders):
                form = {"price_fen": 9_000_000_00 - index * 1_000_00}
                package = sealed(user, project, lot, os.urandom(4096), form=form)
                done = await upload_all(http, {"Authorization": f"Bearer {token}"}, lot["id"], package)
                assert done.status_code == 200 and done.json()["status"] == "completed", done.text

        # Everyone joins before the deadline, on whichever app process the kernel hands the connection to.
        hosts = [await RoomClient.connect(base, lot["id"], token=agent) for lot in lots]
        rooms = [[await RoomClient.connect(base, lot["id"], token=t) for _, t in bidders] for lot in lots]
        viewers = [[await Peer.connect(ws_base, lot["id"]) for _ in range(VIEWERS)] for lot in lots]
        assert all(v.welcome["state"] == "waiting" for row in viewers for v in row), "joined after the deadline"
        spread = _app_connections(many_stack)
        assert len(spread) == 2 and sum(spread) >= LOTS * (1 + BIDDERS + VIEWERS), spread
        assert min(spread) > 0, f"every connection landed on one app process: {spread}"

        await asyncio.sleep(max(0.0, (deadline - datetime.now(UTC)).total_seconds()))
        outcomes = await asyncio.gather(*(_open(h, r, bidders) for h, r in zip(hosts, rooms, strict=True)))

        for lot, row, results, lot_rooms in zip(lots, viewers, outcomes, rooms, strict=True):
            assert [r["status"] for r in results] == ["decrypted"] * BIDDERS, results
            for room in lot_rooms:  # each bidder's own form came back to it alone
                assert [e.name for e in room.history].count("decryption.form") == 1
            public = (await http.get(f"/api/public/openings/{lot['id']}/events", params={"since": 0})).json()
            names = [e["name"] for e in public]
            assert names[-1] == "session.closed" and "announcement" in names
            assert names.count("decryption.succeeded") == BIDDERS
            expected = [(e["seq"], e["name"]) for e in public]
            for viewer in row:
                await viewer.until("session.closed", timeout=STEP)
                got = [(e["seq"], e["name"]) for e in viewer.events]
                assert got == expected, f"viewer of lot {lot['id']}: {got} != {expected}"
            announced = next(e for e in public if e["name"] == "announcement")["data"]["bidders"]
            assert sorted(b["price_fen"] for b in announced) == sorted(
                9_000_000_00 - i * 1_000_00 for i in range(BIDDERS)
            )

        for peer in (p for row in viewers for p in row):
            await peer.close()
        for client in (*hosts, *(r for row in rooms for r in row)):
            await client.close()
