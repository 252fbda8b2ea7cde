"""Chunks streamed to the store and verified as they arrive (issue 22), on both profiles: what is
staged is what was sent, a refused chunk leaves nothing that counts, chunks resume in order, and
completion reaches the same verdict from the chunks this process verified (the store concatenating
them) as from the full pass it falls back to when another process or a restart received some of
them — on a good package and on a tampered one, and when a staged chunk changed after it was
verified. The PDF receipt comes from its job, after the answer."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

import bidding.submission.bidder as bidder_api
import bidding.submission.service as service
from bidding.submission.models import Bid
from bidding.submission.receipt_jobs import make_receipt_pdf
from bidding.submission.service import CHUNK_KEY
from bidding.submission.streaming import PROGRESS
from storage.streams import read_bytes
from tests.fixtures.errors import error_code
from tests.fixtures.parties import Enrolled
from tests.fixtures.sealed import sealed
from tests.fixtures.uploads import CHUNK, put_chunk, receipt_pdf, start


@pytest.fixture
def full_passes(monkeypatch: pytest.MonkeyPatch) -> list[uuid.UUID]:
    """The uploads whose completion read the whole package again (the full pass)."""
    seen: list[uuid.UUID] = []
    full_pass = service._verify_full_pass

    async def counted(store: Any, verifier: Any, upload: Any, *args: Any) -> Any:
        seen.append(upload.id)
        return await full_pass(store, verifier, upload, *args)

    monkeypatch.setattr(service, "_verify_full_pass", counted)
    return seen


def chunks(package: bytes) -> list[bytes]:
    return [package[i : i + CHUNK] for i in range(0, len(package), CHUNK)]


async def send(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    lot_id: str,
    package: bytes,
    *,
    elsewhere: frozenset[int] = frozenset(),
) -> httpx.Response:
    """Upload ``package`` chunk by chunk; before each chunk in ``elsewhere`` this process forgets the
    upload's progress, as if that chunk reached another app process (or the app restarted)."""
    upload = await start(client, headers, lot_id, len(package))
    response: httpx.Response | None = None
    for index, data in enumerate(chunks(package)):
        if index in elsewhere:
            PROGRESS.pop(uuid.UUID(upload["id"]))
        response = await put_chunk(client, headers, upload["id"], index, data)
        if response.status_code != 200:
            return response
    assert response is not None
    return response


def verdict(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    if response.status_code == 200:
        bid = body["bid"]
        return 200, bid["sha256"], bid["package_digest"]
    error = body["error"]
    return response.status_code, error["code"], (error.get("details") or [{}])[0].get("reason", "")


async def test_chunks_are_staged_as_sent_and_the_package_is_not_read_again(
    client: httpx.AsyncClient, published: dict[str, Any], platform: Any, full_passes: list[uuid.UUID]
) -> None:
    bidder: Enrolled = published["users"]["bidder"]
    headers, lot = published["bidder"], published["lot"]
    package = sealed(bidder, published["project"], lot, bytes(range(256)) * (CHUNK // 100))  # three chunks
    parts = chunks(package)
    assert len(parts) == 3
    upload = await start(client, headers, lot["id"], len(package))
    upload_id = uuid.UUID(upload["id"])
    for index, data in enumerate(parts[:-1]):
        assert (await put_chunk(client, headers, upload["id"], index, data)).status_code == 200
        staged = CHUNK_KEY.format(upload=upload_id, index=index)
        info = await platform.store.stat(staged)
        assert (info.size, info.sha256) == (len(data), hashlib.sha256(data).hexdigest())
        assert await read_bytes(platform.store, staged) == data
    # This process verified both chunks as they came in.
    progress = PROGRESS.take(upload_id, 2)
    assert progress is not None and progress.next_index == 2
    assert progress.received == len(parts[0]) + len(parts[1])
    assert progress.failure is None
    PROGRESS.keep(upload_id, progress)

    done = await put_chunk(client, headers, upload["id"], 2, parts[2])
    assert done.status_code == 200, done.text
    bid = done.json()["bid"]
    assert bid["sha256"] == hashlib.sha256(package).hexdigest()
    assert full_passes == []  # completed from the chunks' verification
    assert PROGRESS.pop(upload_id) is None  # dropped on completion
    async with platform.sessions() as db:
        row = await db.scalar(select(Bid).where(Bid.id == uuid.UUID(bid["id"])))
    assert row is not None
    stored = await platform.store.stat(row.object_key)
    assert (stored.size, stored.sha256) == (len(package), hashlib.sha256(package).hexdigest())
    assert await read_bytes(platform.store, row.object_key) == package
    assert stored.retain_until is not None
    assert not await platform.store.exists(CHUNK_KEY.format(upload=upload_id, index=0))  # cleaned up


async def test_a_refused_chunk_leaves_nothing_that_counts(
    client: httpx.AsyncClient, published: dict[str, Any], platform: Any, full_passes: list[uuid.UUID]
) -> None:
    bidder: Enrolled = published["users"]["bidder"]
    headers, lot = published["bidder"], published["lot"]
    package = sealed(bidder, published["project"], lot, b"z" * (CHUNK + 5000))  # two chunks
    first, second = chunks(package)
    upload = await start(client, headers, lot["id"], len(package))
    upload_id = uuid.UUID(upload["id"])

    async def state() -> tuple[int, int, str]:
        body = (await client.get(f"/api/bidder/uploads/{upload['id']}", headers=headers)).json()
        return body["received"], body["next_chunk"], body["status"]

    # Too large: refused while it streams, nothing staged, nothing counted.
    too_big = await put_chunk(client, headers, upload["id"], 0, first + b"x" * 10)
    assert (too_big.status_code, error_code(too_big)) == (413, "chunk_too_large")
    assert not await platform.store.exists(CHUNK_KEY.format(upload=upload_id, index=0))
    assert await state() == (0, 0, "open")
    # Out of order: refused before its body is read.
    ahead = await put_chunk(client, headers, upload["id"], 1, second)
    assert (ahead.status_code, error_code(ahead)) == (409, "chunk_out_of_order")
    assert not await platform.store.exists(CHUNK_KEY.format(upload=upload_id, index=1))
    # The wrong size (a short chunk that is not the last): staged while it streamed, then removed.
    short = await put_chunk(client, headers, upload["id"], 0, first[:1000])
    assert (short.status_code, error_code(short)) == (400, "chunk_size_mismatch")
    assert not await platform.store.exists(CHUNK_KEY.format(upload=upload_id, index=0))
    assert await state() == (0, 0, "open")

    # Resumed: chunk 0, a duplicate of it (refused, the staged chunk untouched), then chunk 1.
    assert (await put_chunk(client, headers, upload["id"], 0, first)).status_code == 200
    duplicate = await put_chunk(client, headers, upload["id"], 0, b"\0" * len(first))
    assert (duplicate.status_code, error_code(duplicate)) == (409, "chunk_duplicate")
    assert await read_bytes(platform.store, CHUNK_KEY.format(upload=upload_id, index=0)) == first
    assert await state() == (len(first), 1, "open")
    done = await put_chunk(client, headers, upload["id"], 1, second)
    assert done.status_code == 200, done.text
    assert done.json()["bid"]["sha256"] == hashlib.sha256(package).hexdigest()
    assert full_passes == []  # the refused attempts did not break the verification of what counted


@pytest.mark.parametrize("tamper", ["none", "flipped", "truncated_trailer"])
async def test_incremental_and_full_pass_reach_the_same_verdict(
    client: httpx.AsyncClient, published: dict[str, Any], tamper: str, full_passes: list[uuid.UUID]
) -> None:
    bidder: Enrolled = published["users"]["bidder"]
    headers, lot = published["bidder"], published["lot"]
    good = sealed(bidder, published["project"], lot, b"q" * (2 * CHUNK))  # three chunks
    if tamper == "flipped":
        flipped = bytearray(good)
        flipped[len(flipped) // 2] ^= 1  # inside the body's ciphertext: the signature fails at the end
        package = bytes(flipped)
    elif tamper == "truncated_trailer":
        package = good[: good.rindex(b"BSIG")] if b"BSIG" in good else good[:-600]
    else:
        package = good
    incremental = verdict(await send(client, headers, lot["id"], package))
    assert full_passes == []
    # Chunk 1 reaches "another process": this one no longer has the upload's progress.
    fallback = verdict(await send(client, headers, lot["id"], package, elsewhere=frozenset({1})))
    assert len(full_passes) == 1
    # Every chunk elsewhere but the last (then completed here, without the progress).
    last = len(chunks(package)) - 1
    restarted = verdict(await send(client, headers, lot["id"], package, elsewhere=frozenset({last})))
    assert len(full_passes) == 2
    assert incremental == fallback == restarted
    if tamper == "none":
        assert incremental == (200, hashlib.sha256(good).hexdigest(), incremental[2])
    else:
        assert incremental[:2] == (400, "package_invalid"), incremental


async def test_a_chunk_changed_after_it_was_verified_is_caught(
    client: httpx.AsyncClient, published: dict[str, Any], platform: Any, full_passes: list[uuid.UUID]
) -> None:
    """The store holds other bytes than those verified (written behind the platform's back): the
    concatenation refuses them, the full pass reads what is there, and that is refused."""
    bidder: Enrolled = published["users"]["bidder"]
    headers, lot = published["bidder"], published["lot"]
    package = sealed(bidder, published["project"], lot, b"w" * (CHUNK + 100))
    first, second = chunks(package)
    upload = await start(client, headers, lot["id"], len(package))
    assert (await put_chunk(client, headers, upload["id"], 0, first)).status_code == 200
    changed = bytearray(first)
    changed[-1] ^= 1

    async def body() -> Any:
        yield bytes(changed)

    await platform.store.put(CHUNK_KEY.format(upload=uuid.UUID(upload["id"]), index=0), body())
    done = await put_chunk(client, headers, upload["id"], 1, second)
    assert (done.status_code, error_code(done)) == (400, "package_invalid"), done.text
    assert full_passes == [uuid.UUID(upload["id"])]
    assert (await client.get(f"/api/bidder/lots/{lot['id']}/bids", headers=headers)).json() == []


async def test_the_pdf_receipt_comes_from_its_job(
    client: httpx.AsyncClient, published: dict[str, Any], platform: Any
) -> None:
    bidder: Enrolled = published["users"]["bidder"]
    headers, lot = published["bidder"], published["lot"]
    done = await send(client, headers, lot["id"], sealed(bidder, published["project"], lot, b"pdf"))
    assert done.status_code == 200, done.text
    bid_id = done.json()["bid"]["id"]
    pdf = await receipt_pdf(client, headers, bid_id)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    async with platform.sessions() as db:
        row = await db.get(Bid, uuid.UUID(bid_id))
    assert row is not None and row.receipt_pdf_key is not None
    # Again: skipped (the key is set); with the key unset, the stored PDF is taken as it is.
    again = await make_receipt_pdf({"platform": platform}, bid_id)
    assert again["status"] == "exists"
    async with platform.sessions() as db, db.begin():
        row = await db.get(Bid, uuid.UUID(bid_id))
        assert row is not None
        key, row.receipt_pdf_key = row.receipt_pdf_key, None
    redone = await make_receipt_pdf({"platform": platform}, bid_id)
    assert (redone["status"], redone["key"]) == ("stored", key)
    assert (await client.get(f"/api/bidder/bids/{bid_id}/receipt.pdf", headers=headers)).content == pdf.content


async def test_a_pdf_receipt_asked_for_before_its_job_is_made_in_the_request(
    client: httpx.AsyncClient, published: dict[str, Any], platform: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[uuid.UUID] = []

    async def not_queued(platform: Any, bid_id: uuid.UUID, *, attempt: str = "") -> bool:
        queued.append(bid_id)  # the job never runs: the request alone must make the PDF
        return True

    monkeypatch.setattr(bidder_api, "enqueue_receipt_pdf", not_queued)
    bidder: Enrolled = published["users"]["bidder"]
    headers, lot = published["bidder"], published["lot"]
    done = await send(client, headers, lot["id"], sealed(bidder, published["project"], lot, b"asked early"))
    assert done.status_code == 200, done.text
    bid_id = done.json()["bid"]["id"]
    assert queued == [uuid.UUID(bid_id)]
    async with platform.sessions() as db:
        row = await db.get(Bid, uuid.UUID(bid_id))
    assert row is not None and row.receipt_pdf_key is None
    pdf = await client.get(f"/api/bidder/bids/{bid_id}/receipt.pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), pdf.text[:200]
    async with platform.sessions() as db:
        row = await db.get(Bid, uuid.UUID(bid_id))
    assert row is not None and row.receipt_pdf_key is not None
    # The job, when it comes, finds it made; the bidder gets the same file again.
    assert (await make_receipt_pdf({"platform": platform}, bid_id))["status"] == "exists"
    assert (await receipt_pdf(client, headers, bid_id)).content == pdf.content


async def test_the_receipt_signed_ahead_of_the_lock_names_what_was_recorded(
    client: httpx.AsyncClient, published: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The signed receipt is made before the lot's lock (its TSA token and JWS would hold it); when
    its guess of the version is wrong (another upload of the bidder recorded meanwhile) it is signed
    again under the lock: either way it names exactly the recorded version."""
    bidder: Enrolled = published["users"]["bidder"]
    headers, lot = published["bidder"], published["lot"]

    async def receipt_of(done: httpx.Response) -> tuple[dict[str, Any], dict[str, Any]]:
        assert done.status_code == 200, done.text
        bid = done.json()["bid"]
        signed = (await client.get(f"/api/bidder/bids/{bid['id']}/receipt.json", headers=headers)).json()
        assert signed["receipt"] == done.json()["receipt"]
        return bid, signed["receipt"]

    first, receipt = await receipt_of(
        await send(client, headers, lot["id"], sealed(bidder, published["project"], lot, b"1"))
    )
    assert (receipt["version"], receipt["receipt_number"]) == (first["version"], first["receipt_number"])

    async def wrong_guess(*args: Any) -> int:
        return 99

    monkeypatch.setattr(bidder_api, "next_version", wrong_guess)
    second, receipt = await receipt_of(
        await send(client, headers, lot["id"], sealed(bidder, published["project"], lot, b"2"))
    )
    assert second["version"] == first["version"] + 1
    assert (receipt["version"], receipt["receipt_number"]) == (second["version"], second["receipt_number"])
