"""Tables of supervision (issue 24; ``docs/supervision.md``): the statutory clocks running on the
platform's projects, the alerts they raised, the supervision orders (电子督办单) the red ones opened,
and the watch's place in the audit trail.

A clock is started and stopped by audit events (:mod:`bidding.supervision.drivers`); an alert is
raised once per clock, level and lead; an order is opened once per clock. Orders are closed, never
deleted (RULES d check 2): the database refuses a DELETE on ``supervision_orders`` (migration 0020).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from bidding.core.db.base import Base, utcnow
from bidding.core.db.types import BigIntPK, JSONType, UTCDateTime, enum_type
from bidding.supervision.clocks import ClockKind
from bidding.supervision.states import OrderState

__all__ = ["SupervisionAlert", "SupervisionClock", "SupervisionCursor", "SupervisionOrder"]


class SupervisionClock(Base):
    """One time limit running on one subject (an award, an objection, a complaint…).

    ``level`` is the alert it shows now (``none``, ``yellow``, ``red``; :func:`bidding.supervision.
    clocks.alert_level`), ``lead_seconds`` the lead of a yellow; ``check_at`` the next instant the
    level may change (:func:`~bidding.supervision.clocks.next_alert_at`), ``None`` once nothing changes
    with time any more — the watch reads only the clocks due a check."""

    __tablename__ = "supervision_clocks"
    __table_args__ = (UniqueConstraint("kind", "subject_type", "subject_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[ClockKind] = mapped_column(enum_type(ClockKind, "clock_kind", length=40))
    article: Mapped[str] = mapped_column(String(60))
    #: What the clock runs on: ``award``, ``objection``, ``complaint``… and its id.
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[str] = mapped_column(String(64))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), index=True)
    lot_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    #: Who answers for it (a :class:`~bidding.supervision.clocks.Party` value), the organisation
    #: (the project's agent, the supervision office…) and the person (the actor id of the agent's
    #: user who created the project) where the platform knows them.
    responsible: Mapped[str] = mapped_column(String(20))
    responsible_org_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    responsible_person: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The last allowed instant: red from ``due_at`` + 1 s.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The duty fell away (the award failed or was terminated): no alert any more.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    level: Mapped[str] = mapped_column(String(10), default="none")
    lead_seconds: Mapped[int | None] = mapped_column(Integer)
    level_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    check_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    started_by_event: Mapped[int] = mapped_column(BigInteger)
    stopped_by_event: Mapped[int | None] = mapped_column(BigInteger)
    #: What the starting event said (the objection's organisation, the government procurement flag…).
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SupervisionAlert(Base):
    """An alert a clock raised: yellow at a lead, red at the limit + 1 s. One per clock, level and
    lead (``lead_seconds`` 0 for red), so a watch run twice raises it once."""

    __tablename__ = "supervision_alerts"
    __table_args__ = (UniqueConstraint("clock_id", "level", "lead_seconds"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    clock_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("supervision_clocks.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[ClockKind] = mapped_column(enum_type(ClockKind, "clock_kind", length=40))
    level: Mapped[str] = mapped_column(String(10))
    lead_seconds: Mapped[int] = mapped_column(Integer, default=0)
    project_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    responsible_org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    responsible_person: Mapped[str | None] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class SupervisionOrder(Base):
    """A supervision order (电子督办单): opened by a red alert to the party responsible, answered by
    it by ``reply_due_at``, closed by a supervisor with a reason; escalated each time its reply is
    overdue. Never deleted."""

    __tablename__ = "supervision_orders"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    #: 督办〔2026〕第 000001 号 as ``DB-2026-000001``: the year's sequence.
    number: Mapped[str] = mapped_column(String(32), unique=True)
    clock_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("supervision_clocks.id", ondelete="RESTRICT"), unique=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("supervision_alerts.id", ondelete="RESTRICT"))
    kind: Mapped[ClockKind] = mapped_column(enum_type(ClockKind, "clock_kind", length=40))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), index=True)
    lot_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    responsible: Mapped[str] = mapped_column(String(20))
    responsible_org_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    responsible_person: Mapped[str | None] = mapped_column(String(200))
    #: ``open`` → ``answered`` → ``closed`` (a supervisor may close an open order too).
    state: Mapped[OrderState] = mapped_column(
        enum_type(OrderState, "order_state", length=12), default=OrderState.OPEN, index=True
    )
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_by: Mapped[str] = mapped_column(String(200))
    reply_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by: Mapped[str | None] = mapped_column(String(200))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(200))
    close_reason: Mapped[str | None] = mapped_column(Text)
    #: How many times the reply was overdue (each time the order goes up one level).
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SupervisionCursor(Base):
    """The watch's place in the audit trail: the highest audit event id it has read (one row)."""

    __tablename__ = "supervision_cursor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    last_event_id: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
