"""The opening record's announcement text: the JSON when it fits an announcement, else a summary that
names the record's SHA-256 and where its PDF and JSON are (a lot of a thousand bidders must close)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from bidding.tendering.announcements import MAX_BODY
from opening_room import record


def opening_record(bidders: int) -> dict[str, Any]:
    return {
        "type": "opening-record",
        "project": {"id": str(uuid.uuid4()), "code": "NJ-2026-GC-0999", "name": "道路改造工程"},
        "lot": {"id": str(uuid.uuid4()), "code": "01", "name": "一标段"},
        "opening_at": "2026-12-07T02:00:00+00:00",
        "host": "代理机构",
        "bidders": [
            {"order": i, "name": f"投标人有限公司{i:04d}", "price_fen": 123_456_700 + i, "status": "decrypted"}
            for i in range(1, bidders + 1)
        ],
        "fields": ["price_fen"],
        "objections": [{"objection": 30, "seq": 30, "by": "投标人有限公司0001", "text": "异议"}],
        "remarks": [],
        "events": 3 * bidders + 10,
    }


def test_a_small_record_is_announced_as_its_json() -> None:
    content = opening_record(5)
    body = record.announcement_body(content, uuid.uuid4())
    assert json.loads(body) == content


def test_a_thousand_bidders_are_announced_as_a_summary_that_fits() -> None:
    content, lot_id = opening_record(1000), uuid.uuid4()
    assert len(json.dumps(content, ensure_ascii=False, indent=1)) > MAX_BODY
    body = record.announcement_body(content, lot_id)
    assert len(body) <= MAX_BODY
    assert record.digest(content) in body and "Bidders: 1000" in body and "Objections: 1" in body
    assert record.pdf_url(lot_id) in body and record.json_url(lot_id) in body
