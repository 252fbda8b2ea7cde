"""Decrypting a bid's body after the opening, in a worker process (bodies can be GBs; the opening
only needed the form). The decrypted body is stored beside the package and checked against the
receipt: the package's signed digest must be the one the receipt names."""

from __future__ import annotations

import asyncio
import hmac
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit import Actor, record
from bidding.db.models import Bid
from bidding.jobs.once import run_once
from bidding.jobs.registry import registry
from crypto.errors import CryptoError
from crypto.sealed import open_body

if TYPE_CHECKING:
    from bidding.runtime import Platform

CHUNK = 1024 * 1024


def body_key(bid: Bid) -> str:
    return f"opened/{bid.lot_id}/{bid.id}.tar"


@registry.job("open_bid_body", timeout_s=6 * 3600)
async def open_bid_body(ctx: dict[str, Any], bid_id: str, data_key_hex: str) -> dict[str, Any]:
    platform: Platform = ctx["platform"]
    async with platform.sessions() as session:
        bid = await session.get(Bid, uuid.UUID(bid_id))
    if bid is None:
        return {"bid": bid_id, "status": "unknown_bid"}
    with tempfile.TemporaryDirectory(prefix="bid-body-") as tmp:
        package, body = Path(tmp) / "package.bid", Path(tmp) / "body.tar"
        with package.open("wb") as out:
            async for chunk in platform.store.open(bid.object_key):
                out.write(chunk)
        try:
            result = await asyncio.to_thread(_open, package, body, bytes.fromhex(data_key_hex))
            status = "opened" if hmac.compare_digest(result.digest.hex(), bid.package_digest) else "digest_mismatch"
            detail = ""
        except CryptoError as exc:
            status, detail = "failed", f"{exc.code}: {exc.message}"
        if status == "opened":
            await platform.store.put(body_key(bid), _file_chunks(body), content_type="application/x-tar")

    async def effect(session: AsyncSession) -> dict[str, Any]:
        outcome = {
            "bid": bid_id,
            "status": status,
            "detail": detail,
            "key": body_key(bid) if status == "opened" else None,
        }
        record(
            session,
            Actor.system("worker", request_id=ctx["job_id"]),
            f"bid.body_{status}",
            object_type="lot",
            object_id=str(bid.lot_id),
            content_sha256=bid.sha256,
            details=outcome,
        )
        return outcome

    outcome, _ = await run_once(
        platform.sessions, job_key=f"open_bid_body:{bid_id}", function="open_bid_body", effect=effect
    )
    return outcome


def _open(package: Path, body: Path, key: bytes) -> Any:
    with package.open("rb") as source, body.open("wb") as out:
        return open_body(source, key, out)


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as fh:
        while chunk := await asyncio.to_thread(fh.read, CHUNK):
            yield chunk
