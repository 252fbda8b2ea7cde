"""LocalObjectStore specifics: on-disk layout, sidecar consistency, signed URLs."""

from __future__ import annotations

import io
import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from storage import InvalidKey, LocalObjectStore, ObjectNotFound, StorageError, StorageUnavailable, read_bytes
from storage.signing import (
    PARAM_CONTENT_TYPE,
    PARAM_EXPIRES,
    PARAM_FILENAME,
    PARAM_OP,
    PARAM_SIGNATURE,
    ROUTE_PREFIX,
    SignatureExpired,
    SignatureInvalid,
    verify,
)

pytestmark = pytest.mark.asyncio

KEY = b"local-test-signing-key-0123456789"


@pytest.fixture
def local(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "store", signing_key=KEY, base_url="https://bids.example.cn/")


def split_signed(url: str) -> tuple[str, dict[str, str]]:
    """(key, decoded query) as the HTTP route sees them."""
    parts = urlsplit(url)
    assert parts.path.startswith(ROUTE_PREFIX)
    return parts.path[len(ROUTE_PREFIX) :], dict(parse_qsl(parts.query, keep_blank_values=True))


# -- layout and atomicity --------------------------------------------------------------------


async def test_layout_and_sidecar(local: LocalObjectStore) -> None:
    info = await local.put("bids/a/body", io.BytesIO(b"payload"), metadata={"lot": "7"})
    data_path = local.root / "objects" / "bids" / "a" / "body"
    meta_path = local.root / "meta" / "bids" / "a" / "body~meta.json"
    assert data_path.read_bytes() == b"payload"
    record = json.loads(meta_path.read_text())
    assert record["sha256"] == info.sha256 and record["size"] == 7
    assert record["metadata"] == {"lot": "7"} and record["retain_until"] is None
    assert record["content_type"] == "application/octet-stream" and record["created"]
    assert list((local.root / ".tmp").iterdir()) == []


async def test_failed_put_leaves_no_temp_file(local: LocalObjectStore) -> None:
    async def broken() -> object:
        yield b"x" * (3 << 20)
        raise OSError("connection reset by peer")

    with pytest.raises(OSError, match="reset"):
        await local.put("broken", broken())  # type: ignore[arg-type]
    assert list((local.root / ".tmp").iterdir()) == []
    assert not (local.root / "objects" / "broken").exists()


async def test_reader_of_an_old_version_keeps_it(local: LocalObjectStore) -> None:
    await local.put("doc", io.BytesIO(b"A" * 3_000_000))
    stream = local.open("doc", chunk_size=1_000_000)
    first = await stream.__anext__()
    await local.put("doc", io.BytesIO(b"B" * 10))  # replaced while being read
    rest = b"".join([c async for c in stream])
    assert first + rest == b"A" * 3_000_000
    assert await read_bytes(local, "doc") == b"B" * 10


async def test_sidecar_must_match_the_data_file(local: LocalObjectStore) -> None:
    await local.put("tampered", io.BytesIO(b"good"))
    data = local.root / "objects" / "tampered"
    tmp = data.with_name("swap")
    tmp.write_bytes(b"evil!")
    os.replace(tmp, data)  # data changed behind the store's back (or a crash mid-commit)
    with pytest.raises(StorageError, match="does not match"):
        await local.stat("tampered")
    await local.put("tampered", io.BytesIO(b"repaired"))  # a writer may replace it
    assert (await local.stat("tampered")).size == 8
    assert await read_bytes(local, "tampered") == b"repaired"


async def test_data_without_sidecar_is_not_an_object(local: LocalObjectStore) -> None:
    (local.root / "objects" / "stray").write_bytes(b"?")
    assert not await local.exists("stray")
    with pytest.raises(ObjectNotFound):
        await local.stat("stray")


async def test_key_that_is_a_prefix_of_another(local: LocalObjectStore) -> None:
    await local.put("a/b", io.BytesIO(b"1"))
    with pytest.raises(InvalidKey, match="prefix"):
        await local.put("a", io.BytesIO(b"2"))
    await local.put("c", io.BytesIO(b"3"))
    with pytest.raises(InvalidKey, match="under the object"):
        await local.put("c/d", io.BytesIO(b"4"))
    assert not await local.exists("a") and not await local.exists("c/d")


async def test_retention_is_in_the_sidecar(local: LocalObjectStore) -> None:
    until = datetime(2099, 1, 1, tzinfo=UTC)
    await local.put("kept", io.BytesIO(b"x"), retain_until=until)
    record = json.loads((local.root / "meta" / "kept~meta.json").read_text())
    assert datetime.fromisoformat(record["retain_until"]) == until


async def test_expired_retention_allows_delete(local: LocalObjectStore) -> None:
    await local.put("short", io.BytesIO(b"x"), retain_until=datetime.now(UTC) + timedelta(seconds=30))
    meta = local.root / "meta" / "short~meta.json"
    record = json.loads(meta.read_text())
    record["retain_until"] = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()  # time passed
    meta.write_text(json.dumps(record))
    info = await local.stat("short")
    assert info.retain_until is not None and not info.is_retained()
    await local.delete("short")
    assert not await local.exists("short")


async def test_check_reports_a_broken_root(local: LocalObjectStore) -> None:
    await local.check()
    shutil.rmtree(local.root / ".tmp")
    with pytest.raises(StorageUnavailable, match=r"\.tmp"):
        await local.check()


async def test_constructor_validates(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        LocalObjectStore(tmp_path, signing_key=b"short", base_url="http://x")
    with pytest.raises(ValueError, match="base_url"):
        LocalObjectStore(tmp_path, signing_key=KEY, base_url="bids.example.cn")


# -- signed URLs -----------------------------------------------------------------------------


async def test_signed_get_url_verifies(local: LocalObjectStore) -> None:
    key = "docs/tender-1.pdf"
    await local.put(key, io.BytesIO(b"%PDF"))
    url = await local.presign_get(key, expires=timedelta(minutes=10), filename="招标 文件.pdf")
    assert url.startswith(f"https://bids.example.cn/api/storage/{key}?")
    got_key, query = split_signed(url)
    assert got_key == key and query[PARAM_OP] == "GET" and query[PARAM_FILENAME] == "招标 文件.pdf"
    local.verify_signed_request("GET", got_key, query)
    assert int(query[PARAM_EXPIRES]) - datetime.now(UTC).timestamp() == pytest.approx(600, abs=5)


async def test_signed_put_url_binds_content_type(local: LocalObjectStore) -> None:
    url = await local.presign_put("up/load.bin", expires=timedelta(minutes=1), content_type="application/pdf")
    key, query = split_signed(url)
    assert query[PARAM_CONTENT_TYPE] == "application/pdf"
    local.verify_signed_request("PUT", key, query)
    with pytest.raises(SignatureInvalid):
        local.verify_signed_request("PUT", key, {**query, PARAM_CONTENT_TYPE: "text/html"})


@pytest.mark.parametrize(
    "tamper",
    [
        {PARAM_EXPIRES: "9999999999"},
        {PARAM_FILENAME: "other.pdf"},
        {PARAM_CONTENT_TYPE: "text/plain"},
        {PARAM_SIGNATURE: "0" * 64},
        {PARAM_SIGNATURE: "zz"},
        {PARAM_EXPIRES: "soon"},
        {PARAM_OP: "PUT"},
    ],
    ids=["expiry", "filename", "added-content-type", "signature", "malformed-signature", "bad-expiry", "op"],
)
async def test_tampered_signed_urls_are_refused(local: LocalObjectStore, tamper: dict[str, str]) -> None:
    url = await local.presign_get("a/doc", expires=timedelta(minutes=10), filename="doc.pdf")
    key, query = split_signed(url)
    with pytest.raises(SignatureInvalid) as err:
        local.verify_signed_request("GET", key, {**query, **tamper})
    assert err.value.code == "signature_invalid"


async def test_signed_url_for_another_key_or_op(local: LocalObjectStore) -> None:
    url = await local.presign_get("a/doc", expires=timedelta(minutes=10))
    key, query = split_signed(url)
    with pytest.raises(SignatureInvalid):
        local.verify_signed_request("GET", "a/other", query)
    with pytest.raises(SignatureInvalid):
        local.verify_signed_request("PUT", key, query)
    for missing in (PARAM_OP, PARAM_EXPIRES, PARAM_SIGNATURE):
        with pytest.raises(SignatureInvalid, match=missing):
            local.verify_signed_request("GET", key, {k: v for k, v in query.items() if k != missing})
    with pytest.raises(InvalidKey):
        local.verify_signed_request("GET", "../a/doc", query)


async def test_expired_signed_url(local: LocalObjectStore) -> None:
    url = await local.presign_get("a/doc", expires=timedelta(seconds=30))
    key, query = split_signed(url)
    expires = datetime.fromtimestamp(int(query[PARAM_EXPIRES]), UTC)
    verify(KEY, op="GET", key=key, query=query, now=expires - timedelta(seconds=1))
    with pytest.raises(SignatureExpired) as err:
        verify(KEY, op="GET", key=key, query=query, now=expires)
    assert err.value.code == "signature_expired"
    # a forged expiry is a bad signature, not an expired one
    with pytest.raises(SignatureInvalid):
        verify(KEY, op="GET", key=key, query={**query, PARAM_EXPIRES: "1"}, now=expires)
