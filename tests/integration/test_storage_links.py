"""Signed upload and download links on both profiles: the app's route for the local store,
S3's own presigned URLs (moto) for the production profile."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest


async def one_chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def send(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """Local links point at the app (served in-process here); S3 links at the S3 endpoint."""
    parts = urlsplit(url)
    if parts.path.startswith("/api/storage/"):
        return await client.request(method, f"{parts.path}?{parts.query}", **kwargs)
    async with httpx.AsyncClient() as direct:
        return await direct.request(method, url, **kwargs)


async def test_presigned_upload_then_download(client: httpx.AsyncClient, platform: Any) -> None:
    key = f"links/{secrets.token_hex(6)}/bid.bin"
    data = os.urandom(300_000)
    put_url = await platform.store.presign_put(
        key, expires=timedelta(minutes=5), content_type="application/octet-stream"
    )
    resp = await send(client, "PUT", put_url, content=data, headers={"Content-Type": "application/octet-stream"})
    assert resp.status_code in (200, 201), resp.text
    info = await platform.store.stat(key)
    assert info.size == len(data)
    get_url = await platform.store.presign_get(key, expires=timedelta(minutes=5), filename="投标文件.bin")
    got = await send(client, "GET", get_url)
    assert got.status_code == 200 and hashlib.sha256(got.content).digest() == hashlib.sha256(data).digest()
    assert "filename*=UTF-8''" in got.headers.get("content-disposition", "")


async def test_local_links_refuse_tampering_expiry_and_wrong_type(
    client: httpx.AsyncClient, platform: Any, profile: str
) -> None:
    if profile != "embedded":
        pytest.skip("the app's storage route serves the local store only; S3 checks its own signatures")
    key = f"links/{secrets.token_hex(6)}.bin"
    await platform.store.put(key, one_chunk(b"sealed"))
    url = await platform.store.presign_get(key, expires=timedelta(minutes=5))
    tampered = url.replace(key, key.replace(".bin", ".bix"))
    resp = await send(client, "GET", tampered)
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "storage_signature_invalid"
    sig_flipped = url[:-1] + ("0" if url[-1] != "0" else "1")
    assert (await send(client, "GET", sig_flipped)).status_code == 403
    expired = await platform.store.presign_get(key, expires=timedelta(seconds=1))
    import asyncio

    await asyncio.sleep(1.1)
    resp = await send(client, "GET", expired)
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "storage_signature_expired"
    put_url = await platform.store.presign_put(f"{key}.2", expires=timedelta(minutes=5), content_type="application/pdf")
    resp = await send(client, "PUT", put_url, content=b"x", headers={"Content-Type": "text/plain"})
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "invalid_input"
    assert not await platform.store.exists(f"{key}.2")
    # A GET link cannot be used to upload.
    resp = await send(client, "PUT", url, content=b"overwrite", headers={"Content-Type": "application/octet-stream"})
    assert resp.status_code == 403
    assert b"".join([c async for c in platform.store.open(key)]) == b"sealed"


async def test_unsigned_storage_route_is_refused(client: httpx.AsyncClient, profile: str) -> None:
    resp = await client.get("/api/storage/anything.bin")
    assert resp.status_code in (403, 404)
    assert resp.json()["error"]["code"] in ("storage_signature_invalid", "not_found")
