"""Expert pool (issue 19, ``bidding/experts/models.py``): the experts with their title level, years,
employer, region and status (active, suspended with reason and end, retired); their specialties; the
days they cannot serve; the organisations they must never evaluate; and the enrolment codes issued
for an expert, whose certificate then logs in as that expert.

Revision ID: 0014_expert_pool
Revises: 0013_deposit_refunds
Create Date: 2026-12-14
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_expert_pool"
down_revision: str | None = "0013_deposit_refunds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

#: The value sets as of this revision (``bidding.experts.pool_rules``).
TITLES = ("full_senior", "deputy_senior", "equivalent")
STATUSES = ("active", "suspended", "retired")


def _enum(table: str, name: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    listed = ", ".join(repr(v) for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=op.f(f"ck_{table}_{name}"))


def _fk(table: str, column: str, target: str, *, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{referred}"), ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "experts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("registry_no", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("id_number_hmac", sa.String(64), nullable=True),
        sa.Column("id_number_last4", sa.String(4), nullable=True),
        sa.Column("mobile", sa.String(11), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("employer_credit_code", sa.String(18), nullable=False),
        sa.Column("employer_name", sa.String(200), nullable=False),
        sa.Column("title", sa.String(16), nullable=False),
        sa.Column("title_name", sa.String(100), nullable=True),
        sa.Column("years_experience", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("suspended_reason", sa.Text(), nullable=True),
        sa.Column("suspended_until", sa.Date(), nullable=True),
        sa.Column("retired_reason", sa.Text(), nullable=True),
        sa.Column("retired_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        _enum("experts", "expert_title", "title", TITLES),
        _enum("experts", "expert_status", "status", STATUSES),
        sa.CheckConstraint("years_experience >= 8", name=op.f("ck_experts_years_at_least_eight")),
        sa.CheckConstraint(
            "status <> 'suspended' OR (suspended_reason IS NOT NULL AND suspended_until IS NOT NULL)",
            name=op.f("ck_experts_suspension_has_reason_and_end"),
        ),
        sa.CheckConstraint(
            "status <> 'retired' OR retired_at IS NOT NULL", name=op.f("ck_experts_retirement_has_time")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experts")),
        sa.UniqueConstraint("registry_no", name=op.f("uq_experts_registry_no")),
        sa.UniqueConstraint("id_number_hmac", name=op.f("uq_experts_id_number_hmac")),
    )
    op.create_index(op.f("ix_experts_status"), "experts", ["status"])
    op.create_index(op.f("ix_experts_employer_credit_code"), "experts", ["employer_credit_code"])
    op.create_index(op.f("ix_experts_region_code"), "experts", ["region_code"])
    op.create_table(
        "expert_specialties",
        sa.Column("expert_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(8), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        _fk("expert_specialties", "expert_id", "experts.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("expert_id", "code", name=op.f("pk_expert_specialties")),
    )
    op.create_index(op.f("ix_expert_specialties_code"), "expert_specialties", ["code"])
    op.create_table(
        "expert_unavailability",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("expert_id", sa.Uuid(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_expert_unavailability_period_in_order")),
        _fk("expert_unavailability", "expert_id", "experts.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_unavailability")),
    )
    op.create_index(
        op.f("ix_expert_unavailability_expert_id_starts_on"), "expert_unavailability", ["expert_id", "starts_on"]
    )
    op.create_table(
        "expert_conflicts",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("expert_id", sa.Uuid(), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("organisation_name", sa.String(200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("declared_on", sa.Date(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        _fk("expert_conflicts", "expert_id", "experts.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_conflicts")),
        sa.UniqueConstraint("expert_id", "credit_code", name=op.f("uq_expert_conflicts_expert_id_credit_code")),
    )
    op.create_index(op.f("ix_expert_conflicts_credit_code"), "expert_conflicts", ["credit_code"])
    op.create_table(
        "expert_enrolments",
        sa.Column("code_id", sa.Uuid(), nullable=False),
        sa.Column("expert_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _fk("expert_enrolments", "code_id", "enrolment_codes.id"),
        _fk("expert_enrolments", "expert_id", "experts.id"),
        sa.PrimaryKeyConstraint("code_id", name=op.f("pk_expert_enrolments")),
    )
    op.create_index(op.f("ix_expert_enrolments_expert_id"), "expert_enrolments", ["expert_id"])


def downgrade() -> None:
    op.drop_table("expert_enrolments")
    op.drop_table("expert_conflicts")
    op.drop_table("expert_unavailability")
    op.drop_table("expert_specialties")
    op.drop_table("experts")
