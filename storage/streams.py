"""Stream helpers: re-chunk sources, hash on the way, and bridge async sources to blocking readers.

put() receives either an async iterable (an HTTP body) or a blocking file object, of unknown
length. The local backend consumes it asynchronously (iter_source); minio's put_object wants a
blocking ``read(n)`` in a worker thread (SourceReader). Both hash the bytes exactly once, as
they pass, so the SHA-256 costs no second read.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import io
import threading
from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import TYPE_CHECKING, BinaryIO, TypeVar

from .base import DEFAULT_CHUNK_SIZE, IntegrityError, Source, StorageError

if TYPE_CHECKING:
    from .base import ObjectStore

BytesLike = bytes | bytearray | memoryview
T = TypeVar("T")


async def run_in_thread(fn: Callable[..., T], *args: object, discard: Callable[[T], object] | None = None) -> T:
    """asyncio.to_thread, but a cancelled caller waits for the blocking call to finish.

    A thread cannot be interrupted; letting the caller clean up (close an fd, unlink a temp
    file) while the thread still uses that resource would race. ``discard`` releases the
    result of a call that completed after its caller was cancelled.
    """
    future = asyncio.ensure_future(asyncio.to_thread(fn, *args))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        await asyncio.wait({future})
        if discard is not None and not future.cancelled() and future.exception() is None:
            discard(future.result())
        raise


class UploadCancelled(StorageError):
    """The put() that owned this reader was cancelled; the upload must be aborted."""

    code = "cancelled"


def is_async_source(source: object) -> bool:
    return hasattr(source, "__aiter__")


def check_source(source: object) -> None:
    """Fail early and clearly on sources put() cannot read (e.g. plain bytes)."""
    if is_async_source(source):
        return
    if callable(getattr(source, "read", None)):
        return
    hint = " (wrap bytes in io.BytesIO)" if isinstance(source, (bytes, bytearray, memoryview)) else ""
    raise TypeError(f"put() source must be an async iterable of bytes or a binary file object{hint}")


def _as_bytes_like(chunk: object) -> BytesLike:
    if isinstance(chunk, (bytes, bytearray, memoryview)):
        return chunk
    raise TypeError(f"source yielded {type(chunk).__name__}, expected bytes")


async def iter_source(source: Source, chunk_size: int = DEFAULT_CHUNK_SIZE) -> AsyncIterator[BytesLike]:
    """Yield the source's bytes in chunks of about ``chunk_size`` (last one shorter).

    Small chunks from an async source are coalesced so that each worker-thread hop moves a
    useful amount; large chunks pass through untouched. Blocking file reads run in a thread.
    """
    check_source(source)
    if is_async_source(source):
        pending = bytearray()
        async for raw in source:  # type: ignore[union-attr]
            chunk = _as_bytes_like(raw)
            if not pending and len(chunk) >= chunk_size:
                yield chunk
                continue
            pending += chunk
            if len(pending) >= chunk_size:
                yield pending
                pending = bytearray()
        if pending:
            yield pending
        return
    reader: BinaryIO = source  # type: ignore[assignment]
    while True:
        data = await asyncio.to_thread(reader.read, chunk_size)
        if data is None:
            raise TypeError("source.read() returned None (non-blocking file objects are not supported)")
        if not data:
            return
        yield _as_bytes_like(data)


class SourceReader:
    """Blocking file-like view of a source for code that calls ``read(n)`` in a worker thread.

    read(n) returns exactly n bytes until the end of the source so that minio never has to
    concatenate (its loop copies on every short read). The SHA-256 and size accumulate as
    chunks arrive; at end of stream ``expected_sha256`` is checked and IntegrityError raised
    from read() — inside minio's put_object, which then aborts the multipart upload, so a
    mismatching object never becomes visible.
    """

    def __init__(self, *, expected_sha256: str | None = None) -> None:
        self._hasher = hashlib.sha256()
        self._expected = expected_sha256
        self.size = 0
        self.eof = False
        self._buf: bytes = b""
        self._pos = 0
        self._lock = threading.Lock()
        self._cancelled = False
        self.source_error: BaseException | None = None

    @property
    def sha256(self) -> str:
        return self._hasher.hexdigest()

    def cancel(self) -> None:
        """Make the next read() raise UploadCancelled (called from the event loop thread)."""
        with self._lock:
            self._cancelled = True
        self._interrupt()

    def _interrupt(self) -> None:
        """Wake a read() blocked on the source, if the source supports that."""

    def _next_chunk(self) -> BytesLike | None:
        """The next chunk of the source, None at its end. Runs in the worker thread."""
        raise NotImplementedError

    def _pull(self) -> bool:
        with self._lock:
            if self._cancelled:
                raise UploadCancelled("upload cancelled")
        try:
            chunk = self._next_chunk()
        except UploadCancelled:
            raise
        except BaseException as exc:
            self.source_error = exc  # lets the caller tell the source's failure from the backend's
            raise
        if chunk is None:
            self._finish()
            return False
        self._hasher.update(chunk)
        self.size += len(chunk)
        self._buf = chunk if isinstance(chunk, bytes) else bytes(chunk)
        self._pos = 0
        return True

    def _finish(self) -> None:
        self.eof = True
        if self._expected is not None and self.sha256 != self._expected:
            raise IntegrityError(f"content SHA-256 is {self.sha256}, expected {self._expected}; nothing was stored")

    def read(self, n: int = -1) -> bytes:
        if n == 0:
            return b""
        limit = n if n > 0 else None
        out: io.BytesIO | None = None
        first: bytes | None = None
        got = 0
        while limit is None or got < limit:
            if self._pos >= len(self._buf):
                if self.eof or not self._pull():
                    break
                continue
            avail = len(self._buf) - self._pos
            take = avail if limit is None else min(avail, limit - got)
            whole = self._pos == 0 and take == len(self._buf)
            piece = self._buf if whole else self._buf[self._pos : self._pos + take]  # whole: no copy
            self._pos += take
            got += take
            if first is None:
                first = piece
            else:
                if out is None:
                    out = io.BytesIO()
                    out.write(first)
                out.write(piece)
        if out is not None:
            return out.getvalue()  # no copy: BytesIO hands over its buffer
        return first if first is not None else b""

    def at_end(self) -> bool:
        """True if nothing is left (may pull the next chunk to find out)."""
        while self._pos >= len(self._buf):
            if self.eof or not self._pull():
                return True
        return False

    def read_to_end(self) -> None:
        """Consume the rest (used to validate the stream when nothing more is needed)."""
        while not self.eof and self._pull():
            self._pos = len(self._buf)


class FileSourceReader(SourceReader):
    """SourceReader over a blocking binary file object."""

    def __init__(self, raw: BinaryIO, *, expected_sha256: str | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE):
        super().__init__(expected_sha256=expected_sha256)
        self._raw = raw
        self._chunk_size = chunk_size

    def _next_chunk(self) -> BytesLike | None:
        data = self._raw.read(self._chunk_size)
        if data is None:
            raise TypeError("source.read() returned None (non-blocking file objects are not supported)")
        if not data:
            return None
        return _as_bytes_like(data)


class AsyncSourceReader(SourceReader):
    """SourceReader that pulls an async iterable running on ``loop`` from a worker thread.

    Pull-based, so memory is bounded by what the consumer asks for: the thread asks the loop
    for about ``chunk_size`` bytes at a time and blocks until they arrive.
    """

    def __init__(
        self,
        source: AsyncIterable[bytes],
        loop: asyncio.AbstractEventLoop,
        *,
        expected_sha256: str | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> None:
        super().__init__(expected_sha256=expected_sha256)
        self._iter = source.__aiter__()
        self._loop = loop
        self._chunk_size = chunk_size
        self._pending: concurrent.futures.Future[BytesLike | None] | None = None
        self._exhausted = False

    async def _gather(self) -> BytesLike | None:
        if self._exhausted:
            return None
        pending = bytearray()
        while len(pending) < self._chunk_size:
            try:
                raw = await self._iter.__anext__()
            except StopAsyncIteration:
                self._exhausted = True
                break
            chunk = _as_bytes_like(raw)
            if not pending and len(chunk) >= self._chunk_size:
                return chunk
            pending += chunk
        return pending if pending else None

    def _next_chunk(self) -> BytesLike | None:
        with self._lock:
            if self._cancelled:
                raise UploadCancelled("upload cancelled")
            future = asyncio.run_coroutine_threadsafe(self._gather(), self._loop)
            self._pending = future
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            raise UploadCancelled("upload cancelled") from None
        finally:
            with self._lock:
                self._pending = None

    def _interrupt(self) -> None:
        with self._lock:
            if self._pending is not None:
                self._pending.cancel()


async def hash_object(store: ObjectStore, key: str) -> tuple[str, int]:
    """(sha256 hex, size) of a stored object, streamed; e.g. to check a presigned upload."""
    hasher = hashlib.sha256()
    size = 0
    async for chunk in store.open(key):
        hasher.update(chunk)
        size += len(chunk)
    return hasher.hexdigest(), size


async def read_bytes(store: ObjectStore, key: str, *, offset: int = 0, length: int | None = None) -> bytes:
    """Whole object (or range) in memory: for small objects only."""
    out = bytearray()
    async for chunk in store.open(key, offset=offset, length=length):
        out += chunk
    return bytes(out)
