"""HMAC-signed URLs for the local backend (what presigned URLs are for S3).

A URL looks like::

    {base_url}/api/storage/{key}?X-Bidding-Op=GET&X-Bidding-Expires=1767225600
        [&X-Bidding-Filename=...]   (GET only, optional: download name)
        [&X-Bidding-Content-Type=...] (PUT only, required: the type the upload must carry)
        &X-Bidding-Signature=<hex HMAC-SHA256>

The signature covers a version tag, the operation, the key, the expiry and both optional
parameters, each length-prefixed so no two different inputs share a signed message. The HTTP
route that serves these URLs calls verify() (or LocalObjectStore.verify_signed_request) and
then trusts the signed parameters; parameters other than these are not signed and ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import quote, urlencode

from .base import InvalidArgument, StorageError

PARAM_OP = "X-Bidding-Op"
PARAM_EXPIRES = "X-Bidding-Expires"
PARAM_SIGNATURE = "X-Bidding-Signature"
PARAM_CONTENT_TYPE = "X-Bidding-Content-Type"
PARAM_FILENAME = "X-Bidding-Filename"
ROUTE_PREFIX = "/api/storage/"
OPS = ("GET", "PUT")

_VERSION = b"bidding-storage-url-v1"
_SIGNATURE_RE = re.compile(r"[0-9a-f]{64}")
_EXPIRES_RE = re.compile(r"[0-9]{1,12}")


class SignatureInvalid(StorageError):
    """Missing, malformed or wrong signature, or a URL signed for another operation or key."""

    code = "signature_invalid"


class SignatureExpired(StorageError):
    """The signature is genuine but its expiry time has passed."""

    code = "signature_expired"


def _message(op: str, key: str, expires: int, content_type: str, filename: str) -> bytes:
    fields = [
        _VERSION,
        op.encode(),
        key.encode(),
        str(expires).encode(),
        content_type.encode(),
        filename.encode(),
    ]
    return b"".join(len(f).to_bytes(4, "big") + f for f in fields)


def _mac(signing_key: bytes, message: bytes) -> str:
    return hmac.new(signing_key, message, hashlib.sha256).hexdigest()


def sign(
    signing_key: bytes,
    *,
    op: str,
    key: str,
    expires_at: int,
    content_type: str | None = None,
    filename: str | None = None,
) -> dict[str, str]:
    """Signed query parameters for ``op`` on ``key`` valid until the unix time ``expires_at``."""
    if op not in OPS:
        raise InvalidArgument(f"op must be one of {OPS}, not {op!r}")
    if op == "PUT" and not content_type:
        raise InvalidArgument("a signed PUT needs the content type it allows")
    if op == "GET" and content_type is not None:
        raise InvalidArgument("content_type is only signed for PUT")
    if op == "PUT" and filename is not None:
        raise InvalidArgument("filename is only signed for GET")
    params = {PARAM_OP: op, PARAM_EXPIRES: str(int(expires_at))}
    if content_type is not None:
        params[PARAM_CONTENT_TYPE] = content_type
    if filename is not None:
        params[PARAM_FILENAME] = filename
    params[PARAM_SIGNATURE] = _mac(signing_key, _message(op, key, int(expires_at), content_type or "", filename or ""))
    return params


def signed_url(base_url: str, key: str, params: Mapping[str, str]) -> str:
    """Absolute URL of the storage route for ``key`` with the signed ``params``."""
    return f"{base_url.rstrip('/')}{ROUTE_PREFIX}{quote(key, safe='/')}?{urlencode(params, quote_via=quote)}"


def verify(signing_key: bytes, *, op: str, key: str, query: Mapping[str, str], now: datetime) -> None:
    """Accept the decoded query of a signed URL for ``op`` on ``key`` at ``now``, or raise.

    Raises SignatureInvalid (missing/malformed parameters, other op, wrong signature) or
    SignatureExpired (genuine but past its expiry). Compares MACs in constant time.
    """
    signature = query.get(PARAM_SIGNATURE)
    expires_raw = query.get(PARAM_EXPIRES)
    signed_op = query.get(PARAM_OP)
    if signature is None or expires_raw is None or signed_op is None:
        missing = [p for p in (PARAM_OP, PARAM_EXPIRES, PARAM_SIGNATURE) if query.get(p) is None]
        raise SignatureInvalid(f"signed URL lacks {', '.join(missing)}", key=key)
    if signed_op != op:
        raise SignatureInvalid(f"URL was signed for {signed_op!r}, not {op}", key=key)
    if not _EXPIRES_RE.fullmatch(expires_raw):
        raise SignatureInvalid(f"{PARAM_EXPIRES} must be a unix time in seconds", key=key)
    if not _SIGNATURE_RE.fullmatch(signature):
        raise SignatureInvalid(f"{PARAM_SIGNATURE} must be 64 lowercase hex characters", key=key)
    expires = int(expires_raw)
    content_type = query.get(PARAM_CONTENT_TYPE, "")
    filename = query.get(PARAM_FILENAME, "")
    expected = _mac(signing_key, _message(op, key, expires, content_type, filename))
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise SignatureInvalid("signature does not match (URL altered or signed with another key)", key=key)
    if now.timestamp() >= expires:
        raise SignatureExpired(f"signed URL expired at unix time {expires}", key=key)
    if op == "PUT" and not content_type:
        raise SignatureInvalid(f"signed PUT lacks {PARAM_CONTENT_TYPE}", key=key)


def content_disposition(filename: str) -> str:
    """Content-Disposition value for a download named ``filename`` (RFC 6266, UTF-8 safe)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\%' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
