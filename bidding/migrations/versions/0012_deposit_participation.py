"""The bidders' side of deposits (issue 18, ``bidding/deposits/participation_models.py``): a lot's
deposit requirement (accepted forms, basic account, design/survey cap, bid validity), organisations'
basic accounts, electronic guarantees, the deposit statuses the opening took, the payer list
released at extraction (办法 21) and collusion signals (条例 40(六)).

Existing lots get the defaults the agent's form gives a new one: transfers and guarantees accepted,
the basic account required for works, 90 days of bid validity.

Revision ID: 0012_deposit_participation
Revises: 0011_deposit_ledger
Create Date: 2026-12-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_deposit_participation"
down_revision: str | None = "0011_deposit_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ACCOUNT = 40
#: ``bidding.deposits.matching.DepositStatus`` as of this revision.
DEPOSIT_STATUSES = ("paid", "short", "late", "wrong_payer", "guarantee", "exempt", "none", "not_checked")


def upgrade() -> None:
    op.add_column(
        "lots",
        sa.Column(
            "deposit_forms", JSON, nullable=False, server_default=sa.text('\'["bank_transfer", "e_guarantee"]\'')
        ),
    )
    op.add_column("lots", sa.Column("deposit_basic_account", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("lots", sa.Column("design_survey", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("lots", sa.Column("bid_validity_days", sa.Integer(), nullable=False, server_default="90"))
    op.execute(
        sa.text(
            "UPDATE lots SET deposit_basic_account = :yes "
            "WHERE project_id IN (SELECT id FROM projects WHERE category = 'works')"
        ).bindparams(yes=True)
    )
    with op.batch_alter_table("lots") as batch:
        batch.create_check_constraint(op.f("ck_lots_bid_validity_range"), "bid_validity_days BETWEEN 1 AND 365")

    op.create_table(
        "basic_accounts",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("bank_name", sa.String(100), nullable=False),
        sa.Column("account_number", sa.String(ACCOUNT), nullable=False),
        sa.Column("account_name", sa.String(200), nullable=False),
        sa.Column("registered_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_basic_accounts_organization_id_organizations")
        ),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_basic_accounts")),
    )
    op.create_index(op.f("ix_basic_accounts_account_number"), "basic_accounts", ["account_number"])
    op.create_table(
        "deposit_guarantees",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("guarantee_no", sa.String(64), nullable=False),
        sa.Column("issuer", sa.String(200), nullable=False),
        sa.Column("beneficiary", sa.String(200), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("object_key", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("signature", JSON, nullable=False),
        sa.Column("attached_at", TS, nullable=False),
        sa.Column("attached_by", sa.String(200), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_deposit_guarantees_amount_positive")),
        sa.CheckConstraint("valid_from <= valid_until", name=op.f("ck_deposit_guarantees_validity_ordered")),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_deposit_guarantees_lot_id_lots"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_deposit_guarantees_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_guarantees")),
        sa.UniqueConstraint("issuer", "guarantee_no", name=op.f("uq_deposit_guarantees_issuer_guarantee_no")),
        sa.UniqueConstraint("object_key", name=op.f("uq_deposit_guarantees_object_key")),
        sa.UniqueConstraint("sha256", name=op.f("uq_deposit_guarantees_sha256")),
    )
    op.create_index(
        op.f("ix_deposit_guarantees_lot_id_organization_id"), "deposit_guarantees", ["lot_id", "organization_id"]
    )
    listed = ", ".join(repr(v) for v in DEPOSIT_STATUSES)
    op.create_table(
        "deposit_checks",
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("required_fen", sa.BigInteger(), nullable=False),
        sa.Column("counted_fen", sa.BigInteger(), nullable=False),
        sa.Column("received_fen", sa.BigInteger(), nullable=False),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("guarantee_id", sa.Uuid(), nullable=True),
        sa.Column("checked_at", TS, nullable=False),
        sa.CheckConstraint(f"status IN ({listed})", name=op.f("ck_deposit_checks_deposit_status")),
        sa.ForeignKeyConstraint(
            ["guarantee_id"], ["deposit_guarantees.id"], name=op.f("fk_deposit_checks_guarantee_id_deposit_guarantees")
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_deposit_checks_lot_id_lots"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_deposit_checks_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("lot_id", "organization_id", name=op.f("pk_deposit_checks")),
    )
    op.create_table(
        "deposit_payer_releases",
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("released_at", TS, nullable=False),
        sa.Column("released_by", sa.String(200), nullable=False),
        sa.Column("payers", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_deposit_payer_releases_lot_id_lots"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("lot_id", name=op.f("pk_deposit_payer_releases")),
    )
    op.create_table(
        "deposit_signals",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("payer_account", sa.String(ACCOUNT), nullable=False),
        sa.Column("organization_ids", JSON, nullable=False),
        sa.Column("detected_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_deposit_signals_lot_id_lots"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_signals")),
        sa.UniqueConstraint("lot_id", "payer_account", name=op.f("uq_deposit_signals_lot_id_payer_account")),
    )


def downgrade() -> None:
    op.drop_table("deposit_signals")
    op.drop_table("deposit_payer_releases")
    op.drop_table("deposit_checks")
    op.drop_index(op.f("ix_deposit_guarantees_lot_id_organization_id"), table_name="deposit_guarantees")
    op.drop_table("deposit_guarantees")
    op.drop_index(op.f("ix_basic_accounts_account_number"), table_name="basic_accounts")
    op.drop_table("basic_accounts")
    with op.batch_alter_table("lots") as batch:
        batch.drop_constraint(op.f("ck_lots_bid_validity_range"), type_="check")
        batch.drop_column("bid_validity_days")
        batch.drop_column("design_survey")
        batch.drop_column("deposit_basic_account")
        batch.drop_column("deposit_forms")
