"""The staging area of bid uploads, on both profiles (issue 16): a direct upload's signed form takes
the declared size only and no write can change a bid once its arrival is decided; refused and
completed uploads lose their staged data at once, and the hourly sweep refuses abandoned uploads
and removes every staged object nobody will read.

The local store's signed URL is served by the app: it takes no byte past the declared size and no
write once its upload is finished. S3 is sent a POST form whose signed policy binds the key, the
content type and the exact size, which S3 and MinIO enforce themselves; moto (the tests' S3)
checks no policy at all, so here the policy is read and checked, and what moto lets through shows
what the platform does when a store takes a write it should not have: the completion verifies the
object its arrival found or refuses, and the sweep removes the rest.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

import bidding.submission.bidder as bidder_service
from bidding.catalogue import CATALOGUE
from bidding.core.clock import ManualClock
from bidding.submission.service import DIRECT_URL_LIFETIME
from bidding.submission.staging import STAGING_PREFIX
from bidding.submission.sweep import sweep_upload_staging
from crypto.sealed import MAGIC
from tests.fixtures.errors import error_code
from tests.fixtures.parties import Enrolled
from tests.fixtures.projects import relogin
from tests.fixtures.s3server import SECRET_KEY, post_policy
from tests.fixtures.sealed import sealed
from tests.fixtures.uploads import CHUNK, put_chunk, send_direct, start

SENT = (201, 204)  # the app's storage route answers 201, S3's form upload 204


def direct_key(upload: dict[str, Any]) -> str:
    return f"{STAGING_PREFIX}{upload['id']}/direct"


def flipped(package: bytes) -> bytes:
    """Other bytes of the same size (a write the size condition lets through)."""
    return package[:-1] + bytes([package[-1] ^ 1])


async def sweep(platform: Any, clock: ManualClock, later: timedelta) -> dict[str, int]:
    """Run the worker's sweep (the registered cron function) ``later`` from now."""
    clock.advance(later)
    result: dict[str, int] = await sweep_upload_staging({"platform": platform})
    return result


async def complete(client: httpx.AsyncClient, headers: dict[str, str], upload: dict[str, Any]) -> httpx.Response:
    return await client.post(f"/api/bidder/uploads/{upload['id']}/complete", headers=headers)


async def state(client: httpx.AsyncClient, headers: dict[str, str], upload: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(f"/api/bidder/uploads/{upload['id']}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_no_byte_past_the_declared_size(
    client: httpx.AsyncClient, published: dict[str, Any], platform: Any, profile: str
) -> None:
    bidder: Enrolled = published["users"]["bidder"]
    headers, lot = published["bidder"], published["lot"]
    package = sealed(bidder, published["project"], lot, b"body " * 1000)
    upload = await start(client, headers, lot["id"], len(package), mode="direct")
    form = upload["direct_upload"]
    sent = await send_direct(client, form, package + b"more")
    if profile == "embedded":
        assert (sent.status_code, error_code(sent)) == (413, "upload_too_large")
        assert not await platform.store.exists(direct_key(upload))  # nothing of it was kept
        fits = await send_direct(client, form, package)  # the URL still takes the right size
        assert fits.status_code == 201, fits.text
        done = await complete(client, headers, upload)
        assert done.status_code == 200, done.text
        return
    # S3: the form's signed policy takes this key and exactly the declared size, nothing else.
    conditions = post_policy(form["fields"], SECRET_KEY)["conditions"]
    assert ["content-length-range", len(package), len(package)] in conditions
    assert ["eq", "$key", direct_key(upload)] in conditions
    # moto checks no policy and keeps the oversized package (S3 and MinIO answer 400 EntityTooLarge
    # and keep nothing): the completion refuses it and removes what was staged at once.
    assert sent.status_code == 204, sent.text
    done = await complete(client, headers, upload)
    assert done.status_code == 400 and error_code(done).startswith("package_"), done.text
    assert (await state(client, headers, upload))["status"] == "rejected"
    assert not await platform.store.exists(direct_key(upload))


async def test_a_finished_upload_takes_no_more_writes(
    client: httpx.AsyncClient, published: dict[str, Any], platform: Any, profile: str, clock: ManualClock
) -> None:
    bidder: Enrolled = published["users"]["bidder"]
    headers, lot = published["bidder"], published["lot"]
    package = sealed(bidder, published["project"], lot, b"body " * 1000)
    upload = await start(client, headers, lot["id"], len(package), mode="direct")
    form = upload["direct_upload"]
    assert (await send_direct(client, form, package)).status_code in SENT
    done = await complete(client, headers, upload)
    assert done.status_code == 200, done.text
    bid = done.json()["bid"]
    assert not await platform.store.exists(direct_key(upload))  # cleaned up on completion
    assert (await state(client, headers, upload))["direct_upload"] is None  # no fresh form once closed

    again = await send_direct(client, form, flipped(package))
    if profile == "embedded":
        assert (again.status_code, error_code(again)) == (409, "upload_closed")
        assert not await platform.store.exists(direct_key(upload))
    else:
        # An S3 form cannot be revoked: until it expires a write of the declared size lands (moto
        # takes any, even later). Nobody reads it — the bid was copied to its own key — and the
        # sweep removes it.
        assert again.status_code == 204, again.text
        assert await platform.store.exists(direct_key(upload))
        await sweep(platform, clock, timedelta(0))
        assert not await platform.store.exists(direct_key(upload))
    # The bid is what was completed, whatever came after.
    bids = (await client.get(f"/api/bidder/lots/{lot['id']}/bids", headers=headers)).json()
    assert [b["sha256"] for b in bids] == [bid["sha256"]] == [hashlib.sha256(package).hexdigest()]


async def test_a_write_after_the_arrival_cannot_become_the_bid(
    client: httpx.AsyncClient,
    published: dict[str, Any],
    platform: Any,
    profile: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A write that lands between the completion (the arrival is decided, before the deadline) and
    the verification: through a still valid S3 form, or locally a PUT let in while the upload was
    open that finishes only now. Even a sound package for this lot is not taken: the upload is
    refused as changed, and nothing of it is kept."""
    bidder: Enrolled = published["users"]["bidder"]
    headers, lot = published["bidder"], published["lot"]
    package = sealed(bidder, published["project"], lot, b"body " * 1000)
    # Another sound package of the same size (so the size condition lets it through): the
    # signatures' DER length varies by a byte or two, so seal until one fits.
    other = next(
        o
        for o in (sealed(bidder, published["project"], lot, b"BODY " * 1000) for _ in range(50))
        if len(o) == len(package)
    )
    upload = await start(client, headers, lot["id"], len(package), mode="direct")
    form = upload["direct_upload"]
    assert (await send_direct(client, form, package)).status_code in SENT
    finish = bidder_service.finish_upload

    async def written_again_then_finish(*args: Any) -> Any:
        if profile == "embedded":  # the route takes no write now: what a PUT begun earlier would do

            async def body() -> AsyncIterator[bytes]:
                yield other

            await platform.store.put(direct_key(upload), body())
        else:
            assert (await send_direct(client, form, other)).status_code == 204
        return await finish(*args)

    monkeypatch.setattr(bidder_service, "finish_upload", written_again_then_finish)
    done = await complete(client, headers, upload)
    assert (done.status_code, error_code(done)) == (400, "upload_changed"), done.text
    assert (await state(client, headers, upload))["status"] == "rejected"
    assert (await client.get(f"/api/bidder/lots/{lot['id']}/bids", headers=headers)).json() == []
    assert not await platform.store.exists(direct_key(upload))


async def test_refused_uploads_lose_their_staged_data(
    client: httpx.AsyncClient, published: dict[str, Any], platform: Any, profile: str, clock: ManualClock
) -> None:
    headers, lot = published["bidder"], published["lot"]
    garbage = MAGIC + b"\x00" * 3000  # looks like a package at first, is none
    upload = await start(client, headers, lot["id"], len(garbage), mode="direct")
    form = upload["direct_upload"]
    assert (await send_direct(client, form, garbage)).status_code in SENT
    refused = await complete(client, headers, upload)
    assert refused.status_code == 400, refused.text
    assert not await platform.store.exists(direct_key(upload))  # removed with the refusal
    late = await send_direct(client, form, garbage)
    if profile == "embedded":
        assert (late.status_code, error_code(late)) == (409, "upload_closed")
        assert not await platform.store.exists(direct_key(upload))
        return
    assert late.status_code == 204  # the S3 form is still valid; the sweep removes what it wrote
    assert await platform.store.exists(direct_key(upload))
    assert (await sweep(platform, clock, timedelta(0)))["removed"] >= 1
    assert not await platform.store.exists(direct_key(upload))


async def test_an_open_direct_upload_gets_short_lived_forms_until_the_deadline(
    client: httpx.AsyncClient, published: dict[str, Any], platform: Any, clock: ManualClock
) -> None:
    bidder: Enrolled = published["users"]["bidder"]
    lot = published["lot"]
    deadline = datetime.fromisoformat(lot["bid_deadline"])
    package = sealed(bidder, published["project"], lot, b"body " * 100)
    upload = await start(client, published["bidder"], lot["id"], len(package), mode="direct")

    def lifetime(view: dict[str, Any]) -> timedelta:
        return datetime.fromisoformat(view["direct_upload"]["expires_at"]) - datetime.now(UTC)

    assert timedelta(minutes=14) < lifetime(upload) <= DIRECT_URL_LIFETIME
    fresh = await state(client, published["bidder"], upload)  # e.g. to resume after the form expired
    assert fresh["direct_upload"]["method"] == upload["direct_upload"]["method"]
    assert timedelta(minutes=14) < lifetime(fresh) <= DIRECT_URL_LIFETIME
    clock.set(deadline - timedelta(minutes=2))  # never valid past the deadline
    await relogin(client, published)
    assert lifetime(await state(client, published["bidder"], upload)) <= timedelta(minutes=2)
    clock.set(deadline)
    await relogin(client, published)
    assert (await state(client, published["bidder"], upload))["direct_upload"] is None
    chunked = await start(client, published["bidder"], published["lot2"]["id"], len(package))
    assert chunked["direct_upload"] is None


async def test_the_sweep_refuses_abandoned_uploads_and_spares_those_in_use(
    client: httpx.AsyncClient, published: dict[str, Any], platform: Any, clock: ManualClock
) -> None:
    bidder: Enrolled = published["users"]["bidder"]
    headers, lot = published["bidder"], published["lot"]
    idle = timedelta(hours=platform.settings.upload_idle_hours)
    package = sealed(bidder, published["project"], lot, b"x" * (CHUNK + 10))
    stalled = await start(client, headers, lot["id"], len(package))
    assert (await put_chunk(client, headers, stalled["id"], 0, package[:CHUNK])).status_code == 200
    direct = await start(client, headers, lot["id"], len(package), mode="direct")
    assert (await send_direct(client, direct["direct_upload"], package)).status_code in SENT
    orphan = f"{STAGING_PREFIX}{uuid.uuid4()}/000000"  # no upload row: its start never committed

    async def one() -> Any:
        yield b"orphan"

    await platform.store.put(orphan, one())
    stalled_chunk = f"{STAGING_PREFIX}{stalled['id']}/000000"

    # Not idle long enough: nothing happens to them, nor to the orphan (dated by the store).
    await sweep(platform, clock, idle - timedelta(minutes=5))
    assert await platform.store.exists(stalled_chunk) and await platform.store.exists(direct_key(direct))
    assert await platform.store.exists(orphan)

    # Idle for longer: refused as abandoned, staged data gone; an upload still being used stays.
    await relogin(client, published)
    headers = published["bidder"]
    busy = await start(client, headers, lot["id"], len(package))
    assert (await put_chunk(client, headers, busy["id"], 0, package[:CHUNK])).status_code == 200
    result = await sweep(platform, clock, timedelta(minutes=10))
    assert result["abandoned"] >= 2  # these two, and any other test's left open
    for upload in (stalled, direct):
        state = (await client.get(f"/api/bidder/uploads/{upload['id']}", headers=headers)).json()
        assert state["status"] == "rejected", state
    assert not await platform.store.exists(stalled_chunk)
    assert not await platform.store.exists(direct_key(direct))
    assert await platform.store.exists(f"{STAGING_PREFIX}{busy['id']}/000000")
    assert not await platform.store.exists(orphan)
    late = await put_chunk(client, headers, stalled["id"], 1, package[CHUNK:])
    assert (late.status_code, error_code(late)) == (409, "upload_closed")
    # The busy one completes.
    assert (await put_chunk(client, headers, busy["id"], 1, package[CHUNK:])).json()["status"] == "completed"


def test_the_sweep_is_an_hourly_cron() -> None:
    spec = CATALOGUE.crons["sweep_upload_staging"]
    assert spec.func is sweep_upload_staging
    assert spec.schedule == {"minute": 23}


@pytest.mark.parametrize("index", [str(2**31), str(2**63), "-1"])
async def test_chunk_index_beyond_the_column(client: httpx.AsyncClient, published: dict[str, Any], index: str) -> None:
    upload = await start(client, published["bidder"], published["lot"]["id"], 100)
    response = await client.put(
        f"/api/bidder/uploads/{upload['id']}/chunks/{index}",
        content=b"x",
        headers={**published["bidder"], "Content-Type": "application/octet-stream"},
    )
    assert (response.status_code, error_code(response)) == (400, "validation_failed"), response.text
    assert "index" in {d.get("key") for d in response.json()["error"].get("details", [])}


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"size": 2**63}, "size"),
        ({"size": 0}, "size"),
        ({"size": 10, "mode": "carrier-pigeon"}, "mode"),
        ({"size": 10, "mode": "direct\x00"}, "mode"),
    ],
)
async def test_upload_request_inputs(
    client: httpx.AsyncClient, published: dict[str, Any], body: dict[str, Any], key: str
) -> None:
    response = await client.post(
        f"/api/bidder/lots/{published['lot']['id']}/uploads", json=body, headers=published["bidder"]
    )
    assert (response.status_code, error_code(response)) == (400, "validation_failed"), response.text
    assert key in {d.get("key") for d in response.json()["error"].get("details", [])}
