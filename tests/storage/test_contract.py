"""The ObjectStore contract, run against both backends.

``local`` is a LocalObjectStore in tmp_path; ``s3`` is an S3ObjectStore talking HTTP to moto's
server (a subprocess) through the same minio code production uses, with 5 MiB parts so that
objects of a few MiB already take the multipart path.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from storage import (
    IntegrityError,
    InvalidArgument,
    InvalidKey,
    InvalidRange,
    LocalObjectStore,
    ObjectChanged,
    ObjectExists,
    ObjectNotFound,
    ObjectRetained,
    ObjectStore,
    S3ObjectStore,
    hash_object,
    read_bytes,
)

pytestmark = pytest.mark.asyncio

MIB = 1024 * 1024
MULTIPART_SIZE = 12 * MIB + 12345  # three 5 MiB parts on S3, the last one short
SIGNING_KEY = b"contract-test-signing-key-32-byt"


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return LocalObjectStore(tmp_path / "store", signing_key=SIGNING_KEY, base_url="http://testserver")
    s3: S3ObjectStore = request.getfixturevalue("s3_store")
    return s3


async def chunks(data: bytes, sizes: tuple[int, ...] = (65536, 1000, 3 * MIB, 1)) -> AsyncIterator[bytes]:
    """Yield ``data`` in irregular chunks, with a pause now and then, like a network body."""
    pos, i = 0, 0
    while pos < len(data):
        size = sizes[i % len(sizes)]
        yield data[pos : pos + size]
        pos += size
        i += 1
        if i % 7 == 0:
            await asyncio.sleep(0)


async def failing_source(good: int, exc: BaseException) -> AsyncIterator[bytes]:
    sent = 0
    while sent < good:
        n = min(MIB, good - sent)
        yield os.urandom(n)
        sent += n
    raise exc


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def leftover_state(store: ObjectStore) -> list[str]:
    """What an aborted put might leave behind: temp files (local) or multipart uploads (S3)."""
    if isinstance(store, LocalObjectStore):
        return sorted(p.name for p in (store.root / ".tmp").iterdir())
    assert isinstance(store, S3ObjectStore)
    import boto3  # type: ignore[import-untyped]

    client = boto3.client(
        "s3",
        endpoint_url=f"http://{store.endpoint}",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    uploads = client.list_multipart_uploads(Bucket=store.bucket).get("Uploads") or []
    return sorted(u["Key"] for u in uploads)


# -- put / get -------------------------------------------------------------------------------


async def test_put_get_round_trip(store: ObjectStore) -> None:
    data = b"sealed bid \x00\xff" * 1000
    before = datetime.now(UTC) - timedelta(seconds=5)
    info = await store.put(
        "bids/lot-1/form.bin",
        io.BytesIO(data),
        content_type="application/x-bid",
        metadata={"Bidder": "91320000MA1X", "lot": "1"},
    )
    assert info.key == "bids/lot-1/form.bin"
    assert info.size == len(data)
    assert info.sha256 == sha(data)
    assert info.content_type == "application/x-bid"
    assert info.metadata == {"bidder": "91320000MA1X", "lot": "1"}
    assert info.etag
    assert info.retain_until is None and not info.is_retained()
    assert info.last_modified.tzinfo is not None and info.last_modified.utcoffset() == timedelta(0)
    assert before <= info.last_modified <= datetime.now(UTC) + timedelta(seconds=5)

    stat = await store.stat("bids/lot-1/form.bin")
    assert (stat.size, stat.sha256, stat.content_type, stat.metadata) == (
        len(data),
        sha(data),
        "application/x-bid",
        {"bidder": "91320000MA1X", "lot": "1"},
    )
    assert await read_bytes(store, "bids/lot-1/form.bin") == data


async def test_streaming_put_of_unknown_length(store: ObjectStore) -> None:
    data = os.urandom(MULTIPART_SIZE)
    info = await store.put("bids/body", chunks(data))
    assert (info.size, info.sha256) == (len(data), sha(data))
    assert await hash_object(store, "bids/body") == (sha(data), len(data))
    stat = await store.stat("bids/body")
    assert stat.size == len(data)
    # S3 learns the SHA-256 of a multipart upload only at the end: stat knows it only when the
    # caller vouched for it up front (expected_sha256). The local store always knows it.
    assert stat.sha256 == (sha(data) if store.backend == "local" else None)


async def test_put_from_blocking_file_object(store: ObjectStore, tmp_path: Path) -> None:
    data = os.urandom(MULTIPART_SIZE)
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    with path.open("rb") as f:
        info = await store.put("from-file", f)
    assert (info.size, info.sha256) == (len(data), sha(data))
    assert await hash_object(store, "from-file") == (sha(data), len(data))


async def test_empty_object(store: ObjectStore) -> None:
    info = await store.put("empty", chunks(b""))
    assert (info.size, info.sha256) == (0, sha(b""))
    assert await read_bytes(store, "empty") == b""
    assert await read_bytes(store, "empty", offset=0, length=0) == b""


async def test_expected_sha256_is_recorded(store: ObjectStore) -> None:
    data = os.urandom(MULTIPART_SIZE)
    info = await store.put("vouched", chunks(data), expected_sha256=sha(data).upper())
    assert info.sha256 == sha(data)
    assert (await store.stat("vouched")).sha256 == sha(data)


async def test_chunks_respect_chunk_size(store: ObjectStore) -> None:
    data = os.urandom(300_000)
    await store.put("chunky", io.BytesIO(data))
    got = [c async for c in store.open("chunky", chunk_size=65536)]
    assert b"".join(got) == data
    assert all(0 < len(c) <= 65536 for c in got)


# -- ranges ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "length"),
    [(0, 10), (0, None), (1000, 4096), (MIB - 1, 2), (3 * MIB, None), (3 * MIB + 100 - 7, 7), (3 * MIB + 100, None)],
    ids=["start", "all", "middle", "across-chunks", "tail", "last-bytes", "at-end"],
)
async def test_ranged_reads(store: ObjectStore, offset: int, length: int | None) -> None:
    data = os.urandom(3 * MIB + 100)
    await store.put("ranged", io.BytesIO(data))
    end = None if length is None else offset + length
    assert await read_bytes(store, "ranged", offset=offset, length=length) == data[offset:end]


@pytest.mark.parametrize(
    ("offset", "length"),
    [(1001, None), (1000, 1), (0, 1001), (999, 2), (-1, None), (0, -1)],
    ids=["offset-past-end", "at-end-plus-one", "too-long", "crosses-end", "negative-offset", "negative-length"],
)
async def test_out_of_range_is_refused_before_any_data(store: ObjectStore, offset: int, length: int | None) -> None:
    await store.put("small", io.BytesIO(b"x" * 1000))
    stream = store.open("small", offset=offset, length=length)
    with pytest.raises(InvalidRange):
        await stream.__anext__()


async def test_missing_object(store: ObjectStore) -> None:
    with pytest.raises(ObjectNotFound):
        await store.stat("nope")
    with pytest.raises(ObjectNotFound):
        await store.open("nope").__anext__()
    with pytest.raises(ObjectNotFound):
        await store.delete("nope")
    with pytest.raises(ObjectNotFound):
        await store.set_retention("nope", datetime.now(UTC) + timedelta(days=1))
    assert not await store.exists("nope")


# -- overwrite, delete -----------------------------------------------------------------------


async def test_exists_and_delete(store: ObjectStore) -> None:
    await store.put("doomed", io.BytesIO(b"bye"))
    assert await store.exists("doomed")
    await store.delete("doomed")
    assert not await store.exists("doomed")
    with pytest.raises(ObjectNotFound):
        await store.stat("doomed")
    with pytest.raises(ObjectNotFound):
        await store.delete("doomed")
    # the key is free again
    await store.put("doomed", io.BytesIO(b"again"))
    assert await read_bytes(store, "doomed") == b"again"


async def test_list_objects_under_a_prefix(store: ObjectStore) -> None:
    base = f"listing-{os.urandom(4).hex()}"
    before = datetime.now(UTC) - timedelta(seconds=5)
    for key, data in ((f"{base}/a/1", b"one"), (f"{base}/a/2", b"two!"), (f"{base}/b", b""), (f"{base}x", b"x")):
        await store.put(key, io.BytesIO(data))
    await store.put(f"{base}/a/gone", io.BytesIO(b"gone"))
    await store.delete(f"{base}/a/gone")  # deleted objects are not listed (nor their versions)
    listed = {o.key: o for o in await store.list_objects(f"{base}/")}
    assert sorted(listed) == [f"{base}/a/1", f"{base}/a/2", f"{base}/b"]
    assert (listed[f"{base}/a/2"].size, listed[f"{base}/b"].size) == (4, 0)
    assert all(before <= o.last_modified <= datetime.now(UTC) + timedelta(seconds=5) for o in listed.values())
    assert [o.key for o in await store.list_objects(f"{base}/a/")] in (
        [f"{base}/a/1", f"{base}/a/2"],
        [f"{base}/a/2", f"{base}/a/1"],
    )
    assert {o.key for o in await store.list_objects(base)} == {*listed, f"{base}x"}  # a prefix of a segment
    assert len(await store.list_objects(f"{base}/", limit=2)) == 2
    assert await store.list_objects(f"{base}-none/") == []
    with pytest.raises(InvalidKey):
        await store.list_objects("../")


async def test_delete_after_overwrite_removes_every_version(store: ObjectStore) -> None:
    await store.put("versions", io.BytesIO(b"one"))
    await store.put("versions", io.BytesIO(b"two"))
    assert await read_bytes(store, "versions") == b"two"
    await store.delete("versions")
    assert not await store.exists("versions")  # no older version resurfaces


async def test_overwrite_false_refuses_existing(store: ObjectStore) -> None:
    await store.put("once", io.BytesIO(b"first"))
    with pytest.raises(ObjectExists) as err:
        await store.put("once", io.BytesIO(b"second"), overwrite=False)
    assert err.value.code == "exists"
    assert await read_bytes(store, "once") == b"first"
    await store.put("once", io.BytesIO(b"third"))  # overwrite=True is the default
    assert await read_bytes(store, "once") == b"third"
    info = await store.put("fresh", io.BytesIO(b"new"), overwrite=False)
    assert info.size == 3


# -- nothing half-written --------------------------------------------------------------------


@pytest.mark.parametrize("size", [1000, MULTIPART_SIZE], ids=["single", "multipart"])
async def test_sha256_mismatch_leaves_nothing(store: ObjectStore, size: int) -> None:
    data = os.urandom(size)
    with pytest.raises(IntegrityError) as err:
        await store.put("mismatch", chunks(data), expected_sha256=sha(b"something else"))
    assert err.value.code == "integrity"
    assert not await store.exists("mismatch")
    assert leftover_state(store) == []


async def test_sha256_mismatch_keeps_previous_object(store: ObjectStore) -> None:
    await store.put("kept", io.BytesIO(b"original"))
    with pytest.raises(IntegrityError):
        await store.put("kept", chunks(os.urandom(MULTIPART_SIZE)), expected_sha256="0" * 64)
    assert await read_bytes(store, "kept") == b"original"


class SourceBroke(Exception):
    pass


@pytest.mark.parametrize("good", [100, 7 * MIB], ids=["first-part", "after-a-part"])
async def test_source_failing_midway_leaves_nothing(store: ObjectStore, good: int) -> None:
    with pytest.raises(SourceBroke):  # the source's own error comes through unchanged
        await store.put("broken", failing_source(good, SourceBroke("client went away")))
    assert not await store.exists("broken")
    assert leftover_state(store) == []


async def test_source_failing_keeps_previous_object(store: ObjectStore) -> None:
    await store.put("stable", io.BytesIO(b"v1"))
    with pytest.raises(SourceBroke):
        await store.put("stable", failing_source(7 * MIB, SourceBroke()))
    assert await read_bytes(store, "stable") == b"v1"


async def test_cancelled_put_leaves_nothing(store: ObjectStore) -> None:
    deep_in = asyncio.Event()

    async def stalls() -> AsyncIterator[bytes]:
        for _ in range(8):  # past the first part on S3
            yield os.urandom(MIB)
        deep_in.set()
        await asyncio.Event().wait()  # a client that stops sending
        yield b""  # pragma: no cover

    task = asyncio.create_task(store.put("cancelled", stalls()))
    await asyncio.wait_for(deep_in.wait(), timeout=20)
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not await store.exists("cancelled")
    assert leftover_state(store) == []


async def test_concurrent_puts(store: ObjectStore) -> None:
    blobs = {f"many/{i}": os.urandom(200_000 + i) for i in range(6)}
    infos = await asyncio.gather(*(store.put(k, chunks(v)) for k, v in blobs.items()))
    assert [i.sha256 for i in infos] == [sha(v) for v in blobs.values()]
    for key, value in blobs.items():
        assert await read_bytes(store, key) == value


# -- retention -------------------------------------------------------------------------------


async def test_retention_is_stored_and_read_back(store: ObjectStore) -> None:
    until = datetime.now(UTC) + timedelta(days=30, microseconds=250)
    expected = until.replace(microsecond=0) + timedelta(seconds=1)  # rounded up to a second
    info = await store.put("sealed", chunks(os.urandom(1000)), retain_until=until)
    assert info.retain_until == expected and info.is_retained()
    assert (await store.stat("sealed")).retain_until == expected


async def test_retention_survives_multipart(store: ObjectStore) -> None:
    until = datetime.now(UTC) + timedelta(days=1)
    await store.put("sealed-big", chunks(os.urandom(MULTIPART_SIZE)), retain_until=until)
    stat = await store.stat("sealed-big")
    assert stat.retain_until is not None and stat.retain_until >= until.replace(microsecond=0)


async def test_retained_object_refuses_delete_overwrite_and_shortening(store: ObjectStore) -> None:
    until = datetime.now(UTC) + timedelta(days=10)
    await store.put("locked", io.BytesIO(b"evidence"), retain_until=until)
    with pytest.raises(ObjectRetained) as err:
        await store.delete("locked")
    assert err.value.code == "retained"
    with pytest.raises(ObjectRetained):
        await store.put("locked", io.BytesIO(b"forgery"))
    with pytest.raises(ObjectRetained):
        await store.set_retention("locked", until - timedelta(days=1))
    assert await read_bytes(store, "locked") == b"evidence"

    later = until + timedelta(days=5)
    info = await store.set_retention("locked", later)
    assert info.retain_until is not None and later <= info.retain_until < later + timedelta(seconds=1)
    assert (await store.stat("locked")).retain_until == info.retain_until
    with pytest.raises(ObjectRetained):
        await store.delete("locked")


async def test_set_retention_on_unretained_object(store: ObjectStore) -> None:
    await store.put("late-lock", io.BytesIO(b"data"))
    info = await store.set_retention("late-lock", datetime.now(UTC) + timedelta(hours=1))
    assert info.is_retained()
    with pytest.raises(ObjectRetained):
        await store.delete("late-lock")


async def test_bad_retention_dates(store: ObjectStore) -> None:
    with pytest.raises(InvalidArgument, match="timezone"):
        await store.put("r", io.BytesIO(b"x"), retain_until=datetime.now() + timedelta(days=1))
    with pytest.raises(InvalidArgument, match="future"):
        await store.put("r", io.BytesIO(b"x"), retain_until=datetime.now(UTC) - timedelta(days=1))
    assert not await store.exists("r")


# -- validation ------------------------------------------------------------------------------

BAD_KEYS = [
    "",
    "/abs",
    "a//b",
    "a/",
    "../etc/passwd",
    "a/../b",
    "a/./b",
    ".",
    "..",
    "sp ace",
    "ü",
    "a\\b",
    "k" * 513,
    "k" * 201,
]


@pytest.mark.parametrize("key", BAD_KEYS)
async def test_invalid_keys_are_refused(store: ObjectStore, key: str) -> None:
    with pytest.raises(InvalidKey) as err:
        await store.put(key, io.BytesIO(b"x"))
    assert err.value.code == "invalid_key"
    with pytest.raises(InvalidKey):
        await store.stat(key)
    with pytest.raises(InvalidKey):
        await store.open(key).__anext__()
    with pytest.raises(InvalidKey):
        await store.delete(key)
    with pytest.raises(InvalidKey):
        await store.presign_get(key, expires=timedelta(minutes=1))


@pytest.mark.parametrize("key", ["a", "A.b-c_d/e.f/0", "...x/y..", "/".join(["k" * 200, "k" * 200, "k" * 110])])
async def test_valid_keys_are_accepted(store: ObjectStore, key: str) -> None:
    await store.put(key, io.BytesIO(b"ok"))
    assert await read_bytes(store, key) == b"ok"


@pytest.mark.parametrize(
    "metadata",
    [
        {"sha256": "x"},
        {"bad name": "x"},
        {"_x": "y"},
        {"x": "ü"},
        {"x": "a\nb"},
        {"a": "1", "A": "2"},
        {"x": "v" * 3000},
    ],
)
async def test_invalid_metadata_is_refused(store: ObjectStore, metadata: dict[str, str]) -> None:
    with pytest.raises(InvalidArgument):
        await store.put("meta", io.BytesIO(b"x"), metadata=metadata)
    assert not await store.exists("meta")


async def test_invalid_arguments(store: ObjectStore) -> None:
    with pytest.raises(TypeError, match="BytesIO"):
        await store.put("t", b"raw bytes")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        await store.put("t", io.BytesIO(b"x"), expected_sha256="not-hex")
    with pytest.raises(InvalidArgument):
        await store.put("t", io.BytesIO(b"x"), content_type="text/plain\r\nX-Evil: 1")
    with pytest.raises(InvalidArgument):
        await store.presign_get("t", expires=timedelta(days=8))
    with pytest.raises(InvalidArgument):
        await store.presign_get("t", expires=timedelta(0))
    with pytest.raises(InvalidArgument):
        await store.presign_get("t", expires=timedelta(minutes=1), filename="../x")


# -- URLs and probes -------------------------------------------------------------------------


async def test_presigned_urls_are_absolute(store: ObjectStore) -> None:
    await store.put("doc.pdf", io.BytesIO(b"%PDF"))
    for url in (
        await store.presign_get("doc.pdf", expires=timedelta(minutes=5), filename="招标文件.pdf"),
        await store.presign_put("new.pdf", expires=timedelta(minutes=5), content_type="application/pdf"),
    ):
        parts = urlsplit(url)
        assert parts.scheme in ("http", "https") and parts.netloc and parts.query


async def test_upload_forms(store: ObjectStore) -> None:
    """A form for one key, size and content type, valid for whole seconds; PUT locally, POST on S3."""
    before = datetime.now(UTC).replace(microsecond=0)
    form = await store.presign_upload("up/pkg.bid", size=1234, expires=timedelta(minutes=15), content_type="x/y")
    parts = urlsplit(form.url)
    assert parts.scheme in ("http", "https") and parts.netloc
    assert form.size == 1234 and form.expires_at.microsecond == 0
    assert before + timedelta(minutes=15) <= form.expires_at <= datetime.now(UTC) + timedelta(minutes=15, seconds=1)
    if store.backend == "local":
        assert (form.method, dict(form.fields), dict(form.headers)) == ("PUT", {}, {"Content-Type": "x/y"})
    else:
        assert (form.method, dict(form.headers)) == ("POST", {})
        assert form.fields["key"] == "up/pkg.bid" and form.fields["Content-Type"] == "x/y"
    for bad in ({"size": -1}, {"size": True}, {"expires": timedelta(0)}, {"content_type": "a\r\nb: c"}):
        kwargs: dict[str, object] = {"size": 1, "expires": timedelta(minutes=1), **bad}
        with pytest.raises(InvalidArgument):
            await store.presign_upload("up/pkg.bid", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidKey):
        await store.presign_upload("../pkg", size=1, expires=timedelta(minutes=1))
    if store.max_presigned_upload is not None:
        with pytest.raises(InvalidArgument, match="at most"):
            await store.presign_upload("up/big", size=store.max_presigned_upload + 1, expires=timedelta(minutes=1))


async def test_open_if_match_reads_the_measured_object_or_nothing(store: ObjectStore) -> None:
    await store.put("staged", chunks(b"first" * 1000))
    first = await store.stat("staged")
    assert first.etag
    assert await read_all(store.open("staged", if_match=first.etag)) == b"first" * 1000
    await store.put("staged", chunks(b"second" * 1000))
    with pytest.raises(ObjectChanged):
        await read_all(store.open("staged", if_match=first.etag))
    with pytest.raises(ObjectChanged):  # also for an empty range: the check comes first
        await read_all(store.open("staged", offset=0, length=0, if_match=first.etag))
    second = await store.stat("staged")
    assert await read_all(store.open("staged", offset=6, length=6, if_match=second.etag)) == b"second"


async def read_all(stream: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in stream])


async def test_check_passes(store: ObjectStore) -> None:
    await store.check()
    assert store.backend in ("local", "s3")


async def test_context_manager_closes(store: ObjectStore) -> None:
    async with store as opened:
        assert opened is store
