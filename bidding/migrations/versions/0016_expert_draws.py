"""Expert draws (``bidding/experts/draw_models.py``, ``docs/expert-draws.md``): the committee asked for
one or more lots, its verifiable rounds (commitments, the sealed server seed and record, the TSA
token), the experts excluded with their reasons, and the seats with their invitations (the expert of
each seat sealed at rest).

Revision ID: 0016_expert_draws
Revises: 0015_messaging
Create Date: 2026-12-16
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016_expert_draws"
down_revision: str | None = "0015_messaging"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

#: The value sets as of this revision (``bidding.experts.draw_states``).
DRAW_STATUSES = ("requested", "committed", "inviting", "complete", "short", "final", "cancelled", "failed")
SEAT_KINDS = ("seat", "backup")
SEAT_STATUSES = ("reserve", "invited", "accepted", "declined", "timed_out", "released")


def _enum(table: str, name: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    listed = ", ".join(repr(v) for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=op.f(f"ck_{table}_{name}"))


def upgrade() -> None:
    op.create_table(
        "expert_draws",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("requested_by_org", sa.Uuid(), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("requested_at", TS, nullable=False),
        sa.Column("evaluation_at", TS, nullable=False),
        sa.Column("evaluation_end", TS, nullable=True),
        sa.Column("place", sa.String(200), nullable=True),
        sa.Column("remote", sa.Boolean(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("representatives", sa.Integer(), nullable=False),
        sa.Column("seats", JSON, nullable=False),
        sa.Column("backups", JSON, nullable=False),
        sa.Column("government_procurement", sa.Boolean(), nullable=False),
        sa.Column("complex_or_high_impact", sa.Boolean(), nullable=False),
        sa.Column("budget_fen", sa.BigInteger(), nullable=True),
        sa.Column("regions_included", JSON, nullable=False),
        sa.Column("regions_excluded", JSON, nullable=False),
        sa.Column("draw_at", TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("shortfall", JSON, nullable=True),
        sa.Column("finalised_at", TS, nullable=True),
        sa.Column("finalised_by", sa.String(200), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("size >= 5 AND size % 2 = 1", name=op.f("ck_expert_draws_size_odd_at_least_five")),
        sa.CheckConstraint("3 * (size - representatives) >= 2 * size", name=op.f("ck_expert_draws_experts_two_thirds")),
        sa.CheckConstraint("remote OR place IS NOT NULL", name=op.f("ck_expert_draws_place_or_remote")),
        _enum("expert_draws", "expert_draw_status", "status", DRAW_STATUSES),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_expert_draws_project_id_projects")),
        sa.ForeignKeyConstraint(
            ["requested_by_org"], ["organizations.id"], name=op.f("fk_expert_draws_requested_by_org_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_draws")),
    )
    op.create_index(op.f("ix_expert_draws_status_draw_at"), "expert_draws", ["status", "draw_at"])
    op.create_index(op.f("ix_expert_draws_project_id"), "expert_draws", ["project_id"])
    op.create_table(
        "expert_draw_lots",
        sa.Column("draw_id", sa.Uuid(), nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draw_id"], ["expert_draws.id"], name=op.f("fk_expert_draw_lots_draw_id_expert_draws"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_expert_draw_lots_lot_id_lots")),
        sa.PrimaryKeyConstraint("draw_id", "lot_id", name=op.f("pk_expert_draw_lots")),
    )
    op.create_index(op.f("ix_expert_draw_lots_lot_id"), "expert_draw_lots", ["lot_id"])
    op.create_table(
        "expert_draw_rounds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("draw_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("published", JSON, nullable=False),
        sa.Column("pool_commitment", sa.String(64), nullable=False),
        sa.Column("server_seed_commitment", sa.String(64), nullable=False),
        sa.Column("server_seed_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("committed_at", TS, nullable=False),
        sa.Column("timestamp_token", sa.LargeBinary(), nullable=True),
        sa.Column("public_inputs", JSON, nullable=True),
        sa.Column("record_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("record_public", sa.Text(), nullable=True),
        sa.Column("drawn_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["draw_id"],
            ["expert_draws.id"],
            name=op.f("fk_expert_draw_rounds_draw_id_expert_draws"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_draw_rounds")),
        sa.UniqueConstraint("draw_id", "number", name=op.f("uq_expert_draw_rounds_draw_id_number")),
    )
    op.create_table(
        "expert_draw_exclusions",
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("expert_id", sa.Uuid(), nullable=False),
        sa.Column("reasons", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["expert_draw_rounds.id"],
            name=op.f("fk_expert_draw_exclusions_round_id_expert_draw_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_expert_draw_exclusions_expert_id_experts")
        ),
        sa.PrimaryKeyConstraint("round_id", "expert_id", name=op.f("pk_expert_draw_exclusions")),
    )
    op.create_table(
        "expert_draw_seats",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("draw_id", sa.Uuid(), nullable=False),
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("specialty", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.String(64), nullable=False),
        sa.Column("lookup", sa.String(64), nullable=False),
        sa.Column("expert_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("invited_at", TS, nullable=True),
        sa.Column("answer_due_at", TS, nullable=True),
        sa.Column("answered_at", TS, nullable=True),
        sa.Column("answered_via", sa.String(16), nullable=True),
        sa.Column("token_sha256", sa.String(64), nullable=True),
        sa.Column("signed_in_at", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        _enum("expert_draw_seats", "expert_seat_kind", "kind", SEAT_KINDS),
        _enum("expert_draw_seats", "expert_seat_status", "status", SEAT_STATUSES),
        sa.ForeignKeyConstraint(
            ["draw_id"], ["expert_draws.id"], name=op.f("fk_expert_draw_seats_draw_id_expert_draws"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["expert_draw_rounds.id"],
            name=op.f("fk_expert_draw_seats_round_id_expert_draw_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_draw_seats")),
        sa.UniqueConstraint(
            "draw_id", "specialty", "position", name=op.f("uq_expert_draw_seats_draw_id_specialty_position")
        ),
        sa.UniqueConstraint("round_id", "pseudonym", name=op.f("uq_expert_draw_seats_round_id_pseudonym")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_expert_draw_seats_token_sha256")),
    )
    op.create_index(
        op.f("ix_expert_draw_seats_draw_id_specialty_status"), "expert_draw_seats", ["draw_id", "specialty", "status"]
    )
    op.create_index(op.f("ix_expert_draw_seats_lookup"), "expert_draw_seats", ["lookup"])
    op.create_index(op.f("ix_expert_draw_seats_status_answer_due_at"), "expert_draw_seats", ["status", "answer_due_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_expert_draw_seats_status_answer_due_at"), table_name="expert_draw_seats")
    op.drop_index(op.f("ix_expert_draw_seats_lookup"), table_name="expert_draw_seats")
    op.drop_index(op.f("ix_expert_draw_seats_draw_id_specialty_status"), table_name="expert_draw_seats")
    op.drop_table("expert_draw_seats")
    op.drop_table("expert_draw_exclusions")
    op.drop_table("expert_draw_rounds")
    op.drop_index(op.f("ix_expert_draw_lots_lot_id"), table_name="expert_draw_lots")
    op.drop_table("expert_draw_lots")
    op.drop_index(op.f("ix_expert_draws_project_id"), table_name="expert_draws")
    op.drop_index(op.f("ix_expert_draws_status_draw_at"), table_name="expert_draws")
    op.drop_table("expert_draws")
