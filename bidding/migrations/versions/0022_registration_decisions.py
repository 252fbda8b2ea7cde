"""The administrator's decision on an organisation's registration: ``organizations.decided_at``,
``decided_by`` and ``decision_reason`` (all nullable; an approval fills the first two, a refusal all
three), and the status ``refused`` added to ``ck_organizations_org_status`` (issue 25, the
administrator's console: a registration refused with a reason the organisation is told).

Revision ID: 0022_registration_decisions
Revises: 0021_document_metadata
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_registration_decisions"
down_revision: str | None = "0021_document_metadata"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = ("pending", "approved", "suspended")
_AFTER = (*_BEFORE, "refused")


def _statuses(values: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table("organizations") as batch:
        batch.drop_constraint(op.f("ck_organizations_org_status"), type_="check")
        batch.create_check_constraint(op.f("ck_organizations_org_status"), f"status IN ({listed})")


def upgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("decided_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("decision_reason", sa.String(length=500), nullable=True))
    _statuses(_AFTER)


def downgrade() -> None:
    op.execute("UPDATE organizations SET status = 'suspended' WHERE status = 'refused'")
    _statuses(_BEFORE)
    with op.batch_alter_table("organizations") as batch:
        batch.drop_column("decision_reason")
        batch.drop_column("decided_by")
        batch.drop_column("decided_at")
