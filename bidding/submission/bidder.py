"""The bidder's use cases (投标, 办法 26, 27): upload a sealed package — chunked and resumable, or
straight to the store — and have it verified, stored and recorded as a bid with its receipts; see
its own bids and receipts; withdraw. A bidder sees only its own; nobody else sees any (办法 21).

Each use case takes the platform and the :class:`~bidding.core.auth.caller.Caller` (a certificate's user:
an organisation and the certificate it logged in with), owns its transactions — short ones, opened
here on ``platform.sessions`` — and returns its view. The rules are those of
:mod:`bidding.submission.service` (the steps, run inside these transactions) and
:mod:`bidding.submission.receipts`; the HTTP API, the CLI and jobs call the same functions.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from bidding.core.auth.caller import Caller
from bidding.core.errors import NotFound
from bidding.deposits.refunds import refund_withdrawal
from bidding.identity.models import Organization
from bidding.submission.log_proof import bid_log_proof
from bidding.submission.models import Bid, BidUpload
from bidding.submission.receipt_jobs import enqueue_receipt_pdf, ensure_receipt_pdf
from bidding.submission.receipts import receipt_core, sign_receipt, signed_receipt
from bidding.submission.service import (
    CHUNK_KEY,
    DIRECT_URL_LIFETIME,
    ChunkDuplicate,
    PackageRejected,
    Stored,
    Uploader,
    accept_chunk,
    arrive,
    check_next_chunk,
    cleanup_staging,
    next_version,
    open_lot,
    own_bid,
    own_bids,
    own_upload,
    receipt_number,
    record_bid,
    refuse_upload,
    staged_keys,
    start_upload,
    upload_context,
    verify_and_store,
    withdraw,
)
from bidding.submission.states import UploadMode, UploadStatus
from bidding.submission.streaming import PROGRESS, RECEIVING, ChunkBody
from bidding.tendering.documents import Download
from bidding.tendering.models import Lot, Project
from bidding.transparency.proofs import proof_text
from crypto import jws
from storage import ObjectNotFound, UploadForm

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "BidView",
    "DirectUploadView",
    "UploadView",
    "begin_upload",
    "bids_for_lot",
    "complete_direct_upload",
    "finish_upload",
    "receipt_json",
    "receipt_log_proof",
    "receipt_pdf",
    "send_chunk",
    "upload_state",
    "withdraw_bid",
]

log = logging.getLogger("bidding.submission")

MIB = 1024 * 1024


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
class DirectUploadView:
    """Where and how to send a ``direct`` upload's package, valid until ``expires_at`` (a request
    must start by then): ``PUT`` the package to ``url`` with ``headers`` (the local store), or
    ``POST`` to ``url`` a ``multipart/form-data`` body of every one of ``fields``, then the package
    as the field ``file``, last (S3, which refuses any other key, content type or size)."""

    method: Literal["PUT", "POST"]
    url: str
    fields: dict[str, str]
    headers: dict[str, str]
    expires_at: datetime

    @classmethod
    def of(cls, form: UploadForm) -> DirectUploadView:
        return cls(form.method, form.url, dict(form.fields), dict(form.headers), form.expires_at)


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
    #: While a ``direct`` upload is open: how to send its package (a fresh one at each answer).
    direct_upload: DirectUploadView | None = None
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


async def begin_upload(
    platform: Platform, caller: Caller, lot_id: uuid.UUID, *, size: int, mode: Literal["chunked", "direct"]
) -> UploadView:
    """Start uploading a package of ``size`` bytes for a lot that takes bids now; a ``direct`` upload
    gets a signed URL to the store, valid until the deadline at the latest."""
    uploader = Uploader.of(caller)
    settings = platform.settings
    now = platform.clock.now()
    max_size = settings.package_max_mib * MIB
    if mode == "direct" and platform.store.max_presigned_upload is not None:
        max_size = min(max_size, platform.store.max_presigned_upload)  # S3: 5 GiB in one POST
    async with platform.sessions() as db, db.begin():
        upload = await start_upload(
            db,
            uploader,
            lot_id,
            size=size,
            mode=mode,
            chunk_size=settings.upload_chunk_mib * MIB,
            max_size=max_size,
            now=now,
        )
        lot, _ = await open_lot(db, lot_id, now)
    return UploadView.of(upload, direct_upload=await _direct_upload(platform, upload, lot, now))


async def _direct_upload(platform: Platform, upload: BidUpload, lot: Lot, now: datetime) -> DirectUploadView | None:
    """A fresh signed form (S3) or URL (local) for an open direct upload's package, for at most
    :data:`DIRECT_URL_LIFETIME` and never past the deadline; None for any other upload. Valid for
    that size only; S3 cannot be told when the upload closes: :func:`finish_upload` binds what it
    verifies to what its arrival found, and the staging sweep removes later writes."""
    if upload.mode is not UploadMode.DIRECT or upload.status is not UploadStatus.OPEN:
        return None
    assert lot.bid_deadline is not None
    lifetime = min(DIRECT_URL_LIFETIME, lot.bid_deadline - now)
    if lifetime <= timedelta(0):
        return None
    form = await platform.store.presign_upload(staged_keys(upload)[0], size=upload.size, expires=lifetime)
    return DirectUploadView.of(form)


async def upload_state(platform: Platform, caller: Caller, upload_id: uuid.UUID) -> UploadView:
    """Where an upload stands (to resume after an interruption); an open direct upload's answer
    carries a fresh form to send its package with."""
    now = platform.clock.now()
    async with platform.sessions() as db:
        upload = await own_upload(db, Uploader.of(caller), upload_id, lock=False)
        lot = await db.get(Lot, upload.lot_id)
    assert lot is not None
    return UploadView.of(upload, direct_upload=await _direct_upload(platform, upload, lot, now))


async def send_chunk(
    platform: Platform, caller: Caller, upload_id: uuid.UUID, index: int, source: AsyncIterator[bytes]
) -> UploadView:
    """Receive chunk ``index`` from ``source`` straight into the store, verifying it on the way
    (:mod:`bidding.submission.streaming`): at most the upload's chunk size (:class:`ChunkTooLarge`
    past it, and nothing of it is kept), never held whole in memory. The time its last byte is read
    is what the deadline judges. The last chunk completes the upload (:func:`finish_upload`).

    What cannot be the upload's next chunk is refused before its body is read; once the body is in,
    the chunk is recorded in a short transaction, or its staged bytes are removed: a refused chunk
    never counts."""
    uploader = Uploader.of(caller)
    async with platform.sessions() as db:  # no transaction held while the bytes come in
        upload = await own_upload(db, uploader, upload_id, lock=False)
    check_next_chunk(upload, index)
    key = CHUNK_KEY.format(upload=upload_id, index=index)
    body = ChunkBody(source, limit=upload.chunk_size, clock=platform.clock, progress=PROGRESS.take(upload_id, index))
    with RECEIVING:
        staged = await platform.store.put(key, body)
    assert body.arrived is not None  # the store read the body to its end
    try:
        async with platform.sessions() as db, db.begin():
            upload = await accept_chunk(
                db, uploader, upload_id, index, size=body.size, head=body.head, arrived=body.arrived
            )
            complete = upload.received == upload.size
            view = UploadView.of(upload)
    except ChunkDuplicate:
        raise  # another request recorded this chunk meanwhile: the staged object is its
    except BaseException:
        await _unstage(platform, uploader, upload_id, index, key, staged.etag)
        raise
    if body.progress is not None and staged.etag is not None:
        body.progress.recorded(body.size, staged.sha256 or "", staged.etag)
        PROGRESS.keep(upload_id, body.progress)
    if not complete:
        return view
    return await finish_upload(platform, caller, upload_id)


async def _unstage(
    platform: Platform, uploader: Uploader, upload_id: uuid.UUID, index: int, key: str, etag: str | None
) -> None:
    """Remove a refused chunk's staged bytes — unless the upload recorded chunk ``index`` meanwhile
    (a duplicate request refused for another reason) or the key holds another write since. Best
    effort: only recorded chunks are ever read, and the staging sweep removes leftovers."""
    try:
        async with platform.sessions() as db:
            if (await own_upload(db, uploader, upload_id, lock=False)).next_chunk > index:
                return
        if (await platform.store.stat(key)).etag == etag:
            await platform.store.delete(key)
    except ObjectNotFound:
        return
    except Exception:  # the refusal stands; a leftover is harmless
        log.warning("could not remove a refused chunk", extra={"key": key}, exc_info=True)


async def complete_direct_upload(platform: Platform, caller: Caller, upload_id: uuid.UUID) -> UploadView:
    """Complete an upload made straight to the store, before the deadline: its arrival is decided
    now, under the lot's lock and before the verification (:func:`finish_upload`)."""
    uploader = Uploader.of(caller)
    async with platform.sessions() as db, db.begin():
        upload = await own_upload(db, uploader, upload_id)
        if upload.mode is not UploadMode.DIRECT or upload.status is not UploadStatus.OPEN:
            raise NotFound("no open direct upload with this id", "没有该直传上传")
        await open_lot(db, upload.lot_id, platform.clock.now())  # refuses after the deadline
        try:
            info = await platform.store.stat(staged_keys(upload)[0])
        except ObjectNotFound:
            raise NotFound("nothing was uploaded to the upload URL yet", "尚未上传文件") from None
        arrived = platform.clock.now()  # not before the store was seen holding the package
        await arrive(db, upload, arrived)  # decided under the lot's lock, before the verification
        # What arrived is this object: the verification reads it or refuses, whatever comes later.
        upload.received, upload.staged_etag = info.size, info.etag
    return await finish_upload(platform, caller, upload_id)


async def finish_upload(platform: Platform, caller: Caller, upload_id: uuid.UUID) -> UploadView:
    """Verify and store an upload whose arrival was decided (``completing``), record the bid with its
    signed receipt, queue its PDF receipt, and clean the staging area up.

    If this process verified every chunk as it came in, the verification is finished from that and
    the package is not read again (:func:`~bidding.submission.service.verify_and_store`); otherwise
    (chunks received by other processes, a restart, a direct upload) the whole package is read.
    Each database step is a short transaction of its own: the verification and storing of a large
    package hold no connection (and on SQLite no write lock), so many bidders finishing at once in
    the last minute do not queue behind each other. Until the bid is recorded the upload stays
    ``completing`` and the opening's extraction waits for it (办法 27, 29). A package refused, or a
    failure of the platform, marks the upload refused at once, so the opening need not wait. The
    PDF receipt is made by a worker after the answer (:mod:`bidding.submission.receipt_jobs`).
    Safe to call again for an upload a dead process left ``completing``.
    """
    uploader = Uploader.of(caller)
    progress = PROGRESS.pop(upload_id)
    async with platform.sessions() as db:
        upload = await own_upload(db, uploader, upload_id, lock=False)
        lot, project, org = await upload_context(db, upload)
    try:
        stored = await verify_and_store(platform.store, platform.verifier, upload, lot, project, org, progress=progress)
    except PackageRejected as exc:
        if await _refuse(platform, uploader, upload_id, exc.code):
            await cleanup_staging(platform.store, upload)
        raise
    except Exception:
        # Not the bidder's fault (storage, certificate status): decided now, so the opening need not wait.
        if await _refuse(platform, uploader, upload_id, "platform_error"):
            await cleanup_staging(platform.store, upload)
        raise
    presigned = await _presign(platform, upload, lot, project, org, stored)
    async with platform.sessions() as db, db.begin():
        submitted = await record_bid(db, uploader, upload_id, stored, number=presigned.number)
        # Signed before the commit: a version is a bid only with its receipt (办法 27) — ahead of the
        # lot's lock if what it says is what was recorded (the usual case), else now, under it.
        core = receipt_core(submitted.bid, submitted.lot, submitted.project, submitted.organization)
        if core == presigned.core:
            token, payload = presigned.token, presigned.payload
        else:
            token, payload = sign_receipt(submitted, keys=platform.keys, clock=platform.clock)
        submitted.bid.receipt_jws = token
        finished = await own_upload(db, uploader, upload_id, lock=False)
        view = UploadView.of(finished, bid=BidView.of(submitted.bid), receipt=payload)
    await enqueue_receipt_pdf(platform, submitted.bid.id)  # the PDF for people, by a worker
    await cleanup_staging(platform.store, upload)
    return view


@dataclass(frozen=True)
class _Presigned:
    number: str
    core: dict[str, Any]
    token: str
    payload: dict[str, Any]


async def _presign(
    platform: Platform, upload: BidUpload, lot: Lot, project: Project, org: Organization, stored: Stored
) -> _Presigned:
    """The signed receipt of the version this package will most likely be, made before the lot's
    lock is taken: its TSA token and JWS (~7 ms of CPU alone, more on a busy process) would
    otherwise hold the lock, which every other bidder finishing in the same last second waits for.
    Used only if the facts it names are exactly those recorded under the lock (the version could
    differ if the bidder's other upload was recorded meanwhile: then it is signed again there)."""
    assert upload.last_byte_at is not None  # decided at arrival, and never changed since
    async with platform.sessions() as db:
        version = await next_version(db, lot.id, org.id)
    number = receipt_number(upload.last_byte_at)
    draft = Bid(
        lot_id=lot.id,
        organization_id=org.id,
        version=version,
        receipt_number=number,
        sha256=stored.sha256,
        size=stored.size,
        package_digest=stored.info.digest.hex(),
        submitted_at=upload.last_byte_at,
        uploader_fingerprint=upload.fingerprint,
    )
    core = receipt_core(draft, lot, project, org)
    token, payload = signed_receipt(platform.keys, platform.clock, core)
    return _Presigned(number, core, token, payload)


async def bids_for_lot(platform: Platform, caller: Caller, lot_id: uuid.UUID) -> list[BidView]:
    """The caller's bids for a lot, every version."""
    async with platform.sessions() as db:
        return [BidView.of(b) for b in await own_bids(db, caller.organisation(), lot_id)]


async def withdraw_bid(platform: Platform, caller: Caller, lot_id: uuid.UUID) -> BidView:
    """Withdraw the caller's active bid before the deadline (撤回, 办法 27); its deposit is refunded
    within 5 days (条例 35), the refund decided in the same transaction, once per bid."""
    uploader = Uploader.of(caller)
    now = platform.clock.now()
    async with platform.sessions() as db, db.begin():
        bid = await withdraw(db, uploader, lot_id, now)
        await refund_withdrawal(db, uploader.actor, platform.settings, lot_id, uploader.organization_id, bid.id, now)
        return BidView.of(bid)


async def receipt_json(platform: Platform, caller: Caller, bid_id: uuid.UUID) -> dict[str, Any]:
    """The signed receipt of one of the caller's bids: the JWS, its verified payload and, once a
    checkpoint of the transparency log covers the bid, its ``.tlog-proof`` (null until then)."""
    async with platform.sessions() as db:
        bid = await own_bid(db, caller.organisation(), bid_id)
        proof = await bid_log_proof(db, bid)
    return {
        "jws": bid.receipt_jws,
        "receipt": jws.verify(bid.receipt_jws).json(),
        "tlog_proof": None if proof is None else proof.encode(),
    }


async def receipt_log_proof(platform: Platform, caller: Caller, bid_id: uuid.UUID) -> str:
    """The ``.tlog-proof`` (C2SP tlog-proof@v1) of one of the caller's bids."""
    async with platform.sessions() as db:
        bid = await own_bid(db, caller.organisation(), bid_id)
        proof = await bid_log_proof(db, bid)
    return proof_text(proof, "the bid", "该投标")


async def receipt_pdf(platform: Platform, caller: Caller, bid_id: uuid.UUID) -> Download:
    """The platform-signed PDF receipt of one of the caller's bids."""
    async with platform.sessions() as db:
        bid = await own_bid(db, caller.organisation(), bid_id)
    key = bid.receipt_pdf_key
    if key is None:  # asked for before the worker made it (receipt_jobs): made now, for the person waiting
        key = (await ensure_receipt_pdf(platform, bid.id, lull=False))["key"]
    return Download(
        filename=f"投标回执-{bid.receipt_number}.pdf",
        content_type="application/pdf",
        chunks=platform.store.open(key),
    )


async def _refuse(platform: Platform, uploader: Uploader, upload_id: uuid.UUID, reason: str) -> bool:
    """Mark the upload refused; False if that could not be recorded."""
    try:
        async with platform.sessions() as db, db.begin():
            await refuse_upload(db, uploader, upload_id, reason)
    except Exception:  # the opening refuses it after COMPLETION_WAIT anyway
        log.exception("could not mark a failed upload refused", extra={"upload": str(upload_id)})
        return False
    return True
