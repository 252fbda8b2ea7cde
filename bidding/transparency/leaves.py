"""What a leaf is: the canonical encoding of one audit event or opening-room event.

A leaf's data (``docs/transparency-log.md`` "Leaves") is UTF-8 JSON with sorted keys and no
spaces, one object:

- ``"log"``: ``"bidding-log/v1"``; ``"source"``: ``"audit"``, ``"sealed"`` or ``"room"``; ``"id"``:
  the row's id in its table;
- every other column of the row whose value is not null, under the column's name: times as
  RFC 3339 UTC with microseconds (``2026-12-07T03:04:05.123456Z``), UUIDs in their hyphenated
  form, JSON columns as their JSON.

Nulls are left out so that a column added later, null on old rows, leaves their leaves as they
were. The leaf hash is ``SHA-256(0x00 ‖ data)`` (RFC 6962 §2.1). The encoding is made from the
row as the database returns it, by the sequencer and again by the audit: both read the same
stored values, so an edit of any column changes the leaf.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import Table

from bidding.audit.models import AuditEvent, SealedAuditEvent
from crypto.tlog.merkle import leaf_hash
from opening_room.tables import OpeningEvent

__all__ = ["FORMAT", "SOURCES", "encode", "hash_row"]

FORMAT: Final = "bidding-log/v1"

#: A leaf's source name → its table. The order is the order of the sequencer's tie-break.
SOURCES: Final[dict[str, Table]] = {
    "audit": AuditEvent.__table__,  # type: ignore[dict-item]
    "sealed": SealedAuditEvent.__table__,  # type: ignore[dict-item]
    "room": OpeningEvent.__table__,  # type: ignore[dict-item]
}


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def encode(source: str, row: dict[str, Any]) -> bytes:
    """The leaf data of one row (its columns by name, as read from the database)."""
    fields = {name: _value(value) for name, value in row.items() if value is not None}
    fields.update({"log": FORMAT, "source": source})
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def hash_row(source: str, row: dict[str, Any]) -> bytes:
    """The leaf hash of one row: ``SHA-256(0x00 ‖ encode(source, row))``."""
    return leaf_hash(encode(source, row))
