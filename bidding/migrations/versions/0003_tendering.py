"""Tender documents, announcements, document downloads, notifications; the clarification deadline.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KINDS = (
    "tender",
    "clarification",
    "amendment",
    "termination",
    "opening_record",
    "candidate_publicity",
    "award",
)


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("clarification_deadline", TS, nullable=True))
    # Plain ADD COLUMN (no batch copy): a table rebuild on SQLite would drop the append-only triggers.
    op.add_column("audit_events", sa.Column("embargo_project_id", sa.Uuid(), nullable=True))

    op.create_table(
        "announcements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="announcement_kind", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("published_at", TS, nullable=False),
        sa.Column("published_by", sa.String(200), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_announcements_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    op.create_index(op.f("ix_announcements_published_at"), "announcements", ["published_at"])
    op.create_index(op.f("ix_announcements_project_id_published_at"), "announcements", ["project_id", "published_at"])

    op.create_table(
        "tender_documents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("object_key", sa.String(300), nullable=False),
        sa.Column("uploaded_at", TS, nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("published_at", TS, nullable=True),
        sa.Column("announcement_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcements.id"],
            name=op.f("fk_tender_documents_announcement_id_announcements"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_tender_documents_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tender_documents")),
        sa.UniqueConstraint("object_key", name=op.f("uq_tender_documents_object_key")),
        sa.UniqueConstraint("project_id", "version", name=op.f("uq_tender_documents_project_id_version")),
    )

    op.create_table(
        "document_downloads",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("downloaded_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["tender_documents.id"],
            name=op.f("fk_document_downloads_document_id_tender_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_document_downloads_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_document_downloads_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_downloads")),
    )
    op.create_index(
        op.f("ix_document_downloads_project_id_organization_id"),
        "document_downloads",
        ["project_id", "organization_id"],
    )

    op.create_table(
        "notifications",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("announcement_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("read_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcements.id"],
            name=op.f("fk_notifications_announcement_id_announcements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_notifications_organization_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_notifications_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "organization_id", "announcement_id", name=op.f("uq_notifications_organization_id_announcement_id")
        ),
    )
    op.create_index(op.f("ix_notifications_organization_id_id"), "notifications", ["organization_id", "id"])


def downgrade() -> None:
    op.drop_column("audit_events", "embargo_project_id")
    op.drop_table("notifications")
    op.drop_table("document_downloads")
    op.drop_table("tender_documents")
    op.drop_table("announcements")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("clarification_deadline")
