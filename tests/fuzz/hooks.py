"""Schemathesis hooks for the API fuzz run (loaded through SCHEMATHESIS_HOOKS).

Schemathesis serialises only the media types it knows; the platform's raw-body operations take
DER and PDF bytes under their own media types (RFC 6960 OCSP requests, RFC 3161 queries, PDFs,
ZIPs), so their generated bodies go on the wire as bytes, the way real clients send them.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis.transport.serialization import serialize_binary

RAW_MEDIA_TYPES = (
    "application/ocsp-request",
    "application/timestamp-query",
    "application/pdf",
    "application/zip",
    "application/x-zip-compressed",
)


@schemathesis.serializer(*RAW_MEDIA_TYPES)
def raw_bytes(ctx: schemathesis.SerializationContext, value: Any) -> dict[str, Any]:
    return {"data": serialize_binary(value)}
