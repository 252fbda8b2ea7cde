"""Attachments to objections (异议), their answers and complaints (投诉): the evidence a party puts
before the tenderer or the supervisor (条例 54, 60: the objection and the complaint state their
grounds, with the supporting material).

A file is uploaded first, as the raw body of ``PUT /api/awards/{id}/attachments?filename=``, and
named afterwards by its SHA-256 in the signed objection, answer or complaint, whose text lists the
digests: what is signed binds the files. Rules:

* at most :data:`MAX_ATTACHMENT_BYTES` (20 MiB) each, :data:`MAX_ATTACHMENTS` (10) per objection,
  answer or complaint;
* PDF, JPEG, PNG, OFD (GB/T 33190, a ZIP container; named ``*.ofd``) or ZIP, by their first bytes —
  not by the declared type, which a browser guesses;
* stored content-addressed under ``awards/{award_id}/attachments/{sha256}`` (the same file twice is
  one object), kept 15 years (the opening record's retention) once an objection, answer or complaint
  names it; an upload never named is not retained.

Who may upload: a bidder of the lot (to object or complain), the tenderer or the agent (to answer),
once something is published (the gate's ``view_announcements``). Refusals: 413
``attachment_too_large``, 415 ``attachment_type``, 422 ``attachment_unknown`` (a digest not uploaded
to this award), 422 ``attachment_repeated``.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Final
from urllib.parse import quote, unquote

import msgspec

from bidding.awards.access import AwardForbidden, gate
from bidding.awards.lifecycle import audit
from bidding.awards.states import AwardRole
from bidding.core.auth.caller import Caller
from bidding.core.errors import DomainError, InvalidInput, UnsupportedMediaType
from bidding.core.fields import text_problem
from opening_room.record import RETENTION
from storage import ObjectNotFound, ObjectStore

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "KEY",
    "MAX_ATTACHMENTS",
    "MAX_ATTACHMENT_BYTES",
    "AttachmentRepeated",
    "AttachmentTooLarge",
    "AttachmentType",
    "AttachmentUnknown",
    "AttachmentView",
    "Digests",
    "listing",
    "resolve",
    "retain",
    "upload",
    "views",
]

MAX_ATTACHMENT_BYTES: Final = 20 * 1024 * 1024
MAX_ATTACHMENTS: Final = 10
KEY: Final = "awards/{award}/attachments/{sha256}"
#: Who uploads: the objector or complainant, and the project answering.
_UPLOADERS: Final = frozenset({AwardRole.BIDDER, AwardRole.TENDERER, AwardRole.AGENT})

Sha256 = Annotated[str, msgspec.Meta(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")]
#: The digests an objection, answer or complaint names (at most 10).
Digests = Annotated[list[Sha256], msgspec.Meta(max_length=MAX_ATTACHMENTS)]


class AttachmentTooLarge(DomainError):
    code = "attachment_too_large"
    status = 413
    message_zh = "附件不得超过 20 MiB"
    message_en = "An attachment is at most 20 MiB"


class AttachmentType(UnsupportedMediaType):
    code = "attachment_type"
    message_zh = "附件须为 PDF、JPEG、PNG、OFD 或 ZIP 文件"
    message_en = "An attachment is a PDF, JPEG, PNG, OFD or ZIP file"


class AttachmentUnknown(InvalidInput):
    code = "attachment_unknown"
    status = 422
    message_zh = "附件未上传到本定标记录"
    message_en = "No such attachment was uploaded to this award"


class AttachmentRepeated(InvalidInput):
    code = "attachment_repeated"
    status = 422
    message_zh = "同一附件不能重复列出"
    message_en = "An attachment is listed once"


@dataclass(frozen=True)
class AttachmentView:
    """An uploaded file as an objection, answer or complaint names it (and as it is stored there)."""

    sha256: str
    filename: str
    content_type: str
    size: int

    def to_dict(self) -> dict[str, object]:
        return {"sha256": self.sha256, "filename": self.filename, "content_type": self.content_type, "size": self.size}


#: What the first bytes of each kind are (ISO 32000-2 §7.5.2; JFIF/Exif SOI + marker; PNG signature,
#: ISO 15948 §5.2; ZIP local file header or empty archive, APPNOTE 4.3.7 / 4.3.16).
_MAGIC: Final = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),
)


def views(rows: Sequence[dict[str, Any]]) -> list[AttachmentView]:
    """The descriptors as an objection, answer or complaint keeps them (its JSON column)."""
    return [AttachmentView(r["sha256"], r["filename"], r["content_type"], int(r["size"])) for r in rows]


def kind_of(head: bytes, filename: str) -> str | None:
    """The content type the bytes show (an OFD is a ZIP named ``.ofd``), None when not allowed."""
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            if content_type == "application/zip" and filename.lower().endswith(".ofd"):
                return "application/ofd"
            return content_type
    return None


def _key(award_id: uuid.UUID, sha256: str) -> str:
    return KEY.format(award=award_id, sha256=sha256)


def _name(filename: str) -> str:
    name = filename.strip().replace("/", "_").replace("\\", "_")
    problem = text_problem(name, max_length=200)
    if problem:
        raise InvalidInput(
            f"the file name {problem}",
            "文件名须为 1 至 200 个字符，且不含控制字符",
            details=[{"key": "filename", "source": "query", "message": f"the file name {problem}"}],
        )
    return name


async def _read(source: AsyncIterator[bytes]) -> bytes:
    parts: list[bytes] = []
    total = 0
    async for chunk in source:
        total += len(chunk)
        if total > MAX_ATTACHMENT_BYTES:
            raise AttachmentTooLarge(f"more than {MAX_ATTACHMENT_BYTES} bytes", f"超过 {MAX_ATTACHMENT_BYTES} 字节")
        parts.append(chunk)
    return b"".join(parts)


async def upload(
    platform: Platform, caller: Caller, award_id: uuid.UUID, *, filename: str, source: AsyncIterator[bytes]
) -> AttachmentView:
    """``PUT /api/awards/{id}/attachments?filename=``: store one file, return its descriptor."""
    name = _name(filename)
    async with platform.sessions() as session:
        seat = await gate(session, caller, award_id, "view_announcements")
    if seat.role not in _UPLOADERS:
        raise AwardForbidden(
            "attachments are uploaded by the lot's bidders, the tenderer and the agent",
            "仅本标段投标人、招标人和招标代理机构可上传附件",
        )
    data = await _read(source)
    if not data:
        raise InvalidInput("the file is empty", "文件为空")
    content_type = kind_of(data[:16], name)
    if content_type is None:
        raise AttachmentType(f"{name} is not a PDF, JPEG, PNG, OFD or ZIP file", f"{name} 不是允许的文件类型")
    sha256 = hashlib.sha256(data).hexdigest()
    key = _key(award_id, sha256)
    if not await platform.store.exists(key):  # content-addressed: the same bytes are one object

        async def body() -> AsyncIterator[bytes]:
            yield data

        await platform.store.put(
            key,
            body(),
            content_type=content_type,
            metadata={"filename": quote(name, safe="")[:1500]},
            expected_sha256=sha256,
        )
    async with platform.sessions() as session, session.begin():
        seat = await gate(session, caller, award_id, "view_announcements")
        audit(
            session,
            caller.actor,
            seat.award,
            "attachment_uploaded",
            sha256=sha256,
            filename=name,
            size=len(data),
            content_type=content_type,
        )
    return AttachmentView(sha256, name, content_type, len(data))


async def resolve(store: ObjectStore, award_id: uuid.UUID, digests: Sequence[str]) -> list[AttachmentView]:
    """The descriptors of ``digests``, each uploaded to this award (422 otherwise), in the given order."""
    if len(set(digests)) != len(digests):
        raise AttachmentRepeated("a digest is listed twice", "附件摘要重复")
    if len(digests) > MAX_ATTACHMENTS:
        raise InvalidInput(f"at most {MAX_ATTACHMENTS} attachments", f"附件最多 {MAX_ATTACHMENTS} 个")
    found: list[AttachmentView] = []
    for digest in digests:
        try:
            info = await store.stat(_key(award_id, digest))
        except ObjectNotFound:
            raise AttachmentUnknown(
                f"{digest} was not uploaded to this award", f"附件 {digest} 未上传", details=[{"sha256": digest}]
            ) from None
        name = unquote(info.metadata.get("filename", digest))
        found.append(AttachmentView(digest, name, info.content_type, info.size))
    return found


async def retain(store: ObjectStore, award_id: uuid.UUID, attachments: Sequence[AttachmentView], now: datetime) -> None:
    """Keep the files an objection, answer or complaint names for the archive's 15 years."""
    for a in attachments:
        await store.set_retention(_key(award_id, a.sha256), now + RETENTION)


def listing(attachments: Sequence[AttachmentView]) -> str:
    """How a signed text lists its files: one line each, the digest then the name."""
    if not attachments:
        return ""
    lines = "\n".join(f"{a.sha256}  {a.filename}（{a.size} 字节 / bytes）" for a in attachments)
    return f"\n\n附件（SHA-256）/ Attachments (SHA-256):\n{lines}"
