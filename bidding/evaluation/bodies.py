"""Reading the bids (issue 20): the committee, and only the committee, reads the decrypted bodies, file
by file, in the browser (``docs/evaluation.md`` §Reading the bids).

- Who: a sitting member of this evaluation (its chair too), while the evaluation is not final —
  :func:`bidding.evaluation.access.member_gate` with ``read_body`` (条例 49 and 规定 17: the bids are
  examined by the committee; 条例 53 and 87号令 64: once the report is signed the evaluation is over).
  The agent, the tenderer, every bidder (its own bid too), the supervisor, the auditor, the
  administrator, the public, an expert not on the committee, a member before the declaration, and a
  recused member are refused by that gate; nothing else in the platform serves a body.
- What: the files of the bid's body (a tar archive stored by the opening's worker,
  :func:`bidding.submission.extraction.body_key`), listed from the archive's headers, read once with
  ranged reads and kept on the :class:`~bidding.evaluation.models.EvaluationBid` (:mod:`tar_index`).
- How: a PDF (by its name *and* its ``%PDF-`` header) is served stamped on every page with the
  reader's name, "评标专用" and the time (:mod:`watermark`), inline to be shown in the browser or as a
  download; every other file is served as it is, as a download (``application/octet-stream``), read
  from the store by a ranged read of exactly its bytes. A PDF the platform cannot stamp — above
  :data:`MAX_WATERMARK_BYTES`, encrypted or unreadable — is not shown inline (413
  ``pdf_too_large_to_watermark`` / 422 ``pdf_not_watermarkable``); downloaded, it is served as it is
  and the audit says it was not stamped and why.
- Every listing and every read is an audit event (``evaluation.body_listed``,
  ``evaluation.body_read``) naming the member, the bid, the file, the bytes served and whether they
  were stamped (办法 14: every operation is recorded).
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import uuid
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.core.auth.caller import Caller
from bidding.core.errors import Conflict, DomainError, NotFound
from bidding.evaluation.access import member_gate
from bidding.evaluation.lifecycle import audit
from bidding.evaluation.models import EvaluationBid
from bidding.evaluation.tar_index import TarFormatError, index_stream
from bidding.evaluation.watermark import PdfNotStampable, is_pdf, stamp_pdf, watermark_lines
from bidding.submission.extraction import body_key
from bidding.submission.models import Bid
from storage import ObjectNotFound

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "MAX_WATERMARK_BYTES",
    "BodyFile",
    "BodyFileNotFound",
    "BodyNotAvailable",
    "BodyUnreadable",
    "EvaluationBidNotFound",
    "FileView",
    "PdfNotWatermarkable",
    "PdfTooLargeToWatermark",
    "list_files",
    "read_file",
]

#: A PDF is stamped in memory (pyHanko rewrites it whole): larger ones are not shown inline.
MAX_WATERMARK_BYTES: Final = 200 * 1024 * 1024
#: PDFs stamped at once per process: a stamp holds the PDF about three times over (the original, pyHanko's
#: copy, the output: ~600 MiB at the limit), so more readers of large PDFs wait for a slot instead.
STAMPING_AT_ONCE: Final = 2
PDF: Final = "application/pdf"
OCTET_STREAM: Final = "application/octet-stream"


class EvaluationBidNotFound(NotFound):
    code = "evaluation_bid_not_found"
    message_zh = "本次评标中没有该投标文件"
    message_en = "No such bid in this evaluation"


class BodyFileNotFound(NotFound):
    code = "body_file_not_found"
    message_zh = "投标文件中没有该文件"
    message_en = "No such file in the bid"


class BodyNotAvailable(Conflict):
    code = "body_not_available"
    message_zh = "该投标文件尚未解密完成，暂不能查阅"
    message_en = "The bid's body is not decrypted yet"


class BodyUnreadable(Conflict):
    code = "body_unreadable"
    message_zh = "投标文件的文件包无法读取"
    message_en = "The bid's body is not an archive the platform can read"


class PdfTooLargeToWatermark(DomainError):
    code = "pdf_too_large_to_watermark"
    status = 413
    message_zh = "该 PDF 过大，无法在线加水印显示，请下载查阅"
    message_en = "This PDF is too large to be stamped and shown in the browser; download it instead"


class PdfNotWatermarkable(DomainError):
    code = "pdf_not_watermarkable"
    status = 422
    message_zh = "该 PDF 无法加水印（已加密或已损坏），不能在线显示，请下载查阅"
    message_en = "This PDF cannot be stamped (encrypted or damaged) and is not shown in the browser; download it"


_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _stamping_slot() -> asyncio.Semaphore:
    """The running loop's semaphore of :data:`STAMPING_AT_ONCE` slots."""
    loop = asyncio.get_running_loop()
    if loop not in _slots:
        _slots[loop] = asyncio.Semaphore(STAMPING_AT_ONCE)
    return _slots[loop]


@dataclass(frozen=True)
class FileView:
    """One file of a bid's body as the committee sees it listed."""

    index: int
    name: str
    size: int
    media_type: str


@dataclass(frozen=True)
class BodyFile:
    """What one read serves: either ``content`` (a stamped PDF) or ``chunks`` (the file as it is)."""

    name: str
    media_type: str
    disposition: Literal["inline", "attachment"]
    size: int
    content: bytes | None
    chunks: AsyncIterator[bytes] | None
    watermarked: bool


@dataclass(frozen=True)
class _Located:
    key: str
    files: list[dict[str, Any]]


def media_type(name: str) -> str:
    """The type a file's name suggests (shown in the list; what is served is decided by :func:`read_file`).

    >>> media_type("报价表.PDF"), media_type("说明.txt"), media_type("data")
    ('application/pdf', 'text/plain', 'application/octet-stream')
    """
    return mimetypes.guess_type(name.lower(), strict=False)[0] or OCTET_STREAM


def download_name(name: str) -> str:
    """The file name a download is offered under: the member name's last part, without control
    characters (the name is a label of the bidder's, never a path on any disk).

    >>> download_name("../../etc/passwd"), download_name("技术标/第一章.pdf")
    ('passwd', '第一章.pdf')
    >>> download_name("a\\r\\nb"), download_name("../")
    ('a__b', 'file')
    """
    last = name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    clean = "".join("_" if ord(c) < 0x20 or ord(c) == 0x7F else c for c in last).strip()
    return clean if clean not in ("", ".", "..") else "file"


async def _bid(session: AsyncSession, evaluation_id: uuid.UUID, bid_id: uuid.UUID) -> EvaluationBid:
    """The bid under this evaluation (a bid of another lot, or none, is 404 alike)."""
    found = await session.scalar(
        select(EvaluationBid).where(EvaluationBid.evaluation_id == evaluation_id, EvaluationBid.bid_id == bid_id)
    )
    if found is None:
        raise EvaluationBidNotFound()
    return found


async def _locate(platform: Platform, session: AsyncSession, entry: EvaluationBid) -> _Located:
    """The body's key and its file list, read from the archive's headers the first time (then kept)."""
    bid = await session.get(Bid, entry.bid_id)
    if bid is None:  # pragma: no cover - the foreign key keeps it
        raise EvaluationBidNotFound()
    key = body_key(bid)
    try:
        info = await platform.store.stat(key)  # every time: a read must not start on a body that is gone
    except ObjectNotFound:
        raise BodyNotAvailable() from None
    if entry.files is not None:
        return _Located(key, entry.files)

    async def read(offset: int, length: int) -> bytes:
        return b"".join([chunk async for chunk in platform.store.open(key, offset=offset, length=length)])

    try:
        members = await index_stream(read, info.size)
    except TarFormatError as exc:
        raise BodyUnreadable(str(exc)) from None
    entry.files = [{"name": m.name, "offset": m.offset, "size": m.size} for m in members]
    return _Located(key, entry.files)


def _view(index: int, file: dict[str, Any]) -> FileView:
    return FileView(index=index, name=file["name"], size=file["size"], media_type=media_type(file["name"]))


async def list_files(platform: Platform, caller: Caller, evaluation_id: uuid.UUID, bid_id: uuid.UUID) -> list[FileView]:
    """The files of a bid's body, in the archive's order (the committee only; audited)."""
    async with platform.sessions() as session, session.begin():
        seat = await member_gate(session, platform, caller, evaluation_id, "read_body")
        entry = await _bid(session, seat.evaluation.id, bid_id)
        located = await _locate(platform, session, entry)
        audit(
            session,
            caller.actor,
            seat.evaluation,
            "body_listed",
            bid=str(bid_id),
            member=str(seat.member.id),
            member_name=seat.member.name,
            files=len(located.files),
        )
        return [_view(i, file) for i, file in enumerate(located.files)]


async def _read(platform: Platform, key: str, offset: int, length: int) -> bytes:
    buffer = bytearray()
    async for chunk in platform.store.open(key, offset=offset, length=length):
        buffer += chunk
    return bytes(buffer)


async def read_file(
    platform: Platform,
    caller: Caller,
    evaluation_id: uuid.UUID,
    bid_id: uuid.UUID,
    index: int,
    *,
    download: bool,
    max_watermark_bytes: int | None = None,
) -> BodyFile:
    """One file of a bid's body for a member of the committee (see the module doc): a PDF stamped with
    the member's name, inline unless ``download``; any other file as it is, as a download. The gate is
    passed again when the read is recorded, after the PDF is stamped: a member recused or an
    evaluation made final meanwhile gets nothing."""
    async with platform.sessions() as session, session.begin():
        seat = await member_gate(session, platform, caller, evaluation_id, "read_body")
        entry = await _bid(session, seat.evaluation.id, bid_id)
        located = await _locate(platform, session, entry)
        member_name = seat.member.name
    if not 0 <= index < len(located.files):
        raise BodyFileNotFound(f"the bid has {len(located.files)} files; there is no file {index}")
    file = located.files[index]
    name, offset, size = str(file["name"]), int(file["offset"]), int(file["size"])
    pdf = name.lower().endswith(".pdf") and is_pdf(
        name, await _read(platform, key=located.key, offset=offset, length=min(size, 5))
    )
    now = platform.clock.now()
    limit = MAX_WATERMARK_BYTES if max_watermark_bytes is None else max_watermark_bytes
    served: BodyFile
    reason: str | None = None
    digest: str | None = None
    if pdf and size > limit:
        reason = "too_large"
        if not download:
            raise PdfTooLargeToWatermark(
                f"{size} bytes; PDFs up to {limit} bytes are stamped", details=[{"size": size}]
            )
    elif pdf:
        try:
            async with _stamping_slot():
                original = await _read(platform, located.key, offset, size)
                stamped = await asyncio.to_thread(stamp_pdf, original, watermark_lines(member_name, now))
                del original
        except PdfNotStampable as exc:
            reason = exc.reason
            if not download:
                raise PdfNotWatermarkable(exc.reason) from None
        else:
            digest = hashlib.sha256(stamped).hexdigest()
            served = BodyFile(
                name, PDF, "attachment" if download else "inline", len(stamped), stamped, None, watermarked=True
            )
    if digest is None:
        served = BodyFile(
            name,
            OCTET_STREAM,
            "attachment",
            size,
            None,
            platform.store.open(located.key, offset=offset, length=size),
            watermarked=False,
        )
    async with platform.sessions() as session, session.begin():
        seat = await member_gate(session, platform, caller, evaluation_id, "read_body")
        audit(
            session,
            caller.actor,
            seat.evaluation,
            "body_read",
            bid=str(bid_id),
            member=str(seat.member.id),
            member_name=seat.member.name,
            index=index,
            file=name,
            size=size,
            served_size=served.size,
            served_sha256=digest,
            disposition=served.disposition,
            watermarked=served.watermarked,
            not_watermarked_because=reason,
        )
    return served
