"""Where sealed packages wait before they are a bid: the staging area of bid uploads (issue 16).

An upload's bytes are staged under ``bid-uploads/<upload id>/`` — chunks sent through the API, or
one object put straight to the store through a signed URL — until the upload completes and its
package is verified and copied to its final, retained place (``bidding.submission.service``).

Three rules keep the area from holding anything nobody will read or anything that could change a bid:

* a direct upload's signed form takes the declared size only and expires soon: on S3 a POST policy
  binding the key, the content type and the exact size (``content-length-range``), checked by the
  store itself; on the local store a signed URL whose route (:func:`write_signed`) writes only while
  the upload is ``open`` and no byte past the declared size (:func:`check_direct_write`);
* an S3 form cannot be revoked, so until it expires a write may still land after the upload was
  completed or refused: the completion binds the upload to the object it found (its ETag), which is
  verified and copied to the bid's own key, or refused if it changed (``upload_changed``); the
  staging key is never read again, and its objects are removed as soon as the upload is decided;
* a sweep, run every hour by the worker (:func:`sweep_staging`), refuses uploads left ``open``
  without a byte for ``BIDDING_UPLOAD_IDLE_HOURS`` (``abandoned``) and removes the staged objects of
  every upload that is no longer open — refused, abandoned, completed but not cleaned up, or
  written again through a still valid S3 form after completion — and of none that is still in use.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.errors import InvalidInput
from bidding.core.transitions import move
from bidding.submission.models import BidUpload
from bidding.submission.service import UploadClosed
from bidding.submission.states import UPLOAD_IN_USE, UPLOAD_TRANSITIONS, UploadStatus
from bidding.tendering.models import Lot
from storage import ObjectInfo, ObjectNotFound, ObjectStore, StorageError

if TYPE_CHECKING:
    from bidding.core.platform import Platform

log = logging.getLogger("bidding.staging")

STAGING_PREFIX: Final = "bid-uploads/"
_STAGED_KEY: Final = re.compile(r"^bid-uploads/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/")
_DIRECT_KEY: Final = re.compile(_STAGED_KEY.pattern + r"direct$")
ABANDONED: Final = "abandoned"


class UploadTooLarge(InvalidInput):
    code = "upload_too_large"
    status = 413
    message_zh = "上传内容超过声明的大小"
    message_en = "The upload is larger than its declared size"


def staged_upload_id(key: str) -> uuid.UUID | None:
    """The upload whose staging area ``key`` lies in, or None."""
    found = _STAGED_KEY.match(key)
    return uuid.UUID(found.group(1)) if found else None


async def check_direct_write(session: AsyncSession, key: str) -> int | None:
    """Before a signed URL writes ``key``: the most bytes it may write, or None if ``key`` is not a
    direct upload's staging object. An upload no longer ``open`` (completing, completed, refused,
    abandoned) takes no more writes: :class:`UploadClosed`. An unknown upload is as closed."""
    found = _DIRECT_KEY.match(key)
    if not found:
        return None
    upload = await session.get(BidUpload, uuid.UUID(found.group(1)))
    if upload is None or upload.status is not UploadStatus.OPEN:
        status = upload.status if upload is not None else "unknown"
        raise UploadClosed(
            f"the upload is {status}: its URL takes no more writes", f"该上传状态为 {status}，上传链接已失效"
        )
    return upload.size


async def limited(source: AsyncIterator[bytes], limit: int) -> AsyncIterator[bytes]:
    """``source`` refused with :class:`UploadTooLarge` at the first byte past ``limit`` (the store
    then keeps nothing of it)."""
    total = 0
    async for chunk in source:
        total += len(chunk)
        if total > limit:
            raise UploadTooLarge(
                f"the upload was declared as {limit} bytes",
                f"该上传声明的大小为 {limit} 字节",
                details=[{"limit": limit}],
            )
        yield chunk


async def write_signed(platform: Platform, key: str, source: AsyncIterator[bytes], *, content_type: str) -> ObjectInfo:
    """Store what a signed upload URL brings (the signature already checked): a bid upload's staging
    object only while its upload is open, and no more bytes than declared — a completed or refused
    upload's URL is dead even before it expires (:func:`check_direct_write`)."""
    async with platform.sessions() as db, db.begin():
        limit = await check_direct_write(db, key)
    body = source if limit is None else limited(source, limit)
    return await platform.store.put(key, body, content_type=content_type)


@dataclass(frozen=True)
class SweepResult:
    abandoned: list[uuid.UUID]
    removed: list[str]


async def _abandon(session: AsyncSession, cutoff: datetime) -> list[uuid.UUID]:
    """Refuse the uploads open without a byte since ``cutoff``; each change is audited, sealed like
    every event naming a bidder before the deadline (办法 21)."""
    idle_since = func.coalesce(BidUpload.last_byte_at, BidUpload.created_at)
    rows = (
        await session.execute(
            select(BidUpload.id, BidUpload.organization_id, Lot.id, Lot.project_id)
            .join(Lot, BidUpload.lot_id == Lot.id)
            .where(BidUpload.status == UploadStatus.OPEN, idle_since < cutoff)
        )
    ).all()
    # The compare-and-set below moves open uploads only: the move is checked once, here.
    rejected = move(UPLOAD_TRANSITIONS, UploadStatus.OPEN, UploadStatus.REJECTED, what="an idle upload")
    abandoned = []
    for upload_id, organization_id, lot_id, project_id in rows:
        # Decided row by row in the database: an upload that took a chunk meanwhile stays open.
        changed = await session.execute(
            update(BidUpload)
            .where(BidUpload.id == upload_id, BidUpload.status == UploadStatus.OPEN, idle_since < cutoff)
            .values(status=rejected, error=ABANDONED)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        abandoned.append(upload_id)
        record(
            session,
            Actor.system("staging"),
            "bid_upload.abandoned",
            object_type="lot",
            object_id=str(lot_id),
            details={"upload": str(upload_id), "organization": str(organization_id), "idle_since": cutoff.isoformat()},
            embargo_project_id=project_id,
        )
    return abandoned


async def sweep_staging(
    sessions: async_sessionmaker[AsyncSession], store: ObjectStore, *, now: datetime, idle: timedelta
) -> SweepResult:
    """Refuse abandoned uploads, then remove every staged object whose upload no longer needs it.

    An object whose upload is unknown (its row never committed) is removed once older than
    ``idle``; objects of uploads ``open`` or ``completing`` are left alone."""
    async with sessions() as session, session.begin():
        abandoned = await _abandon(session, now - idle)
    staged = await store.list_objects(STAGING_PREFIX)
    ids = {upload_id for obj in staged if (upload_id := staged_upload_id(obj.key)) is not None}
    status: dict[uuid.UUID, UploadStatus] = {}
    async with sessions() as session:
        for start in range(0, len(ids), 500):
            batch = sorted(ids)[start : start + 500]
            rows = await session.execute(select(BidUpload.id, BidUpload.status).where(BidUpload.id.in_(batch)))
            status.update({row_id: row_status for row_id, row_status in rows.all()})
    removed = []
    for obj in staged:
        upload_id = staged_upload_id(obj.key)
        state = status.get(upload_id) if upload_id is not None else None
        if state in UPLOAD_IN_USE or (state is None and obj.last_modified > now - idle):
            continue
        try:
            await store.delete(obj.key)
        except ObjectNotFound:
            continue
        except StorageError as exc:  # the next sweep tries again
            log.warning("could not remove a staged object", extra={"key": obj.key, "error": str(exc)})
            continue
        removed.append(obj.key)
    if abandoned or removed:
        log.info("staging swept", extra={"abandoned": len(abandoned), "removed": len(removed)})
    return SweepResult(abandoned=abandoned, removed=removed)
