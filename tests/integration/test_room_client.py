"""The Python client of the opening room (`bidding.client.room`), `bidding room join`, and the demo's
simulated opening, against the test app behind a real uvicorn server: a small opening driven by
`RoomClient` (host, three bidders, the public) with a viewer whose socket is cut mid-session and
who resumes without missing or repeating anything; the CLI watching publicly to the end; and the
demo simulation on a fast timeline with the clock moved past the deadline."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bidding.client.room import CommandFailed, RoomClient, RoomClosed, RoomRefused, room_url
from bidding.client.session import login
from bidding.core.clock import ManualClock
from bidding.demo.opening import BIDS, Cast, Timing, create_opening_lot, simulate, submit_bids
from bidding.room_cli import _act, _Output
from tests.fixtures.parties import AUDIENCE, Enrolled, logged_in, logged_in_parties
from tests.fixtures.processes import clean_env
from tests.fixtures.projects import create_published
from tests.fixtures.uploads import new_bidder_with_bid

ROOT = Path(__file__).resolve().parents[2]


def http_url(live_ws: str) -> str:
    return "http" + live_ws.removeprefix("ws")


async def token(client: httpx.AsyncClient, user: Enrolled) -> str:
    return (await login(client, user.identity, audience=AUDIENCE)).token


async def join_cli(*args: str) -> asyncio.subprocess.Process:
    """`python -m bidding room join …` as a user would run it: a client, no BIDDING_* settings."""
    env = clean_env()
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bidding",
        "room",
        "join",
        *args,
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


def names_of(room: RoomClient) -> list[str]:
    return [e.name for e in room.history]


def json_lines(out: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.decode().splitlines() if line.strip()]


def test_room_url() -> None:
    assert room_url("https://b.example.cn/", "L") == "wss://b.example.cn/ws/openings/L"
    assert room_url("http://h:8000/app", "L") == "ws://h:8000/app/ws/openings/L"
    with pytest.raises(ValueError):
        room_url("ftp://h", "L")


async def test_client_drives_an_opening_and_a_dropped_viewer_resumes(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str
) -> None:
    p = await logged_in_parties(client, admin_headers, ("agent", "agent"), ("tenderer", "tenderer"))
    project = await create_published(client, p, clock.now())
    lot = project["lots"][0]
    bidders: list[Enrolled] = []
    for index in range(3):
        user, _ = await new_bidder_with_bid(client, admin_headers, project, lot, b"bid %d" % index)
        bidders.append(user)

    # Refusals that reconnecting would not cure come out at once.
    with pytest.raises(RoomRefused) as not_in:
        await RoomClient.connect(live, lot["id"], "not-a-token")
    assert not_in.value.code == "not_authenticated" and not_in.value.request_id

    clock.set(datetime.fromisoformat(lot["bid_deadline"]) + timedelta(seconds=1))
    host = await RoomClient.connect(http_url(live), lot["id"], await token(client, p["users"]["agent"]))
    public = await RoomClient.connect(live, lot["id"], backoff_initial=0.05)
    steady = await RoomClient.connect(live, lot["id"])  # never drops: the reference
    rooms = [await RoomClient.connect(live, lot["id"], await token(client, b)) for b in bidders]
    assert (host.role, public.role, rooms[0].role) == ("host", "public", "bidder")
    assert public.state == "bidders_published"  # the welcome came after the extraction
    assert abs((host.server_now() - clock.now()).total_seconds()) < 5, "the client follows the server's clock"
    published = await public.wait_for("bidders.published")
    assert {b["name"] for b in published.data["bidders"]} == {b.org_name for b in bidders}

    # The CLI watches publicly from the start to the end, as JSON lines.
    watcher = await join_cli("--url", http_url(live), "--lot", lot["id"], "--watch", "--json")
    # Bidder 1 runs what `room join --decrypt --sign-record` runs: it acts by itself when the time comes.
    notes: list[dict[str, Any]] = []
    output = _Output(as_json=True)
    output._line = lambda message, text: notes.append(message)  # type: ignore[method-assign]
    acting = asyncio.create_task(_act(rooms[0], bidders[0].identity, output, decrypt=True, sign=True))
    await rooms[0].wait_for("bidder.signed_in")  # (one command at a time: SQLite does not lock the session row)

    with pytest.raises(CommandFailed) as refused:
        await public.command("start_decryption")
    assert refused.value.code == "forbidden" and refused.value.request_id  # to quote to support
    assert f"(request {refused.value.request_id})" in str(refused.value)
    started = await host.command("start_decryption", command_id="rc-start")
    assert await host.command("start_decryption", command_id="rc-start") == started  # same id, same answer
    await public.wait_for("decryption.started")
    assert public.state == "decrypting"

    await rooms[0].wait_for("decryption.form", timeout=30)
    assert next(n for n in notes if n["type"] == "decrypt")["status"] == "decrypted"
    assert (await rooms[0].wait_for("decryption.form")).data["form"]["price_fen"] > 0
    wrong = await rooms[1].command("decrypt", data_key=base64.b64encode(os.urandom(32)).decode())
    assert (wrong["status"], wrong["reason"]) == ("failed", "wrong_key")

    # The viewer's socket is cut mid-session; meanwhile things happen; it comes back by itself.
    await public.wait_for("decryption.failed")
    before = public.last_seq
    await public.drop_connection()
    assert (await rooms[1].decrypt(bidders[1].identity))["status"] == "decrypted"
    # A command sent while the host's own connection is down is sent again after the reconnect.
    await host.drop_connection()
    closed = await host.command("close_decryption")
    assert closed["state"] == "objections"
    assert host.connections == 2
    announced = await public.wait_for("announcement", after=before)
    assert public.connections == 2
    by_name = {b["name"]: b for b in announced.data["bidders"]}
    assert by_name[bidders[2].org_name]["outcome"] == "revoked"  # bidder 3 never decrypted

    raised = await rooms[2].command("raise_objection", text="我方未能解密，请求说明")
    await host.command("answer_objection", objection=raised["objection"], text="平台运行正常，异议不成立")
    ready = await host.command("close_objections", timeout=120)
    assert len(ready["record_sha256"]) == 64
    await asyncio.wait_for(acting, 120)  # bidder 1 confirmed the record by itself
    assert next(n for n in notes if n["type"] == "sign_record")["ok"]
    assert (await rooms[1].sign_record(bidders[1].identity))["signed"]
    await host.command("close")
    assert len([e for e in names_of(host) if e == "record.signed"]) == 2
    await public.wait_for("session.closed")
    await steady.wait_for("session.closed")
    assert public.finished and public.state == "closed"

    seqs = [e.seq for e in public.history]
    assert seqs == sorted(set(seqs)), "nothing twice, in order"
    assert seqs == [e.seq for e in steady.history], "the dropped viewer saw exactly what the steady one saw"
    assert "decryption.form" in [e.name for e in rooms[0].history]
    assert "decryption.form" not in [e.name for e in public.history]

    # events() gives the whole history to a late iterator too.
    names = []
    async for event in public.events():
        names.append(event.name)
        if event.name == "session.closed":
            break
    assert names == [e.name for e in public.history]

    stdout, stderr = await asyncio.wait_for(watcher.communicate(), 60)
    assert watcher.returncode == 0, stderr.decode()
    lines = json_lines(stdout)
    assert lines[0]["type"] == "welcome" and lines[0]["role"] == "public"
    cli_events = [m for m in lines if m["type"] == "event"]
    assert [m["seq"] for m in cli_events] == seqs
    assert cli_events[-1]["name"] == "session.closed"

    # Without --watch: what happened so far, then exit; as text, Chinese first.
    snapshot = await join_cli("--url", http_url(live), "--lot", lot["id"])
    out, err = await asyncio.wait_for(snapshot.communicate(), 60)
    assert snapshot.returncode == 0, err.decode()
    text = out.decode()
    assert "唱标 / announcement" in text and "开标结束 / session closed" in text
    assert text.count("\n#") == len(seqs)

    for room in (host, public, steady, *rooms):
        await room.close()
    with pytest.raises(RoomClosed):
        await public.command("remark", text="late")


async def test_cli_decrypt_needs_an_identity(live: str) -> None:
    run = await join_cli("--url", http_url(live), "--lot", "00000000-0000-0000-0000-000000000000", "--decrypt")
    _, err = await asyncio.wait_for(run.communicate(), 30)
    assert run.returncode == 1 and b"need the bidder's certificate" in err
    unknown = await join_cli("--url", http_url(live), "--lot", "00000000-0000-0000-0000-000000000000")
    _, err = await asyncio.wait_for(unknown.communicate(), 30)
    assert unknown.returncode == 1 and b"not_found" in err


@pytest.mark.one_profile("production")  # a client's timeline, the same on both; the opening is tested on both
async def test_demo_opening_simulation_on_a_fast_timeline(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    users = {}
    for kind in ("agent", "tenderer", "supervisor"):
        users[kind], _ = await logged_in(client, admin_headers, kind)
    bidders = [(await logged_in(client, admin_headers, "bidder"))[0] for _ in BIDS]
    cast = Cast(users["agent"].identity, users["supervisor"].identity, tuple(b.identity for b in bidders))
    async with platform.sessions() as session, session.begin():
        opening = await create_opening_lot(
            session,
            agent_id=uuid.UUID(users["agent"].org_id),
            tenderer_id=uuid.UUID(users["tenderer"].org_id),
            now=clock.now(),
            minutes=3,
        )
    said: list[str] = []
    base = http_url(live)
    bids = await submit_bids(base, opening, cast, audience=AUDIENCE, say=said.append)
    assert len(bids) == 5

    # A public viewer is in the room before the deadline and sees no one sign in (办法 21).
    viewer = await RoomClient.connect(live, opening.lot_id)
    waiting = asyncio.Event()
    fast = Timing(pace=0)
    play = asyncio.create_task(
        simulate(base, opening.lot_id, cast, audience=AUDIENCE, timing=fast, say=said.append, ready=waiting)
    )
    await asyncio.wait_for(waiting.wait(), 60)
    await asyncio.sleep(0.3)  # the viewer has had time to receive anything it could see
    assert [e.name for e in viewer.history] == ["session.opened"]
    clock.set(opening.deadline + timedelta(seconds=1))
    events = await asyncio.wait_for(play, 300)  # the record is rendered and signed 5 times

    names = [e.name for e in events]
    assert names[-1] == "session.closed"
    assert names.count("decryption.succeeded") == 4
    failed = [e for e in events if e.name == "decryption.failed"]
    assert len(failed) == 1 and failed[0].data["reason"] == "wrong_key"
    assert {"objection.raised", "objection.answered", "record.ready"} <= set(names)
    assert names.count("record.signed") == 4
    assert names.count("supervisor.remark") == 2
    announcement = next(e for e in events if e.name == "announcement").data["bidders"]
    outcomes = sorted((b["status"], b["outcome"]) for b in announcement)
    assert outcomes.count(("failed", "revoked")) == 1 and len(outcomes) == 5
    assert sorted(b["price_fen"] for b in announcement if b["price_fen"]) == sorted(b["price_fen"] for b in BIDS[:4])
    # Four bidders signed in before the deadline: only each bidder itself knew, not even the host,
    # and no number was spent on it for anyone to count (办法 21): no gap before the extraction.
    extracted = next(e.seq for e in events if e.name == "bids.extracted")
    assert not [e for e in events if e.name == "bidder.signed_in" and e.seq < extracted]
    assert [e.seq for e in events if e.seq <= extracted] == list(range(1, extracted + 1))

    await viewer.wait_for("session.closed", timeout=10)
    assert "bidder.signed_in" not in [e.name for e in viewer.history]
    await viewer.close()
    assert any("session closed" in line for line in said)
