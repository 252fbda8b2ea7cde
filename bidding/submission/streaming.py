"""A chunk's bytes go to the store as they arrive, and into the package's verification as they do
(issue 22: uploads at the speed of the disk).

* :class:`ChunkBody` is one chunk's request body on its way to the store: counted (the first byte
  past the upload's chunk size refuses it with :class:`ChunkTooLarge`, and the store then keeps
  nothing of it), fed in order to the upload's :class:`Progress` if this process has it, and stamped
  the moment its last byte is read — the time the deadline judges, before any database work.
* :class:`Progress` is one upload's keyless verification (:class:`crypto.sealed.PackageVerifier`)
  fed with the bytes of its chunks 0 … n−1, with the store's digest and ETag of each chunk as it was
  stored. When the last chunk is in, completion finishes the verification from it instead of
  reading the package again, and has the store concatenate the chunks it names
  (``bidding.submission.service.verify_and_store``).
* :data:`PROGRESS` holds them per upload in this process only: bounded, least recently used first
  out, taken out while a chunk is being received and put back once the chunk is recorded, dropped
  on completion or refusal. Chunks of one upload can reach different app processes (production
  runs several without sticky routing) or arrive after a restart: an upload whose progress is not
  here, or not at the chunk that arrives, is verified by the full pass at completion, as before —
  the incremental path is a shortcut, never a second set of rules.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Final

from bidding.core.clock import Clock
from bidding.submission.progress import Progress
from bidding.submission.service import ChunkTooLarge

__all__ = ["PIECE", "PROGRESS", "RECEIVING", "ChunkBody", "Progresses", "Receiving"]

#: What the body is gathered into before it is hashed and written: the object store's own write
#: size (``storage.base.DEFAULT_CHUNK_SIZE``), so it passes the piece on without copying it again.
PIECE: Final = 1 << 20
#: Uploads whose progress one process keeps at most (each holds two SHA-256 states and the header).
MAX_UPLOADS: Final = 2048
#: Bytes of the chunk's start kept aside (chunk 0 must start with the sealed package's magic).
HEAD: Final = 8
#: The verification's own threads (SHA-256 releases the GIL: CPU work, one a core or so), apart from
#: the default executor where the store writes and fsyncs: a piece's hashing never waits behind
#: another upload's fsync, nor the other way round.
_VERIFIERS: Final = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1), thread_name_prefix="upload-verify")


class Progresses:
    """The uploads' :class:`Progress` in this process, at most ``limit`` (least recently used out)."""

    def __init__(self, limit: int = MAX_UPLOADS) -> None:
        self.limit = limit
        self._items: OrderedDict[uuid.UUID, Progress] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def take(self, upload_id: uuid.UUID, index: int) -> Progress | None:
        """The progress chunk ``index`` continues, taken out while the chunk is received: a fresh one
        for chunk 0; None if this process did not see every chunk before (or another request for
        the upload is being received here) — then completion verifies the whole package."""
        progress = self._items.pop(upload_id, None)
        if index == 0:
            return Progress()
        if progress is None or progress.next_index != index:
            return None
        return progress

    def keep(self, upload_id: uuid.UUID, progress: Progress) -> None:
        """Put ``progress`` back once its chunk is recorded."""
        self._items[upload_id] = progress
        self._items.move_to_end(upload_id)
        while len(self._items) > self.limit:
            self._items.popitem(last=False)

    def pop(self, upload_id: uuid.UUID) -> Progress | None:
        """Take an upload's progress out for good (completion, refusal)."""
        return self._items.pop(upload_id, None)


#: This process's uploads in progress.
PROGRESS: Final = Progresses()


class Receiving:
    """How many chunk bodies this process is reading right now, so that work nobody waits for
    (the PDF receipts, made by the in-process worker on the embedded default) can wait for a
    lull instead of taking CPU from bidders still sending in the last minute."""

    def __init__(self) -> None:
        self.count = 0

    def __enter__(self) -> None:
        self.count += 1

    def __exit__(self, *exc: object) -> None:
        self.count -= 1

    async def lull(self, *, at_most: float, every: float = 0.25) -> None:
        """Return once no chunk is being read, or after ``at_most`` seconds (polled: no loop-bound state)."""
        waited = 0.0
        while self.count and waited < at_most:
            await asyncio.sleep(every)
            waited += every


#: The chunk bodies this process is reading.
RECEIVING: Final = Receiving()


class ChunkBody:
    """One chunk's request body on its way to the store (iterate it once, as ``put``'s source).

    Gathered into pieces of :data:`PIECE` bytes; each piece is verified (``progress``) in one of
    the verification's threads while the store writes it in another (SHA-256 releases the GIL), the
    next piece waiting for both. ``arrived`` is stamped right after the last byte is read.
    """

    def __init__(self, source: AsyncIterator[bytes], *, limit: int, clock: Clock, progress: Progress | None) -> None:
        self._source = source
        self.limit = limit
        self._clock = clock
        self.progress = progress
        self.size = 0
        self.head = b""
        self.arrived: datetime | None = None

    def _too_large(self) -> ChunkTooLarge:
        return ChunkTooLarge(f"chunks are at most {self.limit} bytes", f"分片不得超过 {self.limit} 字节")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        feeding: asyncio.Future[None] | None = None
        pending = bytearray()
        try:
            async for raw in self._source:
                self.size += len(raw)
                if self.size > self.limit:
                    raise self._too_large()
                if len(self.head) < HEAD:
                    self.head += bytes(raw[: HEAD - len(self.head)])
                pending += raw
                if len(pending) < PIECE:
                    continue
                piece, pending = pending, bytearray()
                feeding = await self._feed(feeding, piece)
                yield piece  # type: ignore[misc]  # a bytearray: the store takes any bytes-like
            self.arrived = self._clock.now()  # the last byte is read: this is the time that counts
            if pending:
                feeding = await self._feed(feeding, pending)
                yield pending  # type: ignore[misc]
            if feeding is not None:
                await feeding
        finally:
            if feeding is not None and not feeding.done():
                feeding.cancel()  # the thread finishes its piece; the progress is dropped anyway

    async def _feed(self, previous: asyncio.Future[None] | None, piece: bytearray) -> asyncio.Future[None] | None:
        """Wait for the previous piece's verification, then start this one's (in order)."""
        if self.progress is None:
            return None
        if previous is not None:
            await previous
        return asyncio.get_running_loop().run_in_executor(_VERIFIERS, self.progress.feed, piece)
