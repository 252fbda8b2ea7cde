"""LocalObjectStore: objects as plain files under one directory (the embedded default).

Layout under ``root``::

    objects/<key>           the bytes, exactly as stored
    meta/<key>~meta.json    sidecar: sha256, size, content type, metadata, retention, created
    .tmp/                   uploads in progress (same filesystem, so rename is atomic)
    .locks/00..ff           flock stripes serialising commits per key (across processes too)

Atomicity: data is streamed to ``.tmp``, fsynced, then under the key's lock the sidecar is
written (tmp + fsync + rename) and the data renamed over ``objects/<key>``. The sidecar names
the data file it describes (inode, size, mtime), so a reader that catches the instant between
the two renames notices the mismatch and re-reads under the lock: it never sees data with the
wrong metadata. The '~' in the sidecar name cannot occur in a key, so no key collides with it.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import hashlib
import json
import os
import stat as stat_mod
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from . import signing
from .base import (
    DEFAULT_CHUNK_SIZE,
    IntegrityError,
    InvalidKey,
    ListedObject,
    ObjectChanged,
    ObjectExists,
    ObjectInfo,
    ObjectNotFound,
    ObjectRetained,
    ObjectStore,
    Source,
    StorageError,
    StorageUnavailable,
    UploadForm,
    check_range,
    normalize_retain_until,
    utcnow,
    validate_chunk_size,
    validate_content_type,
    validate_expiry,
    validate_filename,
    validate_key,
    validate_prefix,
    validate_put,
    validate_upload_size,
)
from .streams import check_source, is_async_source, iter_source, run_in_thread

META_SUFFIX = "~meta.json"
_LOCK_STRIPES = 256


def _disk_error(exc: OSError, what: str) -> StorageUnavailable:
    return StorageUnavailable(f"{what}: {exc.strerror or exc}")


class _TempWriter:
    """A temp file being filled, hashed as it is written; removed unless committed.

    Its own disk errors become StorageUnavailable; errors of the source pass through as is.
    """

    def __init__(self, directory: Path) -> None:
        try:
            fd, name = tempfile.mkstemp(dir=directory, prefix="put-", suffix=".part")
        except OSError as exc:
            raise _disk_error(exc, f"cannot create a temp file in {directory}") from exc
        self.fd: int | None = fd
        self.path = Path(name)
        self.size = 0
        self._hasher = hashlib.sha256()
        self.file_id = ""

    @property
    def sha256(self) -> str:
        return self._hasher.hexdigest()

    def write(self, chunk: bytes | bytearray | memoryview) -> None:
        assert self.fd is not None
        self._hasher.update(chunk)
        view = memoryview(chunk)
        try:
            while view:
                written = os.write(self.fd, view)
                view = view[written:]
        except OSError as exc:
            raise _disk_error(exc, f"cannot write {self.path}") from exc
        self.size += len(chunk)

    def copy_from(self, raw: BinaryIO, chunk_size: int) -> int:
        data = raw.read(chunk_size)
        if data is None:
            raise TypeError("source.read() returned None (non-blocking file objects are not supported)")
        if data:
            self.write(data)
        return len(data)

    def finish(self) -> None:
        """Flush to disk and remember which file this is (for the sidecar)."""
        assert self.fd is not None
        try:
            os.fsync(self.fd)
        except OSError as exc:
            raise _disk_error(exc, f"cannot flush {self.path}") from exc
        st = os.fstat(self.fd)
        self.file_id = _file_id(st)
        os.close(self.fd)
        self.fd = None

    def discard(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        with suppress(FileNotFoundError):
            os.unlink(self.path)


def _file_id(st: os.stat_result) -> str:
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(UTC).isoformat()


def _parse_iso(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).astimezone(UTC)


class LocalObjectStore(ObjectStore):
    """Objects as files under ``root``; signed URLs served by the app's /api/storage route."""

    backend = "local"

    def __init__(self, root: Path | str, *, signing_key: bytes, base_url: str) -> None:
        if not isinstance(signing_key, (bytes, bytearray)) or len(signing_key) < 16:
            raise ValueError("signing_key must be at least 16 bytes")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"base_url {base_url!r} must be an absolute http(s) URL without query")
        self.root = Path(root).expanduser().resolve()
        self.base_url = base_url.rstrip("/")
        self._signing_key = bytes(signing_key)
        self._objects = self.root / "objects"
        self._meta = self.root / "meta"
        self._tmp = self.root / ".tmp"
        self._locks = self.root / ".locks"
        for directory in (self._objects, self._meta, self._tmp, self._locks):
            directory.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"LocalObjectStore({str(self.root)!r})"

    # -- paths and locks -------------------------------------------------------------------

    def _data_path(self, key: str) -> Path:
        return self._objects / key

    def _meta_path(self, key: str) -> Path:
        return self._meta / (key + META_SUFFIX)

    @contextmanager
    def _key_lock(self, key: str) -> Iterator[None]:
        stripe = hashlib.sha256(key.encode()).digest()[0] % _LOCK_STRIPES
        fd = os.open(self._locks / f"{stripe:02x}", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    # -- sidecar ---------------------------------------------------------------------------

    def _read_record(self, key: str) -> dict[str, Any]:
        try:
            with open(self._meta_path(key), "rb") as f:
                record: dict[str, Any] = json.loads(f.read())
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise ObjectNotFound(f"no object {key!r}", key=key) from None
        return record

    def _data_file_id(self, key: str) -> str | None:
        try:
            st = os.stat(self._data_path(key))
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not stat_mod.S_ISREG(st.st_mode):
            return None
        return _file_id(st)

    def _read_info(self, key: str, *, locked: bool = False, repairing: bool = False) -> ObjectInfo:
        """Sidecar + data check; on a mismatch wait for the writer (take the lock) and retry.

        A mismatch that persists under the lock means a crash between the two renames of a
        commit (or tampering): readers get an error, while writers (``repairing``) may replace
        or delete the object if the sidecar's retention allows it.
        """
        record = self._read_record(key)
        data_id = self._data_file_id(key)
        if data_id is None:
            raise ObjectNotFound(f"no object {key!r}", key=key)
        if data_id != record.get("file_id"):
            if not locked:
                with self._key_lock(key):
                    return self._read_info(key, locked=True, repairing=repairing)
            if not repairing:
                raise StorageError(f"object {key!r}: metadata does not match the data file", key=key)
        return self._info(key, record)

    @staticmethod
    def _info(key: str, record: Mapping[str, Any]) -> ObjectInfo:
        created = _parse_iso(record["created"])
        assert created is not None
        return ObjectInfo(
            key=key,
            size=int(record["size"]),
            sha256=record["sha256"],
            content_type=record["content_type"],
            last_modified=created,
            etag=record["sha256"],
            retain_until=_parse_iso(record.get("retain_until")),
            metadata=dict(record.get("metadata") or {}),
        )

    def _write_record(self, key: str, record: Mapping[str, Any]) -> None:
        path = self._meta_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._tmp, prefix="meta-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(json.dumps(record, sort_keys=True).encode())
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        _fsync_dir(path.parent)

    # -- blocking parts (run in threads) ---------------------------------------------------

    def _refuse_overwrite(self, key: str, overwrite: bool, *, locked: bool) -> None:
        """ObjectExists / ObjectRetained / InvalidKey if ``key`` cannot be written now."""
        data = self._data_path(key)
        if data.is_dir():
            raise InvalidKey(f"object key {key!r} is a prefix of other keys (not storable locally)", key=key)
        for parent in data.parents:
            if parent == self._objects:
                break
            if parent.exists() and not parent.is_dir():
                raise InvalidKey(
                    f"object key {key!r} lies under the object {parent.relative_to(self._objects)!s}"
                    " (not storable locally)",
                    key=key,
                )
        try:
            info = self._read_info(key, locked=locked, repairing=True)
        except ObjectNotFound:
            return
        if not overwrite:
            raise ObjectExists(f"object {key!r} already exists", key=key)
        if info.is_retained():
            assert info.retain_until is not None
            raise ObjectRetained(
                f"object {key!r} is retained until {info.retain_until.isoformat()}; it cannot be overwritten",
                key=key,
            )

    def _commit(self, key: str, writer: _TempWriter, record: dict[str, Any], overwrite: bool) -> ObjectInfo:
        with self._key_lock(key):
            self._refuse_overwrite(key, overwrite, locked=True)
            data = self._data_path(key)
            data.parent.mkdir(parents=True, exist_ok=True)
            try:
                previous = self._read_record(key)
            except ObjectNotFound:
                previous = None
            self._write_record(key, record)
            try:
                os.replace(writer.path, data)
            except BaseException:
                if previous is not None:
                    self._write_record(key, previous)
                else:
                    self._meta_path(key).unlink(missing_ok=True)
                raise
            _fsync_dir(data.parent)
            return self._info(key, record)

    def _concatenate(self, parts: Sequence[tuple[str, str]], writer: _TempWriter) -> None:
        """Copy each part (if still the object its etag names) to the end of ``writer``'s file, in
        the kernel where it can (``copy_file_range``: no bytes through Python, a reflink on file
        systems that share extents); then flush it."""
        assert writer.fd is not None
        for part, etag in parts:
            validate_key(part)
            fd, size = self._open_matching(part, etag)
            try:
                position = 0
                while position < size:
                    try:
                        copied = os.copy_file_range(fd, writer.fd, size - position, position)
                    except OSError as exc:
                        if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
                            raise _disk_error(exc, f"cannot copy {part!r}") from exc
                        copied = self._copy_by_reading(fd, writer.fd, position, size - position)
                    if copied == 0:
                        raise StorageError(f"object {part!r} ended early at byte {position}", key=part)
                    position += copied
                writer.size += size
            finally:
                os.close(fd)
        writer.finish()

    @staticmethod
    def _copy_by_reading(source: int, target: int, position: int, count: int) -> int:
        data = os.pread(source, min(count, DEFAULT_CHUNK_SIZE), position)
        view = memoryview(data)
        while view:
            view = view[os.write(target, view) :]
        return len(data)

    def _delete(self, key: str) -> None:
        with self._key_lock(key):
            info = self._read_info(key, locked=True, repairing=True)
            if info.is_retained():
                assert info.retain_until is not None
                raise ObjectRetained(f"object {key!r} is retained until {info.retain_until.isoformat()}", key=key)
            data = self._data_path(key)
            data.unlink()  # data first: a reader never finds data without its sidecar
            self._meta_path(key).unlink(missing_ok=True)
            _fsync_dir(data.parent)

    def _set_retention(self, key: str, until: datetime) -> ObjectInfo:
        with self._key_lock(key):
            info = self._read_info(key, locked=True)
            if info.retain_until is not None and until < info.retain_until:
                raise ObjectRetained(
                    f"object {key!r} is retained until {info.retain_until.isoformat()}; retention can only be extended",
                    key=key,
                )
            record = self._read_record(key)
            record["retain_until"] = _iso(until)
            self._write_record(key, record)
            return self._info(key, record)

    def _open_data(self, key: str) -> tuple[int, int]:
        try:
            fd = os.open(self._data_path(key), os.O_RDONLY | os.O_CLOEXEC)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise ObjectNotFound(f"no object {key!r}", key=key) from None
        st = os.fstat(fd)
        if not stat_mod.S_ISREG(st.st_mode):
            os.close(fd)
            raise ObjectNotFound(f"no object {key!r}", key=key)
        return fd, st.st_size

    def _open_matching(self, key: str, if_match: str) -> tuple[int, int]:
        """Open the data file, and only if it is the object whose etag is ``if_match``."""
        fd, size = self._open_data(key)
        try:
            opened = _file_id(os.fstat(fd))
            record = self._read_record(key)
            if record.get("file_id") != opened:  # a commit in progress: let it finish
                with self._key_lock(key):
                    record = self._read_record(key)
            if record.get("file_id") != opened or record.get("sha256") != if_match:
                raise ObjectChanged(f"object {key!r} is not the one measured before (ETag {if_match})", key=key)
        except BaseException:
            os.close(fd)
            raise
        return fd, size

    def _probe(self) -> None:
        for directory in (self._objects, self._meta, self._tmp, self._locks):
            if not directory.is_dir():
                raise StorageUnavailable(f"local store directory {directory} is missing")
        try:
            fd, name = tempfile.mkstemp(dir=self._tmp, prefix="probe-")
            try:
                os.write(fd, b"probe")
                os.fsync(fd)
            finally:
                os.close(fd)
                os.unlink(name)
        except OSError as exc:
            raise StorageUnavailable(f"local store {self.root} is not writable: {exc.strerror or exc}") from exc

    # -- the interface ---------------------------------------------------------------------

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
        user_metadata, until, expected = validate_put(key, content_type, metadata, retain_until, expected_sha256)
        check_source(source)
        await asyncio.to_thread(self._refuse_overwrite, key, overwrite, locked=False)  # fail before streaming

        writer = _TempWriter(self._tmp)  # one mkstemp: cheap, and never lost to a cancellation
        try:
            if is_async_source(source):
                async for chunk in iter_source(source, DEFAULT_CHUNK_SIZE):
                    await run_in_thread(writer.write, chunk)
            else:
                raw: BinaryIO = source  # type: ignore[assignment]
                while await run_in_thread(writer.copy_from, raw, DEFAULT_CHUNK_SIZE):
                    pass
            await run_in_thread(writer.finish)
            if expected is not None and writer.sha256 != expected:
                raise IntegrityError(
                    f"content SHA-256 is {writer.sha256}, expected {expected}; nothing was stored", key=key
                )
            return await self._store_written(key, writer, writer.sha256, content_type, user_metadata, until, overwrite)
        except BaseException:
            writer.discard()  # synchronous on purpose: must run even when cancelled
            raise

    async def _store_written(
        self,
        key: str,
        writer: _TempWriter,
        sha256: str,
        content_type: str,
        user_metadata: dict[str, str],
        until: datetime | None,
        overwrite: bool,
    ) -> ObjectInfo:
        """Commit the temp file ``writer`` wrote as ``key``, with its record (``put`` and ``compose``)."""
        record: dict[str, Any] = {
            "format": 1,
            "key": key,
            "sha256": sha256,
            "size": writer.size,
            "content_type": content_type,
            "metadata": user_metadata,
            "retain_until": _iso(until),
            "created": _iso(utcnow()),
            "file_id": writer.file_id,
        }
        try:
            return await run_in_thread(self._commit, key, writer, record, overwrite)
        except OSError as exc:
            raise _disk_error(exc, f"cannot store {key!r} under {self.root}") from exc

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
        """The parts concatenated in the kernel and committed like :meth:`put`'s temp file; the
        caller's ``sha256`` is recorded without reading the bytes again (see the base class)."""
        user_metadata, until, expected = validate_put(key, content_type, metadata, retain_until, sha256)
        assert expected is not None
        await asyncio.to_thread(self._refuse_overwrite, key, overwrite, locked=False)  # fail before copying
        writer = _TempWriter(self._tmp)
        try:
            await run_in_thread(self._concatenate, list(parts), writer)
            return await self._store_written(key, writer, expected, content_type, user_metadata, until, overwrite)
        except BaseException:
            writer.discard()  # synchronous on purpose: must run even when cancelled
            raise

    async def open(
        self,
        key: str,
        *,
        offset: int = 0,
        length: int | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        if_match: str | None = None,
    ) -> AsyncIterator[bytes]:
        validate_key(key)
        validate_chunk_size(chunk_size)
        opening = partial(self._open_data, key) if if_match is None else partial(self._open_matching, key, if_match)
        fd, size = await run_in_thread(opening, discard=lambda opened: os.close(opened[0]))
        try:
            start, count = check_range(offset, length, size)
            position, end = start, start + count
            while position < end:
                data = await run_in_thread(os.pread, fd, min(chunk_size, end - position), position)
                if not data:
                    raise StorageError(f"object {key!r} ended early at byte {position}", key=key)
                position += len(data)
                yield data
        finally:
            os.close(fd)

    async def stat(self, key: str) -> ObjectInfo:
        validate_key(key)
        return await asyncio.to_thread(self._read_info, key)

    async def exists(self, key: str) -> bool:
        try:
            await self.stat(key)
        except ObjectNotFound:
            return False
        return True

    async def delete(self, key: str) -> None:
        validate_key(key)
        await asyncio.to_thread(self._delete, key)

    def _list(self, prefix: str, limit: int) -> list[ListedObject]:
        # Walk only the directory the prefix names (or the one holding its last, partial segment).
        directory, _, _ = prefix.rpartition("/")
        top = self._objects / directory if directory else self._objects
        found: list[ListedObject] = []
        for path in sorted(top.rglob("*")) if top.is_dir() else []:
            key = path.relative_to(self._objects).as_posix()
            if not key.startswith(prefix) or not path.is_file():
                continue
            try:
                record = self._read_record(key)
            except ObjectNotFound:  # a data file whose commit is under way, or removed meanwhile
                continue
            created = _parse_iso(record.get("created"))
            if created is None:
                continue
            found.append(ListedObject(key, int(record["size"]), created))
            if len(found) >= limit:
                break
        return found

    async def list_objects(self, prefix: str, *, limit: int = 10_000) -> list[ListedObject]:
        validate_prefix(prefix)
        return await asyncio.to_thread(self._list, prefix, limit)

    async def set_retention(self, key: str, until: datetime) -> ObjectInfo:
        validate_key(key)
        normalized = normalize_retain_until(until)
        assert normalized is not None
        return await asyncio.to_thread(self._set_retention, key, normalized)

    def _expires_at(self, expires: timedelta) -> int:
        return int(time.time()) + validate_expiry(expires)

    async def presign_get(self, key: str, *, expires: timedelta, filename: str | None = None) -> str:
        validate_key(key)
        params = signing.sign(
            self._signing_key,
            op="GET",
            key=key,
            expires_at=self._expires_at(expires),
            filename=validate_filename(filename),
        )
        return signing.signed_url(self.base_url, key, params)

    async def presign_put(self, key: str, *, expires: timedelta, content_type: str = "application/octet-stream") -> str:
        validate_key(key)
        params = signing.sign(
            self._signing_key,
            op="PUT",
            key=key,
            expires_at=self._expires_at(expires),
            content_type=validate_content_type(content_type),
        )
        return signing.signed_url(self.base_url, key, params)

    async def presign_upload(
        self, key: str, *, size: int, expires: timedelta, content_type: str = "application/octet-stream"
    ) -> UploadForm:
        """The signed PUT URL of :meth:`presign_put`. The URL does not carry the size: the route
        serving it judges it (the platform's does for a bid upload's staging object)."""
        validate_key(key)
        validate_upload_size(size, self.max_presigned_upload)
        expires_at = self._expires_at(expires)
        params = signing.sign(
            self._signing_key,
            op="PUT",
            key=key,
            expires_at=expires_at,
            content_type=validate_content_type(content_type),
        )
        return UploadForm(
            method="PUT",
            url=signing.signed_url(self.base_url, key, params),
            fields={},
            headers={"Content-Type": content_type},
            size=size,
            expires_at=datetime.fromtimestamp(expires_at, UTC),
        )

    def verify_signed_request(self, op: str, key: str, query: Mapping[str, str]) -> None:
        """Check a request to the storage route; raises InvalidKey/SignatureInvalid/SignatureExpired.

        After this returns, query[PARAM_CONTENT_TYPE] (PUT) and query.get(PARAM_FILENAME)
        (GET) are authentic: the route should require that content type on upload and use
        signing.content_disposition(filename) on download.
        """
        validate_key(key)
        signing.verify(self._signing_key, op=op, key=key, query=query, now=utcnow())

    async def check(self) -> None:
        await asyncio.to_thread(self._probe)

    async def aclose(self) -> None:
        return None
