"""S3ObjectStore specifics against moto's server: presigned URLs over HTTP, object lock, probes."""

from __future__ import annotations

import io
import os
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from minio import Minio

from storage import S3ObjectStore, StorageUnavailable, hash_object, read_bytes
from tests.fixtures.processes import free_port
from tests.fixtures.s3server import S3Server, post_form, post_policy

pytestmark = pytest.mark.asyncio

MIB = 1024 * 1024


async def test_presigned_get_works_over_http(s3_store: S3ObjectStore) -> None:
    await s3_store.put("docs/tender.pdf", io.BytesIO(b"%PDF-1.7 tender"), content_type="application/pdf")
    url = await s3_store.presign_get("docs/tender.pdf", expires=timedelta(minutes=5), filename="招标文件.pdf")
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        assert response.read() == b"%PDF-1.7 tender"
        disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''%E6%8B%9B%E6%A0%87%E6%96%87%E4%BB%B6.pdf" in disposition


async def test_presigned_put_works_over_http(s3_store: S3ObjectStore) -> None:
    body = os.urandom(100_000)
    url = await s3_store.presign_put("uploads/bid.bin", expires=timedelta(minutes=5), content_type="application/x-bid")
    request = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": "application/x-bid"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    info = await s3_store.stat("uploads/bid.bin")
    assert (info.size, info.content_type) == (len(body), "application/x-bid")
    assert info.sha256 is None  # a presigned upload bypasses the store: hash it to check it
    assert (await hash_object(s3_store, "uploads/bid.bin"))[1] == len(body)


async def test_upload_form_binds_key_type_and_exact_size(s3_store: S3ObjectStore, s3_server: S3Server) -> None:
    """The POST form's policy, signed with the store's secret: this bucket and key only, this content
    type only, exactly ``size`` bytes, until it expires (what S3 and MinIO enforce; moto does not)."""
    form = await s3_store.presign_upload(
        "bid-uploads/u1/direct", size=4321, expires=timedelta(minutes=15), content_type="application/x-bid"
    )
    assert (form.method, form.url) == ("POST", f"http://{s3_server.endpoint}/{s3_store.bucket}")
    policy = post_policy(form.fields, s3_server.secret_key)
    conditions = policy["conditions"]
    assert ["eq", "$bucket", s3_store.bucket] in conditions
    assert ["eq", "$key", "bid-uploads/u1/direct"] in conditions
    assert ["eq", "$Content-Type", "application/x-bid"] in conditions
    assert ["content-length-range", 4321, 4321] in conditions
    assert not [c for c in conditions if c[0] == "starts-with"]  # nothing left open
    expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert expiration == form.expires_at
    # Every condition on a form field is met by the fields handed out, so a client sends them as they are.
    for op, name, value in (c for c in conditions if c[0] == "eq"):
        assert op == "eq" and (name == "$bucket" or form.fields[name[1:]] == value), name


async def test_upload_form_posts_over_http(s3_store: S3ObjectStore) -> None:
    body = os.urandom(100_000)
    form = await s3_store.presign_upload(
        "uploads/form.bin", size=len(body), expires=timedelta(minutes=5), content_type="application/x-bid"
    )
    response = post_form(form.url, form.fields, body)
    assert response.status_code == 204, response.text
    info = await s3_store.stat("uploads/form.bin")
    assert (info.size, info.content_type) == (len(body), "application/x-bid")
    assert info.etag  # moto answers without an ETag header; S3 and MinIO send it
    assert await read_bytes(s3_store, "uploads/form.bin") == body


async def test_public_endpoint_changes_only_the_url_host(
    s3_store_factory: Callable[..., S3ObjectStore], s3_server: S3Server
) -> None:
    store = s3_store_factory(public_endpoint="https://files.example.cn")
    url = await store.presign_get("a/b", expires=timedelta(minutes=1))
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "files.example.cn", f"/{store.bucket}/a/b")
    form = await store.presign_upload("a/c", size=1, expires=timedelta(minutes=1))
    assert form.url == f"https://files.example.cn/{store.bucket}"
    await store.put("a/b", io.BytesIO(b"internal endpoint still used for data"))
    assert await read_bytes(store, "a/b") == b"internal endpoint still used for data"


async def test_retention_is_compliance_object_lock(s3_store: S3ObjectStore, s3_server: S3Server) -> None:
    until = datetime.now(UTC) + timedelta(days=3)
    for key, size in (("small", 100), ("multipart", 11 * MIB)):
        await s3_store.put(key, io.BytesIO(os.urandom(size)), retain_until=until)
        headers = s3_server.client().stat_object(s3_store.bucket, key).metadata
        assert headers is not None
        assert headers["x-amz-object-lock-mode"] == "COMPLIANCE"
        stored = datetime.fromisoformat(headers["x-amz-object-lock-retain-until-date"].replace("Z", "+00:00"))
        assert stored == until.replace(microsecond=0) + timedelta(seconds=1)


async def test_small_objects_carry_their_sha256(s3_store: S3ObjectStore, s3_server: S3Server) -> None:
    info = await s3_store.put("small", io.BytesIO(b"abc"))
    headers = s3_server.client().stat_object(s3_store.bucket, "small").metadata
    assert headers is not None
    assert headers["x-amz-meta-sha256"] == info.sha256
    assert (await s3_store.stat("small")).sha256 == info.sha256


async def test_overwrite_keeps_history_and_delete_removes_it(s3_store: S3ObjectStore, s3_server: S3Server) -> None:
    client: Minio = s3_server.client()
    await s3_store.put("hist", io.BytesIO(b"v1"))
    await s3_store.put("hist", io.BytesIO(b"v2"))
    versions = list(client.list_objects(s3_store.bucket, prefix="hist", include_version=True))
    assert len(versions) == 2  # the old version stays as a noncurrent version
    await s3_store.delete("hist")
    assert list(client.list_objects(s3_store.bucket, prefix="hist", include_version=True)) == []


async def test_reads_pin_the_version_they_measured(s3_store: S3ObjectStore) -> None:
    await s3_store.put("moving", io.BytesIO(b"A" * 3_000_000))
    stream = s3_store.open("moving", chunk_size=1_000_000)
    first = await stream.__anext__()
    await s3_store.put("moving", io.BytesIO(b"B" * 10))
    rest = b"".join([c async for c in stream])
    assert first + rest == b"A" * 3_000_000


async def test_check_fails_fast_when_unreachable(s3_server: S3Server) -> None:
    store = S3ObjectStore(
        endpoint=f"127.0.0.1:{free_port()}",
        access_key="k",
        secret_key="s",
        bucket="nobody-home",
        secure=False,
        region="us-east-1",
    )
    started = time.monotonic()
    with pytest.raises(StorageUnavailable, match="cannot reach"):
        await store.check()
    assert time.monotonic() - started < 10
    await store.aclose()


async def test_check_and_put_report_a_missing_bucket(s3_store_factory: Callable[..., S3ObjectStore]) -> None:
    store = s3_store_factory(bucket="no-such-bucket-here")
    with pytest.raises(StorageUnavailable, match="does not exist"):
        await store.check()
    with pytest.raises(StorageUnavailable, match="does not exist"):
        await store.put("x", io.BytesIO(b"x"))


async def test_ensure_bucket(s3_store_factory: Callable[..., S3ObjectStore], s3_server: S3Server) -> None:
    store = s3_store_factory(bucket=f"ensure-{os.urandom(4).hex()}")
    await store.ensure_bucket()
    await store.ensure_bucket()  # idempotent
    await store.check()
    await store.put("x", io.BytesIO(b"x"), retain_until=datetime.now(UTC) + timedelta(days=1))

    plain = s3_server.create_bucket("plain", object_lock=False)
    with pytest.raises(StorageUnavailable, match="object lock"):
        await s3_store_factory(bucket=plain).ensure_bucket()


async def test_constructor_validates() -> None:
    common = {"access_key": "k", "secret_key": "s", "bucket": "bucket", "secure": False, "region": None}
    with pytest.raises(ValueError, match="host"):
        S3ObjectStore(endpoint="http://minio:9000", **common)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="part_size"):
        S3ObjectStore(endpoint="minio:9000", part_size=1024, **common)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="bucket"):
        S3ObjectStore(endpoint="minio:9000", **{**common, "bucket": "Bad_Bucket"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="public_endpoint"):
        S3ObjectStore(endpoint="minio:9000", public_endpoint="https://x/prefix", **common)  # type: ignore[arg-type]
