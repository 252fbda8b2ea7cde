"""The deposit book (issue 18): virtual sub-accounts, imported bank statements, booked entries
(unique booking key: exactly once), double-entry postings and legs, alerts, and one lock row per
collection account (``bidding/deposits/models.py``).

Status columns take only their enum's values (named CHECK constraints, frozen here as of this
revision); a leg is never zero, a sub-account leg names its lot and bidder, a collection leg its
bank account.

Revision ID: 0011_deposit_ledger
Revises: 0010
Create Date: 2026-12-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011_deposit_ledger"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ACCOUNT = 40
REF = 35

STATEMENT_KINDS = ("camt.053", "camt.052", "csv")
DIRECTIONS = ("CRDT", "DBIT")
ACCOUNT_KINDS = (
    "collection",
    "sub_account",
    "unmatched",
    "refunds_payable",
    "interest_expense",
    "forfeits",
    "opening_balance",
)
UNMATCHED_REASONS = (
    "no_suffix",
    "other_account",
    "malformed",
    "bad_check_digits",
    "unknown_sub_account",
    "no_router",
    "unknown_debit",
    "refund_amount_differs",
    "reversal_without_original",
)
QUEUE_STATES = ("open", "resolved", "cleared")
RESOLUTIONS = ("assigned", "return")
POSTING_KINDS = ("bank", "resolve", "refund", "forfeit", "opening")
ALERT_KINDS = (
    "sequence_gap",
    "reversal",
    "reversal_without_original",
    "original_after_reversal",
    "booking_key_conflict",
    "balance_mismatch",
)


def _enum(table: str, name: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    listed = ", ".join(repr(v) for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=op.f(f"ck_{table}_{name}"))


def upgrade() -> None:
    op.create_table(
        "deposit_books",
        sa.Column("account", sa.String(ACCOUNT), nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("touched_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("account", name=op.f("pk_deposit_books")),
    )
    op.create_table(
        "deposit_virtual_accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("collection_account", sa.String(ACCOUNT), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_deposit_virtual_accounts_lot_id_lots"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_deposit_virtual_accounts_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_virtual_accounts")),
        sa.UniqueConstraint(
            "lot_id", "organization_id", name=op.f("uq_deposit_virtual_accounts_lot_id_organization_id")
        ),
        sa.UniqueConstraint("number", name=op.f("uq_deposit_virtual_accounts_number")),
    )
    op.create_table(
        "bank_statements",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("account", sa.String(ACCOUNT), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("statement_id", sa.String(REF), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("opening_fen", sa.BigInteger(), nullable=True),
        sa.Column("closing_fen", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TS, nullable=True),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("source_name", sa.String(255), nullable=True),
        sa.Column("imported_at", TS, nullable=False),
        sa.Column("imported_by", sa.String(200), nullable=False),
        _enum("bank_statements", "statement_kind", "kind", STATEMENT_KINDS),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statements")),
        sa.UniqueConstraint(
            "account", "kind", "statement_id", name=op.f("uq_bank_statements_account_kind_statement_id")
        ),
    )
    op.create_index(op.f("ix_bank_statements_account_sequence"), "bank_statements", ["account", "sequence"])
    op.create_index(op.f("ix_bank_statements_source_sha256"), "bank_statements", ["source_sha256"])
    op.create_table(
        "bank_entries",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("booking_key", sa.Text(), nullable=False),
        sa.Column("statement_row_id", sa.BigInteger(), nullable=False),
        sa.Column("account", sa.String(ACCOUNT), nullable=False),
        sa.Column("statement_id", sa.String(REF), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=True),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("direction", sa.String(4), nullable=False),
        sa.Column("reversal", sa.Boolean(), nullable=False),
        sa.Column("booking_date", sa.Date(), nullable=True),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("booked_at", TS, nullable=True),
        sa.Column("bank_ref", sa.String(REF), nullable=True),
        sa.Column("end_to_end_id", sa.String(REF), nullable=True),
        sa.Column("reversal_of", sa.String(REF), nullable=True),
        sa.Column("counterparty_name", sa.String(140), nullable=True),
        sa.Column("counterparty_account", sa.String(ACCOUNT), nullable=True),
        sa.Column("addressed_account", sa.String(64), nullable=True),
        sa.Column("remittance", sa.Text(), nullable=False),
        sa.Column("counter_kind", sa.String(20), nullable=True),
        sa.Column("lot_id", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("consumed_by_id", sa.BigInteger(), nullable=True),
        sa.Column("unmatched_reason", sa.String(40), nullable=True),
        sa.Column("queue_state", sa.String(16), nullable=True),
        sa.Column("resolution", sa.String(16), nullable=True),
        sa.Column("resolution_reason", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(200), nullable=True),
        sa.Column("resolved_at", TS, nullable=True),
        sa.Column("return_refund_id", sa.String(REF), nullable=True),
        sa.Column("imported_at", TS, nullable=False),
        sa.CheckConstraint("amount_fen >= 0", name=op.f("ck_bank_entries_amount_not_negative")),
        _enum("bank_entries", "direction", "direction", DIRECTIONS),
        _enum("bank_entries", "counter_kind", "counter_kind", ACCOUNT_KINDS),
        _enum("bank_entries", "unmatched_reason", "unmatched_reason", UNMATCHED_REASONS),
        _enum("bank_entries", "queue_state", "queue_state", QUEUE_STATES),
        _enum("bank_entries", "resolution", "resolution", RESOLUTIONS),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_entries")),
        sa.UniqueConstraint("booking_key", name=op.f("uq_bank_entries_booking_key")),
        sa.UniqueConstraint("return_refund_id", name=op.f("uq_bank_entries_return_refund_id")),
    )
    for columns in (
        ["account", "bank_ref"],
        ["account", "end_to_end_id"],
        ["lot_id", "organization_id"],
        ["queue_state", "unmatched_reason"],
        ["statement_row_id"],
    ):
        op.create_index(op.f(f"ix_bank_entries_{'_'.join(columns)}"), "bank_entries", columns)
    op.create_table(
        "ledger_postings",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _enum("ledger_postings", "posting_kind", "kind", POSTING_KINDS),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_postings")),
        sa.UniqueConstraint("key", name=op.f("uq_ledger_postings_key")),
    )
    op.create_index(op.f("ix_ledger_postings_entry_id"), "ledger_postings", ["entry_id"])
    op.create_table(
        "ledger_legs",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("posting_id", sa.BigInteger(), nullable=False),
        sa.Column("account_kind", sa.String(20), nullable=False),
        sa.Column("bank_account", sa.String(ACCOUNT), nullable=True),
        sa.Column("lot_id", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount_fen <> 0", name=op.f("ck_ledger_legs_amount_not_zero")),
        sa.CheckConstraint(
            "(account_kind = 'sub_account') = (lot_id IS NOT NULL AND organization_id IS NOT NULL)",
            name=op.f("ck_ledger_legs_sub_account_named"),
        ),
        sa.CheckConstraint(
            "(account_kind = 'collection') = (bank_account IS NOT NULL)", name=op.f("ck_ledger_legs_collection_named")
        ),
        _enum("ledger_legs", "account_kind", "account_kind", ACCOUNT_KINDS),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_legs")),
    )
    op.create_index(op.f("ix_ledger_legs_posting_id"), "ledger_legs", ["posting_id"])
    op.create_index(op.f("ix_ledger_legs_lot_id_organization_id"), "ledger_legs", ["lot_id", "organization_id"])
    op.create_table(
        "deposit_alerts",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("account", sa.String(ACCOUNT), nullable=False),
        sa.Column("statement_id", sa.String(REF), nullable=True),
        sa.Column("entry_index", sa.Integer(), nullable=True),
        sa.Column("statement_row_id", sa.BigInteger(), nullable=True),
        sa.Column("details", JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _enum("deposit_alerts", "alert_kind", "kind", ALERT_KINDS),
        sa.ForeignKeyConstraint(
            ["statement_row_id"],
            ["bank_statements.id"],
            name=op.f("fk_deposit_alerts_statement_row_id_bank_statements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_alerts")),
    )
    op.create_index(op.f("ix_deposit_alerts_created_at"), "deposit_alerts", ["created_at"])
    op.create_index(op.f("ix_deposit_alerts_kind"), "deposit_alerts", ["kind"])


def downgrade() -> None:
    op.drop_table("deposit_alerts")
    op.drop_table("ledger_legs")
    op.drop_table("ledger_postings")
    op.drop_table("bank_entries")
    op.drop_table("bank_statements")
    op.drop_table("deposit_virtual_accounts")
    op.drop_table("deposit_books")
