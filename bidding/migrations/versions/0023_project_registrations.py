"""The tenderer's project registrations (项目登记) with the agent it appointed and the project the
agent created from it, and the tenderer's decisions on the tender documents of such a project
(``bidding/tendering/models.py``, ``docs/tendering.md`` §The tenderer; issue 25).

The status and the decision are enum columns with their named CHECKs
(``ck_project_registrations_registration_status``, ``ck_tender_document_approvals_document_decision``).

Revision ID: 0023_project_registrations
Revises: 0022_registration_decisions
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bidding.core.db.types

revision: str = "0023_project_registrations"
down_revision: str | None = "0022_registration_decisions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: ``bidding.tendering.rules`` values when this revision was written.
CATEGORIES = ("works", "goods", "services")
REGISTRATION_STATUSES = ("registered", "appointed", "taken_up")
DOCUMENT_DECISIONS = ("approved", "returned")


def _enum(values: tuple[str, ...], name: str, length: int) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=length)


def upgrade() -> None:
    at = bidding.core.db.types.UTCDateTime(timezone=True)
    op.create_table(
        "project_registrations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenderer_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("approval_number", sa.String(length=100), nullable=False),
        sa.Column("funding_source", sa.String(length=200), nullable=False),
        sa.Column("estimate_fen", sa.BigInteger(), nullable=False),
        sa.Column("category", _enum(CATEGORIES, "category", 32), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", _enum(REGISTRATION_STATUSES, "registration_status", 16), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=True),
        sa.Column("appointed_at", at, nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", at, nullable=False),
        sa.Column("updated_at", at, nullable=False),
        sa.CheckConstraint("estimate_fen > 0", name=op.f("ck_project_registrations_estimate_positive")),
        sa.CheckConstraint(
            "status = 'registered' OR agent_id IS NOT NULL", name=op.f("ck_project_registrations_agent_when_appointed")
        ),
        sa.CheckConstraint(
            "status <> 'taken_up' OR project_id IS NOT NULL",
            name=op.f("ck_project_registrations_project_when_taken_up"),
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["organizations.id"], name=op.f("fk_project_registrations_agent_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_project_registrations_project_id_projects")
        ),
        sa.ForeignKeyConstraint(
            ["tenderer_id"], ["organizations.id"], name=op.f("fk_project_registrations_tenderer_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_registrations")),
        sa.UniqueConstraint("project_id", name=op.f("uq_project_registrations_project_id")),
    )
    with op.batch_alter_table("project_registrations") as batch_op:
        batch_op.create_index(batch_op.f("ix_project_registrations_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_project_registrations_tenderer_id"), ["tenderer_id"], unique=False)

    op.create_table(
        "tender_document_approvals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("decision", _enum(DOCUMENT_DECISIONS, "document_decision", 16), nullable=False),
        sa.Column("comments", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", at, nullable=False),
        sa.CheckConstraint(
            "decision = 'approved' OR comments IS NOT NULL",
            name=op.f("ck_tender_document_approvals_returned_with_comments"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["tender_documents.id"],
            name=op.f("fk_tender_document_approvals_document_id_tender_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_tender_document_approvals_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tender_document_approvals")),
    )
    with op.batch_alter_table("tender_document_approvals") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tender_document_approvals_project_id_id"), ["project_id", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tender_document_approvals") as batch_op:
        batch_op.drop_index(batch_op.f("ix_tender_document_approvals_project_id_id"))
    op.drop_table("tender_document_approvals")
    with op.batch_alter_table("project_registrations") as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_registrations_tenderer_id"))
        batch_op.drop_index(batch_op.f("ix_project_registrations_agent_id"))
    op.drop_table("project_registrations")
