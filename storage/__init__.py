"""Object storage behind one async interface: local files (embedded default) or S3/MinIO.

    store = open_store(settings.storage_url, signing_key=..., base_url=...)
    info = await store.put("bids/123/body", request.stream(), expected_sha256=digest)
    async for chunk in store.open("bids/123/body", offset=0, length=4096): ...

See docs/storage.md. This package imports nothing else of ours.
"""

from .base import (
    IntegrityError,
    InvalidArgument,
    InvalidKey,
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
    validate_key,
)
from .factory import open_store
from .local import LocalObjectStore
from .s3 import S3ObjectStore
from .signing import SignatureExpired, SignatureInvalid, content_disposition
from .streams import hash_object, read_bytes

__all__ = [
    "IntegrityError",
    "InvalidArgument",
    "InvalidKey",
    "InvalidRange",
    "ListedObject",
    "LocalObjectStore",
    "ObjectChanged",
    "ObjectExists",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectRetained",
    "ObjectStore",
    "S3ObjectStore",
    "SignatureExpired",
    "SignatureInvalid",
    "Source",
    "StorageError",
    "StorageUnavailable",
    "UploadForm",
    "content_disposition",
    "hash_object",
    "open_store",
    "read_bytes",
    "validate_key",
]
