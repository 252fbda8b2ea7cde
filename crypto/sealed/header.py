"""The package header: magic, length and canonical JSON (``docs/sealed-bid-format.md`` §"Header").

::

    header_block = "BIDSEAL1" (8) || uint32_be(len(header_json)) || header_json

``header_json`` is a UTF-8 JSON object written with sorted keys and no whitespace
(``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)``). Readers hash the
bytes exactly as stored (the part keys bind ``SHA-256(header_json)``) and do not re-encode them.
Values are strings and integers only; binary values are standard base64 (RFC 4648 §4, padded)
or lowercase hex for fingerprints.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from crypto.errors import InvalidCreditCodeError
from crypto.sealed.errors import MalformedPackageError, NotAPackageError, UnsupportedVersionError
from crypto.sealed.keys import COMMITMENT_SIZE, SALT_SIZE
from crypto.sealed.stream import Source
from crypto.subject import validate_credit_code

MAGIC_PREFIX: Final = b"BIDSEAL"
VERSION: Final = 1
MAGIC: Final = MAGIC_PREFIX + b"1"
SUITE: Final = "AES-256-GCM-STREAM/HKDF-SHA256/CMS"
MAX_HEADER_SIZE: Final = 4 * 1024 * 1024
MIN_SEGMENT_SIZE: Final = 64
MAX_SEGMENT_SIZE: Final = 16 * 1024 * 1024
DEFAULT_SEGMENT_SIZE: Final = 1024 * 1024
MAX_ID_LENGTH: Final = 200

_HEX64 = re.compile(r"[0-9a-f]{64}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_FIELDS: Final = frozenset(
    {
        "version",
        "suite",
        "project_id",
        "lot_id",
        "bidder_credit_code",
        "bidder_cert_sha256",
        "segment_size",
        "created_at",
        "kdf_salt",
        "key_commitment",
        "recipients",
    }
)


@dataclass(frozen=True)
class Recipient:
    """One recipient: the SHA-256 fingerprint of its certificate (DER) and its CMS EnvelopedData blob."""

    cert_sha256: str
    cms: bytes = field(repr=False)


@dataclass(frozen=True)
class Header:
    """The decoded header; ``raw`` is the exact JSON bytes and ``sha256`` their digest."""

    project_id: str
    lot_id: str
    bidder_credit_code: str
    bidder_cert_sha256: str
    segment_size: int
    created_at: datetime
    kdf_salt: bytes
    key_commitment: bytes
    recipients: tuple[Recipient, ...]
    raw: bytes = field(repr=False)
    version: int = VERSION
    suite: str = SUITE

    @property
    def sha256(self) -> bytes:
        return hashlib.sha256(self.raw).digest()

    @property
    def block_size(self) -> int:
        """Size of the header block on the wire (magic, length, JSON)."""
        return len(MAGIC) + 4 + len(self.raw)

    def to_json(self) -> dict[str, Any]:
        """The header as a JSON-ready dict (for ``inspect --json``)."""
        obj: dict[str, Any] = json.loads(self.raw)
        return obj


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: object, field: str) -> bytes:
    if not isinstance(value, str):
        raise MalformedPackageError(f"header field {field} must be a base64 string")
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise MalformedPackageError(f"header field {field} is not valid base64") from None


def format_time(when: datetime) -> str:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_id(value: object, field: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH or not value.isprintable():
        raise MalformedPackageError(f"header field {field} must be 1..{MAX_ID_LENGTH} printable characters")
    return value


def encode_header(
    *,
    project_id: str,
    lot_id: str,
    bidder_credit_code: str,
    bidder_cert_sha256: str,
    segment_size: int,
    created_at: datetime,
    kdf_salt: bytes,
    key_commitment: bytes,
    recipients: list[Recipient],
) -> bytes:
    """Encode the header JSON (canonical: sorted keys, no whitespace, UTF-8)."""
    obj = {
        "version": VERSION,
        "suite": SUITE,
        "project_id": project_id,
        "lot_id": lot_id,
        "bidder_credit_code": bidder_credit_code,
        "bidder_cert_sha256": bidder_cert_sha256,
        "segment_size": segment_size,
        "created_at": format_time(created_at),
        "kdf_salt": b64(kdf_salt),
        "key_commitment": b64(key_commitment),
        "recipients": [{"cert_sha256": r.cert_sha256, "cms": b64(r.cms)} for r in recipients],
    }
    raw = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    decode_header(raw)  # the writer never emits a header its reader refuses
    return raw


def header_block(raw: bytes) -> bytes:
    return MAGIC + struct.pack(">I", len(raw)) + raw


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise MalformedPackageError(f"duplicate key {key!r} in the header")
        out[key] = value
    return out


def _int(value: object, field: str) -> int:
    if type(value) is not int:
        raise MalformedPackageError(f"header field {field} must be an integer")
    return value


def decode_header(raw: bytes) -> Header:
    """Parse and validate header JSON bytes."""
    try:
        obj = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise MalformedPackageError("the header is not UTF-8 JSON") from None
    if not isinstance(obj, dict):
        raise MalformedPackageError("the header is not a JSON object")
    if _int(obj.get("version"), "version") != VERSION:
        raise UnsupportedVersionError(f"header version {obj.get('version')} is not supported (this reader: {VERSION})")
    if set(obj) != _FIELDS:
        missing, extra = sorted(_FIELDS - set(obj)), sorted(set(obj) - _FIELDS)
        raise MalformedPackageError(f"header fields wrong: missing {missing}, unexpected {extra}")
    if obj["suite"] != SUITE:
        raise UnsupportedVersionError(f"cipher suite {obj['suite']!r} is not supported")
    code = check_id(obj["bidder_credit_code"], "bidder_credit_code")
    try:
        validate_credit_code(code)
    except InvalidCreditCodeError as exc:
        raise MalformedPackageError(f"header bidder_credit_code: {exc.message}") from None
    fingerprint = obj["bidder_cert_sha256"]
    if not isinstance(fingerprint, str) or not _HEX64.fullmatch(fingerprint):
        raise MalformedPackageError("header field bidder_cert_sha256 must be 64 lowercase hex digits")
    segment_size = _int(obj["segment_size"], "segment_size")
    if not MIN_SEGMENT_SIZE <= segment_size <= MAX_SEGMENT_SIZE:
        raise MalformedPackageError(f"segment_size must be in {MIN_SEGMENT_SIZE}..{MAX_SEGMENT_SIZE}")
    created = obj["created_at"]
    if not isinstance(created, str) or not _TIME.fullmatch(created):
        raise MalformedPackageError("header field created_at must be YYYY-MM-DDTHH:MM:SSZ")
    try:
        created_at = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise MalformedPackageError("header field created_at is not a valid time") from None
    salt = _unb64(obj["kdf_salt"], "kdf_salt")
    commitment = _unb64(obj["key_commitment"], "key_commitment")
    if len(salt) != SALT_SIZE or len(commitment) != COMMITMENT_SIZE:
        raise MalformedPackageError("kdf_salt and key_commitment must be 32 bytes each")
    entries = obj["recipients"]
    if not isinstance(entries, list) or not entries:
        raise MalformedPackageError("header field recipients must be a non-empty list")
    recipients = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or set(entry) != {"cert_sha256", "cms"}:
            raise MalformedPackageError(f"recipient {i} must have exactly cert_sha256 and cms")
        fp = entry["cert_sha256"]
        if not isinstance(fp, str) or not _HEX64.fullmatch(fp):
            raise MalformedPackageError(f"recipient {i} cert_sha256 must be 64 lowercase hex digits")
        recipients.append(Recipient(cert_sha256=fp, cms=_unb64(entry["cms"], f"recipients[{i}].cms")))
    if len({r.cert_sha256 for r in recipients}) != len(recipients):
        raise MalformedPackageError("a recipient certificate is listed twice")
    return Header(
        project_id=check_id(obj["project_id"], "project_id"),
        lot_id=check_id(obj["lot_id"], "lot_id"),
        bidder_credit_code=code,
        bidder_cert_sha256=fingerprint,
        segment_size=segment_size,
        created_at=created_at,
        kdf_salt=salt,
        key_commitment=commitment,
        recipients=tuple(recipients),
        raw=raw,
    )


def read_header_block(source: Source) -> Header:
    """Read magic, length and header from the start of a package."""
    check_magic(source.read_upto(len(MAGIC)))
    (length,) = struct.unpack(">I", source.read_exact(4, "the header length"))
    check_header_length(length)
    return decode_header(source.read_exact(length, "the header"))


def check_magic(magic: bytes) -> None:
    """The first 8 bytes: ``BIDSEAL`` (else ``not_a_package``) and version ``1`` (else ``unsupported_version``)."""
    if len(magic) < len(MAGIC) or not magic.startswith(MAGIC_PREFIX):
        raise NotAPackageError("not a sealed bid package (no BIDSEAL magic)")
    if magic != MAGIC:
        raise UnsupportedVersionError(f"sealed bid format version {magic[len(MAGIC_PREFIX) :]!r} is not supported")


def check_header_length(length: int) -> None:
    if not 2 <= length <= MAX_HEADER_SIZE:
        raise MalformedPackageError(f"header length {length} out of range")
