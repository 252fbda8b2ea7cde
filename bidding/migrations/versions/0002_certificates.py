"""Certificates issued by the platform CA and one-time enrolment codes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("serial_hex", sa.String(40), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("common_name", sa.String(200), nullable=False),
        sa.Column("key_type", sa.String(32), nullable=False),
        sa.Column("not_before", TS, nullable=False),
        sa.Column("not_after", TS, nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("issued_by", sa.String(200), nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("revocation_reason", sa.String(32), nullable=True),
        sa.Column("revoked_by", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_certificates_organization_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_certificates_fingerprint")),
        sa.UniqueConstraint("serial_hex", name=op.f("uq_certificates_serial_hex")),
    )
    op.create_index(op.f("ix_certificates_organization_id"), "certificates", ["organization_id"])
    op.create_index(op.f("ix_certificates_revoked_at"), "certificates", ["revoked_at"])

    op.create_table(
        "enrolment_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code_sha256", sa.String(64), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("used_at", TS, nullable=True),
        sa.Column("certificate_id", sa.Uuid(), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"], ["certificates.id"], name=op.f("fk_enrolment_codes_certificate_id_certificates")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_enrolment_codes_organization_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment_codes")),
        sa.UniqueConstraint("code_sha256", name=op.f("uq_enrolment_codes_code_sha256")),
    )
    op.create_index(op.f("ix_enrolment_codes_organization_id"), "enrolment_codes", ["organization_id"])


def downgrade() -> None:
    op.drop_table("enrolment_codes")
    op.drop_table("certificates")
