"""Extraction at the deadline waits for the packages whose last byte came before it (办法 27, 29), on
both profiles, through the app's own code with a hand-moved clock.

A package still being verified at the deadline holds the extraction and is then opened in the
version its receipt names; one whose verification never finishes (its app process died after the
arrival was decided) is refused after ``COMPLETION_WAIT`` as the platform's fault, gets no receipt,
and the opening goes on with the bidder's previous version; a withdrawal waits for the bidder's own
package being verified; and once the bids are extracted nothing arrives, is activated or withdrawn —
not even a request whose clock read came before the deadline.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bidding.core.auth.caller import Caller
from bidding.core.clock import ManualClock
from bidding.core.roles import Role
from bidding.submission.bidder import finish_upload
from bidding.submission.models import Bid, BidUpload
from bidding.submission.service import COMPLETION_WAIT, Uploader, UploadNotDecided, extract_bids, receive_chunk
from bidding.tendering.models import Lot
from crypto.login import certificate_fingerprint
from opening_room.tables import BidOpening
from tests.fixtures.parties import logged_in_parties
from tests.fixtures.projects import DAY, create_published, relogin
from tests.fixtures.sealed import sealed
from tests.fixtures.uploads import CHUNK, put_chunk, start, upload_all


def caller_of(p: dict[str, Any], name: str) -> Caller:
    user = p["users"][name]
    return Caller(f"test:{name}", frozenset({Role.BIDDER}), uuid.UUID(user.org_id), certificate_fingerprint(user.cert))


def uploader_of(p: dict[str, Any], name: str) -> Uploader:
    return Uploader.of(caller_of(p, name))


async def all_but_last(client: httpx.AsyncClient, headers: dict[str, str], lot_id: str, package: bytes) -> str:
    """Start an upload and send every chunk but the last; returns the upload id."""
    upload = await start(client, headers, lot_id, len(package))
    for index in range(len(package) // CHUNK):
        assert (
            await put_chunk(client, headers, upload["id"], index, package[index * CHUNK : (index + 1) * CHUNK])
        ).status_code == 200
    return str(upload["id"])


async def last_byte_only(
    platform: Any, p: dict[str, Any], name: str, upload_id: str, package: bytes, at: datetime
) -> None:
    """The last chunk arrives and its arrival is decided — then the process handling it dies before
    verifying it (what the chunk endpoint does, without the `finish_upload` that follows)."""
    last = len(package) // CHUNK
    async with platform.sessions() as db, db.begin():
        await receive_chunk(
            db, platform.store, uploader_of(p, name), uuid.UUID(upload_id), last, package[last * CHUNK :], at
        )


async def state_of(client: httpx.AsyncClient, lot_id: str) -> str:
    answer = await client.get(f"/api/public/openings/{lot_id}")
    assert answer.status_code == 200, answer.text
    return str(answer.json()["state"])


async def test_extraction_waits_for_packages_in_before_the_deadline(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, platform: Any
) -> None:
    names = ("a", "b", "c", "d")
    p = await logged_in_parties(
        client, admin_headers, ("agent", "agent"), ("tenderer", "tenderer"), *((n, "bidder") for n in names)
    )
    project = await create_published(client, p, clock.now())
    lot = project["lots"][0]
    deadline = datetime.fromisoformat(lot["bid_deadline"])
    clock.set(deadline - timedelta(minutes=10))
    await relogin(client, p)

    def package(name: str) -> bytes:
        return sealed(p["users"][name], project, lot, name.encode() * (CHUNK // 2 + 1000))  # two chunks

    first = {n: package(n) for n in ("a", "b", "c")}
    for name, pkg in first.items():
        done = await upload_all(client, p[name], lot["id"], pkg)
        assert done.status_code == 200, done.text
    # b will try to finish a replacement after the extraction, with a clock read from before the deadline.
    b_late = package("b")
    b_upload = await all_but_last(client, p["b"], lot["id"], b_late)

    # c replaces its bid and d bids for the first time, one second before the deadline; their app
    # process dies right after the arrival is decided, before verifying the packages.
    clock.set(deadline - timedelta(seconds=1))
    c_new, d_new = package("c"), package("d")
    c_upload = await all_but_last(client, p["c"], lot["id"], c_new)
    d_upload = await all_but_last(client, p["d"], lot["id"], d_new)
    await last_byte_only(platform, p, "c", c_upload, c_new, clock.now())
    await last_byte_only(platform, p, "d", d_upload, d_new, clock.now())
    # Withdrawing while one's own package is being verified is refused: which counts is the bidder's to say.
    refused = await client.post(f"/api/bidder/lots/{lot['id']}/withdraw", headers=p["c"])
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "upload_in_progress")

    # The deadline passes: the opening waits for c and d (viewers see the room still waiting).
    clock.set(deadline + timedelta(seconds=5))
    assert await state_of(client, lot["id"]) == "waiting"
    events = (await client.get(f"/api/public/openings/{lot['id']}/events")).json()
    assert "bids.extracted" not in [e["name"] for e in events]

    # c's verification finishes after all: a receipt timed before the deadline, for the new version.
    c_view = await finish_upload(platform, caller_of(p, "c"), uuid.UUID(c_upload))
    assert c_view.receipt is not None and c_view.bid is not None
    assert datetime.fromisoformat(c_view.receipt["submitted_at"]) == deadline - timedelta(seconds=1)
    assert c_view.bid.version == 2 and c_view.bid.status == "active"
    assert await state_of(client, lot["id"]) == "waiting"  # d is still undecided

    # d's never finishes: after COMPLETION_WAIT it is refused (platform fault) and the opening goes on.
    clock.set(deadline - timedelta(seconds=1) + COMPLETION_WAIT - timedelta(milliseconds=1))
    assert await state_of(client, lot["id"]) == "waiting"
    clock.set(deadline - timedelta(seconds=1) + COMPLETION_WAIT)
    assert await state_of(client, lot["id"]) == "bidders_published"
    events = (await client.get(f"/api/public/openings/{lot['id']}/events")).json()
    assert next(e for e in events if e["name"] == "bids.extracted")["data"]["count"] == 3

    async with platform.sessions() as db:
        d_row = await db.get(BidUpload, uuid.UUID(d_upload))
        assert d_row is not None and (d_row.status, d_row.error) == ("rejected", "upload_not_decided")
        opened = (
            await db.execute(
                select(Bid.organization_id, Bid.sha256, Bid.version)
                .join(BidOpening, BidOpening.bid_id == Bid.id)
                .where(BidOpening.lot_id == uuid.UUID(lot["id"]))
            )
        ).all()
        extracted_at = await db.scalar(select(Lot.bids_extracted_at).where(Lot.id == uuid.UUID(lot["id"])))
    assert extracted_at is not None
    sha = {n: hashlib.sha256(first[n]).hexdigest() for n in ("a", "b")} | {"c": c_view.bid.sha256}
    expected = {(uuid.UUID(p["users"][n].org_id), sha[n], 2 if n == "c" else 1) for n in ("a", "b", "c")}
    assert set(opened) == expected

    # d's process comes back and finishes the verification: no bid, no receipt (503 upload_not_decided).
    with pytest.raises(UploadNotDecided):
        await finish_upload(platform, caller_of(p, "d"), uuid.UUID(d_upload))
    listed = await client.get(f"/api/bidder/lots/{lot['id']}/bids", headers=p["d"])
    assert listed.status_code == 200 and listed.json() == []

    # A request whose clock read came before the deadline but that reaches the lot after the
    # extraction is refused: the extraction's mark decides, not the clock.
    clock.set(deadline - timedelta(milliseconds=200))
    last = len(b_late) // CHUNK
    late = await put_chunk(client, p["b"], b_upload, last, b_late[last * CHUNK :])
    assert (late.status_code, late.json()["error"]["code"]) == (409, "deadline_passed")
    withdrawn = await client.post(f"/api/bidder/lots/{lot['id']}/withdraw", headers=p["a"])
    assert (withdrawn.status_code, withdrawn.json()["error"]["code"]) == (409, "deadline_passed")
    b_bids = (await client.get(f"/api/bidder/lots/{lot['id']}/bids", headers=p["b"])).json()
    assert [(v["version"], v["status"]) for v in b_bids] == [(1, "active")]


async def test_deadline_moves_and_termination_come_before_extraction_or_not_at_all(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, platform: Any
) -> None:
    p = await logged_in_parties(client, admin_headers, ("agent", "agent"), ("tenderer", "tenderer"), ("a", "bidder"))
    project = await create_published(client, p, clock.now())
    lot = project["lots"][0]
    deadline = datetime.fromisoformat(lot["bid_deadline"])
    clock.set(deadline - timedelta(minutes=10))
    await relogin(client, p)
    done = await upload_all(client, p["a"], lot["id"], sealed(p["users"]["a"], project, lot, b"a" * 1000))
    assert done.status_code == 200, done.text

    # A clarification moves the deadlines a second before the first one: an extraction that read the
    # old deadline before it took the lot's lock finds nothing due, and the room keeps waiting.
    clock.set(deadline - timedelta(seconds=1))
    moved = {"01": deadline + 20 * DAY, "02": deadline + 20 * DAY + timedelta(hours=2)}
    url = f"/api/agent/projects/{project['id']}"
    body = {
        "kind": "amendment",
        "title": "变更",
        "body": "顺延",
        "new_deadlines": {k: v.isoformat() for k, v in moved.items()},
    }
    assert (await client.post(f"{url}/clarifications", json=body, headers=p["agent"])).status_code == 201
    clock.set(deadline + timedelta(seconds=1))
    async with platform.sessions() as db, db.begin():
        assert await extract_bids(db, uuid.UUID(lot["id"]), clock) is None
    assert await state_of(client, lot["id"]) == "waiting"

    # At the new deadline the bids are taken. A deadline move or a termination whose clock read came
    # before it, but that reaches the lot after the extraction, is refused.
    clock.set(moved["01"] + timedelta(seconds=1))
    assert await state_of(client, lot["id"]) == "extracted"  # one bid: the host decides (条例 44)
    clock.set(moved["01"] - timedelta(seconds=1))
    await relogin(client, p)
    later = {
        "kind": "amendment",
        "title": "再变更",
        "body": "顺延",
        "new_deadlines": {"01": (moved["01"] + 20 * DAY).isoformat(), "02": (moved["02"] + 20 * DAY).isoformat()},
    }
    refused = await client.post(f"{url}/clarifications", json=later, headers=p["agent"])
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "opening_started")
    ended = await client.post(
        f"{url}/terminate", json={"kind": "termination", "title": "终止公告", "body": "因故终止"}, headers=p["agent"]
    )
    assert (ended.status_code, ended.json()["error"]["code"]) == (409, "opening_started")
    assert (await client.get(f"/api/public/projects/{project['id']}")).json()["phase"] == "tendering"
