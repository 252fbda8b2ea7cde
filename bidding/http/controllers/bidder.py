"""The bidder's API: upload sealed packages (chunked and resumable, or straight to the store), see
its own bids and receipts, withdraw. A bidder sees only its own; nobody else sees any (办法 21).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy import select

from bidding.db.models import Bid, BidUpload
from bidding.domain.roles import Role
from bidding.domain.submission import UploadMode, UploadStatus
from bidding.errors import NotAuthenticated, NotFound
from bidding.fields import QUERY_INT32_CURSOR, SAFE_INT_MAX, Body
from bidding.http.auth import principal_of, requires
from bidding.http.context import actor_of
from bidding.http.dependencies import DbSession, PlatformDep
from bidding.http.openapi import wire
from bidding.runtime import Platform
from bidding.services.receipts import sign_receipt, store_receipt_pdf
from bidding.services.submission import (
    DIRECT_URL_LIFETIME,
    ChunkTooLarge,
    PackageRejected,
    Uploader,
    arrive,
    cleanup_staging,
    open_lot,
    own_bids,
    own_upload,
    receive_chunk,
    record_bid,
    refuse_upload,
    staged_keys,
    start_upload,
    upload_context,
    verify_and_store,
    withdraw,
)
from crypto import jws
from storage import ObjectNotFound
from storage.signing import content_disposition

log = logging.getLogger("bidding.submission")


class UploadRequest(Body, frozen=True):
    #: The sealed package's size in bytes (at most ``BIDDING_PACKAGE_MAX_MIB``).
    size: Annotated[int, msgspec.Meta(ge=1, le=SAFE_INT_MAX)]
    #: ``chunked`` through this API, or ``direct`` to the store through a signed URL.
    mode: Literal["chunked", "direct"] = "chunked"


@dataclass(frozen=True)
class BidView:
    id: uuid.UUID
    lot_id: uuid.UUID
    version: int
    status: str
    size: int
    sha256: str
    package_digest: str
    submitted_at: datetime
    withdrawn_at: datetime | None
    receipt_number: str

    @classmethod
    def of(cls, bid: Bid) -> BidView:
        return cls(
            bid.id,
            bid.lot_id,
            bid.version,
            bid.status,
            bid.size,
            bid.sha256,
            bid.package_digest,
            bid.submitted_at,
            bid.withdrawn_at,
            bid.receipt_number,
        )


@dataclass(frozen=True)
class UploadView:
    id: uuid.UUID
    lot_id: uuid.UUID
    mode: str
    size: int
    chunk_size: int
    received: int
    next_chunk: int
    status: str
    upload_url: str | None = None
    bid: BidView | None = None
    receipt: dict[str, Any] | None = None

    @classmethod
    def of(cls, upload: BidUpload, **extra: Any) -> UploadView:
        return cls(
            upload.id,
            upload.lot_id,
            upload.mode,
            upload.size,
            upload.chunk_size,
            upload.received,
            upload.next_chunk,
            upload.status,
            **extra,
        )


def _uploader(request: Request[Any, Any, Any]) -> Uploader:
    principal = principal_of(request)
    if principal is None or principal.session is None or principal.organization_id is None:
        raise NotAuthenticated("log in with the bidder's certificate", "请使用投标人证书登录")
    return Uploader(principal.organization_id, principal.session.fingerprint, actor_of(request, principal.actor_id))


async def _read_limited(request: Request[Any, Any, Any], limit: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise ChunkTooLarge(f"chunks are at most {limit} bytes", f"分片不得超过 {limit} 字节")
        parts.append(chunk)
    return b"".join(parts)


async def _finish(platform: Platform, uploader: Uploader, upload_id: uuid.UUID) -> UploadView:
    """Verify and store an upload whose arrival was decided (``completing``), record the bid with its
    receipt, then the PDF receipt.

    Each database step is a short transaction of its own: the copy and verification of a large
    package, and the PDF receipt, hold no connection (and on SQLite no write lock), so many bidders
    finishing at once in the last minute do not queue behind each other. Until the bid is recorded
    the upload stays ``completing`` and the opening's extraction waits for it (办法 27, 29).
    """
    async with platform.sessions() as db:
        upload = await own_upload(db, uploader, upload_id, lock=False)
        lot, project, org = await upload_context(db, upload)
    try:
        stored = await verify_and_store(platform.store, platform.verifier, upload, lot, project, org)
    except PackageRejected as exc:
        await _refuse(platform, uploader, upload_id, exc.code)
        raise
    except Exception:
        # Not the bidder's fault (storage, certificate status): decided now, so the opening need not wait.
        await _refuse(platform, uploader, upload_id, "platform_error")
        raise
    async with platform.sessions() as db:
        async with db.begin():
            submitted = await record_bid(db, uploader, upload_id, stored)
            # Signed before the commit: a version is a bid only with its receipt (办法 27).
            token, payload = sign_receipt(submitted, keys=platform.keys, clock=platform.clock)
            submitted.bid.receipt_jws = token
            finished = await own_upload(db, uploader, upload_id, lock=False)
            view = UploadView.of(finished, bid=BidView.of(submitted.bid), receipt=payload)
        try:
            pdf_key = await store_receipt_pdf(
                submitted, payload, clock=platform.clock, signer=platform.documents, store=platform.store
            )
        except Exception:  # the bid and its signed receipt stand; the PDF is for people
            log.exception("the PDF receipt could not be made", extra={"bid": str(submitted.bid.id)})
        else:
            async with db.begin():
                bid = await db.get(Bid, submitted.bid.id)
                assert bid is not None
                bid.receipt_pdf_key = pdf_key
    await cleanup_staging(platform.store, upload)
    return view


async def _refuse(platform: Platform, uploader: Uploader, upload_id: uuid.UUID, reason: str) -> None:
    try:
        async with platform.sessions() as db, db.begin():
            await refuse_upload(db, uploader, upload_id, reason)
    except Exception:  # the opening refuses it after COMPLETION_WAIT anyway
        log.exception("could not mark a failed upload refused", extra={"upload": str(upload_id)})


class BidderController(Controller):
    path = "/api/bidder"
    tags = ["bidder"]
    guards = [requires(Role.BIDDER)]

    @post("/lots/{lot_id:uuid}/uploads", status_code=HTTP_201_CREATED, summary="Start uploading a sealed package")
    async def start(
        self,
        request: Request[Any, Any, Any],
        lot_id: FromPath[uuid.UUID],
        data: JSONBody[UploadRequest],
        db: DbSession,
        platform: PlatformDep,
    ) -> UploadView:
        uploader = _uploader(request)
        settings = platform.settings
        now = platform.clock.now()
        async with db.begin():
            upload = await start_upload(
                db,
                uploader,
                lot_id,
                size=data.size,
                mode=data.mode,
                chunk_size=settings.upload_chunk_mib * 1024 * 1024,
                max_size=settings.package_max_mib * 1024 * 1024,
                now=now,
            )
            lot, _ = await open_lot(db, lot_id, now)
        url = None
        if upload.mode is UploadMode.DIRECT:
            assert lot.bid_deadline is not None
            lifetime = min(DIRECT_URL_LIFETIME, lot.bid_deadline - now)
            url = await platform.store.presign_put(staged_keys(upload)[0], expires=lifetime)
        return UploadView.of(upload, upload_url=url)

    @get("/uploads/{upload_id:uuid}", summary="State of an upload (to resume after an interruption)")
    async def state(self, request: Request[Any, Any, Any], upload_id: FromPath[uuid.UUID], db: DbSession) -> UploadView:
        return UploadView.of(await own_upload(db, _uploader(request), upload_id, lock=False))

    @put(
        "/uploads/{upload_id:uuid}/chunks/{index:int}",
        opt=wire(request=["application/octet-stream"]),
        summary="Send chunk `index` (in order); the last one completes the upload",
        request_max_body_size=None,  # bounded by the upload's own chunk size while reading
    )
    async def chunk(
        self,
        request: Request[Any, Any, Any],
        upload_id: FromPath[uuid.UUID],
        index: Annotated[int, QUERY_INT32_CURSOR],
        db: DbSession,
        platform: PlatformDep,
    ) -> UploadView:
        uploader = _uploader(request)
        upload = await own_upload(db, uploader, upload_id, lock=False)
        limit = upload.chunk_size
        await db.rollback()
        data = await _read_limited(request, limit)
        arrived = platform.clock.now()  # the last byte of this chunk is in: this is the time that counts
        async with db.begin():
            upload = await receive_chunk(db, platform.store, uploader, upload_id, index, data, arrived)
            complete = upload.received == upload.size
            view = UploadView.of(upload)
        if not complete:
            return view
        return await _finish(platform, uploader, upload_id)

    @post(
        "/uploads/{upload_id:uuid}/complete",
        status_code=HTTP_200_OK,
        summary="Complete an upload made straight to the store (before the deadline)",
    )
    async def complete(
        self, request: Request[Any, Any, Any], upload_id: FromPath[uuid.UUID], db: DbSession, platform: PlatformDep
    ) -> UploadView:
        uploader = _uploader(request)
        async with db.begin():
            upload = await own_upload(db, uploader, upload_id)
            if upload.mode is not UploadMode.DIRECT or upload.status is not UploadStatus.OPEN:
                raise NotFound("no open direct upload with this id", "没有该直传上传")
            now = platform.clock.now()
            await open_lot(db, upload.lot_id, now)  # refuses after the deadline
            try:
                info = await platform.store.stat(staged_keys(upload)[0])
            except ObjectNotFound:
                raise NotFound("nothing was uploaded to the upload URL yet", "尚未上传文件") from None
            await arrive(db, upload, now)  # decided under the lot's lock, before the verification
            upload.received = info.size
        return await _finish(platform, uploader, upload_id)

    @get("/lots/{lot_id:uuid}/bids", summary="My bids for a lot, every version")
    async def bids(self, request: Request[Any, Any, Any], lot_id: FromPath[uuid.UUID], db: DbSession) -> list[BidView]:
        return [BidView.of(b) for b in await own_bids(db, _uploader(request).organization_id, lot_id)]

    @post("/lots/{lot_id:uuid}/withdraw", status_code=HTTP_200_OK, summary="Withdraw my bid before the deadline")
    async def withdraw(
        self, request: Request[Any, Any, Any], lot_id: FromPath[uuid.UUID], db: DbSession, platform: PlatformDep
    ) -> BidView:
        async with db.begin():
            bid = await withdraw(db, _uploader(request), lot_id, platform.clock.now())
        return BidView.of(bid)

    @get("/bids/{bid_id:uuid}/receipt.json", summary="The signed receipt (JWS with RFC 3161 timestamp)")
    async def receipt_json(
        self, request: Request[Any, Any, Any], bid_id: FromPath[uuid.UUID], db: DbSession
    ) -> dict[str, Any]:
        bid = await _own_bid(db, request, bid_id)
        return {"jws": bid.receipt_jws, "receipt": jws.verify(bid.receipt_jws).json()}

    @get(
        "/bids/{bid_id:uuid}/receipt.pdf",
        opt=wire(response=["application/pdf"]),
        summary="The platform-signed PDF receipt",
    )
    async def receipt_pdf(
        self, request: Request[Any, Any, Any], bid_id: FromPath[uuid.UUID], db: DbSession, platform: PlatformDep
    ) -> Stream:
        bid = await _own_bid(db, request, bid_id)
        if bid.receipt_pdf_key is None:
            raise NotFound("this receipt has no PDF", "该回执没有 PDF")
        headers = {"Content-Disposition": content_disposition(f"投标回执-{bid.receipt_number}.pdf")}
        return Stream(platform.store.open(bid.receipt_pdf_key), media_type="application/pdf", headers=headers)


async def _own_bid(db: DbSession, request: Request[Any, Any, Any], bid_id: uuid.UUID) -> Bid:
    bid = await db.scalar(
        select(Bid).where(Bid.id == bid_id, Bid.organization_id == _uploader(request).organization_id)
    )
    if bid is None:
        raise NotFound(f"you have no bid {bid_id}", f"您没有投标 {bid_id}")
    return bid
