"""open_store(): build the configured ObjectStore from one URL setting.

    file:///abs/path            local store rooted at /abs/path
    file:relative/path          local store relative to the working directory
    s3://ACCESS:SECRET@host:port/bucket?secure=false&region=us-east-1
    minio://...                 same as s3://

Query parameters for s3: secure (default true), region (default: ask the server),
public_endpoint (host[:port] or http(s)://host[:port] used in presigned URLs).
Percent-encode reserved characters in the secret (e.g. '/' as %2F).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from .base import ObjectStore
from .local import LocalObjectStore
from .s3 import DEFAULT_PART_SIZE, S3ObjectStore

_S3_SCHEMES = ("s3", "minio")
_S3_PARAMS = ("secure", "region", "public_endpoint")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _redact(url: str) -> str:
    """The URL without its credentials, for error messages."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]).geturl()


def open_store(url: str, *, signing_key: bytes, base_url: str, part_size: int = DEFAULT_PART_SIZE) -> ObjectStore:
    """Parse ``url`` and construct the store (no network access; call check() to probe it).

    Raises ValueError naming what is wrong with the URL.
    """
    if not isinstance(url, str) or not url.strip():
        raise ValueError("storage URL is empty")
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme == "file":
        return _open_local(url, signing_key=signing_key, base_url=base_url)
    if scheme in _S3_SCHEMES:
        return _open_s3(url, part_size=part_size)
    shown = scheme or "(none)"
    raise ValueError(
        f"storage URL {_redact(url)!r}: unknown scheme {shown!r}; use file:///path, file:relative/path,"
        " s3://ACCESS:SECRET@host:port/bucket or minio://..."
    )


def _open_local(url: str, *, signing_key: bytes, base_url: str) -> LocalObjectStore:
    parts = urlsplit(url.strip())
    if parts.netloc not in ("", "localhost"):
        raise ValueError(f"storage URL {url!r}: file URLs cannot name a host ({parts.netloc!r}); use file:///path")
    if parts.query or parts.fragment:
        raise ValueError(f"storage URL {url!r}: file URLs take no query or fragment")
    path = unquote(parts.path)
    if not path:
        raise ValueError(f"storage URL {url!r}: missing directory path")
    return LocalObjectStore(Path(path), signing_key=signing_key, base_url=base_url)


def _flag(value: str, name: str, url: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"storage URL {_redact(url)!r}: {name}={value!r} must be true or false")


def _open_s3(url: str, *, part_size: int) -> S3ObjectStore:
    shown = _redact(url)
    parts = urlsplit(url.strip())
    if parts.fragment:
        raise ValueError(f"storage URL {shown!r}: unexpected fragment")
    if "@" not in parts.netloc:
        raise ValueError(f"storage URL {shown!r}: missing credentials; use s3://ACCESS:SECRET@host:port/bucket")
    userinfo, _, hostport = parts.netloc.rpartition("@")
    access_raw, sep, secret_raw = userinfo.partition(":")
    access_key, secret_key = unquote(access_raw), unquote(secret_raw)
    if not access_key:
        raise ValueError(f"storage URL {shown!r}: missing access key before ':'")
    if not sep or not secret_key:
        raise ValueError(f"storage URL {shown!r}: missing secret key after 'ACCESS:'")
    if not hostport:
        raise ValueError(f"storage URL {shown!r}: missing host")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"storage URL {shown!r}: invalid port") from None
    if port is not None and not 0 < port < 65536:
        raise ValueError(f"storage URL {shown!r}: invalid port {port}")
    bucket = parts.path.strip("/")
    if not bucket:
        raise ValueError(f"storage URL {shown!r}: missing bucket; use s3://ACCESS:SECRET@host:port/bucket")
    if "/" in bucket:
        raise ValueError(f"storage URL {shown!r}: the path must be just the bucket name, not {bucket!r}")

    try:
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise ValueError(f"storage URL {shown!r}: malformed query string") from None
    unknown = sorted(set(query) - set(_S3_PARAMS))
    if unknown:
        raise ValueError(
            f"storage URL {shown!r}: unknown parameter(s) {', '.join(unknown)}; allowed: {', '.join(_S3_PARAMS)}"
        )
    for name, values in query.items():
        if len(values) != 1:
            raise ValueError(f"storage URL {shown!r}: parameter {name} is given {len(values)} times")
    secure = _flag(query["secure"][0], "secure", url) if "secure" in query else True
    region = query["region"][0] if "region" in query else None
    if region == "":
        raise ValueError(f"storage URL {shown!r}: region is empty")
    public_endpoint = query["public_endpoint"][0] if "public_endpoint" in query else None

    try:
        return S3ObjectStore(
            endpoint=hostport,
            access_key=access_key,
            secret_key=secret_key,
            bucket=bucket,
            secure=secure,
            region=region,
            part_size=part_size,
            public_endpoint=public_endpoint or None,
        )
    except ValueError as exc:
        raise ValueError(f"storage URL {shown!r}: {exc}") from None
