"""A bid's data key, kept encrypted on the bid once its form is decrypted at the opening, for the
worker that decrypts its body (the job gets the bid id alone: nothing secret in Redis).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("bids", sa.Column("opened_data_key", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    op.drop_column("bids", "opened_data_key")
