"""A whole remote opening with real processes: `bidding serve` with two app processes behind one
port (no sticky routing), a separate worker, PostgreSQL, Redis and S3; five bidders on the Python
WebSocket client — one with a wrong key, one that never decrypts —, a host, a supervisor and public
viewers, one of which reconnects mid-session. The deadline is real time, a few seconds ahead.
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

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

# The multi-process opening needs PostgreSQL, Redis and S3 (tests/conftest.py, one_profile).
pytestmark = [pytest.mark.slow, pytest.mark.one_profile("production")]

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LEAD = timedelta(seconds=20)  # from publication to the deadline: enough to enrol, seal and upload


@pytest.fixture
def two_process_stack(profile: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Stack]:
    settings = {"BIDDING_BID_PERIOD_MIN_DAYS": "works:0,goods:0,services:0", "BIDDING_LOG_LEVEL": "warning"}
    with running_stack(profile, tmp_path, request, name="e2e", env=settings) as stack:
        yield stack


async def _user(http: httpx.AsyncClient, kind: str) -> tuple[Enrolled, str]:
    user = await enrol(http, ADMIN, kind)
    return user, (await login(http, user.identity)).token


async def test_opening_across_two_app_processes(two_process_stack: Stack) -> None:
    base = two_process_stack.base
    ws_base = base.replace("http://", "ws://")
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        _, agent_token = await _user(http, "agent")
        tenderer, _ = await _user(http, "tenderer")
        _, supervisor_token = await _user(http, "supervisor")
        bidders = [await _user(http, "bidder") for _ in range(5)]
        agent_headers = {"Authorization": f"Bearer {agent_token}"}

        deadline = datetime.now(UTC).replace(microsecond=0) + LEAD
        project = await create_published(
            http,
            {"agent": agent_headers, "tenderer_code": tenderer.credit_code},
            datetime.now(UTC),
            code=f"E2E-{secrets.token_hex(3)}",
            name="远程开标端到端演练",
            category="goods",
            lots=[
                {
                    "code": "01",
                    "name": "设备",
                    "estimated_price_fen": 10_000_000_00,
                    "deposit_fen": 0,
                    "bid_deadline": deadline.isoformat(),
                    "decrypt_window_minutes": 10,
                }
            ],
        )
        lot = project["lots"][0]

        for index, (user, token) in enumerate(bidders):
            package = sealed(
                user, project, lot, os.urandom(100_000), form={"price_fen": 9_000_000_00 - index * 1_000_00}
            )
            done = await upload_all(http, {"Authorization": f"Bearer {token}"}, lot["id"], package)
            assert done.status_code == 200 and done.json()["status"] == "completed", done.text

        # Everyone joins before the deadline; connections land on either app process.
        host = await Peer.connect(ws_base, lot["id"], agent_token)
        watcher = await Peer.connect(ws_base, lot["id"], supervisor_token)
        viewers = [await Peer.connect(ws_base, lot["id"]) for _ in range(3)]
        # The five bidders use the platform's Python client (what `bidding room join` runs).
        rooms = [await RoomClient.connect(base, lot["id"], token=token) for _, token in bidders]
        for room in rooms:
            assert (await room.command("sign_in"))["signed_in"]
        assert "bidder.signed_in" not in viewers[0].names()  # who is in the room stays private before the deadline

        await asyncio.sleep(max(0.0, (deadline - datetime.now(UTC)).total_seconds()) + 0.5)
        listed = await viewers[0].until("bidders.published", timeout=15)
        assert len(listed["data"]["bidders"]) == 5
        assert all(b["signed_in"] for b in listed["data"]["bidders"])  # signed in before the deadline
        assert "bidder.signed_in" not in host.names()  # the host did not learn who was there before it

        assert (await host.command("start_decryption"))["ok"]
        await viewers[1].until("decryption.started")

        results = await asyncio.gather(*(rooms[i].decrypt(bidders[i][0].identity) for i in range(2)))
        assert all(r["status"] == "decrypted" for r in results), results

        # The app restarts mid-session: everyone reconnects and resumes; the session goes on from the database.
        await asyncio.to_thread(two_process_stack.restart_app)

        async def resume(peer: Peer, token: str | None) -> Peer:
            fresh = await Peer.connect(ws_base, lot["id"], token, since=peer.events[-1]["seq"])
            fresh.events = peer.events + fresh.events
            return fresh

        host = await resume(host, agent_token)
        watcher = await resume(watcher, supervisor_token)
        viewers = [await resume(v, None) for v in viewers]
        # The bidders' clients reconnect and resume on their own.
        assert host.welcome["state"] == "decrypting"
        third = await rooms[2].decrypt(bidders[2][0].identity)
        assert third["status"] == "decrypted", third
        # Bidder 4 has the wrong key twice; bidder 5 never decrypts.
        for _ in range(2):
            wrong = await rooms[3].command("decrypt", data_key=base64.b64encode(os.urandom(32)).decode())
            assert wrong["reason"] == "wrong_key"

        # A public viewer drops mid-session and resumes from its last number.
        seen = viewers[2].events[-1]["seq"]
        await viewers[2].close()
        await watcher.command("remark", text="开标过程正常")
        viewers[2] = await Peer.connect(ws_base, lot["id"], since=seen)

        assert (await host.command("close_decryption"))["ok"]
        announced = (await viewers[0].until("announcement"))["data"]["bidders"]
        statuses = sorted(b["status"] for b in announced)
        assert statuses == ["decrypted"] * 3 + ["failed"] * 2
        await rooms[4].command("raise_objection", text="我方未能解密，请说明")
        number = (await host.until("objection.raised"))["seq"]
        assert (await host.command("answer_objection", objection=number, text="解密时限内未提交密钥，视为撤销"))["ok"]
        assert (await host.command("close_objections"))["ok"]
        await host.until("record.ready", timeout=60)
        for i in range(3):
            assert (await rooms[i].sign_record(bidders[i][0].identity))["signed"]
        assert (await host.command("close"))["ok"]
        for viewer in viewers:
            await viewer.until("session.closed", timeout=15)

        # Every public viewer ends with the same events (the reconnected one included, after `seen`).
        sequences = [[e["seq"] for e in v.events] for v in viewers]
        assert sequences[0] == sequences[1]
        assert [s for s in sequences[0] if s > seen] == [s for s in sequences[2] if s > seen]
        assert sequences[0] == sorted(set(sequences[0]))

        pdf = await http.get(f"/api/public/openings/{lot['id']}/record.pdf")
        report = (
            await http.post("/api/verify/pdf", content=pdf.content, headers={"Content-Type": "application/pdf"})
        ).json()
        assert report["verdict"] == "TOTAL_PASSED", report["summary"]["en"]
        assert [s["kind"] for s in report["signatures"]].count("signature") == 4
        for peer in (host, watcher, *viewers):
            await peer.close()
        for room in rooms:
            assert [e.seq for e in room.history] == sorted({e.seq for e in room.history})  # resumed, nothing twice
            await room.close()
