"""A direct upload's staged object as it was when its arrival was decided: the store's ETag, so that
the verification reads those bytes or refuses the upload, never bytes written after the arrival
through a signed upload form that is still valid (an S3 POST form cannot be revoked).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("bid_uploads", sa.Column("staged_etag", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bid_uploads") as batch:
        batch.drop_column("staged_etag")
