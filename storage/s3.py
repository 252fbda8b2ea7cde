"""S3ObjectStore: MinIO or any S3 service through the (synchronous) minio client.

Every minio call runs in a worker thread. Uploads stream: the source is read in the upload
thread as minio asks for each part (SourceReader), so memory stays near 3 x part_size
(minio copies each part once while cutting it) whatever the object size. Retention uses
S3 object lock in COMPLIANCE mode, so even the bucket owner cannot shorten or remove it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import logging
import os
import re
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlsplit

import urllib3
from minio import Minio
from minio.commonconfig import COMPLIANCE
from minio.datatypes import Part, PostPolicy
from minio.error import InvalidResponseError, S3Error, ServerError
from minio.helpers import genheaders
from minio.retention import Retention
from urllib3.util import Retry, Timeout

from .base import (
    DEFAULT_CHUNK_SIZE,
    InvalidRange,
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
from .signing import content_disposition
from .streams import (
    AsyncSourceReader,
    FileSourceReader,
    SourceReader,
    check_source,
    is_async_source,
    run_in_thread,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

MIN_PART_SIZE = 5 * 1024 * 1024  # S3's minimum for every part but the last
MAX_PART_SIZE = 5 * 1024 * 1024 * 1024
DEFAULT_PART_SIZE = 16 * 1024 * 1024
MAX_PARTS = 10_000
MAX_POST_SIZE = 5 * 1024 * 1024 * 1024  # S3's limit for an object uploaded in one POST (or PUT)
# minio-py keeps its multipart calls private; minio==7.2.* is pinned, and this guard makes an
# upgrade that renames them fail at start-up instead of at the first big upload.
_MINIO_MULTIPART = (
    "_create_multipart_upload",
    "_upload_part",
    "_complete_multipart_upload",
    "_abort_multipart_upload",
)

_BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_HOST_PORT_RE = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_NOT_FOUND = frozenset({"NoSuchKey", "NoSuchVersion", "NoSuchObject", "ResourceNotFound"})
_ACCESS = frozenset(
    {
        "AccessDenied",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "AllAccessDisabled",
        "ExpiredToken",
        "InvalidToken",
        "AuthorizationHeaderMalformed",
        "RequestTimeTooSkewed",
    }
)
_BUSY = frozenset({"SlowDown", "ServiceUnavailable", "InternalError", "XMinioServerNotInitialized"})
_META_PREFIX = "x-amz-meta-"


def _release(response: urllib3.BaseHTTPResponse) -> None:
    response.close()
    response.release_conn()


def _version(version_id: str | None) -> str | None:
    return version_id if version_id not in (None, "", "null") else None


def _check_host_port(value: str, what: str) -> str:
    if "://" in value or "/" in value or not _HOST_PORT_RE.fullmatch(value):
        raise ValueError(f"{what} {value!r} must be host[:port] (the scheme comes from 'secure')")
    return value


def _parse_retain_until(headers: Mapping[str, str]) -> datetime | None:
    if not headers.get("x-amz-object-lock-mode"):
        return None
    raw = headers.get("x-amz-object-lock-retain-until-date")
    if not raw:
        return None
    return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC)


class S3ObjectStore(ObjectStore):
    """Objects in one S3/MinIO bucket (create it with object lock: see ensure_bucket)."""

    backend = "s3"
    max_presigned_upload = MAX_POST_SIZE

    def __init__(
        self,
        *,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        secure: bool,
        region: str | None,
        part_size: int = DEFAULT_PART_SIZE,
        public_endpoint: str | None = None,
        max_concurrent_uploads: int = 16,
    ) -> None:
        self.endpoint = _check_host_port(endpoint, "endpoint")
        if not _BUCKET_RE.fullmatch(bucket) or ".." in bucket:
            raise ValueError(f"bucket name {bucket!r} is not a valid S3 bucket name (3-63 of [a-z0-9.-])")
        if not access_key or not secret_key:
            raise ValueError("S3 access key and secret key are required")
        if not MIN_PART_SIZE <= part_size <= MAX_PART_SIZE:
            raise ValueError(f"part_size must be between 5 MiB and 5 GiB, not {part_size}")
        missing = [name for name in _MINIO_MULTIPART if not callable(getattr(Minio, name, None))]
        if missing:
            raise RuntimeError(f"this minio version lacks {', '.join(missing)}: install minio==7.2.*")
        self.bucket = bucket
        self.secure = secure
        self.region = region
        self.part_size = part_size
        ca_certs = os.environ.get("SSL_CERT_FILE")  # else the system's trust store
        self._http = urllib3.PoolManager(
            timeout=Timeout(connect=10, read=300),
            maxsize=max(10, max_concurrent_uploads * 2),
            cert_reqs="CERT_REQUIRED",
            ca_certs=ca_certs,
            retries=Retry(total=5, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
        )
        self._probe_http = urllib3.PoolManager(
            timeout=Timeout(connect=3, read=5),
            maxsize=1,
            cert_reqs="CERT_REQUIRED",
            ca_certs=ca_certs,
            retries=False,
        )
        self._client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=self._http,
        )
        self._probe_client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=self._probe_http,
        )
        self.public_endpoint = public_endpoint
        self._presign_client = self._client
        self._presign_base = f"{'https' if secure else 'http'}://{endpoint}"
        if public_endpoint:
            host, public_secure = self._parse_public_endpoint(public_endpoint, secure)
            self._presign_base = f"{'https' if public_secure else 'http'}://{host}"
            # Signing needs the region; without it minio would ask the (maybe unreachable)
            # public host. MinIO's default region is us-east-1.
            self._presign_client = Minio(
                host,
                access_key=access_key,
                secret_key=secret_key,
                secure=public_secure,
                region=region or "us-east-1",
            )
        # Long uploads get their own threads: they wait on the event loop for source data,
        # and must never starve the default executor that the loop's other work relies on.
        self._uploads = ThreadPoolExecutor(max_workers=max_concurrent_uploads, thread_name_prefix="s3-upload")

    @staticmethod
    def _parse_public_endpoint(value: str, secure: bool) -> tuple[str, bool]:
        if "://" in value:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
                raise ValueError(f"public_endpoint {value!r} must be http(s)://host[:port] without a path")
            return _check_host_port(parts.netloc, "public_endpoint"), parts.scheme == "https"
        return _check_host_port(value, "public_endpoint"), secure

    def __repr__(self) -> str:
        scheme = "https" if self.secure else "http"
        return f"S3ObjectStore({scheme}://{self.endpoint}/{self.bucket})"

    # -- error mapping and calls -----------------------------------------------------------

    def _translate(self, exc: BaseException, key: str | None) -> BaseException:
        """Map minio/urllib3 failures onto the storage errors; anything else passes as is."""
        if isinstance(exc, StorageError):
            return exc
        if isinstance(exc, S3Error):
            code = exc.code or ""
            if code in _NOT_FOUND:
                return ObjectNotFound(f"no object {key!r}", key=key)
            if code == "NoSuchBucket":
                return StorageUnavailable(f"bucket {self.bucket!r} does not exist at {self.endpoint}", key=key)
            if code in _ACCESS:
                return StorageUnavailable(
                    f"S3 at {self.endpoint} refused access ({code}):"
                    " check the credentials, the clock and the bucket policy",
                    key=key,
                )
            if code in _BUSY:
                return StorageUnavailable(f"S3 at {self.endpoint} is unavailable ({code})", key=key)
            if code == "InvalidRange":
                return InvalidRange(f"S3 refused the range for {key!r}", key=key)
            if code == "PreconditionFailed":
                return ObjectChanged(f"object {key!r} changed since it was measured", key=key)
            return StorageError(f"S3 error {code}: {exc.message}", key=key)
        if isinstance(exc, ServerError):
            return StorageUnavailable(f"S3 at {self.endpoint} failed with HTTP {exc.status_code}", key=key)
        if isinstance(exc, InvalidResponseError):
            return StorageUnavailable(f"{self.endpoint} did not answer like an S3 service", key=key)
        if isinstance(exc, urllib3.exceptions.HTTPError):
            reason = getattr(exc, "reason", None) or exc
            return StorageUnavailable(f"cannot reach S3 at {self.endpoint}: {reason}", key=key)
        return exc

    @contextlib.contextmanager
    def _translating(self, key: str | None) -> Iterator[None]:
        """Re-raise minio/urllib3 failures inside the block as the storage errors they mean."""
        try:
            yield
        except Exception as exc:
            mapped = self._translate(exc, key)
            if mapped is exc:
                raise
            raise mapped from exc

    async def _call(self, fn: Callable[[], T], *, key: str | None = None) -> T:
        with self._translating(key):
            return await asyncio.to_thread(fn)

    def _info(self, key: str, obj: Any) -> ObjectInfo:
        headers: Mapping[str, str] = obj.metadata or {}
        sha = (headers.get(_META_PREFIX + "sha256") or "").lower()
        metadata = {
            name.lower()[len(_META_PREFIX) :]: value
            for name, value in headers.items()
            if name.lower().startswith(_META_PREFIX) and name.lower() != _META_PREFIX + "sha256"
        }
        return ObjectInfo(
            key=key,
            size=int(obj.size or 0),
            sha256=sha if _SHA256_RE.fullmatch(sha) else None,
            content_type=obj.content_type or "application/octet-stream",
            last_modified=(obj.last_modified or utcnow()).astimezone(UTC),
            etag=obj.etag or None,
            retain_until=_parse_retain_until(headers),
            metadata=metadata,
        )

    async def _stat(self, key: str, version_id: str | None = None) -> tuple[ObjectInfo, str | None]:
        obj = await self._call(partial(self._client.stat_object, self.bucket, key, version_id=version_id), key=key)
        vid = obj.version_id if obj.version_id not in (None, "", "null") else None
        return self._info(key, obj), vid

    async def _stat_or_none(self, key: str) -> tuple[ObjectInfo, str | None] | None:
        try:
            return await self._stat(key)
        except ObjectNotFound:
            return None

    # -- upload ----------------------------------------------------------------------------

    def _upload(
        self,
        key: str,
        reader: SourceReader,
        content_type: str,
        metadata: dict[str, str],
        expected_sha256: str | None,
        retention: Retention | None,
    ) -> str | None:
        """Blocking upload in a worker thread; returns the new version id (None if unversioned)."""
        part = reader.read(self.part_size)
        if reader.at_end():
            # The whole object is in hand (and expected_sha256 was checked at the end): one PUT
            # carrying its checksum, which the server verifies and which S3 requires for a PUT
            # with object-lock retention. The SHA-256 also goes into the metadata.
            digest = reader.sha256
            headers = {
                **metadata,
                "sha256": digest,
                "x-amz-sdk-checksum-algorithm": "SHA256",
                "x-amz-checksum-sha256": base64.b64encode(bytes.fromhex(digest)).decode(),
            }
            result = self._client.put_object(
                self.bucket,
                key,
                io.BytesIO(part),
                len(part),
                content_type=content_type,
                metadata=headers,  # type: ignore[arg-type]
                retention=retention,
            )
            return _version(result.version_id)
        # Multipart, driven here rather than by put_object(length=-1): minio's loop copies each
        # part twice and keeps the previous one alive (~3 x part_size per upload); this loop holds
        # one part. The SHA-256 is only known at the end, so it goes into the metadata only when
        # the caller vouched for it up front; a mismatch raises from read() at the end of the
        # stream, before completion, and the upload is aborted: nothing becomes visible.
        headers = dict(metadata)
        if expected_sha256 is not None:
            headers["sha256"] = expected_sha256
        request_headers = genheaders(dict(headers.items()), None, None, retention, False)
        request_headers["Content-Type"] = content_type
        client = self._client
        upload_id = client._create_multipart_upload(self.bucket, key, request_headers)
        try:
            parts: list[Part] = []
            while part:
                number = len(parts) + 1
                if number > MAX_PARTS:
                    raise StorageError(
                        f"object {key!r} needs more than {MAX_PARTS} parts of {self.part_size} bytes;"
                        " raise the part size",
                        key=key,
                    )
                etag = client._upload_part(self.bucket, key, part, None, upload_id, number)
                parts.append(Part(number, etag))
                del part  # hold at most one part while reading the next
                part = reader.read(self.part_size)
            reader.read_to_end()  # end of stream reached: expected_sha256 checked
            completed = client._complete_multipart_upload(self.bucket, key, upload_id, parts)
        except BaseException:
            try:
                client._abort_multipart_upload(self.bucket, key, upload_id)
            except Exception as exc:  # the original failure matters more
                log.warning("could not abort multipart upload %s of %s: %s", upload_id, key, exc)
            raise
        return _version(completed.version_id)

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

        existing = await self._stat_or_none(key)
        if existing is not None:
            info, _ = existing
            if not overwrite:
                raise ObjectExists(f"object {key!r} already exists", key=key)
            if info.is_retained():
                assert info.retain_until is not None
                raise ObjectRetained(
                    f"object {key!r} is retained until {info.retain_until.isoformat()};"
                    " a new version would hide it, so it cannot be overwritten",
                    key=key,
                )

        loop = asyncio.get_running_loop()
        reader: SourceReader
        if is_async_source(source):
            reader = AsyncSourceReader(source, loop, expected_sha256=expected)  # type: ignore[arg-type]
        else:
            reader = FileSourceReader(source, expected_sha256=expected)  # type: ignore[arg-type]
        retention = Retention(COMPLIANCE, until) if until is not None else None
        job = partial(self._upload, key, reader, content_type, user_metadata, expected, retention)
        future = loop.run_in_executor(self._uploads, job)
        try:
            version_id = await asyncio.shield(future)
        except asyncio.CancelledError:
            reader.cancel()  # the next read() raises; minio aborts the multipart upload
            await asyncio.wait({future})
            raise
        except Exception as exc:
            if exc is reader.source_error:
                raise  # the caller's own source failed: pass its error through unchanged
            with self._translating(key):
                raise

        info, _ = await self._stat(key, version_id)
        if until is not None and (info.retain_until is None or info.retain_until < until):
            # Some S3 implementations (moto) drop object-lock headers on multipart uploads:
            # apply the retention explicitly so the contract holds everywhere.
            await self._call(
                partial(
                    self._client.set_object_retention,
                    self.bucket,
                    key,
                    Retention(COMPLIANCE, until),
                    version_id,
                ),
                key=key,
            )
            info, _ = await self._stat(key, version_id)
        return replace(info, sha256=reader.sha256)

    # -- reading ---------------------------------------------------------------------------

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
        info, version_id = await self._stat(key)
        if if_match is not None and info.etag != if_match:
            raise ObjectChanged(f"object {key!r} is not the one measured before (ETag {if_match})", key=key)
        start, count = check_range(offset, length, info.size)
        if count == 0:
            return
        whole = start == 0 and count == info.size
        request = partial(
            self._client.get_object,
            self.bucket,
            key,
            offset=0 if whole else start,
            length=0 if whole else count,
            # If-Match too: without versioning the version id is None and the key may change.
            request_headers={"If-Match": f'"{if_match}"'} if if_match is not None else None,
            version_id=version_id,  # the version we measured, even if overwritten meanwhile
        )
        with self._translating(key):
            response = await run_in_thread(request, discard=_release)  # no leaked connection if cancelled
        try:
            received = 0
            while received < count:
                with self._translating(key):
                    data = await run_in_thread(response.read, min(chunk_size, count - received))
                if not data:
                    raise StorageUnavailable(
                        f"S3 connection closed after {received} of {count} bytes of {key!r}", key=key
                    )
                received += len(data)
                yield data
        finally:
            _release(response)

    async def stat(self, key: str) -> ObjectInfo:
        validate_key(key)
        info, _ = await self._stat(key)
        return info

    async def exists(self, key: str) -> bool:
        validate_key(key)
        return await self._stat_or_none(key) is not None

    # -- delete and retention --------------------------------------------------------------

    def _delete_all_versions(self, key: str) -> None:
        # A delete marker first: the object disappears at once, and if removing the versions
        # below fails halfway, no older version resurfaces.
        self._client.remove_object(self.bucket, key)
        # Not recursive: the '/' delimiter folds keys below "key/" into one prefix entry.
        versions = [
            obj
            for obj in self._client.list_objects(self.bucket, prefix=key, include_version=True)
            if obj.object_name == key and obj.version_id not in (None, "", "null")
        ]
        versions.sort(key=lambda obj: bool(obj.is_delete_marker))  # markers last
        for obj in versions:
            try:
                self._client.remove_object(self.bucket, key, version_id=obj.version_id)
            except S3Error as exc:
                log.warning("could not remove version %s of %s: %s", obj.version_id, key, exc.code)

    async def delete(self, key: str) -> None:
        validate_key(key)
        info, _ = await self._stat(key)
        if info.is_retained():
            # Checked here too: with object lock, S3 lets anyone hide a retained object behind
            # a delete marker, and some servers (moto) do not enforce retention at all.
            assert info.retain_until is not None
            raise ObjectRetained(f"object {key!r} is retained until {info.retain_until.isoformat()}", key=key)
        try:
            await self._call(partial(self._delete_all_versions, key), key=key)
        except StorageUnavailable as exc:
            cause = exc.__cause__
            if isinstance(cause, S3Error) and cause.code == "AccessDenied" and "WORM" in (cause.message or ""):
                raise ObjectRetained(f"object {key!r} is retained (refused by S3)", key=key) from cause
            raise

    def _list(self, prefix: str, limit: int) -> list[ListedObject]:
        found: list[ListedObject] = []
        for obj in self._client.list_objects(self.bucket, prefix=prefix, recursive=True):
            if obj.is_dir or obj.object_name is None or obj.last_modified is None:
                continue
            found.append(ListedObject(obj.object_name, int(obj.size or 0), obj.last_modified.astimezone(UTC)))
            if len(found) >= limit:
                break
        return found

    async def list_objects(self, prefix: str, *, limit: int = 10_000) -> list[ListedObject]:
        validate_prefix(prefix)
        return await self._call(partial(self._list, prefix, limit))

    async def set_retention(self, key: str, until: datetime) -> ObjectInfo:
        validate_key(key)
        normalized = normalize_retain_until(until)
        assert normalized is not None
        info, version_id = await self._stat(key)
        if info.retain_until is not None and normalized < info.retain_until:
            raise ObjectRetained(
                f"object {key!r} is retained until {info.retain_until.isoformat()}; retention can only be extended",
                key=key,
            )
        if info.retain_until == normalized and info.is_retained():
            return info
        await self._call(
            partial(
                self._client.set_object_retention,
                self.bucket,
                key,
                Retention(COMPLIANCE, normalized),
                version_id,
            ),
            key=key,
        )
        info, _ = await self._stat(key, version_id)
        return info

    # -- presigned URLs --------------------------------------------------------------------

    async def presign_get(self, key: str, *, expires: timedelta, filename: str | None = None) -> str:
        validate_key(key)
        validate_expiry(expires)
        name = validate_filename(filename)
        response_headers = {"response-content-disposition": content_disposition(name)} if name else None
        return await self._call(
            partial(
                self._presign_client.get_presigned_url,
                "GET",
                self.bucket,
                key,
                expires=expires,
                response_headers=response_headers,  # type: ignore[arg-type]
            ),
            key=key,
        )

    async def presign_put(self, key: str, *, expires: timedelta, content_type: str = "application/octet-stream") -> str:
        """Presigned PUT. S3 query signatures cover only the host, so content_type is advice:
        the uploader must send it as Content-Type; S3 does not enforce it, nor any size."""
        validate_key(key)
        validate_expiry(expires)
        validate_content_type(content_type)
        return await self._call(
            partial(self._presign_client.get_presigned_url, "PUT", self.bucket, key, expires=expires), key=key
        )

    async def presign_upload(
        self, key: str, *, size: int, expires: timedelta, content_type: str = "application/octet-stream"
    ) -> UploadForm:
        """A presigned POST (S3's browser-form upload, SigV4 policy): the policy allows this key
        only (``eq $key``), this content type only and exactly ``size`` bytes
        (``content-length-range``), until it expires; S3 refuses any other request (at most
        5 GiB: S3's limit for one POST). The form cannot be revoked before it expires."""
        validate_key(key)
        seconds = validate_expiry(expires)
        validate_content_type(content_type)
        validate_upload_size(size, self.max_presigned_upload)
        expires_at = utcnow().replace(microsecond=0) + timedelta(seconds=seconds)
        policy = PostPolicy(self.bucket, expires_at)
        policy.add_equals_condition("key", key)
        policy.add_equals_condition("Content-Type", content_type)
        policy.add_content_length_range_condition(size, size)
        signed = await self._call(partial(self._presign_client.presigned_post_policy, policy), key=key)
        return UploadForm(
            method="POST",
            url=f"{self._presign_base}/{self.bucket}",  # path style: the policy names the bucket, not the host
            fields={"key": key, "Content-Type": content_type, **signed},
            headers={},
            size=size,
            expires_at=expires_at,
        )

    # -- lifecycle -------------------------------------------------------------------------

    async def check(self) -> None:
        try:
            found = await self._call(partial(self._probe_client.bucket_exists, self.bucket))
        except StorageUnavailable:
            raise
        except Exception as exc:  # anything unexpected still means "not ready"
            raise StorageUnavailable(f"S3 at {self.endpoint} is not usable: {exc}") from exc
        if not found:
            raise StorageUnavailable(f"bucket {self.bucket!r} does not exist at {self.endpoint}")

    async def ensure_bucket(self, *, object_lock: bool = True) -> None:
        """Create the bucket (with object lock) if missing; refuse an existing one without lock."""
        if not await self._call(partial(self._client.bucket_exists, self.bucket)):
            try:
                await self._call(
                    partial(self._client.make_bucket, self.bucket, location=self.region, object_lock=object_lock)
                )
                return
            except StorageError as exc:
                cause = exc.__cause__
                if not (
                    isinstance(cause, S3Error) and cause.code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists")
                ):
                    raise
        if object_lock:
            try:
                config = await self._call(partial(self._client.get_object_lock_config, self.bucket))
            except StorageError as exc:
                raise StorageUnavailable(
                    f"bucket {self.bucket!r} has no object lock; retention needs a bucket created with it"
                ) from exc
            if config is None:
                raise StorageUnavailable(f"bucket {self.bucket!r} has no object lock")

    def close(self) -> None:
        """Synchronous aclose(), for teardown code without an event loop."""
        self._uploads.shutdown(wait=False, cancel_futures=True)
        self._http.clear()
        self._probe_http.clear()

    async def aclose(self) -> None:
        self.close()
