"""Who takes part stays sealed until the deadline (办法 21): sealed audit events, released into the
trail with fresh ids after the deadline; bidders' sign-ins before the deadline outside the numbered
events of the opening room.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
APPEND_ONLY_MSG = "audit_sealed_events is append-only (审计记录只能追加，不能修改或删除)"


def upgrade() -> None:
    op.create_table(
        "audit_sealed_events",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("client_address", sa.String(64), nullable=True),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("object_type", sa.String(50), nullable=False),
        sa.Column("object_id", sa.String(100), nullable=True),
        sa.Column("content_sha256", sa.String(64), nullable=True),
        sa.Column("details", JSON, nullable=False),
        sa.Column("embargo_project_id", sa.Uuid(), nullable=False),
        sa.Column("embargo_lot_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_sealed_events")),
    )
    op.create_index(op.f("ix_audit_sealed_events_embargo_project_id"), "audit_sealed_events", ["embargo_project_id"])
    # A unique index, not a constraint: SQLite cannot add a UNIQUE column to an existing table.
    op.add_column("audit_events", sa.Column("released_from", sa.BigInteger(), nullable=True))
    op.create_index(op.f("ix_audit_events_released_from"), "audit_events", ["released_from"], unique=True)

    # 办法 14/49: sealed records may no more be altered or destroyed than the trail.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_sealed_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MSG}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_sealed_events_no_change BEFORE UPDATE OR DELETE ON audit_sealed_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_sealed_events_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_sealed_events_no_truncate BEFORE TRUNCATE ON audit_sealed_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_sealed_events_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_sealed_events_no_{verb.lower()} BEFORE {verb} ON audit_sealed_events "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MSG}'); END"
            )

    op.create_table(
        "opening_sign_ins",
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("signed_in_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_opening_sign_ins_lot_id_lots"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_opening_sign_ins_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("lot_id", "organization_id", name=op.f("pk_opening_sign_ins")),
    )


def downgrade() -> None:
    op.drop_table("opening_sign_ins")
    op.drop_index(op.f("ix_audit_events_released_from"), table_name="audit_events")
    op.drop_column("audit_events", "released_from")
    op.drop_table("audit_sealed_events")  # drops its triggers with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_sealed_events_append_only()")
