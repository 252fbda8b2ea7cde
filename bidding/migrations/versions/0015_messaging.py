"""Messaging (``bidding/messaging/models.py``, ``docs/messaging.md``): every notice sent by e-mail, SMS,
voice or in-app with its attempts and what became of it (the delivery log), and every inbound answer
(an SMS reply, the keys pressed in a call) with the message it matched.

Revision ID: 0015_messaging
Revises: 0014_expert_pool
Create Date: 2026-12-15
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015_messaging"
down_revision: str | None = "0014_expert_pool"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

#: The value sets as of this revision (``bidding.messaging.channels``, ``bidding.messaging.states``).
CHANNELS = ("email", "sms", "voice", "in_app")
STATUSES = ("queued", "sending", "sent", "delivered", "failed")
OUTCOMES = ("dispatched", "unrecognised", "late", "unmatched", "refused")


def _enum(table: str, name: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    listed = ", ".join(repr(v) for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=op.f(f"ck_{table}_{name}"))


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("out_id", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("subject_zh", sa.String(300), nullable=False),
        sa.Column("subject_en", sa.String(300), nullable=True),
        sa.Column("body_zh", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=True),
        sa.Column("params", JSON, nullable=False),
        sa.Column("answers", JSON, nullable=False),
        sa.Column("attachments", JSON, nullable=False),
        sa.Column("reply_until", TS, nullable=True),
        sa.Column("answered_at", TS, nullable=True),
        sa.Column("answer", sa.String(32), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=True),
        sa.Column("claimed_at", TS, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("provider", sa.String(32), nullable=True),
        sa.Column("provider_message_id", sa.String(200), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("failed_at", TS, nullable=True),
        _enum("messages", "message_channel", "channel", CHANNELS),
        _enum("messages", "message_status", "status", STATUSES),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint("out_id", name=op.f("uq_messages_out_id")),
    )
    op.create_index(op.f("ix_messages_status_next_attempt_at"), "messages", ["status", "next_attempt_at"])
    op.create_index(
        op.f("ix_messages_channel_recipient_created_at"), "messages", ["channel", "recipient", "created_at"]
    )
    op.create_index(op.f("ix_messages_reference"), "messages", ["reference"])
    op.create_index(op.f("ix_messages_provider_message_id"), "messages", ["provider_message_id"])
    op.create_index(op.f("ix_messages_created_at"), "messages", ["created_at"])
    op.create_table(
        "message_replies",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("provider_ref", sa.String(200), nullable=False),
        sa.Column("sender", sa.String(200), nullable=False),
        sa.Column("content", sa.String(1000), nullable=False),
        sa.Column("choice", sa.String(32), nullable=True),
        sa.Column("message_id", sa.Uuid(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(200), nullable=True),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("received_at", TS, nullable=False),
        _enum("message_replies", "message_channel", "channel", CHANNELS),
        _enum("message_replies", "reply_outcome", "outcome", OUTCOMES),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_replies_message_id_messages"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_replies")),
        sa.UniqueConstraint(
            "provider", "channel", "provider_ref", name=op.f("uq_message_replies_provider_channel_provider_ref")
        ),
    )
    op.create_index(op.f("ix_message_replies_message_id"), "message_replies", ["message_id"])
    op.create_index(op.f("ix_message_replies_received_at"), "message_replies", ["received_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_message_replies_received_at"), table_name="message_replies")
    op.drop_index(op.f("ix_message_replies_message_id"), table_name="message_replies")
    op.drop_table("message_replies")
    op.drop_index(op.f("ix_messages_created_at"), table_name="messages")
    op.drop_index(op.f("ix_messages_provider_message_id"), table_name="messages")
    op.drop_index(op.f("ix_messages_reference"), table_name="messages")
    op.drop_index(op.f("ix_messages_channel_recipient_created_at"), table_name="messages")
    op.drop_index(op.f("ix_messages_status_next_attempt_at"), table_name="messages")
    op.drop_table("messages")
