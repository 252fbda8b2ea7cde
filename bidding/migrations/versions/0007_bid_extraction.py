"""When the opening took a lot's bids (办法 29): after it, no upload arrives, no version is
activated and no bid is withdrawn; uploads wait in ``completing`` for their verification.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("lots", sa.Column("bids_extracted_at", sa.DateTime(timezone=True), nullable=True))
    # Extraction looks for the lot's uploads still being verified (status 'completing').
    op.create_index(op.f("ix_bid_uploads_lot_id_status"), "bid_uploads", ["lot_id", "status"])
    # Lots whose opening already took its bids (before this revision) count as extracted.
    op.execute(
        "UPDATE lots SET bids_extracted_at = bid_deadline "
        "WHERE id IN (SELECT lot_id FROM opening_sessions WHERE state <> 'waiting')"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_bid_uploads_lot_id_status"), table_name="bid_uploads")
    op.drop_column("lots", "bids_extracted_at")
