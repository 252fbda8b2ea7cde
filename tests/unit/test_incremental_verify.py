"""The pieces of streamed uploads (``bidding.submission.streaming``) and the store's concatenation
(``ObjectStore.compose``): a chunk's body reaches the store as sent, counted and stamped at its last
byte; the verification fed chunk by chunk agrees with one pass over the package; the per-process
progress is bounded and continues only in order; the local store concatenates in the kernel and
refuses a part that changed."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bidding.core.clock import ManualClock
from bidding.submission.progress import Progress
from bidding.submission.service import ChunkTooLarge
from bidding.submission.streaming import PIECE, ChunkBody, Progresses, Receiving
from crypto.errors import CryptoError
from crypto.sealed import inspect
from storage import IntegrityError, ObjectChanged, ObjectStore
from storage.local import LocalObjectStore
from storage.streams import read_bytes
from tests.fixtures.sealed import CounterRandom, party, seal_bytes

PKG, _ = seal_bytes(
    bytes(range(256)) * 20, segment_size=256, rng=CounterRandom(b"incremental"), recipients=[party("ec-p256", "centre")]
)
T0 = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


async def pieces(data: bytes, size: int, clock: ManualClock | None = None) -> AsyncIterator[bytes]:
    """``data`` in pieces of ``size`` bytes, the clock a second on before each (a slow sender)."""
    for i in range(0, len(data), size):
        if clock is not None:
            clock.advance(timedelta(seconds=1))
        yield data[i : i + size]


async def drain(body: ChunkBody) -> bytes:
    out = bytearray()
    async for piece in body:
        out += piece
    return bytes(out)


async def test_a_chunk_body_is_what_was_sent_stamped_at_its_last_byte() -> None:
    clock = ManualClock(T0)
    data = os.urandom(3 * PIECE + 12345)
    progress = Progress()
    body = ChunkBody(pieces(data, 64 * 1024, clock), limit=len(data), clock=clock, progress=progress)
    assert await drain(body) == data
    sent = (len(data) + 64 * 1024 - 1) // (64 * 1024)
    assert body.arrived == T0 + timedelta(seconds=sent)  # the last byte, not what came after it
    assert (body.size, body.head) == (len(data), data[:8])
    assert progress.failure is not None  # not a package: kept for completion, the chunk still received


async def test_a_chunk_body_feeds_the_verification_in_order() -> None:
    clock = ManualClock(T0)
    progress = Progress()
    body = ChunkBody(pieces(PKG, 100), limit=PIECE, clock=clock, progress=progress)
    assert await drain(body) == PKG
    assert progress.finish() == inspect(io.BytesIO(PKG))


async def test_a_chunk_body_past_its_limit_is_refused_at_the_first_byte_too_many() -> None:
    clock = ManualClock(T0)
    body = ChunkBody(pieces(b"x" * 1001, 100), limit=1000, clock=clock, progress=None)
    with pytest.raises(ChunkTooLarge):
        await drain(body)
    assert body.arrived is None


@pytest.mark.parametrize("chunk", [1, 7, 256, 1000, 1 << 20])
def test_the_verification_fed_chunk_by_chunk_is_one_pass(chunk: int) -> None:
    progress = Progress()
    for i in range(0, len(PKG), chunk):
        progress.feed(PKG[i : i + chunk])
    assert progress.finish() == inspect(io.BytesIO(PKG))


@pytest.mark.parametrize("where", [0, 10, 0.5, -5])
def test_a_tampered_package_fails_as_the_one_pass_does(where: float) -> None:
    bad = bytearray(PKG)
    where = int(len(bad) * where) if isinstance(where, float) else where
    bad[where] ^= 0x40
    progress = Progress()
    for i in range(0, len(bad), 333):
        progress.feed(bytes(bad[i : i + 333]))
    with pytest.raises(CryptoError) as incremental:
        progress.finish()
    with pytest.raises(CryptoError) as whole:
        inspect(io.BytesIO(bytes(bad)))
    assert incremental.value.code == whole.value.code


def test_progress_continues_only_in_order_and_is_bounded() -> None:
    kept = Progresses(limit=2)
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    first = kept.take(a, 0)
    assert first is not None
    assert kept.take(a, 1) is None  # taken out while chunk 0 is received
    first.recorded(10, "s", "e")
    kept.keep(a, first)
    assert kept.take(a, 2) is None  # chunk 1 went elsewhere: no shortcut, and forgotten
    assert kept.take(a, 1) is None
    for upload in (a, b, c):
        progress = kept.take(upload, 0)
        assert progress is not None
        progress.recorded(10, "s", "e")
        kept.keep(upload, progress)
    assert len(kept) == 2
    assert kept.take(a, 1) is None  # the oldest went first
    assert kept.take(c, 1) is not None
    assert kept.pop(b) is not None and kept.pop(b) is None


@pytest.fixture
def store(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "store", signing_key=b"k" * 32, base_url="http://127.0.0.1:1")


async def put_bytes(store: ObjectStore, key: str, data: bytes) -> tuple[str, str]:
    async def one() -> AsyncIterator[bytes]:
        yield data

    info = await store.put(key, one())
    assert info.etag is not None and info.sha256 is not None
    return info.sha256, info.etag


async def test_the_local_store_concatenates_parts_in_the_kernel(store: LocalObjectStore) -> None:
    parts = [os.urandom(n) for n in (3 * 1024 * 1024 + 17, 1, 5000)]
    keys = [f"staged/{i}" for i in range(len(parts))]
    etags = [(await put_bytes(store, k, p))[1] for k, p in zip(keys, parts, strict=True)]
    whole = b"".join(parts)
    until = datetime.now(UTC) + timedelta(days=1)
    info = await store.compose(
        "final/obj",
        list(zip(keys, etags, strict=True)),
        sha256=hashlib.sha256(whole).hexdigest(),
        content_type="application/x-test",
        retain_until=until,
        overwrite=False,
    )
    assert (info.size, info.sha256, info.content_type) == (
        len(whole),
        hashlib.sha256(whole).hexdigest(),
        "application/x-test",
    )
    assert info.retain_until is not None and info.retain_until >= until
    assert await read_bytes(store, "final/obj") == whole
    assert (await store.stat("final/obj")).sha256 == info.sha256


async def test_a_changed_part_stores_nothing(store: LocalObjectStore) -> None:
    _, etag = await put_bytes(store, "staged/a", b"a" * 1000)
    await put_bytes(store, "staged/a", b"b" * 1000)  # written again since
    with pytest.raises(ObjectChanged):
        await store.compose("final/x", [("staged/a", etag)], sha256=hashlib.sha256(b"a" * 1000).hexdigest())
    assert not await store.exists("final/x")


async def test_the_default_composition_checks_the_digest(store: LocalObjectStore) -> None:
    """The base class's streaming composition (S3 and any store without its own) checks the digest."""
    _, etag = await put_bytes(store, "staged/b", b"b" * 1000)
    with pytest.raises(IntegrityError):
        await ObjectStore.compose(store, "final/y", [("staged/b", etag)], sha256="0" * 64)
    assert not await store.exists("final/y")
    info = await ObjectStore.compose(
        store, "final/y", [("staged/b", etag)], sha256=hashlib.sha256(b"b" * 1000).hexdigest()
    )
    assert info.size == 1000


async def test_receipts_wait_for_a_lull_in_uploads_but_not_forever() -> None:
    receiving = Receiving()
    started = asyncio.get_running_loop().time()
    await receiving.lull(at_most=5)  # nothing being read: at once
    assert asyncio.get_running_loop().time() - started < 0.1
    with receiving:
        started = asyncio.get_running_loop().time()
        await receiving.lull(at_most=0.2, every=0.05)  # a chunk keeps coming: not forever
        assert 0.2 <= asyncio.get_running_loop().time() - started < 1

        async def finish_reading() -> None:
            await asyncio.sleep(0.1)
            receiving.count -= 1

        task = asyncio.create_task(finish_reading())
        started = asyncio.get_running_loop().time()
        await receiving.lull(at_most=5, every=0.05)
        assert asyncio.get_running_loop().time() - started < 1
        await task
        receiving.count += 1  # as the context manager expects on the way out
    assert receiving.count == 0
