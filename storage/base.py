"""The storage contract: ObjectStore, ObjectInfo, the error types and shared input checks.

Both backends (local files, S3/MinIO) implement exactly this interface so the rest of the
platform never knows which one it talks to. The checks live here so that both backends
refuse the same inputs with the same errors.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import BinaryIO, ClassVar, Literal, TypeAlias

#: What put() accepts: an async iterable of byte chunks (e.g. an HTTP request body) or a
#: synchronous binary file object (anything with ``read(n)``).
Source: TypeAlias = AsyncIterable[bytes] | BinaryIO

MAX_KEY_LENGTH = 512
MAX_SEGMENT_LENGTH = 200  # a segment is a file name locally: NAME_MAX is 255, minus the sidecar suffix
MAX_PRESIGN_EXPIRY = timedelta(days=7)  # S3's limit; the local backend uses the same
MAX_METADATA_BYTES = 2048  # S3 allows 2 KiB of user metadata per object
DEFAULT_CHUNK_SIZE = 1 << 20

_KEY_SEGMENT = r"[A-Za-z0-9._-]+"
_KEY_RE = re.compile(rf"{_KEY_SEGMENT}(?:/{_KEY_SEGMENT})*")
_META_NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_PRINTABLE_ASCII_RE = re.compile(r"[\x20-\x7e]*")
#: Metadata names the stores use themselves.
RESERVED_METADATA = frozenset({"sha256"})


class StorageError(Exception):
    """Base of every storage error; ``code`` is a stable machine-readable string."""

    code: ClassVar[str] = "storage_error"

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.key = key


class InvalidArgument(StorageError, ValueError):
    """The caller passed something the store cannot accept (also a ValueError)."""

    code = "invalid_argument"


class InvalidKey(InvalidArgument):
    """The object key breaks the key rules (see validate_key)."""

    code = "invalid_key"


class InvalidRange(InvalidArgument):
    """The requested byte range does not lie inside the object."""

    code = "invalid_range"


class ObjectNotFound(StorageError):
    code = "not_found"


class ObjectRetained(StorageError):
    """Delete, overwrite or shortening of retention while the object is under retention."""

    code = "retained"


class ObjectExists(StorageError):
    """put(..., overwrite=False) on a key that already holds an object."""

    code = "exists"


class IntegrityError(StorageError):
    """The content's SHA-256 differs from what the caller expected; nothing was stored."""

    code = "integrity"


class StorageUnavailable(StorageError):
    """The backend is unreachable or misconfigured (not the caller's fault)."""

    code = "unavailable"


class ObjectChanged(StorageError):
    """The object under the key is no longer the one the caller measured (``open(if_match=...)``)."""

    code = "changed"


@dataclass(frozen=True)
class ObjectInfo:
    """What a store knows about one stored object."""

    key: str
    size: int
    sha256: str | None  # lowercase hex; None if the backend does not know it (S3 multipart)
    content_type: str
    last_modified: datetime  # tz-aware UTC
    etag: str | None
    retain_until: datetime | None  # UTC end of retention as stored; see is_retained()
    metadata: Mapping[str, str] = field(hash=False)

    def is_retained(self, now: datetime | None = None) -> bool:
        """True while the retention period has not ended."""
        if self.retain_until is None:
            return False
        return self.retain_until > (now or utcnow())


@dataclass(frozen=True)
class ListedObject:
    """One object as a listing shows it (what both backends know without reading it)."""

    key: str
    size: int
    last_modified: datetime  # tz-aware UTC


@dataclass(frozen=True)
class UploadForm:
    """How a client sends one object of ``size`` bytes straight to the store, as
    :meth:`ObjectStore.presign_upload` signed it, until ``expires_at`` (a request must start by then).

    * ``PUT`` (local store): the body is the object's bytes, sent to ``url`` with ``headers``;
      ``fields`` is empty.
    * ``POST`` (S3's form upload): a ``multipart/form-data`` body to ``url`` holding every one of
      ``fields`` as a form field, then the object as a field named ``file``, last (S3 ignores what
      follows it); ``headers`` is empty. The signed policy binds the key, the content type and the
      exact size, so S3 itself refuses any other.
    """

    method: Literal["PUT", "POST"]
    url: str
    fields: Mapping[str, str]
    headers: Mapping[str, str]
    size: int
    expires_at: datetime  # tz-aware UTC, whole seconds


#: The form field that carries the object in a POST upload (S3 requires this name, and it last).
UPLOAD_FILE_FIELD = "file"


def utcnow() -> datetime:
    return datetime.now(UTC)


def validate_key(key: str) -> str:
    """Refuse keys that could escape a directory, alias another key or break a URL.

    Rules: 1..512 chars of [A-Za-z0-9._/-], no leading or trailing '/', no empty ('//'),
    '.' or '..' segments, segments of at most 200 chars (file names on the local backend).
    The same rules on both backends keep keys portable.
    """
    if not isinstance(key, str):
        raise InvalidKey(f"object key must be a string, not {type(key).__name__}")
    if not key:
        raise InvalidKey("object key is empty")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"object key is {len(key)} characters long; the limit is {MAX_KEY_LENGTH}", key=key)
    if key.startswith("/"):
        raise InvalidKey(f"object key {key!r} starts with '/'", key=key)
    if "//" in key:
        raise InvalidKey(f"object key {key!r} contains an empty segment ('//')", key=key)
    if key.endswith("/"):
        raise InvalidKey(f"object key {key!r} ends with '/'", key=key)
    if not _KEY_RE.fullmatch(key):
        bad = sorted({c for c in key if not (c.isascii() and (c.isalnum() or c in "._-/"))})
        raise InvalidKey(f"object key {key!r} contains characters outside [A-Za-z0-9._/-]: {''.join(bad)!r}", key=key)
    segments = key.split("/")
    if any(segment in (".", "..") for segment in segments):
        raise InvalidKey(f"object key {key!r} contains a '.' or '..' segment", key=key)
    if any(len(segment) > MAX_SEGMENT_LENGTH for segment in segments):
        raise InvalidKey(f"object key {key!r} has a segment longer than {MAX_SEGMENT_LENGTH} characters", key=key)
    return key


def validate_prefix(prefix: str) -> str:
    """A listing prefix: a valid key, or a valid key followed by '/'."""
    validate_key(prefix.removesuffix("/"))
    return prefix


def validate_content_type(content_type: str) -> str:
    if not content_type or len(content_type) > 255 or not _PRINTABLE_ASCII_RE.fullmatch(content_type):
        raise InvalidArgument(f"content type {content_type!r} must be 1..255 printable ASCII characters")
    return content_type


def validate_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    """Normalise user metadata so that both backends store and return the same thing.

    S3 sends metadata as HTTP headers: names are case-insensitive (we lowercase them), values
    must be plain ASCII, and the total is limited to 2 KiB.
    """
    if not metadata:
        return {}
    result: dict[str, str] = {}
    total = 0
    for name, value in metadata.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise InvalidArgument("metadata names and values must be strings")
        lowered = name.lower()
        if not _META_NAME_RE.fullmatch(lowered):
            raise InvalidArgument(f"metadata name {name!r} must be 1..64 chars of [a-z0-9-], starting alphanumeric")
        if lowered in RESERVED_METADATA:
            raise InvalidArgument(f"metadata name {name!r} is reserved for the store")
        if lowered in result:
            raise InvalidArgument(f"metadata name {name!r} is given twice (names are case-insensitive)")
        if not _PRINTABLE_ASCII_RE.fullmatch(value):
            raise InvalidArgument(f"metadata value for {name!r} must be printable ASCII")
        total += len(lowered) + len(value)
        result[lowered] = value
    if total > MAX_METADATA_BYTES:
        raise InvalidArgument(f"metadata is {total} bytes; the limit is {MAX_METADATA_BYTES}")
    return result


def validate_sha256(value: str | None) -> str | None:
    if value is None:
        return None
    lowered = value.lower() if isinstance(value, str) else ""
    if not _SHA256_RE.fullmatch(lowered):
        raise InvalidArgument(f"expected_sha256 {value!r} is not 64 hexadecimal characters")
    return lowered


def normalize_retain_until(until: datetime | None, *, now: datetime | None = None) -> datetime | None:
    """Return ``until`` in UTC, rounded UP to a whole second, or refuse it.

    Whole seconds because S3 stores millisecond precision at best and the two backends must
    read back the same value; rounding up so retention is never shorter than asked.
    """
    if until is None:
        return None
    if not isinstance(until, datetime):
        raise InvalidArgument("retain_until must be a datetime")
    if until.tzinfo is None or until.utcoffset() is None:
        raise InvalidArgument("retain_until must be timezone-aware (use UTC)")
    until = until.astimezone(UTC)
    if until.microsecond:
        until = until.replace(microsecond=0) + timedelta(seconds=1)
    if until <= (now or utcnow()):
        raise InvalidArgument(f"retain_until {until.isoformat()} is not in the future")
    return until


def validate_expiry(expires: timedelta) -> int:
    """Seconds of validity for a presigned URL: 1 s .. 7 days."""
    if not isinstance(expires, timedelta):
        raise InvalidArgument("expires must be a timedelta")
    seconds = math.ceil(expires.total_seconds())
    if seconds < 1 or expires > MAX_PRESIGN_EXPIRY:
        raise InvalidArgument("presigned URL expiry must be between 1 second and 7 days")
    return seconds


def validate_upload_size(size: int, limit: int | None) -> int:
    """The exact size of a presigned upload: 0 .. ``limit`` bytes (no limit if None)."""
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise InvalidArgument("size must be a non-negative integer")
    if limit is not None and size > limit:
        raise InvalidArgument(f"a presigned upload is at most {limit} bytes on this store, not {size}")
    return size


def validate_filename(filename: str | None) -> str | None:
    """A download file name: any printable text, no path separators or control characters."""
    if filename is None:
        return None
    if not isinstance(filename, str) or not filename or len(filename) > 255:
        raise InvalidArgument("filename must be 1..255 characters")
    if any(ord(c) < 0x20 or ord(c) == 0x7F or c in "/\\" for c in filename):
        raise InvalidArgument(f"filename {filename!r} contains a control character or a path separator")
    return filename


def validate_chunk_size(chunk_size: int) -> int:
    if not isinstance(chunk_size, int) or chunk_size <= 0:
        raise InvalidArgument("chunk_size must be a positive integer")
    return chunk_size


def check_range(offset: int, length: int | None, size: int) -> tuple[int, int]:
    """Return (start, count) for a range that must lie entirely inside the object.

    Strict on purpose (no silent truncation as in HTTP): a reader asking past the end has
    a wrong idea of the object, and truncated sealed-bid segments must not look valid.
    """
    if not isinstance(offset, int) or offset < 0:
        raise InvalidRange(f"offset {offset!r} must be a non-negative integer")
    if length is not None and (not isinstance(length, int) or length < 0):
        raise InvalidRange(f"length {length!r} must be a non-negative integer or None")
    if offset > size:
        raise InvalidRange(f"offset {offset} is beyond the end of the object ({size} bytes)")
    count = size - offset if length is None else length
    if offset + count > size:
        raise InvalidRange(f"range {offset}..{offset + count} exceeds the object size ({size} bytes)")
    return offset, count


def validate_put(
    key: str,
    content_type: str,
    metadata: Mapping[str, str] | None,
    retain_until: datetime | None,
    expected_sha256: str | None,
) -> tuple[dict[str, str], datetime | None, str | None]:
    """Check the arguments of :meth:`ObjectStore.put` before a byte is read, for both backends.

    Returns the normalised (metadata, retain_until, expected_sha256).
    """
    validate_key(key)
    validate_content_type(content_type)
    user_metadata = validate_metadata(metadata)
    until = normalize_retain_until(retain_until)
    expected = validate_sha256(expected_sha256)
    return user_metadata, until, expected


class ObjectStore(ABC):
    """Object storage behind one async interface (local files or S3/MinIO)."""

    backend: ClassVar[str]
    #: The largest object :meth:`presign_upload` signs for (None: no limit of its own).
    max_presigned_upload: ClassVar[int | None] = None

    @abstractmethod
    async def put(
        self,
        key: str,
        source: Source,
        *,
        content_type: str = "application/octet-stream",
        metadata: Mapping[str, str] | None = None,
        retain_until: datetime | None = None,
        overwrite: bool = True,
        expected_sha256: str | None = None,
    ) -> ObjectInfo:
        """Store a stream of unknown length atomically, in constant memory.

        Returns the new object's info with ``sha256`` always set. Nothing becomes visible if
        the source raises, the SHA-256 differs from ``expected_sha256`` (IntegrityError), or
        the key is taken (ObjectExists with overwrite=False) or retained (ObjectRetained).
        """

    async def compose(
        self,
        key: str,
        parts: Sequence[tuple[str, str]],
        *,
        sha256: str,
        content_type: str = "application/octet-stream",
        metadata: Mapping[str, str] | None = None,
        retain_until: datetime | None = None,
        overwrite: bool = True,
    ) -> ObjectInfo:
        """Store the concatenation of ``parts`` — ``(key, etag)`` pairs, in order — under ``key``.

        Each part is read only if it is still the object whose ``ObjectInfo.etag`` is given
        (ObjectChanged otherwise, and nothing is stored). ``sha256`` is the concatenation's digest,
        which the caller knows already because it hashed the parts' bytes as they were stored (a
        chunked upload): a backend that can concatenate without reading the bytes (the local store:
        ``copy_file_range`` in the kernel) records it as is, without hashing again — so it must be
        right. This default streams the parts through :meth:`put` with ``expected_sha256``, which
        checks it (IntegrityError, nothing stored).
        """

        async def joined() -> AsyncIterator[bytes]:
            for part, etag in parts:
                async for chunk in self.open(part, if_match=etag):
                    yield chunk

        return await self.put(
            key,
            joined(),
            content_type=content_type,
            metadata=metadata,
            retain_until=retain_until,
            overwrite=overwrite,
            expected_sha256=sha256,
        )

    @abstractmethod
    def open(
        self,
        key: str,
        *,
        offset: int = 0,
        length: int | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        if_match: str | None = None,
    ) -> AsyncIterator[bytes]:
        """Stream the object, or ``length`` bytes from ``offset``, in chunks of at most chunk_size.

        An async generator: ``async for chunk in store.open(key)``. ObjectNotFound and
        InvalidRange are raised at the first iteration, before any data. With ``if_match`` (an
        ``ObjectInfo.etag`` read before) the stream is of that object or of nothing: if the key
        now holds another one, ObjectChanged at the first iteration, before any data.
        """

    @abstractmethod
    async def stat(self, key: str) -> ObjectInfo:
        """Info of the object; ObjectNotFound if absent."""

    @abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the object; ObjectRetained while retained, ObjectNotFound if absent."""

    @abstractmethod
    async def list_objects(self, prefix: str, *, limit: int = 10_000) -> list[ListedObject]:
        """The objects whose key starts with ``prefix`` (at most ``limit``, in no promised order).

        ``prefix`` follows the key rules, except that it may end with '/'. For sweeps of staging
        areas, not for listings shown to people."""

    @abstractmethod
    async def set_retention(self, key: str, until: datetime) -> ObjectInfo:
        """Retain the object until ``until``; retention can only be extended, never shortened."""

    @abstractmethod
    async def presign_get(self, key: str, *, expires: timedelta, filename: str | None = None) -> str:
        """Absolute URL that lets its holder download the object until it expires."""

    @abstractmethod
    async def presign_put(self, key: str, *, expires: timedelta, content_type: str = "application/octet-stream") -> str:
        """Absolute URL that lets its holder upload the object (HTTP PUT) until it expires.

        On S3 the URL binds neither the size nor the content type: for uploads from outside that
        must keep to a size, use :meth:`presign_upload`."""

    @abstractmethod
    async def presign_upload(
        self, key: str, *, size: int, expires: timedelta, content_type: str = "application/octet-stream"
    ) -> UploadForm:
        """How its holder may upload ``key`` (``size`` bytes of ``content_type``) until it expires.

        S3: a POST form whose signed policy binds the key, the content type and the size exactly
        (``content-length-range``): the store refuses anything else, and the form cannot be
        revoked before it expires. Local: the signed PUT URL of :meth:`presign_put`; its route
        judges the size (the platform's route does, for bid uploads)."""

    @abstractmethod
    async def check(self) -> None:
        """Readiness probe: return if usable, else raise StorageUnavailable saying why."""

    @abstractmethod
    async def aclose(self) -> None:
        """Release connections and threads."""

    async def __aenter__(self) -> ObjectStore:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
