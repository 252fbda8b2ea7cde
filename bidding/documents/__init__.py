"""The PDFs the platform issues, in Simplified Chinese with English, unsigned (docs/documents.md).

Each ``render_*`` function takes a frozen dataclass and returns PDF bytes, deterministic for the
same data; the platform then signs them (``bidding.core.pki.documents``, PAdES B-LT).
"""

from bidding.documents.award import AwardData, render_award
from bidding.documents.money import chinese_uppercase, yuan
from bidding.documents.opening_record import (
    BidderRow,
    Objection,
    OpeningRecordData,
    confirmation_field,
    render_opening_record,
)
from bidding.documents.receipt import ReceiptData, render_receipt

__all__ = [
    "AwardData",
    "BidderRow",
    "Objection",
    "OpeningRecordData",
    "ReceiptData",
    "chinese_uppercase",
    "confirmation_field",
    "render_award",
    "render_opening_record",
    "render_receipt",
    "yuan",
]
