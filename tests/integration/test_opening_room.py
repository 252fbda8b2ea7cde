"""The live opening over real WebSockets (uvicorn + the websockets client) on both profiles:
extraction at the deadline, decryption in the bidders' clients (a wrong key is a failed attempt,
one bidder never decrypts), the announcement, objections, the record and closing; the public never
sees a price before the announcement; reconnecting viewers resume without missing anything."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import uuid
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

import httpx
import pytest
import websockets
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import event as sa_event
from sqlalchemy import select, update

from bidding.client.session import login
from bidding.core.clock import ManualClock
from bidding.transparency.checkpoints import sign_next
from bidding.transparency.keys import log_signer
from bidding.transparency.sequencer import sequence_all
from crypto.sealed import unwrap_data_key
from crypto.tlog.proof_file import TlogProof, verify_proof_file
from opening_room.record import digest as record_digest
from opening_room.tables import OpeningSession
from tests.fixtures.errors import assert_error
from tests.fixtures.parties import AUDIENCE, Enrolled, logged_in_parties
from tests.fixtures.projects import create_published
from tests.fixtures.room import Peer
from tests.fixtures.uploads import new_bidder_with_bid


async def test_a_whole_opening(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    p = await logged_in_parties(
        client, admin_headers, ("agent", "agent"), ("tenderer", "tenderer"), ("supervisor", "supervisor")
    )
    project = await create_published(client, p, clock.now())
    lot = project["lots"][0]
    lot_uuid = uuid.UUID(lot["id"])
    bidders: list[Enrolled] = []
    for index in range(4):
        body = f"technical and commercial proposal {index}".encode() * 100
        user, _ = await new_bidder_with_bid(client, admin_headers, project, lot, body)
        bidders.append(user)

    # The deadline passes; everyone logs in again (sessions follow the clock) and joins.
    clock.set(datetime.fromisoformat(lot["bid_deadline"]) + timedelta(seconds=1))

    async def token(user: Enrolled) -> str:
        return (await login(client, user.identity, audience=AUDIENCE)).token

    host = await Peer.connect(live, lot["id"], await token(p["users"]["agent"]))
    supervisor = await Peer.connect(live, lot["id"], await token(p["users"]["supervisor"]))
    public = await Peer.connect(live, lot["id"])
    peers = [await Peer.connect(live, lot["id"], await token(b)) for b in bidders]
    assert (host.welcome["role"], supervisor.welcome["role"], public.welcome["role"]) == (
        "host",
        "supervisor",
        "public",
    )
    assert peers[0].welcome["role"] == "bidder"
    published = await public.until("bidders.published")
    assert len(published["data"]["bidders"]) == 4
    assert {b["name"] for b in published["data"]["bidders"]} == {b.org_name for b in bidders}

    # Wrong roles are refused.
    refused = await public.command("start_decryption")
    assert not refused["ok"] and refused["error"]["code"] == "forbidden"
    refused = await peers[0].command("start_decryption")
    assert not refused["ok"] and refused["error"]["code"] == "forbidden"
    too_early = await peers[0].command("decrypt", data_key=base64.b64encode(os.urandom(32)).decode())
    assert too_early["error"]["code"] == "command_refused"

    started = await host.command("start_decryption", command_id="start-1")
    assert started["ok"], started
    again = await host.command("start_decryption", command_id="start-1")  # the same id: the same answer
    assert again["data"] == started["data"]
    assert (await public.until("decryption.started"))["data"]["minutes"] == lot["decrypt_window_minutes"]

    async def decrypt(peer: Peer, user: Enrolled, wrong: bool = False) -> dict[str, Any]:
        envelope = await peer.command("get_envelope")
        assert envelope["ok"], envelope
        key = unwrap_data_key(base64.b64decode(envelope["data"]["envelope"]), user.key)
        if wrong:
            key = os.urandom(32)
        return await peer.command("decrypt", data_key=base64.b64encode(key).decode())

    first = await decrypt(peers[0], bidders[0])
    assert first["ok"] and first["data"]["status"] == "decrypted" and first["data"]["form"]["price_fen"] > 0
    failed = await decrypt(peers[1], bidders[1], wrong=True)
    assert failed["data"] == {**failed["data"], "status": "failed", "reason": "wrong_key"}
    retried = await decrypt(peers[1], bidders[1])
    assert retried["data"]["status"] == "decrypted"
    assert (await decrypt(peers[2], bidders[2]))["data"]["status"] == "decrypted"
    # A platform fault would withdraw a bid (视为撤回); a decrypted bid cannot be so marked.
    order_of = {b["name"]: b["order"] for b in published["data"]["bidders"]}
    decrypted_order = order_of[bidders[0].org_name]
    refused_fault = await host.command("platform_fault", order=decrypted_order, reason="x", remedy="y")
    assert refused_fault["error"]["code"] == "command_refused"
    assert (await host.command("platform_fault", order=99, reason="x", remedy="y"))["error"]["code"] == "not_found"
    # Bidder 4 never decrypts. Someone else's envelope is not available to a bidder.
    assert (await public.until("decryption.failed"))["data"]["reason"] == "wrong_key"

    # A viewer drops out and comes back, resuming from the last number it saw.
    seen = public.events[-1]["seq"]
    await public.close()
    await supervisor.command("remark", text="解密过程正常")
    public = await Peer.connect(live, lot["id"], since=seen)

    # Before the announcement no public event carries a price.
    assert "price_fen" not in json.dumps([e for e in public.events])
    closed = await host.command("close_decryption")
    assert closed["ok"], closed
    announcement = (await public.until("announcement"))["data"]["bidders"]
    by_name = {b["name"]: b for b in announcement}
    assert by_name[bidders[3].org_name]["status"] == "failed"
    assert by_name[bidders[3].org_name]["outcome"] == "revoked"
    assert all(by_name[b.org_name]["price_fen"] for b in bidders[:3])

    objection = await peers[3].command("raise_objection", text="我方解密超时系网络原因，请求补救")
    assert objection["ok"], objection
    number = (await host.until("objection.raised"))["seq"]
    answer = await host.command("answer_objection", objection=number, text="经核查平台运行正常，异议不成立")
    assert answer["ok"], answer
    await public.until("objection.answered")
    ready = await host.command("close_objections")
    assert ready["ok"] and len(ready["data"]["record_sha256"]) == 64
    signers = (await public.until("record.ready"))["data"]["signers"]
    assert signers == sorted(by_name[b.org_name]["order"] for b in bidders)  # every bidder may confirm

    # Each bidder who decrypted confirms the record with its own key (remote signing, key stays here).
    def signature_over(prepared: dict[str, Any], user: Any) -> str:
        to_be_signed = base64.b64decode(prepared["data"]["to_be_signed"])
        return base64.b64encode(user.key.sign(to_be_signed, ec.ECDSA(hashes.SHA256()))).decode()

    # Bidder 1 prepares, bidder 2 prepares and signs first: bidder 1's preparation is stale.
    early = await peers[0].command("prepare_record_signature")
    assert early["ok"], early
    for peer, user in ((peers[1], bidders[1]), (peers[0], bidders[0]), (peers[2], bidders[2])):
        prepared = await peer.command("prepare_record_signature")
        assert prepared["ok"], prepared
        signed = await peer.command("sign_record", signature=signature_over(prepared, user))
        assert signed["ok"], signed
        if peer is peers[1]:
            stale = await peers[0].command("sign_record", signature=signature_over(early, bidders[0]))
            assert stale["error"]["code"] == "record_changed", stale
    forged = await peers[3].command("prepare_record_signature")
    assert forged["ok"]  # a bidder whose bid failed may still confirm having seen the record
    bad = await peers[3].command(
        "sign_record", signature=base64.b64encode(b"\x30\x06\x02\x01\x01\x02\x01\x01").decode()
    )
    assert not bad["ok"]
    record_pdf = await client.get(f"/api/public/openings/{lot['id']}/record.pdf")
    assert record_pdf.status_code == 200
    report = (
        await client.post("/api/verify/pdf", content=record_pdf.content, headers={"Content-Type": "application/pdf"})
    ).json()
    assert report["verdict"] == "TOTAL_PASSED", report["summary"]["en"]
    kinds = [s["kind"] for s in report["signatures"]]
    assert kinds.count("signature") == 4, kinds  # the platform and three bidders
    record_json = (await client.get(f"/api/public/openings/{lot['id']}/record.json")).json()
    assert len(record_json["bidders"]) == 4 and record_json["objections"]
    # The record's announcement is a leaf of the transparency log: its proof, once a checkpoint covers it.
    proof_url = f"/api/public/openings/{lot['id']}/record.tlog-proof"
    await sequence_all(platform.sessions, platform.clock.now())
    await sign_next(platform.sessions, log_signer(platform.settings), platform.clock.now(), every=timedelta(0))
    proof_text = (await client.get(proof_url)).text
    vkey = (await client.get("/log/vkey")).text.strip()
    verify_proof_file(proof_text, origin=vkey.split("+", 1)[0], log_vkey=vkey)
    leaf = json.loads(TlogProof.parse(proof_text).extra or b"")
    assert (leaf["name"], leaf["data"]["record_sha256"]) == ("record.ready", record_digest(record_json))
    # The record cannot be published before its signed PDF exists (it is made after close_objections
    # commits): with the PDF not there, closing is refused and changes nothing.
    async with platform.sessions() as db, db.begin():
        key = (
            await db.execute(select(OpeningSession.record_pdf_key).where(OpeningSession.lot_id == lot_uuid))
        ).scalar()
        await db.execute(update(OpeningSession).where(OpeningSession.lot_id == lot_uuid).values(record_pdf_key=None))
    early_close = await host.command("close")
    assert early_close["error"]["code"] == "command_refused" and "record.ready" in early_close["error"]["message_en"]
    async with platform.sessions() as db, db.begin():
        await db.execute(update(OpeningSession).where(OpeningSession.lot_id == lot_uuid).values(record_pdf_key=key))
    closing = await host.command("close")
    assert closing["ok"], closing
    await public.until("session.closed")

    # Everyone watching publicly ends with the same sequence; the record is an announcement.
    await asyncio.sleep(0.2)
    public_names = [e["name"] for e in public.events]
    assert public_names[-1] == "session.closed"
    tail = [e["seq"] for e in public.events]
    assert tail == sorted(set(tail)), "no event twice, in order"
    fresh = await Peer.connect(live, lot["id"])
    await asyncio.sleep(0.2)
    public_seqs = [e["seq"] for e in fresh.events]
    assert [e["seq"] for e in public.events if e["seq"] > seen] == [s for s in public_seqs if s > seen]
    # Private events (the decrypted form) went only to their bidder.
    assert "decryption.form" not in [e["name"] for e in fresh.events]
    assert "decryption.form" in peers[0].names() and "decryption.form" not in peers[3].names()
    # Not even the host or the supervisor saw a price before the announcement.
    assert "decryption.form" not in host.names() and "decryption.form" not in supervisor.names()
    found = (
        await client.get("/api/public/announcements", params={"project_id": project["id"], "kind": "opening_record"})
    ).json()
    assert found["total"] == 1
    for peer in (host, supervisor, public, fresh, *peers):
        await peer.close()


async def test_a_sign_in_before_the_deadline_is_the_bidders_alone_and_counts_at_extraction(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str
) -> None:
    """办法 21: a sign-in before the deadline is no numbered event (the public sequence keeps no gap
    for anyone to count), the bidder's own welcome keeps it across reconnections, and it counts when
    the bidders are published; a sign-in after the deadline is a public event."""
    p = await logged_in_parties(client, admin_headers, ("agent", "agent"), ("tenderer", "tenderer"))
    project = await create_published(client, p, clock.now())
    lot = project["lots"][0]
    bidders: list[tuple[Enrolled, str]] = []
    for index in range(3):
        user, session = await new_bidder_with_bid(client, admin_headers, project, lot, f"bid {index}".encode())
        bidders.append((user, session.token))
    public = await Peer.connect(live, lot["id"])
    rooms = [await Peer.connect(live, lot["id"], token) for _, token in bidders[:2]]
    answers = [await room.command("sign_in") for room in rooms]
    assert all(a["ok"] and a["data"]["signed_in"] and "order" not in a["data"] for a in answers), answers
    again = await rooms[0].command("sign_in")
    assert again["data"]["at"] == answers[0]["data"]["at"]  # the first sign-in stays
    await asyncio.sleep(0.2)
    assert public.names() == ["session.opened"] and all(room.names() == ["session.opened"] for room in rooms)
    later = await Peer.connect(live, lot["id"])
    assert later.welcome["last_seq"] == public.welcome["last_seq"] == 1
    back = await Peer.connect(live, lot["id"], bidders[0][1])
    assert back.welcome["signed_in_at"] == answers[0]["data"]["at"]
    assert "signed_in_at" not in later.welcome
    absent = await Peer.connect(live, lot["id"], bidders[2][1])
    assert absent.welcome["signed_in_at"] is None
    for peer in (*rooms, later, back, absent):
        await peer.close()

    clock.set(datetime.fromisoformat(lot["bid_deadline"]) + timedelta(seconds=1))
    published = (await public.until("bidders.published"))["data"]["bidders"]
    assert {b["name"]: b["signed_in"] for b in published} == {
        bidders[0][0].org_name: True,
        bidders[1][0].org_name: True,
        bidders[2][0].org_name: False,
    }
    # After the deadline a sign-in is public (sessions follow the clock: a new login first).
    token = (await login(client, bidders[2][0].identity, audience=AUDIENCE)).token
    third = await Peer.connect(live, lot["id"], token)
    signed = await third.command("sign_in")
    order = next(b["order"] for b in published if b["name"] == bidders[2][0].org_name)
    assert signed["data"] == {"signed_in": True, "order": order}
    assert (await public.until("bidder.signed_in"))["data"] == {"order": order, "name": bidders[2][0].org_name}
    seqs = [e["seq"] for e in public.events]
    assert seqs == list(range(1, len(seqs) + 1)), "the public sequence has no gap"
    for peer in (third, public):
        await peer.close()


async def _one_bid_past_its_deadline(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock
) -> tuple[dict[str, Any], str]:
    """A published lot with a single bid, the clock just past its deadline; the lot and its host's token."""
    p = await logged_in_parties(client, admin_headers, ("agent", "agent"), ("tenderer", "tenderer"))
    project = await create_published(client, p, clock.now())
    lot = project["lots"][0]
    await new_bidder_with_bid(client, admin_headers, project, lot, b"only one")
    clock.set(datetime.fromisoformat(lot["bid_deadline"]) + timedelta(seconds=1))
    return lot, (await login(client, p["users"]["agent"].identity, audience=AUDIENCE)).token


async def test_fewer_than_three_bids_host_decides(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str
) -> None:
    lot, token = await _one_bid_past_its_deadline(client, admin_headers, clock)
    host = await Peer.connect(live, lot["id"], token)
    decision = await host.until("decision.required")
    assert decision["data"] == {"count": 1, "minimum": 3}
    assert (await host.command("start_decryption"))["error"]["code"] == "command_refused"
    no_reason = await host.command("stop")
    assert no_reason["error"]["code"] == "invalid_input"
    stopped = await host.command("stop", reason="投标人少于3个，不得开标（条例第四十四条）")
    assert stopped["ok"]
    await host.until("session.failed")
    await host.close()


async def test_bad_hello_and_unknown_lot(live: str) -> None:
    async with websockets.connect(f"{live}/ws/openings/{uuid.uuid4()}") as ws:
        await ws.send(json.dumps({"type": "hello"}))
        reply = json.loads(await ws.recv())
        assert reply["type"] == "error" and reply["error"]["code"] == "not_found"
    async with websockets.connect(f"{live}/ws/openings/{uuid.uuid4()}") as ws:
        await ws.send("not json")
        with pytest.raises(websockets.ConnectionClosed):
            await ws.recv()


async def test_socket_errors_carry_the_http_error_body(
    client: httpx.AsyncClient, parties: dict[str, Any], clock: ManualClock, live: str
) -> None:
    """The same fields as an HTTP error: ``message`` in the language asked for, the connection's request id."""
    unknown = uuid.uuid4()
    http = assert_error(await client.get(f"/api/public/openings/{unknown}"), 404, "not_found")
    async with websockets.connect(f"{live}/ws/openings/{unknown}") as ws:
        await ws.send(json.dumps({"type": "hello"}))
        refused = json.loads(await ws.recv())["error"]
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4004
    assert set(refused) == set(http), (refused, http)
    texts = itemgetter("code", "message", "message_zh", "message_en")
    assert texts(refused) == texts(http) and http["message"] == http["message_zh"]  # Chinese unless asked
    assert refused["request_id"] and refused["request_id"] != http["request_id"]

    project = await create_published(client, parties, clock.now())
    headers = {"Accept-Language": "en-GB,en;q=0.9", "X-Request-ID": "room-errors-0001"}
    async with websockets.connect(f"{live}/ws/openings/{project['lots'][0]['id']}", additional_headers=headers) as ws:
        await ws.send(json.dumps({"type": "hello"}))
        assert json.loads(await ws.recv())["type"] == "welcome"
        await ws.send(json.dumps({"type": "command", "id": "c1", "name": "start_decryption", "args": {}}))
        while (result := json.loads(await ws.recv()))["type"] != "result":
            pass
        await ws.send("{")
        while (message := json.loads(await ws.recv()))["type"] != "error":
            pass
    for error, code in ((result["error"], "forbidden"), (message["error"], "invalid_json")):
        assert set(error) == set(http), error
        assert error["code"] == code and error["message"] == error["message_en"] != error["message_zh"]
        assert error["request_id"] == "room-errors-0001"


async def test_host_pauses_extends_resumes_and_the_window_closes_by_the_clock(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str
) -> None:
    p = await logged_in_parties(client, admin_headers, ("agent", "agent"), ("tenderer", "tenderer"))
    project = await create_published(client, p, clock.now())
    lot = project["lots"][0]
    for _ in range(3):
        await new_bidder_with_bid(client, admin_headers, project, lot, b"b")
    deadline = datetime.fromisoformat(lot["bid_deadline"])
    clock.set(deadline + timedelta(seconds=1))
    token = (await login(client, p["users"]["agent"].identity, audience=AUDIENCE)).token
    host = await Peer.connect(live, lot["id"], token)
    public = await Peer.connect(live, lot["id"])
    await public.until("bidders.published")
    started = await host.command("start_decryption")
    window = timedelta(minutes=lot["decrypt_window_minutes"])
    assert datetime.fromisoformat(started["data"]["ends_at"]) == clock.now() + window

    clock.advance(timedelta(minutes=10))
    paused = await host.command("pause", reason="网络波动，暂停解密")
    assert paused["data"]["remaining_s"] == int((window - timedelta(minutes=10)).total_seconds())
    assert (await host.command("pause", reason="again"))["error"]["code"] == "command_refused"
    clock.advance(timedelta(hours=2))  # time while paused does not count
    # Meanwhile the host's session expired: its connection may no longer act; it logs in again.
    await host.ws.send(json.dumps({"type": "command", "id": "late", "name": "extend", "args": {"minutes": 5}}))
    await asyncio.wait_for(host.reader, 10)  # the server closes the connection
    assert host.ws.close_code == 4001
    token = (await login(client, p["users"]["agent"].identity, audience=AUDIENCE)).token
    host = await Peer.connect(live, lot["id"], token)
    extended = await host.command("extend", minutes=5, reason="补偿暂停时间")
    assert extended["ok"], extended
    resumed = await host.command("resume")
    remaining = window - timedelta(minutes=10) + timedelta(minutes=5)
    assert datetime.fromisoformat(resumed["data"]["ends_at"]) == clock.now() + remaining
    assert (await host.command("extend", minutes=0, reason="x"))["error"]["code"] == "invalid_input"

    # Nobody decrypts; when the window runs out the clock alone closes it and announces.
    clock.advance(remaining + timedelta(seconds=1))
    announcement = await public.until("announcement", timeout=15)
    assert [b["outcome"] for b in announcement["data"]["bidders"]] == ["revoked"] * 3
    names = public.names()
    assert names.index("decryption.paused") < names.index("decryption.extended") < names.index("decryption.resumed")
    adjourned = await host.command("adjourn", reason="改期继续")
    assert adjourned["ok"]
    await public.until("session.adjourned")
    assert (await host.command("close_objections"))["error"]["code"] == "command_refused"
    await host.close()
    await public.close()


async def test_viewers_join_without_reading_the_database_and_news_is_read_once_for_all(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    p = await logged_in_parties(client, admin_headers, ("agent", "agent"), ("tenderer", "tenderer"))
    project = await create_published(client, p, clock.now())
    lot = project["lots"][0]
    lot_uuid = uuid.UUID(lot["id"])
    first = await Peer.connect(live, lot["id"])  # this process loads the lot once
    reads: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        mine = str(lot_uuid) in str(parameters) or lot_uuid.hex in str(parameters)
        # The events: what a join used to read (the room's ticker reads the session every second).
        if mine and statement.lstrip().upper().startswith("SELECT") and "FROM opening_events" in statement:
            reads.append(statement)

    engine = platform.engine.sync_engine
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        viewers = [await Peer.connect(live, lot["id"]) for _ in range(20)]
        assert reads == [], "a public viewer's join read the opening from the database"
        assert {v.welcome["last_seq"] for v in viewers} == {first.welcome["last_seq"]}

        # The deadline passes: the ticker extracts, and the news is read once for all 21 viewers.
        clock.set(datetime.fromisoformat(lot["bid_deadline"]) + timedelta(seconds=1))
        decided = [await v.until("decision.required") for v in [first, *viewers]]
        assert len({d["seq"] for d in decided}) == 1
        assert 1 <= len(reads) <= 3, reads
        late = await Peer.connect(live, lot["id"])  # joins after the news: its backlog has it all, in order
        assert [e["seq"] for e in late.events] == list(range(1, late.welcome["last_seq"] + 1))
        assert late.events == first.events
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    for peer in [first, *viewers, late]:
        await peer.close()


async def test_a_command_s_result_reaches_its_sender_before_the_events_it_caused(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str
) -> None:
    lot, token = await _one_bid_past_its_deadline(client, admin_headers, clock)
    viewer = await Peer.connect(live, lot["id"])
    async with websockets.connect(f"{live}/ws/openings/{lot['id']}") as ws:
        await ws.send(json.dumps({"type": "hello", "token": token}))
        seen: list[str] = []
        while "decision.required" not in seen:
            message = json.loads(await ws.recv())
            seen.append(message.get("name") or message["type"])
        await ws.send(
            json.dumps({"type": "command", "id": "stop-1", "name": "stop", "args": {"reason": "投标人少于3个"}})
        )
        after: list[str] = []
        while "session.failed" not in after:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            after.append(message.get("name") or message["type"])
    assert after.index("result") < after.index("session.failed"), after
    await viewer.until("session.failed")
    await viewer.close()


async def test_one_command_id_sent_twice_at_once_runs_once_and_both_get_its_answer(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str
) -> None:
    lot, token = await _one_bid_past_its_deadline(client, admin_headers, clock)
    first, again = await Peer.connect(live, lot["id"], token), await Peer.connect(live, lot["id"], token)
    await first.until("decision.required")
    # A client that reconnected mid-command resends its id: both copies are in before either commits.
    answers = await asyncio.gather(
        first.command("stop", command_id="stop-twice", reason="投标人少于3个"),
        again.command("stop", command_id="stop-twice", reason="投标人少于3个"),
    )
    assert answers[0]["ok"] and answers[1]["ok"], answers
    assert answers[0]["data"] == answers[1]["data"]
    await first.until("session.failed")
    await asyncio.sleep(0.3)
    assert [e["name"] for e in first.events].count("session.failed") == 1
    for peer in (first, again):
        await peer.close()
