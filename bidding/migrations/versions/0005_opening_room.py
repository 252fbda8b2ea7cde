"""The opening room: sessions, numbered events, answered commands, bid openings.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "opening_sessions",
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("decrypt_ends_at", TS, nullable=True),
        sa.Column("paused_remaining_s", sa.Integer(), nullable=True),
        sa.Column("record_json", JSON, nullable=True),
        sa.Column("record_pdf_key", sa.String(300), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_opening_sessions_lot_id_lots"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("lot_id", name=op.f("pk_opening_sessions")),
    )
    op.create_table(
        "opening_events",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("audience", sa.String(64), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_opening_events_lot_id_lots"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opening_events")),
        sa.UniqueConstraint("lot_id", "seq", name=op.f("uq_opening_events_lot_id_seq")),
    )
    op.create_table(
        "opening_commands",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("command_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("result", JSON, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_opening_commands_lot_id_lots"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opening_commands")),
        sa.UniqueConstraint("lot_id", "actor", "command_id", name=op.f("uq_opening_commands_lot_id_actor_command_id")),
    )
    op.create_table(
        "bid_openings",
        sa.Column("bid_id", sa.Uuid(), nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("order_no", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("signed_in_at", TS, nullable=True),
        sa.Column("decrypted_at", TS, nullable=True),
        sa.Column("form", JSON, nullable=True),
        sa.Column("price_fen", sa.BigInteger(), nullable=True),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.ForeignKeyConstraint(["bid_id"], ["bids.id"], name=op.f("fk_bid_openings_bid_id_bids")),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_bid_openings_lot_id_lots"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_bid_openings_organization_id_organizations")
        ),
        sa.PrimaryKeyConstraint("bid_id", name=op.f("pk_bid_openings")),
    )
    op.create_index(op.f("ix_bid_openings_lot_id"), "bid_openings", ["lot_id"])


def downgrade() -> None:
    op.drop_table("bid_openings")
    op.drop_table("opening_commands")
    op.drop_table("opening_events")
    op.drop_table("opening_sessions")
