"""The route behind the local store's signed URLs (S3 serves its own presigned URLs).

A signed URL is the whole authorisation: it names the operation, the key, the expiry and, for
uploads, the content type; anything else is refused before a byte is read or written.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, put
from litestar.params import PathParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_201_CREATED

from bidding.core.errors import InvalidInput, NotFound
from bidding.core.fields import OBJECT_KEY_PATTERN
from bidding.core.http.dependencies import PlatformDep
from bidding.core.http.openapi import wire
from bidding.submission.staging import write_signed
from storage import LocalObjectStore
from storage.signing import PARAM_CONTENT_TYPE, PARAM_FILENAME, content_disposition

# The key's rules in the document only: Litestar hands a `path` parameter over with its leading '/',
# and the store checks the key itself (storage.validate_key).
ObjectKey = Annotated[str, PathParameter(schema_extra={"pattern": OBJECT_KEY_PATTERN, "max_length": 512})]


def _local(platform: PlatformDep) -> LocalObjectStore:
    if not isinstance(platform.store, LocalObjectStore):
        raise NotFound("signed links of this platform are served by its S3 store", "此平台的签名链接由 S3 存储提供")
    return platform.store


class StorageController(Controller):
    path = "/api/storage"
    tags = ["storage"]

    @get("/{key:path}", opt=wire(response=["*/*"], errors=[403]), summary="Download through a signed URL")
    async def download(self, request: Request[Any, Any, Any], key: ObjectKey, platform: PlatformDep) -> Stream:
        store = _local(platform)
        key = key.lstrip("/")
        query = dict(request.query_params)
        store.verify_signed_request("GET", key, query)
        info = await store.stat(key)
        headers = {"Content-Length": str(info.size), "ETag": f'"{info.etag}"' if info.etag else ""}
        if info.sha256:
            headers["X-Content-SHA256"] = info.sha256
        if query.get(PARAM_FILENAME):
            headers["Content-Disposition"] = content_disposition(query[PARAM_FILENAME])
        return Stream(store.open(key), media_type=info.content_type, headers={k: v for k, v in headers.items() if v})

    @put(
        "/{key:path}",
        opt=wire(request=["*/*"], errors=[403, 409, 413]),
        summary="Upload through a signed URL",
        status_code=HTTP_201_CREATED,
        request_max_body_size=None,  # the signature authorises the upload; size is streamed, not buffered
    )
    async def upload(self, request: Request[Any, Any, Any], key: ObjectKey, platform: PlatformDep) -> dict[str, Any]:
        store = _local(platform)
        key = key.lstrip("/")
        query = dict(request.query_params)
        store.verify_signed_request("PUT", key, query)
        sent_type = request.headers.get("content-type", "")
        if sent_type != query[PARAM_CONTENT_TYPE]:
            raise InvalidInput(
                f"Content-Type must be {query[PARAM_CONTENT_TYPE]!r} as signed, got {sent_type!r}",
                f"Content-Type 必须与签名一致：{query[PARAM_CONTENT_TYPE]!r}",
            )
        info = await write_signed(platform, key, request.stream(), content_type=sent_type)
        return {"key": info.key, "size": info.size, "sha256": info.sha256}
