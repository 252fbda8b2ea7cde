"""The staging area of bid uploads, on both profiles (issue 16): the local store's signed upload URL
takes no byte past the declared size and no write once its upload is finished; the hourly sweep
refuses abandoned uploads and removes every staged object nobody will read.

S3 serves its own presigned URLs, which cannot be told an upload's state or size: there the write
lands, the completion refuses what does not fit, and the sweep removes what is left.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from bidding.catalogue import CATALOGUE
from bidding.core.clock import ManualClock
from bidding.submission.staging import STAGING_PREFIX
from bidding.submission.sweep import sweep_upload_staging
from crypto.sealed import MAGIC
from tests.fixtures.errors import error_code
from tests.fixtures.parties import Enrolled
from tests.fixtures.projects import relogin
from tests.fixtures.sealed import sealed
from tests.fixtures.uploads import CHUNK, put_chunk, start


async def put_to(client: httpx.AsyncClient, url: str, content: bytes) -> httpx.Response:
    """PUT to an upload URL: the app's own route (local store) or the S3 endpoint."""
    headers = {"Content-Type": "application/octet-stream"}
    if url.startswith(str(client.base_url)):
        return await client.put(url, content=content, headers=headers)
    async with httpx.AsyncClient() as s3:
        return await s3.put(url, content=content, headers=headers)


def direct_key(upload: dict[str, Any]) -> str:
    return f"{STAGING_PREFIX}{upload['id']}/direct"


async def sweep(platform: Any, clock: ManualClock, later: timedelta) -> dict[str, int]:
    """Run the worker's sweep (the registered cron function) ``later`` from now."""
    clock.advance(later)
    result: dict[str, int] = await sweep_upload_staging({"platform": platform})
    return result


async def test_no_byte_past_the_declared_size(
    client: httpx.AsyncClient, published: dict[str, Any], platform: Any, profile: str, clock: ManualClock
) -> None:
    bidder: Enrolled = published["users"]["bidder"]
    headers, lot = published["bidder"], published["lot"]
    package = sealed(bidder, published["project"], lot, b"body " * 1000)
    upload = await start(client, headers, lot["id"], len(package), mode="direct")
    put = await put_to(client, upload["upload_url"], package + b"more")
    if profile == "embedded":
        assert (put.status_code, error_code(put)) == (413, "upload_too_large")
        assert not await platform.store.exists(direct_key(upload))  # nothing of it was kept
        fits = await put_to(client, upload["upload_url"], package)  # the URL still takes the right size
        assert fits.status_code == 201, fits.text
        done = await client.post(f"/api/bidder/uploads/{upload['id']}/complete", headers=headers)
        assert done.status_code == 200, done.text
        return
    # S3 took it: the completion refuses the package, and the sweep removes what was staged.
    assert put.status_code == 200, put.text
    done = await client.post(f"/api/bidder/uploads/{upload['id']}/complete", headers=headers)
    assert done.status_code == 400, done.text
    assert (await client.get(f"/api/bidder/uploads/{upload['id']}", headers=headers)).json()["status"] == "rejected"
    assert await platform.store.exists(direct_key(upload))
    await sweep(platform, clock, timedelta(0))
    assert not await platform.store.exists(direct_key(upload))


async def test_a_finished_upload_takes_no_more_writes(
    client: httpx.AsyncClient, published: dict[str, Any], platform: Any, profile: str, clock: ManualClock
) -> None:
    bidder: Enrolled = published["users"]["bidder"]
    headers, lot = published["bidder"], published["lot"]
    package = sealed(bidder, published["project"], lot, b"body " * 1000)
    upload = await start(client, headers, lot["id"], len(package), mode="direct")
    assert (await put_to(client, upload["upload_url"], package)).status_code in (200, 201)
    done = await client.post(f"/api/bidder/uploads/{upload['id']}/complete", headers=headers)
    assert done.status_code == 200, done.text
    bid = done.json()["bid"]
    assert not await platform.store.exists(direct_key(upload))  # cleaned up on completion

    other = sealed(bidder, published["project"], lot, b"swapped " * 600)
    again = await put_to(client, upload["upload_url"], other)
    if profile == "embedded":
        assert (again.status_code, error_code(again)) == (409, "upload_closed")
        assert not await platform.store.exists(direct_key(upload))
    else:
        assert again.status_code == 200  # S3 cannot be told; the sweep removes it
        assert await platform.store.exists(direct_key(upload))
        await sweep(platform, clock, timedelta(0))
        assert not await platform.store.exists(direct_key(upload))
    # The bid is what was completed, whatever came after.
    bids = (await client.get(f"/api/bidder/lots/{lot['id']}/bids", headers=headers)).json()
    assert [b["sha256"] for b in bids] == [bid["sha256"]] == [hashlib.sha256(package).hexdigest()]


async def test_refused_uploads_lose_their_staged_data(
    client: httpx.AsyncClient, published: dict[str, Any], platform: Any, clock: ManualClock
) -> None:
    headers, lot = published["bidder"], published["lot"]
    garbage = MAGIC + b"\x00" * 3000  # looks like a package at first, is none
    upload = await start(client, headers, lot["id"], len(garbage), mode="direct")
    assert (await put_to(client, upload["upload_url"], garbage)).status_code in (200, 201)
    refused = await client.post(f"/api/bidder/uploads/{upload['id']}/complete", headers=headers)
    assert refused.status_code == 400, refused.text
    assert await platform.store.exists(direct_key(upload))  # refused: nothing cleaned it up
    assert (await sweep(platform, clock, timedelta(0)))["removed"] >= 1
    assert not await platform.store.exists(direct_key(upload))
    if upload["upload_url"].startswith(str(client.base_url)):
        late = await put_to(client, upload["upload_url"], garbage)
        assert (late.status_code, error_code(late)) == (409, "upload_closed")


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
    assert (await put_to(client, direct["upload_url"], package)).status_code in (200, 201)
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
