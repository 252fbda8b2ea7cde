"""Bids (sealed packages) and their uploads.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "bids",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("object_key", sa.String(300), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("package_digest", sa.String(64), nullable=False),
        sa.Column("header_sha256", sa.String(64), nullable=False),
        sa.Column("signer_fingerprint", sa.String(64), nullable=False),
        sa.Column("uploader_fingerprint", sa.String(64), nullable=False),
        sa.Column("submitted_at", TS, nullable=False),
        sa.Column("withdrawn_at", TS, nullable=True),
        sa.Column("receipt_number", sa.String(40), nullable=False),
        sa.Column("receipt_jws", sa.Text(), nullable=False),
        sa.Column("receipt_pdf_key", sa.String(300), nullable=True),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_bids_lot_id_lots"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_bids_organization_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bids")),
        sa.UniqueConstraint(
            "lot_id", "organization_id", "version", name=op.f("uq_bids_lot_id_organization_id_version")
        ),
        sa.UniqueConstraint("object_key", name=op.f("uq_bids_object_key")),
        sa.UniqueConstraint("receipt_number", name=op.f("uq_bids_receipt_number")),
    )
    op.create_index(op.f("ix_bids_lot_id_status"), "bids", ["lot_id", "status"])
    op.create_table(
        "bid_uploads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("chunk_size", sa.Integer(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("next_chunk", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.String(64), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_byte_at", TS, nullable=True),
        sa.Column("bid_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["bid_id"], ["bids.id"], name=op.f("fk_bid_uploads_bid_id_bids")),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_bid_uploads_lot_id_lots"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_bid_uploads_organization_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bid_uploads")),
    )
    op.create_index(op.f("ix_bid_uploads_lot_id_organization_id"), "bid_uploads", ["lot_id", "organization_id"])


def downgrade() -> None:
    op.drop_table("bid_uploads")
    op.drop_table("bids")
