"""Deposit refunds (issue 18, ``bidding/deposits/refund_models.py``): the triggers recorded
(withdrawal 条例 35, termination 条例 31, contract 条例 57, award notice 政采条例 33), the refunds and
the payments each returns, forfeits (条例 35, 74), payment files (pain.001 and CSV) with their items,
the bank's pain.002 reports, guarantees released; and three new alert kinds of the book
(``refund_overdue``, ``refund_rejected``, ``refund_report_conflict``).

Revision ID: 0013_deposit_refunds
Revises: 0012_deposit_participation
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013_deposit_refunds"
down_revision: str | None = "0012_deposit_participation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ACCOUNT = 40
REF = 35

#: The value sets as of this revision (``bidding.deposits.refund_rules``, ``refund_models``, ``ledger``).
TRIGGERS = ("withdrawal", "termination", "contract_signed", "award_notice")
REFUND_STATUSES = ("due", "exported", "paid", "closed")
FORFEIT_REASONS = (
    "revoked_after_deadline",
    "winner_refused_contract",
    "winner_added_conditions",
    "no_performance_security",
)
BATCH_STATUSES = ("exported", "cancelled")
ALERT_KINDS_BEFORE = (
    "sequence_gap",
    "reversal",
    "reversal_without_original",
    "original_after_reversal",
    "booking_key_conflict",
    "balance_mismatch",
)
ALERT_KINDS = (*ALERT_KINDS_BEFORE, "refund_overdue", "refund_rejected", "refund_report_conflict")


def _enum(table: str, name: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    listed = ", ".join(repr(v) for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=op.f(f"ck_{table}_{name}"))


def _fk(table: str, column: str, target: str, *, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{referred}"), ondelete=ondelete)


def _alert_kinds(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("deposit_alerts") as batch:
        batch.drop_constraint(op.f("ck_deposit_alerts_alert_kind"), type_="check")
        listed = ", ".join(repr(v) for v in values)
        batch.create_check_constraint(op.f("ck_deposit_alerts_alert_kind"), f"kind IN ({listed})")


def upgrade() -> None:
    _alert_kinds(ALERT_KINDS)
    op.create_table(
        "deposit_refund_batches",
        sa.Column("id", sa.String(REF), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("debtor_account", sa.String(ACCOUNT), nullable=False),
        sa.Column("execution_date", sa.Date(), nullable=False),
        sa.Column("refunds", sa.Integer(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("pain001", sa.LargeBinary(), nullable=False),
        sa.Column("pain001_sha256", sa.String(64), nullable=False),
        sa.Column("csv", sa.LargeBinary(), nullable=False),
        sa.Column("csv_sha256", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("cancelled_at", TS, nullable=True),
        sa.Column("cancelled_by", sa.String(200), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        _enum("deposit_refund_batches", "batch_status", "status", BATCH_STATUSES),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_refund_batches")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_deposit_refund_batches_idempotency_key")),
    )
    op.create_index(op.f("ix_deposit_refund_batches_created_at"), "deposit_refund_batches", ["created_at"])
    op.create_table(
        "deposit_payment_reports",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("batch_id", sa.String(REF), nullable=False),
        sa.Column("message_id", sa.String(REF), nullable=True),
        sa.Column("summary", JSON, nullable=False),
        sa.Column("imported_at", TS, nullable=False),
        sa.Column("imported_by", sa.String(200), nullable=False),
        _fk("deposit_payment_reports", "batch_id", "deposit_refund_batches.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_payment_reports")),
        sa.UniqueConstraint("sha256", name=op.f("uq_deposit_payment_reports_sha256")),
    )
    op.create_index(op.f("ix_deposit_payment_reports_batch_id"), "deposit_payment_reports", ["batch_id"])
    op.create_table(
        "deposit_forfeits",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("decided_at", TS, nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        _enum("deposit_forfeits", "forfeit_reason", "reason", FORFEIT_REASONS),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_deposit_forfeits_amount_positive")),
        _fk("deposit_forfeits", "lot_id", "lots.id", ondelete="RESTRICT"),
        _fk("deposit_forfeits", "organization_id", "organizations.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_forfeits")),
        sa.UniqueConstraint("lot_id", "organization_id", name=op.f("uq_deposit_forfeits_lot_id_organization_id")),
    )
    op.create_table(
        "deposit_refund_triggers",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("working_days", sa.Boolean(), nullable=False),
        sa.Column("excluded", JSON, nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        _enum("deposit_refund_triggers", "refund_trigger", "trigger", TRIGGERS),
        _fk("deposit_refund_triggers", "lot_id", "lots.id", ondelete="RESTRICT"),
        _fk("deposit_refund_triggers", "organization_id", "organizations.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_refund_triggers")),
        sa.UniqueConstraint("lot_id", "trigger", "scope", name=op.f("uq_deposit_refund_triggers_lot_id_trigger_scope")),
    )
    op.create_table(
        "deposit_guarantee_releases",
        sa.Column("guarantee_id", sa.Uuid(), nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("trigger_id", sa.BigInteger(), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=False),
        sa.Column("released_at", TS, nullable=False),
        _fk("deposit_guarantee_releases", "guarantee_id", "deposit_guarantees.id"),
        _fk("deposit_guarantee_releases", "lot_id", "lots.id", ondelete="RESTRICT"),
        _fk("deposit_guarantee_releases", "organization_id", "organizations.id"),
        sa.ForeignKeyConstraint(
            ["trigger_id"], ["deposit_refund_triggers.id"], name="fk_deposit_guarantee_releases_trigger"
        ),
        sa.PrimaryKeyConstraint("guarantee_id", name=op.f("pk_deposit_guarantee_releases")),
    )
    op.create_index(
        op.f("ix_deposit_guarantee_releases_lot_id_organization_id"),
        "deposit_guarantee_releases",
        ["lot_id", "organization_id"],
    )
    op.create_table(
        "deposit_refunds",
        sa.Column("id", sa.String(REF), nullable=False),
        sa.Column("trigger_id", sa.BigInteger(), nullable=False),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("collection_account", sa.String(ACCOUNT), nullable=False),
        sa.Column("creditor_account", sa.String(ACCOUNT), nullable=False),
        sa.Column("creditor_name", sa.String(140), nullable=False),
        sa.Column("to_basic_account", sa.Boolean(), nullable=False),
        sa.Column("round_no", sa.Integer(), nullable=False),
        sa.Column("triggered_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("working_days", sa.Boolean(), nullable=False),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("interest_fen", sa.BigInteger(), nullable=False),
        sa.Column("charge_fen", sa.BigInteger(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("interest_to", sa.Date(), nullable=False),
        sa.Column("batch_id", sa.String(REF), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("settled_entry_id", sa.BigInteger(), nullable=True),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("bank_status", sa.String(4), nullable=True),
        sa.Column("bank_reason", sa.Text(), nullable=True),
        sa.Column("rejections", sa.Integer(), nullable=False),
        sa.Column("overdue_alerted_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        _enum("deposit_refunds", "refund_trigger", "trigger", TRIGGERS),
        _enum("deposit_refunds", "refund_status", "status", REFUND_STATUSES),
        sa.CheckConstraint(
            "amount_fen = principal_fen + interest_fen + charge_fen", name=op.f("ck_deposit_refunds_amount_sum")
        ),
        sa.CheckConstraint(
            "interest_fen >= 0 AND charge_fen >= 0", name=op.f("ck_deposit_refunds_interest_not_negative")
        ),
        sa.CheckConstraint("principal_fen > 0", name=op.f("ck_deposit_refunds_principal_positive")),
        _fk("deposit_refunds", "batch_id", "deposit_refund_batches.id"),
        _fk("deposit_refunds", "lot_id", "lots.id", ondelete="RESTRICT"),
        _fk("deposit_refunds", "organization_id", "organizations.id"),
        _fk("deposit_refunds", "settled_entry_id", "bank_entries.id"),
        _fk("deposit_refunds", "trigger_id", "deposit_refund_triggers.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_refunds")),
        sa.UniqueConstraint(
            "trigger_id",
            "organization_id",
            "collection_account",
            "creditor_account",
            "round_no",
            name="uq_deposit_refunds_natural_key",
        ),
    )
    op.create_index(op.f("ix_deposit_refunds_batch_id"), "deposit_refunds", ["batch_id"])
    op.create_index(op.f("ix_deposit_refunds_lot_id_organization_id"), "deposit_refunds", ["lot_id", "organization_id"])
    op.create_index(op.f("ix_deposit_refunds_status_due_on"), "deposit_refunds", ["status", "due_on"])
    op.create_table(
        "deposit_refund_batch_items",
        sa.Column("batch_id", sa.String(REF), nullable=False),
        sa.Column("refund_id", sa.String(REF), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("bank_status", sa.String(4), nullable=True),
        _fk("deposit_refund_batch_items", "batch_id", "deposit_refund_batches.id"),
        _fk("deposit_refund_batch_items", "refund_id", "deposit_refunds.id"),
        sa.PrimaryKeyConstraint("batch_id", "refund_id", name=op.f("pk_deposit_refund_batch_items")),
    )
    op.create_index(op.f("ix_deposit_refund_batch_items_refund_id"), "deposit_refund_batch_items", ["refund_id"])
    op.create_table(
        "deposit_refund_items",
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("refund_id", sa.String(REF), nullable=True),
        sa.Column("forfeit_id", sa.BigInteger(), nullable=True),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("interest_fen", sa.BigInteger(), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.CheckConstraint(
            "(refund_id IS NULL) <> (forfeit_id IS NULL)", name=op.f("ck_deposit_refund_items_refund_or_forfeit")
        ),
        _fk("deposit_refund_items", "entry_id", "bank_entries.id"),
        _fk("deposit_refund_items", "forfeit_id", "deposit_forfeits.id"),
        _fk("deposit_refund_items", "lot_id", "lots.id", ondelete="RESTRICT"),
        _fk("deposit_refund_items", "organization_id", "organizations.id"),
        _fk("deposit_refund_items", "refund_id", "deposit_refunds.id"),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_deposit_refund_items")),
    )
    op.create_index(
        op.f("ix_deposit_refund_items_lot_id_organization_id"), "deposit_refund_items", ["lot_id", "organization_id"]
    )
    op.create_index(op.f("ix_deposit_refund_items_refund_id"), "deposit_refund_items", ["refund_id"])


def downgrade() -> None:
    op.drop_table("deposit_refund_items")
    op.drop_table("deposit_refund_batch_items")
    op.drop_table("deposit_refunds")
    op.drop_table("deposit_guarantee_releases")
    op.drop_table("deposit_refund_triggers")
    op.drop_table("deposit_forfeits")
    op.drop_table("deposit_payment_reports")
    op.drop_table("deposit_refund_batches")
    op.execute(sa.text("DELETE FROM deposit_alerts WHERE kind LIKE 'refund_%'"))
    _alert_kinds(ALERT_KINDS_BEFORE)
