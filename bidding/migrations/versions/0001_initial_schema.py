"""Initial schema: organisations, projects, lots, append-only audit events, job executions.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


APPEND_ONLY_MSG = "audit_events is append-only (审计记录只能追加，不能修改或删除)"


def upgrade() -> None:
    op.create_table(
        "audit_events",
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_object_type_object_id"), "audit_events", ["object_type", "object_id"])
    op.create_index(op.f("ix_audit_events_occurred_at"), "audit_events", ["occurred_at"])

    op.create_table(
        "job_executions",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("job_key", sa.String(200), nullable=False),
        sa.Column("function", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("result", JSON, nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_executions")),
        sa.UniqueConstraint("job_key", name=op.f("uq_job_executions_job_key")),
    )
    op.create_table(
        "organizations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column(
            "kind", _enum("org_kind", "trading_centre", "agent", "tenderer", "bidder", "supervisor"), nullable=False
        ),
        sa.Column("status", _enum("org_status", "pending", "approved", "suspended"), nullable=False),
        sa.Column("contact_name", sa.String(100), nullable=True),
        sa.Column("contact_phone", sa.String(40), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_organizations_credit_code")),
    )
    op.create_table(
        "projects",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("category", _enum("category", "works", "goods", "services"), nullable=False),
        sa.Column(
            "status",
            _enum("project_status", "draft", "published", "evaluation", "awarded", "failed", "cancelled"),
            nullable=False,
        ),
        sa.Column("tenderer_id", sa.Uuid(), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=False),
        sa.Column("region", sa.String(100), nullable=True),
        sa.Column("published_at", TS, nullable=True),
        sa.Column("tender_start_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["organizations.id"], name=op.f("fk_projects_agent_id_organizations")),
        sa.ForeignKeyConstraint(
            ["tenderer_id"], ["organizations.id"], name=op.f("fk_projects_tenderer_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("code", name=op.f("uq_projects_code")),
    )
    op.create_index(op.f("ix_projects_status"), "projects", ["status"])
    op.create_table(
        "lots",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("estimated_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("deposit_fen", sa.BigInteger(), nullable=False),
        sa.Column("bid_deadline", TS, nullable=True),
        sa.Column("decrypt_window_minutes", sa.Integer(), nullable=False),
        sa.Column("objection_window_minutes", sa.Integer(), nullable=False),
        sa.Column("form_fields", JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint("decrypt_window_minutes BETWEEN 1 AND 1440", name=op.f("ck_lots_decrypt_window_range")),
        sa.CheckConstraint(
            "deposit_fen >= 0 AND deposit_fen * 50 <= estimated_price_fen", name=op.f("ck_lots_deposit_max_2pct")
        ),
        sa.CheckConstraint("estimated_price_fen > 0", name=op.f("ck_lots_estimate_positive")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_lots_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lots")),
        sa.UniqueConstraint("project_id", "code", name=op.f("uq_lots_project_id_code")),
    )
    op.create_index(op.f("ix_lots_bid_deadline"), "lots", ["bid_deadline"])

    # 办法 14/49: operation records may not be altered or destroyed, whatever code connects.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MSG}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MSG}'); END"
            )


def downgrade() -> None:
    op.drop_table("lots")
    op.drop_table("projects")
    op.drop_table("organizations")
    op.drop_table("job_executions")
    op.drop_table("audit_events")  # drops its triggers with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
