"""Decrypting a bid's body after the opening, in a worker process (bodies can be GBs; the opening
only needed the form). The decrypted body is stored beside the package and checked against the
receipt: the package's signed digest must be the one the receipt names.

The job gets the bid's id alone and reads the data key the opening room kept, encrypted, on the bid
(:mod:`bidding.submission.opened_keys`): arq keeps a job's arguments and result in Redis for a day,
and neither ever holds the key. A key missing or not opening is a recorded, audited failure
(``bid.body_failed``), not an exception that arq would report again and again.

An opened body's documents (PDF, DOCX, XLSX) are read for their metadata from the temporary file,
bounded (:mod:`bidding.submission.document_metadata`), and kept on the bid (``bids.document_metadata``)
in the job's one transaction, for the collusion rule ``same_document_metadata`` (条例40（一）). Reading
them never fails the extraction: a body that cannot be read for them keeps NULL, and the log says why."""

from __future__ import annotations

import asyncio
import hmac
import logging
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.jobs.once import run_once
from bidding.core.jobs.registry import JobSpec
from bidding.submission.document_metadata import read_documents, to_json
from bidding.submission.models import Bid
from bidding.submission.opened_keys import OpenedKeys, OpenedKeyUnavailable
from crypto.errors import CryptoError
from crypto.sealed import open_body

if TYPE_CHECKING:
    from bidding.core.platform import Platform

CHUNK = 1024 * 1024

log = logging.getLogger("bidding.submission")


@dataclass(frozen=True, slots=True)
class _Opened:
    """What decrypting a body came to: its status, a detail in words, and (opened bodies only) its
    documents' metadata as stored (``None``: not read)."""

    status: str
    detail: str = ""
    documents: list[dict[str, str]] | None = None


def body_key(bid: Bid) -> str:
    return f"opened/{bid.lot_id}/{bid.id}.tar"


async def open_bid_body(ctx: dict[str, Any], bid_id: str) -> dict[str, Any]:
    platform: Platform = ctx["platform"]
    async with platform.sessions() as session:
        bid = await session.get(Bid, uuid.UUID(bid_id))
    if bid is None:
        return {"bid": bid_id, "status": "unknown_bid"}
    try:
        opened = await _decrypt_and_store(platform, bid, OpenedKeys.for_platform(platform).read(bid))
    except OpenedKeyUnavailable as exc:
        opened = _Opened("failed", str(exc))
    status, detail = opened.status, opened.detail

    async def effect(session: AsyncSession) -> dict[str, Any]:
        if opened.documents is not None:
            await session.execute(update(Bid).where(Bid.id == bid.id).values(document_metadata=opened.documents))
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


async def _decrypt_and_store(platform: Platform, bid: Bid, data_key: bytes) -> _Opened:
    """Decrypt the body into a temporary file and store it if the package is the receipt's; then read
    its documents' metadata from that file (never from the store: no second download)."""
    with tempfile.TemporaryDirectory(prefix="bid-body-") as tmp:
        package, body = Path(tmp) / "package.bid", Path(tmp) / "body.tar"
        with package.open("wb") as out:
            async for chunk in platform.store.open(bid.object_key):
                out.write(chunk)
        try:
            result = await asyncio.to_thread(_open, package, body, data_key)
        except CryptoError as exc:
            return _Opened("failed", f"{exc.code}: {exc.message}")
        if not hmac.compare_digest(result.digest.hex(), bid.package_digest):
            return _Opened("digest_mismatch")
        await platform.store.put(body_key(bid), _file_chunks(body), content_type="application/x-tar")
        return _Opened("opened", documents=await _documents(bid, body))


async def _documents(bid: Bid, body: Path) -> list[dict[str, str]] | None:
    """The body's documents as ``bids.document_metadata`` keeps them; ``None`` (and a log line) when
    they could not be read: the body is stored and checked whatever its documents say."""
    try:
        documents = await asyncio.to_thread(read_documents, body)
    except Exception:  # read_documents never raises by design; whatever slips through must not fail the job
        log.exception("bid %s: its body's documents could not be read for their metadata", bid.id)
        return None
    return to_json(documents) if documents is not None else None


def _open(package: Path, body: Path, key: bytes) -> Any:
    with package.open("rb") as source, body.open("wb") as out:
        return open_body(source, key, out)


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as fh:
        while chunk := await asyncio.to_thread(fh.read, CHUNK):
            yield chunk


#: Decrypt an opened bid's body (any size, up to hours for GBs) and check it against its receipt.
OPEN_BID_BODY: Final = JobSpec("open_bid_body", open_bid_body, timeout_s=6 * 3600)
