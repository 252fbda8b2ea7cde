"""States are types: every status column of uploads, bids, openings and job executions takes only
its enum's values, checked by the database (a named CHECK constraint, as the models declare).

Existing rows already hold only these values: they are what the code has ever written (the upload's
``completing`` since 0007; nothing was renamed). A row that does not is named and the upgrade stops,
changing nothing.

SQLite adds a constraint by copying the table (batch mode); ``bidding.core.db.migrate`` runs migrations on
SQLite with its foreign-key enforcement off and checks every foreign key before the commit, so a table
that others refer to (``bids``) can be copied.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table → (constraint name after the naming convention, column, the values), frozen here as of this revision.
CHECKS: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    "bid_uploads": [
        ("ck_bid_uploads_upload_mode", "mode", ("chunked", "direct")),
        ("ck_bid_uploads_upload_status", "status", ("open", "completing", "completed", "rejected")),
    ],
    "bids": [("ck_bids_bid_status", "status", ("active", "replaced", "withdrawn"))],
    "job_executions": [("ck_job_executions_job_status", "status", ("done",))],
    "opening_sessions": [
        (
            "ck_opening_sessions_opening_state",
            "state",
            (
                "waiting",
                "extracted",
                "bidders_published",
                "decrypting",
                "paused",
                "announced",
                "objections",
                "signing",
                "closed",
                "failed",
                "adjourned",
            ),
        )
    ],
    "bid_openings": [
        ("ck_bid_openings_bid_opening_status", "status", ("pending", "decrypted", "failed")),
        ("ck_bid_openings_bid_opening_outcome", "outcome", ("revoked", "withdrawn")),
    ],
}


def _condition(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _refuse_unknown_values() -> None:
    bind = op.get_bind()
    for table, checks in CHECKS.items():
        for _, column, values in checks:
            found = bind.execute(
                sa.text(
                    f"SELECT DISTINCT {column} FROM {table} "  # noqa: S608 - names and values are the constants above
                    f"WHERE {column} IS NOT NULL AND NOT ({_condition(column, values)})"
                )
            ).scalars()
            unknown = sorted(str(value) for value in found)
            if unknown:
                raise RuntimeError(
                    f"{table}.{column} holds {unknown}, none of {list(values)}: "
                    "change those rows to a known state before migrating"
                )


def upgrade() -> None:
    _refuse_unknown_values()
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table) as batch:
            for name, column, values in checks:
                batch.create_check_constraint(op.f(name), _condition(column, values))


def downgrade() -> None:
    for table, checks in reversed(CHECKS.items()):
        with op.batch_alter_table(table) as batch:
            for name, _, _ in reversed(checks):
                batch.drop_constraint(op.f(name), type_="check")
