"""Tender submission (投标, 《电子招标投标办法》第二十六、二十七条): resumable uploads of sealed packages,
their verification without any key, versions (replace, withdraw) and the deadline.

Rules enforced here, from the clock, whatever jobs have or have not run:

* a package is accepted only if its last byte arrives before the lot's bid deadline — a chunk that
  finishes arriving at or after the deadline is refused, also for an upload begun before it;
* that arrival is decided in the database before the slow verification (the upload is then
  ``completing``), and the opening's extraction waits until every such upload is decided: a bid
  with a receipt is in the opening in the version its receipt names, or it is refused — never both,
  never neither (办法 27, 29). Arrival, activation, withdrawal and extraction all take the lot's lock
  (:func:`lock_lot`), so none of them interleave, in one app process or several;
* a package must be a sealed package (``crypto.sealed``) for this project, lot and bidder, with the
  uploading certificate among its recipients and a valid signature of the bidder: anything else
  is refused with its own error and nothing is stored as a bid;
* the version whose last byte arrived last counts; a bidder may replace or withdraw until the deadline;
* packages are written once, under retention, and nothing here can decrypt them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.clock import Clock
from bidding.core.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceUnavailable
from bidding.core.pki.verifier import CertificateVerifier
from bidding.core.transitions import move
from bidding.identity.models import Organization
from bidding.submission.models import Bid, BidUpload
from bidding.submission.progress import Progress
from bidding.submission.states import (
    BID_START,
    BID_TRANSITIONS,
    UPLOAD_START,
    UPLOAD_TRANSITIONS,
    BidStatus,
    UploadMode,
    UploadStatus,
)
from bidding.tendering.locks import lock_lot
from bidding.tendering.models import Lot, Project
from bidding.tendering.rules.projects import Phase, ProjectStatus, lot_phase
from crypto.errors import CryptoError
from crypto.login import certificate_fingerprint
from crypto.sealed import MAGIC, PackageInfo, PackageVerifier, SealedError
from crypto.subject import parse_subject
from storage import ObjectChanged, ObjectNotFound, ObjectStore, StorageError

log = logging.getLogger("bidding.submission")

PACKAGE_RETENTION: Final = timedelta(days=15 * 365)
#: How long a direct upload's signed form (S3) or URL (local) may be used to start sending: short,
#: since an S3 form cannot be revoked; the upload's state answers a fresh one while it is open.
DIRECT_URL_LIFETIME: Final = timedelta(minutes=15)
CHUNK_KEY: Final = "bid-uploads/{upload}/{index:06d}"
#: How long after its arrival an upload may take to be verified and stored before something that
#: must not wait (extraction at the deadline, a withdrawal) refuses it as the platform's fault.
COMPLETION_WAIT: Final = timedelta(minutes=2)
DIRECT_KEY: Final = "bid-uploads/{upload}/direct"
PACKAGE_CONTENT_TYPE: Final = "application/vnd.bidding.sealed-bid"


class DeadlinePassed(Conflict):
    code = "deadline_passed"
    message_zh = "投标截止时间已过，不再接收投标文件"
    message_en = "The bid deadline has passed; no more packages are accepted"


class WrongPhase(Conflict):
    code = "wrong_phase"
    message_zh = "标段当前阶段不接收投标"
    message_en = "The lot does not accept bids in its current phase"


class UploadNotYours(Forbidden):
    code = "upload_not_yours"
    message_zh = "该上传属于其他投标人或其他证书"
    message_en = "This upload belongs to another bidder or certificate"


class ChunkDuplicate(Conflict):
    code = "chunk_duplicate"
    message_zh = "该分片已接收"
    message_en = "This chunk has already been received"


class ChunkOutOfOrder(Conflict):
    code = "chunk_out_of_order"
    message_zh = "分片顺序错误"
    message_en = "Chunks must arrive in order"


class ChunkTooLarge(InvalidInput):
    code = "chunk_too_large"
    status = 413
    message_zh = "分片过大"
    message_en = "The chunk is too large"


class ChunkSizeMismatch(InvalidInput):
    code = "chunk_size_mismatch"
    message_zh = "分片大小与约定不符"
    message_en = "The chunk size does not match the upload"


class UploadClosed(Conflict):
    code = "upload_closed"
    message_zh = "该上传已结束"
    message_en = "This upload is already finished"


class UploadNotDecided(ServiceUnavailable):
    """The last byte came in time, but the platform could not verify and store the package within
    :data:`COMPLETION_WAIT` and the opening had to go on: not the bidder's fault, but not a bid either —
    no receipt is issued, and the bidder's previous version (if any) is the one opened (办法 27, 29)."""

    code = "upload_not_decided"
    message_zh = "平台未能及时完成对该投标文件的校验和存储（平台原因），该文件未被接收，不出具回执"
    message_en = (
        "The platform could not verify and store this package in time (a platform fault): "
        "it was not accepted and no receipt is issued"
    )


class UploadInProgress(Conflict):
    code = "upload_in_progress"
    message_zh = "您有投标文件正在校验和存储，请在其完成后再撤回"
    message_en = "A package of yours is still being verified and stored: withdraw once it is decided"


class PackageRejected(InvalidInput):
    """The package is not a valid sealed bid for this lot and bidder (办法 26: refused with a message)."""

    code = "package_rejected"
    message_zh = "投标文件未通过校验，已拒收"
    message_en = "The bid package was refused"


class PackageWrongLot(PackageRejected):
    code = "package_wrong_lot"


class PackageWrongBidder(PackageRejected):
    code = "package_wrong_bidder"


class PackageRecipientNotBidder(PackageRejected):
    code = "package_recipient_not_bidder"


class PackageSignerInvalid(PackageRejected):
    code = "package_signer_invalid"


class PackageSizeMismatch(PackageRejected):
    code = "package_size_mismatch"


class UploadChanged(PackageRejected):
    """The staged object of a direct upload was written again after its arrival was decided: what
    arrived in time is no longer there to verify, and nothing written later can be the bid."""

    code = "upload_changed"
    message_zh = "投标文件在提交完成后又被改写，已拒收"
    message_en = "The package was written again after the upload was completed; it was refused"


class PackageFormatError(PackageRejected):
    """The bytes are not a sound sealed package; ``format_code`` is the crypto.sealed reason."""

    code = "package_invalid"


@dataclass(frozen=True)
class Uploader:
    """Who is uploading: the organisation and the certificate of the session."""

    organization_id: uuid.UUID
    fingerprint: str
    actor: Actor

    @classmethod
    def of(cls, caller: Caller) -> Uploader:
        """A certificate's user; anyone else: :class:`~bidding.core.auth.errors.OrganisationRequired` (403)."""
        organization_id, fingerprint = caller.certificate()
        return cls(organization_id, fingerprint, caller.actor)


@dataclass(frozen=True)
class UploadState:
    upload: BidUpload
    bid: Bid | None = None


def _sealed_error(exc: SealedError) -> PackageFormatError:
    # Each cause keeps its own code (not_a_package, truncated, signature_invalid, …) in the details.
    return PackageFormatError(
        f"{exc.code}: {exc.message}",
        f"{exc.code}：{exc.message}",
        details=[{"reason": exc.code}],
    )


async def open_lot(
    session: AsyncSession, lot_id: uuid.UUID, now: datetime, *, lock: bool = False
) -> tuple[Lot, Project]:
    """The lot and its project if it accepts bids at ``now``; the reason otherwise.

    With ``lock`` the lot's lock is taken first (:func:`lock_lot`): the answer then holds until the commit.
    """
    if lock:
        lot = await lock_lot(session, lot_id)
    else:
        lot = await session.scalar(
            select(Lot).where(Lot.id == lot_id).options(selectinload(Lot.project).selectinload(Project.lots))
        )
    if lot is None or lot.project.status is ProjectStatus.DRAFT:
        raise NotFound(f"no lot {lot_id}", f"没有标段 {lot_id}")
    phase = lot_phase(
        lot.project.status, tender_start_at=lot.project.tender_start_at, bid_deadline=lot.bid_deadline, now=now
    )
    late = lot.bid_deadline is not None and now >= lot.bid_deadline
    if phase is Phase.OPENING or late or lot.bids_extracted_at is not None:
        raise DeadlinePassed(
            f"the deadline of lot {lot.code} was {lot.bid_deadline.isoformat() if lot.bid_deadline else '?'}",
            f"标段 {lot.code} 的投标截止时间为 {lot.bid_deadline.isoformat() if lot.bid_deadline else '?'}",
        )
    if phase is not Phase.TENDERING:
        raise WrongPhase(f"lot {lot.code} is in phase {phase.value}", f"标段 {lot.code} 处于 {phase.value} 阶段")
    return lot, lot.project


async def start_upload(
    session: AsyncSession,
    uploader: Uploader,
    lot_id: uuid.UUID,
    *,
    size: int,
    mode: str,
    chunk_size: int,
    max_size: int,
    now: datetime,
) -> BidUpload:
    lot, project = await open_lot(session, lot_id, now)
    try:
        upload_mode = UploadMode(mode)
    except ValueError:
        modes = " or ".join(UploadMode)
        raise InvalidInput(f"mode is {modes}", f"mode 须为 {' 或 '.join(UploadMode)}") from None
    if not 0 < size <= max_size:
        raise InvalidInput(f"size must be 1 to {max_size} bytes", f"文件大小须为 1 至 {max_size} 字节")
    upload = BidUpload(
        lot_id=lot.id,
        organization_id=uploader.organization_id,
        fingerprint=uploader.fingerprint,
        mode=upload_mode,
        size=size,
        chunk_size=chunk_size,
        received=0,
        next_chunk=0,
        status=UPLOAD_START,
        created_at=now,
    )
    session.add(upload)
    await session.flush()
    record(
        session,
        uploader.actor,
        "bid_upload.started",
        object_type="lot",
        object_id=str(lot.id),
        details={"upload": str(upload.id), "size": size, "mode": upload_mode.value},
        embargo_project_id=project.id,
    )
    return upload


async def own_upload(
    session: AsyncSession, uploader: Uploader, upload_id: uuid.UUID, *, lock: bool = True
) -> BidUpload:
    query = select(BidUpload).where(BidUpload.id == upload_id)
    if lock:  # read afresh under the lock, not from the session's identity map
        query = query.with_for_update().execution_options(populate_existing=True)
    upload = await session.scalar(query)
    if upload is None:
        raise NotFound(f"no upload {upload_id}", f"没有上传 {upload_id}")
    if upload.organization_id != uploader.organization_id or upload.fingerprint != uploader.fingerprint:
        raise UploadNotYours()
    return upload


def staged_keys(upload: BidUpload) -> list[str]:
    """Where the bytes of an upload wait until it is complete."""
    if upload.mode is UploadMode.DIRECT:
        return [DIRECT_KEY.format(upload=upload.id)]
    return [CHUNK_KEY.format(upload=upload.id, index=i) for i in range(upload.next_chunk)]


def move_upload(upload: BidUpload, to: UploadStatus, *, error: str | None = None) -> None:
    """Move ``upload`` to ``to`` (with the reason of a refusal), as :data:`UPLOAD_TRANSITIONS` allows."""
    upload.status = move(UPLOAD_TRANSITIONS, upload.status, to, what=f"upload {upload.id}")
    if error is not None:
        upload.error = error


def move_bid(bid: Bid, to: BidStatus) -> None:
    """Move ``bid`` to ``to``, as :data:`BID_TRANSITIONS` allows."""
    bid.status = move(BID_TRANSITIONS, bid.status, to, what=f"bid {bid.id}")


def _check_open(upload: BidUpload) -> None:
    if upload.status is not UploadStatus.OPEN:
        raise UploadClosed(f"the upload is {upload.status}", f"该上传状态为 {upload.status}")


async def arrive(session: AsyncSession, upload: BidUpload, arrived: datetime) -> None:
    """The upload's last byte is in at ``arrived``: decide now, in the database and before the slow
    verification, whether it came before the deadline (办法 27).

    Under the lot's lock: refused (:class:`DeadlinePassed`) if ``arrived`` is not before the deadline
    or the bids were already extracted; otherwise the upload is ``completing`` with its arrival
    fixed — the time its receipt will carry — and extraction waits until it is decided. The caller
    holds the upload's own lock (the lot's is taken after it: no lock waits for the upload's while
    holding the lot's unless the upload is already ``completing``, and then this one is refused).
    """
    await open_lot(session, upload.lot_id, arrived, lock=True)
    await session.refresh(upload)  # SQLite: the upload read before the write lock may be stale
    _check_open(upload)
    move_upload(upload, UploadStatus.COMPLETING)
    upload.last_byte_at = arrived


def check_next_chunk(upload: BidUpload, index: int) -> None:
    """Chunk ``index`` can be the upload's next one: the upload is open, chunked, and ``index`` is
    the next chunk. Checked before a body is read (nothing of a chunk refused here is written) and
    again under the upload's lock once it is in (:func:`accept_chunk`)."""
    _check_chunked(upload)
    _check_index(upload, index)


def _check_chunked(upload: BidUpload) -> None:
    _check_open(upload)
    if upload.mode is not UploadMode.CHUNKED:
        raise InvalidInput("this upload goes straight to the store; complete it instead", "该上传为直传模式")


def _check_index(upload: BidUpload, index: int) -> None:
    if index < upload.next_chunk:
        raise ChunkDuplicate(
            f"chunk {index} was already received; the next is {upload.next_chunk}",
            f"分片 {index} 已接收，下一个为 {upload.next_chunk}",
        )
    if index > upload.next_chunk:
        raise ChunkOutOfOrder(
            f"expected chunk {upload.next_chunk}, got {index}", f"应上传分片 {upload.next_chunk}，收到 {index}"
        )


async def accept_chunk(
    session: AsyncSession,
    uploader: Uploader,
    upload_id: uuid.UUID,
    index: int,
    *,
    size: int,
    head: bytes,
    arrived: datetime,
) -> BidUpload:
    """Record chunk ``index`` of ``size`` bytes (starting with ``head``), whose bytes are staged
    under :data:`CHUNK_KEY` and whose last byte was read at ``arrived`` — what the deadline judges.

    Under the upload's lock: the lot must take bids at ``arrived``, the chunk must be the next one
    and of the size the upload expects, chunk 0 must start with the sealed package's magic. The
    last chunk decides the upload's arrival (:func:`arrive`). On any refusal the transaction is
    rolled back and the caller removes the staged bytes: a refused chunk never counts.
    """
    upload = await own_upload(session, uploader, upload_id)
    _check_chunked(upload)
    await open_lot(session, upload.lot_id, arrived)
    _check_index(upload, index)
    if size > upload.chunk_size:
        raise ChunkTooLarge(f"chunks are at most {upload.chunk_size} bytes", f"分片不得超过 {upload.chunk_size} 字节")
    remaining = upload.size - upload.received
    if size == 0 or size > remaining or (size < upload.chunk_size and size != remaining):
        raise ChunkSizeMismatch(
            f"chunk {index} must be {min(upload.chunk_size, remaining)} bytes, got {size}",
            f"分片 {index} 应为 {min(upload.chunk_size, remaining)} 字节，收到 {size}",
        )
    if index == 0 and not head.startswith(MAGIC[:4]):
        move_upload(upload, UploadStatus.REJECTED, error="not_a_package")
        raise PackageFormatError(
            "not_a_package: this is not a sealed bid package (unencrypted files are refused, 办法第二十六条)",
            "not_a_package：不是加密的投标文件（未加密的投标文件将被拒收，电子招标投标办法第二十六条）",
            details=[{"reason": "not_a_package"}],
        )
    received, next_chunk = upload.received + size, upload.next_chunk + 1
    if received == upload.size:
        await arrive(session, upload, arrived)
        if upload.next_chunk != index:  # SQLite only (no row lock): another request took this chunk meanwhile
            raise ChunkDuplicate(f"chunk {index} was already received", f"分片 {index} 已接收")
    upload.received, upload.next_chunk, upload.last_byte_at = received, next_chunk, arrived
    return upload


async def receive_chunk(
    session: AsyncSession,
    store: ObjectStore,
    uploader: Uploader,
    upload_id: uuid.UUID,
    index: int,
    data: bytes,
    arrived: datetime,
) -> BidUpload:
    """Store and record chunk ``index`` held whole in memory (the demo's and the tests' own bids;
    the API streams its chunks instead: ``bidding.submission.bidder.send_chunk``); ``arrived`` is
    when its last byte was read, which is what the deadline judges."""
    upload = await accept_chunk(session, uploader, upload_id, index, size=len(data), head=data[:8], arrived=arrived)

    async def one() -> AsyncIterator[bytes]:
        yield data

    await store.put(CHUNK_KEY.format(upload=upload.id, index=index), one())
    return upload


@dataclass(frozen=True)
class Submitted:
    bid: Bid
    info: PackageInfo
    lot: Lot
    project: Project
    organization: Organization


@dataclass(frozen=True)
class Stored:
    """A complete package verified and copied to its final place (not yet a bid)."""

    key: str
    size: int
    sha256: str
    info: PackageInfo


async def verify_and_store(
    store: ObjectStore,
    verifier: CertificateVerifier,
    upload: BidUpload,
    lot: Lot,
    project: Project,
    org: Organization,
    *,
    progress: Progress | None = None,
) -> Stored:
    """Verify the whole package and store it in its final, retained place.

    With ``progress`` — this process verified every chunk as it arrived
    (:mod:`bidding.submission.streaming`) — the package is not read again: the verification is
    finished from it and the store concatenates the staged chunks, each only if it is still the
    object that was verified (the local store in the kernel, without hashing again). Otherwise, or
    if a staged chunk changed since, the full pass: every staged byte is read, verified and copied.
    Both reach the same verdict on the same bytes (the same verifier, fed in the same order).

    A direct upload's staged object is read only if it is still the one its arrival found
    (``staged_etag``), else :class:`UploadChanged`. Holds no database connection (it can take a
    while for a large package): the caller reads what it needs before, and records the bid in a
    short transaction after. Nothing is stored if any check fails.
    """
    assert lot.bid_deadline is not None
    final_key = f"bids/{lot.id}/{org.id}/{upload.id}.bid"
    if progress is not None and _covers(progress, upload):
        try:
            return await _store_verified(store, verifier, upload, lot, project, org, progress, final_key)
        except (ObjectChanged, ObjectNotFound) as exc:
            log.warning(
                "a staged chunk changed after it was verified: verifying the whole package",
                extra={"upload": str(upload.id), "error": str(exc)},
            )
    return await _verify_full_pass(store, verifier, upload, lot, project, org, final_key)


def _covers(progress: Progress, upload: BidUpload) -> bool:
    """``progress`` saw every chunk the upload recorded (a chunked upload, complete)."""
    return (
        upload.mode is UploadMode.CHUNKED
        and progress.next_index == upload.next_chunk == len(progress.parts)
        and progress.received == upload.size == upload.received
    )


async def _store_verified(
    store: ObjectStore,
    verifier: CertificateVerifier,
    upload: BidUpload,
    lot: Lot,
    project: Project,
    org: Organization,
    progress: Progress,
    final_key: str,
) -> Stored:
    assert lot.bid_deadline is not None
    try:
        info = progress.finish()
    except SealedError as exc:
        raise _sealed_error(exc) from None
    await _check_package(info, project, lot, org, upload.fingerprint, verifier)
    parts = [(key, etag) for key, (_, etag) in zip(staged_keys(upload), progress.parts, strict=True)]
    stored = await store.compose(
        final_key,
        parts,
        sha256=info.file_sha256.hex(),
        content_type=PACKAGE_CONTENT_TYPE,
        retain_until=lot.bid_deadline + PACKAGE_RETENTION,
        overwrite=False,
    )
    return Stored(key=final_key, size=stored.size, sha256=stored.sha256 or info.file_sha256.hex(), info=info)


async def _verify_full_pass(
    store: ObjectStore,
    verifier: CertificateVerifier,
    upload: BidUpload,
    lot: Lot,
    project: Project,
    org: Organization,
    final_key: str,
) -> Stored:
    """Read every staged byte, verifying the package while copying it to ``final_key``: the
    verification runs inside the source stream, so the store discards the object if a check fails."""
    assert lot.bid_deadline is not None
    package = PackageVerifier()
    checked: dict[str, PackageInfo] = {}

    async def verified_stream() -> AsyncIterator[bytes]:
        total = 0
        for key in staged_keys(upload):
            try:
                # A direct upload: the object its arrival found, not what was written there since.
                async for chunk in store.open(key, if_match=upload.staged_etag):
                    total += len(chunk)
                    package.update(chunk)
                    yield chunk
            except ObjectChanged:
                raise UploadChanged(
                    "the staged package was replaced after the upload was completed",
                    "提交完成后暂存的投标文件被替换",
                ) from None
        if total != upload.size:
            raise PackageSizeMismatch(
                f"received {total} bytes, announced {upload.size}", f"收到 {total} 字节，声明 {upload.size}"
            )
        info = package.finish()
        await _check_package(info, project, lot, org, upload.fingerprint, verifier)
        checked["info"] = info

    try:
        stored = await store.put(
            final_key,
            verified_stream(),
            content_type=PACKAGE_CONTENT_TYPE,
            retain_until=lot.bid_deadline + PACKAGE_RETENTION,
            overwrite=False,
        )
    except SealedError as exc:
        raise _sealed_error(exc) from None
    info = checked["info"]
    return Stored(key=final_key, size=stored.size, sha256=stored.sha256 or info.file_sha256.hex(), info=info)


async def _check_package(
    info: PackageInfo, project: Project, lot: Lot, org: Organization, fingerprint: str, verifier: CertificateVerifier
) -> None:
    """A verified package is this bidder's for this lot, signed with a certificate valid now."""
    _check_binding(info, project, lot, org, fingerprint)
    validation = await verifier.verify_user_certificate(info.signer_cert)
    if not validation.ok:
        raise PackageSignerInvalid(
            f"the bidder's signing certificate is not valid: {validation.message_en}",
            f"投标人签名证书无效：{validation.message_zh}",
        )


async def upload_context(session: AsyncSession, upload: BidUpload) -> tuple[Lot, Project, Organization]:
    lot = await session.scalar(select(Lot).where(Lot.id == upload.lot_id).options(selectinload(Lot.project)))
    org = await session.get(Organization, upload.organization_id)
    assert lot is not None
    assert org is not None
    return lot, lot.project, org


def receipt_number(arrived: datetime) -> str:
    """A new receipt number for a package that arrived at ``arrived``."""
    return f"R{arrived:%Y%m%d}-{uuid.uuid4().hex[:12].upper()}"


async def next_version(session: AsyncSession, lot_id: uuid.UUID, organization_id: uuid.UUID) -> int:
    """The version a bidder's next package for a lot gets (final only under the lot's lock)."""
    latest = await session.scalar(
        select(func.coalesce(func.max(Bid.version), 0)).where(
            Bid.lot_id == lot_id, Bid.organization_id == organization_id
        )
    )
    return int(latest or 0) + 1


async def record_bid(
    session: AsyncSession, uploader: Uploader, upload_id: uuid.UUID, stored: Stored, *, number: str | None = None
) -> Submitted:
    """Make the verified, stored package a version of the bidder's bid (办法 27), in one short transaction.

    Under the lot's lock (taken before the upload's, in the order extraction takes them): the upload
    must still be ``completing``, so the bids were not extracted without it; if extraction refused
    it meanwhile (:class:`UploadNotDecided`) it is no bid. The caller signs the receipt before the
    commit: a version is a bid only with its receipt. The version whose last byte arrived last is
    the active one: a package that arrived before the active version is kept as ``replaced``.
    """
    lot_id = (await own_upload(session, uploader, upload_id, lock=False)).lot_id  # never changes
    await lock_lot(session, lot_id)
    upload = await own_upload(session, uploader, upload_id)
    if upload.status is UploadStatus.REJECTED and upload.error == UploadNotDecided.code:
        raise UploadNotDecided()
    if upload.status is not UploadStatus.COMPLETING:
        raise UploadClosed(f"the upload is {upload.status}", f"该上传状态为 {upload.status}")
    lot, project, org = await upload_context(session, upload)
    assert lot.bids_extracted_at is None  # extraction refuses every upload still completing first
    arrived = upload.last_byte_at
    assert arrived is not None
    active = await session.scalar(
        select(Bid).where(Bid.lot_id == lot.id, Bid.organization_id == org.id, Bid.status == BidStatus.ACTIVE)
    )
    later_active = active is not None and active.submitted_at > arrived
    version = await next_version(session, lot.id, org.id)
    if active is not None and not later_active:
        move_bid(active, BidStatus.REPLACED)
    status = BidStatus.REPLACED if later_active else BidStatus.ACTIVE
    assert status in BID_START
    info = stored.info
    bid = Bid(
        lot_id=lot.id,
        organization_id=org.id,
        version=version,
        status=status,
        object_key=stored.key,
        size=stored.size,
        sha256=stored.sha256,
        package_digest=info.digest.hex(),
        header_sha256=info.header.sha256.hex(),
        signer_fingerprint=certificate_fingerprint(info.signer_cert),
        uploader_fingerprint=upload.fingerprint,
        submitted_at=arrived,  # decided in the database when the last byte came in: the receipt's time
        receipt_number=number or receipt_number(arrived),
        receipt_jws="",
    )
    session.add(bid)
    await session.flush()
    move_upload(upload, UploadStatus.COMPLETED)
    upload.bid_id = bid.id
    record(
        session,
        uploader.actor,
        "bid.submitted",
        object_type="lot",
        object_id=str(lot.id),
        content_sha256=bid.sha256,
        details={
            "bid": str(bid.id),
            "version": version,
            "size": bid.size,
            "upload": str(upload.id),
            "receipt_number": bid.receipt_number,
        },
        embargo_project_id=project.id,
    )
    return Submitted(bid=bid, info=info, lot=lot, project=project, organization=org)


def _check_binding(info: PackageInfo, project: Project, lot: Lot, org: Organization, uploader_fingerprint: str) -> None:
    header = info.header
    if header.project_id != str(project.id) or header.lot_id != str(lot.id):
        raise PackageWrongLot(
            f"the package is sealed for project {header.project_id} lot {header.lot_id}, not this lot ({lot.id})",
            f"该投标文件是为项目 {header.project_id} 标段 {header.lot_id} 加密的，不属于本标段",
        )
    if header.bidder_credit_code != org.credit_code:
        raise PackageWrongBidder(
            f"the package names bidder {header.bidder_credit_code}, not {org.credit_code}",
            f"投标文件中的投标人 {header.bidder_credit_code} 与上传单位 {org.credit_code} 不符",
        )
    if uploader_fingerprint not in {r.cert_sha256 for r in header.recipients}:
        raise PackageRecipientNotBidder(
            "none of the package's recipients is your certificate: you could not decrypt it at the opening",
            "投标文件的接收者中没有您的证书，开标时您将无法解密",
        )
    try:
        subject = parse_subject(info.signer_cert.subject)
    except CryptoError as exc:
        raise PackageSignerInvalid(f"the signer certificate: {exc.message}") from None
    if subject.credit_code != org.credit_code:
        raise PackageSignerInvalid(
            f"the package is signed by {subject.credit_code}, not by {org.credit_code}",
            f"投标文件由 {subject.credit_code} 签名，不是 {org.credit_code}",
        )


async def withdraw(session: AsyncSession, uploader: Uploader, lot_id: uuid.UUID, now: datetime) -> Bid:
    """Withdraw the active bid (撤回, 办法 27) before the deadline; the package stays stored, marked withdrawn.

    Under the lot's lock, so it is either before extraction (and the bid is not opened) or refused.
    Refused while one of the bidder's uploads is still being verified: which would count, the
    withdrawal or that package, is the bidder's to say once the upload is decided.
    """
    lot, project = await open_lot(session, lot_id, now, lock=True)
    in_flight = await _completing(session, lot, now, organization_id=uploader.organization_id)
    if in_flight:
        raise UploadInProgress(f"upload {in_flight[0].id} is still being verified", f"上传 {in_flight[0].id} 正在校验")
    bid = await session.scalar(
        select(Bid)
        .where(Bid.lot_id == lot.id, Bid.organization_id == uploader.organization_id, Bid.status == BidStatus.ACTIVE)
        .with_for_update()
    )
    if bid is None:
        raise NotFound("you have no active bid for this lot", "您在本标段没有有效投标")
    move_bid(bid, BidStatus.WITHDRAWN)
    bid.withdrawn_at = now
    record(
        session,
        uploader.actor,
        "bid.withdrawn",
        object_type="lot",
        object_id=str(lot.id),
        content_sha256=bid.sha256,
        details={"bid": str(bid.id), "version": bid.version},
        embargo_project_id=project.id,
    )
    return bid


async def _completing(
    session: AsyncSession, lot: Lot, now: datetime, *, organization_id: uuid.UUID | None = None
) -> list[BidUpload]:
    """The lot's uploads still being verified; those that have had :data:`COMPLETION_WAIT` since their
    last byte are refused first (the platform's fault: a process died, or storage hung). Call it
    holding the lot's lock."""
    query = select(BidUpload).where(BidUpload.lot_id == lot.id, BidUpload.status == UploadStatus.COMPLETING)
    if organization_id is not None:
        query = query.where(BidUpload.organization_id == organization_id)
    pending = list((await session.scalars(query.with_for_update().execution_options(populate_existing=True))).all())
    waiting = []
    for upload in pending:
        assert upload.last_byte_at is not None
        if now < upload.last_byte_at + COMPLETION_WAIT:
            waiting.append(upload)
            continue
        move_upload(upload, UploadStatus.REJECTED, error=UploadNotDecided.code)
        log.warning("upload not decided in time: refused", extra={"upload": str(upload.id), "lot": str(lot.id)})
        record(
            session,
            Actor.system("submission"),
            "bid_upload.refused",
            object_type="lot",
            object_id=str(lot.id),
            details={
                "upload": str(upload.id),
                "organization": str(upload.organization_id),
                "reason": UploadNotDecided.code,
                "last_byte_at": upload.last_byte_at.isoformat(),
            },
            embargo_project_id=lot.project_id,  # names a bidder: sealed until the deadline (办法 21)
        )
    return waiting


async def extract_bids(session: AsyncSession, lot_id: uuid.UUID, clock: Clock) -> list[tuple[Bid, Organization]] | None:
    """The bids the opening takes at the deadline (办法 29): the active version of each bidder, in
    order of arrival — or None if not now: while an upload whose last byte came before the deadline
    is still being verified (try again shortly; it is refused once it has had :data:`COMPLETION_WAIT`),
    or when the lot read under the lock is no longer due (a clarification moved its deadline, or
    the tender was terminated, just before: the caller reads the lot again on its next try).

    Under the lot's lock, and marking the lot extracted in the same transaction: from the commit on,
    no upload arrives (:func:`arrive`), no version is activated (:func:`record_bid`) and nothing is
    withdrawn, so the versions taken here are exactly those whose receipts were issued, and stay so.
    The time is read once the lock is held: every receipt was signed before it.
    """
    lot = await lock_lot(session, lot_id)
    if lot is None:
        raise NotFound(f"no lot {lot_id}", f"没有标段 {lot_id}")
    now = clock.now()
    if lot.bids_extracted_at is None:
        due = lot.bid_deadline is not None and now >= lot.bid_deadline
        if not due or lot.project.status is ProjectStatus.CANCELLED or await _completing(session, lot, now):
            return None
        lot.bids_extracted_at = now
    rows = await session.execute(
        select(Bid, Organization)
        .join(Organization, Bid.organization_id == Organization.id)
        .where(Bid.lot_id == lot.id, Bid.status == BidStatus.ACTIVE)
        .order_by(Bid.submitted_at, Bid.id)
    )
    return [(bid, org) for bid, org in rows.all()]


async def refuse_upload(session: AsyncSession, uploader: Uploader, upload_id: uuid.UUID, reason: str) -> None:
    """Mark a ``completing`` upload refused (its package failed verification, or storing it failed),
    so that extraction need not wait for it."""
    await lock_lot(session, (await own_upload(session, uploader, upload_id, lock=False)).lot_id)
    upload = await own_upload(session, uploader, upload_id)
    if upload.status is UploadStatus.COMPLETING:
        move_upload(upload, UploadStatus.REJECTED, error=reason)


async def own_bids(session: AsyncSession, organization_id: uuid.UUID, lot_id: uuid.UUID) -> list[Bid]:
    rows = await session.scalars(
        select(Bid).where(Bid.lot_id == lot_id, Bid.organization_id == organization_id).order_by(Bid.version)
    )
    return list(rows.all())


async def own_bid(session: AsyncSession, organization_id: uuid.UUID, bid_id: uuid.UUID) -> Bid:
    """One of the organisation's bids; another's is not found (办法 21: nobody else sees a bid)."""
    bid = await session.scalar(select(Bid).where(Bid.id == bid_id, Bid.organization_id == organization_id))
    if bid is None:
        raise NotFound(f"you have no bid {bid_id}", f"您没有投标 {bid_id}")
    return bid


async def cleanup_staging(store: ObjectStore, upload: BidUpload) -> None:
    """Remove the staged data of a finished upload, completed or refused (best effort; they are
    never retained, and the staging sweep removes what is left or written later)."""
    for key in staged_keys(upload):
        try:
            await store.delete(key)
        except StorageError as exc:  # leftovers are harmless; a sweep can collect them
            log.warning("could not remove staged upload data", extra={"key": key, "error": str(exc)})
