"""Tender submission through the API on both profiles: the whole path from publication to receipt,
replacement and withdrawal; the deadline to the second (injectable clock); every refusal with its
own error and nothing stored as a bid; and secrecy before the deadline (办法 21)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from asn1crypto import cms
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

from bidding.client.session import login
from bidding.core.clock import ManualClock
from bidding.submission.cli import seal as seal_command
from crypto import jws
from crypto.login import certificate_fingerprint
from tests.fixtures.parties import AUDIENCE, Enrolled, logged_in_parties
from tests.fixtures.projects import create_published, relogin
from tests.fixtures.room import Peer
from tests.fixtures.sealed import BID_FORM, sealed
from tests.fixtures.uploads import CHUNK, put_chunk, receipt_pdf, send_direct, start, upload_all


async def test_whole_path_cli_seal_chunked_resume_receipt_replace_withdraw(
    client: httpx.AsyncClient, published: dict[str, Any], tmp_path: Path, platform: Any
) -> None:
    bidder: Enrolled = published["users"]["bidder"]
    headers, lot = published["bidder"], published["lot"]
    docs = (await client.get(f"/api/public/projects/{published['project']['id']}/documents")).json()
    assert (await client.get(f"/api/public/documents/{docs[0]['id']}", headers=headers)).status_code == 200

    # Seal with the CLI, as a bidder would on its own machine.
    (tmp_path / "key.pem").write_bytes(
        bidder.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    (tmp_path / "cert.pem").write_bytes(bidder.cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "form.json").write_text(json.dumps(BID_FORM))
    (tmp_path / "技术标.pdf").write_bytes(b"%PDF-1.7 technical proposal " + bytes(range(256)) * 10_000)
    result = CliRunner().invoke(
        seal_command,
        [
            "--form",
            str(tmp_path / "form.json"),
            "--recipient",
            str(tmp_path / "cert.pem"),
            "--cert",
            str(tmp_path / "cert.pem"),
            "--key",
            str(tmp_path / "key.pem"),
            "--project",
            published["project"]["id"],
            "--lot",
            lot["id"],
            "--out",
            str(tmp_path / "bid.bid"),
            str(tmp_path / "技术标.pdf"),
        ],
    )
    assert result.exit_code == 0, result.output
    package = (tmp_path / "bid.bid").read_bytes()
    assert len(package) > 2 * CHUNK

    upload = await start(client, headers, lot["id"], len(package))
    assert upload["chunk_size"] == CHUNK
    assert (await put_chunk(client, headers, upload["id"], 0, package[:CHUNK])).status_code == 200
    assert (await put_chunk(client, headers, upload["id"], 1, package[CHUNK : 2 * CHUNK])).status_code == 200
    # The connection drops here; the client asks where to resume.
    state = (await client.get(f"/api/bidder/uploads/{upload['id']}", headers=headers)).json()
    assert (state["received"], state["next_chunk"], state["status"]) == (2 * CHUNK, 2, "open")
    done = None
    for index in range(2, (len(package) + CHUNK - 1) // CHUNK):
        done = await put_chunk(client, headers, upload["id"], index, package[index * CHUNK : (index + 1) * CHUNK])
        assert done.status_code == 200, done.text
    assert done is not None
    body = done.json()
    assert body["status"] == "completed" and body["bid"]["version"] == 1
    assert body["bid"]["sha256"] == hashlib.sha256(package).hexdigest()

    # The receipt: a JWS by the platform, chained to its root, with a TSA token over the receipt.
    bid_id = body["bid"]["id"]
    receipt = (await client.get(f"/api/bidder/bids/{bid_id}/receipt.json", headers=headers)).json()
    verified = jws.verify(receipt["jws"])
    signer, issuing, root = verified.chain
    assert root == platform.keys.ca.root_cert
    signer.verify_directly_issued_by(issuing)
    issuing.verify_directly_issued_by(root)
    data = verified.json()
    assert (data["lot"]["id"], data["version"], data["size"]) == (lot["id"], 1, len(package))
    assert data["bidder"]["credit_code"] == bidder.credit_code
    assert data["ciphertext_sha256"] == hashlib.sha256(package).hexdigest()
    core = {k: v for k, v in data.items() if k != "timestamp"}
    token = cms.ContentInfo.load(base64.b64decode(data["timestamp"]["token"]))
    imprint = token["content"]["encap_content_info"]["content"].parsed["message_imprint"]["hashed_message"].native
    canonical = json.dumps(core, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert imprint == hashlib.sha256(canonical).digest()
    pdf = await receipt_pdf(client, headers, bid_id)  # made by a worker right after the answer
    assert pdf.status_code == 200
    report = (
        await client.post("/api/verify/pdf", content=pdf.content, headers={"Content-Type": "application/pdf"})
    ).json()
    assert report["verdict"] == "TOTAL_PASSED", report

    # Replace: the newest version counts.
    second = await upload_all(client, headers, lot["id"], sealed(bidder, published["project"], lot, b"revised"))
    assert second.status_code == 200, second.text
    versions = (await client.get(f"/api/bidder/lots/{lot['id']}/bids", headers=headers)).json()
    assert [(v["version"], v["status"]) for v in versions] == [(1, "replaced"), (2, "active")]
    # Withdraw.
    withdrawn = await client.post(f"/api/bidder/lots/{lot['id']}/withdraw", headers=headers)
    assert withdrawn.json()["status"] == "withdrawn"
    assert (await client.post(f"/api/bidder/lots/{lot['id']}/withdraw", headers=headers)).status_code == 404


async def test_deadline_to_the_second(client: httpx.AsyncClient, published: dict[str, Any], clock: ManualClock) -> None:
    bidder: Enrolled = published["users"]["bidder"]
    lot = published["lot"]
    deadline = datetime.fromisoformat(lot["bid_deadline"])
    package = sealed(bidder, published["project"], lot, b"x" * (CHUNK + 10))
    # One upload finishes a second before the deadline, another starts before it and finishes a second after.
    clock.set(deadline - timedelta(minutes=5))
    await relogin(client, published)
    headers = published["bidder"]
    early = await start(client, headers, lot["id"], len(package))
    late = await start(client, headers, lot["id"], len(package))
    assert (await put_chunk(client, headers, early["id"], 0, package[:CHUNK])).status_code == 200
    assert (await put_chunk(client, headers, late["id"], 0, package[:CHUNK])).status_code == 200
    clock.set(deadline - timedelta(seconds=1))
    on_time = await put_chunk(client, headers, early["id"], 1, package[CHUNK:])
    assert on_time.status_code == 200 and on_time.json()["status"] == "completed", on_time.text
    clock.set(deadline + timedelta(seconds=1))
    too_late = await put_chunk(client, headers, late["id"], 1, package[CHUNK:])
    assert (too_late.status_code, too_late.json()["error"]["code"]) == (409, "deadline_passed")
    assert (
        await client.post(f"/api/bidder/lots/{lot['id']}/uploads", json={"size": 10}, headers=headers)
    ).status_code == 409
    assert (await client.post(f"/api/bidder/lots/{lot['id']}/withdraw", headers=headers)).status_code == 409
    versions = (await client.get(f"/api/bidder/lots/{lot['id']}/bids", headers=headers)).json()
    assert [(v["version"], v["status"]) for v in versions] == [(1, "active")]


async def test_direct_upload_to_the_store(client: httpx.AsyncClient, published: dict[str, Any], platform: Any) -> None:
    bidder: Enrolled = published["users"]["bidder"]
    headers, lot = published["bidder"], published["lot"]
    package = sealed(bidder, published["project"], lot, b"large body " * 50_000)
    upload = await start(client, headers, lot["id"], len(package), mode="direct")
    form = upload["direct_upload"]
    # The local store: a signed URL the app serves itself; S3: a form posted straight to the S3 endpoint.
    assert form["method"] == ("PUT" if platform.store.backend == "local" else "POST")
    sent = await send_direct(client, form, package)
    assert sent.status_code in (201, 204), sent.text
    done = await client.post(f"/api/bidder/uploads/{upload['id']}/complete", headers=headers)
    assert done.status_code == 200, done.text
    assert done.json()["bid"]["sha256"] == hashlib.sha256(package).hexdigest()


async def test_each_bad_package_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, published: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    bidder: Enrolled = published["users"]["bidder"]
    other: Enrolled = published["users"]["other"]
    headers, lot, lot2 = published["bidder"], published["lot"], published["lot2"]

    async def refused(package: bytes) -> tuple[int, str, str]:
        response = await upload_all(client, headers, lot["id"], package)
        error = response.json()["error"]
        reason = (error.get("details") or [{}])[0].get("reason", "")
        return response.status_code, error["code"], reason

    assert await refused(sealed(bidder, published["project"], lot2, b"for the other lot")) == (
        400,
        "package_wrong_lot",
        "",
    )
    assert await refused(sealed(bidder, published["project"], lot, b"b", recipient=other)) == (
        400,
        "package_recipient_not_bidder",
        "",
    )
    good = sealed(bidder, published["project"], lot, b"body" * 1000)
    trailer = good.rindex(b"BSIG") if b"BSIG" in good else len(good) - 600
    assert (await refused(good[:trailer]))[:2] == (400, "package_invalid")  # no signature trailer
    signed_by_other = sealed(other, published["project"], lot, b"b", recipient=bidder)
    assert (await refused(signed_by_other))[1] in {"package_wrong_bidder", "package_signer_invalid"}
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("投标文件.txt", "unencrypted bid")
    assert await refused(plain.getvalue()) == (400, "package_invalid", "not_a_package")
    flipped = bytearray(good)
    flipped[len(flipped) // 2] ^= 1
    assert (await refused(bytes(flipped)))[:2] == (400, "package_invalid")

    # Chunk protocol errors.
    upload = await start(client, headers, lot["id"], len(good))
    too_big = await put_chunk(client, headers, upload["id"], 0, good[:CHUNK] + b"x" * (CHUNK + 1))
    assert (too_big.status_code, too_big.json()["error"]["code"]) == (413, "chunk_too_large")
    big = sealed(bidder, published["project"], lot, b"y" * (2 * CHUNK))
    upload = await start(client, headers, lot["id"], len(big))
    out_of_order = await put_chunk(client, headers, upload["id"], 1, big[CHUNK : 2 * CHUNK])
    assert (out_of_order.status_code, out_of_order.json()["error"]["code"]) == (409, "chunk_out_of_order")
    assert (await put_chunk(client, headers, upload["id"], 0, big[:CHUNK])).status_code == 200
    duplicate = await put_chunk(client, headers, upload["id"], 0, big[:CHUNK])
    assert (duplicate.status_code, duplicate.json()["error"]["code"]) == (409, "chunk_duplicate")
    short = await put_chunk(client, headers, upload["id"], 1, big[CHUNK : CHUNK + 10])
    assert short.json()["error"]["code"] == "chunk_size_mismatch"
    # Another bidder cannot continue this upload, even knowing its id.
    stolen = await put_chunk(client, published["other"], upload["id"], 1, big[CHUNK : 2 * CHUNK])
    assert (stolen.status_code, stolen.json()["error"]["code"]) == (403, "upload_not_yours")
    assert (await client.get(f"/api/bidder/uploads/{upload['id']}", headers=published["other"])).status_code == 403

    assert (await client.get(f"/api/bidder/lots/{lot['id']}/bids", headers=headers)).json() == []

    # Wrong phase: a draft lot does not exist for bidders, a terminated project takes no bids.
    project2 = await create_published(client, published, datetime.now(UTC))
    await client.post(
        f"/api/agent/projects/{project2['id']}/terminate",
        json={"kind": "termination", "title": "终止", "body": "终止"},
        headers=published["agent"],
    )
    closed = await client.post(
        f"/api/bidder/lots/{project2['lots'][0]['id']}/uploads", json={"size": 100}, headers=headers
    )
    assert (closed.status_code, closed.json()["error"]["code"]) == (409, "wrong_phase")
    # Only bidders upload.
    assert (
        await client.post(f"/api/bidder/lots/{lot['id']}/uploads", json={"size": 1}, headers=published["agent"])
    ).status_code == 403
    assert (await client.post(f"/api/bidder/lots/{lot['id']}/uploads", json={"size": 1})).status_code == 401
    bad_size = await client.post(f"/api/bidder/lots/{lot['id']}/uploads", json={"size": 0}, headers=headers)
    assert bad_size.status_code == 400


def bearer(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def test_nobody_learns_who_or_how_many_bid(
    client: httpx.AsyncClient, published: dict[str, Any], admin_headers: dict[str, str], clock: ManualClock, live: str
) -> None:
    """办法 21: until the deadline nothing anyone but the bidder can read changes when it uploads,
    signs in to the opening room, replaces or withdraws its bid — not the other bidder's, the
    agent's or the public's views, not a field of the public opening view or of any other role's
    WebSocket welcome, not an event number, and not the audit trail, its events or its ids, for the
    operator token, an auditor or a supervisor. After the deadline the trail has it all."""
    bidder: Enrolled = published["users"]["bidder"]
    project, lot = published["project"], published["lot"]
    readers = await logged_in_parties(
        client, admin_headers, ("supervisor", "supervisor"), ("auditor", "trading_centre", "auditor")
    )
    supervisor: Enrolled = readers["users"]["supervisor"]
    trail_readers = {
        "operator token": admin_headers,
        "supervisor": readers["supervisor"],
        "auditor": readers["auditor"],
    }
    viewers = {
        "public": None,
        "host": bearer(published["agent"]),
        "supervisor": bearer(readers["supervisor"]),
        "other bidder": bearer(published["other"]),
    }

    async def trail(headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
        response = await client.get("/api/admin/audit-events", params={"limit": 500, **params}, headers=headers)
        assert response.status_code == 200, response.text
        events: list[dict[str, Any]] = response.json()
        return events

    async def marker() -> int:
        """A readable audit event of its own (the supervisor logs in): its id."""
        await login(client, supervisor.identity, audience=AUDIENCE)
        logins = await trail(admin_headers, object_id=certificate_fingerprint(supervisor.cert))
        return int(max(e["id"] for e in logins))

    async def observed() -> dict[str, Any]:
        """Everything about the lot that someone other than the bidder can read, but the clock."""
        seen: dict[str, Any] = {}
        opening = await client.get(f"/api/public/openings/{lot['id']}")
        view = opening.json()
        assert set(view) == {"lot", "deadline", "state", "last_seq", "decrypt_ends_at", "server_time"}
        seen["opening view"] = {k: v for k, v in view.items() if k != "server_time"}
        seen["opening view length"] = len(opening.content) - len(view["server_time"])
        seen["opening view ETag"] = opening.headers.get("etag")
        seen["public events"] = (await client.get(f"/api/public/openings/{lot['id']}/events")).json()
        for role, token in viewers.items():
            peer = await Peer.connect(live, lot["id"], token)
            await asyncio.sleep(0.1)  # whatever it may see has arrived
            seen[f"{role} welcome"] = {k: v for k, v in peer.welcome.items() if k != "server_time"}
            seen[f"{role} events"] = peer.events
            await peer.close()
        seen["public project"] = (await client.get(f"/api/public/projects/{project['id']}")).text
        seen["announcements"] = (
            await client.get("/api/public/announcements", params={"project_id": project["id"]})
        ).text
        seen["agent's project"] = (
            await client.get(f"/api/agent/projects/{project['id']}", headers=published["agent"])
        ).text
        seen["other bidder's bids"] = (
            await client.get(f"/api/bidder/lots/{lot['id']}/bids", headers=published["other"])
        ).json()
        for name, headers in trail_readers.items():
            seen[f"{name}'s trail"] = await trail(headers, project_id=project["id"])
        return seen

    first = await marker()
    before = await observed()

    # The bidder takes part in every way there is before the deadline.
    done = await upload_all(client, published["bidder"], lot["id"], sealed(bidder, project, lot, b"secret"))
    assert done.status_code == 200, done.text
    bid_id = done.json()["bid"]["id"]
    room = await Peer.connect(live, lot["id"], bearer(published["bidder"]))
    signed = await room.command("sign_in")
    assert signed["ok"] and signed["data"]["signed_in"], signed
    await room.close()
    room = await Peer.connect(live, lot["id"], bearer(published["bidder"]))
    await asyncio.sleep(0.1)
    # It alone knows, and keeps knowing after a reconnection: its welcome says so, no event does.
    assert room.welcome["signed_in_at"] == signed["data"]["at"]
    assert room.events == before["public events"] == before["other bidder events"]
    await room.close()
    replaced = await upload_all(client, published["bidder"], lot["id"], sealed(bidder, project, lot, b"revised"))
    assert replaced.status_code == 200, replaced.text
    withdrawn = await client.post(f"/api/bidder/lots/{lot['id']}/withdraw", headers=published["bidder"])
    assert withdrawn.status_code == 200, withdrawn.text

    after = await observed()
    for key, value in before.items():
        assert after[key] == value, key
    assert after["other bidder welcome"]["signed_in_at"] is None
    assert (await client.get(f"/api/bidder/bids/{bid_id}/receipt.json", headers=published["other"])).status_code == 404
    for text in (after["public project"], after["announcements"], after["agent's project"]):
        assert bidder.credit_code not in text and bidder.org_name not in text and bid_id not in text
    # Not even the ids of the trail count what is hidden: every id from one readable event to the
    # next is readable by each of the readers.
    last = await marker()
    for headers in trail_readers.values():
        between = [e for e in await trail(headers, after_id=first) if e["id"] <= last]
        assert [e["id"] for e in between] == list(range(first + 1, last + 1))
        assert bidder.org_id not in str(between) and certificate_fingerprint(bidder.cert) not in str(between)

    # After the deadline every reader finds it all, after what it had read, at its own time.
    deadline = datetime.fromisoformat(lot["bid_deadline"])
    clock.set(deadline + timedelta(seconds=1))
    trail_readers["supervisor"] = (await login(client, supervisor.identity, audience=AUDIENCE)).headers
    auditor: Enrolled = readers["users"]["auditor"]
    trail_readers["auditor"] = (await login(client, auditor.identity, audience=AUDIENCE)).headers
    for name, headers in trail_readers.items():
        released = [e for e in await trail(headers, project_id=project["id"]) if e["object_type"] == "lot"]
        actions = [e["action"] for e in released]
        assert {"bid_upload.started", "bid.submitted", "opening.sign_in", "bid.withdrawn"} <= set(actions), name
        assert actions.count("bid.submitted") == 2, name
        assert all(e["id"] > last for e in released), name
        assert all(datetime.fromisoformat(e["occurred_at"]) < deadline for e in released), name
