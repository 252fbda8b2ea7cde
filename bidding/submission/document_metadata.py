"""The metadata of the documents in a decrypted bid body, for the collusion rule
``same_document_metadata`` (条例40（一）: bids of different bidders prepared by one person — one author
or last editor, one template, one file id; issue 24 "Collusion report", RULES e: "same file creation
ID", "same author or WPS account").

The body is a tar (the sealing client's PAX tar). :func:`read_documents` walks it from the temporary
file the extraction already wrote, **bounded**, and never loads the body into memory:

* tar headers are read through a guard that refuses any single read over :data:`MAX_HEADER_READ`
  (a pax or GNU long-name header claiming gigabytes is not read into memory: the walk stops there);
* at most :data:`MAX_MEMBERS` headers are walked and :data:`MAX_DOCUMENTS` documents read;
* a regular member over :data:`MAX_DOCUMENT_BYTES` is skipped unread; one whose first bytes are
  neither a PDF header nor a zip's is skipped after :data:`SNIFF_BYTES`;
* the rest is read whole (≤ 50 MiB) and given to :func:`bidding.collusion.doc_metadata.read_metadata`
  (type sniffed from the bytes, never the name; safe against zip bombs and XXE; never raises).

Only PDF, DOCX and XLSX documents are kept, as short strings only (:data:`STORED_FIELDS`: what the
rule compares or shows): ``bids.document_metadata`` holds the JSON list (:func:`to_json`), read back by
:func:`from_json` for :func:`bidding.evaluation.signal_facts.bid_facts`. A body that is not a tar, or
breaks midway, keeps what was read before the break (``None`` when nothing could be walked): reading
metadata never fails the extraction.
"""

from __future__ import annotations

import logging
import re
import tarfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Final, cast

from bidding.collusion.doc_metadata import MAX_TEXT, read_metadata
from bidding.collusion.signals import DocumentMeta

__all__ = [
    "DOCUMENT_KINDS",
    "MAX_DOCUMENTS",
    "MAX_DOCUMENT_BYTES",
    "MAX_HEADER_READ",
    "MAX_MEMBERS",
    "SNIFF_BYTES",
    "STORED_FIELDS",
    "from_json",
    "read_documents",
    "to_json",
]

log = logging.getLogger("bidding.submission")

#: A member larger than this is not read (a document's metadata is not worth reading a video for).
MAX_DOCUMENT_BYTES: Final = 50 * 1024 * 1024
#: The most documents (PDF or zip-looking members) read from one body.
MAX_DOCUMENTS: Final = 200
#: The most tar headers walked in one body (a body of a million tiny files is not walked to its end).
MAX_MEMBERS: Final = 10_000
#: The largest single read tarfile may make while walking headers (pax records, GNU long names).
MAX_HEADER_READ: Final = 1024 * 1024
#: Bytes read to decide whether a member may be a document: PDF 32000-1 §7.5.2 lets the header start
#: anywhere in the first 1 024 bytes; a zip starts with its local file header.
SNIFF_BYTES: Final = 1024
#: The kinds kept: the others carry no metadata the rule reads.
DOCUMENT_KINDS: Final = frozenset({"pdf", "docx", "xlsx"})
#: The fields kept per document besides ``name`` and ``kind``: what the rule compares (author, last
#: editor, template, file id) and shows (the creating application).
STORED_FIELDS: Final = ("author", "last_modified_by", "application", "template", "doc_id")

_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")


class _HeaderTooLarge(Exception):
    """tarfile asked for more than :data:`MAX_HEADER_READ` bytes at once while walking headers."""


class _HeaderGuard:
    """The body file as tarfile sees it: reads, seeks and tells pass through, but one read of more than
    :data:`MAX_HEADER_READ` bytes (tarfile reads a pax or GNU long-name header whole) is refused.
    Member data is never read through it (:func:`_read_member` reads the file directly)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > MAX_HEADER_READ:
            raise _HeaderTooLarge(f"a header read of {size} bytes")
        return self._raw.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()


def _label(name: str) -> str:
    """A member's name as evidence: valid Unicode (a ustar name that is not UTF-8 is read as GB 18030,
    as archives of Chinese Windows tools are), no control characters, at most :data:`MAX_TEXT`."""
    raw = name.encode("utf-8", "surrogateescape")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", "replace")
    return _CONTROL.sub(" ", text).strip()[:MAX_TEXT]


def _may_be_document(head: bytes) -> bool:
    """What :func:`bidding.collusion.doc_metadata.sniff` could take for a PDF or an Office file."""
    return b"%PDF-" in head[:SNIFF_BYTES] or head.startswith(b"PK\x03\x04")


def _read_member(data: IO[bytes], member: tarfile.TarInfo) -> bytes | None:
    """A regular member's bytes, or ``None`` when its first bytes show it is no document; ``EOFError``
    when the tar is cut inside it."""
    data.seek(member.offset_data)
    head = data.read(min(member.size, SNIFF_BYTES))
    if not _may_be_document(head):
        return None
    content = head + data.read(member.size - len(head))
    if len(content) < member.size:  # the tar ends inside this member: a part of a document is none
        raise EOFError(f"{len(content)} of {member.size} bytes")
    return content


def read_documents(
    body: Path,
    *,
    max_members: int = MAX_MEMBERS,
    max_documents: int = MAX_DOCUMENTS,
    max_document_bytes: int = MAX_DOCUMENT_BYTES,
) -> list[DocumentMeta] | None:
    """The PDF, DOCX and XLSX documents of the tar at ``body`` with their metadata, in the tar's
    order, within the bounds of the module doc; ``None`` when ``body`` is not a tar at all. Never
    raises: what could not be read is logged and left out."""
    found: list[DocumentMeta] = []
    read = walked = 0
    opened = False
    with body.open("rb") as headers, body.open("rb") as data:
        try:
            # tarfile reads the first header on opening: a body that is no tar fails here.
            with tarfile.open(
                fileobj=cast(IO[bytes], _HeaderGuard(headers)), mode="r:", encoding="utf-8", errors="surrogateescape"
            ) as tar:
                opened = True
                while walked < max_members and read < max_documents:
                    member = tar.next()
                    if member is None:
                        break
                    walked += 1
                    if not member.isreg() or member.issparse() or member.size > max_document_bytes:
                        continue
                    content = _read_member(data, member)
                    if content is None:
                        continue
                    read += 1
                    meta = read_metadata(_label(member.name), content)
                    if meta.kind in DOCUMENT_KINDS:
                        found.append(meta)
                else:  # a bound reached, not the end of the tar
                    log.info("bid body %s: stopped after %d members and %d documents", body.name, walked, read)
        except (tarfile.TarError, _HeaderTooLarge, OSError, EOFError, ValueError) as exc:
            if not opened:
                log.warning("bid body %s is not a tar, its documents are not read: %s", body.name, exc)
                return None
            # What was read before the break is genuine (the body matched the receipt): kept.
            log.warning(
                "bid body %s breaks after %d members, its later documents are not read: %s", body.name, walked, exc
            )
    return found


def to_json(documents: Sequence[DocumentMeta]) -> list[dict[str, str]]:
    """What ``bids.document_metadata`` holds: per document its name, kind and the
    :data:`STORED_FIELDS` it has (short strings only; the rest of what was read is not kept)."""
    out: list[dict[str, str]] = []
    for document in documents:
        entry = {"name": document.name, "kind": document.kind}
        for field in STORED_FIELDS:
            value = getattr(document, field)
            if isinstance(value, str) and value:
                entry[field] = value
        out.append(entry)
    return out


def from_json(stored: Any) -> tuple[DocumentMeta, ...]:
    """The documents stored by :func:`to_json` (``None``: the body was never read for them); anything
    that is not such an entry is left out."""
    if not isinstance(stored, list):
        return ()
    documents: list[DocumentMeta] = []
    for entry in stored:
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("name"), str)
            or not isinstance(entry.get("kind"), str)
        ):
            continue
        fields = {field: entry[field] for field in STORED_FIELDS if isinstance(entry.get(field), str)}
        documents.append(DocumentMeta(name=entry["name"], kind=entry["kind"], **fields))
    return tuple(documents)
